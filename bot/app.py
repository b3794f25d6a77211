"""Building the core from settings: one place, shared by every adapter."""

from __future__ import annotations

from bot.config import Settings
from bot.frontdesk import FrontDesk
from bot.i18n import Catalogs
from bot.knowledge import load_knowledge_base


def build_front_desk(settings: Settings) -> FrontDesk:
    return FrontDesk(load_knowledge_base(settings.faq_dir), Catalogs(settings.locales_dir))

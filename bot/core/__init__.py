"""The answer engine: a message in, a reply out. No Telegram, no database, no environment.

Adapters (the Telegram bot, the terminal chat) build one `FrontDesk` here and render its
`Reply`s; nothing in this package imports them.
"""

from __future__ import annotations

from pathlib import Path

from bot.core.frontdesk import FrontDesk
from bot.core.i18n import Catalogs
from bot.core.knowledge import load_knowledge_base


def build_front_desk(faq_dir: Path, locales_dir: Path) -> FrontDesk:
    return FrontDesk(load_knowledge_base(faq_dir), Catalogs(locales_dir))

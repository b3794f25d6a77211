from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import PROJECT_DIR, Settings
from bot.core.frontdesk import FrontDesk, build_front_desk
from bot.core.knowledge import KnowledgeBase


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(faq_dir=PROJECT_DIR / "faq", locales_dir=PROJECT_DIR / "locales")


@pytest.fixture(scope="session")
def desk(settings: Settings) -> FrontDesk:
    """The real knowledge base and translations; built once, it is read-only."""
    return build_front_desk(settings.faq_dir, settings.locales_dir)


@pytest.fixture
def fresh_desk(settings: Settings) -> FrontDesk:
    """A desk with no conversation memory (for disclaimer tests)."""
    return build_front_desk(settings.faq_dir, settings.locales_dir)


@pytest.fixture(scope="session")
def kb(desk: FrontDesk) -> KnowledgeBase:
    return desk.kb


@pytest.fixture
def faq_copy(tmp_path: Path) -> Path:
    """A writable copy of faq/ for tests that break it on purpose."""
    import shutil

    target = tmp_path / "faq"
    shutil.copytree(PROJECT_DIR / "faq", target)
    return target


# -- end-to-end fixtures: the real Application polling a fake Bot API on 127.0.0.1 ----------


@pytest.fixture
def fake():
    from helpers.fake_bot_api import FakeBotApi

    with FakeBotApi() as server:
        yield server


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "inquiries.sqlite3"


@pytest.fixture
async def bot(fake, db: Path):
    from helpers.telegram_harness import bot_settings, running_bot

    async with running_bot(bot_settings(fake, db)) as app:
        yield app

"""The front-desk bot as `python -m bot` runs it, with Telegram's rate limits not applied: for
bench_telegram.py to measure how fast the bot itself is, beside the echo bot. Run it from the
project folder (bench_telegram.py does)."""

from __future__ import annotations

from bot.config import PROJECT_DIR, Settings, load_dotenv
from bot.core.frontdesk import build_front_desk
from bot.tg.transport.runner import run_bot

if __name__ == "__main__":
    load_dotenv(PROJECT_DIR / ".env")
    settings = Settings.from_env()
    run_bot(settings, build_front_desk(settings.faq_dir, settings.locales_dir), rate_limit=False)

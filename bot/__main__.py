"""`python -m bot`: the Telegram bot when TELEGRAM_BOT_TOKEN is set, else a terminal chat.

`python -m bot check` validates the knowledge base and the translations and exits.
"""

from __future__ import annotations

import argparse
import sys

from bot.config import PROJECT_DIR, ConfigError, Settings, load_dotenv
from bot.core.frontdesk import build_front_desk
from bot.core.knowledge import KnowledgeBaseError
from bot.private_logs import configure_logging

NO_TOKEN = """\
No TELEGRAM_BOT_TOKEN is set, so this is a terminal chat with the same answers the bot gives.
To run it on Telegram: open @BotFather in Telegram, send /newbot, copy the token it gives you,
put TELEGRAM_BOT_TOKEN=<token> in a file named .env in this folder, and run this command again.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ibnsina-bot", description=__doc__)
    parser.add_argument("command", nargs="?", choices=["run", "check"], default="run")
    args = parser.parse_args(argv)

    load_dotenv(PROJECT_DIR / ".env")
    try:
        settings = Settings.from_env()
        desk = build_front_desk(settings.faq_dir, settings.locales_dir)
    except (ConfigError, KnowledgeBaseError) as exc:
        sys.exit(f"error: {exc}")

    if args.command == "check":
        sections, entries = len(desk.kb.sections), len(desk.kb.entries)
        print(f"OK: {entries} entries in {sections} sections, {len(desk.kb.clinics)} clinics")
        return
    if settings.token:
        from bot.tg.transport.runner import run_bot

        run_bot(settings, desk)
    else:
        from bot.terminal import run

        configure_logging(settings.log_level)
        print(NO_TOKEN)
        run(desk)


if __name__ == "__main__":
    main()

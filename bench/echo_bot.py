"""A bare python-telegram-bot echo bot: the yardstick bench_telegram.py measures the front-desk
bot against, on the same fake Bot API. PTB's defaults throughout (long polling, one update at a
time, no rate limiter); it reads the token and the API URL from the same variables as the bot.
"""

from __future__ import annotations

import os

from telegram import Update  # noqa: TID251 - the yardstick is a bare PTB bot
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: TID251


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message and update.effective_message.text:
        await update.effective_message.reply_text(update.effective_message.text)


def main() -> None:
    app = (
        ApplicationBuilder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ["TELEGRAM_API_BASE_URL"])
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    app.run_polling(bootstrap_retries=-1)


if __name__ == "__main__":
    main()

"""What runs by the clock for the front desk (issue 9), once a minute: conversations quiet for
a day close, the weekly digest goes out on Sunday morning, and questions taught or forgotten
elsewhere (`ibnsina-admin forget`, a second bot on the same database) reach the matcher.

`tick` is one round; tests call it after moving `BotData.clock`. Not PTB's JobQueue: it needs
the APScheduler extra, runs on the wall clock (tests could not move it), and a daily job missed
while the bot was down is not caught up; a minute's loop over the log's state does all three.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.ext import Application

from bot.tg.context import BotData
from bot.tg.handoff.cards import close_idle
from bot.tg.handoff.teach import relearn
from bot.tg.reports import send_digest_if_due

logger = logging.getLogger(__name__)

EVERY_SECONDS = 60.0


async def tick(bot: Bot, data: BotData) -> None:
    jobs: tuple[Callable[[], Awaitable[object]], ...] = (
        lambda: close_idle(bot, data),
        lambda: send_digest_if_due(bot, data),
        lambda: relearn(data),
    )
    if data.log is not None and data.log.outage.failing:
        # Closing and the digest must write what they did (or the digest goes out every
        # minute): they wait for the database, as patients' records do.
        jobs = jobs[2:]
    for job in jobs:
        try:
            await job()
        except Exception:
            logger.exception("front-desk housekeeping failed; will try again")


async def _run(bot: Bot, data: BotData) -> None:
    while True:
        await tick(bot, data)
        await asyncio.sleep(EVERY_SECONDS)


def start(app: Application[Any, Any, Any, Any, BotData, Any]) -> None:
    app.bot_data.housekeeping = asyncio.create_task(_run(app.bot, app.bot_data))


async def stop(app: Application[Any, Any, Any, Any, BotData, Any]) -> None:
    task, app.bot_data.housekeeping = app.bot_data.housekeeping, None
    if task:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

"""What runs by the clock, once a minute: the bot's housekeeping and the front desk's.

- records the disk refused are written again (storage's pending file);
- records older than RETENTION_DAYS are purged, at start-up and then daily;
- flood counters of users gone quiet are forgotten;
- conversations quiet for a day close;
- the weekly digest goes out on Sunday morning;
- questions taught or forgotten elsewhere (`ibnsina-admin forget`, a second bot on the same
  database) reach the matcher.

`tick` is one round; tests call it after moving `BotData.clock`. Not PTB's JobQueue: it needs
the APScheduler extra, runs on the wall clock (tests could not move it), and a daily job missed
while the bot was down is not caught up; a minute's loop over the log's state does all three.
The inbox's own recheck stays in the transport (tg.transport.intake).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.ext import Application

from bot.tg.context import BotData
from bot.tg.handoff.cards import close_idle
from bot.tg.handoff.teach import relearn
from bot.tg.reports import send_digest_if_due

logger = logging.getLogger(__name__)

EVERY_SECONDS = 60.0
PURGE_EVERY = timedelta(days=1)


async def purge_if_due(data: BotData) -> bool:
    """Delete what is older than the retention period, once a day; True when it ran."""
    now = data.clock()
    if data.purged_at is not None and now - data.purged_at < PURGE_EVERY:
        return False
    days = data.settings.retention_days
    purged = await data.open_log().purge_older_than(days, now=now)
    data.purged_at = now
    logger.info("retention: purged %d records older than %d days", purged, days)
    return True


async def _forget_idle_flood(data: BotData) -> None:
    data.flood.forget_idle()


async def tick(bot: Bot, data: BotData) -> None:
    jobs: tuple[Callable[[], Awaitable[object]], ...] = (
        lambda: data.open_log().flush_pending(),
        lambda: purge_if_due(data),
        lambda: _forget_idle_flood(data),
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
        except Exception as exc:
            if data.log is not None and data.log.refused(exc):
                continue  # told once, by the log's outage
            logger.exception("housekeeping failed; will try again")


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

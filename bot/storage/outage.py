"""Whether the database takes writes, and catching up once it does again.

When the database refuses a write (disk full, read-only file, locked, I/O error), the log keeps
what it could not write in memory (storage.pending) and patients are still answered. This says
so once: one log line, and one event to whoever listens (the Telegram adapter posts a notice to
the staff group). Then it tries again on a timer and on every new write, logs the counts once a
minute, and says once more, with how many entries it wrote, when the database takes writes
again. No line per message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.storage.pending import PendingWrites
from bot.storage.records import InquiryRecord, utc_now

logger = logging.getLogger(__name__)

RETRY_EVERY_SECONDS = 5.0  # with no new writes to try on
MIN_GAP_SECONDS = 1.0  # a burst of writes tries at most this often
# ... and a try that fails slowly (a long queue is written before a full disk says no) waits ten
# times as long as it took: the database's one thread stays free for reads, at most 10 % busy.
SLOW_TRY_FACTOR = 10.0
REPORT_EVERY_SECONDS = 60.0


class Cause(StrEnum):
    """What a person has to fix, from SQLite's result code."""

    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"
    LOCKED = "locked"
    OTHER = "other"  # an I/O error, a damaged file


_CAUSES = {13: Cause.DISK_FULL, 8: Cause.READ_ONLY, 5: Cause.LOCKED, 6: Cause.LOCKED}


def cause_of(exc: BaseException) -> Cause:
    code = getattr(exc, "sqlite_errorcode", None)
    return _CAUSES.get(code & 0xFF, Cause.OTHER) if isinstance(code, int) else Cause.OTHER


@dataclass(frozen=True)
class WritesFailing:
    since: datetime
    error: str  # SQLite's words for it, e.g. "database or disk is full"
    cause: Cause


@dataclass(frozen=True)
class WritesRecovered:
    since: datetime  # when writes started failing
    written: int  # entries written from memory
    dropped: int  # the oldest entries, dropped for want of memory


OutageEvent = WritesFailing | WritesRecovered
Listener = Callable[[OutageEvent], None]


class Outage:
    """The log's writes as a person would want to hear about them: once when they fail, once
    when they work again."""

    def __init__(self, catch_up: Callable[[], Awaitable[object]], pending: PendingWrites) -> None:
        self._catch_up = catch_up  # InquiryLog.flush_pending
        self._pending = pending
        self.since: datetime | None = None
        self.error = ""
        self.cause = Cause.OTHER
        self._listeners: list[Listener] = []
        self._timer: asyncio.Task[None] | None = None
        self._try: asyncio.Task[object] | None = None
        self._last_try = 0.0
        self._last_cost = 0.0  # seconds the last try took

    @property
    def failing(self) -> bool:
        return self.since is not None

    def listen(self, listener: Listener) -> None:
        """`listener` hears of each change; told at once when writes are failing already."""
        self._listeners.append(listener)
        if self.since is not None:
            listener(WritesFailing(self.since, self.error, self.cause))

    def refused(self, exc: BaseException) -> None:
        """A write was refused; what it would have written waits in memory now."""
        self.error, self.cause = str(exc) or type(exc).__name__, cause_of(exc)
        if self.since is not None:
            return
        self.since = utc_now()
        self._pending.dropped = 0
        logger.error(
            "The database refuses writes (%s). Patients are still answered; what they write "
            "waits in memory (up to %d entries) and is written as soon as the database takes "
            "writes again. Free disk space on the server (or fix the database file); do not "
            "restart the bot before that, or what waits in memory is lost.",
            self.error, self._pending.bound)
        self._emit(WritesFailing(self.since, self.error, self.cause))
        self._timer = asyncio.create_task(self._retry_on_timer())

    def write_came(self) -> None:
        """A new write waits behind the others: try them all now, unless a try is running or
        ran lately (MIN_GAP_SECONDS, SLOW_TRY_FACTOR)."""
        if self._try is not None and not self._try.done():
            return
        gap = max(MIN_GAP_SECONDS, SLOW_TRY_FACTOR * self._last_cost)
        if time.monotonic() - self._last_try < gap:
            return
        self._try = asyncio.create_task(self.retry())

    async def retry(self) -> object:
        self._last_try = time.monotonic()
        try:
            return await self._catch_up()
        finally:
            self._last_cost = time.monotonic() - self._last_try

    def written(self, count: int) -> None:
        """A write went through, and with it `count` entries that waited in memory."""
        if self.since is None:
            return
        since, self.since = self.since, None
        dropped, self._pending.dropped = self._pending.dropped, 0
        logger.warning(
            "The database takes writes again after %s: wrote %d entries that waited in "
            "memory%s", _lasted(since), count,
            f"; {dropped} older ones were dropped for want of memory and are lost" if dropped
            else "; none was lost")
        if self._timer is not None and self._timer is not asyncio.current_task():
            self._timer.cancel()
        self._timer = None
        self._emit(WritesRecovered(since, count, dropped))

    async def stop(self) -> None:
        for task in (self._timer, self._try):
            if task is not None and task is not asyncio.current_task():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._timer = self._try = None

    def _emit(self, event: OutageEvent) -> None:
        for listener in self._listeners:
            try:
                listener(event)
            except Exception as exc:  # a listener's failure must not fail the write
                logger.error("An outage listener failed (%s)", type(exc).__name__)

    async def _retry_on_timer(self) -> None:
        report_at = time.monotonic() + REPORT_EVERY_SECONDS
        while self.since is not None:
            await asyncio.sleep(RETRY_EVERY_SECONDS)
            if time.monotonic() - self._last_try >= RETRY_EVERY_SECONDS / 2:
                try:
                    await self.retry()
                except Exception as exc:
                    logger.error("Writing what waits in memory failed (%s); will try again",
                                 type(exc).__name__)
            if self.since is not None and time.monotonic() >= report_at:
                report_at += REPORT_EVERY_SECONDS
                logger.warning(
                    "The database still refuses writes after %s (%s): %d entries wait in "
                    "memory (%d inquiries), %d dropped; patients are still answered",
                    _lasted(self.since), self.error, len(self._pending),
                    self._pending.count(InquiryRecord), self._pending.dropped)


def _lasted(since: datetime) -> str:
    seconds = (utc_now() - since).total_seconds()
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"

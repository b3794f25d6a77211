"""From Telegram to the handlers, losing nothing on the way.

Each update is stored in the inbox (storage/inbox.py) before Telegram is told it arrived: with
long polling, before the next getUpdates moves the offset past it; with a webhook, before the
200 (webhook.py). While the database refuses writes it is stored in memory instead, and the bot
goes on fetching and answering (storage/outage.py). Then it goes to its chat's lane
(lanes.py), and when a reply reaches the patient the inbox marks it done. Whatever is still new
a minute later (the bot crashed, Telegram was down longer than the retries lasted) is handled
again, for up to an hour.

An update python-telegram-bot cannot read is skipped with one log line; the rest of its batch
is served.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlencode

from telegram import Update
from telegram.error import TelegramError
from telegram.request import BaseRequest

from bot.storage import Inbox, Incoming, State
from bot.tg.transport.lanes import Lanes
from bot.tg.transport.request import HANDLING, Handling, RetryingRequest

if TYPE_CHECKING:
    from bot.tg.app import FrontDeskApp

logger = logging.getLogger(__name__)
T = TypeVar("T")

# The update types the bot has handlers for; Telegram sends no others.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query")
ANSWER_WITHIN = timedelta(hours=1)  # older unanswered updates are not answered any more
KEEP_FOR = timedelta(days=2)  # Telegram redelivers for a day at most
RECHECK_EVERY_SECONDS = 60.0
CONCURRENT_CHATS = 64
POLL_SECONDS = 10  # long polling: Telegram holds getUpdates open this long when idle
STOP_WITHIN_SECONDS = 8.0  # on SIGTERM, what runs gets this long to finish


def _lane(update: Update) -> int:
    """Updates of one chat are handled in order; a chat-less update is its own lane."""
    if update.effective_chat:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user else update.update_id


class Intake:
    """Stores incoming updates, hands them to one lane per chat, and handles again what is
    still unanswered."""

    def __init__(self, app: FrontDeskApp, inbox: Inbox) -> None:
        self.app = app
        self.inbox = inbox
        self.lanes: Lanes[Update] = Lanes(self._handle, lane=_lane,
                                          ident=lambda u: u.update_id,
                                          workers=CONCURRENT_CHATS)
        self._recheck: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.lanes.start()
        again = await self.handle_unanswered()
        if again:
            logger.info("Handling %d updates again that had no reply delivered", again)
        self._recheck = asyncio.create_task(self._recheck_every_minute())

    async def stop(self, within: float | None = None) -> None:
        within = STOP_WITHIN_SECONDS if within is None else within
        if self._recheck is not None:
            self._recheck.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recheck
        left = await self.lanes.stop(within)
        if left:
            logger.info("%d updates left in the inbox for the next start", left)
        await self.inbox.flush()

    async def receive(self, batch: list[Any]) -> None:
        """Store a batch of updates as Telegram sent them (JSON objects) and queue the new ones.
        When the database refuses writes they wait in memory (storage.pending) and are still
        confirmed to Telegram: answering comes first, and a crash before the disk has room again
        loses them (the README's durability section)."""
        now = datetime.now(UTC)
        entries, readable = [], []
        for data in batch:
            update_id = data.get("update_id") if isinstance(data, dict) else None
            if not isinstance(update_id, int):
                logger.warning("Skipped an update without an update_id")
                continue
            try:
                update = Update.de_json(data, self.app.bot)
                chat, user = update.effective_chat, update.effective_user
            except Exception as exc:  # whatever the library trips on, the batch goes on
                logger.warning("Skipped update %d: python-telegram-bot cannot read it (%s)",
                               update_id, type(exc).__name__)
                entries.append(Incoming(update_id, now, None, None, None, State.SKIPPED))
                continue
            entries.append(Incoming(update_id, now, chat.id if chat else None,
                                    user.id if user else None, json.dumps(data)))
            readable.append(update)
        stored = await self.inbox.store(entries)
        for update in readable:
            if update.update_id in stored.new:
                self.lanes.submit(update)

    async def handle_unanswered(self) -> int:
        """Queue again what is new in the inbox and not queued now; how many."""
        now = datetime.now(UTC)
        expired = await self.inbox.expire(now - ANSWER_WITHIN)
        if expired:
            logger.warning("%d updates got no reply within %s and will not be answered now",
                           expired, ANSWER_WITHIN)
        await self.inbox.flush()
        queued = 0
        busy = self.lanes.in_flight
        for incoming in await self.inbox.unanswered(now - ANSWER_WITHIN):
            if incoming.update_id in busy or incoming.payload is None:
                continue
            try:
                update = Update.de_json(json.loads(incoming.payload), self.app.bot)
            except Exception as exc:
                logger.warning("Skipped stored update %d: cannot read it (%s)",
                               incoming.update_id, type(exc).__name__)
                await self.inbox.mark(incoming.update_id, State.SKIPPED)
                continue
            queued += self.lanes.submit(update)
        return queued

    async def _handle(self, update: Update) -> None:
        async def delivered() -> None:
            await self.inbox.mark(update.update_id)

        handling = Handling(update.update_id, on_delivered=delivered)
        token = HANDLING.set(handling)
        try:
            await self.app.process_update(update)
        finally:
            HANDLING.reset(token)
        if handling.delivered:
            return  # marked done when the reply went out
        if handling.gave_up and not handling.refused:
            logger.warning("Update %d: no reply delivered; it will be handled again",
                           update.update_id)
            return
        await self.inbox.mark(update.update_id)  # no reply was due (or none can be sent)

    async def _recheck_every_minute(self) -> None:
        while True:
            await asyncio.sleep(RECHECK_EVERY_SECONDS)
            try:
                await self.handle_unanswered()
                await self.inbox.prune(datetime.now(UTC) - KEEP_FOR)
            except Exception as exc:
                logger.error("Checking the inbox failed (%s); will try again",
                             type(exc).__name__)


class Poller:
    """Long polling: getUpdates, store (on disk, or in memory while the database refuses writes),
    and only then ask for more (which confirms the batch)."""

    def __init__(self, intake: Intake, request: BaseRequest | None = None) -> None:
        self.intake = intake
        self.request = request or RetryingRequest(1)
        self._task: asyncio.Task[None] | None = None
        self._waiting = False  # on Telegram, not in the middle of storing
        self._stopping = False

    async def start(self) -> None:
        await self.request.initialize()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            if self._waiting:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.request.shutdown()

    async def _run(self) -> None:
        url = f"{self.intake.app.bot.base_url}/getUpdates"
        offset, backoff = 0, 1.0
        while not self._stopping:
            query = urlencode({"offset": offset, "timeout": POLL_SECONDS, "limit": 100,
                               "allowed_updates": json.dumps(ALLOWED_UPDATES)})
            try:
                batch = await self._wait(self.request.post(f"{url}?{query}",
                                                           read_timeout=POLL_SECONDS + 5))
            except TelegramError as exc:  # beyond the retries, or another instance polls
                logger.error("getUpdates failed (%s); trying again in %.0f s",
                             type(exc).__name__, backoff)
                await self._wait(asyncio.sleep(backoff))
                backoff = min(backoff * 2, 60.0)
                continue
            backoff = 1.0
            if not isinstance(batch, list) or not batch:
                continue
            await self.intake.receive(batch)
            ids = [u["update_id"] for u in batch
                   if isinstance(u, dict) and isinstance(u.get("update_id"), int)]
            if ids:
                offset = max(ids) + 1

    async def _wait(self, awaitable: Awaitable[T]) -> T:
        """Await something stop() may cancel: a long poll or a pause, never a write."""
        self._waiting = True
        try:
            return await awaitable
        finally:
            self._waiting = False

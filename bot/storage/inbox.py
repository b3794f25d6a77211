"""The inbox: every update Telegram delivers, stored before Telegram is told it arrived, and
marked done once its reply is delivered. At start-up, and every minute, what is still new is
handled again, so neither a crash nor a Telegram outage loses a patient's answer.

An update is stored once (its update_id is the key), with the update's JSON until it is done;
then only its id and state stay, so a redelivery is recognised, and after two days (Telegram
keeps an update for one) the row goes too.

Done marks are written in the background, many in one transaction when replies go out
quickly (one fsync, not one each): a crash can lose the marks of the last few milliseconds, and
those replies go out again at the next start.

When the database refuses a write (locked, disk full), stored updates and done marks wait in
memory and `flush` tries again; `store` says whether the batch is safely on disk, so the caller
does not confirm to Telegram what would be lost in a crash.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

import aiosqlite

from bot.storage.records import iso, parse
from bot.storage.schema import transaction

logger = logging.getLogger(__name__)


class State(StrEnum):
    NEW = "new"  # stored, no reply delivered yet
    DONE = "done"  # a reply was delivered, or none was needed
    SKIPPED = "skipped"  # the library could not read it: never handled
    EXPIRED = "expired"  # not answered in time; too old to answer now


@dataclass(frozen=True)
class Incoming:
    """One update as it arrived."""

    update_id: int
    received_at: datetime
    chat_id: int | None
    user_id: int | None
    payload: str | None  # the update's JSON; None once it is not needed
    state: State = State.NEW


@dataclass(frozen=True)
class Stored:
    new: frozenset[int]  # ids not seen before: handle these
    durable: bool  # False: the database refused them; they wait in memory


_INSERT = (
    "INSERT INTO inbox (update_id, received_at, chat_id, user_id, state, payload) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING"
)
_DONE = "UPDATE inbox SET state = ?, payload = NULL WHERE update_id = ?"


class Inbox:
    """Shares the log's connection and lock (InquiryLog.inbox): one writer at a time."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        self._db = db
        self._lock = lock
        self._unsaved: dict[int, Incoming] = {}  # refused by the database, oldest first
        self._unsaved_marks: dict[int, State] = {}  # not written yet (or refused)
        self._writer: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """Updates and marks waiting in memory for the database."""
        return len(self._unsaved) + len(self._unsaved_marks)

    async def store(self, updates: Iterable[Incoming]) -> Stored:
        """Store a batch in one transaction; which of its updates are new."""
        if self._unsaved:
            await self.flush()
        batch = [u for u in updates if u.update_id not in self._unsaved]
        if not batch:
            return Stored(frozenset(), durable=not self._unsaved)
        ids = [u.update_id for u in batch]
        try:
            async with self._lock, transaction(self._db) as db:
                marks = ", ".join("?" * len(ids))
                known = {row[0] for row in await db.execute_fetchall(
                    f"SELECT update_id FROM inbox WHERE update_id IN ({marks})", ids)}
                fresh = [u for u in batch if u.update_id not in known]
                await db.executemany(_INSERT, [_row(u) for u in fresh])
        except sqlite3.OperationalError as exc:
            logger.error("Could not store %d incoming updates (%s); they wait in memory",
                         len(batch), type(exc).__name__)
            self._unsaved.update((u.update_id, u) for u in batch)
            return Stored(frozenset(ids), durable=False)
        return Stored(frozenset(u.update_id for u in fresh), durable=not self._unsaved)

    async def mark(self, update_id: int, state: State = State.DONE) -> None:
        """The update is finished with; its JSON is dropped. Written in the background."""
        if update_id in self._unsaved:
            self._unsaved[update_id] = replace(self._unsaved[update_id], state=state,
                                               payload=None)
            return
        self._unsaved_marks[update_id] = state
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_marks())

    async def _write_marks(self) -> None:
        """Write the marks made so far in one transaction, again while more come."""
        while self._unsaved_marks and not self._unsaved:
            marks = dict(self._unsaved_marks)
            try:
                async with self._lock, transaction(self._db) as db:
                    await db.executemany(_DONE, [(s.value, i) for i, s in marks.items()])
            except sqlite3.OperationalError as exc:
                logger.error("Could not mark %d updates done (%s); will retry", len(marks),
                             type(exc).__name__)
                return
            for update_id, state in marks.items():
                if self._unsaved_marks.get(update_id) is state:
                    del self._unsaved_marks[update_id]

    async def flush(self) -> bool:
        """Write what waits in memory; True when nothing is left waiting."""
        if self._writer is not None:
            await self._writer
        if not self.pending:
            return True
        unsaved, marks = list(self._unsaved.values()), dict(self._unsaved_marks)
        try:
            async with self._lock, transaction(self._db) as db:
                await db.executemany(_INSERT, [_row(u) for u in unsaved])
                await db.executemany(_DONE, [(s.value, i) for i, s in marks.items()])
        except sqlite3.OperationalError as exc:
            logger.error("Still cannot write %d inbox entries (%s); will retry", self.pending,
                         type(exc).__name__)
            return False
        for update in unsaved:
            current = self._unsaved.pop(update.update_id, None)
            if current is not None and current != update:  # marked while it was written
                self._unsaved_marks[update.update_id] = current.state
        for update_id, state in marks.items():
            if self._unsaved_marks.get(update_id) is state:
                del self._unsaved_marks[update_id]
        logger.info("Wrote %d waiting inbox entries", len(unsaved) + len(marks))
        return not self.pending

    async def unanswered(self, since: datetime) -> list[Incoming]:
        """New updates received since `since`, oldest first (by update_id: Telegram's order)."""
        rows = await self._db.execute_fetchall(
            "SELECT update_id, received_at, chat_id, user_id, payload, state FROM inbox "
            "WHERE state = 'new' AND received_at >= ? ORDER BY update_id", (iso(since),))
        found = [
            Incoming(r["update_id"], parse(r["received_at"]), r["chat_id"], r["user_id"],
                     r["payload"], State(r["state"]))
            for r in rows
            if r["update_id"] not in self._unsaved_marks
        ]
        waiting = [u for u in self._unsaved.values() if u.state is State.NEW
                   and u.received_at >= since]
        return sorted(found + waiting, key=lambda u: u.update_id)

    async def expire(self, before: datetime) -> int:
        """New updates received before `before` are too old to answer now; how many."""
        await self.flush()
        async with self._lock, self._db.execute(
            "UPDATE inbox SET state = 'expired', payload = NULL "
            "WHERE state = 'new' AND received_at < ?", (iso(before),)
        ) as cursor:
            return cursor.rowcount

    async def prune(self, before: datetime) -> int:
        """Forget updates received before `before`: Telegram will not deliver them again."""
        await self.flush()
        async with self._lock, self._db.execute(
            "DELETE FROM inbox WHERE received_at < ? AND state != 'new'", (iso(before),)
        ) as cursor:
            return cursor.rowcount

    def drop_user(self, user_id: int) -> None:
        """Forget one user's updates waiting in memory (/forget)."""
        for update_id in [i for i, u in self._unsaved.items() if u.user_id == user_id]:
            del self._unsaved[update_id]


def _row(update: Incoming) -> tuple[object, ...]:
    return (update.update_id, iso(update.received_at), update.chat_id, update.user_id,
            update.state.value, update.payload)

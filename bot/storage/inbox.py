"""The inbox: every update Telegram delivers, stored before Telegram is told it arrived, and
marked done once its reply is delivered. At start-up, and every minute, what is still new is
handled again, so neither a crash nor a Telegram outage loses a patient's answer.

An update is stored once (its update_id is the key), with the update's JSON until it is done;
then only its id and state stay, so a redelivery is recognised, and after two days (Telegram
keeps an update for one) the row goes too.

Done marks are written in the background, many in one transaction when replies go out
quickly (one fsync, not one each): a crash can lose the marks of the last few milliseconds, and
those replies go out again at the next start.

When the database refuses a write (locked, disk full), updates and done marks wait in memory
with the log's other waiting writes (storage.pending) and are written with them once the
database takes writes again (storage.outage); `store` says whether the batch is on disk or only
in memory.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import aiosqlite

from bot.storage.records import iso, parse
from bot.storage.schema import LogPart, refuses_writes, transaction

if TYPE_CHECKING:
    from bot.storage.outage import Outage
    from bot.storage.pending import Mark, PendingWrites

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
    durable: bool  # False: the database refused them; they wait in memory (a crash loses them)


_INSERT = (
    "INSERT INTO inbox (update_id, received_at, chat_id, user_id, state, payload) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (update_id) DO NOTHING"
)
_DONE = "UPDATE inbox SET state = ?, payload = NULL WHERE update_id = ?"


class Inbox(LogPart):
    """Shares the log's connection, lock and waiting writes (InquiryLog.inbox)."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock, pending: PendingWrites,
                 outage: Outage) -> None:
        super().__init__(db, lock)
        self._pending = pending
        self._outage = outage
        self._marks: dict[int, State] = {}  # not written yet: they go in batches
        self._writer: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """Updates and marks waiting in memory for the database."""
        return len(self._marks) + self._pending.count_updates()

    async def store(self, updates: Iterable[Incoming]) -> Stored:
        """Store a batch in one transaction; which of its updates are new."""
        batch = [u for u in updates if self._pending.update(u.update_id) is None]
        if not batch:
            return Stored(frozenset(), durable=not self._outage.failing)
        if self._outage.failing:
            return await self._wait_in_memory(batch)
        ids = [u.update_id for u in batch]
        try:
            async with self._lock, transaction(self._db) as db:
                known = await _known(db, ids)
                fresh = [u for u in batch if u.update_id not in known]
                await db.executemany(_INSERT, [_row(u) for u in fresh])
        except sqlite3.DatabaseError as exc:
            if not refuses_writes(exc):
                raise
            self._outage.refused(exc)
            return await self._wait_in_memory(batch)
        return Stored(frozenset(u.update_id for u in fresh), durable=True)

    async def _wait_in_memory(self, batch: list[Incoming]) -> Stored:
        try:  # reading still works on a full disk: a redelivered update is not new
            known = await _known(self._db, [u.update_id for u in batch])
        except sqlite3.DatabaseError:
            known = set()
        fresh = [u for u in batch if u.update_id not in known]
        for update in fresh:
            self._pending.add_update(update)
        self._outage.write_came()
        return Stored(frozenset(u.update_id for u in fresh), durable=False)

    async def mark(self, update_id: int, state: State = State.DONE) -> None:
        """The update is finished with; its JSON is dropped. Written in the background."""
        if self._outage.failing or self._pending.update(update_id) is not None:
            self._pending.mark(update_id, state)
            return
        self._marks[update_id] = state
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_marks())

    async def _write_marks(self) -> None:
        """Write the marks made so far in one transaction, again while more come."""
        while self._marks:
            marks = dict(self._marks)
            try:
                async with self._lock, transaction(self._db) as db:
                    await db.executemany(_DONE, [(s.value, i) for i, s in marks.items()])
            except sqlite3.DatabaseError as exc:
                if not refuses_writes(exc):
                    raise
                for update_id, state in self._marks.items():
                    self._pending.mark(update_id, state)
                self._marks.clear()
                self._outage.refused(exc)
                return
            for update_id, state in marks.items():
                if self._marks.get(update_id) is state:
                    del self._marks[update_id]

    async def flush(self) -> bool:
        """Write what waits in memory; True when nothing is left waiting."""
        if self._writer is not None:
            await self._writer
        if self._outage.failing or len(self._pending):
            await self._outage.retry()
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
            if r["update_id"] not in self._marks and self._pending.update(r["update_id"]) is None
        ]
        waiting = [u for u in self._pending.updates() if u.state is State.NEW
                   and u.received_at >= since]
        return sorted(found + waiting, key=lambda u: u.update_id)

    async def expire(self, before: datetime) -> int:
        """New updates received before `before` are too old to answer now; how many (none
        while the database refuses writes)."""
        if not await self.flush():
            return 0
        async with self._lock, self._db.execute(
            "UPDATE inbox SET state = 'expired', payload = NULL "
            "WHERE state = 'new' AND received_at < ?", (iso(before),)
        ) as cursor:
            return cursor.rowcount

    async def prune(self, before: datetime) -> int:
        """Forget updates received before `before`: Telegram will not deliver them again."""
        if not await self.flush():
            return 0
        async with self._lock, self._db.execute(
            "DELETE FROM inbox WHERE received_at < ? AND state != 'new'", (iso(before),)
        ) as cursor:
            return cursor.rowcount


async def write_waiting(db: aiosqlite.Connection, updates: list[Incoming],
                        marks: list[Mark]) -> None:
    """Inside InquiryLog.flush_pending's transaction: the updates and marks that waited."""
    await db.executemany(_INSERT, [_row(u) for u in updates])
    await db.executemany(_DONE, [(m.state.value, m.update_id) for m in marks])


async def _known(db: aiosqlite.Connection, ids: list[int]) -> set[int]:
    marks = ", ".join("?" * len(ids))
    rows = await db.execute_fetchall(
        f"SELECT update_id FROM inbox WHERE update_id IN ({marks})", ids)
    return {row[0] for row in rows}


def _row(update: Incoming) -> tuple[object, ...]:
    return (update.update_id, iso(update.received_at), update.chat_id, update.user_id,
            update.state.value, update.payload)

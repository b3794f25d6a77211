"""What the bot remembers of each chat between two messages, kept durably.

The core's `Context` (bot/core/conversation.py) arrives here as its JSON: storage keeps it and
knows nothing of what is inside. A restart keeps it; the caller says how old a context may be
(30 minutes); /start clears it; /forget and the retention purge remove it.

Reads come from memory once a chat has written; writes go through to the database. While the
database refuses writes (storage/outage.py, which tells staff once), contexts stay in memory
only and are not queued: a lost context costs a follow-up its thread, never a patient their
reply, and a locked file must not make each reply's handler wait for it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.storage.outage import Outage
from bot.storage.records import iso, parse
from bot.storage.schema import LogPart, refuses_writes, transaction

# Chats whose context is held in memory; older ones are read from the database again.
_REMEMBERED_CHATS = 10_000


@dataclass(frozen=True)
class _Held:
    at: datetime
    user_id: int
    context: str | None  # None: cleared


class ChatContexts(LogPart):
    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock, outage: Outage) -> None:
        super().__init__(db, lock)
        self._outage = outage
        self._memory: OrderedDict[int, _Held] = OrderedDict()

    def _hold(self, chat_id: int, held: _Held) -> None:
        self._memory[chat_id] = held
        self._memory.move_to_end(chat_id)
        while len(self._memory) > _REMEMBERED_CHATS:
            self._memory.popitem(last=False)

    async def get(self, chat_id: int, now: datetime, within: timedelta) -> str | None:
        """The chat's context, if it was written less than `within` before `now`."""
        held = self._memory.get(chat_id)
        if held is None:
            try:
                async with self._db.execute(
                    "SELECT updated_at, user_id, context FROM chat_context WHERE chat_id = ?",
                    (chat_id,),
                ) as cursor:
                    row = await cursor.fetchone()
            except sqlite3.Error:
                return None  # a follow-up loses its thread; the message is still answered
            if row is None:
                return None
            held = _Held(parse(row[0]), int(row[1]), row[2])
            self._hold(chat_id, held)
        return held.context if now - held.at < within else None

    async def put(self, chat_id: int, user_id: int, context: str | None, now: datetime) -> None:
        """Keep `context` for the chat (None clears it, as /start does)."""
        self._hold(chat_id, _Held(now, user_id, context))
        if self._outage.failing:
            return
        try:
            async with self._lock, transaction(self._db) as db:
                if context is None:
                    await db.execute("DELETE FROM chat_context WHERE chat_id = ?", (chat_id,))
                else:
                    await db.execute(
                        "INSERT INTO chat_context (chat_id, user_id, updated_at, context) "
                        "VALUES (?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
                        "user_id = excluded.user_id, updated_at = excluded.updated_at, "
                        "context = excluded.context",
                        (chat_id, user_id, iso(now), context),
                    )
        except sqlite3.DatabaseError as exc:
            if not refuses_writes(exc):
                raise
            self._outage.refused(exc)

    def drop_user(self, user_id: int) -> None:
        for chat_id in [c for c, held in self._memory.items() if held.user_id == user_id]:
            del self._memory[chat_id]

    def drop_before(self, cutoff: datetime) -> None:
        for chat_id in [c for c, held in self._memory.items() if held.at < cutoff]:
            del self._memory[chat_id]


async def forget_contexts(db: aiosqlite.Connection, user_id: int) -> int:
    async with db.execute("DELETE FROM chat_context WHERE user_id = ?", (user_id,)) as cursor:
        return cursor.rowcount


async def purge_contexts(db: aiosqlite.Connection, cutoff: str) -> int:
    async with db.execute("DELETE FROM chat_context WHERE updated_at < ?", (cutoff,)) as cursor:
        return cursor.rowcount

"""The inquiry log: every patient question, call-back request, 👍/👎 and language choice.

One SQLite file, one long-lived aiosqlite connection. The connection runs its statements one at
a time on its worker thread, so sharing it between handlers is safe; an asyncio lock keeps a
multi-statement transaction from having another coroutine's write slipped into it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from bot.core.vocabulary import Lang
from bot.storage.callbacks import Callbacks, delete_callbacks
from bot.storage.chat_context import ChatContexts, forget_contexts, purge_contexts
from bot.storage.conversations import (
    Conversations,
    MessageRef,
    forget_conversations,
    purge_conversations,
)
from bot.storage.health import WRITE_CHECK
from bot.storage.inbox import Inbox, Incoming, write_waiting
from bot.storage.learned import Learned, forget_learned
from bot.storage.outage import Outage
from bot.storage.pending import Mark, PendingWrites
from bot.storage.records import (
    Inquiry,
    InquiryRecord,
    columns,
    from_row,
    iso,
    parameters,
    parse,
    to_row,
    utc_now,
)
from bot.storage.reports import Reports
from bot.storage.schema import (
    DEFAULT_BUSY_TIMEOUT,
    make_private,
    open_database,
    refuses_writes,
    transaction,
)

logger = logging.getLogger(__name__)

_INSERT_INQUIRY = (
    f"INSERT INTO inquiries ({columns(InquiryRecord)}) VALUES ({parameters(InquiryRecord)}) "
    "ON CONFLICT (update_id) DO NOTHING"
)


class InquiryLog:
    """The log over one aiosqlite connection; open with `await InquiryLog.open(path)`.

    It keeps the inquiries and what spans tables (opening, closing, /forget, the purge, the
    backup); each other part is a small object over the same connection and lock.
    """

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()
        self._closed = False
        # What the database refused waits here, and the outage says when, and when it ends.
        self._pending = PendingWrites(path)
        self.outage = Outage(self.flush_pending, self._pending)
        self.inbox = Inbox(db, self._lock, self._pending, self.outage)  # updates as they came
        self.conversations = Conversations(db, self._lock)  # with the front desk
        self.callbacks = Callbacks(db, self._lock)  # call-back requests
        self.learned = Learned(db, self._lock)  # what staff taught
        self.reports = Reports(db, self._lock)  # the staff's queries and reports
        self.contexts = ChatContexts(db, self._lock, self.outage)  # each chat's memory

    @property
    def pending(self) -> int:
        """Entries (inquiries, updates, done marks) waiting in memory for the database."""
        return len(self._pending)

    # -- opening and closing ----------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> InquiryLog:
        path = Path(path)
        log = cls(await open_database(path, busy_timeout), path)
        try:
            log._pending.load()
            if log._pending:
                waiting = len(log._pending)
                await log.flush_pending()  # on failure the outage begins; they stay in memory
                if not log._pending:
                    logger.info("Imported %d entries saved at the last shutdown", waiting)
        except BaseException:
            await log._db.close()
            raise
        return log

    async def close(self) -> None:
        """Write what waits in memory (to the database, else once to the pending file) and
        close. A disk that stays full costs what waits, said in the log, and no exception."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.outage.stop()
            try:
                await self.inbox.flush()
            except Exception:
                logger.exception("Could not write what waits in memory while closing")
            if self._pending:
                self._pending.save()
        finally:
            await self._db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def refuse_writes(self, refuse: bool = True) -> None:
        """From now on the database refuses every write, as a read-only file would (SQLite's
        query_only), or takes them again: the seam through which tests and bench/ make an
        outage, which they cannot do to a real disk on demand."""
        await self._db.execute(f"PRAGMA query_only = {int(refuse)}")

    # -- recording ---------------------------------------------------------------------------

    async def record(self, rec: InquiryRecord) -> int | None:
        """Store `rec`; its row id, or None when the update was already stored or the database
        refuses writes (then it waits in memory, behind what waits already, and the reply goes
        out without waiting for the disk)."""
        if self.outage.failing or self._pending:
            self._pending.add(rec)
            self.outage.write_came()
            return None
        try:
            async with self._lock:
                # One trip to the database's thread (a cursor costs a second): under load the
                # hand-over between threads is what costs most. No row back: stored already.
                rows = list(await self._db.execute_fetchall(_INSERT_INQUIRY + " RETURNING id",
                                                            to_row(rec)))
        except sqlite3.DatabaseError as exc:
            if not refuses_writes(exc):
                raise
            self._pending.add(rec)
            self.outage.refused(exc)
            return None
        return int(rows[0][0]) if rows else None

    def refused(self, exc: BaseException) -> bool:
        """Whether `exc`, from a write made outside the log's waiting path (a handler's, the
        purge's), says that the database refuses writes; then the outage begins, if it has not."""
        if isinstance(exc, sqlite3.DatabaseError) and refuses_writes(exc):
            self.outage.refused(exc)
            return True
        return False

    async def flush_pending(self) -> int:
        """Write everything waiting in memory in one transaction, in order; how many inquiry
        rows were added (0 when the database still refuses)."""
        async with self._lock:
            waiting = self._pending.snapshot()
            if not waiting and not self.outage.failing:
                return 0
            records = [w for w in waiting.values() if isinstance(w, InquiryRecord)]
            try:
                async with transaction(self._db) as db:
                    # A write even when nothing waits: it tells whether the outage is over.
                    await db.execute(WRITE_CHECK, (iso(utc_now()),))
                    await write_waiting(db, [w for w in waiting.values()
                                             if isinstance(w, Incoming)],
                                        [w for w in waiting.values() if isinstance(w, Mark)])
                    async with db.executemany(_INSERT_INQUIRY, map(to_row, records)) as cur:
                        added = max(cur.rowcount, 0)
            except sqlite3.DatabaseError as exc:
                if not refuses_writes(exc):
                    raise
                self.outage.refused(exc)
                return 0
            self._pending.written(waiting)
        if self.outage.failing:
            self.outage.written(len(waiting))
        else:
            logger.info("Wrote %d entries that waited in memory", len(waiting))
        return added

    # -- feedback, language, one inquiry ----------------------------------------------------

    async def record_feedback(
        self,
        user_id: int,
        entry_id: str,
        helpful: bool,
        inquiry_id: int | None = None,
        at: datetime | None = None,
    ) -> int:
        sql = (
            "INSERT INTO feedback (created_at, user_id, inquiry_id, entry_id, helpful) "
            "VALUES (?, ?, ?, ?, ?)"
        )
        params = (iso(at or utc_now()), user_id, inquiry_id, entry_id, int(helpful))
        async with self._lock, self._db.execute(sql, params) as cur:
            return _row_id(cur)

    async def inquiry(self, inquiry_id: int) -> Inquiry | None:
        """One inquiry: the question a patient asks the front desk about."""
        rows = await self._db.execute_fetchall(
            f"SELECT {columns(Inquiry)} FROM inquiries WHERE id = ?", (inquiry_id,))
        return next((from_row(Inquiry, row) for row in rows), None)

    async def get_language(self, user_id: int) -> str | None:
        rows = list(
            await self._db.execute_fetchall(
                "SELECT lang FROM user_prefs WHERE user_id = ?", (user_id,)
            )
        )
        return str(rows[0]["lang"]) if rows else None

    async def set_language(self, user_id: int, lang: str | None) -> None:
        """Remember the patient's choice; None means "detect from each message" again."""
        async with self._lock:
            if lang is None:
                await self._db.execute("DELETE FROM user_prefs WHERE user_id = ?", (user_id,))
                return
            await self._db.execute(
                "INSERT INTO user_prefs (user_id, lang, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET lang = excluded.lang, "
                "updated_at = excluded.updated_at",
                (user_id, Lang(lang).value, iso(utc_now())),
            )

    # -- staff queries ---------------------------------------------------------------------

    async def backup(self, target: Path) -> None:
        """A consistent copy of the whole database in `target`, taken with SQLite's online
        backup while the bot may go on writing; readable by its owner only, like the original.
        """
        make_private(target)
        # The copy is written from the log's worker thread, so it may not insist on its own.
        copy = sqlite3.connect(target, check_same_thread=False)
        try:
            await self._db.backup(copy)
        finally:
            copy.close()

    # -- deleting ----------------------------------------------------------------------------

    async def staff_copies(self, user_id: int) -> list[MessageRef]:
        """Every message the bot posted on the staff side of the patient's conversations and
        call-back requests (for /forget); staff members' own answers are theirs, not the bot's
        to remove."""
        rows = await self._db.execute_fetchall(
            "SELECT chat_id, message_id, role FROM conversation_messages WHERE conversation_id "
            "IN (SELECT id FROM conversations WHERE user_id = ?) AND role != 'answer' "
            "UNION ALL SELECT chat_id, message_id, 'callback' FROM callback_messages "
            "WHERE request_id IN (SELECT id FROM callback_requests WHERE user_id = ?)",
            (user_id, user_id),
        )
        return [MessageRef(int(c), int(m), str(r)) for c, m, r in rows]

    async def forget_user(self, user_id: int) -> int:
        """Delete everything stored about one user, in one transaction; rows deleted."""
        deleted = 0
        async with self._lock:
            async with transaction(self._db) as db:
                deleted += await delete_callbacks(db, "user_id = ?", user_id)
                for table in ("inquiries", "feedback", "user_prefs", "inbox"):
                    sql = f"DELETE FROM {table} WHERE user_id = ?"
                    async with db.execute(sql, (user_id,)) as cursor:
                        deleted += cursor.rowcount
                deleted += await forget_conversations(db, user_id)
                deleted += await forget_learned(db, user_id)
                deleted += await forget_contexts(db, user_id)
            deleted += self._pending.drop_user(user_id)
            self.contexts.drop_user(user_id)
            # Until a checkpoint, the -wal file still holds the pages as they were before the
            # delete: copy the new pages into the database and empty the -wal file.
            await self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return deleted

    async def purge_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete inquiries, call-back requests, feedback and front-desk conversations older
        than `days`; rows deleted.

        Language choices stay: they hold no message and are in use until the patient changes
        them (forget_user removes them). So do taught questions: they are the bot's knowledge
        now, kept with no name (forget_user removes those taken from the patient's words).
        """
        if days < 0:
            raise ValueError(f"days must not be negative, not {days}")
        cutoff = iso((now or utc_now()) - timedelta(days=days))
        deleted = 0
        async with self._lock, transaction(self._db) as db:
            deleted += await delete_callbacks(db, "created_at < ?", cutoff)
            for table, column in (("inquiries", "received_at"), ("feedback", "created_at")):
                async with db.execute(f"DELETE FROM {table} WHERE {column} < ?", (cutoff,)) as c:
                    deleted += c.rowcount
            deleted += await purge_conversations(db, cutoff)
            deleted += await purge_contexts(db, cutoff)
        self.contexts.drop_before(parse(cutoff))
        return deleted


def _row_id(cursor: aiosqlite.Cursor) -> int:
    if cursor.lastrowid is None:
        raise RuntimeError("SQLite returned no row id for an insert")
    return cursor.lastrowid

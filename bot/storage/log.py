"""The inquiry log: every patient question, call-back request, 👍/👎 and language choice.

One SQLite file, one long-lived aiosqlite connection. The connection runs its statements one at
a time on its worker thread, so sharing it between handlers is safe; an asyncio lock keeps a
multi-statement transaction from having another coroutine's write slipped into it.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

import aiosqlite

from bot.core.vocabulary import Lang
from bot.storage.chat_context import ChatContexts, forget_contexts, purge_contexts
from bot.storage.conversations import (
    ConversationStore,
    MessageRef,
    forget_conversations,
    purge_conversations,
)
from bot.storage.inbox import Inbox
from bot.storage.learned import LearnedStore, forget_learned
from bot.storage.pending import PendingRecords
from bot.storage.records import (
    ANSWERED_KINDS,
    DHAKA,
    MESSAGE_KINDS,
    UNANSWERED_KINDS,
    CallbackRequest,
    EntryVotes,
    Inquiry,
    InquiryRecord,
    Stats,
    UnansweredQuestion,
    columns,
    from_row,
    iso,
    parameters,
    parse,
    to_row,
    utc,
    utc_now,
)
from bot.storage.reports import ReportStore
from bot.storage.schema import DEFAULT_BUSY_TIMEOUT, make_private, open_database, transaction

logger = logging.getLogger(__name__)

_INSERT_INQUIRY = (
    f"INSERT INTO inquiries ({columns(InquiryRecord)}) VALUES ({parameters(InquiryRecord)}) "
    "ON CONFLICT (update_id) DO NOTHING"
)


class InquiryLog(ConversationStore, LearnedStore, ReportStore):
    """The log over one aiosqlite connection; open with `await InquiryLog.open(path)`.
    The front desk's conversations, what staff taught and the reports' queries are mixed in
    from their own modules."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()
        self._pending = PendingRecords(path)
        self._closed = False
        self.inbox = Inbox(db, self._lock)  # the updates as they arrived (storage/inbox.py)
        self.contexts = ChatContexts(db, self._lock)  # each chat's memory (chat_context.py)

    @property
    def pending(self) -> int:
        """Records waiting in memory for the database to accept them."""
        return len(self._pending)

    # -- opening and closing ----------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> InquiryLog:
        path = Path(path)
        log = cls(await open_database(path, busy_timeout), path)
        try:
            log._pending.load()
            if log._pending:
                written = await log.flush_pending()  # on failure it logs; they stay pending
                if not log._pending:
                    logger.info("Imported %d inquiries saved at the last shutdown", written)
        except BaseException:
            await log._db.close()
            raise
        return log

    async def close(self) -> None:
        """Write what is pending (to the database, else to the pending file) and close."""
        if self._closed:
            return
        self._closed = True
        try:
            try:
                await self.flush_pending()
                await self.inbox.flush()
            except Exception:
                logger.exception("Could not write pending inquiries while closing")
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

    # -- recording ---------------------------------------------------------------------------

    async def record(self, rec: InquiryRecord) -> int | None:
        """Store `rec`; its row id, or None when the update was already stored or the write
        failed (then it is kept pending and retried; the failure is logged)."""
        try:
            async with self._lock:
                # One trip to the database's thread (a cursor costs a second): under load the
                # hand-over between threads is what costs most. No row back: stored already.
                rows = list(await self._db.execute_fetchall(_INSERT_INQUIRY + " RETURNING id",
                                                            to_row(rec)))
        except sqlite3.OperationalError as exc:
            self._pending.add(rec)
            logger.error(
                "Could not save an inquiry (%s); %d inquiries are now waiting in memory and "
                "will be retried",
                exc,
                len(self._pending),
            )
            return None
        if self._pending:
            await self.flush_pending()  # the database writes again: catch up
        return int(rows[0][0]) if rows else None

    async def flush_pending(self) -> int:
        """Try to write the pending records in one transaction; how many rows were added."""
        async with self._lock:
            batch = self._pending.batch()
            if not batch:
                return 0
            written = 0
            try:
                async with transaction(self._db) as db:
                    for rec in batch:
                        async with db.execute(_INSERT_INQUIRY, to_row(rec)) as cur:
                            written += max(cur.rowcount, 0)
            except sqlite3.OperationalError as exc:
                logger.error(
                    "Still cannot save %d pending inquiries (%s); will retry",
                    len(self._pending),
                    exc,
                )
                return 0
            self._pending.written(len(batch))
            logger.info("Saved %d pending inquiries", len(batch))
            return written

    # -- call-back requests, feedback, language ------------------------------------------------

    async def add_callback_request(
        self,
        *,
        user_id: int,
        chat_id: int,
        display_name: str,
        username: str | None,
        branch: str,
        phone: str,
        created_at: datetime | None = None,
    ) -> int:
        sql = (
            "INSERT INTO callback_requests (created_at, user_id, chat_id, display_name, "
            "username, branch, phone) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        row = (
            iso(created_at or utc_now()), user_id, chat_id, display_name, username, branch, phone
        )
        async with self._lock, self._db.execute(sql, row) as cur:
            return _row_id(cur)

    async def open_callbacks(self) -> list[CallbackRequest]:
        sql = (
            f"SELECT {columns(CallbackRequest)} FROM callback_requests WHERE status = 'open' "
            "ORDER BY created_at, id"
        )
        return [from_row(CallbackRequest, row) for row in await self._db.execute_fetchall(sql)]

    async def callback_request(self, request_id: int) -> CallbackRequest | None:
        sql = f"SELECT {columns(CallbackRequest)} FROM callback_requests WHERE id = ?"
        rows = list(await self._db.execute_fetchall(sql, (request_id,)))
        return from_row(CallbackRequest, rows[0]) if rows else None

    async def link_callback_message(self, request_id: int, chat_id: int, message_id: int) -> None:
        """A staff-side message showing the request (the alert, a /callbacks line)."""
        async with self._lock:
            await self._db.execute(
                "INSERT OR REPLACE INTO callback_messages (chat_id, message_id, request_id) "
                "VALUES (?, ?, ?)", (chat_id, message_id, request_id))

    async def callback_copies(self, request_id: int) -> list[MessageRef]:
        rows = await self._db.execute_fetchall(
            "SELECT chat_id, message_id FROM callback_messages WHERE request_id = ? "
            "ORDER BY rowid", (request_id,))
        return [MessageRef(int(c), int(m), "callback") for c, m in rows]

    async def mark_callback_done(
        self, request_id: int, staff_user_id: int, at: datetime | None = None
    ) -> bool:
        """False when the request is unknown or someone already marked it done."""
        sql = (
            "UPDATE callback_requests SET status = 'done', done_at = ?, done_by = ? "
            "WHERE id = ? AND status = 'open'"
        )
        params = (iso(at or utc_now()), staff_user_id, request_id)
        async with self._lock, self._db.execute(sql, params) as cur:
            return cur.rowcount == 1

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

    async def latest(self, limit: int = 20) -> list[Inquiry]:
        sql = (
            f"SELECT {columns(Inquiry)} FROM inquiries "
            "ORDER BY received_at DESC, id DESC LIMIT ?"
        )
        return [from_row(Inquiry, row) for row in await self._db.execute_fetchall(sql, (limit,))]

    async def unanswered(
        self, since: datetime, limit: int = 20, answered_below: float | None = None
    ) -> list[UnansweredQuestion]:
        """Fallback and did-you-mean messages since `since` (plus answers with confidence
        below `answered_below`, if given), grouped by canonical text, most frequent first."""
        kinds = sorted(UNANSWERED_KINDS)
        sql = (
            "SELECT received_at, text, id FROM inquiries WHERE received_at >= ? AND "
            f"(kind IN ({', '.join('?' * len(kinds))}) "
            "OR (kind = 'answer' AND confidence < ?)) ORDER BY received_at, id"
        )
        # NULL < x is never true: with no threshold, no answer is included.
        params = (iso(since), *kinds, answered_below)
        groups: dict[str, tuple[int, str, str, int]] = {}
        for received_at, text, row_id in await self._db.execute_fetchall(sql, params):
            key = canonical_text(text) or text
            count = groups[key][0] if key in groups else 0
            groups[key] = (count + 1, received_at, text, row_id)  # rows are oldest first
        ordered = sorted(groups.values(), key=lambda g: (g[0], g[1]), reverse=True)
        return [
            UnansweredQuestion(example=text, count=count, last_at=parse(last), inquiry_id=row_id)
            for count, last, text, row_id in ordered[:limit]
        ]

    async def stats(self, since: datetime, top: int = 5) -> Stats:
        start = iso(since)
        fetch = self._db.execute_fetchall
        ((total, people),) = await fetch(
            "SELECT count(*), count(DISTINCT user_id) FROM inquiries WHERE received_at >= ?",
            (start,),
        )
        # Count per UTC hour in SQL, then fold the hours into Dhaka days: correct for any
        # whole-hour offset, and at most 24 rows a day leave SQLite.
        by_day: dict[date, int] = {}
        for hour, count in await fetch(
            "SELECT substr(received_at, 1, 13) AS hour, count(*) FROM inquiries "
            "WHERE received_at >= ? GROUP BY hour ORDER BY hour",
            (start,),
        ):
            day = datetime.fromisoformat(f"{hour}:00+00:00").astimezone(DHAKA).date()
            by_day[day] = by_day.get(day, 0) + count
        by_kind = {
            kind: count
            for kind, count in await fetch(
                "SELECT kind, count(*) AS n FROM inquiries WHERE received_at >= ? "
                "GROUP BY kind ORDER BY n DESC, kind",
                (start,),
            )
        }
        by_form = {
            form: count
            for form, count in await fetch(
                "SELECT form, count(*) AS n FROM inquiries WHERE received_at >= ? "
                "AND form IS NOT NULL GROUP BY form ORDER BY n DESC, form",
                (start,),
            )
        }
        answered = sorted(ANSWERED_KINDS)
        top_entries = tuple(
            (entry, count)
            for entry, count in await fetch(
                "SELECT entry_id, count(*) AS n FROM inquiries WHERE received_at >= ? "
                f"AND entry_id IS NOT NULL AND kind IN ({', '.join('?' * len(answered))}) "
                "GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?",
                (start, *answered, top),
            )
        )
        disliked = tuple(
            EntryVotes(entry, down, up)
            for entry, down, up in await fetch(
                "SELECT entry_id, sum(helpful = 0) AS down, sum(helpful = 1) AS up "
                "FROM feedback WHERE created_at >= ? GROUP BY entry_id HAVING down > 0 "
                "ORDER BY down DESC, up, entry_id LIMIT ?",
                (start, top),
            )
        )
        messages = sum(n for kind, n in by_kind.items() if kind in MESSAGE_KINDS)
        unanswered = sum(n for kind, n in by_kind.items() if kind in UNANSWERED_KINDS)
        return Stats(
            since=utc(since),
            total=total,
            people=people,
            messages=messages,
            unanswered=unanswered,
            unanswered_rate=unanswered / messages if messages else 0.0,
            by_day=by_day,
            by_kind=by_kind,
            by_form=by_form,
            top_entries=top_entries,
            most_disliked=disliked,
        )

    async def export_rows(self, since: datetime, until: datetime) -> list[Inquiry]:
        """Inquiries with since <= received_at < until, oldest first."""
        sql = (
            f"SELECT {columns(Inquiry)} FROM inquiries "
            "WHERE received_at >= ? AND received_at < ? ORDER BY received_at, id"
        )
        rows = await self._db.execute_fetchall(sql, (iso(since), iso(until)))
        return [from_row(Inquiry, row) for row in rows]

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

    async def forget_user(self, user_id: int) -> int:
        """Delete everything stored about one user, in one transaction; rows deleted."""
        deleted = 0
        async with self._lock:
            async with transaction(self._db) as db:
                deleted += await _delete_callback_links(db, "user_id = ?", user_id)
                for table in ("inquiries", "callback_requests", "feedback", "user_prefs",
                              "inbox"):
                    sql = f"DELETE FROM {table} WHERE user_id = ?"
                    async with db.execute(sql, (user_id,)) as cursor:
                        deleted += cursor.rowcount
                deleted += await forget_conversations(db, user_id)
                deleted += await forget_learned(db, user_id)
                deleted += await forget_contexts(db, user_id)
            deleted += self._pending.drop_user(user_id)
            self.inbox.drop_user(user_id)
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
            deleted += await _delete_callback_links(db, "created_at < ?", cutoff)
            for table, column in (
                ("inquiries", "received_at"),
                ("callback_requests", "created_at"),
                ("feedback", "created_at"),
            ):
                async with db.execute(f"DELETE FROM {table} WHERE {column} < ?", (cutoff,)) as c:
                    deleted += c.rowcount
            deleted += await purge_conversations(db, cutoff)
            deleted += await purge_contexts(db, cutoff)
        self.contexts.drop_before(parse(cutoff))
        return deleted


async def _delete_callback_links(db: aiosqlite.Connection, where: str, value: object) -> int:
    """Before the call-back requests `where` selects are deleted: where their alerts went."""
    sql = ("DELETE FROM callback_messages WHERE request_id IN "
           f"(SELECT id FROM callback_requests WHERE {where})")
    async with db.execute(sql, (value,)) as cursor:
        return cursor.rowcount


def canonical_text(text: str) -> str:
    """Lower-case, punctuation removed, whitespace collapsed: "Cost?" and "cost" group."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return " ".join(text.split())


def _row_id(cursor: aiosqlite.Cursor) -> int:
    if cursor.lastrowid is None:
        raise RuntimeError("SQLite returned no row id for an insert")
    return cursor.lastrowid

"""The durable inquiry log: every patient question, call-back request, 👍/👎 and language choice.

One SQLite file, one long-lived aiosqlite connection. The connection runs its statements one at
a time on its worker thread, so sharing it between handlers is safe; an asyncio lock keeps a
multi-statement transaction from having another coroutine's write slipped into it.

A patient's question is never dropped silently: if SQLite cannot write (locked, disk full,
I/O error) the record waits in memory, is retried, and at shutdown is saved beside the database
as JSON lines, to be imported on the next start.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import json
import logging
import os
import sqlite3
import unicodedata
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, Self
from zoneinfo import ZoneInfo

import aiosqlite

from bot.core.vocabulary import Form, Lang, ReplyKind

logger = logging.getLogger(__name__)

DHAKA = ZoneInfo("Asia/Dhaka")
DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a writer waits for another connection's lock
PENDING_SUFFIX = ".pending.jsonl"

# Kinds of inquiry that are a patient's typed message (the denominator of the unanswered rate).
MESSAGE_KINDS = frozenset(k.value for k in ReplyKind)
UNANSWERED_KINDS = frozenset({ReplyKind.FALLBACK.value, ReplyKind.DID_YOU_MEAN.value})
# Kinds whose entry_id is an entry the patient was actually shown.
ANSWERED_KINDS = frozenset({ReplyKind.ANSWER.value, ReplyKind.EMERGENCY.value, "button"})
# "flood": a message over the per-user limit, logged but not answered.
KINDS = MESSAGE_KINDS | {"command", "button", "contact", "non_text", "callback_request", "flood"}

# MIGRATIONS[i] takes the schema from version i to i + 1 (PRAGMA user_version). Released
# migrations are history: never edit one, append a new one.
# `kind` and `branch` have no CHECK: a new reply kind or clinic would otherwise need a table
# rebuild; InquiryRecord validates kinds instead.
MIGRATIONS: list[str] = [
    # 1: the inquiry log.
    """
    CREATE TABLE inquiries (
        id           INTEGER PRIMARY KEY,
        received_at  TEXT    NOT NULL,            -- ISO-8601 UTC
        update_id    INTEGER UNIQUE,              -- Telegram redelivers: store each once
        user_id      INTEGER NOT NULL,
        chat_id      INTEGER NOT NULL,
        display_name TEXT    NOT NULL DEFAULT '',
        username     TEXT,
        lang         TEXT    NOT NULL CHECK (lang IN ('en', 'bn')),
        form         TEXT    CHECK (form IN ('en', 'bn', 'banglish')),
        text         TEXT    NOT NULL,
        kind         TEXT    NOT NULL,
        entry_id     TEXT
    );
    CREATE INDEX inquiries_received_at ON inquiries (received_at);
    """,
    # 2: call-back requests; the matcher's confidence, so staff can review weak answers.
    """
    CREATE TABLE callback_requests (
        id           INTEGER PRIMARY KEY,
        created_at   TEXT    NOT NULL,
        user_id      INTEGER NOT NULL,
        chat_id      INTEGER NOT NULL,
        display_name TEXT    NOT NULL DEFAULT '',
        username     TEXT,
        branch       TEXT    NOT NULL,
        phone        TEXT    NOT NULL,
        status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done')),
        done_at      TEXT,
        done_by      INTEGER
    );
    CREATE INDEX callback_requests_status ON callback_requests (status, created_at);
    ALTER TABLE inquiries ADD COLUMN confidence REAL;
    """,
    # 3: 👍/👎 on answers; /forget deletes by user, so index it.
    """
    CREATE TABLE feedback (
        id         INTEGER PRIMARY KEY,
        created_at TEXT    NOT NULL,
        user_id    INTEGER NOT NULL,
        inquiry_id INTEGER,
        entry_id   TEXT    NOT NULL,
        helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1))
    );
    CREATE INDEX feedback_entry ON feedback (entry_id);
    CREATE INDEX feedback_user ON feedback (user_id);
    CREATE INDEX inquiries_user ON inquiries (user_id);
    CREATE INDEX callback_requests_user ON callback_requests (user_id);
    """,
    # 4: the reply language a patient picked with /language (kept across restarts).
    """
    CREATE TABLE user_prefs (
        user_id    INTEGER PRIMARY KEY,
        lang       TEXT    NOT NULL CHECK (lang IN ('en', 'bn')),
        updated_at TEXT    NOT NULL
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer version of the bot; refusing to touch it."""


# -- records -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class InquiryRecord:
    """One thing a patient sent, and how the bot answered it."""

    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    update_id: int | None = None
    user_id: int
    chat_id: int
    display_name: str = ""
    username: str | None = None
    lang: str
    form: str | None = None
    text: str
    kind: str
    entry_id: str | None = None
    confidence: float | None = None

    def __post_init__(self) -> None:
        # Enums become plain strings here, so the database and the JSON file see one type.
        set_ = object.__setattr__
        set_(self, "received_at", _utc(self.received_at))
        set_(self, "lang", Lang(self.lang).value)
        set_(self, "form", Form(self.form).value if self.form is not None else None)
        if self.kind not in KINDS:
            raise ValueError(f"unknown inquiry kind {self.kind!r}; expected one of {sorted(KINDS)}")
        set_(self, "kind", str(self.kind))

    def to_json(self) -> str:
        data = dataclasses.asdict(self)
        data["received_at"] = _iso(self.received_at)
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> InquiryRecord:
        data = json.loads(line)
        data["received_at"] = datetime.fromisoformat(data["received_at"])
        return cls(**data)


@dataclass(frozen=True, kw_only=True)
class Inquiry(InquiryRecord):
    """A stored inquiry."""

    id: int

    def __post_init__(self) -> None:
        # Shown as stored: a row written by a newer version may carry a kind this one lacks.
        pass


@dataclass(frozen=True)
class CallbackRequest:
    id: int
    created_at: datetime
    user_id: int
    chat_id: int
    display_name: str
    username: str | None
    branch: str
    phone: str
    status: str  # 'open' | 'done'
    done_at: datetime | None
    done_by: int | None


@dataclass(frozen=True)
class UnansweredQuestion:
    """Messages the bot could not answer well, grouped by their canonical text."""

    example: str  # the most recent wording
    count: int
    last_at: datetime


@dataclass(frozen=True)
class EntryVotes:
    entry_id: str
    down: int
    up: int


@dataclass(frozen=True)
class Stats:
    since: datetime
    total: int  # every inquiry, buttons and commands included
    people: int  # distinct users
    messages: int  # typed messages that got a reply (the unanswered rate's denominator)
    unanswered: int  # fallback + did_you_mean
    unanswered_rate: float  # 0.0 when there were no messages
    by_day: dict[date, int]  # Asia/Dhaka days with at least one inquiry, oldest first
    by_kind: dict[str, int]
    by_form: dict[str, int]
    top_entries: tuple[tuple[str, int], ...]  # (entry id, times shown), most first
    most_disliked: tuple[EntryVotes, ...]  # most 👎 first


# -- the log -------------------------------------------------------------------------------

_INQUIRY_COLUMNS = (
    "received_at, update_id, user_id, chat_id, display_name, username, lang, form, text, "
    "kind, entry_id, confidence"
)
_INSERT_INQUIRY = (
    f"INSERT INTO inquiries ({_INQUIRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (update_id) DO NOTHING"
)
_CALLBACK_COLUMNS = (
    "id, created_at, user_id, chat_id, display_name, username, branch, phone, status, "
    "done_at, done_by"
)


class InquiryLog:
    """The log over one aiosqlite connection; open with `await InquiryLog.open(path)`."""

    def __init__(self, db: aiosqlite.Connection, path: Path) -> None:
        self._db = db
        self.path = path
        self._lock = asyncio.Lock()
        self._pending: list[InquiryRecord] = []
        # True while the records in the pending file are also in self._pending.
        self._pending_file_loaded = False
        self._closed = False

    @property
    def pending_path(self) -> Path:
        return self.path.with_name(self.path.name + PENDING_SUFFIX)

    @property
    def pending(self) -> int:
        """Records waiting in memory for the database to accept them."""
        return len(self._pending)

    # -- opening and closing ----------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> InquiryLog:
        path = Path(path)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _make_private(path)
        db = await aiosqlite.connect(path, timeout=busy_timeout, isolation_level=None)
        # The worker thread is not a daemon: an unclosed connection would hang the exit.
        try:
            log = cls(db, path)
            await log._setup()
        except BaseException:
            await db.close()
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
            except Exception:
                logger.exception("Could not write pending inquiries while closing")
            if self._pending:
                self._save_pending_file()
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

    async def _setup(self) -> None:
        async with self._db.execute("PRAGMA journal_mode=WAL") as cursor:
            row = await cursor.fetchone()
        if row is None or str(row[0]).lower() != "wal":
            logger.warning("SQLite refused WAL mode for %s (got %r)", self.path, row)
        # FULL: each commit is fsynced, so a power cut cannot lose a patient's question the
        # bot already answered. NORMAL would only risk the last commits, but inquiries come a
        # few a minute, so the extra fsync costs nothing noticeable.
        await self._db.execute("PRAGMA synchronous=FULL")
        # Deleted rows (/forget, purge) are overwritten, not left readable in free pages.
        await self._db.execute("PRAGMA secure_delete=ON")
        await self._migrate()
        self._load_pending_file()
        if self._pending:
            written = await self.flush_pending()  # on failure it logs, and they stay pending
            if not self._pending:
                logger.info("Imported %d inquiries saved at the last shutdown", written)

    async def _user_version(self) -> int:
        async with self._db.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def _migrate(self) -> None:
        if await self._user_version() == SCHEMA_VERSION:
            return  # the usual case: no write lock needed
        async with self._lock:
            while True:
                # Read the version inside the write transaction: another process (the admin
                # CLI, a second bot) may have migrated while we waited for the lock.
                async with self._transaction():
                    version = await self._user_version()
                    if version > SCHEMA_VERSION:
                        raise SchemaTooNewError(
                            f"{self.path} has schema version {version}, but this version of "
                            f"the bot knows only up to {SCHEMA_VERSION}; please update the bot"
                        )
                    if version == SCHEMA_VERSION:
                        return
                    for statement in _statements(MIGRATIONS[version]):
                        await self._db.execute(statement)
                    # PRAGMA takes no parameters; the value is our own integer.
                    await self._db.execute(f"PRAGMA user_version = {version + 1}")
                logger.info("Database %s migrated to schema version %d", self.path, version + 1)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error. Hold self._lock around it."""
        # IMMEDIATE takes the write lock up front, so a busy database fails at BEGIN, before
        # half the work is done.
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            await self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                await self._db.execute("ROLLBACK")
            raise

    # -- recording ---------------------------------------------------------------------------

    async def record(self, rec: InquiryRecord) -> int | None:
        """Store `rec`; its row id, or None when the update was already stored or the write
        failed (then it is kept pending and retried; the failure is logged)."""
        try:
            async with self._lock, self._db.execute(_INSERT_INQUIRY, _inquiry_row(rec)) as cur:
                inserted, row_id = cur.rowcount == 1, cur.lastrowid
        except sqlite3.OperationalError as exc:
            self._pending.append(rec)
            logger.error(
                "Could not save an inquiry (%s); %d inquiries are now waiting in memory and "
                "will be retried",
                exc,
                len(self._pending),
            )
            return None
        if self._pending:
            await self.flush_pending()  # the database writes again: catch up
        return row_id if inserted else None

    async def flush_pending(self) -> int:
        """Try to write the pending records in one transaction; how many rows were added."""
        async with self._lock:
            batch = list(self._pending)
            if not batch:
                return 0
            written = 0
            try:
                async with self._transaction() as db:
                    for rec in batch:
                        async with db.execute(_INSERT_INQUIRY, _inquiry_row(rec)) as cur:
                            written += max(cur.rowcount, 0)
            except sqlite3.OperationalError as exc:
                logger.error(
                    "Still cannot save %d pending inquiries (%s); will retry",
                    len(self._pending),
                    exc,
                )
                return 0
            # Only appends happen while we hold the lock, so the batch is still at the front.
            del self._pending[: len(batch)]
            if self._pending_file_loaded:
                self.pending_path.unlink(missing_ok=True)
                self._pending_file_loaded = False
            logger.info("Saved %d pending inquiries", len(batch))
            return written

    def _load_pending_file(self) -> None:
        path = self.pending_path
        if not path.exists():
            return
        unreadable = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                self._pending.append(InquiryRecord.from_json(line))
            except (ValueError, KeyError, TypeError):
                unreadable += 1
        if unreadable:
            # Keep the file for a person to look at; its readable records are imported.
            aside = path.with_name(f"{path.name}.unreadable-{datetime.now(UTC):%Y%m%d%H%M%S}")
            path.rename(aside)
            logger.error("%d lines of %s could not be read; kept as %s", unreadable, path, aside)
        else:
            self._pending_file_loaded = True

    def _save_pending_file(self) -> None:
        try:
            self._write_pending_file()
        except OSError:
            logger.critical(
                "LOST %d inquiries: the database and %s are both unwritable",
                len(self._pending),
                self.pending_path,
            )
            raise
        logger.error(
            "The database could not be written; %d inquiries saved to %s, to be imported "
            "on the next start",
            len(self._pending),
            self.pending_path,
        )

    def _write_pending_file(self) -> None:
        path = self.pending_path
        lines = "".join(rec.to_json() + "\n" for rec in self._pending).encode("utf-8")
        if not self._pending_file_loaded:
            _write_private(path, lines, os.O_APPEND)
        elif self._pending:
            # The file's records are in self._pending too: replace it, atomically.
            tmp = path.with_name(path.name + ".tmp")
            _write_private(tmp, lines, os.O_TRUNC)
            os.replace(tmp, path)
        else:
            path.unlink(missing_ok=True)
            self._pending_file_loaded = False

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
        row = (_iso(created_at or _now()), user_id, chat_id, display_name, username, branch, phone)
        async with self._lock, self._db.execute(sql, row) as cur:
            return _row_id(cur)

    async def open_callbacks(self) -> list[CallbackRequest]:
        sql = (
            f"SELECT {_CALLBACK_COLUMNS} FROM callback_requests WHERE status = 'open' "
            "ORDER BY created_at, id"
        )
        return [_callback(row) for row in await self._db.execute_fetchall(sql)]

    async def mark_callback_done(
        self, request_id: int, staff_user_id: int, at: datetime | None = None
    ) -> bool:
        """False when the request is unknown or someone already marked it done."""
        sql = (
            "UPDATE callback_requests SET status = 'done', done_at = ?, done_by = ? "
            "WHERE id = ? AND status = 'open'"
        )
        params = (_iso(at or _now()), staff_user_id, request_id)
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
        params = (_iso(at or _now()), user_id, inquiry_id, entry_id, int(helpful))
        async with self._lock, self._db.execute(sql, params) as cur:
            return _row_id(cur)

    async def get_language(self, user_id: int) -> str | None:
        rows = list(
            await self._db.execute_fetchall(
                "SELECT lang FROM user_prefs WHERE user_id = ?", (user_id,)
            )
        )
        return str(rows[0][0]) if rows else None

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
                (user_id, Lang(lang).value, _iso(_now())),
            )

    # -- staff queries ---------------------------------------------------------------------

    async def latest(self, limit: int = 20) -> list[Inquiry]:
        sql = (
            f"SELECT id, {_INQUIRY_COLUMNS} FROM inquiries "
            "ORDER BY received_at DESC, id DESC LIMIT ?"
        )
        return [_inquiry(row) for row in await self._db.execute_fetchall(sql, (limit,))]

    async def unanswered(
        self, since: datetime, limit: int = 20, answered_below: float | None = None
    ) -> list[UnansweredQuestion]:
        """Fallback and did-you-mean messages since `since` (plus answers with confidence
        below `answered_below`, if given), grouped by canonical text, most frequent first."""
        kinds = sorted(UNANSWERED_KINDS)
        sql = (
            "SELECT received_at, text FROM inquiries WHERE received_at >= ? AND "
            f"(kind IN ({', '.join('?' * len(kinds))}) "
            "OR (kind = 'answer' AND confidence < ?)) ORDER BY received_at, id"
        )
        # NULL < x is never true: with no threshold, no answer is included.
        params = (_iso(since), *kinds, answered_below)
        groups: dict[str, tuple[int, str, str]] = {}
        for received_at, text in await self._db.execute_fetchall(sql, params):
            key = canonical_text(text) or text
            count = groups[key][0] if key in groups else 0
            groups[key] = (count + 1, received_at, text)  # rows are oldest first
        ordered = sorted(groups.values(), key=lambda g: (g[0], g[1]), reverse=True)
        return [
            UnansweredQuestion(example=text, count=count, last_at=_parse(last))
            for count, last, text in ordered[:limit]
        ]

    async def stats(self, since: datetime, top: int = 5) -> Stats:
        start = _iso(since)
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
            since=_utc(since),
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
            f"SELECT id, {_INQUIRY_COLUMNS} FROM inquiries "
            "WHERE received_at >= ? AND received_at < ? ORDER BY received_at, id"
        )
        rows = await self._db.execute_fetchall(sql, (_iso(since), _iso(until)))
        return [_inquiry(row) for row in rows]

    # -- deleting ----------------------------------------------------------------------------

    async def forget_user(self, user_id: int) -> int:
        """Delete everything stored about one user, in one transaction; rows deleted."""
        deleted = 0
        async with self._lock:
            async with self._transaction() as db:
                for table in ("inquiries", "callback_requests", "feedback", "user_prefs"):
                    sql = f"DELETE FROM {table} WHERE user_id = ?"
                    async with db.execute(sql, (user_id,)) as cursor:
                        deleted += cursor.rowcount
            # A pending record would bring the user back at the next flush.
            kept = [rec for rec in self._pending if rec.user_id != user_id]
            if len(kept) < len(self._pending):
                deleted += len(self._pending) - len(kept)
                self._pending[:] = kept
                if self._pending_file_loaded:
                    self._write_pending_file()
        return deleted

    async def purge_older_than(self, days: int, now: datetime | None = None) -> int:
        """Delete inquiries, call-back requests and feedback older than `days`; rows deleted.

        Language choices stay: they hold no message and are in use until the patient changes
        them (forget_user removes them).
        """
        if days < 0:
            raise ValueError(f"days must not be negative, not {days}")
        cutoff = _iso((now or _now()) - timedelta(days=days))
        deleted = 0
        async with self._lock, self._transaction() as db:
            for table, column in (
                ("inquiries", "received_at"),
                ("callback_requests", "created_at"),
                ("feedback", "created_at"),
            ):
                async with db.execute(f"DELETE FROM {table} WHERE {column} < ?", (cutoff,)) as c:
                    deleted += c.rowcount
        return deleted


# -- CSV export ----------------------------------------------------------------------------

CSV_HEADER = (
    "time (Dhaka)",
    "user id",
    "name",
    "username",
    "language",
    "form",
    "message",
    "reply kind",
    "entry",
    "confidence",
)
# A cell starting with one of these is a formula to Excel (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_csv(rows: Iterable[Inquiry], fp: BinaryIO) -> None:
    """Write `rows` as CSV that Excel opens correctly: UTF-8 with BOM (or Bangla is garbled),
    Dhaka times, and no cell that Excel would run as a formula."""
    text = io.TextIOWrapper(fp, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(CSV_HEADER)
        for row in rows:
            writer.writerow(
                [
                    row.received_at.astimezone(DHAKA).strftime("%Y-%m-%d %H:%M"),
                    row.user_id,
                    _safe_cell(row.display_name),
                    _safe_cell(row.username or ""),
                    row.lang,
                    row.form or "",
                    _safe_cell(row.text),
                    row.kind,
                    _safe_cell(row.entry_id or ""),
                    "" if row.confidence is None else f"{row.confidence:.2f}",
                ]
            )
        text.flush()
    finally:
        text.detach()  # leave the caller's file open


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


# -- helpers -------------------------------------------------------------------------------


def canonical_text(text: str) -> str:
    """Lower-case, punctuation removed, whitespace collapsed: "Cost?" and "cost" group."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return " ".join(text.split())


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime {moment} has no time zone; pass an aware (UTC) time")
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    # Fixed width, so comparing the strings in SQL compares the times.
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (execute() runs one at a time)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        raise ValueError(f"incomplete SQL statement in migration: {current.strip()[:80]!r}")
    return statements


def _make_private(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    # os.open's mode applies only to a new file (and the umask may narrow it): set it anyway.
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            os.chmod(file, 0o600)


def _write_private(path: Path, data: bytes, mode_flag: int) -> None:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | mode_flag, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)


def _row_id(cursor: aiosqlite.Cursor) -> int:
    if cursor.lastrowid is None:
        raise RuntimeError("SQLite returned no row id for an insert")
    return cursor.lastrowid


def _inquiry_row(rec: InquiryRecord) -> tuple[Any, ...]:
    return (
        _iso(rec.received_at),
        rec.update_id,
        rec.user_id,
        rec.chat_id,
        rec.display_name,
        rec.username,
        rec.lang,
        rec.form,
        rec.text,
        rec.kind,
        rec.entry_id,
        rec.confidence,
    )


def _inquiry(row: Any) -> Inquiry:
    (id_, received_at, update_id, user_id, chat_id, display_name, username, lang, form, text,
     kind, entry_id, confidence) = row
    return Inquiry(
        id=id_,
        received_at=_parse(received_at),
        update_id=update_id,
        user_id=user_id,
        chat_id=chat_id,
        display_name=display_name,
        username=username,
        lang=lang,
        form=form,
        text=text,
        kind=kind,
        entry_id=entry_id,
        confidence=confidence,
    )


def _callback(row: Any) -> CallbackRequest:
    (id_, created_at, user_id, chat_id, display_name, username, branch, phone, status, done_at,
     done_by) = row
    return CallbackRequest(
        id=id_,
        created_at=_parse(created_at),
        user_id=user_id,
        chat_id=chat_id,
        display_name=display_name,
        username=username,
        branch=branch,
        phone=phone,
        status=status,
        done_at=_parse(done_at) if done_at else None,
        done_by=done_by,
    )

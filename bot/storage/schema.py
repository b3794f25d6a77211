"""The database file: created private, written durably, and migrated to the current schema.

Python 3.11's sqlite3 opens no transaction before DDL, so every write here runs inside an
explicit `BEGIN IMMEDIATE ... COMMIT`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

logger = logging.getLogger(__name__)

DEFAULT_BUSY_TIMEOUT = 5.0  # seconds a writer waits for another connection's lock

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
    # 5: the front desk's conversations with patients (issue 9), the staff-side messages that
    # belong to each (cards, relayed copies, reply prompts), the questions staff taught the
    # bot, and small state that must survive a restart (when the weekly digest went out).
    """
    CREATE TABLE conversations (
        id           INTEGER PRIMARY KEY,
        opened_at    TEXT    NOT NULL,
        last_at      TEXT    NOT NULL,            -- last message either way
        user_id      INTEGER NOT NULL,
        chat_id      INTEGER NOT NULL,
        display_name TEXT    NOT NULL DEFAULT '',
        username     TEXT,
        lang         TEXT    NOT NULL CHECK (lang IN ('en', 'bn')),
        form         TEXT    CHECK (form IN ('en', 'bn', 'banglish')),
        question     TEXT    NOT NULL,            -- word for word; '' when it was a voice note
        media        TEXT,                        -- 'voice', 'photo' ...: what was asked instead
        bot_reply    TEXT    NOT NULL,            -- the kind of reply the bot had given
        bot_entry_id TEXT,
        inquiry_id   INTEGER,
        status       TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        replies      INTEGER NOT NULL DEFAULT 0,
        answered_by  TEXT,                        -- the staff member who answered last
        answered_at  TEXT,
        closed_at    TEXT,
        closed_by    TEXT                         -- NULL when it closed for lack of messages
    );
    CREATE INDEX conversations_user ON conversations (user_id, status);
    CREATE INDEX conversations_status ON conversations (status, last_at);
    CREATE TABLE conversation_messages (
        chat_id         INTEGER NOT NULL,
        message_id      INTEGER NOT NULL,
        conversation_id INTEGER NOT NULL,
        role            TEXT    NOT NULL,         -- 'card', 'patient', 'prompt'
        PRIMARY KEY (chat_id, message_id)
    );
    CREATE INDEX conversation_messages_conversation ON conversation_messages (conversation_id);
    CREATE TABLE learned (
        id             INTEGER PRIMARY KEY,
        created_at     TEXT    NOT NULL,
        text           TEXT    NOT NULL,
        canonical      TEXT    NOT NULL UNIQUE,   -- taught again: the newer teaching wins
        form           TEXT    CHECK (form IN ('en', 'bn', 'banglish')),
        entry_id       TEXT,                      -- NULL: not in the article
        taught_by      INTEGER NOT NULL,
        taught_by_name TEXT    NOT NULL DEFAULT '',
        source_user_id INTEGER                    -- whose words they were, for /forget
    );
    CREATE INDEX learned_source ON learned (source_user_id);
    CREATE TABLE bot_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 6: the inbox (storage/inbox.py): each update stored before Telegram is told it arrived.
    """
    CREATE TABLE inbox (
        update_id   INTEGER PRIMARY KEY,
        received_at TEXT    NOT NULL,
        chat_id     INTEGER,
        user_id     INTEGER,
        state       TEXT    NOT NULL,             -- new | done | skipped | expired
        payload     TEXT                          -- the update's JSON, while it is new
    );
    CREATE INDEX inbox_state ON inbox (state, received_at);
    CREATE INDEX inbox_user ON inbox (user_id);
    """,
    # 7: where each call-back alert was posted, so that Done updates every copy and /forget
    # can remove them.
    """
    CREATE TABLE callback_messages (
        chat_id    INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        request_id INTEGER NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    );
    CREATE INDEX callback_messages_request ON callback_messages (request_id);
    """,
    # 8: what the bot remembers of each chat between messages (storage/chat_context.py).
    """
    CREATE TABLE chat_context (
        chat_id    INTEGER PRIMARY KEY,
        user_id    INTEGER NOT NULL,
        updated_at TEXT    NOT NULL,
        context    TEXT
    );
    CREATE INDEX chat_context_user ON chat_context (user_id);
    """,
    # 9: a reply to two or three questions answers more than one entry.
    """
    ALTER TABLE inquiries ADD COLUMN more_entries TEXT;
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer version of the bot; refusing to touch it."""


async def open_database(path: Path, busy_timeout: float) -> aiosqlite.Connection:
    """A connection to `path`, created readable by its owner only, at the current schema."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    make_private(path)
    db = await aiosqlite.connect(path, timeout=busy_timeout, isolation_level=None)
    # The worker thread is not a daemon: an unclosed connection would hang the exit.
    try:
        db.row_factory = sqlite3.Row  # rows are read by column name
        async with db.execute("PRAGMA journal_mode=WAL") as cursor:
            row = await cursor.fetchone()
        if row is None or str(row[0]).lower() != "wal":
            logger.warning("SQLite refused WAL mode for %s (got %r)", path, row)
        # FULL: each commit is fsynced, so a power cut cannot lose a patient's question the
        # bot already answered. NORMAL would only risk the last commits, but inquiries come a
        # few a minute, so the extra fsync costs nothing noticeable.
        await db.execute("PRAGMA synchronous=FULL")
        # Deleted rows (/forget, purge) are overwritten, not left readable in free pages.
        await db.execute("PRAGMA secure_delete=ON")
        await _migrate(db, path)
    except BaseException:
        await db.close()
        raise
    return db


@asynccontextmanager
async def transaction(db: aiosqlite.Connection) -> AsyncIterator[aiosqlite.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any error. The caller keeps other coroutines
    off the connection meanwhile (InquiryLog holds its lock)."""
    # IMMEDIATE takes the write lock up front, so a busy database fails at BEGIN, before
    # half the work is done.
    await db.execute("BEGIN IMMEDIATE")
    try:
        yield db
        await db.execute("COMMIT")
    except BaseException:
        # A task cancelled while awaiting COMMIT (the bot stopping) leaves the COMMIT running in
        # aiosqlite's thread: it may finish before this ROLLBACK, which then has nothing to undo.
        with contextlib.suppress(sqlite3.OperationalError):
            await db.execute("ROLLBACK")
        raise


async def _user_version(db: aiosqlite.Connection) -> int:
    async with db.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _migrate(db: aiosqlite.Connection, path: Path) -> None:
    # No coroutine but this one has the connection yet, so no in-process lock is needed.
    if await _user_version(db) == SCHEMA_VERSION:
        return  # the usual case: no write lock needed
    while True:
        # Read the version inside the write transaction: another process (the admin CLI, a
        # second bot) may have migrated while we waited for the lock.
        async with transaction(db):
            version = await _user_version(db)
            if version > SCHEMA_VERSION:
                raise SchemaTooNewError(
                    f"{path} has schema version {version}, but this version of the bot knows "
                    f"only up to {SCHEMA_VERSION}; please update the bot"
                )
            if version == SCHEMA_VERSION:
                return
            for statement in _statements(MIGRATIONS[version]):
                await db.execute(statement)
            # PRAGMA takes no parameters; the value is our own integer.
            await db.execute(f"PRAGMA user_version = {version + 1}")
        logger.info("Database %s migrated to schema version %d", path, version + 1)


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


def make_private(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it."""
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    # os.open's mode applies only to a new file (and the umask may narrow it): set it anyway.
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            os.chmod(file, 0o600)


def refuses_writes(exc: sqlite3.DatabaseError) -> bool:
    """A failure of the database file (full, read-only, locked, corrupt, I/O), not of the
    statement: what was refused can be written later, unchanged."""
    return type(exc) in (sqlite3.OperationalError, sqlite3.DatabaseError)


class LogPart:
    """A part of the inquiry log (InquiryLog.inbox, .conversations, …): the log's connection,
    and its lock, which keeps one writer at a time."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        self._db = db
        self._lock = lock


async def delete_with_links(db: aiosqlite.Connection, table: str, links: str, link: str,
                            where: str, value: object) -> int:
    """Inside a transaction: the rows of `table` that `where` (a constant of the caller)
    selects, the rows of `links` whose `link` column points at them first; rows deleted."""
    deleted = 0
    for sql in (
        f"DELETE FROM {links} WHERE {link} IN (SELECT id FROM {table} WHERE {where})",
        f"DELETE FROM {table} WHERE {where}",
    ):
        async with db.execute(sql, (value,)) as cursor:
            deleted += cursor.rowcount
    return deleted

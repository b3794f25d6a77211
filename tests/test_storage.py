"""The inquiry log: what staff and the clinic's IT person see must survive restarts, locks,
old schemas and Excel."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import sqlite3
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.storage import (
    MIGRATIONS,
    SCHEMA_VERSION,
    EntryVotes,
    Incoming,
    InquiryLog,
    InquiryRecord,
    SchemaTooNewError,
    State,
    canonical_text,
    write_csv,
)
from bot.storage import outage as outage_module
from bot.storage import pending as pending_module
from bot.storage.schema import transaction

T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)  # 12:00 in Dhaka


def rec(**fields: Any) -> InquiryRecord:
    values: dict[str, Any] = {
        "received_at": T0,
        "user_id": 111,
        "chat_id": 111,
        "display_name": "Rahim Uddin",
        "username": "rahim",
        "lang": "en",
        "form": "en",
        "text": "Is it safe?",
        "kind": "answer",
        "entry_id": "is-it-safe",
        "confidence": 0.8,
    }
    values.update(fields)
    return InquiryRecord(**values)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "inquiries.sqlite3"


@pytest.fixture
async def log(db_path: Path) -> AsyncIterator[InquiryLog]:
    async with await InquiryLog.open(db_path) as opened:
        yield opened


class Locker:
    """A second connection, like another process, holding the write lock."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.conn: sqlite3.Connection | None = None

    def lock(self) -> None:
        self.conn = sqlite3.connect(self.db_path, isolation_level=None)
        self.conn.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        if self.conn is not None:
            self.conn.execute("ROLLBACK")
            self.conn.close()
            self.conn = None


@pytest.fixture
def locker(db_path: Path) -> Iterator[Locker]:
    locker = Locker(db_path)
    yield locker
    locker.release()


def count(db_path: Path, table: str = "inquiries") -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# -- schema ------------------------------------------------------------------------------


def tables(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def user_version(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


async def test_a_new_database_gets_every_table(db_path: Path) -> None:
    async with await InquiryLog.open(db_path):
        pass
    assert user_version(db_path) == SCHEMA_VERSION == 9
    assert tables(db_path) >= {
        "inquiries", "callback_requests", "feedback", "user_prefs", "conversations",
        "conversation_messages", "learned", "bot_state", "inbox", "callback_messages",
        "chat_context",
    }
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def build_old_database(db_path: Path, version: int) -> None:
    """A database as an older release left it: only its migrations, and some data."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db_path, isolation_level=None)
    for i in range(version):
        conn.executescript(f"BEGIN; {MIGRATIONS[i]} PRAGMA user_version = {i + 1}; COMMIT;")
    conn.execute(
        "INSERT INTO inquiries (received_at, update_id, user_id, chat_id, display_name, "
        "username, lang, form, text, kind, entry_id) "
        "VALUES ('2025-03-01T06:00:00.000000Z', 7, 111, 111, 'রহিম', NULL, 'bn', 'bn', "
        "'এটা কি নিরাপদ?', 'answer', 'is-it-safe')"
    )
    if version >= 2:
        conn.execute(
            "INSERT INTO callback_requests (created_at, user_id, chat_id, branch, phone) "
            "VALUES ('2025-03-01T06:00:00.000000Z', 111, 111, 'savar', '01711000000')"
        )
    conn.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
async def test_an_older_database_is_upgraded_with_its_data(db_path: Path, version: int) -> None:
    build_old_database(db_path, version)
    assert user_version(db_path) == version

    async with await InquiryLog.open(db_path) as log:
        (old,) = await log.reports.latest()
        assert (old.update_id, old.display_name, old.text) == (7, "রহিম", "এটা কি নিরাপদ?")
        assert old.received_at == T0
        assert old.confidence is None  # the column came later
        if version >= 2:
            assert [c.phone for c in await log.callbacks.still_open()] == ["01711000000"]
        # Every table works after the upgrade.
        assert await log.record(rec(update_id=8, confidence=0.9)) is not None
        await log.record_feedback(111, "is-it-safe", helpful=True)
        await log.set_language(111, "bn")
        assert await log.get_language(111) == "bn"

    assert user_version(db_path) == SCHEMA_VERSION
    assert count(db_path) == 2


async def test_a_database_from_a_newer_bot_is_refused(db_path: Path) -> None:
    build_old_database(db_path, SCHEMA_VERSION)
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNewError, match="update the bot"):
        await InquiryLog.open(db_path)
    assert count(db_path) == 1


# -- recording ---------------------------------------------------------------------------


async def test_a_redelivered_update_is_stored_once(log: InquiryLog, db_path: Path) -> None:
    first = await log.record(rec(update_id=42))
    again = await log.record(rec(update_id=42))
    assert isinstance(first, int)
    assert again is None
    # Inquiries without an update id (e.g. the terminal) are all kept.
    await log.record(rec(update_id=None))
    await log.record(rec(update_id=None))
    assert count(db_path) == 3


async def test_500_concurrent_records_are_all_stored(log: InquiryLog, db_path: Path) -> None:
    ids = await asyncio.gather(
        *(log.record(rec(update_id=n, user_id=n, text=f"question {n}")) for n in range(500))
    )
    assert len(set(ids)) == 500 and None not in ids
    assert count(db_path) == 500
    assert log.pending == 0


async def test_data_survives_close_and_reopen(db_path: Path) -> None:
    original = rec(
        update_id=1, lang="bn", form="banglish", text="stem cell e ki hata jabe?",
        kind="did_you_mean", entry_id="walking-again", confidence=0.42,
    )
    async with await InquiryLog.open(db_path) as log:
        await log.record(original)
        await log.set_language(111, "bn")
    async with await InquiryLog.open(db_path) as log:
        (stored,) = await log.reports.latest()
        assert await log.get_language(111) == "bn"
    assert {k: v for k, v in vars(stored).items() if k != "id"} == vars(original)


async def test_the_database_is_readable_by_its_owner_only(db_path: Path) -> None:
    async with await InquiryLog.open(db_path) as log:
        await log.record(rec())
        assert mode(db_path) == 0o600
        assert mode(Path(f"{db_path}-wal")) == 0o600
    assert mode(db_path) == 0o600


def create_world_readable(path: Path) -> None:
    path.parent.mkdir()
    path.touch()
    os.chmod(path, 0o644)


async def test_an_existing_database_file_is_made_private(db_path: Path) -> None:
    create_world_readable(db_path)
    async with await InquiryLog.open(db_path):
        pass
    assert mode(db_path) == 0o600


def test_records_refuse_what_the_log_cannot_store() -> None:
    with pytest.raises(ValueError, match="time zone"):
        rec(received_at=datetime(2025, 3, 1, 12, 0))
    with pytest.raises(ValueError, match="unknown inquiry kind"):
        rec(kind="typo")
    with pytest.raises(ValueError):
        rec(lang="fr")


# -- a locked or failing database ----------------------------------------------------------


async def test_a_locked_database_keeps_the_record_pending_then_writes_it(
    db_path: Path, locker: Locker, caplog: pytest.LogCaptureFixture
) -> None:
    async with await InquiryLog.open(db_path, busy_timeout=0.05) as log:
        locker.lock()
        with caplog.at_level(logging.INFO, logger="bot.storage"):
            result = await log.record(rec(update_id=1, text="কত খরচ?"))
            assert result is None
            assert log.pending == 1
            # Still locked: a retry keeps it, and a second record waits behind it.
            assert await log.flush_pending() == 0
            assert await log.record(rec(update_id=3, text="second")) is None
            assert log.pending == 2

            locker.release()
            # The next write waits behind them too, and brings them all in, in order.
            assert await log.record(rec(update_id=2)) is None
            await log.flush_pending()
            assert log.pending == 0
        assert [i.text for i in reversed(await log.reports.latest())] == [
            "কত খরচ?", "second", "Is it safe?"]
        assert await log.record(rec(update_id=4)) is not None, "written at once again"
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, "one line when writes start failing, one when they work again"
    assert "refuses writes (database is locked)" in lines[0]
    assert "takes writes again" in lines[1] and "wrote 3 entries" in lines[1]


def saved_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


async def test_pending_records_survive_shutdown_while_locked(
    db_path: Path, locker: Locker
) -> None:
    pending_file = Path(f"{db_path}.pending.jsonl")
    log = await InquiryLog.open(db_path, busy_timeout=0.05)
    locker.lock()
    await log.record(rec(update_id=1, text="কত খরচ?", lang="bn", form="bn"))
    await log.record(rec(update_id=2, text="=HYPERLINK()"))
    await log.close()  # still locked: the records go to the file

    assert mode(pending_file) == 0o600
    assert [s["text"] for s in saved_records(pending_file)] == ["কত খরচ?", "=HYPERLINK()"]

    # Restarted while the lock is still held: kept in memory and on disk, not duplicated.
    log = await InquiryLog.open(db_path, busy_timeout=0.05)
    assert log.pending == 2
    await log.close()
    assert len(saved_records(pending_file)) == 2

    locker.release()
    async with await InquiryLog.open(db_path) as log:
        assert log.pending == 0
        assert sorted(i.update_id or 0 for i in await log.reports.latest()) == [1, 2]
    assert saved_records(pending_file) == []  # imported, then removed
    assert count(db_path) == 2


async def test_disk_full_is_treated_like_a_lock(
    log: InquiryLog, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_execute, real_fetchall = log._db.execute, log._db.execute_fetchall
    failing = True

    def full(sql: str) -> None:
        if failing and sql.startswith("INSERT INTO inquiries"):
            raise sqlite3.OperationalError("database or disk is full")

    def execute(sql: str, params: Any = None) -> Any:
        full(sql)
        return real_execute(sql, params)

    async def execute_fetchall(sql: str, params: Any = None) -> Any:
        full(sql)
        return await real_fetchall(sql, params)

    monkeypatch.setattr(log._db, "execute", execute)
    monkeypatch.setattr(log._db, "execute_fetchall", execute_fetchall)
    assert await log.record(rec(update_id=1)) is None
    assert log.pending == 1
    failing = False
    assert await log.flush_pending() == 1
    assert count(db_path) == 1


# -- staff queries -----------------------------------------------------------------------


async def test_latest_is_newest_first(log: InquiryLog) -> None:
    for n in range(5):
        await log.record(rec(received_at=T0 + timedelta(minutes=n), text=f"q{n}"))
    assert [i.text for i in await log.reports.latest(3)] == ["q4", "q3", "q2"]


async def test_unanswered_groups_the_same_question_written_differently(log: InquiryLog) -> None:
    texts = [
        ("How much does it cost?", "fallback"),
        ("how much does it COST", "did_you_mean"),
        ("How much   does it cost!!", "fallback"),
        ("খরচ কত?", "fallback"),
        ("খরচ কত।", "fallback"),
        ("Where is Savar branch", "fallback"),
        ("Is it safe?", "answer"),  # answered: never listed
    ]
    for n, (text, kind) in enumerate(texts):
        await log.record(rec(received_at=T0 + timedelta(minutes=n), text=text, kind=kind))
    await log.record(rec(received_at=T0 - timedelta(days=30), text="how much does it cost"))
    await log.record(rec(received_at=T0 + timedelta(hours=1), text="is it a cure", confidence=0.52))

    groups = await log.reports.unanswered(since=T0 - timedelta(days=1))
    assert [(g.count, g.example) for g in groups] == [
        (3, "How much   does it cost!!"),  # the latest wording
        (2, "খরচ কত।"),
        (1, "Where is Savar branch"),
    ]
    assert groups[0].last_at == T0 + timedelta(minutes=2)

    with_weak = await log.reports.unanswered(since=T0 - timedelta(days=1), answered_below=0.6)
    assert "is it a cure" in [g.example for g in with_weak]
    assert len(await log.reports.unanswered(since=T0 - timedelta(days=1), limit=1)) == 1


def test_canonical_text() -> None:
    assert canonical_text("  How MUCH, does it cost?! ") == "how much does it cost"
    assert canonical_text("খরচ   কত।") == canonical_text("খরচ কত?") == "খরচ কত"


async def test_stats_on_a_known_day(log: InquiryLog) -> None:
    day1 = datetime(2025, 3, 1, 4, 0, tzinfo=UTC)  # 10:00 in Dhaka, 1 March
    late = datetime(2025, 3, 1, 18, 30, tzinfo=UTC)  # 00:30 in Dhaka, already 2 March
    rows = [
        rec(received_at=day1, user_id=1, kind="answer", entry_id="cost", form="en"),
        rec(received_at=day1, user_id=1, kind="answer", entry_id="cost", form="banglish"),
        rec(received_at=day1, user_id=2, kind="answer", entry_id="is-it-safe", form="bn"),
        rec(received_at=day1, user_id=2, kind="fallback", entry_id=None, form="bn"),
        rec(received_at=late, user_id=3, kind="did_you_mean", entry_id="cost", form="en"),
        rec(received_at=late, user_id=3, kind="button", entry_id="cost", form=None),
        rec(received_at=late, user_id=3, kind="command", entry_id=None, form=None, text="/start"),
        rec(received_at=day1 - timedelta(days=10), user_id=9, kind="fallback"),  # too old
    ]
    for row in rows:
        await log.record(row)
    for helpful, entry in [(False, "cost"), (False, "cost"), (True, "cost"), (False, "safe")]:
        await log.record_feedback(1, entry, helpful, at=day1)
    await log.record_feedback(1, "old", False, at=day1 - timedelta(days=10))

    since = datetime(2025, 2, 28, 18, 0, tzinfo=UTC)  # 1 March, Dhaka
    stats = await log.reports.stats(since=since)
    assert stats.total == 7
    assert stats.people == 3
    assert stats.by_day == {date(2025, 3, 1): 4, date(2025, 3, 2): 3}
    assert stats.by_kind == {
        "answer": 3, "button": 1, "command": 1, "did_you_mean": 1, "fallback": 1
    }
    assert stats.by_form == {"bn": 2, "en": 2, "banglish": 1}
    assert stats.top_entries == (("cost", 3), ("is-it-safe", 1))  # did_you_mean not counted
    assert (stats.messages, stats.unanswered) == (5, 2)
    assert stats.unanswered_rate == pytest.approx(0.4)
    assert stats.most_disliked == (EntryVotes("cost", 2, 1), EntryVotes("safe", 1, 0))


async def test_callback_requests_are_done_once(log: InquiryLog) -> None:
    first = await log.callbacks.add(
        user_id=111, chat_id=111, display_name="Rahim", username=None,
        branch="savar", phone="01711000000", created_at=T0,
    )
    second = await log.callbacks.add(
        user_id=222, chat_id=222, display_name="Karim", username="karim",
        branch="kallyanpur", phone="01811000000", created_at=T0 + timedelta(minutes=1),
    )
    assert [c.id for c in await log.callbacks.still_open()] == [first, second]

    assert await log.callbacks.mark_done(first, staff_user_id=9) is True
    assert await log.callbacks.mark_done(first, staff_user_id=10) is False  # already done
    assert await log.callbacks.mark_done(9999, staff_user_id=9) is False  # unknown
    (still_open,) = await log.callbacks.still_open()
    assert (still_open.id, still_open.branch, still_open.status) == (second, "kallyanpur", "open")
    assert still_open.created_at == T0 + timedelta(minutes=1)


async def test_language_choice_can_be_set_changed_and_cleared(log: InquiryLog) -> None:
    assert await log.get_language(111) is None
    await log.set_language(111, "bn")
    await log.set_language(111, "en")
    assert await log.get_language(111) == "en"
    await log.set_language(111, None)
    assert await log.get_language(111) is None


async def test_export_rows_covers_since_up_to_until(log: InquiryLog) -> None:
    for n in range(4):
        await log.record(rec(received_at=T0 + timedelta(hours=n), text=f"q{n}"))
    rows = await log.reports.export_rows(T0 + timedelta(hours=1), T0 + timedelta(hours=3))
    assert [r.text for r in rows] == ["q1", "q2"]


# -- deleting ------------------------------------------------------------------------------


async def fill_two_users(log: InquiryLog, when: datetime = T0) -> None:
    for user in (111, 222):
        inquiry = await log.record(rec(user_id=user, chat_id=user, received_at=when))
        await log.callbacks.add(
            user_id=user, chat_id=user, display_name="x", username=None,
            branch="savar", phone="01711000000", created_at=when,
        )
        await log.record_feedback(user, "is-it-safe", True, inquiry_id=inquiry, at=when)
        await log.set_language(user, "bn")


async def test_forget_user_removes_only_that_user(log: InquiryLog, db_path: Path) -> None:
    await fill_two_users(log)
    await log.inbox.store([incoming(1, user_id=111), incoming(2, user_id=222)])
    assert await log.forget_user(111) == 5
    for table in ("inquiries", "callback_requests", "feedback", "user_prefs", "inbox"):
        with sqlite3.connect(db_path) as conn:
            users = {u for (u,) in conn.execute(f"SELECT user_id FROM {table}")}
        assert users == {222}, table
    assert await log.forget_user(111) == 0


async def test_forget_user_also_drops_their_pending_records(
    db_path: Path, locker: Locker
) -> None:
    async with await InquiryLog.open(db_path, busy_timeout=0.05) as log:
        locker.lock()
        await log.record(rec(user_id=111))
        await log.record(rec(user_id=222))
        locker.release()
        assert await log.forget_user(111) == 1
        await log.flush_pending()
        assert [i.user_id for i in await log.reports.latest()] == [222]


def holds(path: Path, text: str) -> bool:
    return text.encode() in path.read_bytes()


async def test_forget_leaves_no_copy_of_the_text_in_the_wal_file(db_path: Path) -> None:
    secret = "আমার বাবার নাম করিম, ফোন 01712345678"
    async with await InquiryLog.open(db_path) as log:
        await log.record(rec(user_id=111, text=secret))
        await log.inbox.store([incoming(1, user_id=111, payload=secret)])
        await log.record(rec(user_id=222, text="someone else"))
        wal = Path(f"{db_path}-wal")
        assert holds(wal, secret), "the check must be able to find it"
        await log.forget_user(111)
        for path in (db_path, wal):
            assert not holds(path, secret), path.name
        assert [i.user_id for i in await log.reports.latest()] == [222]


# -- the inbox ----------------------------------------------------------------------------


def incoming(update_id: int, minutes_ago: float = 0, user_id: int = 111,
             payload: str = '{"update_id": 0}') -> Incoming:
    return Incoming(update_id, datetime.now(UTC) - timedelta(minutes=minutes_ago), user_id,
                    user_id, payload)


async def test_an_update_is_stored_once_and_handled_again_until_done(log: InquiryLog) -> None:
    first = await log.inbox.store([incoming(5), incoming(6)])
    assert first.new == {5, 6} and first.durable
    again = await log.inbox.store([incoming(6), incoming(7)])
    assert again.new == {7}, "a redelivered update is not new"
    since = datetime.now(UTC) - timedelta(hours=1)
    assert [u.update_id for u in await log.inbox.unanswered(since)] == [5, 6, 7]
    await log.inbox.mark(6)
    unanswered = await log.inbox.unanswered(since)
    assert [u.update_id for u in unanswered] == [5, 7]
    assert unanswered[0].payload == '{"update_id": 0}'


async def test_old_updates_expire_and_are_pruned(log: InquiryLog, db_path: Path) -> None:
    await log.inbox.store([incoming(1, minutes_ago=90), incoming(2, minutes_ago=10),
                           incoming(3, minutes_ago=3000)])
    await log.inbox.mark(3)
    hour_ago = datetime.now(UTC) - timedelta(hours=1)
    assert await log.inbox.expire(hour_ago) == 1
    assert [u.update_id for u in await log.inbox.unanswered(hour_ago - timedelta(days=9))] == [2]
    assert await log.inbox.prune(datetime.now(UTC) - timedelta(days=2)) == 1
    with sqlite3.connect(db_path) as conn:
        rows = dict(conn.execute("SELECT update_id, state FROM inbox"))
        payloads = dict(conn.execute("SELECT update_id, payload FROM inbox"))
    assert rows == {1: State.EXPIRED, 2: State.NEW}
    assert payloads[1] is None, "an expired update keeps no text"


async def test_a_locked_database_keeps_the_inbox_in_memory_until_it_writes(
    db_path: Path, locker: Locker
) -> None:
    since = datetime.now(UTC) - timedelta(hours=1)
    async with await InquiryLog.open(db_path, busy_timeout=0.05) as log:
        locker.lock()
        stored = await log.inbox.store([incoming(1), incoming(2)])
        assert stored.new == {1, 2} and not stored.durable
        assert (await log.inbox.store([incoming(2)])).new == frozenset(), "still recognised"
        await log.inbox.mark(1)
        assert [u.update_id for u in await log.inbox.unanswered(since)] == [2]
        assert not await log.inbox.flush()
        locker.release()
        assert await log.inbox.flush()
        assert log.inbox.pending == 0
        assert [u.update_id for u in await log.inbox.unanswered(since)] == [2]
    assert count(db_path, "inbox") == 2


async def test_a_done_mark_the_database_refused_is_written_later(
    db_path: Path, locker: Locker
) -> None:
    since = datetime.now(UTC) - timedelta(hours=1)
    async with await InquiryLog.open(db_path, busy_timeout=0.05) as log:
        await log.inbox.store([incoming(1)])
        locker.lock()
        await log.inbox.mark(1)
        assert await log.inbox.unanswered(since) == [], "not handled again meanwhile"
        locker.release()
        assert await log.inbox.flush()
    async with await InquiryLog.open(db_path) as log:
        assert await log.inbox.unanswered(since) == []


async def test_purge_removes_only_old_rows(log: InquiryLog, db_path: Path) -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    await fill_two_users(log, when=now - timedelta(days=400))
    await log.record(rec(received_at=now - timedelta(days=10), user_id=333, text="recent"))
    await log.record_feedback(333, "is-it-safe", True, at=now - timedelta(days=10))

    assert await log.purge_older_than(365, now=now) == 6
    assert [i.text for i in await log.reports.latest()] == ["recent"]
    assert count(db_path, "feedback") == 1
    assert count(db_path, "callback_requests") == 0
    assert await log.get_language(111) == "bn"  # a setting, not a message: kept


# -- CSV -----------------------------------------------------------------------------------


async def test_csv_opens_in_excel_with_bangla_dhaka_times_and_no_formulas(
    log: InquiryLog,
) -> None:
    await log.record(rec(
        received_at=datetime(2025, 3, 1, 18, 30, tzinfo=UTC), text="স্টেম সেল থেরাপি কি নিরাপদ?",
        display_name="রহিম উদ্দিন", lang="bn", form="bn", confidence=0.876,
    ))
    await log.record(rec(received_at=T0 + timedelta(days=1), text="=cmd|' /C calc'!A0",
                         display_name="@admin", username="+8801711", kind="fallback",
                         entry_id=None, confidence=None))
    buffer = io.BytesIO()
    write_csv(await log.reports.export_rows(T0, T0 + timedelta(days=2)), buffer)

    data = buffer.getvalue()
    assert data.startswith(b"\xef\xbb\xbf")
    header, bangla, formula = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == [
        "time (Dhaka)", "user id", "name", "username", "language", "form", "message",
        "reply kind", "entry", "confidence", "more entries",
    ]
    assert bangla == [
        "2025-03-02 00:30", "111", "রহিম উদ্দিন", "rahim", "bn", "bn",
        "স্টেম সেল থেরাপি কি নিরাপদ?", "answer", "is-it-safe", "0.88", "",
    ]
    assert formula[0] == "2025-03-02 12:00"
    assert (formula[2], formula[3], formula[6]) == ("'@admin", "'+8801711", "'=cmd|' /C calc'!A0")
    assert (formula[8], formula[9]) == ("", "")


def test_csv_leaves_the_callers_file_open() -> None:
    buffer = io.BytesIO()
    write_csv([], buffer)
    assert not buffer.closed
    assert buffer.getvalue().decode("utf-8-sig").startswith("time (Dhaka),")


async def test_a_commit_that_finished_under_a_cancelled_task_is_not_undone(
    tmp_path: Path,
) -> None:
    """Stopping the bot cancels a task awaiting COMMIT while aiosqlite's thread finishes it.
    The cancellation must come through, not a "cannot rollback" error, and the row stays."""
    async with aiosqlite.connect(tmp_path / "t.sqlite3") as db:
        await db.execute("CREATE TABLE t (x INTEGER)")
        await db.commit()
        commit: asyncio.Future[Any] | None = None
        with pytest.raises(asyncio.CancelledError):
            async with transaction(db):
                await db.execute("INSERT INTO t VALUES (1)")
                # The COMMIT is queued to aiosqlite's thread; then the task is cancelled.
                commit = asyncio.ensure_future(db.execute("COMMIT"))
                await asyncio.sleep(0)
                raise asyncio.CancelledError
        assert commit is not None
        await commit
        async with db.execute("SELECT count(*) FROM t") as cursor:
            assert await cursor.fetchone() == (1,)


# -- a database that refuses writes for long (issue 20) -------------------------------------


async def test_past_the_bound_the_oldest_waiting_entries_are_dropped_and_counted(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(pending_module, "BOUND", 4)
    async with await InquiryLog.open(db_path) as log:
        await log.refuse_writes()
        with caplog.at_level(logging.WARNING, logger="bot.storage"):
            for n in range(1, 7):
                assert await log.record(rec(update_id=n, text=f"q{n}")) is None
        assert log.pending == 4
        dropping = [r for r in caplog.records if "dropped" in r.getMessage()]
        assert len(dropping) == 1, "one warning, not one per entry"
        await log.refuse_writes(False)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="bot.storage"):
            await log.flush_pending()
        assert "2 older ones were dropped" in caplog.text
        assert [i.text for i in reversed(await log.reports.latest())] == ["q3", "q4", "q5", "q6"]


async def test_what_waits_is_saved_once_at_shutdown_updates_and_marks_included(
    db_path: Path
) -> None:
    since = datetime.now(UTC) - timedelta(hours=1)
    async with await InquiryLog.open(db_path) as log:
        await log.inbox.store([incoming(1)])
        await log.inbox.flush()
        await log.refuse_writes()
        await log.inbox.mark(1)  # stored before: a mark waits
        await log.inbox.store([incoming(2), incoming(3)])
        await log.inbox.mark(2)  # waiting: the mark folds into it
        await log.record(rec(update_id=2, text="কত খরচ?"))
        assert not await log.inbox.flush()
        assert log.pending == 4
    # The next start finds the database writable again and imports all of it.
    async with await InquiryLog.open(db_path) as log:
        assert log.pending == 0
        assert [u.update_id for u in await log.inbox.unanswered(since)] == [3]
        assert [i.text for i in await log.reports.latest()] == ["কত খরচ?"]
    assert saved_records(Path(f"{db_path}.pending.jsonl")) == []
    assert count(db_path, "inbox") == 3


async def test_a_shutdown_that_cannot_save_says_what_is_lost_and_raises_nothing(
    db_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = await InquiryLog.open(db_path)
    await log.refuse_writes()
    await log.record(rec(update_id=1))
    await log.record(rec(update_id=2))
    os.mkdir(f"{db_path}.pending.jsonl")  # the file cannot be written
    with caplog.at_level(logging.ERROR, logger="bot.storage"):
        await log.close()
    (lost,) = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "LOST 2 entries (2 inquiries)" in lost.getMessage()
    assert "saved to" not in caplog.text


async def test_while_writes_fail_a_line_a_minute_gives_the_counts_and_the_timer_catches_up(
    db_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(outage_module, "RETRY_EVERY_SECONDS", 0.05)
    monkeypatch.setattr(outage_module, "REPORT_EVERY_SECONDS", 0.3)  # "a minute"
    async with await InquiryLog.open(db_path) as log:
        await log.refuse_writes()
        with caplog.at_level(logging.WARNING, logger="bot.storage"):
            for n in range(1, 4):
                await log.record(rec(update_id=n))
            await asyncio.sleep(0.75)
        counts = [r.getMessage() for r in caplog.records if "still refuses" in r.getMessage()]
        assert 1 <= len(counts) <= 3, counts
        assert "3 entries wait in memory (3 inquiries), 0 dropped" in counts[0]
        await log.refuse_writes(False)
        for _ in range(100):  # nobody writes: the timer finds the database writable again
            if not log.pending:
                break
            await asyncio.sleep(0.05)
        assert log.pending == 0 and not log.outage.failing
    assert count(db_path) == 3

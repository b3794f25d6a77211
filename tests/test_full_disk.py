"""Issue 20 end to end: the database refuses writes (a full disk, a read-only file) while
patients keep writing. Every patient is answered, the front desk hears about it once when it
starts and once when it is over, and the log is complete again as soon as writes work."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path

import pytest

from bot.storage import outage as outage_module

from helpers.fake_bot_api import FakeBotApi
from helpers.telegram_harness import STAFF_CHAT, bot_settings, running_bot

pytestmark = pytest.mark.e2e

PATIENTS = range(70_001, 70_031)  # 30 patients, 3 messages each
QUESTIONS = ("is stem cell therapy safe?", "how much does it cost?", "koto din lagbe?")
APOLOGY = "went wrong"


def to(chat: int, fake: FakeBotApi) -> list[str]:
    return [c.params["text"] for c in fake.calls("sendMessage")
            if c.status == 200 and c.params["chat_id"] == chat]


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return list(conn.execute(sql))


async def until(condition: object, within: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not condition():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outage_module, "RETRY_EVERY_SECONDS", 0.3)


async def test_a_burst_while_the_database_refuses_writes_is_answered_then_written_once(
    fake: FakeBotApi, db: Path, quick_retries: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with running_bot(bot_settings(fake, db)) as app:
        log = app.bot_data.log
        await log.refuse_writes()
        for question in QUESTIONS:
            for patient in PATIENTS:
                fake.push_message(question, user_id=patient)
        await fake.wait_for("sendMessage", lambda c: c.status == 200
                            and c.params["chat_id"] in PATIENTS, count=90, timeout=60)

        for patient in PATIENTS:
            answers = to(patient, fake)
            assert len(answers) == 3, patient
            assert not any(APOLOGY in a for a in answers)
        assert rows(db, "SELECT count(*) FROM inquiries") == [(0,)], "nothing reached the disk"
        assert log.pending >= 90 + 90  # the inquiries and the updates, in memory
        (notice,) = to(STAFF_CHAT, fake)
        assert "ডেটাবেসে" in notice and "রোগীরা এখনও উত্তর পাচ্ছেন" in notice
        assert "রিস্টার্ট" in notice, "what not to do"

        await log.refuse_writes(False)
        await until(lambda: log.pending == 0)  # on the timer: nobody writes meanwhile
        await until(lambda: len(to(STAFF_CHAT, fake)) == 2)
        recovered = to(STAFF_CHAT, fake)[1]
        assert "আবার" in recovered and any(str(n) in recovered for n in range(180, 400))

    stored = rows(db, "SELECT update_id, user_id, text FROM inquiries ORDER BY id")
    assert len(stored) == 90 and len({u for u, _, _ in stored}) == 90, "each message once"
    assert {(user, text) for _, user, text in stored} == {
        (p, q) for p in PATIENTS for q in QUESTIONS}
    first_of_each = [text for _, user, text in stored if user == PATIENTS[0]]
    assert first_of_each == list(QUESTIONS), "written in the order they came"
    assert rows(db, "SELECT state, count(*) FROM inbox GROUP BY state") == [("done", 90)]
    assert len(to(STAFF_CHAT, fake)) == 2, "exactly two notices"

    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "refuses writes" in errors[0], errors
    assert sum("The database takes writes again after" in r.getMessage()
               for r in caplog.records) == 1

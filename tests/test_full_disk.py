"""Issue 20 end to end: the database refuses writes (a full disk, a read-only file) while
patients keep writing. Every patient is answered, the front desk hears about it once when it
starts and once when it is over, and the log is complete again as soon as writes work."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest

from bot.config import PROJECT_DIR
from bot.storage import outage as outage_module

from helpers import small_disk
from helpers.fake_bot_api import FakeBotApi
from helpers.process import stop_with_sigterm
from helpers.telegram_harness import STAFF_CHAT, Chat, bot_settings, running_bot

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



async def test_what_cannot_work_without_the_disk_gets_the_apology_and_staff_one_notice(
    fake: FakeBotApi, db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_bot(bot_settings(fake, db)) as app:
        await app.bot_data.log.refuse_writes()
        chat = Chat(fake, 70_100)
        for choice in ("l:bn", "l:en"):  # a language choice is written as it is made
            reply = await chat.press(choice)
            assert APOLOGY in reply.params["text"] and "<b>999</b>" in reply.params["text"]  # M1
        await until(lambda: len(to(STAFF_CHAT, fake)) == 1)
        await asyncio.sleep(0.5)
        (notice,) = to(STAFF_CHAT, fake)
        assert "ডেটাবেসে" in notice, "the outage's notice, not an error notice per press"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "refuses writes" in errors[0] and "saved to" in errors[1] and len(errors) == 2, (
        "one line at the start, one at the stop (still read-only): none per press")

# -- the real thing: the bot as a process on a small file system that fills up --------------

TOKEN = "424242:FULL-disk-token"


async def test_the_bot_on_a_disk_that_fills_up_answers_tells_staff_and_stops_cleanly(
    tmp_path: Path
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    reason = small_disk.why_not_here(data)
    if reason:
        pytest.skip(reason)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TELEGRAM_", "STAFF_", "WEBHOOK_"))}
    with FakeBotApi() as fake:
        env |= {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,
                "TELEGRAM_FILE_BASE_URL": fake.base_file_url,
                "DATABASE_PATH": str(data / "inquiries.sqlite3"),
                "STAFF_CHAT_ID": str(STAFF_CHAT), "STAFF_USER_IDS": "900",
                "WEEKLY_DIGEST": "off"}
        process = await asyncio.create_subprocess_exec(
            *small_disk.mounting(data, 4), sys.executable, "-m", "bot", cwd=PROJECT_DIR,
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        # The bot's own view of the folder: its tmpfs, not the empty folder the test sees.
        inside = small_disk.inside(process.pid, data)
        try:
            await fake.wait_for("getUpdates", lambda c: c.status == 200, timeout=60)
            filler = await asyncio.to_thread(small_disk.fill, inside)
            for patient in PATIENTS[:5]:
                fake.push_message(QUESTIONS[0], user_id=patient)
            await fake.wait_for("sendMessage", lambda c: c.status == 200
                                and c.params["chat_id"] in PATIENTS, count=5, timeout=30)
            await until(lambda: len(to(STAFF_CHAT, fake)) == 1)
            assert "ডিস্ক ভরে গেছে" in to(STAFF_CHAT, fake)[0], "the disk, named"
            if shutil.which("nsenter"):  # the IT person's view, from inside the bot's mounts
                status = await asyncio.create_subprocess_exec(
                    "nsenter", "-t", str(process.pid), "-U", "-m", "--preserve-credentials",
                    sys.executable, "-m", "bot.admin_cli", "status", cwd=PROJECT_DIR, env=env,
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
                said = (await status.communicate())[0].decode()
                assert status.returncode == 1, said
                assert "Writable: NO (database or disk is full)" in said and "LOW" in said

            filler.unlink(missing_ok=True)  # space again: written on the timer, and staff told
            await until(lambda: len(to(STAFF_CHAT, fake)) == 2, within=30)
            small_disk.copy_out(inside, ("inquiries.sqlite3", "inquiries.sqlite3-wal"), tmp_path)
            assert rows(tmp_path / "inquiries.sqlite3", "SELECT count(*) FROM inquiries") == [(5,)]

            filler = await asyncio.to_thread(small_disk.fill, inside)  # full again, and stopped so
            fake.push_message(QUESTIONS[1], user_id=PATIENTS[0])
            await fake.wait_for("sendMessage", lambda c: c.status == 200
                                and c.params["chat_id"] == PATIENTS[0], count=2, timeout=30)
        finally:
            output = await stop_with_sigterm(process)
    assert process.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert "LOST" in output and "1 inquiries" in output, output[-3000:]
    assert "to be imported on the next start" not in output, "it must not claim they were saved"
    assert len(to(STAFF_CHAT, fake)) == 3, "full, written again, full again"

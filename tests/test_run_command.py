"""The README's run command, as a real process: survives Telegram being down at start-up,
answers once it is up, never logs the token, and shuts down cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from pathlib import Path

import httpx
import pytest

from bot.config import PROJECT_DIR
from bot.storage import InquiryLog
from bot.tg.app import CONNECTIONS

from helpers.fake_bot_api import FakeBotApi
from helpers.process import stop_with_sigterm

pytestmark = pytest.mark.e2e

TOKEN = "424242:SECRET-token-that-must-never-be-logged"


async def test_run_command_retries_answers_and_stops_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "inquiries.sqlite3"
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "STAFF_", "WEBHOOK_"))
    }
    with FakeBotApi() as fake:
        fake.set_unreachable(True)
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_FILE_BASE_URL": fake.base_file_url,
            "DATABASE_PATH": str(db),
            "LOG_LEVEL": "DEBUG",  # the most talkative setting must still not leak the token
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=PROJECT_DIR, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            # Telegram is down: the bot must keep trying, not exit.
            failed = await fake.wait_for("getMe", lambda c: c.status == 502, count=2, timeout=20)
            assert failed and process.returncode is None
            fake.set_unreachable(False)
            await fake.wait_for("getUpdates", lambda c: c.status == 200, timeout=30)
            fake.push_message("is stem cell therapy safe?", user_id=4242)
            reply = await fake.wait_for(
                "sendMessage", lambda c: c.status == 200 and "safe" in c.params["text"].lower(),
                timeout=20,
            )
            assert reply
        finally:
            output = await stop_with_sigterm(process)
    assert process.returncode == 0, output[-3000:]
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    assert "Unclosed" not in output
    async with await InquiryLog.open(db) as log:
        assert [r.text for r in await log.reports.latest(5)] == ["is stem cell therapy safe?"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_mode_registers_the_hook_and_answers_posted_updates(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("TELEGRAM_", "STAFF_", "WEBHOOK_"))
    }
    with FakeBotApi() as fake:
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "DATABASE_PATH": str(tmp_path / "inquiries.sqlite3"),
            "WEBHOOK_URL": "https://bot.example.org/telegram",
            "WEBHOOK_PORT": str(port),
            "WEBHOOK_SECRET_TOKEN": "s3cret-webhook",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=PROJECT_DIR, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )
        try:
            hook = await fake.wait_for("setWebhook", lambda c: c.status == 200, timeout=30)
            assert hook[0].params["url"] == "https://bot.example.org/telegram"
            assert hook[0].params["secret_token"] == "s3cret-webhook"
            update = {
                "update_id": 777,
                "message": {
                    "message_id": 1, "date": int(time.time()), "text": "stem cell safe?",
                    "chat": {"id": 4343, "type": "private"},
                    "from": {"id": 4343, "is_bot": False, "first_name": "Rahim"},
                },
            }
            url = f"http://127.0.0.1:{port}/telegram"
            async with httpx.AsyncClient() as client:
                forged = await client.post(url, json=update)
                assert forged.status_code == 403, "without the secret, Telegram's hook is shut"
                posted = await client.post(
                    url, json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-webhook"},
                )
                assert posted.status_code == 200
            reply = await fake.wait_for("sendMessage", lambda c: c.status == 200, timeout=20)
            assert "safe" in reply[0].params["text"].lower()
        finally:
            output = await stop_with_sigterm(process)
    assert process.returncode == 0, output[-3000:]


# -- crashes, stops and the log (issue 11) ------------------------------------------------------

QUESTIONS = ["is stem cell therapy safe?", "how much does it cost?", "stem cell dile ki abar "
             "hatte parbe?", "স্টেম সেল থেরাপি কি নিরাপদ?"]


def bot_env(fake: FakeBotApi, db: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TELEGRAM_", "STAFF_", "WEBHOOK_"))}
    return env | {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,
                  "DATABASE_PATH": str(db), "FLOOD_MESSAGES_PER_MINUTE": "1000"} | extra


async def start_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=PROJECT_DIR, env=env, stdout=out,
            stderr=asyncio.subprocess.STDOUT)


def tail(log: Path) -> str:
    return log.read_text(encoding="utf-8")[-3000:]


async def stop_bot(process: asyncio.subprocess.Process, log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), timeout=30)
    except TimeoutError:
        process.kill()
        raise AssertionError(f"no exit on SIGTERM:\n{tail(log)}") from None
    assert process.returncode == 0, tail(log)


def burst(fake: FakeBotApi, users: range, each: int) -> list[int]:
    """`each` questions from every user, interleaved: the update ids."""
    return [fake.push_message(QUESTIONS[(user + n) % len(QUESTIONS)], user_id=user,
                              first_name=f"Patient{user}")
            for n in range(each) for user in users]


def replies(fake: FakeBotApi, users: range) -> dict[int, int]:
    counts = dict.fromkeys(users, 0)
    for call in fake.calls("sendMessage"):
        if call.status == 200 and call.params["chat_id"] in counts:
            counts[call.params["chat_id"]] += 1
    return counts


async def all_answered(fake: FakeBotApi, users: range, each: int, within: float) -> None:
    deadline = time.monotonic() + within
    while min(replies(fake, users).values()) < each:
        if time.monotonic() > deadline:
            raise AssertionError(f"unanswered after {within} s: {replies(fake, users)}")
        await asyncio.sleep(0.2)


async def logged(db: Path) -> list[int | None]:
    async with await InquiryLog.open(db) as log:
        return [i.update_id for i in await log.reports.latest(100_000)]


async def test_a_bot_killed_mid_burst_logs_and_answers_every_message_after_a_restart(
    tmp_path: Path,
) -> None:
    db, log = tmp_path / "inquiries.sqlite3", tmp_path / "bot.log"
    users, each = range(70_000, 70_060), 4
    with FakeBotApi() as fake:
        fake.fail_randomly("sendMessage", 0.10, seed=11)  # 10 % transient faults throughout
        env = bot_env(fake, db)
        process = await start_bot(env, log)
        await fake.wait_for("getUpdates", lambda c: c.status == 200, timeout=30)
        sent = burst(fake, users, each)
        # At Telegram's 30 messages a second, most of the burst is still waiting here.
        await fake.wait_for("sendMessage", lambda c: c.status == 200, count=60, timeout=60)
        process.kill()
        await process.wait()
        before = sum(replies(fake, users).values())
        assert before < len(sent) - 60, "the kill came in the middle of the burst"
        process = await start_bot(env, log)
        await all_answered(fake, users, each, within=120)
        await stop_bot(process, log)
        answered = replies(fake, users)
    rows = await logged(db)
    assert sorted(rows) == sorted(sent), "every message logged exactly once"
    duplicates = sum(n - each for n in answered.values())
    # Only a reply that left in the last instant before the kill (accepted by Telegram, its done
    # mark not yet written) can go out twice: a handful, about the calls in flight at once
    # (README, durability). Resending what was recorded would be dozens here.
    assert duplicates <= CONNECTIONS, answered


async def test_sigterm_finishes_what_is_in_flight_and_leaves_the_rest_for_the_next_start(
    tmp_path: Path,
) -> None:
    db, log = tmp_path / "inquiries.sqlite3", tmp_path / "bot.log"
    users, each = range(71_000, 71_050), 3
    with FakeBotApi() as fake:
        env = bot_env(fake, db)
        process = await start_bot(env, log)
        await fake.wait_for("getUpdates", lambda c: c.status == 200, timeout=30)
        sent = burst(fake, users, each)
        await fake.wait_for("sendMessage", lambda c: c.status == 200, count=30, timeout=60)
        stopping = time.monotonic()
        await stop_bot(process, log)
        assert time.monotonic() - stopping < 15, "stopped within its bound"
        assert sum(replies(fake, users).values()) < len(sent), "some were left for later"
        assert "left in the inbox for the next start" in log.read_text()
        process = await start_bot(env, log)
        await all_answered(fake, users, each, within=60)
        await stop_bot(process, log)
        answered = replies(fake, users)
    assert set(answered.values()) == {each}, "nobody answered twice after a clean stop"
    assert sorted(await logged(db)) == sorted(sent)


async def test_a_stop_while_telegram_is_still_unreachable_at_start_up_is_clean(
        tmp_path: Path) -> None:
    """The IT person starts the bot, sees it cannot reach Telegram (a firewall), stops it: the
    log must not end in errors that send them looking for a second problem."""
    log = tmp_path / "bot.log"
    with FakeBotApi() as fake:
        fake.set_unreachable(True)
        process = await start_bot(bot_env(fake, tmp_path / "inquiries.sqlite3"), log)
        try:
            assert await fake.wait_for("getMe", lambda c: c.status == 502, count=2, timeout=20)
        finally:
            await stop_bot(process, log)
    output = log.read_text(encoding="utf-8")
    assert "Stopped" in output
    assert " ERROR " not in output, tail(log)


async def test_the_log_of_a_faulty_run_holds_no_patient_text_name_or_number(
    tmp_path: Path,
) -> None:
    db, log = tmp_path / "inquiries.sqlite3", tmp_path / "bot.log"
    secret_texts = ["Karimul's spine broke in 2019, is stem cell therapy safe for him?",
                    "আমার বাবা রফিকুল ইসলাম, স্টেম সেলের খরচ কত?", "01712345678",
                    "<b>unbalanced & \"quoted\" text"]
    names = ["Karimul", "Rafiqul", "Shahnaz", "shahnaz_b"]
    with FakeBotApi() as fake:
        env = bot_env(fake, db, LOG_LEVEL="DEBUG")
        process = await start_bot(env, log)
        await fake.wait_for("getUpdates", lambda c: c.status == 200, timeout=30)
        for fault in ("429", "500", "html", "drop"):
            fake.break_next("sendMessage", fault)
        fake.fail_next("sendMessage", 400, description='Bad Request: can\'t parse entities: '
                       'Unsupported start tag "karimul" at byte offset 0')
        for i, text in enumerate(secret_texts):
            fake.push_message(text, user_id=72_000 + i, first_name=names[i],
                              username=names[3])
        fake.push_update({"message": {"message_id": 9, "text": secret_texts[0],
                                      "from": {"first_name": names[0]}}})  # unreadable
        fake.push_message("/callback", user_id=72_010, first_name=names[2])
        await fake.wait_for("sendMessage", lambda c: c.params.get("chat_id") == 72_010)
        fake.push_callback("cb:savar", user_id=72_010, first_name=names[2])
        await fake.wait_for("sendMessage", lambda c: "phone" in c.params.get("text", ""),
                            timeout=15)
        fake.push_contact("+8801912345678", user_id=72_010, first_name=names[2])
        await fake.wait_for("sendMessage", lambda c: "01912345678" in c.params.get("text", "")
                            and c.params.get("chat_id") == 72_010, timeout=15)
        await all_answered(fake, range(72_000, 72_004), 1, within=30)
        await stop_bot(process, log)
    text = log.read_text(encoding="utf-8")
    assert "Telegram 502 (not JSON) on sendMessage" in text, "the faults were logged"
    assert "Skipped update" in text and "Telegram refused sendMessage" in text
    for secret in [*secret_texts, *names, "01912345678", "8801912345678", "রফিকুল"]:
        assert secret.lower() not in text.lower(), secret

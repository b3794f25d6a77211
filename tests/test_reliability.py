"""Issue 11 end to end: Telegram's faults, the inbox, chats side by side, unreadable updates."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import Incoming, InquiryLog
from bot.tg.transport import intake as intake_module
from bot.tg.transport import request as request_module

from helpers.fake_bot_api import BOT_USERNAME, FakeBotApi
from helpers.telegram_harness import Chat, bot_settings, running_bot

pytestmark = pytest.mark.e2e

QUESTION = "is stem cell therapy safe?"
APOLOGY = "went wrong"


def to(chat: int, fake: FakeBotApi) -> list[str]:
    """What the chat received, in order."""
    return [c.params["text"] for c in fake.calls("sendMessage")
            if c.status == 200 and c.params["chat_id"] == chat]


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give up after 2 s instead of 2 minutes, and look for unanswered updates twice a second."""
    monkeypatch.setattr(request_module, "RETRY_BOUND_SECONDS", 2.0)
    monkeypatch.setattr(intake_module, "RECHECK_EVERY_SECONDS", 0.5)


@pytest.mark.parametrize("fault", ["429", "500", "html", "drop", "timeout"])
async def test_a_transient_fault_is_retried_and_the_real_answer_arrives(fake, bot, fault) -> None:
    fake.break_next("sendMessage", fault)
    reply = await Chat(fake, 301).say(QUESTION, within=15)
    assert "safe" in reply.params["text"].lower() and APOLOGY not in reply.params["text"]
    failed, answered = fake.calls("sendMessage")[-2:]
    assert failed.fault == fault and answered.status == 200
    assert to(301, fake) == [reply.params["text"]], "one answer, no apology"


async def test_an_outage_longer_than_the_retries_is_answered_once_telegram_is_back(
    fake, db, quick_retries
) -> None:
    async with running_bot(bot_settings(fake, db)):
        fake.fail_next("sendMessage", 502, times=10**6)
        fake.push_message(QUESTION, user_id=302)
        await asyncio.sleep(5)  # the answer's retries and the apology's both run out
        assert to(302, fake) == []
        fake.clear_faults()
        await fake.wait_for("sendMessage", lambda c: c.status == 200, timeout=10)
        await asyncio.sleep(1)
    (answer,) = to(302, fake)
    assert "safe" in answer.lower()
    apologies = [c for c in fake.calls("sendMessage") if APOLOGY in c.params["text"]]
    assert apologies and all(c.status == 502 for c in apologies), "tried, never delivered"


async def test_the_apology_comes_only_when_the_retries_run_out_and_is_retried_too(
    fake, db, quick_retries
) -> None:
    async with running_bot(bot_settings(fake, db)):
        fake.fail_next("sendMessage", 502, times=10**6)
        fake.push_message(QUESTION, user_id=303)
        answer = await fake.wait_for("sendMessage", lambda c: "safe" in c.params["text"].lower())
        first_try = answer[0].at
        await fake.wait_for("sendMessage", lambda c: APOLOGY in c.params["text"], timeout=10)
        fake.clear_faults()  # Telegram is back while the apology is being retried
        await fake.wait_for("sendMessage", lambda c: c.status == 200, timeout=10)
        await asyncio.sleep(2)  # the inbox must not hand the question out again
    (received,) = to(303, fake)
    assert APOLOGY in received
    apology_calls = [c for c in fake.calls("sendMessage") if APOLOGY in c.params["text"]]
    assert [c.status for c in apology_calls][-1] == 200 and len(apology_calls) >= 2
    assert apology_calls[0].at - first_try >= 1.5, "not before the answer's retries ran out"


async def test_a_refused_call_is_not_retried_and_logged_once_without_the_text(
    fake, bot, caplog
) -> None:
    fake.fail_next("sendMessage", 400, description='Bad Request: can\'t parse entities: '
                   'Unsupported start tag "rahim" at byte offset 1')
    with caplog.at_level(logging.DEBUG, logger="bot"):
        reply = await Chat(fake, 304, first_name="Rahim Uddin").say(
            "my name is Rahim Uddin, 01712345678, is it safe?")
    assert APOLOGY in reply.params["text"], "the patient is not left without a word"
    to_patient = [c for c in fake.calls("sendMessage") if str(c.params["chat_id"]) == "304"]
    assert [c.status for c in to_patient] == [400, 200], "not retried"
    lines = [r for r in caplog.records if r.name == "bot.tg.transport.request"]
    assert len(lines) == 1 and lines[0].levelno == logging.ERROR
    line = lines[0].getMessage()
    assert "sendMessage" in line and "text=<" in line and "update" in line
    assert "rahim" not in caplog.text.lower() and "01712345678" not in caplog.text


async def test_a_busy_group_holds_up_no_private_patient(fake, bot) -> None:
    group = -100_300
    for i in range(40):  # twice a group's 20 messages a minute
        fake.push_message(f"@{BOT_USERNAME} {QUESTION} #{i}", user_id=3100 + i % 4,
                          chat_id=group, chat_type="supergroup")
    patient = Chat(fake, 305)
    waits = []
    for _ in range(5):
        started = time.monotonic()
        await patient.say("how much does it cost?", within=10)
        waits.append(time.monotonic() - started)
        await asyncio.sleep(0.5)
    assert max(waits) < 1.5, waits
    assert len(to(group, fake)) < 40, "the group was still waiting its turn meanwhile"


async def test_an_update_the_library_cannot_read_is_skipped_and_its_batch_served(
    fake, db, caplog
) -> None:
    fake.push_message(QUESTION, user_id=306)
    broken = fake.push_update({"message": {"message_id": 1, "text": "no chat, no date"}})
    fake.push_message(QUESTION, user_id=307)
    with caplog.at_level(logging.WARNING, logger="bot"):
        async with running_bot(bot_settings(fake, db)):
            await fake.wait_for("sendMessage", count=2)
            polls = len(fake.calls("getUpdates"))
            await asyncio.sleep(1)
            assert len(fake.calls("getUpdates")) - polls <= 3, "the batch is not fetched again"
    assert to(306, fake) and to(307, fake)
    skipped = [r.getMessage() for r in caplog.records if "Skipped" in r.getMessage()]
    assert skipped == [f"Skipped update {broken}: python-telegram-bot cannot read it (KeyError)"]


async def test_only_the_update_types_the_bot_handles_are_asked_for(fake, bot) -> None:
    await Chat(fake, 308).say(QUESTION)
    asked = {tuple(c.params.get("allowed_updates") or ()) for c in fake.calls("getUpdates")}
    assert asked == {("message", "edited_message", "callback_query")}


def stored_update(update_id: int, user_id: int, text: str) -> str:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Rahim"}}})


async def test_updates_a_crash_left_unanswered_are_answered_at_start_up(fake, db) -> None:
    now = datetime.now(UTC)
    async with await InquiryLog.open(db) as log:
        await log.inbox.store([
            Incoming(90_001, now - timedelta(minutes=10), 309, 309,
                     stored_update(90_001, 309, QUESTION)),
            Incoming(90_002, now - timedelta(hours=2), 310, 310,
                     stored_update(90_002, 310, QUESTION)),
        ])
    async with running_bot(bot_settings(fake, db)):
        await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 309)
        await asyncio.sleep(0.5)
    assert len(to(309, fake)) == 1
    assert to(310, fake) == [], "two hours late is too late"
    async with await InquiryLog.open(db) as log:
        assert [i.update_id for i in await log.reports.latest()] == [90_001]
        assert await log.inbox.unanswered(now - timedelta(days=1)) == []


async def test_an_edited_question_is_answered_again(fake, bot) -> None:
    chat = Chat(fake, 311)
    first = fake.push_message("is it safe?", user_id=311)
    await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 311)
    fake.push_edited_message(first, "how much does it cost?")
    replies = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 311, count=2)
    assert "cost" in replies[1].params["text"].lower()
    assert chat.user_id == 311


async def test_the_webhook_answers_200_while_the_database_refuses_writes_and_once_only(
    fake, db: Path
) -> None:
    import socket
    import sqlite3

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = bot_settings(fake, db, webhook_url="https://bot.example.org/telegram",
                            webhook_port=port, webhook_secret="s3cret")
    url = f"http://127.0.0.1:{port}/telegram"
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    update = json.loads(stored_update(91_001, 312, QUESTION))
    async with running_bot(settings), httpx.AsyncClient(timeout=30) as client:
        # Another program holds the database's write lock (taken off the event loop).
        blocker = sqlite3.connect(db, timeout=5, check_same_thread=False)
        await asyncio.to_thread(blocker.execute, "BEGIN EXCLUSIVE")
        try:
            # Held in memory: a 500 would make Telegram hold back every later update.
            first = await client.post(url, json=update, headers=headers)
            assert first.status_code == 200
            await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 312, timeout=15)
            again = await client.post(url, json=update, headers=headers)
            assert again.status_code == 200
        finally:
            blocker.rollback()
            blocker.close()
        await client.post(url, json=update, headers=headers)  # and once it is on disk
        await asyncio.sleep(0.5)
    assert len(to(312, fake)) == 1, "answered once, though delivered three times"
    async with await InquiryLog.open(db) as log:
        assert [i.update_id for i in await log.reports.latest()] == [91_001]



async def test_a_bangla_answer_crosses_the_network_as_utf8_not_escapes(fake, bot) -> None:
    """A clinic's uplink may be slow: a Bangla letter as a \\u escape is 6 bytes, in UTF-8 3."""
    reply = await Chat(fake, 302).say("স্টেম সেল থেরাপি কি নিরাপদ?")
    text = reply.params["text"]
    assert "নিরাপত্তা" in text
    assert reply.size < len(text.encode()) + 1500, "the text once, plus the buttons"

async def test_behind_a_proxy_calls_go_through_it_unless_no_proxy_names_the_host(
        fake, monkeypatch: pytest.MonkeyPatch) -> None:
    """A clinic's network may reach Telegram only through a proxy in HTTPS_PROXY / HTTP_PROXY.
    A second fake stands in for the proxy: it answers the absolute URLs a proxy is sent."""
    url = f"{fake.base_url}4242:proxy-test/getMe"
    with FakeBotApi() as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.base_url.removesuffix("/bot"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        request = request_module.JsonRequest(1)
        await request.initialize()
        try:
            me = await request.post(url)
        finally:
            await request.shutdown()
        assert me["username"] == BOT_USERNAME
        assert [c.method for c in proxy.calls()] == ["getMe"] and fake.calls() == []

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        request = request_module.JsonRequest(1)
        await request.initialize()
        try:
            await request.post(url)
        finally:
            await request.shutdown()
        assert [c.method for c in fake.calls()] == ["getMe"] and len(proxy.calls()) == 1

"""Hostile input (helpers/fuzz.py), seeded: it crashes nothing, Telegram refuses nothing the bot
sends, no one gets the apology, and every text gets exactly one reply. bench/fuzz_telegram.py
runs the same with 10,000 updates."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter

import pytest

from helpers.fake_bot_api import FakeBotApi
from helpers.fuzz import play
from helpers.telegram_harness import STAFF_ID, bot_settings, running_bot

pytestmark = pytest.mark.e2e


def replies(fake: FakeBotApi) -> Counter[int]:
    return Counter(int(c.params["chat_id"]) for c in fake.calls("sendMessage")
                   if c.status == 200)


@pytest.mark.parametrize("seed", [7, 8])
async def test_hostile_input_is_answered_and_upsets_nothing(fake, db, caplog, seed) -> None:
    settings = bot_settings(fake, db, flood_messages_per_minute=100_000)
    with caplog.at_level(logging.WARNING, logger="bot"):
        async with running_bot(settings, rate_limit=False):
            played = play(fake, random.Random(seed), 250, users=40, staff_id=STAFF_ID)
            deadline = time.monotonic() + 120
            while any(replies(fake)[chat] < n for chat, n in played.owed.items()):
                assert time.monotonic() < deadline, "some texts were never answered"
                await asyncio.sleep(0.2)
            await asyncio.sleep(1)  # a second reply to anyone would show by now
            answered = len(fake.calls("answerCallbackQuery"))
    got = replies(fake)
    chats = set(played.owed) | played.silent_chats
    # One reply per text; group messages not addressed to the bot get none.
    assert {chat: got[chat] for chat in chats} == {chat: played.owed[chat] for chat in chats}
    assert answered == played.pressed, "every button press is answered"
    refused = [(c.method, c.params.get("text", "")[:80]) for c in fake.calls() if c.status >= 400]
    assert refused == []
    texts = [str(c.params.get("text", "")) for c in fake.calls()]
    assert not any("went wrong" in t or "Traceback" in t for t in texts)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []

"""10,000 hostile updates from 1,000 users (tests/helpers/fuzz.py) through the real stack and the
fake Bot API: prints what the suite's smaller seeded run (tests/test_fuzz.py) asserts.

    .venv/bin/python bench/fuzz_telegram.py [--count 10000] [--users 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers.fake_bot_api import FakeBotApi  # noqa: E402
from helpers.fuzz import play  # noqa: E402
from helpers.telegram_harness import bot_settings, running_bot  # noqa: E402


class Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {record.getMessage()}"[:200])


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    errors = Errors()
    logging.getLogger().addHandler(errors)
    logging.getLogger().setLevel(logging.WARNING)
    with FakeBotApi() as fake, tempfile.TemporaryDirectory() as tmp:
        settings = bot_settings(fake, Path(tmp) / "inquiries.sqlite3",
                                flood_messages_per_minute=100_000)
        async with running_bot(settings, rate_limit=False):
            started = time.monotonic()
            played = play(fake, random.Random(args.seed), args.count, users=args.users)
            deadline = time.monotonic() + 900

            def replies() -> Counter[int]:
                return Counter(int(c.params["chat_id"]) for c in fake.calls("sendMessage")
                               if c.status == 200)

            while time.monotonic() < deadline:
                if all(replies()[chat] >= n for chat, n in played.owed.items()):
                    break
                await asyncio.sleep(1)
            await asyncio.sleep(2)
            seconds = time.monotonic() - started
            got = replies()
            pressed = len(fake.calls("answerCallbackQuery"))
        calls = fake.calls()
    owed = sum(played.owed.values())
    unanswered = sum(max(0, n - got[chat]) for chat, n in played.owed.items())
    extra = sum(max(0, got[chat] - n) for chat, n in played.owed.items())
    extra += sum(got[chat] for chat in played.silent_chats - set(played.owed))
    refused = Counter(f"{c.method} {c.status}" for c in calls if c.status >= 400)
    apologies = sum("went wrong" in str(c.params.get("text", "")) for c in calls)
    print(f"{args.count} updates from {args.users} users (seed {args.seed}) in {seconds:.0f} s")
    print(f"texts owed a reply: {owed}; unanswered: {unanswered}; extra replies: {extra}")
    print(f"button presses: {played.pressed}; answered: {pressed}")
    print(f"calls Telegram refused: {sum(refused.values())} {dict(refused)}")
    print(f"apologies sent: {apologies}; errors logged: {len(errors.lines)}")
    for line in errors.lines[:20]:
        print("  ", line)


if __name__ == "__main__":
    asyncio.run(main())

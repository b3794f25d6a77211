"""The README's run command, as a real process: survives Telegram being down at start-up,
answers once it is up, never logs the token, and shuts down cleanly on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from fake_bot_api import FakeBotApi

from bot.config import PROJECT_DIR
from bot.storage import InquiryLog

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
            process.send_signal(signal.SIGTERM)
            try:
                raw, _ = await asyncio.wait_for(process.communicate(), timeout=30)
            except TimeoutError:
                process.kill()
                raw, _ = await process.communicate()
                raise AssertionError(f"no exit on SIGTERM:\n{raw.decode()[-3000:]}") from None
    output = raw.decode("utf-8", "replace")
    assert process.returncode == 0, output[-3000:]
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
    async with await InquiryLog.open(db) as log:
        assert [r.text for r in await log.latest(5)] == ["is stem cell therapy safe?"]

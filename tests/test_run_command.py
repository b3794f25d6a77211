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

from helpers.fake_bot_api import FakeBotApi

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
            process.send_signal(signal.SIGTERM)
            raw, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, raw.decode()[-3000:]

"""Running the real python-telegram-bot Application against the fake Bot API.

A `Chat` is one patient (or staff member) typing and pressing buttons, and reading what the
bot sends back, as they would in Telegram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.config import PROJECT_DIR, Settings
from bot.core.frontdesk import build_front_desk
from bot.tg.app import build_application
from bot.tg.transport.runner import serving

from helpers.fake_bot_api import Call, FakeBotApi

TOKEN = "123456:TEST-token-never-logged"
STAFF_ID = 900
STAFF_CHAT = -500


def bot_settings(fake: FakeBotApi, db: Path, **overrides: Any) -> Settings:
    base = Settings(
        token=TOKEN,
        api_base_url=fake.base_url,
        file_base_url=fake.base_file_url,
        database_path=db,
        staff_user_ids=frozenset({STAFF_ID}),
        staff_chat_id=STAFF_CHAT,
        faq_dir=PROJECT_DIR / "faq",
        locales_dir=PROJECT_DIR / "locales",
        # Off unless a test is about it: on a Sunday morning every test would get one.
        weekly_digest=False,
    )
    return replace(base, **overrides)


@asynccontextmanager
async def running_bot(settings: Settings, *, rate_limit: bool = True) -> AsyncIterator[Any]:
    """The application receiving updates from the fake server as in production (polling, or a
    webhook when settings.webhook_url is set), stopped as on SIGTERM."""
    desk = build_front_desk(settings.faq_dir, settings.locales_dir)
    app = build_application(settings, desk, rate_limit=rate_limit)
    async with serving(app):
        yield app


@dataclass
class Chat:
    fake: FakeBotApi
    user_id: int
    language_code: str = "en"
    chat_id: int | None = None
    chat_type: str = "private"
    first_name: str = "Rahima"

    @property
    def chat(self) -> int:
        return self.chat_id if self.chat_id is not None else self.user_id

    def _mine(self, call: Call) -> bool:
        return str(call.params.get("chat_id")) == str(self.chat) and call.status == 200

    def _count(self, method: str) -> int:
        return sum(1 for c in self.fake.calls(method) if self._mine(c))

    async def _next(self, method: str, before: int, within: float = 5.0) -> Call:
        calls = await self.fake.wait_for(method, self._mine, count=before + 1, timeout=within)
        return calls[before]

    def _kw(self) -> dict[str, Any]:
        kw: dict[str, Any] = {"user_id": self.user_id, "language_code": self.language_code,
                              "first_name": self.first_name}
        if self.chat_id is not None:
            kw |= {"chat_id": self.chat_id, "chat_type": self.chat_type}
        return kw

    async def say(self, text: str, method: str = "sendMessage", within: float = 5.0) -> Call:
        """Send `text`; the bot's next message to this chat (waiting `within` seconds)."""
        before = self._count(method)
        self.fake.push_message(text, **self._kw())
        return await self._next(method, before, within)

    async def reply(self, text: str, to: int, method: str = "sendMessage") -> Call:
        """Send `text` as a Telegram reply to message `to` of this chat; the bot's next
        message to this chat."""
        before = self._count(method)
        self.fake.push_message(text, reply_to=to, **self._kw())
        return await self._next(method, before)

    def push_reply(self, text: str, to: int) -> int:
        """Send a reply without waiting for an answer (one that must change nothing)."""
        return self.fake.push_message(text, reply_to=to, **self._kw())

    async def send(self, push: str, method: str = "sendMessage", **kwargs: Any) -> Call:
        """Send a non-text message with the fake's `push_<push>` builder."""
        before = self._count(method)
        getattr(self.fake, f"push_{push}")(**self._kw(), **kwargs)
        return await self._next(method, before)

    async def press(self, data: str, method: str = "sendMessage",
                    message_id: int | None = None) -> Call:
        """Press an inline button with callback data `data`; the bot's next `method` call."""
        before = self._count(method) if method != "answerCallbackQuery" else len(
            self.fake.calls("answerCallbackQuery"))
        self.fake.push_callback(data, user_id=self.user_id, chat_id=self.chat,
                                language_code=self.language_code, message_id=message_id,
                                first_name=self.first_name)
        if method == "answerCallbackQuery":
            calls = await self.fake.wait_for(method, count=before + 1)
            return calls[before]
        return await self._next(method, before)

    async def silence(self, text: str, wait: float = 1.5) -> list[Call]:
        """Send `text` and return what the bot sent this chat within `wait` seconds."""
        import asyncio

        before = self._count("sendMessage")
        self.fake.push_message(text, **self._kw())
        await asyncio.sleep(wait)
        return [c for c in self.fake.calls("sendMessage") if self._mine(c)][before:]


def buttons(call: Call) -> list[tuple[str, str]]:
    """(label, callback data) of every inline button in a sent message."""
    markup = call.params.get("reply_markup") or {}
    return [
        (b["text"], b.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for b in row
    ]


def data_of(call: Call, prefix: str) -> list[str]:
    return [d for _, d in buttons(call) if d.startswith(prefix)]

"""Conversations between a patient and the front desk, kept beside the inquiry log.

A conversation opens when a patient taps "Ask the front desk". It is open while it has
status 'open' and a message went either way within the idle time the caller passes (24 hours
in the bot): a patient who comes back after that talks to the bot again, whether or not the
bot has got round to marking the row closed. Every message the bot posts for it on the staff
side (the card, copies of the patient's messages, "write your reply" prompts) is linked to
it by (chat, message id), so a staff member's Telegram reply to any of them finds it.

The messages themselves go into the inquiry log (kinds `to_front_desk` and
`from_front_desk`), so /export and /forget cover them like every other inquiry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from bot.storage.records import columns, from_row, iso
from bot.storage.schema import LogPart, delete_with_links

# The columns a new conversation is given; the rest have defaults.
_OPEN_COLUMNS = (
    "opened_at", "last_at", "user_id", "chat_id", "display_name", "username", "lang", "form",
    "question", "media", "bot_reply", "bot_entry_id", "inquiry_id",
)


@dataclass(frozen=True)
class Conversation:
    id: int
    opened_at: datetime
    last_at: datetime
    user_id: int
    chat_id: int
    display_name: str
    username: str | None
    lang: str
    form: str | None
    question: str
    media: str | None
    bot_reply: str
    bot_entry_id: str | None
    inquiry_id: int | None
    status: str  # 'open' | 'closed'
    replies: int
    answered_by: str | None
    answered_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None  # None with closed_at set: it closed for lack of messages

    def is_open(self, now: datetime, idle: timedelta) -> bool:
        return self.status == "open" and self.last_at > now - idle


@dataclass(frozen=True)
class MessageRef:
    """A message on the staff side that belongs to a conversation or a call-back request."""

    chat_id: int
    message_id: int
    # 'card' | 'patient' (a copy of the patient's message) | 'prompt' | 'answer' (a staff
    # member's own) | 'note' ('Sent to …') | 'callback' (a call-back alert, not a conversation's)
    role: str


_SELECT = f"SELECT {columns(Conversation)} FROM conversations"


class Conversations(LogPart):
    """Shares the log's connection and lock (InquiryLog.conversations): one writer at a time."""

    async def open(
        self,
        *,
        at: datetime,
        user_id: int,
        chat_id: int,
        display_name: str,
        username: str | None,
        lang: str,
        form: str | None,
        question: str,
        media: str | None,
        bot_reply: str,
        bot_entry_id: str | None,
        inquiry_id: int | None,
    ) -> Conversation:
        values = (iso(at), iso(at), user_id, chat_id, display_name, username, lang, form,
                  question, media, bot_reply, bot_entry_id, inquiry_id)
        sql = (f"INSERT INTO conversations ({', '.join(_OPEN_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(_OPEN_COLUMNS))})")
        async with self._lock, self._db.execute(sql, values) as cursor:
            row_id = cursor.lastrowid
        conversation = await self.get(row_id or 0)
        if conversation is None:
            raise RuntimeError("SQLite lost a conversation it had just stored")
        return conversation

    async def get(self, conversation_id: int) -> Conversation | None:
        rows = await self._db.execute_fetchall(f"{_SELECT} WHERE id = ?", (conversation_id,))
        return next((from_row(Conversation, row) for row in rows), None)

    async def active(
        self, user_id: int, now: datetime, idle: timedelta
    ) -> Conversation | None:
        """The patient's open conversation with a message within `idle`, the latest if several."""
        rows = await self._db.execute_fetchall(
            f"{_SELECT} WHERE user_id = ? AND status = 'open' AND last_at > ? "
            "ORDER BY last_at DESC, id DESC LIMIT 1",
            (user_id, iso(now - idle)),
        )
        return next((from_row(Conversation, row) for row in rows), None)

    async def all_open(self, now: datetime, idle: timedelta) -> list[Conversation]:
        rows = await self._db.execute_fetchall(
            f"{_SELECT} WHERE status = 'open' AND last_at > ? ORDER BY opened_at, id",
            (iso(now - idle),),
        )
        return [from_row(Conversation, row) for row in rows]

    async def opened_since(self, since: datetime) -> tuple[int, int]:
        """Conversations opened since `since`, and how many of them staff answered."""
        ((opened, answered),) = await self._db.execute_fetchall(
            "SELECT count(*), coalesce(sum(replies > 0), 0) FROM conversations "
            "WHERE opened_at >= ?",
            (iso(since),),
        )
        return int(opened), int(answered)

    async def touch(self, conversation_id: int, at: datetime) -> None:
        """A message went to or from the patient: the idle time starts again."""
        async with self._lock:
            await self._db.execute(
                "UPDATE conversations SET last_at = max(last_at, ?) WHERE id = ?",
                (iso(at), conversation_id),
            )

    async def record_staff_reply(
        self, conversation_id: int, staff_name: str, at: datetime
    ) -> Conversation | None:
        """A staff member answered: counted, and the conversation is open again (an answer
        invites the patient's reply, even one that comes after a long silence)."""
        async with self._lock:
            await self._db.execute(
                "UPDATE conversations SET replies = replies + 1, answered_by = ?, "
                "answered_at = ?, last_at = ?, status = 'open', closed_at = NULL, "
                "closed_by = NULL WHERE id = ?",
                (staff_name, iso(at), iso(at), conversation_id),
            )
        return await self.get(conversation_id)

    async def close(
        self, conversation_id: int, at: datetime, by: str | None
    ) -> Conversation | None:
        """Close it (`by`: the staff member's name, None for lack of messages); None when it
        was already closed or is gone."""
        async with self._lock, self._db.execute(
            "UPDATE conversations SET status = 'closed', closed_at = ?, closed_by = ? "
            "WHERE id = ? AND status = 'open'",
            (iso(at), by, conversation_id),
        ) as cursor:
            changed = cursor.rowcount == 1
        return await self.get(conversation_id) if changed else None

    async def close_idle(
        self, now: datetime, idle: timedelta
    ) -> list[Conversation]:
        """Close every open conversation without a message within `idle`; the closed ones."""
        rows = await self._db.execute_fetchall(
            "SELECT id FROM conversations WHERE status = 'open' AND last_at <= ?",
            (iso(now - idle),),
        )
        closed = []
        for (conversation_id,) in rows:
            conversation = await self.close(conversation_id, now, None)
            if conversation is not None:
                closed.append(conversation)
        return closed

    # -- the staff-side messages of a conversation ------------------------------------------

    async def link_message(
        self, conversation_id: int, chat_id: int, message_id: int, role: str
    ) -> None:
        async with self._lock:
            await self._db.execute(
                "INSERT OR REPLACE INTO conversation_messages "
                "(chat_id, message_id, conversation_id, role) VALUES (?, ?, ?, ?)",
                (chat_id, message_id, conversation_id, role),
            )

    async def of_message(self, chat_id: int, message_id: int) -> Conversation | None:
        rows = await self._db.execute_fetchall(
            f"{_SELECT} WHERE id = (SELECT conversation_id FROM conversation_messages "
            "WHERE chat_id = ? AND message_id = ?)",
            (chat_id, message_id),
        )
        return next((from_row(Conversation, row) for row in rows), None)

    async def linked_messages(
        self, conversation_id: int, role: str | None = None
    ) -> list[MessageRef]:
        rows = await self._db.execute_fetchall(
            "SELECT chat_id, message_id, role FROM conversation_messages "
            "WHERE conversation_id = ? AND (? IS NULL OR role = ?) ORDER BY rowid",
            (conversation_id, role, role),
        )
        return [MessageRef(int(c), int(m), str(r)) for c, m, r in rows]


async def forget_conversations(db: aiosqlite.Connection, user_id: int) -> int:
    """Inside InquiryLog.forget_user's transaction: the patient's conversations and their links."""
    return await _delete_conversations(db, "user_id = ?", user_id)


async def purge_conversations(db: aiosqlite.Connection, cutoff: str) -> int:
    """Inside InquiryLog.purge_older_than's transaction: conversations quiet since `cutoff`."""
    return await _delete_conversations(db, "last_at < ?", cutoff)


async def _delete_conversations(db: aiosqlite.Connection, where: str, value: object) -> int:
    """The conversations matching `where` (a constant of this module), links first."""
    return await delete_with_links(db, "conversations", "conversation_messages",
                                   "conversation_id", where, value)


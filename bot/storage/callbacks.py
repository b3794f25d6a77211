"""Call-back requests: a patient left a phone number for the front desk to ring, and where the
bot showed each request on the staff side (the alert, /callbacks lines), so "Done" can mark
every copy and /forget can remove them."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.storage.conversations import MessageRef
from bot.storage.records import CallbackRequest, columns, from_row, iso, utc_now
from bot.storage.schema import LogPart, delete_with_links


class Callbacks(LogPart):
    """Shares the log's connection and lock (InquiryLog.callbacks): one writer at a time."""

    async def add(
        self,
        *,
        user_id: int,
        chat_id: int,
        display_name: str,
        username: str | None,
        branch: str,
        phone: str,
        created_at: datetime | None = None,
    ) -> int:
        sql = (
            "INSERT INTO callback_requests (created_at, user_id, chat_id, display_name, "
            "username, branch, phone) VALUES (?, ?, ?, ?, ?, ?, ?)"
        )
        row = (
            iso(created_at or utc_now()), user_id, chat_id, display_name, username, branch, phone
        )
        async with self._lock, self._db.execute(sql, row) as cur:
            if cur.lastrowid is None:
                raise RuntimeError("SQLite returned no row id for an insert")
            return cur.lastrowid

    async def still_open(self) -> list[CallbackRequest]:
        """The requests nobody has marked done, oldest first."""
        sql = (
            f"SELECT {columns(CallbackRequest)} FROM callback_requests WHERE status = 'open' "
            "ORDER BY created_at, id"
        )
        return [from_row(CallbackRequest, row) for row in await self._db.execute_fetchall(sql)]

    async def get(self, request_id: int) -> CallbackRequest | None:
        sql = f"SELECT {columns(CallbackRequest)} FROM callback_requests WHERE id = ?"
        rows = list(await self._db.execute_fetchall(sql, (request_id,)))
        return from_row(CallbackRequest, rows[0]) if rows else None

    async def link_message(self, request_id: int, chat_id: int, message_id: int) -> None:
        """A staff-side message showing the request (the alert, a /callbacks line)."""
        async with self._lock:
            await self._db.execute(
                "INSERT OR REPLACE INTO callback_messages (chat_id, message_id, request_id) "
                "VALUES (?, ?, ?)", (chat_id, message_id, request_id))

    async def copies(self, request_id: int) -> list[MessageRef]:
        rows = await self._db.execute_fetchall(
            "SELECT chat_id, message_id FROM callback_messages WHERE request_id = ? "
            "ORDER BY rowid", (request_id,))
        return [MessageRef(int(c), int(m), "callback") for c, m in rows]

    async def mark_done(
        self, request_id: int, staff_user_id: int, at: datetime | None = None
    ) -> bool:
        """False when the request is unknown or someone already marked it done."""
        sql = (
            "UPDATE callback_requests SET status = 'done', done_at = ?, done_by = ? "
            "WHERE id = ? AND status = 'open'"
        )
        params = (iso(at or utc_now()), staff_user_id, request_id)
        async with self._lock, self._db.execute(sql, params) as cur:
            return cur.rowcount == 1


async def delete_callbacks(db: aiosqlite.Connection, where: str, value: object) -> int:
    """Inside InquiryLog.forget_user's or purge_older_than's transaction: the call-back requests
    `where` (a constant of the caller) selects, and the links to their staff-side messages."""
    return await delete_with_links(db, "callback_requests", "callback_messages", "request_id",
                                   where, value)

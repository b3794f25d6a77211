"""What the front desk's reports need beyond `InquiryLog.stats`: questions per day by kind of
reply (the /stats chart, the weekly digest), and small state that must outlive a restart
(when the last weekly digest went out)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import aiosqlite

from bot.storage.records import DHAKA, iso


class ReportStore:
    """InquiryLog's report queries (a mixin sharing the log's connection)."""

    _db: aiosqlite.Connection
    _lock: asyncio.Lock

    async def daily_kinds(
        self, since: datetime, kinds: tuple[str, ...]
    ) -> dict[date, dict[str, int]]:
        """For each Asia/Dhaka day since `since` with any of `kinds`: how many of each."""
        # Counted per UTC hour in SQL, then folded into Dhaka days (as in InquiryLog.stats).
        result: dict[date, dict[str, int]] = {}
        rows = await self._db.execute_fetchall(
            "SELECT substr(received_at, 1, 13) AS hour, kind, count(*) FROM inquiries "
            f"WHERE received_at >= ? AND kind IN ({', '.join('?' * len(kinds))}) "
            "GROUP BY hour, kind ORDER BY hour",
            (iso(since), *kinds),
        )
        for hour, kind, count in rows:
            day = datetime.fromisoformat(f"{hour}:00+00:00").astimezone(DHAKA).date()
            per_kind = result.setdefault(day, {})
            per_kind[kind] = per_kind.get(kind, 0) + count
        return result

    async def get_state(self, key: str) -> str | None:
        rows = await self._db.execute_fetchall("SELECT value FROM bot_state WHERE key = ?", (key,))
        return next((str(row[0]) for row in rows), None)

    async def set_state(self, key: str, value: str) -> None:
        async with self._lock:
            await self._db.execute(
                "INSERT INTO bot_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

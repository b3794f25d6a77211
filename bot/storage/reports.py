"""The front desk's reports over the inquiry log: the latest questions, the unanswered ones,
statistics, questions per day by kind of reply (the /stats chart, the weekly digest), rows for
export, and small state that must outlive a restart (when the last weekly digest went out)."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from bot.storage.records import (
    ANSWERED_KINDS,
    DHAKA,
    MESSAGE_KINDS,
    UNANSWERED_KINDS,
    EntryVotes,
    Inquiry,
    Stats,
    UnansweredQuestion,
    canonical_text,
    columns,
    from_row,
    iso,
    parse,
    utc,
)
from bot.storage.schema import LogPart


class Reports(LogPart):
    """Shares the log's connection and lock (InquiryLog.reports): one writer at a time."""

    async def latest(self, limit: int = 20) -> list[Inquiry]:
        sql = (
            f"SELECT {columns(Inquiry)} FROM inquiries "
            "ORDER BY received_at DESC, id DESC LIMIT ?"
        )
        return [from_row(Inquiry, row) for row in await self._db.execute_fetchall(sql, (limit,))]

    async def unanswered(
        self, since: datetime, limit: int = 20, answered_below: float | None = None
    ) -> list[UnansweredQuestion]:
        """Fallback and did-you-mean messages since `since` (plus answers with confidence
        below `answered_below`, if given), grouped by canonical text, most frequent first."""
        kinds = sorted(UNANSWERED_KINDS)
        sql = (
            "SELECT received_at, text, id FROM inquiries WHERE received_at >= ? AND "
            f"(kind IN ({', '.join('?' * len(kinds))}) "
            "OR (kind = 'answer' AND confidence < ?)) ORDER BY received_at, id"
        )
        # NULL < x is never true: with no threshold, no answer is included.
        params = (iso(since), *kinds, answered_below)
        groups: dict[str, tuple[int, str, str, int]] = {}
        for received_at, text, row_id in await self._db.execute_fetchall(sql, params):
            key = canonical_text(text) or text
            count = groups[key][0] if key in groups else 0
            groups[key] = (count + 1, received_at, text, row_id)  # rows are oldest first
        ordered = sorted(groups.values(), key=lambda g: (g[0], g[1]), reverse=True)
        return [
            UnansweredQuestion(example=text, count=count, last_at=parse(last), inquiry_id=row_id)
            for count, last, text, row_id in ordered[:limit]
        ]

    async def stats(self, since: datetime, top: int = 5) -> Stats:
        start = iso(since)
        fetch = self._db.execute_fetchall
        ((total, people),) = await fetch(
            "SELECT count(*), count(DISTINCT user_id) FROM inquiries WHERE received_at >= ?",
            (start,),
        )
        # Count per UTC hour in SQL, then fold the hours into Dhaka days: correct for any
        # whole-hour offset, and at most 24 rows a day leave SQLite.
        by_day: dict[date, int] = {}
        for hour, count in await fetch(
            "SELECT substr(received_at, 1, 13) AS hour, count(*) FROM inquiries "
            "WHERE received_at >= ? GROUP BY hour ORDER BY hour",
            (start,),
        ):
            day = datetime.fromisoformat(f"{hour}:00+00:00").astimezone(DHAKA).date()
            by_day[day] = by_day.get(day, 0) + count
        by_kind = {
            kind: count
            for kind, count in await fetch(
                "SELECT kind, count(*) AS n FROM inquiries WHERE received_at >= ? "
                "GROUP BY kind ORDER BY n DESC, kind",
                (start,),
            )
        }
        by_form = {
            form: count
            for form, count in await fetch(
                "SELECT form, count(*) AS n FROM inquiries WHERE received_at >= ? "
                "AND form IS NOT NULL GROUP BY form ORDER BY n DESC, form",
                (start,),
            )
        }
        answered = sorted(ANSWERED_KINDS)
        shown: Counter[str] = Counter()
        for entry, more in await fetch(
            "SELECT entry_id, more_entries FROM inquiries WHERE received_at >= ? "
            f"AND entry_id IS NOT NULL AND kind IN ({', '.join('?' * len(answered))})",
            (start, *answered),
        ):
            shown.update([entry, *(more or "").split()])
        top_entries = tuple(sorted(shown.items(), key=lambda item: (-item[1], item[0]))[:top])
        disliked = tuple(
            EntryVotes(entry, down, up)
            for entry, down, up in await fetch(
                "SELECT entry_id, sum(helpful = 0) AS down, sum(helpful = 1) AS up "
                "FROM feedback WHERE created_at >= ? GROUP BY entry_id HAVING down > 0 "
                "ORDER BY down DESC, up, entry_id LIMIT ?",
                (start, top),
            )
        )
        messages = sum(n for kind, n in by_kind.items() if kind in MESSAGE_KINDS)
        unanswered = sum(n for kind, n in by_kind.items() if kind in UNANSWERED_KINDS)
        return Stats(
            since=utc(since),
            total=total,
            people=people,
            messages=messages,
            unanswered=unanswered,
            unanswered_rate=unanswered / messages if messages else 0.0,
            by_day=by_day,
            by_kind=by_kind,
            by_form=by_form,
            top_entries=top_entries,
            most_disliked=disliked,
        )

    async def export_rows(self, since: datetime, until: datetime) -> list[Inquiry]:
        """Inquiries with since <= received_at < until, oldest first."""
        sql = (
            f"SELECT {columns(Inquiry)} FROM inquiries "
            "WHERE received_at >= ? AND received_at < ? ORDER BY received_at, id"
        )
        rows = await self._db.execute_fetchall(sql, (iso(since), iso(until)))
        return [from_row(Inquiry, row) for row in rows]

    async def daily_kinds(
        self, since: datetime, kinds: tuple[str, ...]
    ) -> dict[date, dict[str, int]]:
        """For each Asia/Dhaka day since `since` with any of `kinds`: how many of each."""
        # Counted per UTC hour in SQL, then folded into Dhaka days (as in stats).
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

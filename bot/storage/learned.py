"""What front-desk staff taught the bot: a patient's question, and the entry that
answers it, or none when the article does not.

The bot hands all of them to the matcher (`FrontDesk.relearn`), so a question taught once is
answered for the next patient. They are kept with who taught them and when, and with whose
words they were, so that /forget removes them too. The same question taught again (the same
canonical text) replaces the older teaching.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.storage.records import columns, from_row, iso
from bot.storage.schema import LogPart


@dataclass(frozen=True)
class LearnedPhrase:
    id: int
    created_at: datetime
    text: str
    form: str | None  # 'en' | 'bn' | 'banglish': where it goes in faq/
    entry_id: str | None  # None: not in the article (an out-of-scope example)
    taught_by: int
    taught_by_name: str
    source_user_id: int | None


_SELECT = f"SELECT {columns(LearnedPhrase)} FROM learned"


class Learned(LogPart):
    """Shares the log's connection and lock (InquiryLog.learned): one writer at a time."""

    async def teach(
        self,
        *,
        text: str,
        canonical: str,
        form: str | None,
        entry_id: str | None,
        taught_by: int,
        taught_by_name: str,
        source_user_id: int | None,
        at: datetime,
    ) -> LearnedPhrase:
        sql = (
            "INSERT INTO learned (created_at, text, canonical, form, entry_id, taught_by, "
            "taught_by_name, source_user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (canonical) DO UPDATE SET created_at = excluded.created_at, "
            "text = excluded.text, form = excluded.form, entry_id = excluded.entry_id, "
            "taught_by = excluded.taught_by, taught_by_name = excluded.taught_by_name, "
            "source_user_id = excluded.source_user_id"
        )
        values = (iso(at), text, canonical, form, entry_id, taught_by, taught_by_name,
                  source_user_id)
        async with self._lock:
            await self._db.execute(sql, values)
        rows = await self._db.execute_fetchall(f"{_SELECT} WHERE canonical = ?", (canonical,))
        return from_row(LearnedPhrase, next(iter(rows)))

    async def all(self) -> list[LearnedPhrase]:
        """Everything taught, oldest first."""
        rows = await self._db.execute_fetchall(f"{_SELECT} ORDER BY created_at, id")
        return [from_row(LearnedPhrase, row) for row in rows]

    async def unlearn(self, learned_id: int) -> LearnedPhrase | None:
        """Remove one teaching (undo); None when it was already gone."""
        rows = await self._db.execute_fetchall(f"{_SELECT} WHERE id = ?", (learned_id,))
        found = next((from_row(LearnedPhrase, row) for row in rows), None)
        if found is not None:
            async with self._lock:
                await self._db.execute("DELETE FROM learned WHERE id = ?", (learned_id,))
        return found


async def forget_learned(db: aiosqlite.Connection, user_id: int) -> int:
    """Inside InquiryLog.forget_user's transaction: phrasings taken from this patient's words.
    The bot stops answering from them at its next relearn."""
    async with db.execute("DELETE FROM learned WHERE source_user_id = ?", (user_id,)) as cursor:
        return cursor.rowcount

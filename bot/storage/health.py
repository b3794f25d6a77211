"""Whether the database takes writes, and how much room its disk has: for `ibnsina-admin
status`, which an IT person runs while the bot is up (it writes one small row to find out)."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from bot.storage.pending import PENDING_SUFFIX
from bot.storage.records import iso, utc_now

WRITE_CHECK = ("INSERT INTO bot_state (key, value) VALUES ('last_write', ?) "
               "ON CONFLICT (key) DO UPDATE SET value = excluded.value")


@dataclass(frozen=True)
class DiskHealth:
    database: Path
    problem: str | None  # SQLite's words for why it refused a write; None: it took one
    free_bytes: int
    total_bytes: int
    database_bytes: int  # the file and its -wal file
    waiting_lines: int  # entries a shutdown saved to the pending file, not imported yet

    @property
    def writable(self) -> bool:
        return self.problem is None


def disk_health(database: Path, busy_timeout: float = 2.0) -> DiskHealth:
    problem = None
    try:
        with contextlib.closing(sqlite3.connect(database, timeout=busy_timeout,
                                                isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(WRITE_CHECK, (iso(utc_now()),))
            conn.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        problem = str(exc)
    usage = shutil.disk_usage(database.parent)
    size = sum(p.stat().st_size for p in (database, Path(f"{database}-wal")) if p.exists())
    pending = database.with_name(database.name + PENDING_SUFFIX)
    waiting = 0
    with contextlib.suppress(OSError):
        waiting = sum(1 for line in pending.read_text("utf-8").splitlines() if line.strip())
    return DiskHealth(database, problem, usage.free, usage.total, size, waiting)

"""Records the database refused (locked, disk full, I/O error), so none is dropped silently.

They wait in memory and are retried; at shutdown what is still unwritten is saved beside the
database as JSON lines, which the next start imports.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.records import InquiryRecord

logger = logging.getLogger(__name__)

PENDING_SUFFIX = ".pending.jsonl"


class PendingRecords:
    """The records waiting for the database, oldest first, and their file."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + PENDING_SUFFIX)
        self._records: list[InquiryRecord] = []
        # True while the records in the file are also in self._records.
        self._file_loaded = False

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: InquiryRecord) -> None:
        self._records.append(record)

    def batch(self) -> list[InquiryRecord]:
        """A copy of the waiting records, to write in one transaction."""
        return list(self._records)

    def written(self, count: int) -> None:
        """The first `count` records are in the database now."""
        # Only appends happen while a batch is written, so it is still at the front.
        del self._records[:count]
        if self._file_loaded:
            self.path.unlink(missing_ok=True)
            self._file_loaded = False

    def drop_user(self, user_id: int) -> int:
        """Forget one user's waiting records (a flush would bring them back); how many."""
        kept = [rec for rec in self._records if rec.user_id != user_id]
        dropped = len(self._records) - len(kept)
        if dropped:
            self._records[:] = kept
            if self._file_loaded:
                self._write_file()
        return dropped

    def load(self) -> None:
        """Take in the records the last shutdown saved."""
        if not self.path.exists():
            return
        unreadable = 0
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                self._records.append(InquiryRecord.from_json(line))
            except (ValueError, KeyError, TypeError):
                unreadable += 1
        if unreadable:
            # Keep the file for a person to look at; its readable records are imported.
            aside = self.path.with_name(
                f"{self.path.name}.unreadable-{datetime.now(UTC):%Y%m%d%H%M%S}"
            )
            self.path.rename(aside)
            logger.error("%d lines of %s could not be read; kept as %s", unreadable, self.path,
                         aside)
        else:
            self._file_loaded = True

    def save(self) -> None:
        """At shutdown: write the waiting records to the file for the next start."""
        try:
            self._write_file()
        except OSError:
            logger.critical(
                "LOST %d inquiries: the database and %s are both unwritable",
                len(self._records),
                self.path,
            )
            raise
        logger.error(
            "The database could not be written; %d inquiries saved to %s, to be imported "
            "on the next start",
            len(self._records),
            self.path,
        )

    def _write_file(self) -> None:
        lines = "".join(rec.to_json() + "\n" for rec in self._records).encode("utf-8")
        if not self._file_loaded:
            _write_private(self.path, lines, os.O_APPEND)
        elif self._records:
            # The file's records are in memory too: replace it, atomically.
            tmp = self.path.with_name(self.path.name + ".tmp")
            _write_private(tmp, lines, os.O_TRUNC)
            os.replace(tmp, self.path)
        else:
            self.path.unlink(missing_ok=True)
            self._file_loaded = False


def _write_private(path: Path, data: bytes, mode_flag: int) -> None:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | mode_flag, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)

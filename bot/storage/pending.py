"""What the database refused (disk full, read-only file, locked, I/O error), waiting in memory so
that patients are still answered and nothing is dropped silently.

Three kinds wait, in the order they came: incoming updates (the inbox), done marks for updates
already stored, and inquiry records. InquiryLog writes them all in one transaction, in order, as
soon as the database takes writes again. Memory is bounded (BOUND entries, hours of a clinic's
traffic); past it the oldest entries are dropped and counted, never a patient's reply.

At shutdown what is still unwritten is saved beside the database as JSON lines, which the next
start imports; when that file cannot be written either, the log says how many entries are lost.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bot.storage.inbox import Incoming, State
from bot.storage.records import InquiryRecord, iso, parse

logger = logging.getLogger(__name__)

PENDING_SUFFIX = ".pending.jsonl"
# About 800 bytes each in memory (bench/bench_full_disk.py): 20,000 is some 15 MB. A message
# makes two entries (its update and its inquiry), so this is 10,000 messages: days of a clinic's
# traffic.
BOUND = 20_000


@dataclass(frozen=True)
class Mark:
    """A stored update is finished with (storage.inbox.Inbox.mark)."""

    update_id: int
    state: State


Waiting = Incoming | Mark | InquiryRecord


class PendingWrites:
    """The entries waiting for the database, oldest first, and their file."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + PENDING_SUFFIX)
        self.bound = BOUND
        # Keyed by update for updates and marks (a mark folds into its waiting update), by
        # arrival for inquiries; a dict keeps the order they came in.
        self._waiting: dict[tuple[str, int], Waiting] = {}
        self._numbers = itertools.count()
        self.dropped = 0  # oldest entries dropped for want of memory, since the last reset
        # True while the entries in the file are also in memory.
        self._file_loaded = False

    def __len__(self) -> int:
        return len(self._waiting)

    # -- adding ------------------------------------------------------------------------------

    def add(self, record: InquiryRecord) -> None:
        self._add(("inquiry", next(self._numbers)), record)

    def add_update(self, update: Incoming) -> None:
        self._add(("update", update.update_id), update)

    def mark(self, update_id: int, state: State) -> None:
        key = ("update", update_id)
        waiting = self._waiting.get(key)
        if isinstance(waiting, Incoming):
            # Keeps its place in the order; its JSON is not needed any more.
            self._waiting[key] = replace(waiting, state=state, payload=None)
        else:
            self._add(key, Mark(update_id, state))

    def _add(self, key: tuple[str, int], item: Waiting) -> None:
        self._waiting[key] = item
        while len(self._waiting) > self.bound:
            del self._waiting[next(iter(self._waiting))]
            if not self.dropped:
                logger.warning("More than %d entries wait for the database: the oldest are "
                               "dropped from now on (counted; patients are still answered)",
                               self.bound)
            self.dropped += 1

    # -- reading -----------------------------------------------------------------------------

    def update(self, update_id: int) -> Incoming | Mark | None:
        found = self._waiting.get(("update", update_id))
        return found if isinstance(found, Incoming | Mark) else None

    def updates(self) -> list[Incoming]:
        return [w for w in self._waiting.values() if isinstance(w, Incoming)]

    def count_updates(self) -> int:
        """Updates and marks (an update's mark folds into it)."""
        return sum(kind == "update" for kind, _ in self._waiting)

    def count(self, kind: type[Waiting]) -> int:
        return sum(isinstance(w, kind) for w in self._waiting.values())

    def snapshot(self) -> dict[tuple[str, int], Waiting]:
        """A copy of what waits, to write in one transaction."""
        return dict(self._waiting)

    # -- written or forgotten ----------------------------------------------------------------

    def written(self, snapshot: dict[tuple[str, int], Waiting]) -> None:
        """The entries of `snapshot` are in the database now."""
        for key, item in snapshot.items():
            current = self._waiting.get(key)
            if current is item:
                del self._waiting[key]
            elif isinstance(current, Incoming) and isinstance(item, Incoming):
                # Marked while it was written: the mark still has to be.
                self._waiting[key] = Mark(current.update_id, current.state)
        if self._file_loaded:
            self.path.unlink(missing_ok=True)
            self._file_loaded = False

    def drop_user(self, user_id: int) -> int:
        """Forget one user's waiting entries (a flush would bring them back); how many
        inquiries."""
        mine = [k for k, w in self._waiting.items()
                if isinstance(w, InquiryRecord | Incoming) and w.user_id == user_id]
        for key in mine:
            del self._waiting[key]
        if mine and self._file_loaded:
            self._write_file()
        return sum(kind == "inquiry" for kind, _ in mine)

    # -- the file ----------------------------------------------------------------------------

    def load(self) -> None:
        """Take in the entries the last shutdown saved."""
        if not self.path.exists():
            return
        unreadable = 0
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                item = _from_json(line)
            except (ValueError, KeyError, TypeError):
                unreadable += 1
                continue
            if isinstance(item, InquiryRecord):
                self.add(item)
            elif isinstance(item, Incoming):
                self.add_update(item)
            else:
                self.mark(item.update_id, item.state)
        if unreadable:
            # Keep the file for a person to look at; its readable entries are imported.
            aside = self.path.with_name(
                f"{self.path.name}.unreadable-{datetime.now(UTC):%Y%m%d%H%M%S}"
            )
            self.path.rename(aside)
            logger.error("%d lines of %s could not be read; kept as %s", unreadable, self.path,
                         aside)
        else:
            self._file_loaded = True

    def save(self) -> bool:
        """At shutdown: write the waiting entries to the file for the next start, once. False
        (and one log line saying they are lost) when that fails too."""
        try:
            self._write_file()
        except OSError as exc:
            logger.critical(
                "LOST %d entries (%d inquiries): the database and %s are both unwritable (%s)",
                len(self), self.count(InquiryRecord), self.path, exc.strerror or exc)
            return False
        logger.error(
            "The database could not be written; %d entries (%d inquiries) saved to %s, to be "
            "imported on the next start", len(self), self.count(InquiryRecord), self.path)
        return True

    def _write_file(self) -> None:
        lines = "".join(_to_json(w) + "\n" for w in self._waiting.values()).encode("utf-8")
        if not self._file_loaded:
            _write_private(self.path, lines, os.O_APPEND)
        elif self._waiting:
            # The file's entries are in memory too: replace it, atomically.
            tmp = self.path.with_name(self.path.name + ".tmp")
            _write_private(tmp, lines, os.O_TRUNC)
            os.replace(tmp, self.path)
        else:
            self.path.unlink(missing_ok=True)
            self._file_loaded = False


def _to_json(item: Waiting) -> str:
    """An inquiry as its record's JSON (the file's older format); updates and marks tagged."""
    if isinstance(item, InquiryRecord):
        return item.to_json()
    if isinstance(item, Mark):
        return json.dumps({"mark": [item.update_id, item.state.value]})
    return json.dumps({"update": {
        "update_id": item.update_id, "received_at": iso(item.received_at),
        "chat_id": item.chat_id, "user_id": item.user_id, "payload": item.payload,
        "state": item.state.value}}, ensure_ascii=False)


def _from_json(line: str) -> Waiting:
    data = json.loads(line)
    if isinstance(data, dict) and "mark" in data:
        update_id, state = data["mark"]
        return Mark(int(update_id), State(state))
    if isinstance(data, dict) and "update" in data:
        u = data["update"]
        return Incoming(int(u["update_id"]), parse(u["received_at"]), u["chat_id"],
                        u["user_id"], u["payload"], State(u["state"]))
    return InquiryRecord.from_json(line)


def _write_private(path: Path, data: bytes, mode_flag: int) -> None:
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | mode_flag, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(path, 0o600)

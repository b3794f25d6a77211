"""Per-user flood control: one patient sending dozens of messages a minute must not slow the
bot down for everyone else."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import Enum

WINDOW_SECONDS = 60.0


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # over the limit: tell the patient once
    DROP = "drop"  # still over the limit, already told


class FloodGuard:
    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: set[int] = set()

    def check(self, user_id: int) -> Verdict:
        now = self._clock()
        stamps = self._seen.setdefault(user_id, deque())
        while stamps and now - stamps[0] > WINDOW_SECONDS:
            stamps.popleft()
        if len(stamps) < self.per_minute:
            stamps.append(now)
            self._warned.discard(user_id)
            return Verdict.ALLOW
        if user_id in self._warned:
            return Verdict.DROP
        self._warned.add(user_id)
        return Verdict.WARN

    def forget_idle(self) -> None:
        """Drop users with no recent messages, so memory stays bounded over months of uptime."""
        now = self._clock()
        for user_id in [u for u, s in self._seen.items() if not s or now - s[-1] > WINDOW_SECONDS]:
            del self._seen[user_id]
            self._warned.discard(user_id)

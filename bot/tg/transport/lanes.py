"""Work from many chats at once, each chat's in the order it came: no chat holds up another.

Each chat (a "lane") has its own queue. A fixed number of workers take turns over the lanes with
work: a worker takes one item from the lane at the front, handles it, and puts the lane at the
back if more is waiting. So a family group waiting out Telegram's 20-a-minute group limit keeps
one worker busy, never the private chats; a chat's second message never overtakes its first;
and a chat with a long backlog shares the workers fairly with a chat that just wrote once.

python-telegram-bot's own `concurrent_updates` does not keep a chat's order (and one handler
task per update was measured slower here), hence this.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Lanes(Generic[T]):
    def __init__(
        self,
        handle: Callable[[T], Awaitable[None]],
        *,
        lane: Callable[[T], Hashable],
        ident: Callable[[T], int],
        workers: int,
    ) -> None:
        self._handle = handle
        self._lane = lane
        self._ident = ident
        self._workers = workers
        self._lanes: dict[Hashable, deque[T]] = {}
        self._ready: asyncio.Queue[Hashable] = asyncio.Queue()  # lanes with work, no worker
        self._scheduled: set[Hashable] = set()  # lanes ready or being worked on
        self._in_flight: set[int] = set()  # idents queued or being handled
        self._tasks: dict[asyncio.Task[None], T | None] = {}  # worker -> what it handles
        self._stopping = False

    @property
    def in_flight(self) -> frozenset[int]:
        """What is queued or being handled now."""
        return frozenset(self._in_flight)

    @property
    def queued(self) -> int:
        return sum(len(lane) for lane in self._lanes.values())

    def start(self) -> None:
        for _ in range(self._workers):
            task = asyncio.create_task(self._work())
            self._tasks[task] = None

    def submit(self, item: T) -> bool:
        """Queue `item` behind its lane's earlier items; False if it is already queued or
        being handled, or the lanes are stopping."""
        ident = self._ident(item)
        if self._stopping or ident in self._in_flight:
            return False
        self._in_flight.add(ident)
        key = self._lane(item)
        self._lanes.setdefault(key, deque()).append(item)
        if key not in self._scheduled:
            self._scheduled.add(key)
            self._ready.put_nowait(key)
        return True

    async def stop(self, within: float) -> int:
        """Start nothing new; give what is being handled `within` seconds to finish, then
        cancel it. How many items were left unhandled (queued or cancelled)."""
        self._stopping = True
        busy = {task for task, item in self._tasks.items() if item is not None}
        for task in set(self._tasks) - busy:
            task.cancel()  # idle: waiting for work
        if busy:
            _, late = await asyncio.wait(busy, timeout=within)
            for task in late:
                task.cancel()
            cancelled = len(late)
        else:
            cancelled = 0
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        left = self.queued + cancelled
        self._lanes.clear()
        self._in_flight.clear()
        return left

    async def _work(self) -> None:
        this = asyncio.current_task()
        assert this is not None
        while not self._stopping:
            key = await self._ready.get()
            lane = self._lanes[key]
            item = lane.popleft()
            self._tasks[this] = item
            try:
                await self._handle(item)
            except Exception as exc:  # the handler logs its own failures; this is a last resort
                logger.error("Handling %s failed: %s", self._ident(item), type(exc).__name__)
            finally:
                self._tasks[this] = None
                self._in_flight.discard(self._ident(item))
                if lane:
                    self._ready.put_nowait(key)  # to the back: other lanes go first
                elif self._lanes.get(key) is lane:
                    del self._lanes[key]
                    self._scheduled.discard(key)

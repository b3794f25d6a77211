"""Lanes: chats are handled at the same time, each chat's messages in the order they came."""

from __future__ import annotations

import asyncio

from bot.tg.transport.lanes import Lanes

Item = tuple[str, int]  # (chat, message number)


def lanes(handle, workers: int = 4) -> Lanes[Item]:
    return Lanes(handle, lane=lambda item: item[0], ident=lambda item: hash(item), workers=workers)


async def test_a_slow_chat_holds_up_no_other_and_each_keeps_its_order() -> None:
    done: list[Item] = []
    release_group = asyncio.Event()

    async def handle(item: Item) -> None:
        if item[0] == "group":
            await release_group.wait()  # waiting out Telegram's group limit
        done.append(item)

    work = lanes(handle)
    work.start()
    for n in range(3):
        work.submit(("group", n))
    for n in range(5):
        work.submit(("private", n))
    await asyncio.sleep(0.05)
    assert done == [("private", n) for n in range(5)]
    release_group.set()
    await asyncio.sleep(0.05)
    assert [n for chat, n in done if chat == "group"] == [0, 1, 2]
    assert await work.stop(within=1) == 0


async def test_busy_chats_take_turns() -> None:
    done: list[str] = []

    async def handle(item: Item) -> None:
        await asyncio.sleep(0)
        done.append(item[0])

    work = lanes(handle, workers=1)
    work.start()
    for n in range(3):
        work.submit(("a", n))
    work.submit(("b", 0))
    await asyncio.sleep(0.05)
    assert done.index("b") < 3, f"b waited for all of a's backlog: {done}"
    await work.stop(within=1)


async def test_an_item_is_queued_once() -> None:
    seen: list[Item] = []
    gate = asyncio.Event()

    async def handle(item: Item) -> None:
        await gate.wait()
        seen.append(item)

    work = lanes(handle)
    work.start()
    assert work.submit(("a", 1))
    assert not work.submit(("a", 1)), "queued or running: not again"
    gate.set()
    await asyncio.sleep(0.05)
    assert work.submit(("a", 1)), "finished: it may come again"
    await asyncio.sleep(0.05)
    assert seen == [("a", 1), ("a", 1)]
    await work.stop(within=1)


async def test_stop_finishes_what_runs_within_the_bound_and_leaves_the_rest() -> None:
    finished: list[Item] = []

    async def handle(item: Item) -> None:
        await asyncio.sleep(0.2 if item[0] == "quick" else 10)
        finished.append(item)

    work = lanes(handle, workers=2)
    work.start()
    work.submit(("quick", 0))
    work.submit(("quick", 1))  # queued behind quick 0: left for next time
    work.submit(("stuck", 0))
    await asyncio.sleep(0.05)
    left = await work.stop(within=0.5)
    assert finished == [("quick", 0)]
    assert left == 2  # quick 1 never started; stuck 0 was cancelled
    assert not work.submit(("late", 0))


async def test_a_failing_handler_does_not_stop_the_lane(caplog) -> None:
    done: list[Item] = []

    async def handle(item: Item) -> None:
        if item[1] == 0:
            raise RuntimeError("secret patient text")
        done.append(item)

    work = lanes(handle)
    work.start()
    work.submit(("a", 0))
    work.submit(("a", 1))
    await asyncio.sleep(0.05)
    assert done == [("a", 1)]
    assert "RuntimeError" in caplog.text and "secret" not in caplog.text
    await work.stop(within=1)

"""The front desk's conversations, what staff taught and the report queries (issue 9), on a
temporary SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.storage import InquiryLog, InquiryRecord, canonical_text

T0 = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)  # Sunday 09:00 in Dhaka
IDLE = timedelta(hours=24)


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[InquiryLog]:
    async with await InquiryLog.open(tmp_path / "inquiries.sqlite3") as opened:
        yield opened


async def open_one(log: InquiryLog, user_id: int = 7, at: datetime = T0, **fields: Any):
    values: dict[str, Any] = dict(
        at=at, user_id=user_id, chat_id=user_id, display_name="Rahima", username=None,
        lang="bn", form="banglish", question="koto taka lagbe", media=None,
        bot_reply="fallback", bot_entry_id=None, inquiry_id=None,
    )
    values.update(fields)
    return await log.conversations.open(**values)


async def test_a_conversation_is_open_until_a_day_without_messages(log: InquiryLog) -> None:
    opened = await open_one(log)
    assert (await log.conversations.active(7, T0 + timedelta(hours=23), IDLE)).id == opened.id
    await log.conversations.touch(opened.id, T0 + timedelta(hours=23))
    assert await log.conversations.active(7, T0 + timedelta(hours=46), IDLE) is not None
    later = T0 + timedelta(hours=47, seconds=1)
    assert await log.conversations.active(7, later, IDLE) is None
    closed = await log.conversations.close_idle(later, IDLE)
    assert [c.id for c in closed] == [opened.id] and closed[0].closed_by is None
    assert await log.conversations.close_idle(later, IDLE) == []


async def test_a_staff_reply_reopens_and_done_closes_once(log: InquiryLog) -> None:
    opened = await open_one(log)
    closed = await log.conversations.close(opened.id, T0, "Nasrin")
    assert closed is not None and closed.status == "closed" and closed.closed_by == "Nasrin"
    assert await log.conversations.close(opened.id, T0, "Nasrin") is None, "already closed"
    answered = await log.conversations.record_staff_reply(opened.id, "Karim",
                                                          T0 + timedelta(hours=30))
    assert answered is not None
    assert (answered.status, answered.replies, answered.answered_by) == ("open", 1, "Karim")
    assert answered.closed_at is None
    assert await log.conversations.active(7, T0 + timedelta(hours=31), IDLE) is not None


async def test_messages_link_to_their_conversation(log: InquiryLog) -> None:
    first, second = await open_one(log, 7), await open_one(log, 8)
    await log.conversations.link_message(first.id, -500, 11, "card")
    await log.conversations.link_message(second.id, -500, 12, "card")
    await log.conversations.link_message(first.id, -500, 13, "patient")
    assert (await log.conversations.of_message(-500, 13)).id == first.id
    assert await log.conversations.of_message(-500, 99) is None
    assert [m.message_id for m in await log.conversations.linked_messages(first.id, "card")] == [11]
    assert [m.message_id for m in await log.staff_copies(7)] == [11, 13]


async def test_forget_removes_conversations_links_relayed_messages_and_taught_words(
    log: InquiryLog,
) -> None:
    mine = await open_one(log, 7)
    await open_one(log, 8)
    await log.conversations.link_message(mine.id, -500, 11, "card")
    await log.record(InquiryRecord(user_id=7, chat_id=7, lang="en", text="thanks doctor",
                                   kind="to_front_desk"))
    await log.record(InquiryRecord(user_id=7, chat_id=7, lang="en", text="come on Sunday",
                                   kind="from_front_desk"))
    for user, text in ((7, "koto taka lagbe"), (8, "mri lagbe ki")):
        await log.learned.teach(text=text, canonical=canonical_text(text), form="banglish",
                                entry_id=None, taught_by=900, taught_by_name="Nasrin",
                                source_user_id=user, at=T0)
    await log.forget_user(7)
    assert await log.staff_copies(7) == [] and await log.conversations.of_message(-500, 11) is None
    assert [r.user_id for r in await log.reports.latest(10)] == []
    assert [p.text for p in await log.learned.all()] == ["mri lagbe ki"]
    assert await log.conversations.active(8, T0, IDLE) is not None


async def test_the_same_question_taught_again_replaces_the_first_teaching(log: InquiryLog) -> None:
    first = await log.learned.teach(text="Koto taka?", canonical=canonical_text("Koto taka?"),
                                    form="en", entry_id="cost", taught_by=900,
                                    taught_by_name="Nasrin", source_user_id=7, at=T0)
    again = await log.learned.teach(text="koto taka", canonical=canonical_text("koto taka"),
                                    form="banglish", entry_id=None, taught_by=901,
                                    taught_by_name="Karim", source_user_id=8,
                                    at=T0 + timedelta(minutes=1))
    assert again.id == first.id
    assert [(p.entry_id, p.taught_by_name) for p in await log.learned.all()] == [(None, "Karim")]
    assert (await log.learned.unlearn(first.id)).text == "koto taka"
    assert await log.learned.unlearn(first.id) is None
    assert await log.learned.all() == []


async def test_purge_removes_old_conversations(log: InquiryLog) -> None:
    old = await open_one(log, 7, at=T0 - timedelta(days=400))
    await log.conversations.link_message(old.id, -500, 11, "card")
    await open_one(log, 8)
    await log.purge_older_than(365, now=T0)
    assert await log.conversations.get(old.id) is None and await log.staff_copies(7) == []
    assert await log.conversations.active(8, T0, IDLE) is not None


async def test_daily_kinds_count_per_dhaka_day(log: InquiryLog) -> None:
    # 23:30 UTC is 05:30 the next day in Dhaka.
    for when, kind in ((T0, "answer"), (T0, "fallback"), (T0.replace(hour=23, minute=30),
                                                           "answer"), (T0, "command")):
        await log.record(InquiryRecord(received_at=when, user_id=1, chat_id=1, lang="en",
                                       text="q", kind=kind))
    days = await log.reports.daily_kinds(T0 - timedelta(days=1), ("answer", "fallback"))
    assert days == {date(2026, 11, 29): {"answer": 1, "fallback": 1},
                    date(2026, 11, 30): {"answer": 1}}


async def test_state_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "inquiries.sqlite3"
    async with await InquiryLog.open(path) as log:
        assert await log.reports.get_state("digest") is None
        await log.reports.set_state("digest", "a")
        await log.reports.set_state("digest", "b")
    async with await InquiryLog.open(path) as log:
        assert await log.reports.get_state("digest") == "b"


async def test_unanswered_groups_name_an_inquiry_to_teach_from(log: InquiryLog) -> None:
    first = await log.record(InquiryRecord(user_id=1, chat_id=1, lang="en", text="MRI price?",
                                           kind="fallback"))
    groups = await log.reports.unanswered(datetime.now(UTC) - timedelta(days=1))
    assert [(g.example, g.inquiry_id) for g in groups] == [("MRI price?", first)]

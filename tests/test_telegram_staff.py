"""Issue #4 end to end: the inquiry log, call-back requests and the staff commands, through the
real python-telegram-bot stack and the fake Bot API."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import DHAKA, InquiryLog, InquiryRecord

from helpers.replies import SAVAR
from helpers.telegram_harness import STAFF_CHAT, STAFF_ID, Chat, bot_settings, buttons, running_bot

pytestmark = pytest.mark.e2e


async def rows(db: Path) -> list:
    async with await InquiryLog.open(db) as log:
        return await log.reports.latest(10_000)


async def test_every_kind_of_message_is_logged_with_its_details(fake, bot, db) -> None:
    chat = Chat(fake, 201, first_name="Karim")
    await chat.say("/start")
    await chat.say("stem cell dile ki abar hatte parbe?")
    await chat.say("is the covid vaccine safe?")
    await chat.press("apt")
    await chat.send("sticker")
    await chat.send("contact", phone_number="+8801712345678")
    logged = list(reversed(await rows(db)))
    assert [r.kind for r in logged] == [
        "command", "answer", "fallback", "button", "non_text", "contact",
    ]
    question = logged[1]
    assert question.form == "banglish" and question.lang == "bn"
    assert question.entry_id and question.confidence is not None
    assert question.display_name == "Karim" and question.user_id == 201
    assert question.update_id is not None
    assert "+8801712345678" not in [r.text for r in logged], "numbers are kept only on request"


async def test_logged_before_the_reply_is_sent(fake, bot, db) -> None:
    """When the reply arrives at Telegram, the row is already in the database."""
    chat = Chat(fake, 202)
    await chat.say("is stem cell therapy safe?")
    assert any(r.text == "is stem cell therapy safe?" for r in await rows(db))


async def test_a_redelivered_update_is_stored_once_and_answered_once(fake, bot, db) -> None:
    chat = Chat(fake, 203)
    await chat.say("is stem cell therapy safe?")
    update_id = max(r.update_id for r in await rows(db))
    fake.redeliver(update_id)
    later = await chat.say("and what does it cost?")
    assert "cost" in later.params["text"].lower()
    answers = [c for c in fake.calls("sendMessage") if c.params["chat_id"] == 203]
    assert len(answers) == 2, "the patient who got the answer gets no second one"
    assert [r.update_id for r in await rows(db)].count(update_id) == 1


async def test_500_concurrent_patient_messages_give_500_rows_and_500_replies(fake, db) -> None:
    settings = bot_settings(fake, db, flood_messages_per_minute=1000)
    async with running_bot(settings):
        for i in range(500):
            fake.push_message(f"stem cell therapy safe? #{i}", user_id=10_000 + i % 50)
        await fake.wait_for("sendMessage", lambda c: c.status == 200, count=500, timeout=90)
    logged = await rows(db)
    assert len(logged) == 500
    assert len({r.update_id for r in logged}) == 500


async def test_data_survives_a_restart(fake, db) -> None:
    settings = bot_settings(fake, db)
    async with running_bot(settings):
        await Chat(fake, 204).say("is stem cell therapy safe?")
    async with running_bot(settings):
        await Chat(fake, 204).say("what about the cost?")
        staff = await Chat(fake, STAFF_ID).say("/inquiries 10")
    assert "is stem cell therapy safe?" in staff.params["text"]
    assert "what about the cost?" in staff.params["text"]


async def test_callback_request_from_button_to_staff_and_mark_done(fake, bot, db) -> None:
    patient = Chat(fake, 205, language_code="bn", first_name="Rahima")
    branches = await patient.press("cb")
    assert [d for _, d in buttons(branches)] == ["cb:savar", "cb:kallyanpur"]
    ask = await patient.press("cb:savar")
    keyboard = ask.params["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_contact"] is True
    invalid = await patient.say("12345678")
    assert "01712345678" in invalid.params["text"], "a bad number gets a kind retry"
    confirmation = await patient.say("০১৭১২-৩৪৫৬৭৮")  # Bengali digits with a dash
    assert "01712345678" in confirmation.params["text"] and SAVAR in confirmation.params["text"]

    to_staff = lambda c: str(c.params["chat_id"]) == str(STAFF_CHAT)  # noqa: E731
    notice = await fake.wait_for("sendMessage", to_staff)
    done_data = [d for _, d in buttons(notice[0]) if d.startswith("done:")]
    assert "01712345678" in notice[0].params["text"] and "Rahima" in notice[0].params["text"]

    staff_group = Chat(fake, STAFF_ID, chat_id=STAFF_CHAT, chat_type="supergroup")
    listing = await staff_group.say("/callbacks")
    assert "01712345678" in listing.params["text"]
    edited = await staff_group.press(done_data[0], method="editMessageText")
    assert "✅" in edited.params["text"]
    again = await staff_group.press(done_data[0], method="answerCallbackQuery")
    assert "আগেই" in again.params["text"]
    empty = await staff_group.say("/callbacks")
    assert "অপেক্ষমাণ কোনো কল-ব্যাক অনুরোধ নেই" in empty.params["text"]


async def test_contact_button_completes_a_callback_request(fake, bot) -> None:
    patient = Chat(fake, 206)
    await patient.press("cb")
    await patient.press("cb:kallyanpur")
    confirmation = await patient.send("contact", phone_number="8801812345678")
    assert "01812345678" in confirmation.params["text"]
    assert "09610009616" in confirmation.params["text"]


STAFF_COMMANDS = ["/inquiries", "/unanswered", "/callbacks", "/stats", "/export"]


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_staff_commands_look_unknown_to_patients(fake, bot, command) -> None:
    unknown = await Chat(fake, 207).say("/nosuchcommand")
    reply = await Chat(fake, 207).say(command)
    assert reply.params["text"] == unknown.params["text"]


@pytest.mark.parametrize("command", STAFF_COMMANDS)
async def test_in_a_group_staff_commands_are_as_silent_as_unknown_ones(fake, bot, command) -> None:
    group = Chat(fake, 207, chat_id=-1207, chat_type="group")
    assert await group.silence("/nosuchcommand@IbnSinaTestBot", wait=0.5) == []
    assert await group.silence(f"{command}@IbnSinaTestBot", wait=0.5) == []
    assert await group.silence(command, wait=0.5) == []


async def test_counts_in_other_digits_never_crash_a_staff_command(fake, bot) -> None:
    staff = Chat(fake, STAFF_ID)
    for junk in ("²", "١٢", "9" * 4000, "-3", "0", "৫x"):
        reply = await staff.say(f"/stats {junk}")
        assert "whole number" in reply.params["text"] or "Statistics" in reply.params["text"]
        assert "went wrong" not in reply.params["text"]
    bangla_five = await staff.say("/inquiries ৫")
    assert "went wrong" not in bangla_five.params["text"]
    forged = await staff.press("done:²", method="answerCallbackQuery")
    assert "expired" in forged.params.get("text", "")


async def test_staff_commands_for_staff(fake, bot) -> None:
    patient = Chat(fake, 208)
    await patient.say("covid vaccine ki nirapod?")
    await patient.say("covid vaccine ki nirapod")
    await patient.say("stem cell dile ki abar hatte parbe?")
    answer = await patient.say("is stem cell therapy safe?")
    await patient.press(next(d for _, d in buttons(answer) if d.endswith(":0")),
                        method="answerCallbackQuery")
    staff = Chat(fake, STAFF_ID)

    latest = await staff.say("/inquiries 3")
    assert "is stem cell therapy safe?" in latest.params["text"]
    assert latest.params["text"].count("💬") == 3

    unanswered = await staff.say("/unanswered")
    assert "2× “covid vaccine ki nirapod" in unanswered.params["text"]

    stats = await staff.say("/stats 7")
    assert "no answer: 2" in stats.params["text"]
    assert "Banglish (Bangla in English letters): 3" in stats.params["text"]
    # Four questions typed; the 👎 press and staff's own commands are log entries, not questions.
    assert "4 questions from 1 people" in stats.params["text"]
    assert "👎" in stats.params["text"]

    bad = await staff.say("/stats lots")
    assert "whole number" in bad.params["text"]

    export = await staff.say("/export 30", method="sendDocument")
    name, data = next(iter(export.files.values()))
    assert name.endswith(".csv") and data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert any("covid vaccine ki nirapod?" in row for row in table)


async def test_staff_replies_in_bangla_for_a_bangla_staff_member(fake, bot) -> None:
    await Chat(fake, 209).say("is stem cell therapy safe?")
    staff = Chat(fake, STAFF_ID, language_code="bn")
    reply = await staff.say("/stats")
    assert "পরিসংখ্যান" in reply.params["text"]
    # The reply kinds and languages are named in Bangla too, not "answer: 1", "en: 1".
    assert "উত্তর গেছে: 1" in reply.params["text"] and "ইংরেজি: 1" in reply.params["text"]
    assert "answer" not in reply.params["text"] and "en:" not in reply.params["text"]


async def test_export_keeps_bangla_intact(fake, bot) -> None:
    await Chat(fake, 210).say("স্টেম সেল থেরাপি কি নিরাপদ?")
    export = await Chat(fake, STAFF_ID).say("/export", method="sendDocument")
    _, data = next(iter(export.files.values()))
    assert "স্টেম সেল থেরাপি কি নিরাপদ?" in data.decode("utf-8-sig")


async def test_forget_deletes_everything_about_the_patient(fake, bot, db) -> None:
    patient, other = Chat(fake, 211), Chat(fake, 212)
    await patient.say("is stem cell therapy safe?")
    await other.say("is stem cell therapy safe?")
    confirm = await patient.say("/forget")
    assert {"fg:yes", "fg:no"} == {d for _, d in buttons(confirm)}
    done = await patient.press("fg:yes", method="editMessageText")
    assert "deleted" in done.params["text"]
    remaining = await rows(db)
    assert {r.user_id for r in remaining} == {212}


async def test_retention_purge_removes_only_old_records(db) -> None:
    old = datetime.now(UTC) - timedelta(days=400)
    async with await InquiryLog.open(db) as log:
        for when, text in ((old, "old question"), (datetime.now(UTC), "new question")):
            await log.record(InquiryRecord(received_at=when, user_id=1, chat_id=1, lang="en",
                                           text=text, kind="fallback"))
        assert await log.purge_older_than(365) == 1
        assert [r.text for r in await log.reports.latest(10)] == ["new question"]


async def test_the_bot_purges_on_start_up(fake, db) -> None:
    old = datetime.now(UTC) - timedelta(days=40)
    async with await InquiryLog.open(db) as log:
        await log.record(InquiryRecord(received_at=old, user_id=1, chat_id=1, lang="en",
                                       text="old question", kind="fallback"))
    async with running_bot(bot_settings(fake, db, retention_days=30)):
        await asyncio.sleep(0.5)
    assert await rows(db) == []


async def test_a_locked_database_still_answers_and_keeps_the_record(fake, db) -> None:
    import sqlite3

    async with running_bot(bot_settings(fake, db)) as app:
        # Another program holds the write lock (taken off the event loop, as it would be).
        blocker = sqlite3.connect(db, timeout=5, check_same_thread=False)
        await asyncio.to_thread(blocker.execute, "BEGIN EXCLUSIVE")
        try:
            fake.push_message("is stem cell therapy safe?", user_id=213)
            # The write is tried first (up to the 5 s busy timeout), then the reply goes out.
            reply = await fake.wait_for("sendMessage", lambda c: c.status == 200
                                        and c.params["chat_id"] == 213, timeout=20)
            assert "safe" in reply[0].params["text"].lower(), "the patient is answered anyway"
        finally:
            blocker.rollback()
            blocker.close()
        log = app.bot_data.log
        assert log.pending == 2, "the update and its inquiry, in memory"
        await log.flush_pending()  # unless the retry on its timer was first
        assert log.pending == 0
    assert [r.text for r in await rows(db)] == ["is stem cell therapy safe?"]


async def test_without_a_staff_group_each_staff_member_is_notified_in_their_language(
    fake, db
) -> None:
    async with running_bot(bot_settings(fake, db, staff_chat_id=None)):
        staff = Chat(fake, STAFF_ID)
        await staff.say("/language")
        await staff.press("l:en", method="editMessageText")
        patient = Chat(fake, 214)
        await patient.press("cb")
        await patient.press("cb:savar")
        await patient.say("01712345678")
        def to_staff(call) -> bool:
            return str(call.params["chat_id"]) == str(STAFF_ID) and "0171" in call.params["text"]

        notice = await fake.wait_for("sendMessage", to_staff)
        assert "Call-back request" in notice[0].params["text"]


async def test_the_staff_group_reads_one_language_whoever_asks(fake, bot) -> None:
    """Cards in the group are Bangla; a clerk whose Telegram is English got English replies
    beside them (a staff-day walkthrough). In the group, Bangla; privately, their own."""
    in_group = Chat(fake, STAFF_ID, chat_id=STAFF_CHAT, chat_type="supergroup",
                    language_code="en")
    assert "অপেক্ষমাণ কোনো কল-ব্যাক অনুরোধ নেই" in (await in_group.say("/callbacks")).params[
        "text"]
    privately = Chat(fake, STAFF_ID, language_code="en")
    assert "No open call-back requests" in (await privately.say("/callbacks")).params["text"]


async def _callback_alert(fake, patient: Chat, phone: str) -> dict:
    await patient.press("cb")
    await patient.press("cb:kallyanpur")
    await patient.say(phone)
    to_group = lambda c: str(c.params["chat_id"]) == str(STAFF_CHAT)  # noqa: E731
    await fake.wait_for("sendMessage", lambda c: to_group(c) and phone in c.params["text"])
    return next(m for m in reversed(fake.sent_messages(STAFF_CHAT)) if phone in m["text"])


async def test_done_under_callbacks_marks_the_alert_in_the_group_too(fake, bot) -> None:
    """Found by a staff-day walkthrough: done in one clerk's /callbacks list left the group's
    alert with its button, and a second clerk would call the patient again."""
    alert = await _callback_alert(fake, Chat(fake, 230, first_name="Karim"), "01712345670")
    privately = Chat(fake, STAFF_ID)
    listing = await privately.say("/callbacks")
    done = next(d for _, d in buttons(listing) if d.startswith("done:"))
    await privately.press(done, method="editMessageText")
    await fake.wait_for("editMessageText",
                        lambda c: str(c.params.get("chat_id")) == str(STAFF_CHAT), timeout=10)
    now = fake.message(STAFF_CHAT, alert["message_id"])
    assert "✅" in now["text"] and "01712345670" in now["text"]
    assert not (now.get("reply_markup") or {}).get("inline_keyboard"), "no button left to press"


async def test_forget_removes_the_patients_call_back_alert_from_the_staff_chat(fake, bot) -> None:
    patient = Chat(fake, 231, first_name="Jamal")
    alert = await _callback_alert(fake, patient, "01812345671")
    asked = await patient.say("/forget")
    await patient.press(next(d for _, d in buttons(asked) if d.endswith("yes")),
                        method="editMessageText")
    await fake.wait_for("deleteMessage", lambda c: True, timeout=10)
    assert fake.message(STAFF_CHAT, alert["message_id"]) is None, "name and phone are gone"


async def test_moving_the_clock_moves_the_staff_commands_windows(fake, bot) -> None:
    await Chat(fake, 216).say("will insurance cover it")
    staff = Chat(fake, STAFF_ID)
    assert "will insurance cover it" in (await staff.say("/unanswered 1")).params["text"]
    later = datetime.now(UTC) + timedelta(days=3)
    bot.bot_data.clock = lambda: later
    assert "No unanswered questions" in (await staff.say("/unanswered 1")).params["text"]
    assert "0 questions from 0 people" in (await staff.say("/stats 1")).params["text"]
    export = await staff.say("/export 1", method="sendDocument")
    # The file is named by the date in Dhaka, six hours ahead of UTC.
    assert later.astimezone(DHAKA).strftime("%Y-%m-%d") in str(export.files)


async def test_the_daily_purge_follows_the_clock(fake, db) -> None:
    from bot.tg import schedule

    async with running_bot(bot_settings(fake, db, retention_days=30)) as app:
        await Chat(fake, 217).say("is stem cell therapy safe?")
        data = app.bot_data
        await schedule.tick(app.bot, data)
        assert len(await rows(db)) == 1, "purged at start-up, and not again within the day"
        data.clock = lambda: datetime.now(UTC) + timedelta(days=31)
        await schedule.tick(app.bot, data)
        assert await rows(db) == [], "a day later: what is now over 30 days old goes"


STAFF_BUTTONS = ["done:1", "dr:1", "dd:1", "tch:i1", "tch:c1:x", "ul:1"]


@pytest.mark.parametrize("data", STAFF_BUTTONS)
async def test_a_staff_button_has_one_answer_for_anyone_else(fake, bot, data) -> None:
    outsider = Chat(fake, 218, chat_id=STAFF_CHAT, chat_type="supergroup", language_code="en")
    refused = await outsider.press(data, method="answerCallbackQuery")
    assert "শুধু ফ্রন্ট ডেস্কের স্টাফরা" in refused.params["text"], "the group reads Bangla"
    patient = await Chat(fake, 218).press(data, method="answerCallbackQuery")
    assert "expired" in patient.params["text"], "to a patient, staff buttons do not exist"


@pytest.mark.parametrize("data", ["done:9999999", "dr:9999999", "dd:9999999", "tch:i9999999",
                                  "tch:c9999999:x", "done:99999999999999999999"])
async def test_a_staff_press_naming_nothing_has_expired(fake, bot, data) -> None:
    answer = await Chat(fake, STAFF_ID).press(data, method="answerCallbackQuery")
    assert "expired" in answer.params["text"]
    assert not any("went wrong" in str(c.params.get("text")) for c in fake.calls())


@pytest.mark.parametrize("data", ["ask:99999999", "ask:99999999999999999999",
                                  "ask:1:99999999999999999999"])
async def test_a_patient_press_naming_nothing_has_expired(fake, bot, data) -> None:
    answer = await Chat(fake, 219).press(data, method="answerCallbackQuery")
    assert "expired" in answer.params["text"]
    assert not any("went wrong" in str(c.params.get("text")) for c in fake.calls())

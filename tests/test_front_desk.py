"""Issue 9 end to end: a patient the bot could not help gets a person's answer in the same chat,
and staff do it from their group, through the real python-telegram-bot stack and the fake Bot
API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.storage import InquiryLog
from bot.tg import schedule

from helpers.replies import SAVAR, is_bangla
from helpers.telegram_harness import (
    STAFF_CHAT,
    STAFF_ID,
    Chat,
    bot_settings,
    buttons,
    data_of,
    running_bot,
)

pytestmark = pytest.mark.e2e

OUT_OF_SCOPE = "is the covid vaccine safe for my mother?"


def staff_group(first_name: str = "Nasrin", user_id: int = STAFF_ID) -> dict[str, Any]:
    return {"user_id": user_id, "chat_id": STAFF_CHAT, "chat_type": "supergroup",
            "first_name": first_name}


def in_staff_chat(call) -> bool:
    return str(call.params.get("chat_id")) == str(STAFF_CHAT) and call.status == 200


def to_chat(chat_id: int):
    return lambda call: str(call.params.get("chat_id")) == str(chat_id) and call.status == 200


def staff_messages(fake) -> list[dict[str, Any]]:
    return fake.sent_messages(STAFF_CHAT)


def card_of(fake) -> dict[str, Any]:
    """The latest front-desk card in the staff group (as the fake holds it now)."""
    cards = [m for m in staff_messages(fake)
             if any(d.startswith("dd:") or d.startswith("tch:c")
                    for d in _data(m))]
    assert cards, "no card in the staff group"
    return fake.message(STAFF_CHAT, cards[-1]["message_id"])


def _data(message: dict[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


async def ask_front_desk(fake, patient: Chat, question: str = OUT_OF_SCOPE) -> dict[str, Any]:
    """The patient asks, gets the fallback, taps "Ask the front desk"; the card."""
    reply = await patient.say(question)
    asks = data_of(reply, "ask:")
    assert len(asks) == 1, buttons(reply)
    before = len(fake.calls("sendMessage"))
    confirmation = await patient.press(asks[0])
    await fake.wait_for("sendMessage", in_staff_chat,
                        count=1 + sum(in_staff_chat(c) for c in fake.calls("sendMessage")[:before]))
    patient.confirmation = confirmation  # type: ignore[attr-defined]
    return card_of(fake)


async def rows(db: Path) -> list:
    async with await InquiryLog.open(db) as log:
        return list(reversed(await log.reports.latest(10_000)))


# -- a person one tap away ----------------------------------------------------------------------


async def test_button_card_staff_reply_reaches_the_patient(fake, bot, db) -> None:
    patient = Chat(fake, 401, first_name="Rahima")
    card = await ask_front_desk(fake, patient)
    told = patient.confirmation.params["text"]  # type: ignore[attr-defined]
    assert "front desk" in told and "reply in this chat" in told
    assert SAVAR in told and "<b>999</b>" in told
    assert "hour" not in told and "minute" not in told, "no reply time is promised"
    # The card: name, language, the question word for word, what the bot said, Dhaka time.
    assert "Rahima" in card["text"] and "English" in card["text"]
    assert OUT_OF_SCOPE in card["text"] and "ঢাকা" in card["text"]
    assert any(d.startswith("dr:") for d in _data(card)) and any(
        d.startswith("tch:c") for d in _data(card))

    staff = Chat(fake, **staff_group("Nasrin"))
    ack = await staff.reply("Yes, it is safe. Bring her vaccination card.", to=card["message_id"])
    assert "Rahima" in ack.params["text"]
    answer = (await fake.wait_for("sendMessage", to_chat(401), count=3))[-1]
    assert "IBN-SINA front desk" in answer.params["text"]
    assert "Bring her vaccination card." in answer.params["text"]
    assert "Nasrin" in fake.message(STAFF_CHAT, card["message_id"])["text"], "who answered"
    logged = [(r.kind, r.text) for r in await rows(db)]
    assert ("from_front_desk", "Yes, it is safe. Bring her vaccination card.") in logged


async def test_a_reply_to_the_sent_note_or_to_ones_own_answer_reaches_the_patient_too(
        fake, bot) -> None:
    """Found by a staff-day walkthrough: a busy clerk answers again by replying to what is
    nearest, not to the card; those answers were lost without a word."""
    patient = Chat(fake, 420, first_name="Karim")
    card = await ask_front_desk(fake, patient)
    staff = Chat(fake, **staff_group("Nasrin"))
    note = await staff.reply("First: yes, it is safe.", to=card["message_id"])
    assert "Karim" in note.params["text"] and note.params["text"].startswith("✅")
    first_answer = note.params["reply_parameters"]["message_id"]  # the note replies to it
    note_id = next(m["message_id"] for m in reversed(staff_messages(fake))
                   if m.get("text") == note.params["text"])
    await staff.reply("Second: bring her card.", to=note_id)
    await staff.reply("Third: and come fasting.", to=first_answer)
    answers = [c.params["text"] for c in fake.calls("sendMessage")
               if to_chat(420)(c) and c.params["text"].startswith("💬")]
    assert [a.splitlines()[-1] for a in answers] == [
        "First: yes, it is safe.", "Second: bring her card.", "Third: and come fasting."]


async def test_a_staff_reply_to_a_list_is_told_it_reached_no_patient(fake, bot) -> None:
    staff = Chat(fake, **staff_group("Nasrin"))
    listing = await staff.say("/inquiries")
    listing_id = next(m["message_id"] for m in reversed(staff_messages(fake))
                      if m.get("text") == listing.params["text"])
    told = await staff.reply("call this one back please", to=listing_id)
    assert "কোনো রোগীর কাছে যায়নি" in told.params["text"]  # the staff group's language


async def test_a_bangla_patient_is_answered_in_bangla(fake, bot) -> None:
    patient = Chat(fake, 402, language_code="bn")
    card = await ask_front_desk(fake, patient, "করোনার টিকা কি নিরাপদ?")
    assert is_bangla(patient.confirmation.params["text"])  # type: ignore[attr-defined]
    assert "বাংলা" in card["text"]
    staff = Chat(fake, **staff_group())
    await staff.reply("জি, নিরাপদ।", to=card["message_id"])
    answer = (await fake.wait_for("sendMessage", to_chat(402), count=3))[-1]
    assert "ইবনে সিনা ফ্রন্ট ডেস্ক" in answer.params["text"] and "জি, নিরাপদ।" in answer.params[
        "text"]


async def test_the_reply_button_asks_for_the_text_with_a_reply_box(fake, bot) -> None:
    patient = Chat(fake, 403)
    card = await ask_front_desk(fake, patient)
    staff = Chat(fake, **staff_group())
    prompt = await staff.press(next(d for d in _data(card) if d.startswith("dr:")),
                               message_id=card["message_id"])
    assert prompt.params["reply_markup"]["force_reply"] is True
    assert prompt.params["reply_markup"]["selective"] is True
    assert f"tg://user?id={STAFF_ID}" in prompt.params["text"]
    prompt_id = staff_messages(fake)[-1]["message_id"]
    await staff.reply("Please call us on Sunday.", to=prompt_id)
    answer = (await fake.wait_for("sendMessage", to_chat(403), count=3))[-1]
    assert "Please call us on Sunday." in answer.params["text"]


async def test_follow_ups_go_to_the_card_thread_and_the_bot_stays_quiet(fake, bot, db) -> None:
    patient = Chat(fake, 404, first_name="Karim")
    card = await ask_front_desk(fake, patient)
    quiet = await patient.silence("is stem cell therapy safe?")
    assert quiet == [], "while the front desk has the conversation, the bot does not answer"
    relayed = await fake.wait_for("sendMessage", in_staff_chat, count=2)
    assert "is stem cell therapy safe?" in relayed[-1].params["text"]
    assert relayed[-1].params["reply_parameters"]["message_id"] == card["message_id"]
    # A photo and a voice note are copied into the thread too.
    fake.push_photo(user_id=404, caption="his MRI report")
    fake.push_voice(user_id=404)
    copies = await fake.wait_for("copyMessage", in_staff_chat, count=2)
    assert "his MRI report" in copies[0].params["caption"]
    assert all(c.params["reply_parameters"]["message_id"] == card["message_id"] for c in copies)
    # A staff reply to a copy in the thread reaches the patient as well.
    copy_id = staff_messages(fake)[-1]["message_id"]
    staff = Chat(fake, **staff_group())
    await staff.reply("Thank you, we got the report.", to=copy_id)
    answer = (await fake.wait_for("sendMessage", to_chat(404), count=3))[-1]
    assert "we got the report" in answer.params["text"]
    kinds = [(r.kind, r.text) for r in await rows(db)]
    assert ("to_front_desk", "is stem cell therapy safe?") in kinds
    assert ("to_front_desk", "[photo] his MRI report") in kinds


async def test_the_card_shows_when_the_patient_wrote_again_after_the_answer(fake, bot) -> None:
    """Found by a staff-day walkthrough: the card read "answered" while the patient's new
    question waited, and a clerk pressed Done on it. (The staff group's cards are Bangla.)"""
    patient = Chat(fake, 421, first_name="Rahima")
    card = await ask_front_desk(fake, patient)
    staff = Chat(fake, **staff_group("Nasrin"))
    await staff.reply("Yes, it is safe.", to=card["message_id"])
    assert "⏳" not in fake.message(STAFF_CHAT, card["message_id"])["text"]
    await patient.silence("and is the Savar branch open on Friday?")
    await fake.wait_for("editMessageText", lambda c: "⏳" in c.params.get("text", ""),
                        timeout=10)
    assert "রোগী আবার লিখেছেন" in fake.message(STAFF_CHAT, card["message_id"])["text"]
    await staff.reply("Yes, from 9 am.", to=card["message_id"])
    await fake.wait_for("editMessageText", lambda c: "মোট 2টি" in c.params.get("text", ""),
                        timeout=10)
    assert "⏳" not in fake.message(STAFF_CHAT, card["message_id"])["text"]


async def test_an_emergency_in_a_conversation_gets_999_at_once(fake, bot) -> None:
    patient = Chat(fake, 405)
    await ask_front_desk(fake, patient)
    alarm = await patient.say("my father fell from the roof just now and cannot move")
    assert "<b>999</b>" in alarm.params["text"]
    relayed = (await fake.wait_for("sendMessage", in_staff_chat, count=2))[-1]
    assert "🚨" in relayed.params["text"] and "fell from the roof" in relayed.params["text"]


async def test_done_closes_and_the_bot_answers_again(fake, bot) -> None:
    patient = Chat(fake, 406)
    card = await ask_front_desk(fake, patient)
    staff = Chat(fake, **staff_group("Nasrin"))
    closed = await staff.press(next(d for d in _data(card) if d.startswith("dd:")),
                               method="answerCallbackQuery", message_id=card["message_id"])
    assert "বন্ধ হয়েছে" in closed.params.get("text", "")  # the group reads Bangla
    notice = (await fake.wait_for("sendMessage", to_chat(406), count=3))[-1]
    assert "closed this conversation" in notice.params["text"]
    card = fake.message(STAFF_CHAT, card["message_id"])
    assert "Nasrin" in card["text"] and not any(d.startswith("dd:") for d in _data(card))
    answer = await patient.say("is stem cell therapy safe?")
    assert "safe" in answer.params["text"].lower() and "IBN-SINA front desk" not in answer.params[
        "text"]


async def test_a_day_without_messages_closes_the_conversation(fake, bot) -> None:
    data = bot.bot_data
    start = datetime.now(UTC)
    data.clock = lambda: start
    patient = Chat(fake, 407)
    card = await ask_front_desk(fake, patient)
    data.clock = lambda: start + timedelta(hours=23, minutes=59)
    await schedule.tick(bot.bot, data)
    assert any(d.startswith("dd:") for d in _data(fake.message(STAFF_CHAT, card["message_id"])))
    assert await patient.silence("still there?") == [], "23:59 later it is still open"
    # The patient's message started the day again; a day after it, the conversation closes.
    data.clock = lambda: start + timedelta(hours=48)
    await schedule.tick(bot.bot, data)
    closed = fake.message(STAFF_CHAT, card["message_id"])
    assert "⌛" in closed["text"] and not any(d.startswith("dd:") for d in _data(closed))
    answer = await patient.say("is stem cell therapy safe?")
    assert "safe" in answer.params["text"].lower()


async def test_a_group_member_who_is_not_staff_changes_nothing(fake, bot, db) -> None:
    patient = Chat(fake, 408)
    card = await ask_front_desk(fake, patient)
    outsider = Chat(fake, **staff_group("Visitor", user_id=999))
    for prefix in ("dr:", "dd:", "tch:c"):
        pressed = await outsider.press(next(d for d in _data(card) if d.startswith(prefix)),
                                       method="answerCallbackQuery",
                                       message_id=card["message_id"])
        assert "শুধু ফ্রন্ট ডেস্কের স্টাফরা" in pressed.params.get("text", "")
    before_patient = len([c for c in fake.calls("sendMessage") if to_chat(408)(c)])
    outsider.push_reply("I am not staff but here is my answer", to=card["message_id"])
    await asyncio.sleep(1.5)
    after = [c for c in fake.calls("sendMessage") if to_chat(408)(c)]
    assert len(after) == before_patient, "nothing reached the patient"
    assert fake.message(STAFF_CHAT, card["message_id"]) == card, "the card is unchanged"
    assert "from_front_desk" not in [r.kind for r in await rows(db)]
    assert not [c for c in fake.calls("sendMessage") if in_staff_chat(c)
                and "শুধু ফ্রন্ট ডেস্কের" in c.params["text"]], "no noise in the group"


async def test_voice_note_reply_offers_the_front_desk_and_forwards_the_voice(fake, bot) -> None:
    patient = Chat(fake, 409)
    reply = await patient.send("voice")
    assert "type your question" in reply.params["text"]
    ask = data_of(reply, "ask:")
    assert len(ask) == 1
    await patient.press(ask[0])
    copied = await fake.wait_for("copyMessage", in_staff_chat)
    card = card_of(fake)
    assert copied[0].params["from_chat_id"] == 409
    assert copied[0].params["reply_parameters"]["message_id"] == card["message_id"]
    assert "voice note" in card["text"] or "ভয়েস" in card["text"]
    assert not any(d.startswith("tch:") for d in _data(card)), "a voice note cannot be taught"


async def test_help_offers_the_front_desk_and_the_next_message_is_the_question(fake, bot) -> None:
    patient = Chat(fake, 410, first_name="Salma")
    help_reply = await patient.say("/help")
    assert data_of(help_reply, "ask") == ["ask"]
    prompt = await patient.press("ask")
    assert "type your question" in prompt.params["text"]
    confirmation = await patient.say("Can my son get physiotherapy at home?")
    assert "front desk" in confirmation.params["text"]
    card = card_of(fake)
    assert "Can my son get physiotherapy at home?" in card["text"] and "Salma" in card["text"]


async def test_did_you_mean_replies_carry_the_button(fake, bot, desk) -> None:
    from bot.core.vocabulary import ReplyKind

    question = "which cells"
    assert desk.reply(question, "probe").kind is ReplyKind.DID_YOU_MEAN, "pick another question"
    reply = await Chat(fake, 411).say(question)
    assert data_of(reply, "a:") and len(data_of(reply, "ask:")) == 1


async def test_one_conversation_at_a_time_and_no_double_cards(fake, bot) -> None:
    patient = Chat(fake, 418)
    first = await patient.say(OUT_OF_SCOPE)
    second = await patient.say("will insurance cover it")
    await patient.press(data_of(first, "ask:")[0])
    cards_before = len([m for m in staff_messages(fake) if "dd:" in str(m.get("reply_markup"))])
    again = await patient.press(data_of(first, "ask:")[0])
    assert "already with the front desk" in again.params["text"]
    await patient.press(data_of(second, "ask:")[0])
    relayed = (await fake.wait_for("sendMessage", in_staff_chat, count=2))[-1]
    assert "will insurance cover it" in relayed.params["text"]
    assert len([m for m in staff_messages(fake)
                if "dd:" in str(m.get("reply_markup"))]) == cards_before == 1


async def test_a_lost_sent_to_the_front_desk_note_is_made_good_without_a_second_card(
    fake, db, monkeypatch
) -> None:
    # The card is posted, then Telegram fails every message to the patient until the retries
    # (and the apology's) run out. The card was not the reply: the inbox hands the press in
    # again, and once Telegram is back the patient learns where the question is.
    from bot.tg.transport import intake, request

    monkeypatch.setattr(request, "RETRY_BOUND_SECONDS", 2.0)
    monkeypatch.setattr(intake, "RECHECK_EVERY_SECONDS", 0.5)

    def already_there(call) -> bool:
        return "already with the front desk" in str(call.params.get("text"))

    async with running_bot(bot_settings(fake, db)):
        patient = Chat(fake, 419)
        reply = await patient.say(OUT_OF_SCOPE)
        fake.fail_next("sendMessage", 502, times=10**6, chat_id=419)
        fake.push_callback(data_of(reply, "ask:")[0], user_id=419)
        await fake.wait_for("sendMessage", already_there, timeout=30)  # handled again
        fake.clear_faults()
        await fake.wait_for("sendMessage", lambda c: already_there(c) and c.status == 200,
                            timeout=15)
        await asyncio.sleep(1)
    told = [c.params["text"] for c in fake.calls("sendMessage") if to_chat(419)(c)]
    assert len(told) == 2 and "already with the front desk" in told[-1]
    assert len([m for m in staff_messages(fake) if "dd:" in str(m.get("reply_markup"))]) == 1


async def test_answers_do_not_carry_the_button(fake, bot) -> None:
    reply = await Chat(fake, 412).say("is stem cell therapy safe?")
    assert not data_of(reply, "ask")


async def test_without_staff_there_is_no_button(fake, db) -> None:
    settings = bot_settings(fake, db, staff_chat_id=None, staff_user_ids=frozenset())
    async with running_bot(settings):
        reply = await Chat(fake, 413).say(OUT_OF_SCOPE)
        assert not data_of(reply, "ask")
        assert not data_of(await Chat(fake, 413).say("/help"), "ask")


async def test_a_blocked_patient_is_reported_to_staff(fake, bot) -> None:
    patient = Chat(fake, 414)
    card = await ask_front_desk(fake, patient)
    fake.fail_next("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    staff = Chat(fake, **staff_group())
    note = await staff.reply("Hello?", to=card["message_id"])
    assert "পৌঁছায়নি" in note.params["text"]


# -- /forget ---------------------------------------------------------------------------------


async def test_forget_removes_relayed_messages_and_staff_copies(fake, bot, db) -> None:
    patient = Chat(fake, 415, first_name="Rahima")
    card = await ask_front_desk(fake, patient)
    await patient.silence("my phone is 01712345678")
    staff = Chat(fake, **staff_group())
    await staff.reply("We will look into it.", to=card["message_id"])
    await fake.wait_for("sendMessage", to_chat(415), count=3)
    relayed = [m for m in staff_messages(fake) if "01712345678" in m.get("text", "")]
    assert relayed
    # The card is older than Telegram's 48 hours for deleting: it is overwritten instead.
    fake.fail_next("deleteMessage", status=400,
                   description="Bad Request: message can't be deleted for everyone")
    await patient.say("/forget")
    await patient.press("fg:yes", method="editMessageText")
    assert fake.message(STAFF_CHAT, relayed[0]["message_id"]) is None, "the copy is deleted"
    overwritten = fake.message(STAFF_CHAT, card["message_id"])
    assert OUT_OF_SCOPE not in overwritten["text"] and "Rahima" not in overwritten["text"]
    assert [r for r in await rows(db) if r.user_id == 415] == []
    # Replying to the old card now reaches no one.
    staff.push_reply("Are you there?", to=card["message_id"])
    await asyncio.sleep(1.5)
    sent = [c for c in fake.calls("sendMessage") if to_chat(415)(c)]
    assert not any("Are you there?" in c.params["text"] for c in sent)


# -- error notices and the start-up check ----------------------------------------------------


async def test_error_notices_reach_staff_without_patient_text(fake, bot, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("boom: is the covid vaccine safe for Rahima")

    monkeypatch.setattr(bot.bot_data.desk, "reply", broken)
    await Chat(fake, 416).say("is the covid vaccine safe for Rahima?")
    notices = await fake.wait_for("sendMessage", in_staff_chat)
    text = notices[0].params["text"]
    assert "RuntimeError" in text and "⚠️" in text
    assert "covid" not in text and "Rahima" not in text and "Traceback" not in text
    # Rate-limited: a second failure soon after posts nothing more.
    await Chat(fake, 417).say("is it safe?")
    await asyncio.sleep(0.5)
    assert len([c for c in fake.calls("sendMessage") if in_staff_chat(c)]) == 1


async def test_start_up_says_when_the_staff_chat_cannot_be_posted_to(fake, db, caplog) -> None:
    fake.fail_next("getChat", status=400, description="Bad Request: chat not found")
    async with running_bot(bot_settings(fake, db)):
        pass
    lines = [r.getMessage() for r in caplog.records if "STAFF_CHAT_ID" in r.getMessage()]
    assert len(lines) == 1 and "cannot post" in lines[0] and "chat not found" in lines[0].lower()

    caplog.clear()
    fake.set_member_status(STAFF_CHAT, 5000000001, "left")
    async with running_bot(bot_settings(fake, db)):
        pass
    lines = [r.getMessage() for r in caplog.records if "STAFF_CHAT_ID" in r.getMessage()]
    assert len(lines) == 1 and "left" in lines[0]

    caplog.clear()
    fake.set_member_status(STAFF_CHAT, 5000000001, "administrator")
    async with running_bot(bot_settings(fake, db)):
        pass
    assert not [r for r in caplog.records if "STAFF_CHAT_ID" in r.getMessage()]


async def test_a_photo_as_the_question_reaches_staff_with_its_caption(fake, bot) -> None:
    patient = Chat(fake, 419)
    await patient.press("ask")
    fake.push_photo(user_id=419, caption="his MRI report, what do you think?")
    copied = (await fake.wait_for("copyMessage", in_staff_chat))[0]
    assert "caption" not in copied.params, "right below its card, the photo keeps its caption"
    copy = staff_messages(fake)[-1]
    assert copy["caption"] == "his MRI report, what do you think?" and "photo" in copy
    card = card_of(fake)
    assert copy["reply_to_message"]["message_id"] == card["message_id"]
    assert "photo" in card["text"] or "ছবি" in card["text"]

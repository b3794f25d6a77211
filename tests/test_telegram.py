"""End to end through the real python-telegram-bot stack and a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio

import pytest

from helpers.replies import KALLYANPUR, SAVAR, is_bangla
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


async def test_start_in_english_explains_the_bot_and_offers_buttons(fake, bot) -> None:
    reply = await Chat(fake, 101).say("/start")
    text = reply.params["text"]
    assert "not a doctor" in text and "999" in text
    actions = [d for _, d in buttons(reply)]
    assert {"t", "apt", "lang"} <= set(actions)


async def test_start_in_bangla_for_a_bangla_telegram(fake, bot) -> None:
    reply = await Chat(fake, 102, language_code="bn").say("/start")
    assert is_bangla(reply.params["text"])
    assert "999" in reply.params["text"]
    assert all(is_bangla(label) or "English" in label for label, _ in buttons(reply))


async def test_a_greeting_with_no_clue_to_its_language_follows_the_patients_telegram(
    fake, bot
) -> None:
    assert is_bangla((await Chat(fake, 120, language_code="bn").say("hlw")).params["text"])
    assert not is_bangla((await Chat(fake, 121, language_code="en").say("hlw")).params["text"])


async def test_an_old_injury_story_is_answered_and_an_injury_now_gets_999_first(fake, bot) -> None:
    chat = Chat(fake, 122)
    story = await chat.say(
        "my son fell from a tree two years ago, he is paralysed below the waist. "
        "will stem cells help him walk again?"
    )
    assert "999" not in story.params["text"].splitlines()[0]
    assert "walk" in story.params["text"].lower()
    now = await chat.say("my father fell from the roof just now and cannot move his legs")
    assert "<b>999</b>" in now.params["text"].splitlines()[0]


async def test_browse_topics_section_answer_and_back(fake, bot) -> None:
    chat = Chat(fake, 103)
    menu = await chat.say("/topics")
    sections = data_of(menu, "s:")
    assert len(sections) >= 5
    section_menu = await chat.press(sections[0], method="editMessageText")
    entries = data_of(section_menu, "a:")
    assert entries and "t:e" in data_of(section_menu, "t")
    answer = await chat.press(entries[0])
    assert answer.params["text"].startswith("<b>")
    assert data_of(answer, "fb:") and data_of(answer, "a:"), "feedback and follow-up buttons"
    follow_up = await chat.press(data_of(answer, "a:")[0])
    assert follow_up.params["text"] != answer.params["text"]
    back = await chat.press("t:e", method="editMessageText")
    assert data_of(back, "s:") == sections


async def test_appointment_command_and_button_give_both_numbers(fake, bot) -> None:
    chat = Chat(fake, 104)
    for reply in (await chat.say("/appointment"), await chat.press("apt")):
        assert SAVAR in reply.params["text"] and KALLYANPUR in reply.params["text"]


async def test_free_text_in_three_forms_answers_in_the_right_language(fake, bot) -> None:
    chat = Chat(fake, 105)
    english = await chat.say("Will my father be able to walk again with stem cells?")
    assert not is_bangla(english.params["text"]) and "motor" in english.params["text"].lower()
    bangla = await chat.say("স্টেম সেল দিলে কি বাবা আবার হাঁটতে পারবেন?")
    assert is_bangla(bangla.params["text"])
    banglish = await chat.say("stem cell dile ki abar hatte parbe?")
    assert is_bangla(banglish.params["text"])


async def test_out_of_scope_gets_the_fallback_with_numbers(fake, bot) -> None:
    reply = await Chat(fake, 106).say("is the covid vaccine safe?")
    assert SAVAR in reply.params["text"] and KALLYANPUR in reply.params["text"]
    assert "don't have an answer" in reply.params["text"]


async def test_emergency_comes_first(fake, bot) -> None:
    reply = await Chat(fake, 107).say("my father fell from the roof and cannot move his legs")
    first = reply.params["text"].lstrip("🚨 ").splitlines()[0]
    assert first.startswith("If someone has just been injured") and "<b>999</b>" in first


async def test_language_choice_applies_and_survives_a_restart(fake, db) -> None:
    chat = Chat(fake, 108)
    settings = bot_settings(fake, db)
    async with running_bot(settings):
        menu = await chat.say("/language")
        assert {"l:en", "l:bn", "l:auto"} <= set(data_of(menu, "l:"))
        confirmation = await chat.press("l:bn", method="editMessageText")
        assert is_bangla(confirmation.params["text"])
        reply = await chat.say("Is stem cell therapy safe?")
        assert is_bangla(reply.params["text"])
    async with running_bot(settings):
        reply = await chat.say("Is stem cell therapy safe?")
        assert is_bangla(reply.params["text"]), "the choice must persist across restarts"
        await chat.press("l:auto", method="editMessageText")
        reply = await chat.say("Is stem cell therapy safe?")
        assert not is_bangla(reply.params["text"])


async def test_help_lists_the_commands(fake, bot) -> None:
    reply = await Chat(fake, 109).say("/help")
    for command in ("/topics", "/appointment", "/language", "/callback", "/forget"):
        assert command in reply.params["text"]


@pytest.mark.parametrize(
    ("push", "kwargs"),
    [
        ("sticker", {}),
        ("photo", {}),
        ("voice", {}),
        ("location", {}),
        ("document", {}),
    ],
)
async def test_non_text_messages_get_a_kind_reply(fake, bot, push, kwargs) -> None:
    reply = await Chat(fake, 110, language_code="bn").send(push, **kwargs)
    assert is_bangla(reply.params["text"])
    assert SAVAR in reply.params["text"]


@pytest.mark.parametrize(("first", "method"), [
    ("/topics", "s:"), ("/language", "l:en"), ("/forget", "fg:no"), ("/topics", "t:e"),
])
async def test_a_double_tap_changes_nothing_and_upsets_no_one(fake, bot, first, method) -> None:
    chat = Chat(fake, 118)
    menu = await chat.say(first)
    data = method if not method.endswith(":") else data_of(menu, method)[0]
    if data == "t:e":  # "back to all topics" from a section
        await chat.press(data_of(menu, "s:")[0], method="editMessageText")
    once = await chat.press(data, method="editMessageText")
    await chat.press(data, method="answerCallbackQuery")
    await asyncio.sleep(0.3)
    assert all(c.status == 200 for c in fake.calls()), "Telegram refused nothing"
    assert [c.params["text"] for c in fake.calls("editMessageText")][-1] == once.params["text"]
    assert not any("went wrong" in c.params["text"] for c in fake.calls("sendMessage"))


async def test_group_chat_answers_only_mentions_and_commands(fake, bot) -> None:
    group = Chat(fake, 111, chat_id=-1001, chat_type="group")
    assert await group.silence("is stem cell therapy safe?") == []
    mention = await group.say("@IbnSinaTestBot is stem cell therapy safe?")
    assert "safe" in mention.params["text"].lower()
    command = await group.say("/appointment@IbnSinaTestBot")
    assert SAVAR in command.params["text"]


async def test_command_menu_registered_per_language_and_staff_scope(fake, bot) -> None:
    english = fake.commands(scope={"type": "default"}, language_code="en")
    bangla = fake.commands(scope={"type": "default"}, language_code="bn")
    names = {c["command"] for c in english}
    assert {"start", "topics", "appointment", "language", "help"} <= names
    assert {c["command"] for c in bangla} == names
    assert all(is_bangla(c["description"]) for c in bangla)
    assert "inquiries" not in names, "staff commands are hidden from patients"
    staff = fake.commands(scope={"type": "chat", "chat_id": STAFF_ID}, language_code="en")
    assert {"inquiries", "unanswered", "callbacks", "stats", "export"} <= {
        c["command"] for c in staff
    }
    assert fake.commands(scope={"type": "chat", "chat_id": STAFF_CHAT}, language_code="bn")


@pytest.mark.parametrize(
    "data",
    ["a:no-such-entry", "s:gone", "zz:1", "fb:x:9", "cb:mars", "done:1", "", "a:" + "x" * 60],
)
async def test_stale_or_forged_buttons_say_expired(fake, bot, data) -> None:
    answer = await Chat(fake, 112).press(data, method="answerCallbackQuery")
    assert "expired" in answer.params.get("text", "")


async def test_flooding_patient_gets_one_notice_and_others_are_served(fake, db) -> None:
    settings = bot_settings(fake, db, flood_messages_per_minute=5)
    async with running_bot(settings):
        flooder = Chat(fake, 113)
        for i in range(12):
            fake.push_message(f"hello {i}", user_id=113)
        other = await Chat(fake, 114).say("is stem cell therapy safe?")
        assert "safe" in other.params["text"].lower()
        await asyncio.sleep(1.0)
        sent = [c for c in fake.calls("sendMessage") if str(c.params["chat_id"]) == "113"]
        notices = [c for c in sent if "very quickly" in c.params["text"]]
        assert len(notices) == 1 and len(sent) == 6, [c.params["text"][:30] for c in sent]
        assert flooder.user_id == 113


async def test_danger_now_gets_through_flood_control(fake, db) -> None:
    """A relative typing fast in a panic is the one who must not be silenced (review S9)."""
    settings = bot_settings(fake, db, flood_messages_per_minute=3)
    async with running_bot(settings):
        for i in range(6):
            fake.push_message(f"hello {i}", user_id=118)
        await asyncio.sleep(1.0)
        reply = await Chat(fake, 118).say("my father fell from the roof just now, he cant move")
        assert "<b>999</b>" in reply.params["text"].splitlines()[0]


@pytest.mark.parametrize(("language_code", "sorry"), [("en", "went wrong"), ("bn", "দুঃখিত")])
async def test_an_error_never_shows_a_traceback_and_ends_with_999(
        fake, bot, monkeypatch, language_code, sorry) -> None:
    desk = bot.bot_data.desk

    def broken(*args, **kwargs):
        raise RuntimeError("boom in the matcher")

    monkeypatch.setattr(desk, "reply", broken)
    reply = await Chat(fake, 115, language_code=language_code).say("is it safe?")
    text = reply.params["text"]
    assert sorry in text and SAVAR in text
    assert "boom" not in text and "Traceback" not in text
    # The failed message may have been the emergency: like every non-answer, it ends with 999.
    assert "<b>999</b>" in text.splitlines()[-1]


async def test_html_in_patient_text_is_escaped_for_staff(fake, bot) -> None:
    await Chat(fake, 116).say("<b>is it safe</b> & <script>")
    staff = await Chat(fake, STAFF_ID).say("/inquiries 5")
    assert "&lt;script&gt;" in staff.params["text"]


async def test_a_reply_survives_telegram_saying_slow_down(fake, bot) -> None:
    """A 429 from Telegram pauses and retries (AIORateLimiter), so the patient still gets it."""
    fake.fail_next("sendMessage", status=429, retry_after=1)
    reply = await Chat(fake, 117).say("is stem cell therapy safe?")
    assert "safe" in reply.params["text"].lower()
    assert any(c.status == 429 for c in fake.calls("sendMessage"))

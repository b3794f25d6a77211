"""Telegram limits the UI must respect (4096-character messages, 64-byte callback data), and
how buttons find their handlers."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from telegram.ext import CallbackQueryHandler

from bot.config import Settings
from bot.core.frontdesk import FrontDesk
from bot.core.vocabulary import Lang
from bot.tg.app import REPLY, build_application
from bot.tg.context import expired
from bot.tg.ui import (
    MAX_CALLBACK_BYTES,
    Action,
    CallbackStep,
    Feedback,
    LanguageChoice,
    escape,
    pack,
    parse_ask,
    parse_callback,
    parse_desk_done,
    parse_desk_reply,
    parse_done,
    parse_entry,
    parse_feedback,
    parse_forget,
    parse_section,
    parse_set_language,
    parse_teach,
    parse_topics,
    parse_unlearn,
    plain,
    render,
    section_keyboard,
    split_message,
    topics_keyboard,
    unpack,
    utf16_length,
)


def test_long_text_is_split_at_line_ends_without_losing_anything() -> None:
    lines = [f"<b>{i}</b> " + "ক" * 90 for i in range(200)]
    text = "\n".join(lines)
    pieces = list(split_message(text))
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == text
    assert all(p.count("<b>") == p.count("</b>") for p in pieces), "no tag cut in half"


def test_a_single_overlong_line_is_still_cut_to_size() -> None:
    pieces = list(split_message("x" * 10_000))
    assert [len(p) for p in pieces] == [4096, 4096, 1808]


def test_pieces_fit_telegram_which_counts_an_emoji_twice() -> None:
    patient = "😀" * 2048 + " and a question"
    text = "\n".join(["<b>Latest inquiries</b>", "", f"💬 {patient}", "↳ fallback"])
    pieces = list(split_message(text))
    assert all(utf16_length(p) <= 4096 for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_a_long_line_is_cut_between_words_and_never_inside_an_entity() -> None:
    line = ("a &amp; b " * 1000).strip()
    pieces = list(split_message(line, limit=101))
    assert "".join(pieces) == line
    assert all(utf16_length(p) <= 101 for p in pieces)
    assert all(p.endswith(" ") for p in pieces[:-1]), "cut after a word"
    dense = "&lt;" * 50
    pieces = list(split_message(dense, limit=30))
    assert "".join(pieces) == dense
    assert all(p.count("&") == p.count(";") for p in pieces), pieces


def test_callback_data_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError):
        pack(Action.ANSWER, "ক" * 30)  # 90 bytes in UTF-8


def test_every_button_the_bot_can_show_fits_telegram(desk: FrontDesk) -> None:
    markups = [topics_keyboard(desk, lang) for lang in Lang]
    markups += [section_keyboard(desk, s.id, lang) for s in desk.kb.sections for lang in Lang]
    markups += [
        render(desk.answer(e, lang, "ui"), desk)[1] for e in desk.kb.entries for lang in Lang
    ]
    data = [b.callback_data for m in markups for row in m.inline_keyboard for b in row]
    assert data and all(len(d.encode()) <= MAX_CALLBACK_BYTES for d in data)
    assert all(unpack(d) is not None for d in data)


def test_unpack_rejects_what_the_bot_never_made() -> None:
    assert unpack(None) is None and unpack("") is None and unpack("nope:1") is None
    assert unpack("a:safety") == (Action.ANSWER, ["safety"])


def test_escape_keeps_quotes_readable_and_tags_harmless() -> None:
    assert escape("don't <b>") == "don't &lt;b&gt;"


def test_each_action_has_its_own_handler_and_the_last_says_expired(
    settings: Settings, desk: FrontDesk
) -> None:
    app = build_application(replace(settings, token="1:not-a-real-token"), desk)
    buttons = [h for h in app.handlers[REPLY] if isinstance(h, CallbackQueryHandler)]
    for action in Action:
        routed = [h for h in buttons if h.pattern and re.match(h.pattern, pack(action, "x"))]
        assert len(routed) == 1, action
        assert routed[0].callback is not expired
    assert buttons[-1].callback is expired and buttons[-1].pattern is None


def test_parsers_read_what_the_bot_makes_and_refuse_the_rest(desk: FrontDesk) -> None:
    kb = desk.kb
    entry, section, clinic = next(iter(kb.entries)), kb.sections[0], kb.clinics[0]
    assert parse_entry(pack(Action.ANSWER, entry), kb) == entry
    assert parse_section(pack(Action.SECTION, section.id), kb) == section
    assert parse_topics("t", kb) is False and parse_topics("t:e", kb) is True
    assert parse_set_language("l:auto", kb) == LanguageChoice(None)
    assert parse_set_language("l:bn", kb) == LanguageChoice(Lang.BN)
    assert parse_feedback(pack(Action.FEEDBACK, entry, 0), kb) == Feedback(entry, False)
    assert parse_callback("cb", kb) == CallbackStep(None)
    assert parse_callback(pack(Action.CALLBACK, clinic.id), kb) == CallbackStep(clinic)
    assert parse_forget("fg:yes", kb) is True and parse_forget("fg:no", kb) is False
    assert parse_done("done:42", kb) == 42
    assert plain(Action.APPOINTMENT)("apt", kb) is Action.APPOINTMENT
    forged = [
        parse_entry("a:no-such-entry", kb), parse_entry(f"a:{entry}:x", kb),
        parse_entry(f"s:{entry}", kb), parse_section("s:gone", kb), parse_topics("t:x", kb),
        parse_set_language("l:fr", kb), parse_feedback(f"fb:{entry}:9", kb),
        parse_feedback("fb:x:1", kb), parse_callback("cb:mars", kb), parse_forget("fg:maybe", kb),
        parse_done("done:x", kb), parse_done("done:²", kb), parse_done("done:৩", kb),
        parse_done("done:٣", kb), parse_entry("", kb),
        parse_entry(None, kb), plain(Action.APPOINTMENT)("apt:x", kb),
        plain(Action.APPOINTMENT)("", kb),
    ]
    assert forged == [None] * len(forged)


def test_front_desk_parsers_read_what_the_bot_makes_and_refuse_the_rest(desk: FrontDesk) -> None:
    from bot.tg.ui import AskFor, TeachStep, Unlearn

    kb = desk.kb
    section = kb.sections[0]
    longest = max(kb.entries, key=len)
    assert parse_ask("ask", kb) == AskFor(None)
    assert parse_ask("ask:12", kb) == AskFor(12) and parse_ask("ask:12:7", kb) == AskFor(12, 7)
    assert parse_desk_reply("dr:3", kb) == 3 and parse_desk_done("dd:3", kb) == 3
    assert parse_teach("tch:c3", kb) == TeachStep("c", 3, "start")
    assert parse_teach("tch:i9:b", kb) == TeachStep("i", 9, "back")
    assert parse_teach(f"tch:c3:s:{section.id}", kb) == TeachStep("c", 3, "section", section)
    # The longest entry id still fits Telegram's 64 bytes with a large question number.
    data = pack(Action.TEACH, "i123456789", "e", longest)
    assert parse_teach(data, kb) == TeachStep("i", 123456789, "entry", entry_id=longest)
    assert parse_teach("tch:c3:x", kb) == TeachStep("c", 3, "none")
    assert parse_unlearn("ul:5", kb) == Unlearn(5, False)
    assert parse_unlearn("ul:5:l", kb) == Unlearn(5, True)
    forged = [
        parse_ask("ask:x", kb), parse_ask("ask:1:2:3", kb), parse_desk_reply("dr:", kb),
        parse_desk_done("dd:x", kb), parse_teach("tch:x3", kb), parse_teach("tch:c", kb),
        parse_teach("tch:c3:e:no-such-entry", kb), parse_teach("tch:c3:s:gone", kb),
        parse_teach("tch:c3:z", kb), parse_unlearn("ul:5:x", kb), parse_unlearn("ul", kb),
    ]
    assert forged == [None] * len(forged)


def test_an_id_past_sqlites_integers_is_no_id(desk: FrontDesk) -> None:
    kb, largest, huge = desk.kb, 2**63 - 1, "9" * 20
    assert parse_done(f"done:{largest}", kb) == largest
    past = [parse_done(f"done:{largest + 1}", kb), parse_done(f"done:{huge}", kb),
            parse_ask(f"ask:{huge}", kb), parse_ask(f"ask:1:{huge}", kb),
            parse_desk_reply(f"dr:{huge}", kb), parse_desk_done(f"dd:{huge}", kb),
            parse_teach(f"tch:i{huge}", kb), parse_unlearn(f"ul:{huge}:l", kb),
            parse_ask("ask:৩", kb), parse_teach("tch:c٣", kb)]
    assert past == [None] * len(past)


def test_only_replies_that_did_not_answer_carry_ask_the_front_desk(desk: FrontDesk) -> None:
    def asks(reply) -> bool:
        keyboard = render(reply, desk, "ask:1")[1]
        return any(b.callback_data == "ask:1" for row in keyboard.inline_keyboard for b in row)

    assert asks(desk.fallback(Lang.EN)) and asks(desk.fallback(Lang.BN))
    assert not asks(desk.answer(next(iter(desk.kb.entries)), Lang.EN, "ui"))
    assert not asks(desk.appointment(Lang.EN))
    label = render(desk.fallback(Lang.BN), desk, "ask:1")[1].inline_keyboard[-2][0].text
    assert label == "💬 ফ্রন্ট ডেস্কে জিজ্ঞেস করুন"
    assert not any(b.callback_data.startswith("ask") for row in render(
        desk.fallback(Lang.EN), desk)[1].inline_keyboard for b in row), "no staff, no button"

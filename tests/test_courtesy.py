"""Hello, thanks and goodbye, in the three forms, get a kind reply in the patient's language
(issue 7); "are you a bot?" gets a plain answer."""

from __future__ import annotations

import pytest

from bot.core.frontdesk import FrontDesk
from bot.core.language import script_counts
from bot.core.vocabulary import Lang, ReplyKind

from helpers.replies import KALLYANPUR, SAVAR


@pytest.mark.parametrize(
    ("text", "lang", "opening"),
    [
        ("hlw", Lang.EN, "Hello!"),
        ("assalamualaikum", Lang.BN, "ওয়া আলাইকুমুস সালাম"),  # a salam is returned
        ("নমস্কার", Lang.BN, "নমস্কার!"),  # a greeting is returned in kind
        ("আদাব", Lang.BN, "আদাব!"),
        ("nomoskar dada", Lang.BN, "নমস্কার!"),
        ("শুভ সকাল", Lang.BN, "হ্যালো"),  # a salam only answers a salam
        ("আসসালামু আলাইকুম", Lang.BN, "ওয়া আলাইকুমুস সালাম"),
        ("Assalamu alaikum", Lang.EN, "Wa alaikum assalam"),
        ("ok bye, allah hafez", Lang.EN, "Allah hafez"),
        ("khoda hafez", Lang.EN, "Allah hafez"),
        ("onek help holo thanks", Lang.BN, "ধন্যবাদ"),
        ("আল্লাহ হাফেজ", Lang.BN, "আল্লাহ হাফেজ"),
        ("ধন্যবাদ ভাই, অনেক উপকার হলো", Lang.BN, "ধন্যবাদ"),
        ("thanks bhai. abbu ke niye family te bose kotha bolbo", Lang.BN, "ধন্যবাদ"),
        ("শুভ রাত্রি আপু, কাল আবার মেসেজ দিবো", Lang.BN, "ভালো থাকবেন"),
        # "Allah hafez" only to who said it; a Hindu mother's blessing gets "take care".
        ("আচ্ছা বুঝলাম, ভগবান আপনাদের মঙ্গল করুক, ভালো থাকেন", Lang.BN, "ভালো থাকবেন"),
        ("নমস্কার, ভালো থাকবেন", Lang.BN, "ভালো থাকবেন"),
        # A few words beside the courtesy say who writes, not what they ask.
        ("Is anybody there please? I want to ask something for my cousin.", Lang.EN, "Hello!"),
        ("Assalamu alaikum. I am Rahima from Netrokona, my nephew is typing for me. Is anyone "
         "there?", Lang.EN, "Wa alaikum assalam"),
        ("Assalamu alaikum, I am Rahim from Tangail, anyone there?", Lang.EN, "Wa alaikum assalam"),
        ("We are grateful to you for the kind reply. May Allah bless you.", Lang.EN,
         "You're welcome"),
    ],
)
def test_courtesies_get_a_kind_reply_in_the_patients_language(
    desk: FrontDesk, text: str, lang: Lang, opening: str
) -> None:
    reply = desk.reply(text, conversation="courtesy")
    assert reply.kind is ReplyKind.GREETING, text
    assert reply.lang is lang, text
    assert opening in reply.text.splitlines()[0], reply.text


def test_a_message_with_no_clue_to_its_language_uses_the_patients_usual_one(
    desk: FrontDesk,
) -> None:
    reply = desk.reply("hlw", conversation="courtesy", usual=Lang.BN)
    assert reply.lang is Lang.BN and script_counts(reply.text)[0] > 0
    assert desk.reply("hlw", conversation="courtesy").lang is Lang.EN


def test_a_courtesy_beside_another_illness_gets_the_honest_fallback(desk: FrontDesk) -> None:
    reply = desk.reply("assalamu alaikum, amar abbur MND, ki korbo?", conversation="mnd")
    assert reply.kind is ReplyKind.FALLBACK


def test_a_courtesy_around_a_question_still_gets_the_answer(desk: FrontDesk) -> None:
    reply = desk.reply("assalamualaikum, stem cell ki nirapod? dhonnobad", conversation="c")
    assert reply.kind is ReplyKind.ANSWER and reply.entry_id == "safety"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("are u a real person or bot?", Lang.EN),
        ("hi, am i talking to a human?", Lang.EN),
        ("আপনি কি মানুষ নাকি রোবট?", Lang.BN),
        ("apni ki asol manush naki bot?", Lang.BN),
        ("আফনেরা কি বট না মানুষ?", Lang.BN),  # spoken আফনেরা, and a plural "you"
        ("Assalamualaikum sir. Are you a real person or robot?", Lang.EN),
    ],
)
def test_asked_whether_it_is_a_person_the_bot_says_it_is_a_bot_and_gives_the_numbers(
    desk: FrontDesk, text: str, lang: Lang
) -> None:
    reply = desk.reply(text, conversation="identity")
    assert reply.kind is ReplyKind.GREETING and reply.lang is lang, text
    first = reply.text.splitlines()[0]
    assert ("automated information bot" in first) if lang is Lang.EN else ("বট" in first)
    assert SAVAR in reply.text and KALLYANPUR in reply.text


def test_a_question_about_humans_in_trials_is_not_taken_for_one_about_the_bot(
    desk: FrontDesk,
) -> None:
    reply = desk.reply("were the stem cell trials done in humans? how many patients?",
                       conversation="identity")
    assert reply.kind is not ReplyKind.GREETING


def test_thanks_get_a_short_reply_without_the_introduction_again(desk: FrontDesk) -> None:
    reply = desk.reply("thank you so much", conversation="thanks")
    assert reply.kind is ReplyKind.GREETING
    assert "automated information bot" not in reply.text
    assert SAVAR in reply.text and "999" in reply.text.splitlines()[-1]

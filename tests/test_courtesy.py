"""Hello, thanks and goodbye, in the three forms, get a kind reply in the patient's language
(issue 7)."""

from __future__ import annotations

import pytest

from bot.core.frontdesk import FrontDesk
from bot.core.language import script_counts
from bot.core.vocabulary import Lang, ReplyKind


@pytest.mark.parametrize(
    ("text", "lang", "opening"),
    [
        ("hlw", Lang.EN, "Hello!"),
        ("assalamualaikum", Lang.BN, "আসসালামু আলাইকুম"),
        ("নমস্কার", Lang.BN, "হ্যালো"),  # a salam only answers a salam
        ("আসসালামু আলাইকুম", Lang.BN, "আসসালামু আলাইকুম"),
        ("ok bye, allah hafez", Lang.EN, "Allah hafez"),
        ("khoda hafez", Lang.EN, "Allah hafez"),
        ("onek help holo thanks", Lang.BN, "ধন্যবাদ"),
        ("আল্লাহ হাফেজ", Lang.BN, "আল্লাহ হাফেজ"),
        ("ধন্যবাদ ভাই, অনেক উপকার হলো", Lang.BN, "ধন্যবাদ"),
        ("thanks bhai. abbu ke niye family te bose kotha bolbo", Lang.BN, "ধন্যবাদ"),
        ("শুভ রাত্রি আপু, কাল আবার মেসেজ দিবো", Lang.BN, "আল্লাহ হাফেজ"),
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


def test_a_courtesy_around_a_question_still_gets_the_answer(desk: FrontDesk) -> None:
    reply = desk.reply("assalamualaikum, stem cell ki nirapod? dhonnobad", conversation="c")
    assert reply.kind is ReplyKind.ANSWER and reply.entry_id == "safety"

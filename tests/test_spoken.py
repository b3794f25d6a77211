"""The spoken-Bangla layer (faq/spoken.yaml): spoken forms read as standard ones, standard
text never changed, and every reader (matcher, danger, courtesy) sees the same words."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.core.frontdesk import FrontDesk
from bot.core.knowledge import KnowledgeBase
from bot.core.language import tokenize
from bot.core.vocabulary import Lang, ReplyKind

ROOT = Path(__file__).resolve().parent.parent


def standard_words(kb: KnowledgeBase) -> set[str]:
    """Every word of text written in standard Bangla: the answers, the titles, the Bangla
    translations of the interface."""
    texts = [e.answer[lang] for e in kb.entries.values() for lang in Lang]
    texts += [e.title[lang] for e in kb.entries.values() for lang in Lang]
    with (ROOT / "locales" / "bn" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        texts += [m.string for m in read_po(po) if isinstance(m.string, str)]
    return {w for text in texts for w in tokenize(text)}


def test_no_rule_changes_a_standard_word(kb: KnowledgeBase) -> None:
    words = standard_words(kb)
    assert len(words) > 1500
    assert {w: kb.spoken.standardize(w) for w in words if kb.spoken.standardize(w) != w} == {}


@pytest.mark.parametrize(
    ("spoken", "standard"),
    [
        ("ছেলে ছাদ থেকে পইড়া গেছে", "ছেলে ছাদ থেকে পড়ে গেছে"),
        ("উনার কী হইছে? আইজকা থাইকা", "ওনার কী হয়েছে? আজ থেকে"),
        ("পা নাড়াইতে পারতেছে না", "পা নাড়াতে পারছে না"),
        ("মাথা দিয়া রক্ত বাইর হইতেছে", "মাথা দিয়ে রক্ত বের হচ্ছে"),
        ("আঁর ভাই হাঁটিতে ন পারে, কিল্লাই?", "আমার ভাই হাঁটিতে পারে না, কেন?"),
        ("abba bish khaiya falaise", "abba bish kheye feleche"),
        ("amar bhai kortese, partese na, hoise ki", "amar bhai korche, parche na, hoyeche ki"),
        # Jessore to Bogura: "-তি", "-লি", "-বি"; the Khulna coast's "নে"; "ইস্টেম".
        ("ইস্টেম সেল দিলি হাঁটতি পারবি?", "স্টেম সেল দিলে হাঁটতে পারবে?"),
        ("থেরাপি কত্তি হবে নে?", "থেরাপি করতে হবে না?"),
        ("stem cell dili hatti parbi?", "stem cell dile hatte parbe?"),
    ],
)
def test_spoken_forms_read_as_standard(kb: KnowledgeBase, spoken: str, standard: str) -> None:
    assert kb.spoken.standardize(spoken) == standard


def test_the_layer_is_idempotent(kb: KnowledgeBase) -> None:
    text = "চাচা পইড়া গেছে, হইতেছে, kortese, khaiya falaise, উনার, ন পারে"
    once = kb.spoken.standardize(text)
    assert kb.spoken.standardize(once) == once


@pytest.mark.parametrize(
    "text",
    [
        "আমার ভাইয়ের পোলা বিষ খাইয়া ফালাইছে একটু আগে, বমি করতাছে",
        "ভাই আমার ছেলে আইজকা পুকুরে লাফ দিছে, এহন ঘাড় নাড়াইতে পারতাছে না",
        "abba aijka chad theika pore gese, shash nite partese na",
        "mamato bhai aijka sokale gach theika laf dise, pa nadaite partese na",
    ],
)
def test_danger_told_in_spoken_forms_gets_999_first(desk: FrontDesk, text: str) -> None:
    reply = desk.reply(text, conversation="spoken-danger")
    assert reply.kind is ReplyKind.EMERGENCY
    assert "999" in reply.text.splitlines()[0]


def test_a_spoken_question_is_answered_like_its_standard_twin(desk: FrontDesk) -> None:
    spoken = desk.reply("স্টেম সেল দিলে উনি কি আবার হাঁটতে পারবো? কেমনে কাজ করে কন",
                        conversation="spoken-a")
    standard = desk.reply("স্টেম সেল দিলে ওনি কি আবার হাঁটতে পারবো? কীভাবে কাজ করে বলুন",
                          conversation="spoken-b")
    assert spoken.entry_id == standard.entry_id is not None


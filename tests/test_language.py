"""Language handling: repairing broken Bangla, splitting words, telling the three forms apart,
and putting Bangla script and Banglish into one key space."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import regex
from bnunicodenormalizer import Normalizer

from bot.core.frontdesk import FrontDesk
from bot.core.language import (
    WELL_FORMED_BANGLA,
    FormDetector,
    ascii_digits,
    is_question,
    key_words,
    normalize_text,
    reply_language,
    skeleton,
    tokenize,
)
from bot.core.vocabulary import Form, Lang

ZWJ, ZWNJ, HASANT, NUKTA = "\u200d", "\u200c", "\u09cd", "\u09bc"
KHANDA_TA = "\u09ce"


def codepoints(text: str) -> list[str]:
    return [f"U+{ord(ch):04X}" for ch in text]


# -- normalize_text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("precomposed", "decomposed", "word"),
    [
        ("\u09df", "\u09af" + NUKTA, "হ{}েছে"),  # য় in হয়েছে (has happened)
        ("\u09dc", "\u09a1" + NUKTA, "প{}ে গেছেন"),  # ড় in পড়ে (fell)
        ("\u09dd", "\u09a2" + NUKTA, "আষা{}"),  # ঢ় in আষাঢ়
    ],
    ids=["ya", "rra", "rha"],
)
def test_both_encodings_of_nukta_letters_become_one(
    precomposed: str, decomposed: str, word: str
) -> None:
    one = normalize_text(word.format(precomposed))
    other = normalize_text(word.format(decomposed))
    assert one == other, (codepoints(one), codepoints(other))
    assert precomposed not in one  # one canonical spelling, whatever keyboard typed it


def test_zero_width_joiners_are_removed_from_bangla_words() -> None:
    clean = "স্টেম সেল চিকিৎসা"
    assert normalize_text("স্\u200cটেম সেল চিকিৎসা") == clean  # ZWNJ after the hasant
    assert normalize_text(f"স্{ZWJ}টেম সে{ZWJ}ল চিকিৎসা") == clean
    assert normalize_text(f"\ufeffস্টেম{ZWNJ} সেল চিকিৎসা") == clean
    assert ZWJ not in normalize_text(f"র{ZWJ}{HASANT}যাব") and ZWNJ not in normalize_text(
        f"ক{HASANT}{ZWNJ}ষ"
    )


def test_doubled_hasant_is_repaired() -> None:
    assert normalize_text(f"স{HASANT}{HASANT}টেম") == "স্টেম"
    assert normalize_text(f"ক{HASANT}{HASANT}ত") == f"ক{HASANT}ত"


def test_khanda_ta_typed_as_ta_hasant_zwj_becomes_khanda_ta() -> None:
    typed = f"চিকি\u09a4{HASANT}{ZWJ}সা"  # old keyboards: ত + ্ + ZWJ for ৎ
    assert normalize_text(typed) == f"চিকি{KHANDA_TA}সা" == "চিকিৎসা"
    # ...and then it matches the properly typed word.
    assert key_words(typed) == key_words("চিকিৎসা")
    # At the end of a word the hasant would otherwise be dropped: হঠাৎ (suddenly) is not হঠাত.
    assert normalize_text(f"হঠা\u09a4{HASANT}{ZWJ}") == "হঠাৎ"
    assert normalize_text(f"স\u09a4{HASANT}{ZWJ} ডাক্তার") == "সৎ ডাক্তার"


def test_broken_bangla_matches_like_clean_bangla() -> None:
    clean = "বাবা পড়ে গেছেন, শ্বাস নিতে কষ্ট হয়েছে"
    broken = f"বাবা প\u09a1{NUKTA}ে গেছেন,  শ্{ZWNJ}বাস নিতে কষ্ট হ\u09dfেছে"
    assert normalize_text(broken) == normalize_text(clean)
    assert key_words(broken) == key_words(clean)


@pytest.mark.parametrize(
    "text",
    [
        "Is stem-cell therapy SAFE for my father?",
        "About 48.9% improved; 2,439 patients in 62 trials.",
        "can't move his legs!!! call 999",
        "Dr. O'Brien's e-mail: a.b@c.com",
        "café naïve résumé",
    ],
)
def test_english_is_left_alone(text: str) -> None:
    assert normalize_text(text) == text


def test_whitespace_is_tidied_but_punctuation_case_and_digits_are_kept() -> None:
    assert normalize_text("  Is IT\u00a0safe?\n\n ৪৮.৯%  ") == "Is IT safe? ৪৮.৯%"
    assert normalize_text("") == ""
    assert normalize_text(" \t\n ") == ""


# -- tokenize and digits -----------------------------------------------------------------------


def test_tokenize_keeps_bangla_words_whole() -> None:
    # Python's `re` stops \w at vowel signs and the hasant, cutting the word to pieces...
    assert re.findall(r"\w+", "চিকিৎসা") != ["চিকিৎসা"]
    # ...tokenize keeps each word whole.
    assert tokenize("স্টেম সেল চিকিৎসা কি নিরাপদ?") == ["স্টেম", "সেল", "চিকিৎসা", "কি", "নিরাপদ"]
    assert tokenize("হাঁটতে পারবেন, ধন্যবাদ।") == ["হাঁটতে", "পারবেন", "ধন্যবাদ"]


def test_tokenize_lowercases_and_drops_apostrophes() -> None:
    assert tokenize("My father CAN'T move, he can’t!") == [
        "my", "father", "cant", "move", "he", "cant",
    ]
    assert tokenize("stem cell দিলে কি ভালো হবে?") == ["stem", "cell", "দিলে", "কি", "ভালো", "হবে"]
    assert tokenize("🙏 ... ?!") == []


def test_ascii_digits() -> None:
    assert ascii_digits("৪৮.৯%") == "48.9%"
    assert ascii_digits("০১৭১২৩৪৫৬৭৮") == "01712345678"
    assert ascii_digits("২,৪৩৯ জন রোগী") == "2,439 জন রোগী"
    assert ascii_digits("already 123") == "already 123"


# -- form detection ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def builtin() -> FormDetector:
    """Only the built-in word lists, no knowledge base."""
    return FormDetector([], [])


CLEAR_EXAMPLES = [
    ("স্টেম সেল থেরাপি কি নিরাপদ?", Form.BN),
    ("আমার বাবা কি আবার হাঁটতে পারবেন?", Form.BN),
    ("stem cell দিলে কি ভালো হবে", Form.BN),  # mixed: Bangla script carries it
    ("stem cell dile ki valo hobe", Form.BANGLISH),
    ("amar baba ki abar hatte parbe", Form.BANGLISH),
    ("stem cell therapy koto taka lagbe", Form.BANGLISH),
    ("will stem cells help", Form.EN),
    ("is stem cell therapy safe for my father?", Form.EN),
    ("Can my brother walk again after the injury", Form.EN),
]


@pytest.mark.parametrize(("text", "form"), CLEAR_EXAMPLES)
def test_form_detector_with_builtin_words(builtin: FormDetector, text: str, form: Form) -> None:
    assert builtin.detect(text) is form


@pytest.mark.parametrize(("text", "form"), CLEAR_EXAMPLES)
def test_form_detector_of_the_front_desk(desk: FrontDesk, text: str, form: Form) -> None:
    # The desk's detector also knows the knowledge base's phrasings; it must agree.
    assert desk.detector.detect(text) is form


CODE_MIXED_BANGLA = [
    "stem cell therapy কি নিরাপদ?",
    "বাবার spinal cord injury, stem cell দিলে কি হাঁটতে পারবে?",
    "আমার ভাইয়ের SCI, stem cell therapy নিলে কি কোনো side effect আছে?",
]


@pytest.mark.parametrize("text", CODE_MIXED_BANGLA)
def test_bangla_sentence_with_english_medical_terms_is_bangla(desk: FrontDesk, text: str) -> None:
    assert desk.detector.detect(text) is Form.BN


def test_form_detector_learns_from_the_lexicons_it_is_given() -> None:
    # "rogir unnoti" is not in the built-in lists: without a lexicon it is a tie, hence English.
    assert FormDetector([], []).detect("rogir unnoti") is Form.EN
    assert FormDetector(["rogir", "unnoti"], []).detect("rogir unnoti") is Form.BANGLISH
    # A word both sides list carries no vote.
    both = FormDetector(["therapy"], ["therapy"])
    assert both.detect("therapy") is Form.EN


def test_form_detector_on_text_without_letters(builtin: FormDetector) -> None:
    assert builtin.detect("") is Form.EN
    assert builtin.detect("?? 🙏") is Form.EN
    assert builtin.detect("৯৯৯") is Form.BN  # Bengali digits are Bangla script


# -- the shared key space ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bangla", "banglish"),
    [
        ("ধন্যবাদ", "dhonnobad"),
        ("ধন্যবাদ", "donnobad"),
        ("ভালো", "valo"),
        ("ভালো", "bhalo"),
        ("স্টেম সেল", "stem cell"),
        ("স্টেম সেল", "stem cells"),
    ],
)
def test_bangla_and_banglish_spellings_share_keys(bangla: str, banglish: str) -> None:
    assert key_words(bangla) == key_words(banglish)


@pytest.mark.parametrize(
    ("bangla", "banglish"),
    [
        ("হাঁটতে", "hatte"),  # chandrabindu and the inner vowel are left out when typing
        ("হাঁটতে", "hatete"),
        ("পারবে", "parbe"),
        ("হবে", "hbe"),  # vowels dropped in texting
        ("ধন্যবাদ", "dhonnobaad"),
    ],
)
def test_bangla_and_banglish_spellings_share_skeletons(bangla: str, banglish: str) -> None:
    [bn_key] = key_words(bangla)
    [latin_key] = key_words(banglish)
    assert skeleton(bn_key) == skeleton(latin_key), (bn_key, latin_key)


def test_the_same_question_in_bangla_and_banglish_mostly_shares_keys() -> None:
    bn = key_words("আমার বাবা কি আবার হাঁটতে পারবে")
    latin = key_words("amar baba ki abar hatte parbe")
    assert [skeleton(k) for k in bn] == [skeleton(k) for k in latin]


def test_key_words_drop_stopwords_in_all_forms() -> None:
    assert key_words("is it safe") == ["safe"]
    assert key_words("eta ki nirapod") == key_words("eta nirapod")
    assert key_words("এটা কি নিরাপদ") == key_words("এটা নিরাপদ")
    assert key_words("") == [] and key_words("🙏") == []


def test_different_words_get_different_keys() -> None:
    # Folding must not be so loose that unrelated words meet.
    assert key_words("hatte") != key_words("bhat")
    assert key_words("ভালো") != key_words("খারাপ")
    assert key_words("safe") != key_words("cell")


# -- reply language ----------------------------------------------------------------------------


def test_reply_language_follows_the_form() -> None:
    assert reply_language(Form.EN) is Lang.EN
    assert reply_language(Form.BN) is Lang.BN
    # Banglish writers read Bangla script: they are answered in Bangla.
    assert reply_language(Form.BANGLISH) is Lang.BN


def test_the_fast_path_skips_only_words_the_normaliser_would_leave_alone() -> None:
    """Start-up skips bnunicodenormalizer for well-formed words (0.5 ms a word). On every
    Bangla word the project holds, that must change nothing, except two rare but valid
    conjuncts the normaliser splits (ন্চ, স্স), which are then kept as typed on both sides."""
    normalizer = Normalizer(allow_english=True)
    root = Path(__file__).resolve().parent.parent
    files: list[Path] = [*root.glob("faq/*.yaml"), *root.glob("tests/eval/*.yaml"),
             *root.glob("locales/bn/LC_MESSAGES/*.po")]
    words = {
        unicodedata.normalize("NFC", w)
        for f in files
        for w in regex.findall(r"[\p{L}\p{M}\p{N}]+", f.read_text(encoding="utf-8"))
        if regex.search(r"[\u0980-\u09ff]", w)
    }
    skipped = [w for w in words if WELL_FORMED_BANGLA.match(w)]
    assert len(skipped) > 0.9 * len(words)
    changed = [
        w for w in skipped
        if unicodedata.normalize("NFC", normalizer(w)["normalized"] or w) != w
        and "ন্চ" not in w and "স্স" not in w
    ]
    assert changed == []


@pytest.mark.parametrize(
    ("sentence", "asks"),
    [
        ("when is the best time to do it after injury", True),
        ("bhai how much does it cost", True),
        ("if we give stem cell will he walk", True),
        ("my son fell from the school staircase when he was 15.", False),
        ("the wall collapsed on him in the rain when he was sleeping.", False),
        ("i dont know what to say him.", False),
        ("স্টেম সেল দিলে কি হাঁটতে পারবে", True),  # Bangla asks anywhere in the sentence
        # An auxiliary before its subject asks anywhere in an unpunctuated message.
        ("his belly is tight like a drum can the stem cells help him", True),
        ("he keeps asking me is there any hope", True),
        ("this is the problem we face every night", False),
    ],
)
def test_english_question_words_ask_where_a_clause_opens(sentence: str, asks: bool) -> None:
    assert is_question(sentence) is asks


@pytest.mark.parametrize(
    ("sentence", "asks"),
    [
        ("The undersigned would like to know whether the hospital offers this therapy.", True),
        ("Kindly inform the likely cost of the treatment.", True),
        ("এর খরচ সম্পর্কে জানালে উপকৃত হব।", True),
        ("chikitsar khoroch shomporke obogoto korben.", True),
        ("He was informed of the cost last year.", False),
        # "When…" opening a sentence that ends in a full stop tells what happened.
        ("when abbu had the accident he could not breathe, they kept him in ICU.", False),
        ("when should stem cells be given after the injury", True),
    ],
)
def test_an_office_letter_asks_without_a_question_mark(sentence: str, asks: bool) -> None:
    assert is_question(sentence) is asks

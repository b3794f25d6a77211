"""Trigger phrases (faq/triggers.yaml): whole words, "*" endings, "..." gaps, Banglish spelling
variants, and no false alarms from look-alike words or numbers."""

from __future__ import annotations

import functools
import gc

import pytest

from bot.core.frontdesk import FrontDesk
from bot.core.knowledge import KnowledgeBase
from bot.core.language import WORD_CACHE_SIZE
from bot.core.triggers import REMEMBERED_WORDS, PhraseSet
from bot.core.vocabulary import ReplyKind


@pytest.fixture(scope="module")
def emergency(kb: KnowledgeBase) -> PhraseSet:
    """Every shipped phrase that can raise the 999 alarm, all three forms together."""
    kinds = ("cry_for_help", "self_harm", "emergency", "injury", "condition")
    return PhraseSet(p for kind in kinds for phrases in kb.triggers[kind].values() for p in phrases)


# -- words, not substrings ---------------------------------------------------------------------


def test_bangla_word_matches_its_inflections_but_not_inside_another_word() -> None:
    breath = PhraseSet(["শ্বাস"])
    assert "শ্বাসকষ্ট হচ্ছে" in breath  # breathing trouble
    assert "বাবার শ্বাস নিতে কষ্ট হচ্ছে" in breath
    assert "এই তথ্য কি বিশ্বাসযোগ্য?" not in breath  # "trustworthy" contains শ্বাস
    assert "আমি ডাক্তারকে বিশ্বাস করি" not in breath  # "I trust the doctor"


def test_shipped_emergency_phrases_do_not_fire_on_trust(emergency: PhraseSet) -> None:
    assert "শ্বাসকষ্ট হচ্ছে" in emergency
    assert "এই গবেষণা কি বিশ্বাসযোগ্য?" not in emergency
    assert "প্রবন্ধটা কি বিশ্বাস করা যায়" not in emergency


def test_english_word_matches_whole_words_only() -> None:
    fell = PhraseSet(["fell"])
    assert "my father fell from the roof" in fell
    assert "He FELL." in fell
    assert "I am feeling much better" not in fell
    assert "a fellow patient told me" not in fell


def test_shipped_emergency_phrases_do_not_fire_on_feeling(emergency: PhraseSet) -> None:
    assert "my father fell from the roof" in emergency
    assert "I am feeling hopeful about stem cells" not in emergency


def test_apostrophes_do_not_matter() -> None:
    cant = PhraseSet(["cant move"])
    for text in ("he can't move his legs", "he can’t move", "he cant move"):
        assert text in cant, text


# -- "*" endings -------------------------------------------------------------------------------


def test_star_allows_any_ending() -> None:
    accident = PhraseSet(["accident*"])
    assert "there was an accident" in accident
    assert "two accidents" in accident
    assert "accidental fall" in accident
    assert "acc ident" not in accident
    assert "an incident" not in accident


def test_without_star_the_word_must_be_exact() -> None:
    accident = PhraseSet(["accident"])
    assert "there was an accident" in accident
    assert "two accidents" not in accident


def test_star_applies_to_the_last_word_only() -> None:
    neck = PhraseSet(["neck injur*"])
    assert "neck injury" in neck and "neck injuries" in neck
    assert "necklace injury" not in neck


# -- "..." gaps --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "injured neck",
        "injured his neck",
        "injured his upper neck",
        "injured his very upper neck",
    ],
)
def test_gap_allows_up_to_three_words(text: str) -> None:
    assert text in PhraseSet(["injured ... neck"])


def test_gap_does_not_allow_four_words_or_the_wrong_order() -> None:
    phrase = PhraseSet(["injured ... neck"])
    assert "injured his very very upper neck" not in phrase
    assert "his neck was injured" not in phrase
    assert "injured" not in phrase


def test_gap_with_a_starred_word() -> None:
    broke = PhraseSet(["broke* ... neck"])
    assert "he broke his neck" in broke
    assert "he has broken his neck" in broke
    assert "a broken promise, and a stiff neck" not in broke  # five words apart


# -- Banglish spelling variants ----------------------------------------------------------------


@pytest.mark.parametrize("text", ["shash kosto", "sash kosto", "shaash koshto", "SHASH KOSHTO!"])
def test_banglish_spelling_variants_fold_together(text: str) -> None:
    assert text in PhraseSet(["shash kosto"])


def test_more_banglish_folds() -> None:
    assert "ghar venge geche" in PhraseSet(["ghar bhenge"])  # bh / v
    assert "ter pachche na" in PhraseSet(["ter pacche na"])  # chh / ch
    assert "pa narate parchena" in PhraseSet(["narate parchena"])
    # Folding is not fuzzy matching: a different word stays different.
    assert "sas kost" not in PhraseSet(["shash kosto"])


@pytest.mark.parametrize(
    "text",
    [
        "baba chad theke pore geche, shash kosto hocche",
        "sash kosto hocche",
        "abbu pore gese",
        "ammu accident korse",
        "ghare chot peyeche",
    ],
)
def test_shipped_banglish_emergencies_fire(
        emergency: PhraseSet, kb: KnowledgeBase, text: str) -> None:
    assert kb.spoken.standardize(text) in emergency


def test_bangla_phrases_match_whatever_encoding_the_message_uses() -> None:
    fell = PhraseSet(["পড়ে গেছ"])  # written with ড় as the YAML file has it
    assert "বাবা পড়ে গেছেন" in fell
    assert "বাবা প\u09a1\u09bcে গেছেন" in fell  # ড + nukta
    assert "বাবা প\u09dcে গেছেন" in fell  # precomposed ড়


# -- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["about 48.9% improved", "99.9% sure", "in 1999", "9999", "2,439"])
def test_numbers_do_not_fire_the_999_trigger(emergency: PhraseSet, text: str) -> None:
    assert PhraseSet(["999"]).find(text) is None
    assert emergency.find(text) is None


@pytest.mark.parametrize("text", ["999", "should I call 999?", "৯৯৯ এ ফোন করব?"])
def test_999_itself_fires(emergency: PhraseSet, text: str) -> None:
    assert text in emergency


def test_nothing_matches_empty_text_or_an_empty_phrase_list() -> None:
    assert PhraseSet(["hello", "fell"]).find("nothing here") is None
    assert "" not in PhraseSet(["hello", "fell"])
    assert "anything at all" not in PhraseSet([])


# -- memory (issue 17): a flood of new words must not grow the bot without end ------------------


def test_every_cache_in_the_core_has_a_bound(desk: FrontDesk) -> None:
    """Module caches and the desk's own (its phrase sets, the spoken forms) alike."""
    lru = type(functools.lru_cache(maxsize=1)(len))
    caches = {
        f"{o.__wrapped__.__module__}.{o.__wrapped__.__qualname__}": o.cache_info().maxsize
        for o in gc.get_objects()
        if isinstance(o, lru) and o.__wrapped__.__module__.startswith("bot.core.")
    }
    assert {"bot.core.matcher._word_features", "bot.core.triggers.PhraseSet._starting_with",
            "bot.core.spoken.SpokenForms._word"} <= caches.keys()  # the scan finds them
    unbounded = {name: size for name, size in caches.items()
                 if size is None or size > max(WORD_CACHE_SIZE, REMEMBERED_WORDS)}
    assert not unbounded


def test_a_phrase_set_forgets_the_least_recently_seen_words_past_its_bound() -> None:
    breath = PhraseSet(["শ্বাস", "cant breathe"])
    breath.hits(["শ্বাস", *(f"word{i}" for i in range(REMEMBERED_WORDS + 100))])
    assert breath._candidates.cache_info().currsize == REMEMBERED_WORDS
    assert "বাবার শ্বাস নিতে কষ্ট হচ্ছে" in breath  # a forgotten word is looked up again
    assert "he cant breathe" in breath


def test_a_danger_phrase_is_found_typed_without_its_vowels_only_in_an_unknown_word() -> None:
    known = frozenset({"pore", "gese", "rokto", "porce", "tik", "tika"})
    fall = PhraseSet(["pore gese", "rokto porce", "tika"], known=known)
    assert "abba chad thk pr gse" in fall  # "pr gse": "pore gese" typed short
    assert "mthay rkt porce" in fall
    assert "operation e thik hoy na" not in fall  # "thik" is a word of its own
    assert "pr gse" not in PhraseSet(["pore gese"])  # only lists given the known words


def test_a_vowel_dropped_emergency_gets_999(desk: FrontDesk) -> None:
    reply = desk.reply("abba ekhn chad thk pr gse, mthay rkt porche", conversation="short")
    assert reply.kind is ReplyKind.EMERGENCY


@pytest.mark.parametrize(("listed", "typed"), [
    ("পেশাব বন্ধ", "পেশাব বনধ"),  # a conjunct typed as two letters
    ("চিকিৎসা", "চিকিতসা"),  # khanda ta as ta
    ("নীচে পড়ে", "নিচে পড়ে"),  # long i as short
    ("মেরুদণ্ড", "মেরুদনড"),  # murdhanya na as na, no virama
    ("হাঁটতে পারে না", "হাটতে পারে না"),  # chandrabindu left out
    ("যদি", "জদি"),  # ja for ya
])
def test_a_bangla_phrase_is_found_as_writers_spell_it_by_ear(listed: str, typed: str) -> None:
    assert PhraseSet([listed]).find(typed) is not None


@pytest.mark.parametrize(("listed", "typed"), [
    ("পড়ে গেছে", "পরে গেছে"),  # fell / later on
    ("শ্বাস", "স্বাস্থ্য"),  # breath / health
])
def test_spelling_by_ear_keeps_words_that_differ_in_meaning_apart(
        listed: str, typed: str) -> None:
    assert PhraseSet([listed]).find(typed) is None

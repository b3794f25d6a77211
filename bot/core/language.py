"""Language handling: Unicode repair, script/form detection and the matching key.

Patients write the same question three ways (English, Bangla script, Banglish). The matcher
compares everything in one Latin "phonetic key" space: Bangla script is romanized with
bangla-nlpkit, then Banglish and romanized Bangla are folded so that common spelling
variants (bh/v, chh/ch/c, sh/s, doubled letters, dropped vowels) meet.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import regex
from bangla_nlpkit import romanize_word
from bnunicodenormalizer import Normalizer

from bot.core.vocabulary import Form, Lang


def reply_language(form: Form) -> Lang:
    return Lang.EN if form is Form.EN else Lang.BN


# `re`'s \w stops at Bangla vowel signs and hasant; the `regex` module treats marks as word parts.
_TOKEN = regex.compile(r"[\p{L}\p{M}\p{N}]+(?:['’][\p{L}]+)?")
_BANGLA_LETTER = regex.compile(r"[\u0980-\u09FF]")
_LATIN_LETTER = regex.compile(r"[A-Za-z]")
_BN_DIGITS = str.maketrans("০১২৩৪৫৬৭৮৯", "0123456789")
# Joiners only shape Bangla glyphs and are dropped; a zero-width *space* separates words.
_ZERO_WIDTH: dict[int, str | None] = {
    **dict.fromkeys(map(ord, "\u200c\u200d\u2060\ufeff"), None), 0x200B: " "
}
# Khanda-ta typed as ta + hasant + ZWJ (old keyboards); the normaliser would drop the hasant.
_KHANDA_TA_ZWJ = "\u09a4\u09cd\u200d"

_normalizer = Normalizer(allow_english=True)

# Bounds of the word caches here and in triggers.py, matcher.py and spoken.py; the least
# recently used word is forgotten first. The evaluation messages replayed
# (bench/bench_memory.py) use 5,000 to 7,000 distinct words: at 8,192 entries the caches hit
# 98-99 % and cost no more CPU than unbounded ones (at 2,048, 30 % more). At 65,536 entries, a
# flood of new words took the bot to 338 MiB (issue 17).
WORD_CACHE_SIZE = 8192
# Whole texts, up to 4,096 characters (the hand-off reads whole messages). Each reading of a
# message within one reply normalizes it again; 256 entries catch those repeats as fast as
# 8,192 did, and hold at most 4 MiB.
TEXT_CACHE_SIZE = 256

# The 1,116 evaluation messages have at most 2 broken words each; 16 leaves room for a bad
# keyboard and keeps garbage (each repair costs about 0.4 ms) well under issue 11's 20 ms.
REPAIR_BUDGET = 16
# A Bangla word built only of well-formed syllables (consonant clusters joined by hasant, each
# with at most one vowel sign, an independent vowel, khanda-ta, then an optional chandrabindu,
# anusvara or visarga) has none of the defects the normaliser repairs. tests/test_language.py
# checks that on every Bangla word the project holds.
_CONSONANT = r"[\u0995-\u09b9]\u09bc?|\u09df"
_CLUSTER = rf"(?:{_CONSONANT})(?:\u09cd(?:{_CONSONANT}))*"
_SYLLABLE = (
    rf"(?:{_CLUSTER}[\u09be-\u09c4\u09c7\u09c8\u09cb\u09cc\u09d7]?"
    r"|[\u0985-\u098c\u098f\u0990\u0993\u0994]|\u09ce)[\u0981-\u0983]?"
)
WELL_FORMED_BANGLA = regex.compile(rf"^(?:{_SYLLABLE})+$")


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _repair_bangla_word(word: str) -> str:
    fixed = _normalizer(word)["normalized"]
    # bnunicodenormalizer emits precomposed য় (U+09DF); NFC brings it back to the standard form.
    return unicodedata.normalize("NFC", fixed or word)


@lru_cache(maxsize=TEXT_CACHE_SIZE)
def normalize_text(text: str, matching: bool = False) -> str:
    """Repair Bangla Unicode defects and tidy whitespace, keeping the text readable.

    Used for storage and display as well as matching, so it never changes the meaning:
    case, punctuation and digits are left as the patient typed them. With `matching`, broken
    words past the repair budget are dropped instead of kept: they are garbage, and each later
    reading of the text would try to repair them again.
    """
    text = unicodedata.normalize("NFC", text.replace(_KHANDA_TA_ZWJ, "\u09ce"))
    text = text.replace("\u00a0", " ").translate(_ZERO_WIDTH)
    if _BANGLA_LETTER.search(text):
        repairs = [0]

        def fix(match: regex.Match[str]) -> str:
            word = match.group()
            # A "word" longer than any real one (a held-down key) stays as typed, and so does
            # everything after the first REPAIR_BUDGET broken words: a patient's message has a
            # few typing defects, and repairing hundreds of them (garbage pasted in) costs
            # 0.25 ms each.
            if len(word) > MAX_WORD or not _BANGLA_LETTER.search(word):
                return word
            if WELL_FORMED_BANGLA.match(word):
                return word
            repairs[0] += 1
            if repairs[0] <= REPAIR_BUDGET:
                return _repair_bangla_word(word)
            return "" if matching else word

        text = _TOKEN.sub(fix, text)
    return " ".join(text.split())


def ascii_digits(text: str) -> str:
    return text.translate(_BN_DIGITS)


def tokenize(text: str) -> list[str]:
    """Words of `text`, lower-cased, apostrophes dropped ("can't" -> "cant")."""
    return [t.lower().replace("'", "").replace("’", "") for t in _TOKEN.findall(text)]


def script_counts(text: str) -> tuple[int, int]:
    """(Bangla letters, Latin letters) in `text`."""
    return len(_BANGLA_LETTER.findall(text)), len(_LATIN_LETTER.findall(text))


class FormDetector:
    """Tells English from Bangla script and from Banglish.

    Words vote. A Bangla-script word votes Bangla; a Latin word votes Banglish or English when
    it is in that side's lexicon (built-in function words plus the knowledge base's own
    phrasings). Bangla wins when it has at least as many votes as English; otherwise Banglish
    needs more votes than English, and a tie goes to English.
    """

    def __init__(self, banglish_words: Iterable[str], english_words: Iterable[str]) -> None:
        banglish = set(banglish_words) | BANGLISH_COMMON | SHARED
        english = set(english_words) | ENGLISH_COMMON | SHARED
        # A word both sides use ("stem", "cell") carries no vote.
        self._banglish = frozenset(banglish - english)
        self._english = frozenset(english - banglish)

    def detect(self, text: str, default: Form = Form.EN) -> Form:
        """The message's form; `default` when no word tells ("hlw", "ok", "👍")."""
        banglish = english = bangla = 0
        for word in tokenize(text):
            if _BANGLA_LETTER.search(word):
                bangla += 1
            elif not any(c.isalpha() for c in word):
                continue  # a number in Latin digits ("hello 3", "3 bochor") tells no language
            elif word in self._banglish:
                banglish += 1
            elif word in self._english:
                english += 1
        # Bangla script with English medical terms ("stem cell therapy কি নিরাপদ?") is
        # Bangla: the English words are loan words, the sentence around them is Bangla.
        if bangla and bangla >= english:
            return Form.BN
        if not (banglish or english):
            return default
        return Form.BANGLISH if banglish > english else Form.EN


# Function words that mark Latin text as Banglish even when the topic words are English.
BANGLISH_COMMON = frozenset(
    """
    ami amar amader apni apnar apnara tumi tomar se tar tara tader oni onar uni unar ora
    ki kii kivabe kibhabe kemne kmne kemon kmn keno kno kothay kotha kobe kokhon kto koto
    kon konta kono ache ase achhe aase nai nei na naki to o ar aro abar ekhon ekon akhon
    hobe hbe hoy hoi hoye hoyeche hoise hoyse hocche hosse hote parbo parbe parben pari pare
    korbo korbe korben kora kore korte korle korse koreche dile dite nile nite niye
    jabe jay jai jodi tahole tobe kintu ba ebong shathe sathe jonno jnno theke moddhe vitore
    valo bhalo kharap onek beshi kom ektu kichu sob shob ekta ekti dui tin bochor bosor mash
    din ghonta baba ma vai bhai bon chele meye swami stri dada nana nani chacha mama khala
    amr apnr tmr bolen bolun bolo janate jante chai chaichi dorkar lagbe lage laglo
    paba pabo pabe paben paowa pawa jabe jete asbe aste chikitsa chikitsha cikitsa
    dhonnobad dhonyobad donnobad shukriya salam assalamualaikum kemon achen
    holo hoilo hoyeche hoise korlam pelam bujhlam thik accha acha vai apu bhaiya apa
    janlam bujhte parlam
    """.split()
)

ENGLISH_COMMON = frozenset(
    """
    a an the is are was were be been being am do does did doing have has had having will
    would can could should shall may might must i me my we our you your he him his she her
    it its they them their this that these those what which who whom whose when where why
    how if then than and or but not no yes of in on at to for from with by about after
    before into over under again there here so very much many more most some any all each
    please tell know want need help get got make work works working walk walking treatment
    patient patients father mother brother sister son daughter husband wife doctor injury
    hello hi hey thanks thank good safe cost price long time years months
    """.split()
)

# Words Bangladeshi patients use the same way in English and in Banglish: they tell nothing.
SHARED = frozenset("ok okay bye thanks thank you hi hello help allah hafez khoda khuda".split())

# Words too common to tell questions apart, in all three forms. Dropping them keeps a long
# rambling message from scoring against entries on filler alone.
STOPWORDS = frozenset(
    """
    a an the is are was were be been am do does did have has had i me my we our you your he
    him his she her it its they them their this that these those of in on at to for from
    with by and or but so if then there here please tell sir madam apu vaiya dear plz pls
    will would can could should shall may might must just also any some get much lot very
    ami amar amader apni apnar apnara tumi tomar se tar tara oni onar uni unar amr apnr tmr
    ki kii na naki to o ar je jodi tahole ta ti te e er re ke r k
    আমি আমার আমাদের আপনি আপনার তুমি তোমার সে তার তারা উনি ওনার তিনি তাঁর কি কী না যে
    এবং ও আর তো এ এই ওই টা টি জন্য থেকে করে
    """.split()
)


# Order matters: digraphs first, so "chh" is not read as "c" + "hh".
_FOLDS: tuple[tuple[str, str], ...] = (
    ("chh", "c"),
    ("ch", "c"),
    ("sh", "s"),
    ("kh", "k"),
    ("gh", "g"),
    ("jh", "j"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
    ("bh", "b"),
    ("rh", "r"),
    ("v", "b"),
    ("z", "j"),
    ("q", "k"),
    ("x", "ks"),
    ("w", "o"),
    ("y", "i"),
    ("ee", "i"),
    ("oo", "u"),
    ("ou", "o"),
)
_REPEATS = regex.compile(r"([a-z])\1+")
_VOWELS = regex.compile(r"[aeiou]")
# English loan words whose Bangla spelling romanizes far from the English ("সেল" -> "sel").
_ALIASES = {"cell": "sel", "cells": "sel", "sell": "sel"}


@lru_cache(maxsize=WORD_CACHE_SIZE)
def fold(word: str) -> str:
    """The phonetic key of one lower-case Latin word."""
    word = _ALIASES.get(word, word)
    for a, b in _FOLDS:
        word = word.replace(a, b)
    return _REPEATS.sub(r"\1", word)


def skeleton(folded: str) -> str:
    """First letter plus consonants: survives dropped vowels ("hbe"/"hobe") and o/a swaps."""
    return _REPEATS.sub(r"\1", folded[:1] + _VOWELS.sub("", folded[1:]))


# Chandrabindu is often left out when typing Banglish ("hatte" for হাঁটতে).
_CHANDRABINDU = "\u0981"
# Consonant + ya-phala is pronounced as a doubled consonant (ধন্যবাদ ~ "dhonnobad").
_YA_PHALA = regex.compile(r"([\u0995-\u09b9\u09dc-\u09df])\u09cd\u09af")


@lru_cache(maxsize=WORD_CACHE_SIZE)
def romanize_bangla_word(word: str) -> str:
    word = _YA_PHALA.sub(r"\1\u09cd\1", word.replace(_CHANDRABINDU, ""))
    return str(romanize_word(word)).lower()  # the library has no type hints


# Letters that sound alike in spoken Bangla, and that writers who learnt Bangla by ear swap:
# long and short i and u, the three sibilants, the two n's, khanda ta, chandrabindu, and the
# virama that joins a conjunct ("চিকিতসা" for চিকিৎসা, "পেসাব" for পেশাব, "মেরুদনড" for
# মেরুদণ্ড). Folding them on both sides lets a listed word find its misspelt forms. Alike
# only in letters: ড়/র (পড়ে fell, পরে later) and the vowels that change a word stay apart.
_BANGLA_SPELLING = str.maketrans({
    "\u09c0": "\u09bf", "\u09c2": "\u09c1",  # ী ূ -> ি ু
    "\u0988": "\u0987", "\u098a": "\u0989",  # ঈ ঊ -> ই উ
    "\u09b7": "\u09b6",  # ষ -> শ
    "\u09a3": "\u09a8",  # ণ -> ন
    "\u09ce": "\u09a4",  # ৎ -> ত
    "\u0981": None, "\u09cd": None,  # chandrabindu, virama
})
# য without the nukta of য় sounds as জ ("জদি" for যদি).
_JA = regex.compile("\u09af(?!\u09bc)")


@lru_cache(maxsize=WORD_CACHE_SIZE)
def spelling_key(word: str) -> str:
    """How a Bangla-script word is compared in the phrase lists: as heard, not as spelt."""
    return _JA.sub("\u099c", word.translate(_BANGLA_SPELLING))


# Beyond spelling_key: what a writer who spells by ear also swaps. Aspirated and plain
# consonants sound alike to her ("মাতা" for মাথা, "বিস" for বিষ), and so do শ and স ("শাস").
# Only the danger lists read words so (`triggers.PhraseSet`): মাতা is also "mother".
_BANGLA_SOUND = str.maketrans({
    "\u0996": "\u0995", "\u0998": "\u0997", "\u099d": "\u099c",  # খ ঘ ঝ
    "\u09a0": "\u099f", "\u09a2": "\u09a1", "\u09a5": "\u09a4", "\u09a7": "\u09a6",  # ঠ ঢ থ ধ
    "\u09ab": "\u09aa", "\u09ad": "\u09ac",  # ফ ভ
    "\u09b8": "\u09b6", "\u099b": "\u09b6",  # স ছ -> শ ("গেসে" for গেছে)
    "\u0982": "\u0999",  # ং -> ঙ
})
# ড় as র ("পরসে" for পড়ছে): in a danger phrase, not "later".
_RA = "\u09a1\u09bc"
VOWEL_SIGNS = frozenset("\u09be\u09bf\u09c1\u09c3\u09c7\u09c8\u09cb\u09cc")
# ব, য (জ in a spelling key) and র after a consonant are mostly the phala of a conjunct, which
# such a writer adds or leaves out ("অজ্ঞ্যান" for অজ্ঞান, "জর" for জ্বর).
_PHALA_LETTERS = frozenset("\u09ac\u099c\u09b0")
_CONSONANT_LETTER = regex.compile(r"[\u0995-\u09b9]")
_PHALA = regex.compile("\u09cd[\u09ac\u09af\u09b0]")


# Banglish spelt by ear: the vowels of a word typed as heard ("soss" for shash, "ruktu" for
# rokto) a, o and u alike (e and i tell a verb's person: "gechi", I went, is not "geche"), and
# c is s ("hoice" for hoise).
_LATIN_VOWELS = str.maketrans("au", "oo")


@lru_cache(maxsize=WORD_CACHE_SIZE)
def latin_sound(key: str) -> str:
    """A Latin phonetic key (`fold`) as a writer who types Bangla by ear may spell it."""
    return _REPEATS.sub(r"\1", key.replace("c", "s").translate(_LATIN_VOWELS))


@lru_cache(maxsize=WORD_CACHE_SIZE)
def sound_key(key: str) -> str:
    """A Bangla spelling key (`spelling_key`) with the letters that sound alike made one."""
    return key.translate(_BANGLA_SOUND).replace(_RA, "\u09b0")


# Only unknown Bangla words near a listed one's length ask for these: a few hundred do.
@lru_cache(maxsize=1024)
def extra_phalas(sound: str) -> frozenset[str]:
    """`sound` (a `sound_key` of a message word) without each letter that may be a phala
    typed in too many. Never the last letter: the rest of a word past a listed one is its
    ending."""
    return frozenset(
        sound[:i] + sound[i + 1:] for i in range(1, len(sound) - 1)
        if sound[i] in _PHALA_LETTERS and _CONSONANT_LETTER.match(sound[i - 1])
    )


# A listed word this long may be read with its first vowel left out.
_LONG_WORD = 5


def dropped_letters(word: str) -> frozenset[str]:
    """How a listed Bangla `word` sounds (`sound_key`) with one phala it holds left out, or,
    in a long word, the vowel of its first syllable ("পসাব" for পেশাব): the slips of a writer
    who spells by ear. Other vowels stay: "পড়ছে" (is reading) is not "পড়েছে" (has fallen)."""
    spelt = normalize_text(word)
    found = {spelling_key(spelt[:m.start()] + spelt[m.end():]) for m in _PHALA.finditer(spelt)}
    key = spelling_key(spelt)
    if len(key) >= _LONG_WORD and key[1] in VOWEL_SIGNS:
        found.add(key[:1] + key[2:])
    return frozenset(sound_key(k) for k in found)


# No word of any of the three forms is this long; a longer "word" is a keyboard held down or
# pasted junk, and its trigrams would match anything.
MAX_WORD = 30


def key_words(text: str) -> list[str]:
    """Folded Latin keys of the words of `text`, whatever its script; stopwords dropped."""
    keys = []
    for token in tokenize(ascii_digits(normalize_text(text))):
        if token in STOPWORDS or len(token) > MAX_WORD:
            continue
        latin = romanize_bangla_word(token) if _BANGLA_LETTER.search(token) else token
        for part in _TOKEN.findall(latin):
            if part not in STOPWORDS:
                keys.append(fold(part))
    return keys


# Words that mark a sentence as a question wherever they stand, in all three forms ...
QUESTION_WORDS = frozenset(
    """
    explain
    ki kii kivabe kibhabe kemne kmne kemon kmn keno kno kene kano kothay kobe kokhon koto kto
    kon konta koyjon kotojon kotodin koydin koidin
    naki kina parbe parbo parben hobe hbe jabe pabe paben lagbe dorkar bolen bolun janaben
    কি কী কেন কীভাবে কিভাবে কেমনে কেমন কবে কখন কোথায় কত কতো কতদিন কয়দিন কতজন কয়জন কোন কোনটা নাকি
    কিনা পারবে পারবেন পারবো হবে হবেন যাবে পাবে পাবেন লাগবে দরকার বলবেন বলুন বলেন জানাবেন
    """.split()
)
# ... and English words that do so only at the start of a sentence ("is it safe" asks; "he is
# paralysed" does not).
QUESTION_STARTERS = frozenset(
    """
    is are was were do does did can could will would should shall may might have has any
    tell please pls plz
    how what why when where which who whom whose if
    """.split()
)
# Words a question may open with before its question word ("bhai how much…", "and is it…").
# English question words count only where a clause opens: inside one they tell the story
# ("he fell when he was 15", "the wall collapsed when it rained", "i dont know what to say").
_LEAD_IN = frozenset(
    """
    and but so then also ok okay bhai vai bhaiya apu apa sir madam maam doctor dr hi hello
    salam dear now
    """.split()
)
_SENTENCE = regex.compile(r"[^.!?।\n]+[.!?।\n]*")
# A long message with no punctuation still ends with its question ("…stem cell dile ki labh
# hobe"): its last words stand in for the asking sentence.
_TAIL_WORDS = 12
# An asking sentence with fewer key words than this leans on the sentences before it.
_ASKING_MIN_WORDS = 3


_CLAUSE = regex.compile(r"[,;:]+")
# An English auxiliary before its subject asks, wherever it stands in an unpunctuated message
# ("…his stomach is tight like a drum can the stem cells help"; "he is asking me is there
# any hope"). "is the"/"was the" are left out: "this is the problem" tells.
_INVERTED = regex.compile(
    r"\b(?:can|could|will|would|should|does|do|did|shall|may)\s+"
    r"(?:he|she|it|they|we|i|you|the|this|that|these|stem|my|his|her|our|their)\b"
    r"|\b(?:is|are|was|were)\s+(?:he|she|it|they|we|there|this)\b",
    regex.IGNORECASE)
# "safe or no", "cost how much", "AIS A what mean": asking in the middle or at the end, as
# relatives' short English does.
_ASKING_PHRASE = regex.compile(
    r"\bor (?:not|no)\b|\bhow (?:much|many)\b|\bwhat means?\b"
    # ... and asking as an office letter does: "kindly inform whether…", "জানালে উপকৃত হব".
    r"|\bwhether\b|\b(?:want|like|wish) to know\b|\bkindly (?:inform|let|tell|explain|furnish|"
    r"confirm)\b|\bplease (?:inform|let me know)\b"
    r"|জানালে (?:উপকৃত|খুশি|কৃতজ্ঞ)|অবগত করবেন|জানতে (?:চাই|ইচ্ছুক|আগ্রহী)"
    r"|\bjanale (?:upokrito|khushi|kritoggo)|\bobogoto korben\b|\bjante (?:chai|icchuk|agrohi)\b",
    regex.IGNORECASE)


_TELLING_STARTERS = frozenset({"when"})


def is_question(sentence: str) -> bool:
    if "?" in sentence or _ASKING_PHRASE.search(sentence) or _INVERTED.search(sentence):
        return True
    if any(w in QUESTION_WORDS for w in tokenize(sentence)):
        return True
    # "my husband fell from a roof, plz tell can stem cell make him walk": a clause that opens
    # like a question is one, even where the sentence does not; but "When he fell last year,
    # he could not breathe." tells, where it ends in a full stop.
    told = sentence.rstrip().endswith((".", "।"))
    for clause in clauses(sentence):
        words = tokenize(clause)
        first = next((w for w in words if w not in _LEAD_IN), None)
        if first in QUESTION_STARTERS and not (told and first in _TELLING_STARTERS):
            return True
    return False


def clauses(sentence: str) -> list[str]:
    """The clauses of a sentence, as commas, semicolons and colons part them."""
    return _CLAUSE.split(sentence)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def question_sentences(text: str) -> list[str]:
    """Every sentence that asks; the last sentence when none does."""
    parts = sentences(text)
    asking = [s for s in parts if is_question(s)]
    return asking or parts[-1:]


def asking_part(text: str) -> str:
    """The part of a message that asks: its last sentence that is a question (else its last
    sentence), with the question just before it, and with the sentences before those when they
    are too short to stand alone ("…is there a trial in Bangladesh? Any link?"). The whole text
    when it is one short sentence."""
    parts = sentences(text)
    if len(parts) <= 1:
        words = text.split()
        return " ".join(words[-_TAIL_WORDS:]) if len(words) > 2 * _TAIL_WORDS else text
    last = max((i for i, s in enumerate(parts) if is_question(s)), default=len(parts) - 1)
    # Two questions in a row usually ask one thing ("What is a clinical trial? Can we join?").
    first = last - 1 if last > 0 and is_question(parts[last - 1]) else last
    while first > 0 and len(key_words(" ".join(parts[first : last + 1]))) < _ASKING_MIN_WORDS:
        first -= 1
    return " ".join(parts[first : last + 1])

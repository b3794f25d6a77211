"""Phrase lists from `faq/`: danger, time, courtesy and appointment words, out-of-scope topics.

Phrases are matched on words, not substrings, so "শ্বাস" (breath) never fires inside
"বিশ্বাস" (trust). Latin words are compared by their phonetic key, so one listed spelling
covers "shash", "sash" and "shaash". Bangla words match as word beginnings (Bangla inflects by
suffix: গেছ -> গেছেন), unless the editor ends the word with "!" ("আজ!" is "today", and must
not fire inside "আজীবন", "lifelong").

The danger lists also read SMS shorthand: a Latin word the knowledge base does not know may be
a listed word typed without some of its vowels ("pr gse" for "pore gese", "rkt" for "rokto").
Lists whose hit means "not in the article" do not: "thik" is a word of its own, not "tika".

Patterns are indexed by their first word, so a message is checked against the few patterns
that can start at each of its words rather than against every pattern.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from bot.core.language import (
    VOWEL_SIGNS,
    WORD_CACHE_SIZE,
    dropped_letters,
    extra_phalas,
    fold,
    latin_sound,
    normalize_text,
    script_counts,
    skeleton,
    sound_key,
    spelling_key,
    tokenize,
)

GAP = "..."
# Words each phrase set remembers, about 130 bytes each besides the word: on replayed
# evaluation messages 4,096 hit 96 % and 8,192 98 %, as unbounded (bench/). A desk has about 80
# sets since round 7, and 8,192 each took the flood of long messages past 150 MiB (152).
REMEMBERED_WORDS = 4096
MAX_GAP = 3
EXACT = "!"


@lru_cache(maxsize=WORD_CACHE_SIZE)
def shorthand(word: str) -> str | None:
    """The consonants of a Latin word, s and c alike ("gse" -> "gs"): the index under which a
    listed word typed without some of its vowels is found. None for a Bangla word, or one with
    too few consonants to tell words apart."""
    if not word.isascii() or not word.isalpha():
        return None
    return _loose(word)


def _loose(key: str) -> str | None:
    shape = skeleton(key).replace("c", "s")
    return shape if len(shape) >= _SHORTHAND_MIN else None


_SHORTHAND_MIN = 2
_VOWEL_LETTERS = frozenset("aeiou")


def vowels_dropped(word: str, key: str) -> bool:
    """Whether `word` is `key` typed without some of its vowels ("pr" for "pore", "gse" for
    "gece", "rkt" for "rokto"), s and c alike; "sel" (cell) is not "sale", nor "stem" "sistem"."""
    if len(word) >= len(key) or sum(letter in _VOWEL_LETTERS for letter in word) > 1:
        return False  # "aba" (abba) is a word of its own, not "abohawa" typed short
    word, key = word.replace("c", "s"), key.replace("c", "s")
    i = 0
    for letter in key:
        if i < len(word) and letter == word[i]:
            i += 1
        elif letter not in _VOWEL_LETTERS:
            return False
    return i == len(word)


# A listed Bangla word is read by ear only when it sounds this long: a shorter one is a
# letter away from too many others ("মরা", dead, from "মা", mother). One that sounds alike
# must still be one word of a longer phrase when it is this short ("জাপ" is ঝাঁপ, and Japan).
_HEARD_MIN = 3
_ALONE_MIN = 4
# A Latin listed word is also read with its vowels as heard (`latin_sound`) when it is this
# long, or, as one word of a longer phrase, this long ("soss nite" for shash nite): alone,
# shorter ones are too many other words ("agun", fire, is not "ogan", unconscious).
_LATIN_ALONE_MIN = 5
_LATIN_HEARD_MIN = 3
# A phala typed in too many is read only in a long listed word.
_EXTRA_MIN = 5
# What may follow a listed word read by ear, in the same message word: an ending. Anything
# longer is another word ("শাশুড়ি", mother-in-law, is not শ্বাস).
_ENDINGS = frozenset(sound_key(spelling_key(normalize_text(e))) for e in (
    "", "র", "রা", "রে", "রও", "রই", "কে", "কেও", "তে", "তেও", "টা", "টাও", "টাই", "টি", "টু",
    "ও", "ই", "ন", "য়", "য়ে", "য়ও"))
_ENDING_MAX = 2


def _an_ending(rest: str) -> bool:
    return rest in _ENDINGS or (len(rest) <= _ENDING_MAX and rest[:1] in VOWEL_SIGNS)


def heard_as(word: str, heard: str, own: frozenset[str], prefix: bool) -> bool:
    """Whether Bangla message word `word` (a `word_key`) is the listed word that sounds
    `heard` (a `sound_key`), spelt by ear: letters that sound alike swapped, one of its slips
    `own` (`language.dropped_letters`), or a phala too many ("মাতা" মাথা, "শাস" শ্বাস, "পসাব"
    পেশাব, "অজ্ঞ্যান" অজ্ঞান). With `prefix`, an ending may follow."""
    sound = sound_key(word)
    for length in range(len(heard) - 1, len(heard) + 2) if prefix else (len(sound),):
        part, rest = sound[:length], sound[length:]
        if len(part) < length or not _an_ending(rest):
            continue
        if part == heard or part in own or (
                len(heard) >= _EXTRA_MIN and heard in extra_phalas(part)):
            return True
    return False


@dataclass(frozen=True)
class _Word:
    key: str
    prefix: bool  # matches any word that starts with `key`
    # The consonants of a Latin key, for a message word typed without its vowels.
    loose: str | None = None
    # How a Bangla key sounds (`sound_key`) and its slips, for a message word spelt by ear.
    heard: str | None = None
    slips: frozenset[str] = frozenset()

    def matches(self, word: str, short: bool = False) -> bool:
        """Whether message word `word` is this word; with `short`, also typed without some of
        its vowels, or spelt by ear."""
        if (self.prefix and word.startswith(self.key)) or word == self.key:
            return True
        if not short:
            return False
        if self.heard is not None and script_counts(self.key)[0]:
            return heard_as(word, self.heard, self.slips, self.prefix)
        if self.heard is not None and word.isascii() and (
                latin_sound(word).startswith(self.heard) if self.prefix
                else latin_sound(word) == self.heard):
            return True
        return (self.loose is not None and shorthand(word) == self.loose
                and vowels_dropped(word, self.key))


Pattern = tuple[_Word | None, ...]  # None stands for a gap of up to MAX_GAP words


@lru_cache(maxsize=WORD_CACHE_SIZE)
def word_key(word: str) -> str:
    """How a message word is compared: Bangla as heard, Latin by its phonetic key."""
    bangla, _ = script_counts(word)
    return spelling_key(word) if bangla else fold(word)


# One message is looked up in a dozen phrase lists (courtesies, the numbers, a branch, danger):
# its keys are worked out once. A few texts are enough, and each is at most a message long.
MESSAGES_REMEMBERED = 64


@lru_cache(maxsize=MESSAGES_REMEMBERED)
def message_keys(text: str) -> tuple[str, ...]:
    return tuple(word_key(w) for w in tokenize(normalize_text(text)))


# A phrase list is read by several sets (what to do: the danger and the front desk): each
# phrase is compiled once.
@lru_cache(maxsize=WORD_CACHE_SIZE)
def compile_phrase(phrase: str) -> Pattern:
    pattern: list[_Word | None] = []
    phrase = normalize_text(phrase).replace("…", GAP)  # editors often autocorrect "..."
    for raw in phrase.replace(GAP, f" {GAP} ").split():
        if raw == GAP:
            pattern.append(None)
            continue
        star = raw.endswith("*")
        exact = raw.endswith(EXACT)
        words = tokenize(raw)
        for i, word in enumerate(words):
            last = i == len(words) - 1
            bangla = script_counts(word)[0] > 0
            prefix = (bangla and not (exact and last)) or (star and last)
            key = word_key(word)
            loose = None if bangla or prefix else _loose(key)
            pattern.append(_heard(_Word(key, prefix=prefix, loose=loose), word))
    first = pattern[0] if pattern else None
    alone = sum(w is not None for w in pattern) == 1
    if alone and first and first.heard and len(first.heard) < (
            _ALONE_MIN if script_counts(first.key)[0] else _LATIN_ALONE_MIN):
        pattern[0] = _Word(first.key, first.prefix, first.loose)
    return tuple(pattern)


def _heard(listed: _Word, word: str) -> _Word:
    """`listed`, `word` as written in the list, with how it sounds and, in Bangla, its
    slips."""
    if not script_counts(word)[0]:
        if len(listed.key) < _LATIN_HEARD_MIN:
            return listed
        return _Word(listed.key, listed.prefix, listed.loose, latin_sound(listed.key))
    heard = sound_key(listed.key)
    if len(heard) < _HEARD_MIN:
        return listed
    return _Word(listed.key, listed.prefix, listed.loose, heard, dropped_letters(word))


def _heard_only_in(pattern: Pattern, banglish: bool, shorthand: bool) -> Pattern:
    """`pattern`, its Latin words read by ear only if it is a Banglish phrase, and typed
    short only with `shorthand`."""
    def kept(word: _Word) -> _Word:
        loose = word.loose if shorthand else None
        latin_heard = word.heard is not None and not script_counts(word.key)[0]
        heard = None if latin_heard and not banglish else word.heard
        if loose is word.loose and heard is word.heard:
            return word
        return replace(word, loose=loose, heard=heard)
    return tuple(kept(w) if w else None for w in pattern)


def _match_at(
    pattern: Pattern, words: Sequence[str], start: int, known: frozenset[str] | None = None
) -> int | None:
    """Where a match of `pattern` starting at `words[start]` ends, or None. With `known`, a
    word outside it may be a listed word typed without some of its vowels."""
    if not pattern:
        return start
    head, rest = pattern[0], pattern[1:]
    if head is None:
        for skip in range(MAX_GAP + 1):
            end = _match_at(rest, words, start + skip, known)
            if end is not None:
                return end
        return None
    if start < len(words) and head.matches(
            words[start], short=known is not None and words[start] not in known):
        return _match_at(rest, words, start + 1, known)
    return None


@dataclass(frozen=True)
class Hit:
    phrase: str  # the phrase's words, for logs and tests
    start: int  # word positions in the message, end exclusive
    end: int


def _describe(pattern: Pattern) -> str:
    return " ".join(w.key if w else GAP for w in pattern)


class PhraseSet:
    """Tells whether, and where, a message contains any of a list of phrases."""

    def __init__(self, phrases: Iterable[str], known: frozenset[str] | None = None,
                 shorthand: bool = True, banglish: Collection[str] = ()) -> None:
        """`known`: the words of the knowledge base (`KnowledgeBase.known_words`). Given, a
        message word outside it may be a listed word typed without some of its vowels ("pr gse"
        for "pore gese", "rkt" for "rokto"), or a Bangla one spelt by ear ("শাস" for শ্বাস, "বসর"
        for বছর); without `shorthand`, only spelt by ear. The danger lists read so; lists whose
        hit means "not in the article" do not, as a real word ("thik", "dont") is no shorthand
        for another. Latin words are read by ear only in the `banglish` phrases: English ones
        read so meet other English words ("checking" is not "choking")."""
        self._known = known
        # Without `known`, no word is read short or by ear: the patterns serve as compiled.
        patterns = [compile_phrase(p) if known is None
                    else _heard_only_in(compile_phrase(p), p in banglish, shorthand)
                    for p in phrases]
        patterns = [p for p in patterns if p and p[0] is not None]
        self._exact: defaultdict[str, list[Pattern]] = defaultdict(list)
        self._prefix: defaultdict[str, list[Pattern]] = defaultdict(list)
        self._loose: defaultdict[str, list[Pattern]] = defaultdict(list)
        # A Bangla first word by its sound and by its slips (`heard_as`), so that a word spelt
        # by ear is looked up, not compared with every pattern.
        self._heard: defaultdict[str, list[Pattern]] = defaultdict(list)
        for pattern in patterns:
            first = pattern[0]
            assert first is not None
            (self._prefix if first.prefix else self._exact)[first.key].append(pattern)
            if first.loose is not None:
                self._loose[first.loose].append(pattern)
            if known is not None and first.heard is not None:
                for sound in (first.heard, *first.slips):
                    self._heard[sound].append(pattern)
        self._prefix_lengths = sorted({len(key) for key in self._prefix})
        # A word with one letter too many is found by its slips, one letter longer.
        self._heard_lengths = sorted({len(sound) + extra for sound in self._heard
                                      for extra in (0, 1)})
        # How the sounds begin: most unknown words begin like none of them, and are passed by
        # at once (a long message of unknown words costs 20 % more, not 60 %).
        self._heard_starts = frozenset(sound[:2] for sound in self._heard)
        # Remembered: words repeat a lot.
        self._candidates = lru_cache(maxsize=REMEMBERED_WORDS)(self._starting_with)

    def _starting_with(self, word: str) -> tuple[Pattern, ...]:
        """The patterns whose first word matches `word`."""
        short = shorthand(word) if self._known is not None and word not in self._known else None
        loose = tuple(p for p in self._loose.get(short, ())
                      if p[0] and vowels_dropped(word, p[0].key)) if short else ()
        if self._heard and self._known is not None and word not in self._known:
            loose += self._heard_first(word)
        return tuple(self._exact.get(word, ())) + loose + tuple(
            pattern
            for length in self._prefix_lengths
            if length <= len(word)
            for pattern in self._prefix.get(word[:length], ())
        )

    def _heard_first(self, word: str) -> tuple[Pattern, ...]:
        """The patterns whose first word `word` is, spelt by ear (`heard_as`), and not as
        listed: those are found already."""
        if not script_counts(word)[0]:
            return tuple(p for p in self._heard.get(latin_sound(word), ())
                         if p[0] is not None and not p[0].matches(word)) if word.isascii() else ()
        sound = sound_key(word)
        # A phala typed in too many may stand second ("শ্বাস" for শাস).
        if sound[:2] not in self._heard_starts and sound[:1] + sound[2:3] not in self._heard_starts:
            return ()
        seen: dict[int, Pattern] = {}
        for length in self._heard_lengths:
            if length > len(sound) + 1:
                break
            part = sound[:length]
            for variant in (part, *extra_phalas(sound[:length + 1])):
                for pattern in self._heard.get(variant, ()):
                    first = pattern[0]
                    assert first is not None
                    if id(pattern) not in seen and not first.matches(word) and first.matches(
                            word, short=True):
                        seen[id(pattern)] = pattern
        return tuple(seen.values())

    def hits(self, words: Sequence[str]) -> list[Hit]:
        """Every phrase found in `words` (keys from `message_keys`), in message order."""
        found = []
        for start, word in enumerate(words):
            for pattern in self._candidates(word):
                end = _match_at(pattern, words, start, self._known)
                if end is not None:
                    found.append(Hit(_describe(pattern), start, end))
        return found

    def find(self, text: str) -> str | None:
        """The first phrase found in `text`, as its words, or None."""
        hits = self.hits(message_keys(text))
        return hits[0].phrase if hits else None

    def __contains__(self, text: str) -> bool:
        return self.find(text) is not None

    def remove(self, text: str) -> str:
        """`text` without the words of any phrase found in it ("salam, is it safe?" ->
        "is it safe")."""
        original = tokenize(normalize_text(text))
        covered: set[int] = set()
        for hit in self.hits([word_key(w) for w in original]):
            covered.update(range(hit.start, hit.end))
        return " ".join(w for i, w in enumerate(original) if i not in covered)

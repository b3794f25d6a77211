"""Banglish typed without its vowels ("stm cel e hnta jay?", "dktr ki bolse"), respelled as the
knowledge base spells the words ("stem cel e hanta jay?", "daktar ki bolse").

The matcher forgives a dropped vowel through a word's skeleton, but only at half a word's
weight and without its trigrams: a message typed all in shorthand scored far below the same
message spelt out, and the calibration took that for "not sure". A word is respelled only when
the knowledge base does not know it as typed, when it is some known word with vowels left out
(`triggers.vowels_dropped`), and when one such word is clearly the commonest: "hbe" is "hobe",
but a shape many common words share stays as typed. Words the knowledge base knows, and Bangla
script, are never touched, so a standard sentence reads as before.

The danger lists do not read this respelling: they read shorthand themselves, and only their
alarm-raising lists do (`triggers.PhraseSet`); a calming word must not be guessed into a message.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from functools import lru_cache

import regex

from bot.core.language import WORD_CACHE_SIZE, fold
from bot.core.triggers import shorthand, vowels_dropped

# The commonest reading must be this many times as common as the next one to be chosen.
CLEAR_LEAD = 2.0
_LATIN_WORD = regex.compile(r"[A-Za-z]+")


class Respeller:
    def __init__(self, counts: Mapping[str, int], known: frozenset[str]) -> None:
        """`counts`: how often the knowledge base's phrasings use each word (phonetic keys;
        how common a word is decides between readings); `known`: every word any phrasing or
        phrase list has, the little ones too ("is", "my", "thx"), which are never
        respelled."""
        self._known = known | frozenset(counts)
        self._by_shape: defaultdict[str, Counter[str]] = defaultdict(Counter)
        for word, n in counts.items():
            shape = shorthand(word)
            if shape is not None:
                self._by_shape[shape][word] += n
        self.word = lru_cache(maxsize=WORD_CACHE_SIZE)(self._word)

    def __call__(self, text: str) -> str:
        return _LATIN_WORD.sub(lambda m: self.word(m.group(0).lower()) or m.group(0), text)

    def _word(self, typed: str) -> str | None:
        """The known word `typed` stands for, or None to keep it as typed."""
        key = fold(typed)
        if key in self._known:
            return None
        shape = shorthand(key)
        if shape is None:
            return None
        readings = [(n, word) for word, n in self._by_shape.get(shape, Counter()).items()
                    if vowels_dropped(key, word)]
        if not readings:
            return None
        readings.sort(reverse=True)
        if len(readings) > 1 and readings[0][0] < CLEAR_LEAD * readings[1][0]:
            return None
        return readings[0][1]

"""Spoken Bangla read as the standard Bangla the knowledge base is written in.

Relatives type the way they talk: "পইড়া গেছে", "হইছে", "করতেছে", "উনার", "khaiya falaise",
"kortese", and in Chittagong, Sylhet or Noakhali forms ("কিল্লাই", "কিতা", "আছে নি"). The
phrase lists and the phrasings hold the standard forms ("পড়ে গেছে", "হয়েছে", "করছে"), so the
matcher and the danger, courtesy and appointment lists would read the spoken forms as unknown
words. This layer rewrites them, word by word, before any of those read the message. It is one
step, used by every reader, so no list needs its own copy of each spoken form.

The rules are data, in `faq/spoken.yaml`, for an editor to extend:
- `words`: a spoken word and its standard form, per script;
- `phrases`: a few word pairs read as one ("ন পারে" -> "পারে না");
- `endings`: a spoken ending and its standard ending, for words no list can hold one by one
  (every verb's progressive: "করতেছে", "হাঁটতাছে" -> "করছে", "হাঁটছে").

A rule must never change a standard word: tests/test_spoken.py runs every rule over every word
of the knowledge base's answers and the Bangla translations and finds none changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import regex

from bot.core.language import WORD_CACHE_SIZE, script_counts

_WORD = regex.compile(r"[\p{L}\p{M}]+")
# Bangla consonants (with nukta), for the endings' {C} placeholder.
_BN_CONSONANT = r"(?:[\u0995-\u09b9\u09dc-\u09df]\u09bc?)"
_LATIN_CONSONANT = r"[bcdfghjklmnpqrstvwxz]"


@dataclass(frozen=True)
class Ending:
    """A spoken word ending and its standard form: `pattern` is a regular expression over the
    whole word, in which {C} stands for one consonant of the word's script."""

    pattern: str
    standard: str


class SpokenForms:
    def __init__(
        self,
        words: Mapping[str, str],
        phrases: Mapping[str, str] = {},
        endings: Sequence[Ending] = (),
    ) -> None:
        self._words = {k.lower(): v for k, v in words.items()}
        self._phrases = [
            (regex.compile(rf"(?<![\p{{L}}\p{{M}}]){regex.escape(spoken)}(?![\p{{L}}\p{{M}}])",
                           regex.IGNORECASE), standard)
            for spoken, standard in phrases.items()
        ]
        self._endings = [
            (regex.compile("^" + e.pattern.replace(
                "{C}", _BN_CONSONANT if script_counts(e.pattern)[0] else _LATIN_CONSONANT) + "$"),
             e.standard)
            for e in endings
        ]
        # Replayed evaluation messages meet about 7,000 distinct words: 8,192 hit 98 %, as
        # 16,384 do, and a flood of pasted garbage stays bounded (bench/bench_memory.py).
        self.word = lru_cache(maxsize=WORD_CACHE_SIZE)(self._word)

    def _word(self, word: str) -> str:
        lower = word.lower()
        if lower in self._words:
            return self._words[lower]
        for pattern, standard in self._endings:
            if pattern.match(lower):
                return pattern.sub(standard, lower)
        return word

    def standardize(self, text: str) -> str:
        """`text` with its spoken forms in standard form; punctuation and spacing kept."""
        for pattern, standard in self._phrases:
            text = pattern.sub(standard, text)
        return _WORD.sub(lambda m: self.word(m.group()), text)


NONE = SpokenForms({})

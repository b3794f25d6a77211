"""Phrase triggers from `faq/triggers.yaml`: emergency, greeting, thanks, appointment.

Phrases are matched on words, not substrings, so "শ্বাস" (breath) never fires inside
"বিশ্বাস" (trust). Latin words are compared by their phonetic key, so one listed spelling
covers "shash", "sash" and "shaash".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.language import fold, normalize_text, script_counts, tokenize

GAP = "..."
MAX_GAP = 3


@dataclass(frozen=True)
class _Word:
    key: str
    prefix: bool  # matches any word that starts with `key`

    def matches(self, word: str) -> bool:
        return word.startswith(self.key) if self.prefix else word == self.key


Pattern = tuple[_Word | None, ...]  # None stands for a gap of up to MAX_GAP words


def _key(word: str) -> str:
    bangla, _ = script_counts(word)
    return word if bangla else fold(word)


def compile_phrase(phrase: str) -> Pattern:
    pattern: list[_Word | None] = []
    phrase = normalize_text(phrase).replace("…", GAP)  # editors often autocorrect "..."
    for raw in phrase.replace(GAP, f" {GAP} ").split():
        if raw == GAP:
            pattern.append(None)
            continue
        star = raw.endswith("*")
        words = tokenize(raw)
        for i, word in enumerate(words):
            bangla = script_counts(word)[0] > 0
            # Bangla inflects by suffix (গেছ -> গেছেন), so Bangla words always match as prefixes.
            pattern.append(_Word(_key(word), prefix=bangla or (star and i == len(words) - 1)))
    return tuple(pattern)


def _match_at(pattern: Pattern, words: list[str], start: int) -> int | None:
    """Where a match of `pattern` starting at `words[start]` ends, or None."""
    if not pattern:
        return start
    head, rest = pattern[0], pattern[1:]
    if head is None:
        for skip in range(MAX_GAP + 1):
            end = _match_at(rest, words, start + skip)
            if end is not None:
                return end
        return None
    if start < len(words) and head.matches(words[start]):
        return _match_at(rest, words, start + 1)
    return None


class PhraseSet:
    """Tells whether a message contains any of a list of phrases."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._patterns = [p for p in map(compile_phrase, phrases) if p]

    def find(self, text: str) -> str | None:
        """The first phrase found in `text`, as its words, or None."""
        words = [_key(w) for w in tokenize(normalize_text(text))]
        for pattern in self._patterns:
            for start in range(len(words)):
                if _match_at(pattern, words, start) is not None:
                    return " ".join(w.key if w else GAP for w in pattern)
        return None

    def __contains__(self, text: str) -> bool:
        return self.find(text) is not None

    def remove(self, text: str) -> str:
        """`text` without the words of any phrase found in it ("salam, is it safe?" ->
        "is it safe")."""
        original = tokenize(normalize_text(text))
        words = [_key(w) for w in original]
        covered: set[int] = set()
        for pattern in self._patterns:
            for start in range(len(words)):
                end = _match_at(pattern, words, start)
                if end is not None:
                    covered.update(range(start, end))
        return " ".join(w for i, w in enumerate(original) if i not in covered)

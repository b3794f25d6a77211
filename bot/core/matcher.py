"""Ranks knowledge-base entries for a message, with a confidence in [0, 1].

Texts become TF-IDF vectors over the phonetic keys of their words (see `bot.core.language`): the
whole key, its consonant skeleton and its character trigrams. Trigrams forgive typos and
inflections; the skeleton forgives dropped vowels ("hbe"/"hobe").

Two indexes answer two different questions (measured on tests/eval, see README):
- which entry? Each entry's phrasings and titles together form one document, so a message
  is ranked by the entry whose *vocabulary* fits it best, even when no single phrasing does;
- how sure? The confidence is the cosine to the entry's closest single phrasing: a message
  that reads like a known way of asking is safe to answer.

Words the knowledge base has never seen keep their (highest) weight in the message's vector,
so a message about something else scores low. Questions the article does not answer are
listed in `faq/out-of-scope.yaml`, with words that name other topics ("MRI", "dengue"); when
the closest phrasing is one of those questions, or the message names such a topic, the only
match returned is OUT_OF_SCOPE.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from bot.core.knowledge import KnowledgeBase
from bot.core.language import key_words, skeleton
from bot.core.triggers import PhraseSet

# Ranked like an entry id, but never a valid one (ids have no spaces or brackets).
OUT_OF_SCOPE = "(out of scope)"

# An out-of-scope example must be clearly closer than every entry: a tie is not a verdict.
OUT_OF_SCOPE_MARGIN = 0.05
_WORD_WEIGHT = 1.0
_SKELETON_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.35


@dataclass(frozen=True)
class Match:
    entry_id: str
    confidence: float  # cosine to the entry's closest phrasing
    score: float = 0.0  # how well the entry's whole vocabulary fits; decides the order


def features(text: str) -> Counter[str]:
    result: Counter[str] = Counter()
    for word in key_words(text):
        result["w:" + word] += _WORD_WEIGHT
        result["s:" + skeleton(word)] += _SKELETON_WEIGHT
        padded = f" {word} "
        for i in range(len(padded) - 2):
            result[padded[i : i + 3]] += _TRIGRAM_WEIGHT
    return result


class _Index:
    """Cosine search over TF-IDF vectors; each document carries a label (an entry id)."""

    def __init__(self, docs: Iterable[tuple[str, Counter[str]]], sublinear: bool) -> None:
        docs = [(label, f) for label, f in docs if f]
        self._sublinear = sublinear
        df: Counter[str] = Counter()
        for _, doc in docs:
            df.update(doc.keys())
        n = len(docs)
        self._idf = {f: math.log((n + 1) / (d + 1)) + 1.0 for f, d in df.items()}
        # A feature no document has is the strongest sign the message is about something else.
        self._unseen_idf = (math.log(n + 1) + 1.0)
        self._labels: list[str] = []
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc_id, (label, doc) in enumerate(docs):
            weights = self._weights(doc)
            norm = math.sqrt(sum(w * w for w in weights.values()))
            self._labels.append(label)
            for feature, weight in weights.items():
                self._postings[feature].append((doc_id, weight / norm))

    def _weights(self, doc: Counter[str]) -> dict[str, float]:
        # Entry documents repeat words across many phrasings; log-scaling the counts keeps a
        # word every phrasing repeats ("stem", "cell") from drowning the distinctive ones.
        tf = (lambda x: math.log1p(x)) if self._sublinear else (lambda x: x)
        return {f: tf(c) * self._idf.get(f, self._unseen_idf) for f, c in doc.items()}

    def best_by_label(self, query: Counter[str]) -> dict[str, float]:
        weights = self._weights(query)
        norm = math.sqrt(sum(w * w for w in weights.values()))
        scores: defaultdict[int, float] = defaultdict(float)
        for feature, weight in weights.items():
            for doc_id, doc_weight in self._postings.get(feature, ()):
                scores[doc_id] += weight * doc_weight
        best: dict[str, float] = {}
        for doc_id, score in scores.items():
            label = self._labels[doc_id]
            best[label] = max(best.get(label, 0.0), min(1.0, score / norm))
        return best


class Matcher:
    def __init__(self, kb: KnowledgeBase) -> None:
        phrasings: list[tuple[str, Counter[str]]] = []
        entries: list[tuple[str, Counter[str]]] = []
        for entry in kb.entries.values():
            texts = [*entry.title.values()]
            for questions in entry.questions.values():
                texts.extend(questions)
            vectors = [features(text) for text in texts]
            phrasings += [(entry.id, v) for v in vectors]
            entries.append((entry.id, sum(vectors, Counter())))
        for questions in kb.out_of_scope.values():
            phrasings += [(OUT_OF_SCOPE, features(q)) for q in questions]
        self._phrasings = _Index(phrasings, sublinear=False)
        self._entries = _Index(entries, sublinear=True)

        self._off_topic = PhraseSet(p for phrases in kb.off_topic.values() for p in phrases)

    def rank(self, text: str, limit: int = 3) -> list[Match]:
        """The best `limit` entries for `text`, best first; empty when nothing is close."""
        query = features(text)
        if not query:
            return []
        closest = self._phrasings.best_by_label(query)
        if not closest:
            return []
        oos = closest.get(OUT_OF_SCOPE, 0.0)
        best_entry = max((s for e, s in closest.items() if e != OUT_OF_SCOPE), default=0.0)
        if oos >= best_entry + OUT_OF_SCOPE_MARGIN or text in self._off_topic:
            return [Match(OUT_OF_SCOPE, oos, oos)]
        fit = self._entries.best_by_label(query)
        order = sorted(fit, key=fit.__getitem__, reverse=True)[:limit]
        return [Match(e, closest.get(e, 0.0), fit[e]) for e in order]

"""Ranks knowledge-base entries for a message, with a calibrated probability that the first is
the one the patient asked about.

Texts become TF-IDF vectors over the phonetic keys of their words (see `bot.core.language`):
the whole key, its consonant skeleton and its character trigrams. Trigrams forgive typos and
inflections; the skeleton forgives dropped vowels ("hbe"/"hobe").

Relatives write the story first and ask last ("my son fell from a tree two years ago, he is
paralysed… can stem cells help him walk?"), so every message is read twice: whole, and as its
asking part (`language.asking_part`). Two indexes answer two questions for each reading:
- which entry? Each entry's phrasings and titles together form one document, so a message is
  ranked by the entry whose *vocabulary* fits it best, even when no single phrasing does;
- how close? The cosine to the entry's closest single phrasing.

The ranking score weighs the asking part and the whole message. How sure to be is not read off
one cosine (it falls as a message grows): `calibration.json` holds a logistic model, fitted on
the development story set by `bench/calibrate.py`, that turns the evidence (the best score, how
far ahead of the runner-up it is, the closest phrasings, whether both readings agree) into the
probability that the first entry is right.

Words the knowledge base has never seen keep their (highest) weight in the message's vector, so
a message about something else scores low. Questions the article does not answer are listed in
`faq/out-of-scope.yaml`, with words that name other topics ("MRI", "dengue"); when the closest
phrasing is one of those questions, or a question in the message names such a topic, the ranking is
marked out of scope and nothing may answer it.

Scores are sparse matrix products (scipy), so a message costs about the same whatever the size
of the knowledge base's vocabulary; see bench/RESULTS.md.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse

from bot.core.knowledge import KnowledgeBase
from bot.core.language import asking_part, key_words, question_sentences, skeleton
from bot.core.triggers import PhraseSet

# An out-of-scope example must be clearly closer than every entry: a tie is not a verdict.
OUT_OF_SCOPE_MARGIN = 0.05
_WORD_WEIGHT = 1.0
_SKELETON_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.35
# The whole message counts this much beside its asking part when ranking (bench/calibrate.py).
WHOLE_WEIGHT = 2.0
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")

Features = dict[str, float]


def features(text: str) -> Features:
    result: defaultdict[str, float] = defaultdict(float)
    for word in key_words(text):
        result["w:" + word] += _WORD_WEIGHT
        result["s:" + skeleton(word)] += _SKELETON_WEIGHT
        padded = f" {word} "
        for i in range(len(padded) - 2):
            result[padded[i : i + 3]] += _TRIGRAM_WEIGHT
    return dict(result)


class _Index:
    """Cosine search over TF-IDF vectors; each document carries a label (an entry id).

    Documents of one label are stored next to each other, so the best document per label is one
    `np.maximum.reduceat` over the scores.
    """

    def __init__(self, docs: Iterable[tuple[str, Features]], sublinear: bool) -> None:
        by_label: dict[str, list[Features]] = defaultdict(list)
        for label, doc in docs:
            if doc:
                by_label[label].append(doc)
        self.labels = list(by_label)
        self._sublinear = sublinear
        df: defaultdict[str, int] = defaultdict(int)
        n = 0
        for doc_list in by_label.values():
            for doc in doc_list:
                n += 1
                for feature in doc:
                    df[feature] += 1
        self._column = {feature: i for i, feature in enumerate(df)}
        self._idf = np.array([math.log((n + 1) / (d + 1)) + 1.0 for d in df.values()])
        # A feature no document has is the strongest sign the message is about something else.
        self._unseen_idf = math.log(n + 1) + 1.0

        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        starts: list[int] = []
        row = 0
        for doc_list in by_label.values():
            starts.append(row)
            for doc in doc_list:
                idx, weights, norm = self._vector(doc)
                rows += [row] * len(idx)
                cols += idx
                vals += list(weights / norm)
                row += 1
        # Features x documents, as CSR arrays: the documents a feature occurs in, with weights.
        matrix = sparse.csr_matrix((vals, (cols, rows)), shape=(len(df), row))
        self._indptr, self._docs, self._weights = matrix.indptr, matrix.indices, matrix.data
        self._n_docs = row
        self._starts = np.array(starts, dtype=np.intp)

    def _vector(self, doc: Features) -> tuple[list[int], np.ndarray, float]:
        """Column indexes and TF-IDF weights of the features the index knows, and the norm of
        the whole vector (unknown features included: they dilute the cosine)."""
        idx: list[int] = []
        counts: list[float] = []
        unseen = 0.0
        for feature, count in doc.items():
            tf = math.log1p(count) if self._sublinear else count
            column = self._column.get(feature)
            if column is None:
                unseen += (tf * self._unseen_idf) ** 2
            else:
                idx.append(column)
                counts.append(tf)
        weights = np.array(counts) * self._idf[idx] if idx else np.zeros(0)
        norm = math.sqrt(float(weights @ weights) + unseen) or 1.0
        return idx, weights, norm

    def scores(self, query: Features) -> np.ndarray:
        """The best cosine per label, in `self.labels` order."""
        idx, weights, norm = self._vector(query)
        if not idx:
            return np.zeros(len(self.labels))
        # The postings of the query's features, gathered and summed per document without
        # building a sparse matrix per message (scipy's indexing costs more than the sums).
        rows = np.array(idx)
        starts, ends = self._indptr[rows], self._indptr[rows + 1]
        lengths = ends - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        positions = offsets + np.arange(int(lengths.sum()))
        contributions = self._weights[positions] * np.repeat(weights / norm, lengths)
        per_doc = np.bincount(self._docs[positions], contributions, minlength=self._n_docs)
        return np.minimum(np.maximum.reduceat(per_doc, self._starts), 1.0)


@dataclass(frozen=True)
class Match:
    entry_id: str
    score: float  # how well the entry fits the asking part and the whole message; the order


@dataclass(frozen=True)
class Ranking:
    matches: tuple[Match, ...]  # best first
    probability: float  # calibrated probability that matches[0] is what the patient asked
    out_of_scope: bool = False  # the message is about something the article does not cover
    evidence: Mapping[str, float] | None = None  # what the probability was computed from

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None


NOTHING = Ranking((), 0.0)


class Calibration:
    """A logistic model over named evidence, read from `calibration.json`.

    Evidence is clipped to the range seen when fitting: outside it (a pasted essay, a wall of
    emoji) the model has learnt nothing and must not extrapolate.
    """

    def __init__(self, path: Path = CALIBRATION_FILE) -> None:
        data = json.loads(path.read_text(encoding="utf-8"))
        self.names: tuple[str, ...] = tuple(data["features"])
        self._weights = np.array([data["weights"][n] for n in self.names])
        self._low = np.array([data["range"][n][0] for n in self.names])
        self._high = np.array([data["range"][n][1] for n in self.names])
        self._bias = float(data["bias"])

    def probability(self, evidence: Mapping[str, float]) -> float:
        x = np.clip(np.array([evidence[n] for n in self.names]), self._low, self._high)
        return 1.0 / (1.0 + math.exp(-(self._bias + float(self._weights @ x))))


class Matcher:
    def __init__(self, kb: KnowledgeBase, calibration: Calibration | None = None) -> None:
        phrasings: list[tuple[str, Features]] = []
        entries: list[tuple[str, Features]] = []
        for entry in kb.entries.values():
            texts = [*entry.title.values()]
            for questions in entry.questions.values():
                texts.extend(questions)
            vectors = [features(text) for text in texts]
            phrasings += [(entry.id, v) for v in vectors]
            total: defaultdict[str, float] = defaultdict(float)
            for vector in vectors:
                for feature, count in vector.items():
                    total[feature] += count
            entries.append((entry.id, dict(total)))
        self._oos_label = "\0out-of-scope"  # never a valid entry id
        for questions in kb.out_of_scope.values():
            phrasings += [(self._oos_label, features(q)) for q in questions]
        self._phrasings = _Index(phrasings, sublinear=False)
        self._entries = _Index(entries, sublinear=True)
        self._entry_ids = self._entries.labels
        # Align the phrasing index's labels with the entry index's order.
        order = {label: i for i, label in enumerate(self._phrasings.labels)}
        self._phrasing_order = np.array([order[e] for e in self._entry_ids], dtype=np.intp)
        self._oos_position = order.get(self._oos_label)
        self._off_topic = PhraseSet(p for phrases in kb.off_topic.values() for p in phrases)
        self.calibration = calibration or Calibration()

    def _read(self, text: str) -> tuple[np.ndarray, np.ndarray, float]:
        """Fit per entry, closest phrasing per entry, closest out-of-scope question."""
        query = features(text)
        if not query:
            zeros = np.zeros(len(self._entry_ids))
            return zeros, zeros, 0.0
        fit = self._entries.scores(query)
        near_all = self._phrasings.scores(query)
        oos = 0.0 if self._oos_position is None else float(near_all[self._oos_position])
        return fit, near_all[self._phrasing_order], oos

    def rank(self, text: str, limit: int = 3) -> Ranking:
        """The best `limit` entries for `text`, best first, with the evidence weighed."""
        asking = asking_part(text)
        fit_q, near_q, oos_q = self._read(asking)
        if asking == text:
            fit_w, near_w, oos_w = fit_q, near_q, oos_q
        else:
            fit_w, near_w, oos_w = self._read(text)
        score = fit_q + WHOLE_WEIGHT * fit_w
        if not score.any():
            return NOTHING
        order = np.argsort(-score)[:limit]
        top, second = int(order[0]), int(order[1]) if len(order) > 1 else None
        matches = tuple(Match(self._entry_ids[i], float(score[i])) for i in order)
        s1 = float(score[top])
        s2 = float(score[second]) if second is not None else 0.0
        # The evidence the calibration weighs; each is a number a reviewer can read.
        evidence = {
            "score": s1 / (1 + WHOLE_WEIGHT),  # how well the best entry fits, 0..1
            "runner_up_ratio": s2 / s1,  # near 1: two entries fit about equally
            "near_asking": float(near_q[top]),  # the asking part reads like a known phrasing
            "near_whole": float(near_w[top]),
            "agree": float(int(np.argmax(fit_q)) == top),  # the asking part alone agrees
            "oos_lead": max(oos_q - float(near_q[top]), oos_w - float(near_w[top])),
        }
        # Any question that names another topic ("…and does stem cell help his eyes?") is out
        # of scope; a topic word in the story around it ("he is diabetic") is not.
        off_topic = any(q in self._off_topic for q in question_sentences(text))
        out_of_scope = off_topic or evidence["oos_lead"] >= OUT_OF_SCOPE_MARGIN
        return Ranking(
            matches=matches,
            probability=self.calibration.probability(evidence),
            out_of_scope=out_of_scope,
            evidence=evidence,
        )

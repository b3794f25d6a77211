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
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse

from bot.core.knowledge import KnowledgeBase
from bot.core.language import (
    WORD_CACHE_SIZE,
    asking_part,
    key_words,
    question_sentences,
    skeleton,
)
from bot.core.questions import OWN_TOPIC_WORDS, topic_words
from bot.core.triggers import PhraseSet

# An out-of-scope example must be clearly closer than every entry: a tie is not a verdict.
OUT_OF_SCOPE_MARGIN = 0.05
_WORD_WEIGHT = 1.0
_SKELETON_WEIGHT = 0.5
_TRIGRAM_WEIGHT = 0.35
# The whole message counts this much beside its asking part when ranking (bench/calibrate.py).
WHOLE_WEIGHT = 2.0
# A message this close (cosine) to a question staff taught gets what staff chose: the entry, or
# the honest fallback. Their decision beats the calibration, which was fitted on the knowledge
# base's own phrasings and trusts little a word the entry never had ("insurance"), the very
# word a taught question usually brings. Close, not equal: "Will the insurance cover it?" is
# "will insurance cover it".
TAUGHT_CLOSE = 0.8
_SAID_SKELETON = 3
_SAID_STEM = 5  # "improved" is said by an answer that says "improvement"
# A word in the phrasings of at least this share of the entries names no topic of its own.
GENERIC_SHARE = 0.25
# Two entries this close (score ratio) fit about equally; a phrasing this much closer (cosine)
# to the question than any of the other entry's tells them apart (`Matcher._by_phrasing`).
TIE_RATIO = 0.9
PHRASING_LEAD = 0.1
CALIBRATION_FILE = Path(__file__).with_name("calibration.json")

Features = dict[str, float]


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_features(word: str) -> tuple[tuple[str, float], ...]:
    padded = f" {word} "
    trigrams = tuple((padded[i : i + 3], _TRIGRAM_WEIGHT) for i in range(len(padded) - 2))
    return (("w:" + word, _WORD_WEIGHT), ("s:" + skeleton(word), _SKELETON_WEIGHT), *trigrams)


def features(text: str) -> Features:
    result: defaultdict[str, float] = defaultdict(float)
    for word in key_words(text):
        for feature, weight in _word_features(word):
            result[feature] += weight
    return dict(result)


@dataclass(frozen=True)
class _Encoded:
    """A text's features as vocabulary ids and counts; the counts of features no document has
    are kept apart (they have no postings, but they dilute the cosine)."""

    ids: np.ndarray
    counts: np.ndarray
    unknown: np.ndarray


class _Vocabulary:
    def __init__(self, docs: Iterable[Features]) -> None:
        self._ids: dict[str, int] = {}
        for doc in docs:
            for feature in doc:
                self._ids.setdefault(feature, len(self._ids))

    def __len__(self) -> int:
        return len(self._ids)

    def unknown_share(self, text: str) -> float:
        """The share of `text`'s key words that no phrasing has, by whole word or skeleton."""
        words = key_words(text)
        if not words:
            return 0.0
        unknown = sum(f"w:{w}" not in self._ids and f"s:{skeleton(w)}" not in self._ids
                      for w in words)
        return unknown / len(words)

    def knows(self, word: str) -> bool:
        return f"w:{word}" in self._ids

    def encode(self, doc: Features) -> _Encoded:
        ids: list[int] = []
        counts: list[float] = []
        unknown: list[float] = []
        for feature, count in doc.items():
            i = self._ids.get(feature)
            if i is None:
                unknown.append(count)
            else:
                ids.append(i)
                counts.append(count)
        return _Encoded(np.array(ids, dtype=np.intp), np.array(counts), np.array(unknown))


class _Index:
    """Cosine search over TF-IDF vectors; each document carries a label (an entry id).

    Two layouts, for the two questions asked of an index. `scores` ranks every label at once:
    the matrix is stored feature by feature, and a message's features gather their postings.
    `best` needs the closest document of one or two labels only: the matrix is stored document
    by document, and only those labels' rows are read, however large the knowledge base.
    """

    def __init__(
        self,
        docs: Iterable[tuple[str, _Encoded]],
        vocabulary_size: int,
        sublinear: bool,
        by_feature: bool,
    ) -> None:
        by_label: dict[str, list[_Encoded]] = defaultdict(list)
        for label, doc in docs:
            if len(doc.ids):
                by_label[label].append(doc)
        self.labels = list(by_label)
        self._sublinear = sublinear
        self._size = vocabulary_size
        all_docs = [doc for doc_list in by_label.values() for doc in doc_list]
        n = len(all_docs)
        df = np.bincount(np.concatenate([d.ids for d in all_docs]), minlength=vocabulary_size)
        # A feature no document of this index has gets the highest weight, log(n + 1) + 1: it is
        # the strongest sign the message is about something else.
        self._idf = np.log((n + 1) / (df + 1)) + 1.0
        self._unseen_idf = math.log(n + 1) + 1.0
        rows: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for doc in all_docs:
            weights, norm = self._weigh(doc)
            rows.append(doc.ids)
            vals.append(weights / norm)
        feature_ids = np.concatenate(rows)
        documents = np.repeat(np.arange(n), [len(r) for r in rows])
        values = np.concatenate(vals)
        if by_feature:
            matrix = sparse.csr_matrix(
                (values, (feature_ids, documents)), shape=(vocabulary_size, n)
            )
        else:
            matrix = sparse.csr_matrix(
                (values, (documents, feature_ids)), shape=(n, vocabulary_size)
            )
        self._indptr, self._indices, self._data = matrix.indptr, matrix.indices, matrix.data
        self._n_docs = n
        sizes = [len(d) for d in by_label.values()]
        self._starts = np.cumsum([0, *sizes[:-1]]).astype(np.intp)
        self._rows = {
            label: (int(start), int(start) + size)
            for label, start, size in zip(self.labels, self._starts, sizes, strict=True)
        }

    def _tf(self, counts: np.ndarray) -> np.ndarray:
        # Entry documents repeat words across many phrasings; log-scaling the counts keeps a
        # word every phrasing repeats ("stem", "cell") from drowning the distinctive ones.
        return np.log1p(counts) if self._sublinear else counts

    def _weigh(self, doc: _Encoded) -> tuple[np.ndarray, float]:
        weights = self._tf(doc.counts) * self._idf[doc.ids]
        unknown = self._tf(doc.unknown) * self._unseen_idf
        norm = math.sqrt(float(weights @ weights) + float(unknown @ unknown)) or 1.0
        return weights, norm

    def scores(self, query: _Encoded) -> np.ndarray:
        """The best cosine per label, in `self.labels` order (a feature-major index)."""
        if not len(query.ids):
            return np.zeros(len(self.labels))
        weights, norm = self._weigh(query)
        # The postings of the query's features, gathered and summed per document without
        # building a sparse matrix per message (scipy's indexing costs more than the sums).
        starts, ends = self._indptr[query.ids], self._indptr[query.ids + 1]
        lengths = ends - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        positions = offsets + np.arange(int(lengths.sum()))
        contributions = self._data[positions] * np.repeat(weights / norm, lengths)
        per_doc = np.bincount(self._indices[positions], contributions, minlength=self._n_docs)
        return np.minimum(np.maximum.reduceat(per_doc, self._starts), 1.0)

    def best(self, query: _Encoded, labels: Iterable[str]) -> list[float]:
        """The closest document's cosine for each of `labels` (a document-major index)."""
        labels = list(labels)
        if not len(query.ids):
            return [0.0] * len(labels)
        weights, norm = self._weigh(query)
        dense = np.zeros(self._size)
        dense[query.ids] = weights / norm
        result = []
        for label in labels:
            first, last = self._rows.get(label, (0, 0))
            if first == last:
                result.append(0.0)
                continue
            start, end = self._indptr[first], self._indptr[last]
            products = self._data[start:end] * dense[self._indices[start:end]]
            per_doc = np.add.reduceat(products, self._indptr[first:last] - start)
            result.append(min(1.0, float(per_doc.max())))
        return result


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


@dataclass(frozen=True)
class Learned:
    """A question front-desk staff taught the bot: the entry that answers it, or None when
    the article does not (then it is one more out-of-scope example)."""

    text: str
    entry_id: str | None


class Matcher:
    def __init__(
        self,
        kb: KnowledgeBase,
        calibration: Calibration | None = None,
        learned: Iterable[Learned] = (),
    ) -> None:
        self._oos_label = "\0out-of-scope"  # never a valid entry id
        phrasings: list[tuple[str, Features]] = []
        for entry in kb.entries.values():
            texts = [*entry.title.values()]
            for questions in entry.questions.values():
                texts.extend(questions)
            phrasings += [(entry.id, features(text)) for text in texts]
        for questions in kb.out_of_scope.values():
            phrasings += [(self._oos_label, features(q)) for q in questions]
        # A taught question joins the phrasings of its entry; one for an entry that has since
        # left the knowledge base is ignored rather than answered with nothing.
        taught = [
            (item.entry_id or self._oos_label, features(kb.spoken.standardize(item.text)))
            for item in learned
            if item.entry_id is None or item.entry_id in kb.entries
        ]
        phrasings += taught
        self._vocabulary = _Vocabulary(doc for _, doc in phrasings)
        encoded = [(label, self._vocabulary.encode(doc)) for label, doc in phrasings]
        entries: dict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
        for label, doc in phrasings:
            if label != self._oos_label:
                for feature, count in doc.items():
                    entries[label][feature] += count
        # Words the phrasings of many entries share ("stem", "cell", "koto", "mane", "patients")
        # tell what a message is about no more than "the" does; only its other words are a
        # topic of its own (`topic_words`).
        in_entries = Counter(
            feature for doc in entries.values() for feature in doc if feature.startswith("w:"))
        self._generic = frozenset(
            feature[2:] for feature, n in in_entries.items()
            if n >= GENERIC_SHARE * len(kb.entries))
        # What each entry's answer says, in every language (and the words' skeletons): a short
        # follow-up is most often about something the last answer said ("only neck injuries?",
        # "and motor?", "statistically significant meaning?").
        self._answer_words = {
            entry.id: frozenset(w for text in entry.answer.values() for w in key_words(text))
            for entry in kb.entries.values()
        }
        self._answer_skeletons = {
            entry_id: frozenset(skeleton(w) for w in words)
            for entry_id, words in self._answer_words.items()
        }
        self._answer_stems = {
            entry_id: frozenset(w[:_SAID_STEM] for w in words if len(w) >= _SAID_STEM)
            for entry_id, words in self._answer_words.items()
        }
        size = len(self._vocabulary)
        self._phrasings = _Index(encoded, size, sublinear=False, by_feature=False)
        self._entries = _Index(
            ((e, self._vocabulary.encode(doc)) for e, doc in entries.items()),
            size,
            sublinear=True,
            by_feature=True,
        )
        self._entry_ids = self._entries.labels
        self._entry_index = {e: i for i, e in enumerate(self._entry_ids)}
        # The taught questions alone, to tell when a message is one of them (TAUGHT_CLOSE).
        self._taught = _Index(
            ((label, self._vocabulary.encode(doc)) for label, doc in taught),
            size,
            sublinear=False,
            by_feature=False,
        ) if taught else None
        self._off_topic = PhraseSet(
            p for lists in (kb.off_topic, kb.conditions)
            for phrases in lists.values() for p in phrases
        )
        self._conditions = PhraseSet(p for phrases in kb.conditions.values() for p in phrases)
        self._spinal_cord = PhraseSet(
            p for lists in (kb.spinal_cord, kb.triggers["injury"])
            for phrases in lists.values() for p in phrases
        )
        self._article_topics = PhraseSet(
            p for phrases in kb.article_topics.values() for p in phrases)
        self.calibration = calibration or Calibration()

    def without_off_topic(self, text: str) -> str:
        """`text` without the words naming what the article does not cover ("autism e stem cell
        kaj kore?" -> "e stem cell kaj kore?")."""
        return self._off_topic.remove(text)

    def topic_words(self, text: str) -> list[str]:
        """The key words of `text` that name a topic: those not shared by the phrasings of many
        entries. "mane?", "sure?", "how many patients?" and "r ki kono upay nai?" have none."""
        return [w for w in key_words(text) if w not in self._generic]

    def known_words(self, text: str) -> list[str]:
        """The key words of `text` that some phrasing has: not a name, a village or a word
        the knowledge base never saw."""
        return [w for w in key_words(text) if self._vocabulary.knows(w)]

    def in_answer(self, words: list[str], entry_id: str) -> float:
        """The share of `words` (key words) that the answer of `entry_id` uses, as they are or
        by a skeleton long enough to tell words apart ("huia" is "h": any word with an h)."""
        said = self._answer_words.get(entry_id, frozenset())
        shapes = self._answer_skeletons.get(entry_id, frozenset())
        stems = self._answer_stems.get(entry_id, frozenset())
        return sum(
            w in said or (len(shape := skeleton(w)) >= _SAID_SKELETON and shape in shapes)
            or (len(w) >= _SAID_STEM and w[:_SAID_STEM] in stems)
            for w in words) / len(words) if words else 0.0

    def rank(
        self,
        text: str,
        limit: int = 3,
        calibration: Calibration | None = None,
        exclude: frozenset[str] = frozenset(),
        by_phrasing: bool = False,
    ) -> Ranking:
        """The best `limit` entries for `text`, best first, with the evidence weighed by
        `calibration` (one question of several has its own: `bot.core.multi`), else the
        whole-message one. Entries in `exclude` are left out, as if the knowledge base had
        none of them (another question of the message has them). With `by_phrasing`, two
        entries that fit about equally are told apart by the one phrasing that reads most like
        the question (`_by_phrasing`)."""
        asking = asking_part(text)
        query_q = self._vocabulary.encode(features(asking))
        query_w = query_q if asking == text else self._vocabulary.encode(features(text))
        fit_q = self._entries.scores(query_q)
        fit_w = fit_q if query_w is query_q else self._entries.scores(query_w)
        score = fit_q + WHOLE_WEIGHT * fit_w
        if exclude:
            score = score.copy()
            fit_q = fit_q.copy()
            for entry_id in exclude:
                if entry_id in self._entry_index:
                    score[self._entry_index[entry_id]] = fit_q[self._entry_index[entry_id]] = 0
        if not score.any():
            return NOTHING
        order = np.argsort(-score)[:limit]
        top, second = int(order[0]), int(order[1]) if len(order) > 1 else None
        s1 = float(score[top])
        s2 = float(score[second]) if second is not None else 0.0
        if by_phrasing and second is not None and self._by_phrasing(query_q, top, second, s2 / s1):
            order[:2] = order[1::-1]
            top, second = second, top
        matches = tuple(Match(self._entry_ids[i], float(score[i])) for i in order)
        # How close each reading comes to one known phrasing of the best entry, and to one
        # question the article does not answer.
        labels = (self._entry_ids[top], self._oos_label)
        near_q, oos_q = self._phrasings.best(query_q, labels)
        near_w, oos_w = (near_q, oos_q) if query_w is query_q else (
            self._phrasings.best(query_w, labels)
        )
        # The evidence the calibration weighs; each is a number a reviewer can read.
        evidence = {
            "score": s1 / (1 + WHOLE_WEIGHT),  # how well the best entry fits, 0..1
            "runner_up_ratio": s2 / s1,  # near 1: two entries fit about equally
            "near_asking": near_q,  # the asking part reads like a known phrasing
            "near_whole": near_w,
            "agree": float(int(np.argmax(fit_q)) == top),  # the asking part alone agrees
            "oos_lead": max(oos_q - near_q, oos_w - near_w),
            # The share of the asking part's words the knowledge base has never seen: an
            # invented programme, a bed, a doctor's name. Issue 17: such a question must not get
            # a confident article answer because its other words fit one.
            "unknown_asking": self._vocabulary.unknown_share(asking),
        }
        off_topic = self.about_another_topic(text)
        out_of_scope = off_topic or evidence["oos_lead"] >= OUT_OF_SCOPE_MARGIN
        ranking = Ranking(
            matches=matches,
            probability=(calibration or self.calibration).probability(evidence),
            out_of_scope=out_of_scope,
            evidence=evidence,
        )
        return self._as_taught(ranking, score, (query_q, query_w), off_topic, limit)

    def _by_phrasing(self, query: _Encoded, top: int, second: int, ratio: float) -> bool:
        """The runner-up goes first: it fits about as well as the first entry, and one of its
        phrasings reads clearly more like the question. An entry's vocabulary is the sum of
        its phrasings, so "how do stem cells help?" fits "does it work" (every "help" of its
        phrasings) as well as "how stem cells help", whose phrasing it nearly is."""
        if ratio < TIE_RATIO:
            return False
        near_top, near_second = self._phrasings.best(
            query, (self._entry_ids[top], self._entry_ids[second]))
        return near_second >= near_top + PHRASING_LEAD

    def about_another_topic(self, text: str) -> bool:
        """Any question that names another topic ("…and does stem cell help his eyes?") is out
        of scope; a topic word in the story around it ("he is diabetic") is not. Another
        disabling illness named anywhere ("Abba had a stroke last year. Can stem cells help him
        move his hand?") is, unless the message also tells of a spinal cord injury."""
        asking = question_sentences(text)
        if any(q in self._off_topic for q in asking):
            return True
        if self.about_another_illness(text):
            return True
        # A question naming nothing of its own ("whats the charge and is it worth it?") asks
        # about what the message told: another topic told there ("…cord blood banking…") is
        # its subject, unless the message also tells of a spinal cord injury or names stem cells.
        return (
            all(len(topic_words(q)) < OWN_TOPIC_WORDS for q in asking)
            and text in self._off_topic
            and text not in self._spinal_cord
            and text not in self._article_topics
        )

    def about_another_illness(self, text: str) -> bool:
        """Another disabling illness named anywhere, and no spinal cord injury told: every
        question of the message is about that illness."""
        return text in self._conditions and text not in self._spinal_cord

    def _as_taught(
        self,
        ranking: Ranking,
        score: np.ndarray,
        queries: tuple[_Encoded, _Encoded],
        off_topic: bool,
        limit: int,
    ) -> Ranking:
        """The ranking, unless the message is (close to) a question staff taught: then what
        they chose. A question naming another topic stays out of scope whatever was taught."""
        if self._taught is None:
            return ranking
        labels = self._taught.labels
        closeness = np.maximum(*(np.array(self._taught.best(q, labels)) for q in queries))
        nearest = int(np.argmax(closeness))
        if closeness[nearest] < TAUGHT_CLOSE or off_topic:
            return ranking
        label = labels[nearest]
        if label == self._oos_label:
            return replace(ranking, out_of_scope=True)
        first = Match(label, float(score[self._entry_ids.index(label)]))
        others = tuple(m for m in ranking.matches if m.entry_id != label)
        return replace(
            ranking,
            matches=(first, *others)[:limit],
            probability=max(ranking.probability, float(closeness[nearest])),
            out_of_scope=False,
        )

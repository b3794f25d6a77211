"""Every question of a message answered, up to three, in one reply (issue 18).

`bot.core.questions` splits the asking part into its questions. Each is ranked by the matcher,
but decided with its own calibration (`calibration-fragments.json`, fitted per question by
`bench/calibrate.py --fragments`): a question cut out of a message is short, and the
whole-message calibration, fitted on whole messages, misjudges it.

The front desk asks here first. A message that asks one thing, or whose questions the bot is
not sure of, is left to the whole-message path (None): it behaves exactly as before. This
module answers only when two or more questions have sure answers, or when one has and another
is plainly not in the article or asks for the numbers (a request for the numbers is a question
of its own, question word or not). The reply then holds a heading (the entry's title) and the
answer for each, says which part the article does not answer, and gives the numbers and the
disclaimer once; its choices are the first answer's follow-ups.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from bot.core import frontdesk
from bot.core.frontdesk import Choice, FrontDesk, Reply, first_paragraph
from bot.core.language import is_question, key_words, sentences, tokenize
from bot.core.matcher import Calibration, Ranking
from bot.core.questions import (
    JOINING_WORDS,
    OWN_TOPIC_WORDS,
    split_questions,
    topic_words,
    without_numbering,
)
from bot.core.triggers import PhraseSet
from bot.core.vocabulary import Form, Lang

FRAGMENT_CALIBRATION_FILE = Path(__file__).with_name("calibration-fragments.json")
# The fragment calibration's probability at or above which a question is answered (chosen with
# bench/calibrate.py --fragments); a question out of scope has no answer in the article.
ANSWER_PROBABILITY = 0.5
# Beside a request for the numbers, a question with a topic of its own that fits no entry
# better than this is not in the article ("Kallyanpur shakha koyta theke koyta khola? r
# appointment number?"), and it is named so. Without the request, such a question is as often
# the one before it said on ("…, why is it so bad?") or one the matcher misreads ("will stem
# cell make him walk where the operation failed?"), and it is not named.
NOT_ANSWERED_BELOW = 0.15
# When the whole message leaves the bot unsure, a question is answered apart only above this,
# and only with few words the knowledge base has never seen: "what is the IBN-SINA SpineCare Gold
# program?" names an invented programme (issue 17), whatever its other words fit.
SURE_ALONE_PROBABILITY = 0.8
# Questions each this sure of a different entry are answered apart when the whole message,
# a blend of them, reads unsure ("is it safe & how much does it cost?").
BLEND_PROBABILITY = 0.5
# Beside a question the bot is sure of, another question is answered from this probability.
BESIDE_PROBABILITY = 0.3
BESIDE_WORDS = 2
# ... or, naming one thing only, from this one: "নিরাপদ কি। কাজ করে কি।"
BESIDE_FEW_WORDS_PROBABILITY = 0.4
MAX_UNKNOWN_ALONE = 0.25
# A question this close (cosine) to one phrasing of its entry is asked as the knowledge base
# words it: the whole message's reading does not overrule it.
AS_PHRASED = 0.9
# A question with fewer key words than this is read with the sentence before it.
CONTEXT_BELOW_WORDS = 4
# Words that point at what was just told, whatever the question's length: "…a clinic in
# Kolkata promises a full cure. Can such clinics be trusted?" asks about that clinic.
_POINTING_BACK = frozenset("these those such এসব ওসব এসকল এইসব ওইসব esob eisob oisob osob".split())
# English words that make a short question ask on about the one before it.
_IT = frozenset("it its they them this that".split())
# Telegram sends at most 4,096 characters in one message; the adapter adds a little markup.
MAX_REPLY_CHARS = 3900
# A question quoted back as the part with no answer: long enough to recognise.
MAX_QUOTE = 90


@dataclass(frozen=True)
class Part:
    """One question of the message and what it earned."""

    question: str
    ranking: Ranking | None
    entry_id: str | None = None  # answered by this entry
    appointment: bool = False  # asks for the numbers
    unanswered: bool = False  # the article has no answer to it


class MultiQuestions:
    def __init__(self, desk: FrontDesk, calibration: Calibration | None = None) -> None:
        self._desk = desk
        self._calibration = calibration or Calibration(FRAGMENT_CALIBRATION_FILE)
        kb = desk.kb
        self._topics = PhraseSet(p for lists in (kb.article_topics, kb.spinal_cord)
                                 for phrases in lists.values() for p in phrases)

    def parts(self, text: str) -> list[Part]:
        """The message's questions, each ranked and decided (one Part for one question)."""
        # A request for the numbers is a question of its own, question word or not ("kindly
        # give me the Kallyanpur number, and also tell whether…").
        questions = split_questions(text, also_asks=self._desk._appointment.__contains__)
        if len(questions) < 2:
            return [Part(questions[0] if questions else text, None)]
        numbers = any(q in self._desk._appointment for q in questions)
        parts = [self._decide(q, text, numbers) for q in questions]
        parts = [self._apart_from_others(p, parts, text, numbers) for p in parts]
        # Questions run together without a question mark are cut only at joining words: each
        # is a question of its own. Where the writer marks them, a second one the bot is
        # unsure of more often says the first again ("…কাজ করে? সত্যি কথা কন।").
        # A question joined on by a word ("…ki jinish, ar oitay dhukle taka lage koto?") asks
        # a second thing, marked or not.
        return [self._beside_a_sure_one(p, parts)
                if "?" not in text or _joined_on(p.question, text) else p for p in parts]

    def _beside_a_sure_one(self, part: Part, parts: list[Part]) -> Part:
        """In questions run together, beside one the bot is sure of, another that fits a
        different entry fairly well is answered too: "টাকা কত লাগবে আর এতে ভাই পুরা ভালো হবে
        নাকি" asks the cost and whether it cures, the second in words too few to be sure of."""
        ranking = part.ranking
        if (part.entry_id or part.unanswered or ranking is None or ranking.best is None
                or ranking.out_of_scope or ranking.probability < BESIDE_PROBABILITY):
            return part
        few_words = len(topic_words(part.question)) < BESIDE_WORDS
        if (few_words and ranking.probability < BESIDE_FEW_WORDS_PROBABILITY) or (
                _IT & set(tokenize(part.question))
                and len(self._own_words(part.question)) < OWN_TOPIC_WORDS):
            return part  # "kon cell ar koto dose…", "…and does it fix nerves" ask one thing
        sure = {p.entry_id for p in parts if p.entry_id and p.ranking
                and p.ranking.probability >= ANSWER_PROBABILITY}
        if not sure or ranking.best.entry_id in sure:
            return part
        return replace(part, entry_id=ranking.best.entry_id)

    def _apart_from_others(self, part: Part, parts: list[Part], text: str,
                           numbers: bool) -> Part:
        """A question the bot is unsure of, read again without the entries the message's other
        questions are answered by: one who asks two things asks two different things. "Why
        could the operation not fix him? And will stem cell make him walk where the operation
        failed?" names the operation again, but asks about walking."""
        ranking = part.ranking
        # A question naming little beyond words many entries share ("…and does it fix nerves",
        # "…, is it best for stem cells") may ask on about what the one before it asked.
        if part.entry_id or ranking is None or ranking.out_of_scope or (
                len(self._own_words(part.question)) < OWN_TOPIC_WORDS):
            return part
        others = frozenset(p.entry_id for p in parts if p.entry_id and p is not part)
        if not others & {m.entry_id for m in ranking.matches[:2]}:
            return part
        again = self._decide(part.question, text, numbers, exclude=others)
        if again.entry_id:
            return again
        # Unsure still, it is answered when the whole message, read without the others'
        # entries too, puts the same entry first: both readings agree on what is left.
        best = again.ranking.best if again.ranking else None
        if best is None or again.ranking is None or again.ranking.out_of_scope or (
                again.ranking.probability < frontdesk.SUGGEST_PROBABILITY):
            return part
        rest = self._desk.matcher.rank(text, exclude=others)
        agrees = rest.best is not None and rest.best.entry_id == best.entry_id
        return replace(again, entry_id=best.entry_id) if agrees else part

    def rank(self, question: str, text: str, exclude: frozenset[str] = frozenset()) -> Ranking:
        """One question of `text`, ranked and weighed by the fragment calibration."""
        return self._desk.matcher.rank(_with_context(question, text),
                                       calibration=self._calibration, exclude=exclude,
                                       by_phrasing=True)

    def _decide(self, question: str, text: str, numbers: bool,
                exclude: frozenset[str] = frozenset()) -> Part:
        desk = self._desk
        if question in desk._appointment:
            return Part(question, None, appointment=True)
        ranking = self.rank(question, text, exclude)
        best = ranking.best
        if best is not None and not ranking.out_of_scope and (
            ranking.probability >= ANSWER_PROBABILITY
        ):
            return Part(question, ranking, entry_id=best.entry_id)
        # Only a question about something else, or one that fits no entry beside a request for
        # the numbers, is named as unanswered: one the bot is merely unsure of may be a word
        # the patient added. A sentence ending in a full stop tells rather than asks ("ek doctor
        # bollen boyosh beshi, arekjon bolen somossa nai."): it is not quoted back either.
        told = question.rstrip().endswith((".", "।"))
        fits_nothing = numbers and ranking.probability < NOT_ANSWERED_BELOW and (
            self._own_topic(question))
        return Part(question, ranking,
                    unanswered=not told and (ranking.out_of_scope or fits_nothing))

    def reply(self, text: str, lang: Lang, form: Form, conversation: str,
              alarm: bool = False) -> Reply | None:
        """One reply to every question, or None when the whole-message path should answer.
        Under the 999 line (`alarm`), a question the bot is not sure of is named as not
        answered: whoever writes in an emergency must not take silence for an answer ("Can stem
        cell help his breathing muscles?" while his breathing fails)."""
        parts = self.parts(text)
        if len(parts) < 2:
            return None
        checked = self._checked_by_whole(text, parts)
        if checked is None:
            return None
        parts, alone = checked
        if alarm:
            parts = [replace(p, unanswered=True) if _unsure(p) else p for p in parts]
        entry_ids = tuple(dict.fromkeys(p.entry_id for p in parts if p.entry_id))
        unanswered = [p for p in parts if p.unanswered]
        asks_numbers = any(p.appointment for p in parts)
        if alone and len(entry_ids) == 1 and not (unanswered or asks_numbers):
            # The one question the bot is sure of, answered as a message asking only it is.
            part = next(p for p in parts if p.entry_id)
            answer = self._desk.answer(entry_ids[0], lang, conversation, form)
            ranking = part.ranking
            return replace(answer, ranking=ranking,
                           confidence=ranking.probability if ranking else 1.0)
        if len(entry_ids) >= 2 or (entry_ids and (unanswered or asks_numbers)):
            return self._answers(parts, entry_ids, unanswered, asks_numbers, lang, form,
                                 conversation, self._desk.named_branch(text))
        if unanswered and asks_numbers:
            numbers = self._desk.appointment(lang, form, asked=text)
            note = self._not_in_article(unanswered, lang)
            return replace(numbers, text=f"{note}\n\n{numbers.text}", unanswered=True)
        return None

    def _checked_by_whole(self, text: str, parts: list[Part]) -> tuple[list[Part], bool] | None:
        """The parts as the whole message confirms them, the one the whole reading is sure of
        first; None when the questions must not be answered apart.

        A question cut out of its message loses what the message is about: "do you have a cord
        blood bank, and what is the cost?" is out of scope as a whole, and "what is the cost?"
        alone is not. So in a message out of scope as a whole only a question with an article
        topic of its own is answered (`_beside_another_subject`). When the whole reading
        (without the request for the numbers) is sure of an entry, that entry answers the
        question that ranks it first, or else the question that ranks it close to its first,
        sure or not; it must be among the answers unless every question is very sure of its
        own. When the whole reading is unsure, only questions the bot is very sure of stand on
        their own (`_sure_alone`): then one sure answer is worth giving alone (True)."""
        whole_text = " ".join(p.question for p in parts if not p.appointment)
        if len(whole_text) < len(text) and any(p.appointment for p in parts):
            text = whole_text  # "…and the Savar number?" dilutes the reading of the rest
        text = without_numbering(text)
        whole = self._desk.matcher.rank(text, limit=frontdesk.DID_YOU_MEAN_CHOICES)
        if whole.out_of_scope:
            if self._desk.matcher.about_another_illness(text):
                return None  # "…autism আছে… এটা কি সত্যি?? কোথায় দেয়?": all about autism
            beside = self._beside_another_subject(parts)
            return None if beside is None else (beside, False)
        if whole.best is None or whole.probability < frontdesk.ANSWER_PROBABILITY:
            if self._each_sure_of_its_own(parts, sure=BLEND_PROBABILITY):
                return parts, False  # "is it safe & how much does it cost?": a blend, unsure
            return self._sure_alone(parts, {m.entry_id for m in whole.matches}), True
        main = whole.best.entry_id
        confirmed = [
            replace(p, entry_id=main, unanswered=False)
            if not p.entry_id and p.ranking and p.ranking.best
            and p.ranking.best.entry_id == main and not p.ranking.out_of_scope else p
            for p in parts
        ]
        if any(p.entry_id == main for p in confirmed):
            return sorted(confirmed, key=lambda p: p.entry_id != main), False
        asked = [p for p in parts if not p.appointment]
        # The question whose reading comes close to the whole's entry is asking about it,
        # unless it reads as one of its own entry's phrasings ("how do the cells help"): then
        # the whole reading, torn between the questions' entries, blends them.
        close = [p for p in asked if p.ranking and p.ranking.best and not p.ranking.out_of_scope
                 and any(m.entry_id == main and m.score >= p.ranking.best.score
                         * frontdesk.CLOSE_RATIO for m in p.ranking.matches)]
        phrased = [p for p in close if p.entry_id and _as_phrased(p)]
        close = [p for p in close if p not in phrased]
        if phrased and not close and _torn_between(whole, asked):
            return parts, False
        if close:
            weakest = min(close, key=lambda p: p.ranking.probability if p.ranking else 0.0)
            confirmed = [replace(p, entry_id=main, unanswered=False) if p is weakest else p
                         for p in parts]
            return sorted(confirmed, key=lambda p: p.entry_id != main), False
        if self._each_sure_of_its_own(parts):
            return parts, False  # each sure of its own entry: the whole reads a blend
        return None

    @staticmethod
    def _each_sure_of_its_own(parts: list[Part], sure: float = SURE_ALONE_PROBABILITY) -> bool:
        """Every question (the numbers aside) is `sure` of an entry, and no two of the same."""
        asked = [p for p in parts if not p.appointment]
        entries = [p.entry_id for p in asked]
        return len(asked) >= 2 and len(set(entries)) == len(entries) and all(
            p.entry_id and p.ranking and p.ranking.probability >= sure for p in asked)

    def _beside_another_subject(self, parts: list[Part]) -> list[Part] | None:
        """The parts of a message out of scope as a whole. A question naming an article topic
        of its own ("…r stem cell therapy er cost koto?") is answered; one naming none ("do you
        have a cord blood bank, and what is the cost?") belongs to the other subject. Only when
        that subject is a question of the message: an illness told in the story ("Abba had a
        stroke…") makes every question about it."""
        if not any(p.ranking and p.ranking.out_of_scope for p in parts):
            return None if any(p.entry_id for p in parts) else parts
        # "ডায়াবেটিস থাকলে কি স্টেম সেল দেওয়া যায়? আর দীর্ঘমেয়াদে কোনো ঝুঁকি আছে কি?": the other
        # subject is asked about beside stem cells, so the message is still about them, and
        # a question with a topic of its own is theirs.
        beside = all(p.question in self._topics for p in parts
                     if p.ranking and p.ranking.out_of_scope)
        return [p if not p.entry_id or p.question in self._topics
                or (beside and self._own_topic(p.question))
                else replace(p, entry_id=None) for p in parts]

    def _sure_alone(self, parts: list[Part], blend: set[str]) -> list[Part]:
        """When the whole reading is unsure, only questions with a topic of their own stand on
        their own ("…wheelchair kothay pabo, dam kemon?": the price is the wheelchair's), and
        only those the bot is very sure of, or two or more sure of entries the whole reading is
        torn between (`blend`, its first few). The others are named as not answered only as
        `_decide` named them: one the bot is unsure of may be the same question said on."""
        own = [p for p in parts if p.entry_id and self._own_topic(p.question)]
        torn = {p.entry_id for p in own if p.entry_id in blend}
        standing = {p.question for p in own if p.ranking and (
            (p.ranking.probability >= SURE_ALONE_PROBABILITY
             and (p.ranking.evidence or {}).get("unknown_asking", 0.0) <= MAX_UNKNOWN_ALONE)
            or (len(torn) >= 2 and p.entry_id in torn))}
        return [p if p.ranking is None or p.question in standing else replace(p, entry_id=None)
                for p in parts]

    def _own_words(self, question: str) -> set[str]:
        """Its words that name something and that few entries share: not "stem cell", "help",
        "please explain"."""
        return set(topic_words(question)) & set(self._desk.matcher.topic_words(question))

    def _own_topic(self, question: str) -> bool:
        """It names what it asks about: an article topic, or words enough to be more than an
        aspect of something said elsewhere ("and the cost?", "is it all permanent")."""
        return question in self._topics or len(topic_words(question)) >= OWN_TOPIC_WORDS

    def _answers(
        self,
        parts: list[Part],
        entry_ids: tuple[str, ...],
        unanswered: list[Part],
        asks_numbers: bool,
        lang: Lang,
        form: Form,
        conversation: str,
        branch: str | None = None,
    ) -> Reply:
        """One reply with every answer; the numbers once, the branch the patient named
        (`branch`) first, as the reply to a request for the numbers alone puts it."""
        desk = self._desk
        entries = [desk.kb.entries[e] for e in entry_ids]
        sections = [f"{e.title[lang]}\n{e.answer[lang]}" for e in entries]
        if unanswered:
            sections.append(self._not_in_article(unanswered, lang))
        # The numbers once: for an answer the hospital must complete, a question the article
        # does not answer, or a request for them. The same block the 999 reply leaves out.
        call_us = desk._call_us(lang, first=branch) if (
            unanswered or asks_numbers or any(e.call_us for e in entries)
        ) else ""
        ending = call_us + desk._disclaimer(lang, conversation)
        read_more: tuple[Choice, ...] = ()
        if len("\n\n".join(sections) + ending) > MAX_REPLY_CHARS:
            sections = [f"{e.title[lang]}\n{first_paragraph(e.answer[lang])}" for e in entries]
            sections += [self._not_in_article(unanswered, lang)] if unanswered else []
            read_more = tuple(desk.read_more(e, lang) for e in entries)
        first = desk.answer(entry_ids[0], lang, conversation, form)
        follow_ups = tuple(c for c in first.choices if c.entry_id not in entry_ids)
        ranking = next(p.ranking for p in parts if p.entry_id == entry_ids[0])
        return replace(
            first,
            text="\n\n".join(sections) + ending,
            title=None,  # a heading per answer, in the text
            choices=read_more + follow_ups,
            entry_ids=entry_ids,
            unanswered=bool(unanswered),
            confidence=ranking.probability if ranking else 1.0,
            ranking=ranking,
        )

    def _not_in_article(self, parts: list[Part], lang: Lang) -> str:
        _ = self._desk.catalogs(lang).gettext
        quoted = [p.question if len(p.question) <= MAX_QUOTE
                  else p.question[: MAX_QUOTE - 1].rstrip() + "…" for p in parts]
        return "\n".join([
            _("The article does not answer this part of your message:"),
            *(f"“{q}”" for q in quoted),
        ])


def _torn_between(whole: Ranking, asked: list[Part]) -> bool:
    """Each question is answered by an entry of its own, and the whole reading ranks every one
    of them among its first few: it reads a blend of the questions, and its first entry is no
    question's ("how do the cells help, and which cells do they use?" reads as "does it
    work")."""
    answers = [p.entry_id for p in asked]
    among = {m.entry_id for m in whole.matches}
    return (len(answers) >= 2 and len(set(answers)) == len(answers)
            and all(a is not None and a in among for a in answers))


def _joined_on(question: str, text: str) -> bool:
    """Whether a joining word ("and", "ar", "আর") stands just before `question` in `text`."""
    at = text.find(question)
    before = tokenize(text[:at]) if at > 0 else []
    return bool(before) and before[-1].lower() in JOINING_WORDS


def _unsure(part: Part) -> bool:
    """A question asked (not told: no full stop) that got no answer, nor asks for numbers."""
    return not (part.entry_id or part.appointment or part.ranking is None
                or part.question.rstrip().endswith((".", "।")))


def _as_phrased(part: Part) -> bool:
    """The question reads as one of the knowledge base's own phrasings of its entry."""
    evidence = part.ranking.evidence if part.ranking else None
    return (evidence or {}).get("near_asking", 0.0) >= AS_PHRASED


def _with_context(question: str, text: str) -> str:
    """A short question with the sentence told just before it: "…showed improvement but not in
    daily activities. What improved exactly?" asks about that study."""
    at = text.find(question)
    if at <= 0 or (len(key_words(question)) >= CONTEXT_BELOW_WORDS
                   and not _POINTING_BACK & set(tokenize(question))):
        return question
    before = sentences(text[:at])
    if not before or is_question(before[-1]):
        return question
    return f"{before[-1]} {question}"




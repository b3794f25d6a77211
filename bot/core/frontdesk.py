"""The front-desk core: a patient's message in, a reply out. Knows nothing about Telegram.

Order of checks, and why:
1. danger (`bot.core.danger`): when someone is in danger now, the 999 line comes first; the
   question is still answered after it, so the alarm never costs the patient their answer. The
   story of an old injury raises no alarm;
2. appointment words: the numbers are what the patient asked for (with the answer to a question
   asked beside them, when the matcher is sure of it);
3. courtesies (hello, thanks, bye): set aside, and the rest is matched; the courtesy is the reply
   only when little or nothing answerable is left ("hi, is it safe?" is answered);
4. the matcher: the calibrated probability that its first entry is right decides between an
   answer, a "did you mean" (only when two or three entries are genuinely close) and the honest
   fallback with both numbers. Out-of-scope questions always get the fallback.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

import regex

from bot.core.conversation import MAX_CONTEXT_QUESTION, NEW, Context
from bot.core.danger import Danger, DangerCheck, DangerDetector
from bot.core.i18n import Catalogs
from bot.core.knowledge import Entry, KnowledgeBase, load_knowledge_base
from bot.core.language import (
    FormDetector,
    clauses,
    is_question,
    key_words,
    normalize_text,
    reply_language,
    sentences,
    tokenize,
)
from bot.core.matcher import Learned, Match, Matcher, Ranking
from bot.core.questions import topic_words
from bot.core.triggers import PhraseSet, word_key
from bot.core.vocabulary import Form, Lang, ReplyKind

# Decisions on the matcher's calibrated probability that its first entry is right. Chosen on
# tests/eval/stories.yaml with bench/calibrate.py, which prints the trade-off for each value:
# above ANSWER the bot answers; below it, it asks "did you mean" when two or three entries are
# genuinely close (each within CLOSE_RATIO of the best score) and the probability that one of
# them is meant is at least SUGGEST; otherwise it says honestly that it has no answer.
ANSWER_PROBABILITY = 0.4
SUGGEST_PROBABILITY = 0.2
CLOSE_RATIO = 0.85
DID_YOU_MEAN_CHOICES = 3
COURTESY_MAX_EXTRA_WORDS = 3
ABOUT_THE_DANGER_WORDS = 2
# A message this short may lean on the last answer ("and his arms?", "r khoroch?", "তাহলে কী
# করব?"); a longer one carries its own question.
FOLLOW_UP_MAX_WORDS = 6
FOLLOW_UP_LEAD = 0.2
# An answer asked for "in short" keeps its first sentences up to about this many characters.
IN_SHORT_CHARS = 300
# A question about meaning is about the last answer when this share of its words is that
# answer's ("rare mane ekebare kom?": "rare" is; "ekebare kom" is the patient's reading of it).
MEANT_SHARE = 0.5
# A turn quoting the last answer may say this much more: what the writer makes of it.
QUOTING_MAX_WORDS = 14
# Words in quotes: '…', ‘…’, "…", “…”; not the apostrophe of "can't".
_QUOTED = regex.compile(r"(?<![\p{L}\p{M}])['‘\"“]([^'‘’\"“”]{2,60}?)['’\"”](?![\p{L}\p{M}])")
# A title word's stem is at least this long: "trial" finds "trials", "ai" finds nothing.
TITLE_STEM = 4
# A message the bot could answer alone that points back ("tahole ki lav?") takes the entry the
# chat leads to only when that entry's own score comes this close to the best one's.
FOLLOW_UP_CLOSE = 0.6
LAST_LEAD = 0.2
TOPICLESS_OWN = 0.2
# A turn naming this many things of its own is about them, however it points back ("why…?").
OWN_TOPIC_WORDS = 3
# ... and, with "why", this many that the last answer did not say ("why do some people get
# seizures after a head injury?" after the cost).
POINTS_BACK_WORDS = 2
IN_ANSWER = 1.0
FOLLOW_UPS = 3
# Patients may paste long texts; the matcher and the phrase lists read at most this much (the
# beginning, where the story starts, and the end, where the question is). The longest of the
# 846 evaluation messages has 233 characters; 800 keeps a 4,096-character message of garbage
# under 20 ms (bench/bench_long_message.py).
MAX_TEXT = 800
# A question beside a request for the numbers names at least this many things of its own.
OWN_QUESTION_WORDS = 2
# Show the "information, not medical advice" line at most this often per conversation.
DISCLAIMER_EVERY_SECONDS = 30 * 60
_REMEMBERED_CONVERSATIONS = 10_000
_FIGURE = re.compile(r"\d\d")  # two digits or more, in any script
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")
_AGE = re.compile(r"\d{1,3}")
_CLAUSES = re.compile(r"[,;?!.।]")


class Courtesy(StrEnum):
    """Kinds of courtesy, weakest first: "hello, salam" is a salam, "thanks, bye" a goodbye,
    and "hi, are you a bot?" is asking whether a person is there."""

    HELLO = "greeting"
    NAMASKAR = "namaskar"
    ADAB = "adab"
    SALAM = "salam"
    THANKS = "thanks"
    BYE = "farewell"
    ALLAH_HAFEZ = "allah_hafez"
    IDENTITY = "identity"


@dataclass(frozen=True)
class Choice:
    """An entry the patient can pick next (a button in Telegram, a number in the terminal)."""

    entry_id: str
    label: str


@dataclass(frozen=True)
class Reply:
    kind: ReplyKind
    text: str
    lang: Lang
    form: Form
    title: str | None = None  # shown in bold above the text where the channel can
    choices: tuple[Choice, ...] = ()
    entry_id: str | None = None
    confidence: float = 0.0  # the calibrated probability behind an answer or suggestion
    ranking: Ranking | None = field(default=None, repr=False)  # what the matcher found
    # For an emergency: what the question earned after the 999 line (answer, did-you-mean,
    # fallback), or None when nothing was asked.
    then: ReplyKind | None = None
    danger: Danger = Danger.NONE
    # What to remember of the chat for the next message (bot.core.conversation).
    context: Context = NEW
    entry_ids: tuple[str, ...] = ()  # every entry answered, first = entry_id (bot.core.multi)
    unanswered: bool = False  # a question of the message has no answer in the article


def _cap(text: str) -> str:
    if len(text) <= MAX_TEXT:
        return text
    head = MAX_TEXT // 3
    return text[:head] + "\n" + text[-(MAX_TEXT - head) :]


def _names_something(text: str) -> bool:
    """Words, or a figure from the article ("62", "48.9%"). A digit alone ("1", "২") is a
    patient picking from a list the bot did not send, or a stray key: it names no entry."""
    return any(c.isalpha() for c in text) or _FIGURE.search(text) is not None


def asks_something(text: str, besides: PhraseSet | None = None) -> bool:
    """Whether a sentence of `text` asks something, other than the questions in `besides`.
    A clause asks on its own beside one of those ("stem cell কি আসলেই আশা, ওরে কি বলব?")."""
    return any(
        is_question(sentence) and not (besides and sentence in besides and not any(
            is_question(clause) and clause not in besides
            for clause in clauses(sentence)))
        for sentence in sentences(text)
    )


class FrontDesk:
    def __init__(
        self,
        kb: KnowledgeBase,
        catalogs: Catalogs,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kb = kb
        self.catalogs = catalogs
        self.matcher = Matcher(kb)
        self.danger = DangerDetector(kb)
        banglish_words = {w for e in kb.entries.values() for q in e.questions[Form.BANGLISH]
                          for w in tokenize(q)}
        english_words = {w for e in kb.entries.values() for q in e.questions[Form.EN]
                         for w in tokenize(q)}
        self.detector = FormDetector(banglish_words, english_words)
        self._appointment = self._phrases("appointment")
        self._refers_back = self._phrases("refers_back")
        self._how_long = self._phrases("how_long")
        self._how_many = self._phrases("how_many")
        self._meaning = self._phrases("meaning")
        self._say_again = self._phrases("say_again")
        self._tell_more = self._phrases("tell_more")
        self._title_words = {e.id: frozenset(w for title in e.title.values()
                                             for w in key_words(title))
                             for e in kb.entries.values()}
        self._family = self._phrases("family")
        self._acknowledgement = self._phrases("acknowledgement")
        self._asked_by = [(self._phrases(e.asked_by), e.id)
                          for e in kb.entries.values() if e.asked_by]
        self._follows_on = self._phrases("follows_on")
        self._then: dict[str, list[tuple[PhraseSet, str]]] = {
            e.id: [(self._phrases(kind), target) for kind, target in e.then]
            for e in kb.entries.values() if e.then}
        self._what_to_do = self._phrases("what_to_do")
        self._not_covered_after = PhraseSet(
            p for phrases in kb.after_an_answer.values() for p in phrases)
        self._courtesy = {kind: self._phrases(kind.value) for kind in Courtesy}
        self._address = self._phrases("address")
        self._filler = self._phrases("courtesy_filler")
        self._asides = self._phrases("aside")
        self._courtesies = PhraseSet(
            p for kind in Courtesy for phrases in kb.triggers[kind.value].values() for p in phrases
        )
        self._clock = clock
        from bot.core.multi import MultiQuestions  # here: multi builds on this module
        self._multi = MultiQuestions(self)
        self._disclaimed: OrderedDict[str, float] = OrderedDict()
        # A branch is named by the words of its name no other branch shares ("Savar",
        # "কল্যাণপুর"), or its id.
        shared = set.intersection(*(
            {w for name in c.name.values() for w in name.split()} for c in kb.clinics))
        # Words that alone name a branch, or ask for the numbers ("number?", "কল্যাণপুরে?").
        self._branch_alone = PhraseSet(
            w for c in kb.clinics for n in (c.id, *c.name.values()) for w in n.split()
            if w not in shared)
        self._numbers_alone = self._phrases("appointment_alone")
        self._branch_names = {
            c.id: PhraseSet([c.id, *(w for name in c.name.values() for w in name.split()
                                     if w not in shared)])
            for c in kb.clinics
        }

    def relearn(self, learned: Iterable[Learned]) -> None:
        """Use what staff taught (issue 9) from the next message on. Builds a new matcher (about
        half a second: call it off the event loop) and swaps it in whole."""
        self.matcher = Matcher(self.kb, self.matcher.calibration, learned)

    def context_of_answer(self, text: str, context: Context = NEW) -> Context:
        """The context of an earlier answer of ours, found by the entry title it shows (a
        patient replying to it in Telegram), or `context` unchanged when it shows none."""
        lines = [line.strip(" *:") for line in text.splitlines() if line.strip()]
        for entry in self.kb.entries.values():
            for title in entry.title.values():
                if title.strip(" :") in lines:
                    return context.answered((entry.id,), title, entry.related[:FOLLOW_UPS])
        return context

    def _numbers_asked(self, text: str, context: Context) -> str | None:
        """What a message of nothing but a branch's name or a word for the numbers asks:
        "number?" (alone, or as its last sentence) asks for the numbers. A branch's name alone
        asks the last question again, for that branch: after the numbers, the numbers
        ("Kallyanpur er ta?"); after an answer, that answer ("savar e?" after the cost); after
        "the article does not say", the same. None for any other message."""
        if self._only(text, self._branch_alone):
            if context.after is ReplyKind.ANSWER and context.last:
                return context.last
            if context.after is ReplyKind.FALLBACK:
                return ReplyKind.FALLBACK
            return ReplyKind.APPOINTMENT
        parts = sentences(text)
        if parts and self._only(parts[-1], self._branch_alone, self._numbers_alone):
            return ReplyKind.APPOINTMENT
        return None

    @staticmethod
    def _only(text: str, *phrases: PhraseSet) -> bool:
        """Whether `text` is made of these phrases alone, besides words that say nothing
        ("er", "ta", "and")."""
        rest = text
        for phrase_set in phrases:
            rest = phrase_set.remove(rest)
        return rest != " ".join(tokenize(normalize_text(text))) and not key_words(rest)

    def _reply_for_numbers(
        self, asked: str, question: str, lang: Lang, form: Form, conversation: str,
        context: Context
    ) -> tuple[Reply, str]:
        if asked == ReplyKind.APPOINTMENT:
            return self.appointment(lang, form, asked=question), question
        if asked == ReplyKind.FALLBACK:
            return self.fallback(lang, form), question
        # The answer again, about that branch: its call-us line carries the numbers.
        return (self.answer(asked, lang, conversation, form),
                f"{context.question} {question}")

    def _phrases(self, kind: str) -> PhraseSet:
        return PhraseSet(p for phrases in self.kb.triggers[kind].values() for p in phrases)

    # -- the main entry point -------------------------------------------------------------

    def reply(
        self,
        text: str,
        conversation: str,
        chosen: Lang | None = None,
        usual: Lang | None = None,
        context: Context = NEW,
    ) -> Reply:
        """Turn one message into a reply.

        `conversation` identifies the chat (for not repeating the disclaimer); `chosen` is the
        language the patient picked, if any: otherwise the message's own language decides, and
        `usual` (their Telegram language, say) when the message gives no clue ("hlw", "ok bye").
        `context` is what the chat said before (the last answers, an old injury told); the
        reply carries the context to keep for the next message.
        """
        # Cap first: repairing a pasted essay word by word costs more than answering it.
        text = normalize_text(_cap(text), matching=True)
        # A message with no clue of its own ("kallyanpur e?") follows the chat's language.
        usual = context.lang or usual
        default = Form.BANGLISH if usual is Lang.BN else Form.EN
        form = self.detector.detect(text, default=default) if text else default
        lang = chosen or reply_language(form)
        # From here on, spoken forms ("পইড়া গেছে", "khaiya falaise") read as standard ones.
        text = self.kb.spoken.standardize(text)
        danger = self.danger.check(text, old_story=context.old_story, alarmed=context.alarmed)
        reply, asked_as = self._understand(text, lang, form, conversation, context,
                                           alarm=danger.alarm)
        about_the_danger = self._about_the_emergency(text, reply, context)
        if about_the_danger and not danger.alarm:
            danger = DangerCheck(Danger.NOW)
        if danger.alarm:
            # A question about the danger itself gets no article text after the 999 line.
            asked = not about_the_danger and asks_something(text, besides=self._what_to_do)
            reply = self._emergency(danger, reply, asked)
        else:
            reply = replace(reply, danger=danger.level)
        return replace(reply, context=self.context_after(context, reply, asked_as))

    def _about_the_emergency(self, text: str, reply: Reply, context: Context) -> bool:
        """Right after a 999 reply, asking what to do about it ("should we lift him onto a
        rickshaw?", "999 e phone dile ashbe?", "hospital e nibo?": `what_to_do` in
        faq/triggers.yaml) asks about the danger: 999 again, and no article answer read into
        it from the chat, unless the bot is sure of one on the message's own words."""
        # A question of a word or two ("hospital?", "ambulance?") asks about it too.
        if not context.alarmed or not (
                text in self._what_to_do
                or (asks_something(text) and len(key_words(text)) <= ABOUT_THE_DANGER_WORDS)):
            return False
        if reply.kind in (ReplyKind.GREETING, ReplyKind.APPOINTMENT):
            return False
        return reply.kind is not ReplyKind.ANSWER or (reply.confidence or 0.0) < ANSWER_PROBABILITY

    @staticmethod
    def context_after(context: Context, reply: Reply, asked_as: str) -> Context:
        """The chat's context once `reply` went out: its answers remembered, with the question
        they answered as it was read (an answer opened by a button: its title)."""
        answered = reply.kind is ReplyKind.ANSWER or (
            reply.kind is ReplyKind.EMERGENCY and reply.then is ReplyKind.ANSWER)
        if answered and reply.entry_id:
            context = context.answered(reply.entry_ids or (reply.entry_id,), asked_as,
                                       tuple(c.entry_id for c in reply.choices))
        elif reply.kind is ReplyKind.FALLBACK and asked_as:
            # Kept to read a bare follow-up with: "autism e stem cell kaj kore?" unanswered,
            # then "r spinal injury te?".
            context = replace(context, question=asked_as[-MAX_CONTEXT_QUESTION:])
        return replace(context, lang=reply.lang,
                       old_story=context.old_story or reply.danger is Danger.OLD_INJURY,
                       alarmed=reply.kind is ReplyKind.EMERGENCY, after=reply.kind)

    def _understand(
        self, text: str, lang: Lang, form: Form, conversation: str, context: Context,
        alarm: bool = False,
    ) -> tuple[Reply, str]:
        """The reply, and the question as it was read (with the last one, for a follow-up)."""
        # "Assalamu alaikum, is it safe?" is a question: match it without the salam. When what
        # is left asks nothing ("thanks bhai, we will talk it over in the family"), or is a word
        # or two the bot cannot answer ("thanks a lot, doctor"), the courtesy was the message.
        courtesy = next((kind for kind in reversed(Courtesy) if text in self._courtesy[kind]),
                        None)
        question = self._courtesies.remove(text) if courtesy else text
        # "Innalillah… tobe tar pesab-paikhana?", "Dada bolse…": what is asked, without what
        # is said to God or who relays it.
        if question in self._asides:
            question = self._asides.remove(question)
        # What is left may be only the words around a courtesy ("…sir", "ভাই?", "reply den na
        # kene", "মানুষ নাকি রোবট?"): then the courtesy was the message, however sure the
        # matcher would be of a word or two.
        if courtesy and self._only_filler(question):
            return self.greeting(lang, form, courtesy), text
        # A short turn right after an answer is one thought leaning on it ("sub acute? what
        # mean boss", "embryo cell? halal or not?"), unless one sentence joins two things the
        # bot is sure of ("স্টেম সেল কি নিরাপদ আর খরচ কত").
        leaned = self._leaned_on(text, context) is not None
        answers = None if leaned and len(sentences(text)) > 1 else self._multi.reply(
            text, lang, form, conversation, alarm)
        if answers is not None and leaned and (len(answers.entry_ids) < 2 or answers.unanswered):
            answers = None
        if answers is not None:
            # "only 10 people? so how far can we trust that?" right after the Muse trial: the
            # answer just given is not given again, beside a new one or alone (then the turn is
            # read as one question, against the chat).
            others = [e for e in answers.entry_ids if e != context.last]
            repeats = len(others) < len(answers.entry_ids) and (
                not answers.unanswered and answers.kind is ReplyKind.ANSWER)
            if not repeats or len(others) > 1:
                return answers, text  # two or three questions, each answered or named unanswered
            if others:
                return replace(self.answer(others[0], lang, conversation, form),
                               ranking=answers.ranking, confidence=answers.confidence), text
        if text in self._appointment or self._asks_where_a_branch_is(text):
            return self._appointment_and_answer(text, lang, form, conversation), text
        if courtesy and not asks_something(text):
            return self.greeting(lang, form, courtesy), text
        if text in self._acknowledgement and self._only(
                text, self._acknowledgement, self._courtesies):
            return self.greeting(lang, form, Courtesy.THANKS), text  # "ok", "bujhlam"
        numbers = self._numbers_asked(question, context)
        if numbers is not None:
            return self._reply_for_numbers(numbers, question, lang, form, conversation, context)
        # Every entry ranked: a follow-up weighs them all (_as_follow_up); "did you mean" takes
        # the close ones of the first three.
        ranking = (self.matcher.rank(question, limit=len(self.kb.entries))
                   if _names_something(question) else None)
        kind, matches = self._decide(ranking)
        # Beside a courtesy, a few words the bot cannot answer ("…I want to ask something for
        # my musalli", "need talk about my brother", "I am Hasina from Kishoreganj") say who is
        # writing, not what they ask. Names and places are words no phrasing has.
        if courtesy and kind is not ReplyKind.ANSWER and not (
            self.matcher.about_another_topic(question)) and (
            len(self.matcher.known_words(self._filler.remove(question)))
            <= COURTESY_MAX_EXTRA_WORDS
        ):
            return self.greeting(lang, form, courtesy), text
        short = False
        if simpler := self._asks_again(question, context, self._say_again):
            kind, matches, short = ReplyKind.ANSWER, (Match(simpler, 0.0),), True
        elif more := self._asks_again(question, context, self._tell_more):
            kind, matches = ReplyKind.ANSWER, (Match(more, 0.0),)  # in full
        elif meant := self._asks_what_it_meant(question, context):
            kind, matches = ReplyKind.ANSWER, (Match(meant, 0.0),)
        elif ranking is not None and (self._asks_only_how_long(question, context, ranking,
                                                             kind is ReplyKind.ANSWER)
                                    or self._asks_what_is_not_covered(question, context)):
            kind, matches = ReplyKind.FALLBACK, ()
        elif (asked := self._asked_next(question, context) or (
                self._asked_after_a_story(question, context)
                if ranking is not None and not ranking.out_of_scope else None)):
            kind, matches = ReplyKind.ANSWER, (Match(asked, 0.0),)
        elif quoted := self._quotes_the_answer(question, context):
            kind, matches = ReplyKind.ANSWER, (Match(quoted, 0.0),)
        elif ranking is not None and (again := self._asked_again(question, ranking, context,
                                                                 kind is ReplyKind.ANSWER)):
            question, kind, matches = again
        elif ranking is not None:
            followed = self._as_follow_up(question, ranking, context,
                                          sure=kind is ReplyKind.ANSWER)
            if followed is not None:
                # Answered from the context: the confidence logged stays the message's own,
                # so staff reviewing weak answers see these too.
                question, match = followed
                kind, matches = ReplyKind.ANSWER, (match,)
        if kind is ReplyKind.ANSWER:
            reply = self.answer(matches[0].entry_id, lang, conversation, form, short=short)
        elif kind is ReplyKind.DID_YOU_MEAN:
            reply = self._did_you_mean(lang, form, matches)
        else:
            reply = self.fallback(lang, form)
        if ranking is None:
            return reply, question
        return replace(reply, ranking=ranking, confidence=ranking.probability), question

    def _own_topic(self, question: str) -> list[str]:
        """The words of a message that name a topic: not the words pointing back ("sure?",
        "tahole"), nor those many entries share ("mane?", "how many patients?"), nor the asker
        and the patient ("amra", "ammur"), nor the patient's age ("abbur case e? uni 60")."""
        words = self.matcher.topic_words(self._without_chat_words(
            self._how_many.remove(question)))
        if question in self._family:
            words = [w for w in words if not _AGE.fullmatch(w)]
        return words

    def _without_chat_words(self, text: str) -> str:
        """`text` without the words that lean on the chat: pointing back ("sure?"), drawing a
        consequence ("tahole"), the asker and the patient ("amra", "ammur")."""
        return self._family.remove(self._follows_on.remove(self._refers_back.remove(text)))

    def _asks_only_how_long(
        self, question: str, context: Context, ranking: Ranking, sure: bool
    ) -> bool:
        """A short turn in a chat asking only how long or how often ("r koto din?", "for how
        many years?", "কত দিন পর পর?"): the article gives no such figure for a patient. So does
        one that asks it of the last answer's subject ("how many days a week physio then?"
        after physiotherapy, "কয়বার আসা লাগবো?" after the check-ups). One that asks something
        else too, or that the bot is sure names another entry, is read as usual ("what is sub
        acute? how many months is that", "how long do they keep checking him after the
        treatment?" after the long-term risks)."""
        rest = self._how_long.remove(question)
        if (not context.last or question not in self._how_long
                or len(key_words(rest)) > FOLLOW_UP_MAX_WORDS):
            return False
        if not self._own_topic(rest):
            return True
        if any(is_question(s) and s not in self._how_long for s in sentences(question)):
            return False
        best = ranking.best
        if best is None or best.entry_id == context.last:
            return True
        # Another entry: read as usual when the bot is sure of it, or when the last answer
        # leads to it ("how long must we keep watching then?" after safety: the long-term risks).
        return not sure and best.entry_id not in self._near(context)

    @staticmethod
    def _leaned_on(question: str, context: Context) -> str | None:
        """The answer just given, when the turn is short enough to lean on it."""
        return context.last if len(key_words(question)) <= FOLLOW_UP_MAX_WORDS else None

    def _asks_again(self, question: str, context: Context, asking: PhraseSet) -> str | None:
        """The last answer, when a short turn asks for it again by a phrase of `asking` and
        says nothing beside it but words the knowledge base does not know ("…boss", "…ভাই"):
        simpler ("so in short?", "সহজ করে বলেন": `say_again`) or on ("aro bolen", "তারপর?",
        "tell me more": `tell_more`)."""
        last = self._leaned_on(question, context)
        if last is None or context.alarmed or question not in asking:
            return None
        rest = self._own_topic(asking.remove(question))
        return None if self.matcher.known_words(" ".join(rest)) else last

    def _asks_what_it_meant(self, question: str, context: Context) -> str | None:
        """A short turn asking what words of the last answer mean ("sensory mane?",
        "Sub-acute means how many months?", "blind? mane ki chokh bondho"): that answer again,
        whose words they are, however strongly another entry owns them."""
        last = self._leaned_on(question, context)
        if last is None or context.alarmed or question not in self._meaning:
            return None
        words = tokenize(normalize_text(question))
        hits = self._meaning.hits([word_key(w) for w in words])
        # The term asked about stands before "mane"/"means" in its clause when anything does
        # ("blind? mane ki chokh bondho", "এক গ্রেড উন্নতি কলেন, ওই গ্রেডটা কী জিনিস?"); what
        # follows is the patient's reading of it.
        clause = next(c for c in _CLAUSES.split(question) if c in self._meaning)
        clause_words = tokenize(normalize_text(clause))
        at = self._meaning.hits([word_key(w) for w in clause_words])[0].start
        before = " ".join(clause_words[:at])
        asked = ((before if topic_words(before) else "") or " ".join(words[:hits[0].start])
                 or self._meaning.remove(question))
        term = self._own_topic(self._how_long.remove(asked))
        if not term:
            # Words many entries share ("trial") name no topic, but may name a title: "tahole
            # oi trial ta ki jinish?" after the clinics asks what a clinical trial is.
            return self._titled(asked, besides=last)
        said = self.matcher.in_answer(term, last)
        # A term that another entry is named by is asked of that entry: "৬২টা ট্রায়াল মানে
        # কী?" after the success rate asks what the 62 trials found. So is a reading of it
        # that names another entry: "ভালা হওয়া মানে কি হাঁটবার পারা?" asks about walking.
        titled = any(sum(_in_title(w, title) for w in term) >= MEANT_SHARE * len(term)
                     for entry_id, title in self._title_words.items() if entry_id != last)
        named = titled
        reading = " ".join(words[hits[0].end:])
        if self.matcher.known_words(" ".join(self._own_topic(reading))):
            ranked = self.matcher.rank(reading)
            named = named or (ranked.best is not None and not ranked.out_of_scope
                              and ranked.best.entry_id != last
                              and ranked.probability >= ANSWER_PROBABILITY)
        if said >= MEANT_SHARE and not named:
            return last
        return self._titled(asked, besides=last) if titled else None

    def _quotes_the_answer(self, question: str, context: Context) -> str | None:
        """A turn that quotes words of the last answer and asks about them ("what is this
        'motor'?", "‘ফলো-আপ কম’ মানে কি? কয় বছর দেখেছে তাহলে?"): that answer again, or the
        entry whose title the quoted words fill. A writer who quotes has read the answer."""
        last = context.last
        if last is None or context.alarmed or len(key_words(question)) > QUOTING_MAX_WORDS:
            return None
        quoted = " ".join(m.group(1) for m in _QUOTED.finditer(question))
        term = self._own_topic(quoted)
        means = question in self._meaning
        if not term or not (means or is_question(question)):
            return None
        # Without "means", the rest of the turn must ask nothing of its own: "You wrote 'a
        # substantial subset'. How many out of 100 is that?" asks the success rate.
        if not means and self._own_topic(_QUOTED.sub(" ", question)):
            return None
        titled = self._titled(quoted, besides=last)
        if titled is not None:
            return titled
        return last if self.matcher.in_answer(term, last) >= MEANT_SHARE else None

    def _titled(self, text: str, besides: str) -> str | None:
        """The entry (not `besides`) whose title holds the words `text` names."""
        words = [w for w in topic_words(self._without_chat_words(text))
                 if len(w) >= TITLE_STEM or w.isdigit()]
        titled = {entry_id for entry_id, title in self._title_words.items()
                  if words and entry_id != besides and all(_in_title(w, title) for w in words)}
        # Of several ("trial"), the title it fills most: "Clinical trials", not "Muse cell
        # trial (10 people)".
        def filled(entry_id: str) -> float:
            return max(sum(any(_same_stem(w, t) for w in words) for t in title)
                       / len(title)
                       for title in map(key_words, self.kb.entries[entry_id].title.values())
                       if title)

        return max(sorted(titled), key=filled, default=None)

    def _near(self, context: Context) -> set[str]:
        """The last answer's entry and what follows on from it: its follow-up buttons and the
        further relations of its entry (faq/*.yaml `related`)."""
        last = self.kb.entries.get(context.last or "")
        return {e for e in (context.last, *context.offered, *(last.related if last else ())) if e}

    def _asks_what_is_not_covered(self, question: str, context: Context) -> bool:
        """A short turn right after an answer that asks what the article does not cover (faq/
        out-of-scope.yaml `after_an_answer`: "kisti te dewa jay?" after the cost, "india te
        gele?", "ছোটদের ক্ষেত্রে?"): the honest fallback, however close the last answer's words."""
        return (self._leaned_on(question, context) is not None
                and question in self._not_covered_after)

    def _asked_next(self, question: str, context: Context) -> str | None:
        """The entry a short turn of a calm chat asks by its phrase alone, when it names no
        topic of its own: what the last answer leads to (`then` in faq/*.yaml: after "does it
        work", "how many patients?"), or what the phrase asks in any chat (`asked_by`: "so
        what do we do?")."""
        if not context.last or context.alarmed:
            return None
        asked: list[tuple[PhraseSet, str]] = [*self._then.get(context.last, ()), *self._asked_by]
        for phrases, entry_id in asked:
            if question not in phrases:
                continue
            # A figure the last answer gave is no topic of the turn's own: "only 10 patients??"
            # after the trial of 10 (but "only neck injuries?" names one).
            # "…একটা আন্দাজ দেন" and "…bolte paren na?" ask politely: no topic of their own.
            topic = self._own_topic(self._filler.remove(phrases.remove(question)))
            if not topic or (all(_NUMBER.fullmatch(w) for w in topic)
                             and self.matcher.in_answer(topic, context.last) >= IN_ANSWER):
                return entry_id
        return None

    def _asked_after_a_story(self, question: str, context: Context) -> str | None:
        """A story that ends by asking only what will help ("…হাত-পা অবশ, কী করলে ভালো
        হবে?", "…cannot move his legs, what will make him better?") asks whether to try stem
        cells and who decides (`asked_by`), not what the injury does to a body."""
        if context.alarmed:
            return None
        asking = [s for s in sentences(question) if is_question(s)]
        if len(asking) != 1:
            return None
        *story, clause = clauses(asking[0])
        if any(is_question(part) for part in story if part.strip()):
            return None
        for phrases, entry_id in self._asked_by:
            if clause in phrases and not self._own_topic(phrases.remove(clause)):
                return entry_id
        return None

    def _asked_again(
        self, question: str, ranking: Ranking, context: Context, sure: bool
    ) -> tuple[str, ReplyKind, tuple[Match, ...]] | None:
        """After the honest fallback, a short turn with no topic of its own, or none the bot
        can answer, asks the last question again about something else ("autism e stem cell
        kaj kore?", then "r spinal injury te?"): read together with it, and answered only
        when that reading is sure and in scope."""
        if (context.after is not ReplyKind.FALLBACK or not context.question
                or len(key_words(question)) > FOLLOW_UP_MAX_WORDS or ranking.out_of_scope):
            return None
        if sure and self._own_topic(question):
            return None
        # The subject the turn names takes the place of the one the article does not cover:
        # "r spinal injury te?" asks "stem cell kaj kore?" of a spinal injury, not of autism.
        both = f"{self.matcher.without_off_topic(context.question)} {question}"
        kind, matches = self._decide(self.matcher.rank(both, limit=len(self.kb.entries)))
        return (both, kind, matches) if kind is ReplyKind.ANSWER else None

    def _as_follow_up(
        self, question: str, ranking: Ranking, context: Context, sure: bool
    ) -> tuple[str, Match] | None:
        """A short message read against the last answer: the question as read (the last one
        with it) and the entry that answers it, or None when its own reading stands.

        A message the bot cannot answer alone ("and his arms?", "r potty?", "তাহলে কী করব?")
        leans on the chat. So does one it could answer whose words are weak: one that points
        back ("is that proven?", "tahole ki lav?", "so no change in motor in that one?") or has
        no topic of its own ("mane?", "how many patients?"); a word it shares with another
        entry must not outweigh the chat. A message naming a topic the article does not cover
        stays unanswered: context never overrides a message's own topic."""
        if not context.last or len(key_words(question)) > FOLLOW_UP_MAX_WORDS:
            return None
        if ranking.out_of_scope or ranking.best is None:
            return None
        topic = self._own_topic(question)
        topicless = not topic
        follows_on = question in self._follows_on
        # About the last answer itself: it points back, names only what that answer said, or
        # names nothing ("mane?", "how many patients?") without drawing a consequence.
        said = bool(topic) and self.matcher.in_answer(topic, context.last) >= IN_ANSWER
        # "why?" points back, but "why do some people get seizures after a head injury?" asks
        # about what it names, none of which the last answer said.
        points_back = question in self._refers_back and (
            len(topic) < POINTS_BACK_WORDS or self.matcher.in_answer(topic, context.last) > 0)
        about_last = points_back or (topicless and not follows_on) or said
        leans = about_last or follows_on or topicless
        if sure and not leans:
            return None
        # Its own words decide, with a lead for what follows on from the last answer (its
        # follow-up buttons and the further relations of its entry, faq/*.yaml `related`), and
        # for the last answer itself when the message points back to it.
        near = self._near(context)

        def weight(m: Match) -> float:
            return (m.score * (TOPICLESS_OWN if topicless else 1.0)
                    + FOLLOW_UP_LEAD * (m.entry_id in near)
                    + LAST_LEAD * (about_last and m.entry_id == context.last))

        best = max(ranking.matches, key=weight)
        if best.entry_id not in near:
            return None
        if sure and (best is ranking.best or (
                not (topicless or said) and best.score < FOLLOW_UP_CLOSE * ranking.best.score)):
            return None  # its own reading is clearly ahead: "is it a cure or not?"
        return f"{context.question} {question}", best

    def _only_filler(self, text: str) -> bool:
        return not key_words(self._filler.remove(text))

    def _asks_where_a_branch_is(self, text: str) -> bool:
        """"Where is the Savar branch?", "কল্যাণপুর শাখা কোথায়?": the front desk knows."""
        return text in self._address and any(
            text in names for names in self._branch_names.values())

    def _appointment_and_answer(
        self, text: str, lang: Lang, form: Form, conversation: str
    ) -> Reply:
        """The numbers, and the answer to a question asked beside them ("will it help his
        bladder? and your appointment number?"): asking for the numbers must not cost the
        patient their question. Only a question of its own (with its question mark: "হবে" or
        "can" alone also open stories) that names no appointment counts, and only an answer
        the matcher is sure of."""
        appointment = self.appointment(lang, form, asked=text)
        other = " ".join(s for s in sentences(text) if "?" in s
                         and s not in self._appointment and not self._asks_where_a_branch_is(s))
        # "লেখা নাই? …নম্বর দেন" leans on the last answer: no question of its own.
        if len(self.matcher.topic_words(other)) < OWN_QUESTION_WORDS:
            return appointment
        ranking = self.matcher.rank(other, limit=1)
        kind, matches = self._decide(ranking)
        if kind is not ReplyKind.ANSWER:
            return appointment
        answer = self.answer(matches[0].entry_id, lang, conversation, form)
        if not self.kb.entries[matches[0].entry_id].call_us:
            answer = replace(answer, text=f"{answer.text}\n\n{appointment.text}")
        return replace(answer, ranking=ranking, confidence=ranking.probability)

    @staticmethod
    def _decide(ranking: Ranking | None) -> tuple[ReplyKind, tuple[Match, ...]]:
        if ranking is None or ranking.best is None or ranking.out_of_scope:
            return ReplyKind.FALLBACK, ()
        best = ranking.best
        if ranking.probability >= ANSWER_PROBABILITY:
            return ReplyKind.ANSWER, (best,)
        close = tuple(m for m in ranking.matches if m.score >= best.score * CLOSE_RATIO)
        # One candidate the bot is unsure of is not a choice: a single-button "did you mean"
        # is a question the bot should either answer or admit it cannot.
        if len(close) >= 2 and ranking.probability >= SUGGEST_PROBABILITY:
            return ReplyKind.DID_YOU_MEAN, close[:DID_YOU_MEAN_CHOICES]
        return ReplyKind.FALLBACK, ()

    # -- replies that adapters also ask for directly (buttons, commands) -------------------

    def answer(
        self,
        entry_id: str,
        lang: Lang,
        conversation: str,
        form: Form | None = None,
        short: bool = False,
    ) -> Reply:
        """The entry's answer; `short`: its first sentences and a button for the rest ("so in
        short?", "সহজ করে বলেন" right after it)."""
        entry = self.kb.entries[entry_id]
        text = in_short(entry.answer[lang]) if short else entry.answer[lang]
        more = (self.read_more(entry, lang),) if short and text != entry.answer[lang] else ()
        if entry.call_us:
            # The article says nothing about IBN-SINA's services: the hospital itself must answer.
            text += self._call_us(lang)
        text += self._disclaimer(lang, conversation)
        return Reply(
            kind=ReplyKind.ANSWER,
            text=text,
            lang=lang,
            form=form or Form(lang.value),
            title=entry.title[lang],
            choices=more + self._follow_ups(entry, lang),
            entry_id=entry_id,
            confidence=1.0,
            entry_ids=(entry_id,),
        )

    def read_more(self, entry: Entry, lang: Lang) -> Choice:
        """The button that opens the whole answer of an entry shown in part."""
        _ = self.catalogs(lang).gettext
        return Choice(entry.id, _("Read more: {title}").format(title=entry.title[lang]))

    def appointment(self, lang: Lang, form: Form | None = None, asked: str = "") -> Reply:
        """Both branches' numbers; the branch `asked` names, if one, first."""
        _ = self.catalogs(lang).gettext
        # "Where is the Kallyanpur branch?": the numbers answer it, but only after saying
        # plainly that the bot has no address to give.
        no_address = [_("I can't tell you where the branches are; the front desk can.")
                      ] if asked and asked in self._address else []
        text = "\n".join([
            *no_address,
            _("To make an appointment, please call one of our branches:"),
            self.numbers(lang, first=self.named_branch(asked)),
        ])
        return Reply(ReplyKind.APPOINTMENT, text, lang, form or Form(lang.value))

    def named_branch(self, text: str) -> str | None:
        """The one branch `text` names ("…the Savar number?"), if it names exactly one."""
        named = [c.id for c in self.kb.clinics if text in self._branch_names[c.id]]
        return named[0] if len(named) == 1 else None

    def greeting(
        self, lang: Lang, form: Form | None = None, courtesy: Courtesy = Courtesy.HELLO
    ) -> Reply:
        _ = self.catalogs(lang).gettext
        if courtesy in (Courtesy.BYE, Courtesy.ALLAH_HAFEZ):
            # "Allah hafez" only to who said it: a Hindu family's "ভালো থাকবেন" gets "take care".
            goodbye = (_("Allah hafez. Take care of yourself and your family.")
                       if courtesy is Courtesy.ALLAH_HAFEZ
                       else _("Take care of yourself and your family."))
            text = "\n".join([goodbye, _("If you have another question, write to me any time.")])
        elif courtesy is Courtesy.IDENTITY:
            text = "\n".join([self.about(lang), "", _("To talk to a person, please call:"),
                              self.numbers(lang)])
        elif courtesy is Courtesy.THANKS:
            # Thanks come mid-conversation: the bot has introduced itself already.
            text = "\n".join([
                _("You're welcome. I wish you and your family strength."),
                _("If you have another question, write to me any time."),
                "",
                self.numbers(lang),
                "",
                self.emergency_line(lang),
            ])
        else:
            # A greeting is returned in kind: a salam with its answer, নমস্কার and আদাব as given.
            first = {
                Courtesy.SALAM: _("Wa alaikum assalam!"),
                Courtesy.NAMASKAR: _("Namaskar!"),
                Courtesy.ADAB: _("Adab!"),
            }.get(courtesy, _("Hello!"))
            text = "\n".join([first, self.about(lang), "", self.numbers(lang)])
        return Reply(ReplyKind.GREETING, text, lang, form or Form(lang.value))

    def fallback(self, lang: Lang, form: Form | None = None) -> Reply:
        _ = self.catalogs(lang).gettext
        topics = "\n".join(f"• {section.title[lang]}" for section in self.kb.sections)
        text = "\n".join(
            [
                _("Sorry, I don't have an answer to that."),
                _(
                    "I can only answer from an article about stem-cell therapy for spinal "
                    "cord injury. It covers:"
                ),
                topics,
                "",
                _("For anything else, please call us:"),
                self.numbers(lang),
                "",
                self.emergency_line(lang),
            ]
        )
        return Reply(ReplyKind.FALLBACK, text, lang, form or Form(lang.value), unanswered=True)

    def about(self, lang: Lang) -> str:
        """What the bot is and is not, then the emergency line (greetings, /start, /help, the
        terminal). A relative must not mistake it for a member of staff."""
        _ = self.catalogs(lang).gettext
        return "\n".join(
            [
                _("I am IBN-SINA's automated information bot, not a person and not a doctor."),
                _(
                    "I answer questions about stem-cell therapy for spinal cord injury from one "
                    "published article."
                ),
                self.emergency_line(lang),
            ]
        )

    def alarm(self, level: Danger, lang: Lang) -> str:
        """The 999 alarm an emergency reply opens with. Adapters send it alone where the bot
        must not answer (a patient talking to the front desk), so it is public."""
        _ = self.catalogs(lang).gettext
        if level is Danger.UNSURE:
            # An injury told with no time may be an old story: say when 999 is meant.
            lines = [_(
                "🚨 If someone has just been injured, cannot breathe, has fainted or is in "
                "danger now: call 999 now or go to the nearest hospital emergency department."
            )]
        else:
            # The message says the danger is now: an instruction, not a condition.
            lines = [_("🚨 Call 999 now, or go to the nearest hospital emergency department.")]
        if level is Danger.SELF_HARM:
            # Often a relative writes about someone else ("my brother says he will end it"):
            # one line for the writer, one for whoever is with the person at risk.
            lines.append(_(
                "If you are thinking of ending your life: you are not alone, and your life "
                "matters. Please tell someone near you how you feel, right now."
            ))
            lines.append(_("If it is someone else: stay with them and do not leave them alone."))
        return "\n".join(lines)

    def emergency_line(self, lang: Lang) -> str:
        """The short 999 line that ends every reply which is not an answer: whatever the bot
        missed, a patient in danger is never left with only the appointment numbers."""
        _ = self.catalogs(lang).gettext
        return _(
            "If someone has just been injured or is in danger now, call 999 or go to the "
            "nearest emergency department."
        )

    def numbers(self, lang: Lang, first: str | None = None) -> str:
        # ASCII digits: Telegram makes them tappable, so a patient can call with one touch.
        clinics = sorted(self.kb.clinics, key=lambda c: c.id != first)
        return "\n".join(f"📞 {clinic.name[lang]}: {clinic.phone}" for clinic in clinics)

    def topic_choices(self, section_id: str, lang: Lang) -> tuple[Choice, ...]:
        section = next(s for s in self.kb.sections if s.id == section_id)
        return tuple(Choice(e, self.kb.entries[e].title[lang]) for e in section.entry_ids)

    # -- internals --------------------------------------------------------------------------

    def _emergency(self, danger: DangerCheck, question: Reply, asked: bool) -> Reply:
        """The 999 line first, then whatever the question earned: the answer, the "did you
        mean" choices, or a short word that the article has no answer."""
        lang = question.lang
        _ = self.catalogs(lang).gettext
        parts = [self.alarm(danger.level, lang)]
        parts += ["", _("For an appointment (not for emergencies):"), self.numbers(lang)]
        # Answer only what was asked: a cry for help with no question gets no article text.
        then: ReplyKind | None = question.kind if asked else None
        if then is ReplyKind.ANSWER:
            # The answer as it would have come on its own: call-us line and disclaimer included.
            # "Walking again after SCI?" stands as it is; a title without a question mark gets
            # a colon, so it reads as the heading of what follows.
            title = question.title or ""
            heading = title if title.endswith(("?", "।", "!")) else f"{title}:"
            # The numbers are above already: a second block of them is only more to read.
            # Several answers carry their headings in the text (bot.core.multi).
            parts += ["", *([heading] if title else []),
                      question.text.replace(self._call_us(lang), "")]
        elif then is ReplyKind.DID_YOU_MEAN:
            parts += ["", _("About your question: did you mean one of these?")]
        elif then is ReplyKind.FALLBACK:
            parts += ["", _("I could not find an answer to your question in the article.")]
        else:
            then = None
        return Reply(
            kind=ReplyKind.EMERGENCY,
            text="\n".join(parts).rstrip(),
            lang=lang,
            form=question.form,
            choices=question.choices if then is not None else (),
            entry_id=question.entry_id if then is not None else None,
            confidence=question.confidence,
            ranking=question.ranking,
            then=then,
            danger=danger.level,
            entry_ids=question.entry_ids if then is ReplyKind.ANSWER else (),
            unanswered=question.unanswered and asked,
        )

    def _did_you_mean(self, lang: Lang, form: Form, matches: tuple[Match, ...]) -> Reply:
        _ = self.catalogs(lang).gettext
        choices = tuple(Choice(m.entry_id, self.kb.entries[m.entry_id].title[lang])
                        for m in matches)
        # The choices may all be wrong; the numbers make sure the patient is never stuck.
        text = "\n".join([
            _("I'm not sure I understood. Did you mean one of these?"),
            _("If not, please call us:"),
            self.numbers(lang),
            "",
            self.emergency_line(lang),
        ])
        return Reply(
            kind=ReplyKind.DID_YOU_MEAN,
            text=text,
            lang=lang,
            form=form,
            choices=choices,
            entry_id=matches[0].entry_id,
        )

    def _call_us(self, lang: Lang, first: str | None = None) -> str:
        """The numbers block; the branch `first` (one the patient named) leads."""
        _ = self.catalogs(lang).gettext
        return ("\n\n" + _("To ask the hospital directly, you can call:") + "\n"
                + self.numbers(lang, first=first))

    def _follow_ups(self, entry: Entry, lang: Lang) -> tuple[Choice, ...]:
        return tuple(
            Choice(r, self.kb.entries[r].title[lang]) for r in entry.related[:FOLLOW_UPS]
        )

    def _disclaimer(self, lang: Lang, conversation: str) -> str:
        now = self._clock()
        last = self._disclaimed.get(conversation)
        if last is not None and now - last < DISCLAIMER_EVERY_SECONDS:
            return ""
        self._disclaimed[conversation] = now
        self._disclaimed.move_to_end(conversation)
        if len(self._disclaimed) > _REMEMBERED_CONVERSATIONS:
            self._disclaimed.popitem(last=False)
        _ = self.catalogs(lang).gettext
        return "\n\nℹ️ " + _(
            "This is general information from a published article, not medical advice. "
            "Please talk to a doctor about the patient's own case."
        )


def _same_stem(word: str, title_word: str) -> bool:
    """`word` is `title_word` in any ending: "trial" of "trials", "gredta" (গ্রেডটা, the grade)
    of "gred"."""
    return word == title_word or (
        min(len(word), len(title_word)) >= TITLE_STEM
        and (word.startswith(title_word) or title_word.startswith(word)))


def _in_title(word: str, title: frozenset[str]) -> bool:
    """A word of a title, in any ending: "trial" of "Clinical trials"."""
    return word in title or any(_same_stem(word, t) for t in title)


def first_paragraph(answer: str) -> str:
    """An answer's opening paragraph: what it says before its details."""
    return answer.split("\n\n")[0].split("\n")[0]


def in_short(answer: str) -> str:
    """An answer asked for "in short": its opening paragraph, and of a long one its first
    sentences, up to about a phone screen's worth."""
    opening = first_paragraph(answer)
    kept: list[str] = []
    for sentence in sentences(opening):
        if kept and len(" ".join([*kept, sentence])) > IN_SHORT_CHARS:
            break
        kept.append(sentence)
    return " ".join(kept) or opening


def build_front_desk(faq_dir: Path, locales_dir: Path) -> FrontDesk:
    """The one way adapters get a front desk: the knowledge base and catalogs from disk."""
    return FrontDesk(load_knowledge_base(faq_dir), Catalogs(locales_dir))

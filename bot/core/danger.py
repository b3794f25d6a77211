"""Is someone in danger now? An event and its time, not a word.

Relatives usually open with the story of an injury that happened months or years ago ("my son
fell from a tree two years ago, he cannot move his legs…") and ask their question last. Those
stories must get their answer without a 999 alarm; danger happening now must get 999 first. The
phrase lists live in `faq/triggers.yaml` (read after the spoken-Bangla layer, so "পইড়া গেছে" is
"পড়ে গেছে"); this module weighs them, sentence part by sentence part:

- a cry for help ("জরুরি!", "help please") that is the whole message: an alarm;
- self-harm: always an alarm;
- an emergency (a danger in itself: not breathing, unconscious, a stroke, a seizure, heavy
  bleeding, poison, and the emergencies of people living with SCI): an alarm, unless its own
  part dates it long ago ("he had a seizure last year"), it is told in the past inside the
  story of an old injury ("in 2019 he fell; that day he was unconscious"), or it is asked about
  ("what if he has a seizure after it?", "is there a risk of bleeding?");
- an injury event (fell, an accident, dived): an alarm when its part, or else the message, says
  it is recent; none inside the story of an old injury; none when it is the topic of a question
  ("how long after an accident should it be given?"); an alarm, to be safe, when it is told with
  no time at all;
- a condition (cannot move his legs, no feeling, numb): what living with an old injury is like,
  so an alarm only when its own part says it began just now or today.
A story's time applies to the whole story: a message with a long-ago time and no recent one is
an old story, even in its parts that name no time. A time can be counted ("2 bosor", "আজ ৮ মাস",
"9 mnths since": a number and a unit, not an age), and what follows "that day" is told of that
day until the message comes back to now. Living with an injury (physiotherapy, a wheelchair, a
catheter) dates a story too, except for a fall from that wheelchair. An injury said of patients
in general ("রোগীদের নিয়ে…", "people with a neck injury") is a topic, not an event.
In a dated story a verb in the past tells that day to the end of its sentence, and a line telling
how the patient lives now ("Ekhon C6 injury", "now ok") closes the story before it. A danger only
imagined ("if he ever falls…"), a side effect asked of stem cells, or a message that says nothing
is happening ("general question, nothing urgent") raises no alarm, unless it tells a time of now
or a danger going on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import regex

from bot.core.knowledge import KnowledgeBase
from bot.core.language import ascii_digits, is_question
from bot.core.triggers import Hit, PhraseSet, message_keys, word_key
from bot.core.vocabulary import Form


class Danger(StrEnum):
    NONE = "none"
    OLD_INJURY = "old_injury"  # a story about an injury long ago: answer, no alarm
    UNSURE = "unsure"  # injury words and no time: 999 first, to be safe
    NOW = "now"
    SELF_HARM = "self_harm"


_ALARMS = frozenset({Danger.UNSURE, Danger.NOW, Danger.SELF_HARM})

# Sentences and clauses: the time words of one sentence date the danger words of that sentence.
# A writer who does not punctuate still says where the story ends and today begins: "now"
# ("গত মাসে মাথায় ব্যথা পাইছিল এখন হঠাৎ খিঁচুনি উঠছে") opens a sentence of its own.
_NOW = r"(?:now|ekhon|ekhn|akhon|akn|এখন|এহন|অখন)"
_CLAUSE_END = regex.compile(
    rf"[.!?।;,\n]+|\s[-–—]+\s"
    rf"|(?<!(?:^|\s)(?:just|right|till|until|by|from|for|ei|এই|এইমাত্র)\s*)\s+(?={_NOW}(?![\p{{L}}\p{{M}}]))",
    regex.IGNORECASE)
_SENTENCE_END = regex.compile(r"[.!?।\n]|^\s+$")
# A calendar year ("in 2019", "২০২১ সালে", "2020 e") dates a story as well as any phrase does.
# "জরুরি!" or "help please" alone is a cry for help; in a longer message, or a question
# ("ফিজিওথেরাপি কি জরুরি?", "is physiotherapy necessary?"), it is not.
CRY_FOR_HELP_WORDS = 3
ASKED_MAX_WORDS = 14
_YEAR = regex.compile(r"^(?:19[5-9]\d|20[0-4]\d)$")
_COUNT = regex.compile(r"^\d{1,2}(?!\d)")
_LEVEL = regex.compile(r"^[ctl]\d{1,2}$")
# Past-tense endings, Bangla ("পড়ছিল", "হয়েছিলো") and Banglish ("porsilo", "hoyechilo"): the
# word lists in faq/triggers.yaml ("past") cannot hold every verb.
_PAST_ENDING = regex.compile(r"(?:ছিল|ছিলো|ছিলেন|ছিলাম|silo|cilo|silen|cilen|silam|cilam)$")
# Present progressive endings ("হচ্ছে", "করতেছে", "hocche", "hoitese", and the Urdu "kaanp raha";
# "kapche" is not one: "-che" is also the perfect of an old story's "pore geche"): the message
# is back at now.
_PRESENT_ENDING = regex.compile(
    r"(?:চ্ছে|চ্ছেন|তেছে|তাছে|তেসে|তাসে|cce|cche|tese|tase|tece|tace)$|^(?:raha|rahi|rahe)$")
# Present words that also ask in general ("why do patients have…", "does the hospital keep
# statistics…"), and the writers themselves ("as per our training", "I want to print it"):
# asking for an article or a class names no patient.
_AUXILIARY = frozenset(map(word_key, ("has", "have", "does", "doesnt")))
_DESCRIBING = _AUXILIARY | frozenset(map(word_key, ("is", "are")))
_WRITER = frozenset(map(word_key, ("i", "me", "we", "us", "our", "ami", "amra", "amader", "আমি",
                                   "আমরা", "আমাদের")))
# "is it common?", "are there data?": a present word that opens a question asks.
_ASKED_OF = frozenset(map(word_key, ("it", "there", "this", "that")))


def _asks_by(keys: Sequence[str], hit: Hit) -> bool:
    return hit.end < len(keys) and keys[hit.end] in _ASKED_OF


@dataclass(frozen=True)
class DangerCheck:
    level: Danger
    phrase: str | None = None  # the phrase that decided it, for tests and debugging

    @property
    def alarm(self) -> bool:
        return self.level in _ALARMS


@dataclass(frozen=True)
class _Times:
    """When the parts of a message happen (`DangerDetector._story_times`)."""

    recent: list[bool]  # told as now
    past: list[bool]  # told of that day, in a story
    living: list[bool]  # daily life with the injury
    dated: bool  # a story of long ago, nothing recent
    story: bool  # an old story, dated or lived with
    calm: bool  # the writer says nothing is happening now


class DangerDetector:
    def __init__(self, kb: KnowledgeBase) -> None:
        def phrases(kind: str, shorthand: bool = False, by_ear: bool = False) -> PhraseSet:
            return PhraseSet((p for by_form in kb.triggers[kind].values() for p in by_form),
                             known=kb.known_words if shorthand or by_ear else None,
                             shorthand=shorthand,
                             banglish=frozenset(kb.triggers[kind].get(Form.BANGLISH, ())))

        # SMS shorthand ("pr gse", "rkt") is read only by the lists that raise an alarm: read
        # by those that calm one (a story's time, "if", patients in general), a word typed
        # short would silence a real emergency ("chle", a son, is not "sale", a year). Bangla
        # spelt by ear is read by a story's time words too ("গত বসর", "হেদিন"): a writer who
        # spells her emergencies so spells her old stories so.
        self._cry_for_help = phrases("cry_for_help", shorthand=True)
        self._self_harm = phrases("self_harm", shorthand=True)
        self._emergency = phrases("emergency", shorthand=True)
        self._hypothetical = phrases("hypothetical")
        self._injury = phrases("injury", shorthand=True)
        self._condition = phrases("condition", shorthand=True)
        self._past = phrases("past", by_ear=True)
        self._what_to_do = phrases("what_to_do", shorthand=True)
        self._recent = phrases("recent", shorthand=True)
        self._duration = phrases("duration", shorthand=True)
        self._sudden = phrases("sudden", shorthand=True)
        self._long_ago = phrases("long_ago", by_ear=True)
        self._that_day = phrases("that_day", by_ear=True)
        self._present = phrases("present")
        self._living_with = phrases("living_with")
        self._people = phrases("people")
        self._general = phrases("general")
        self._writing_about = phrases("writing_about")
        self._family = phrases("family")
        self._treatment = phrases("treatment")
        self._calm = phrases("calm")
        self._fine_now = phrases("fine_now")
        self._lasting = phrases("lasting")
        self._not_emergency = phrases("not_emergency")
        self._unit = phrases("time_unit", by_ear=True)
        self._counted = phrases("counted", by_ear=True)
        self._age = phrases("age")

    def _counted_time(self, keys: Sequence[str], recent: list[Hit]) -> tuple[bool, set[int]]:
        """Whether `keys` count a time in months or years ("2 bosor", "৮ মাস", "2yrs"), and
        where a "today" (one of `recent`, the clause's recent words) stands just before the
        count ("আজ ৮ মাস": eight months, as of today)."""
        counted = {hit.start for hit in self._counted.hits(keys)}
        units = {hit.start for hit in self._unit.hits(keys)}
        ages = {hit.start for hit in self._age.hits(keys)}
        dated_at = {hit.start for hit in self._long_ago.hits(keys)}
        todays_at = {hit.start for hit in recent}
        found = False
        todays: set[int] = set()
        for i, key in enumerate(keys):
            digits = _COUNT.match(ascii_digits(key))
            if digits and digits.end() < len(key):  # "2irs": the unit in the same word
                unit_at = i
                unit = any(hit.start == 0 for hit in self._unit.hits([key[digits.end():]]))
            elif digits or i in counted:
                unit_at = i + 1
                unit = unit_at in units
            else:
                continue
            # An age: "40 years old", and "girl 17 yrs", "son (9 yrs)" unless told as a time
            # ("son 2 yrs ago fell").
            if not unit or unit_at + 1 in ages or (i - 1 in ages and unit_at not in dated_at):
                continue
            found = True
            if i - 1 in todays_at:
                todays.add(i - 1)
        return found, todays

    def _lasts(self, keys: Sequence[str], found: tuple[list[Hit], list[Hit], list[Hit]],
               living: bool) -> bool:
        """Whether a clause tells how the patient lives with the injury: an injury, a
        condition, daily life with it, or its level ("C6", "T12")."""
        return (bool(found[1] or found[2] or self._lasting.hits(keys)) or living
                or any(_LEVEL.match(key) for key in keys))

    def _opens_a_condition(self, keys: Sequence[str]) -> bool:
        """A clause that opens by imagining ("suppose … some day", "যদি কোনদিন", "dhoren jodi
        konodin"): two such words, one first. "If he doesn't wake up, what do we do?" has one:
        a parent in fear, not a question about a someday."""
        hits = self._hypothetical.hits(keys)
        return len(hits) >= 2 and any(hit.start == 0 for hit in hits)

    def _imagined(self, i: int, clauses: Sequence[Sequence[str]], parts: Sequence[str]) -> bool:
        """Clause `i` imagines a danger and the message asks about it after it."""
        return self._opens_a_condition(clauses[i]) and any(map(is_question, parts[i + 1:]))

    def _still_going(self, keys: Sequence[str]) -> bool:
        """Told as going on, not merely in the present tense of a question or a description
        ("what is autonomic dysreflexia?", "some clients have seizure history")."""
        return any(map(_PRESENT_ENDING.search, keys)) or any(
            h.phrase not in _DESCRIBING for h in self._present.hits(keys))

    def _story_times(
        self, parts: Sequence[str], clauses: Sequence[Sequence[str]],
        sentence_ends: Sequence[bool], found: Sequence[tuple[list[Hit], list[Hit], list[Hit]]],
        recent: list[bool], long_ago: list[bool], old_story: bool,
    ) -> _Times:
        """When each part of a message happens, as its story tells it: now, or that day."""
        living = [bool(self._living_with.hits(keys)) for keys in clauses]
        past = [bool(self._past.hits(keys)) or any(map(_PAST_ENDING.search, keys))
                for keys in clauses]
        # Told as now: "now", "is", "ekhon", or a present progressive ("hoitese", "kaanp raha").
        going_on = [bool(self._present.hits(keys)) or any(map(_PRESENT_ENDING.search, keys))
                    for keys in clauses]
        # What follows "that day" is that day's until the message comes back to now ("Oi din
        # hush silo na, nak diye rokto porse. Ekhon L2 injury"), and a message that does come
        # back tells an old story, dated or not ("সেদিন শ্বাসকষ্টে… বর্তমানে স্থিতিশীল"). In a
        # dated story, a verb in the past does the same to the end of its sentence ("8 months
        # back she slipped. I found her not breathing properly, lips going blue"); "…was
        # paralysed. He stopped breathing, lips blue, help!" and "4 bchr age komor bhangse.
        # sokal thk prsb nai" are now.
        dated_early = (old_story or any(long_ago)) and not any(recent)
        then = recalled = told = False
        for i, keys in enumerate(clauses):
            if self._that_day.hits(keys):
                then, told = True, False
            elif dated_early and past[i]:
                then = told = True
            elif going_on[i] or recent[i]:
                recalled = recalled or (then and not recent[i] and not told)
                then = False
            past[i] = past[i] or then
            if told and sentence_ends[i]:
                then = told = False
        # Bangla puts the verb last: in a dated story, a sentence that ends in the past ("…মুখ
        # লাল, ঘামে ভিজ্যা গেছিলো।") told its earlier parts in the past too, back to the
        # sentence's start or to a part told as now.
        if dated_early:
            starts = [i == 0 or sentence_ends[i - 1] for i in range(len(clauses))]
            for i in reversed(range(len(clauses))):
                if not (past[i] and not self._that_day.hits(clauses[i])) or starts[i]:
                    continue
                j = i - 1
                while j >= 0 and not (going_on[j] or recent[j]):
                    past[j] = True
                    if starts[j]:
                        break
                    j -= 1
        # In a dated story, what comes before a line telling how the patient lives now is the
        # story's ("…kono hush nai, lungi rokte bhija. Ekhon T12 injury", "…now ok"), unless
        # it is told as going on ("…hoitese"). A line asking what to do, naming a danger or
        # only saying where they are ("we are at home") is no such line.
        back = [i for i, keys in enumerate(clauses)
                if self._fine_now.hits(keys) or (self._present.hits(keys) and (
                    long_ago[i] or (self._lasts(keys, found[i], living[i])
                                    and not (is_question(parts[i]) or found[i][0]
                                             or self._what_to_do.hits(keys)))))]
        if dated_early and back:
            for i in range(back[-1]):
                past[i] = past[i] or not going_on[i]
        # A span of minutes or hours is now ("since 20 min he can't breathe"), unless it is
        # told in the past of an old story ("that day he lay 40 min on the ground").
        old = (old_story or any(long_ago) or recalled) and not any(recent)
        recent = [now or (bool(self._duration.hits(keys)) and not (old and told_then))
                  for now, keys, told_then in zip(recent, clauses, past, strict=True)]
        dated = (old_story or any(long_ago) or recalled) and not any(recent)
        story = (dated or any(living)) and not any(recent)
        # "General question, nothing urgent: …" names dangers as topics, unless a time of now
        # is told too, or a danger told as going on ("…he is having a seizure, what to do?").
        calm = (not any(recent) and any(self._calm.hits(keys) for keys in clauses)
                and not any(self._what_to_do.hits(keys) or (self._still_going(keys) and any(hits))
                            for keys, hits in zip(clauses, found, strict=True)))
        return _Times(recent=recent, past=past, living=living, dated=dated, story=story,
                      calm=calm)

    def _asks_in_general(
        self, clauses: Sequence[Sequence[str]], sentence_ends: Sequence[bool],
        recent: Sequence[bool], people: Sequence[bool],
    ) -> list[bool]:
        """Whether each clause asks about dangers in general: it asks so or speaks of patients
        in general ("why do some people get seizures after a head injury?"), or its sentence
        writes or counts about them ("the term 'autonomic dysreflexia'…", "kitnashok kheye
        bishkriya, bochore koto jon mara jay?"); and the sentence names nobody ("my", "he",
        "abbu"; the writer's own "I" may ask) and tells nothing going on now or recent, nor
        asks what to do."""
        result: list[bool] = []
        sentence: list[int] = []
        for i in range(len(clauses)):
            sentence.append(i)
            if not sentence_ends[i] and i < len(clauses) - 1:
                continue
            about = any(self._writing_about.hits(clauses[j]) for j in sentence)
            calm = not any(
                recent[j] or self._what_to_do.hits(clauses[j])
                or any(map(_PRESENT_ENDING.search, clauses[j]))
                or any(h.phrase not in _AUXILIARY and not _asks_by(clauses[j], h)
                       for h in self._present.hits(clauses[j]))
                or any(h.phrase not in _WRITER for h in self._family.hits(clauses[j]))
                for j in sentence)
            result.extend(calm and (about or people[j] or bool(self._general.hits(clauses[j])))
                          for j in sentence)
            sentence = []
        return result

    def check(self, text: str, old_story: bool = False, alarmed: bool = False) -> DangerCheck:
        """The danger in `text`; `old_story` when the chat told of an old injury before (its
        time applies to what follows, as a story's time applies to the whole story); `alarmed`
        when the bot's last reply put the 999 line first ("what do we do??" next asks what to
        do about that danger)."""
        pieces = _CLAUSE_END.split(text)
        ends = _CLAUSE_END.findall(text)
        kept = [(part, i) for i, part in enumerate(pieces) if message_keys(part)]
        parts = [part for part, _ in kept]
        clauses = [message_keys(part) for part in parts]
        # Whether each part closes its sentence (a full stop, "?", "!", "।", a new line).
        sentence_ends = [i >= len(ends) or bool(_SENTENCE_END.search(ends[i])) for _, i in kept]
        if sum(map(len, clauses)) <= CRY_FOR_HELP_WORDS and not is_question(text):
            for keys in clauses:
                if hits := self._cry_for_help.hits(keys):
                    return DangerCheck(Danger.NOW, hits[0].phrase)
        self_harm = [self._self_harm.hits(keys) for keys in clauses]
        # Right after a 999 reply, asking what to do, or anything asked of right now ("oke ki
        # ekhon e stem cell dile valo hobe?"), is about the danger still going on.
        if alarmed and not any(self_harm):
            for keys in clauses:
                if hits := self._what_to_do.hits(keys) or self._recent.hits(keys):
                    return DangerCheck(Danger.NOW, hits[0].phrase)
        # Most messages name no danger at all: the times and the story need not be read then.
        found = [(self._emergency.hits(keys), self._injury.hits(keys),
                  self._condition.hits(keys)) for keys in clauses]
        if not any(self_harm) and not any(any(hits) for hits in found):
            return DangerCheck(Danger.NONE)
        recent_hits = [self._recent.hits(keys) for keys in clauses]
        counted = [self._counted_time(keys, hits)
                   for keys, hits in zip(clauses, recent_hits, strict=True)]
        long_ago = [
            bool(self._long_ago.hits(keys)) or any(_YEAR.match(ascii_digits(k)) for k in keys)
            or count
            for keys, (count, _) in zip(clauses, counted, strict=True)
        ]
        # "Suddenly fell from a tree three years ago": the date wins over "suddenly"; not over
        # "today" ("injured last year, since this afternoon he cannot breathe").
        # "Suddenly" dates the danger it tells, not a story's scene ("2 years ago… suddenly a
        # storm capsized the boat. He was unconscious that day").
        recent = [
            any(h.start not in todays for h in hits)
            or (bool(self._sudden.hits(keys)) and not old and any(dangers))
            for keys, hits, old, (_, todays), dangers
            in zip(clauses, recent_hits, long_ago, counted, found, strict=True)
        ]
        times = self._story_times(parts, clauses, sentence_ends, found, recent, long_ago,
                                  old_story)
        recent, past, living = times.recent, times.past, times.living
        dated, story, calm = times.dated, times.story, times.calm
        people = [bool(self._people.hits(keys)) for keys in clauses]
        general = self._asks_in_general(clauses, sentence_ends, recent, people)
        # Asked about, not told: "what if he has a seizure?", "how long after an accident…?".
        # "An accident just happened, what do I do?" asks what to do about it: told.
        # A long question that tells a story on the way ("…fell from the tree, can't move,
        # will he walk again?" with no stop in it) tells the event: only a short one asks about it.
        asked = [is_question(part) and not self._what_to_do.hits(keys)
                 and len(keys) <= ASKED_MAX_WORDS
                 for part, keys in zip(parts, clauses, strict=True)]

        # Thoughts of suicide are always an alarm; an attempt told as the past of an old story
        # ("5 years before he drank poison, he survived, now his mind is better") is not, nor
        # suicide as a topic, asked in general with nobody named, the writer included ("ami ar
        # bachte chai na, paralysed der moddhe eta koto beshi?" is an alarm).
        writer = any(self._family.hits(keys) for keys in clauses)
        for i, hits in enumerate(self_harm):
            if hits and not (((long_ago[i] or (dated and past[i])) and not any(recent))
                             or (general[i] and not writer)):
                return DangerCheck(Danger.SELF_HARM, hits[0].phrase)
        verdict = DangerCheck(Danger.NONE)
        for i, keys in enumerate(clauses):
            not_one = [(h.start, h.end) for h in self._not_emergency.hits(keys)]
            emergencies, injuries, conditions = found[i]
            imagined = self._imagined(i, clauses, parts)
            # "stem cell give seizure?": a side effect of the treatment, asked about. Named
            # before the danger: "প্রস্রাব নাই পেট ফুলা, স্টেম সেলে ঠিক হবে?" tells it first.
            treatment = self._treatment.hits(keys)
            first_danger = min((h.start for h in emergencies), default=len(keys))
            of_treatment = (asked[i] and not recent[i]
                            and any(h.start < first_danger for h in treatment))
            for hit in emergencies:
                if any(a <= hit.start and hit.end <= b for a, b in not_one):
                    continue  # "pa er khichuni" (leg spasms), "ambulance fare koto?"
                if imagined or of_treatment or calm:
                    continue  # "যদি কোনদিন সে পড়ে যায়, তাহলে কোথায় ফোন দেব?"
                if self._that_day.hits(keys) and not self._present.hits(keys):
                    continue  # "he was on a ventilator for breathing at that time"
                if recent[i] or (any(recent) and not long_ago[i] and not past[i]):
                    return DangerCheck(Danger.NOW, hit.phrase)
                if long_ago[i] or (story and past[i]) or general[i]:
                    continue
                if (self._hypothetical.hits(keys) or people[i]) and is_question(parts[i]):
                    continue
                return DangerCheck(Danger.NOW, hit.phrase)
            for hit in injuries:
                if imagined or calm:
                    continue  # "if father ever fall again from the chair, what do?"
                if recent[i] or (any(recent) and not long_ago[i]):
                    return DangerCheck(Danger.NOW, hit.phrase)
                if people[i] or general[i]:
                    continue  # "patients injured in an accident": a topic
                # A new fall from the wheelchair is an event of its own, whatever the story.
                if long_ago[i] or dated or (story and not living[i]):
                    if verdict.level is Danger.NONE:
                        verdict = DangerCheck(Danger.OLD_INJURY, hit.phrase)
                elif not asked[i] and verdict.level is not Danger.UNSURE:
                    verdict = DangerCheck(Danger.UNSURE, hit.phrase)
            for hit in conditions:
                if recent[i] or (any(recent) and not long_ago[i] and not past[i]):
                    return DangerCheck(Danger.NOW, hit.phrase)
                if story and verdict.level is Danger.NONE:
                    verdict = DangerCheck(Danger.OLD_INJURY, hit.phrase)
        return verdict


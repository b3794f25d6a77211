"""Is someone in danger now? Telling an emergency from the story of an old injury.

Relatives usually open with the story of an injury that happened months or years ago ("my son
fell from a tree two years ago, he cannot move his legs…") and ask their question last. Those
stories must get their answer without a 999 alarm; an injury that happened just now, or a danger
in itself (a seizure, trouble breathing, heavy bleeding, thoughts of suicide), must get 999
first. The phrase lists live in `faq/triggers.yaml`; this module only weighs them:

- a cry for help ("জরুরি!", "help please") that is the whole message: an alarm;
- self-harm: always an alarm;
- an emergency phrase: an alarm, unless its own sentence dates it long ago ("he had a seizure
  last year");
- an injury phrase: an alarm when its sentence, or else the message, says it is recent; no
  alarm when the message tells it as an old story and nothing in it is recent; an alarm, to be
  safe, when no time is given at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import regex

from bot.core.knowledge import KnowledgeBase
from bot.core.language import ascii_digits, is_question
from bot.core.triggers import PhraseSet, message_keys


class Danger(StrEnum):
    NONE = "none"
    OLD_INJURY = "old_injury"  # a story about an injury long ago: answer, no alarm
    UNSURE = "unsure"  # injury words and no time: 999 first, to be safe
    NOW = "now"
    SELF_HARM = "self_harm"


_ALARMS = frozenset({Danger.UNSURE, Danger.NOW, Danger.SELF_HARM})

# Sentences and clauses: the time words of one sentence date the danger words of that sentence.
_CLAUSE_END = regex.compile(r"[.!?।;,\n]+|\s[-–—]+\s")
# A calendar year ("in 2019", "২০২১ সালে", "2020 e") dates a story as well as any phrase does.
# "জরুরি!" or "help please" alone is a cry for help; in a longer message, or a question
# ("ফিজিওথেরাপি কি জরুরি?", "is physiotherapy necessary?"), it is not.
CRY_FOR_HELP_WORDS = 3
_YEAR = regex.compile(r"^(?:19[5-9]\d|20[0-4]\d)$")


@dataclass(frozen=True)
class DangerCheck:
    level: Danger
    phrase: str | None = None  # the phrase that decided it, for tests and debugging

    @property
    def alarm(self) -> bool:
        return self.level in _ALARMS


class DangerDetector:
    def __init__(self, kb: KnowledgeBase) -> None:
        def phrases(kind: str) -> PhraseSet:
            return PhraseSet(p for by_form in kb.triggers[kind].values() for p in by_form)

        self._cry_for_help = phrases("cry_for_help")
        self._self_harm = phrases("self_harm")
        self._emergency = phrases("emergency")
        self._hypothetical = phrases("hypothetical")
        self._injury = phrases("injury")
        self._recent = phrases("recent")
        self._long_ago = phrases("long_ago")

    def check(self, text: str) -> DangerCheck:
        clauses = [keys for part in _CLAUSE_END.split(text) if (keys := message_keys(part))]
        if sum(map(len, clauses)) <= CRY_FOR_HELP_WORDS and not is_question(text):
            for keys in clauses:
                if hits := self._cry_for_help.hits(keys):
                    return DangerCheck(Danger.NOW, hits[0].phrase)
        for keys in clauses:
            if hits := self._self_harm.hits(keys):
                return DangerCheck(Danger.SELF_HARM, hits[0].phrase)
        recent = [bool(self._recent.hits(keys)) for keys in clauses]
        long_ago = [
            bool(self._long_ago.hits(keys)) or any(_YEAR.match(ascii_digits(k)) for k in keys)
            for keys in clauses
        ]
        story = any(long_ago) and not any(recent)

        verdict = DangerCheck(Danger.NONE)
        for i, keys in enumerate(clauses):
            for hit in self._emergency.hits(keys):
                # "Two years ago he had a seizure" is history; "he fell an hour ago and since
                # then he is unconscious" is not.
                if any(recent):
                    return DangerCheck(Danger.NOW, hit.phrase)
                if long_ago[i]:
                    continue
                # "What if he has a seizure after it?" asks about one: still 999 first, but
                # worded for someone who may not be in danger.
                if self._hypothetical.hits(keys):
                    verdict = DangerCheck(Danger.UNSURE, hit.phrase)
                    continue
                return DangerCheck(Danger.NOW, hit.phrase)
            for hit in self._injury.hits(keys):
                if recent[i] or (any(recent) and not long_ago[i]):
                    return DangerCheck(Danger.NOW, hit.phrase)
                if long_ago[i] or story:
                    if verdict.level is Danger.NONE:
                        verdict = DangerCheck(Danger.OLD_INJURY, hit.phrase)
                elif verdict.level is not Danger.UNSURE:
                    verdict = DangerCheck(Danger.UNSURE, hit.phrase)
        return verdict

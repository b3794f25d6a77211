"""What the bot remembers of a chat between two messages: the last answers and the story told.

Relatives chat: "will he walk again?", then "and his arms?", then "r khoroch?". The second and
third make sense only against the first. A `Context` is that memory, in the core's own terms;
the front desk reads it with each message and returns the next one with its reply
(`Reply.context`). Keeping it between messages is the caller's job: the Telegram adapter stores
it in the database for 30 minutes (a restart keeps it), the terminal keeps it in memory.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.core.vocabulary import Lang, ReplyKind

# A chat quiet for this long starts afresh: "and the cost?" an hour later is a new question.
CONTEXT_MINUTES = 30
_REMEMBERED_ANSWERS = 3
# The question kept to read a follow-up against; a pasted essay is cut to its end (the question).
MAX_CONTEXT_QUESTION = 300


@dataclass(frozen=True)
class Context:
    # The entries answered, the latest first.
    entries: tuple[str, ...] = ()
    # The question that got the latest answer, as the bot read it (spoken forms made standard),
    # or the one just left unanswered (the honest fallback).
    question: str = ""
    lang: Lang | None = None
    # The chat has told of an injury long ago: "he can't move his legs either" later in the same
    # chat is that old injury, not an emergency.
    old_story: bool = False
    # Entries of the last answer's follow-up buttons, in order (what the patient was offered).
    offered: tuple[str, ...] = field(default=())
    # The last reply put the 999 line first: "what do we do??" or "hospital e nibo?" next is
    # about that danger, and gets the 999 line again.
    alarmed: bool = False
    # What the last reply was (an answer, the appointment numbers, the honest fallback…):
    # "Kallyanpur er ta?" after the numbers asks for the numbers, after the cost the cost.
    after: ReplyKind | None = None

    @property
    def last(self) -> str | None:
        return self.entries[0] if self.entries else None

    def answered(self, entry_ids: tuple[str, ...], question: str, offered: tuple[str, ...]
                 ) -> Context:
        kept = entry_ids + tuple(e for e in self.entries if e not in entry_ids)
        return Context(
            entries=kept[:_REMEMBERED_ANSWERS],
            question=question[-MAX_CONTEXT_QUESTION:],
            lang=self.lang,
            old_story=self.old_story,
            offered=offered,
            alarmed=self.alarmed,
            after=self.after,
        )

    def to_json(self) -> str:
        return json.dumps({
            "entries": list(self.entries),
            "question": self.question,
            "lang": self.lang.value if self.lang else None,
            "old_story": self.old_story,
            "offered": list(self.offered),
            "alarmed": self.alarmed,
            "after": self.after.value if self.after else None,
        }, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str | None) -> Context:
        """The stored context; an empty one for nothing stored or anything unreadable (a
        context is a convenience: a damaged one must never cost a patient their answer)."""
        if not text:
            return NEW
        try:
            data = json.loads(text)
            return cls(
                entries=tuple(str(e) for e in data.get("entries", ())),
                question=str(data.get("question", "")),
                lang=Lang(data["lang"]) if data.get("lang") else None,
                old_story=bool(data.get("old_story", False)),
                offered=tuple(str(e) for e in data.get("offered", ())),
                alarmed=bool(data.get("alarmed", False)),
                after=ReplyKind(data["after"]) if data.get("after") else None,
            )
        except (ValueError, TypeError, AttributeError, KeyError):
            return NEW


NEW = Context()

"""The front-desk core: a patient's message in, a reply out. Knows nothing about Telegram.

Order of checks, and why:
1. emergency words: the 999 line must come first, whatever else the message asks;
2. appointment words: the numbers are what the patient asked for;
3. the matcher: a confident match is answered, with related entries as follow-ups;
4. greeting or thanks: only when the message asked nothing we could answer
   ("hi, is it safe?" is answered, not greeted);
5. a close call offers "did you mean" choices; anything else gets the honest fallback.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.i18n import Catalogs
from bot.knowledge import Entry, KnowledgeBase
from bot.language import Form, FormDetector, Lang, normalize_text, reply_language, tokenize
from bot.matcher import OUT_OF_SCOPE, Match, Matcher
from bot.triggers import PhraseSet

# Thresholds on the matcher's confidence, chosen on tests/eval/messages.yaml (see README,
# "How well it understands"): above ANSWER the top entry was right in practice, between the
# two the right entry was usually among the top three.
ANSWER_THRESHOLD = 0.50
SUGGEST_THRESHOLD = 0.30
# When the runner-up entry fits almost as well as the best, asking beats guessing.
AMBIGUOUS_RATIO = 0.9
DID_YOU_MEAN_CHOICES = 3
FOLLOW_UPS = 3
# Show the "information, not medical advice" line at most this often per conversation.
DISCLAIMER_EVERY_SECONDS = 30 * 60
_REMEMBERED_CONVERSATIONS = 10_000


class ReplyKind(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    FALLBACK = "fallback"
    EMERGENCY = "emergency"
    GREETING = "greeting"
    APPOINTMENT = "appointment"


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
    confidence: float = 0.0
    ranked: tuple[Match, ...] = field(default=(), repr=False)


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
        banglish_words = {w for e in kb.entries.values() for q in e.questions[Form.BANGLISH]
                          for w in tokenize(q)}
        english_words = {w for e in kb.entries.values() for q in e.questions[Form.EN]
                         for w in tokenize(q)}
        self.detector = FormDetector(banglish_words, english_words)
        self._triggers = {
            kind: PhraseSet(p for phrases in by_form.values() for p in phrases)
            for kind, by_form in kb.triggers.items()
        }
        self._clock = clock
        self._disclaimed: OrderedDict[str, float] = OrderedDict()

    # -- the main entry point -------------------------------------------------------------

    def reply(self, text: str, conversation: str, chosen: Lang | None = None) -> Reply:
        """Turn one message into a reply.

        `conversation` identifies the chat (for not repeating the disclaimer); `chosen` is the
        language the patient picked, if any: otherwise the message's own language decides.
        """
        text = normalize_text(text)
        form = self.detector.detect(text) if text else Form.EN
        lang = chosen or reply_language(form)
        ranked = tuple(self.matcher.rank(text, limit=DID_YOU_MEAN_CHOICES + 1)) if text else ()
        # Closest to a question the article does not answer: nothing below may answer it.
        best = ranked[0] if ranked and ranked[0].entry_id != OUT_OF_SCOPE else None
        ranked = tuple(m for m in ranked if m.entry_id != OUT_OF_SCOPE)[:DID_YOU_MEAN_CHOICES]
        confident = best is not None and best.confidence >= ANSWER_THRESHOLD and (
            len(ranked) < 2 or ranked[1].score < best.score * AMBIGUOUS_RATIO
        )

        if text in self._triggers["emergency"]:
            entry = self.kb.entries[best.entry_id] if confident and best else None
            return self._emergency(lang, form, conversation, entry, ranked)
        if text in self._triggers["appointment"]:
            return self.appointment(lang, form, ranked)
        if confident and best:
            reply = self.answer(best.entry_id, lang, conversation, form, best.confidence)
            return replace(reply, ranked=ranked)
        if text in self._triggers["greeting"] or text in self._triggers["thanks"]:
            thanks = text in self._triggers["thanks"]
            return self.greeting(lang, form, thanks=thanks, ranked=ranked)
        if best and best.confidence >= SUGGEST_THRESHOLD:
            return self._did_you_mean(lang, form, ranked)
        return self.fallback(lang, form, ranked)

    # -- replies that adapters also ask for directly (buttons, commands) -------------------

    def answer(
        self,
        entry_id: str,
        lang: Lang,
        conversation: str,
        form: Form | None = None,
        confidence: float = 1.0,
    ) -> Reply:
        entry = self.kb.entries[entry_id]
        text = entry.answer[lang] + self._disclaimer(lang, conversation)
        return Reply(
            kind=ReplyKind.ANSWER,
            text=text,
            lang=lang,
            form=form or Form(lang.value),
            title=entry.title[lang],
            choices=self._follow_ups(entry, lang),
            entry_id=entry_id,
            confidence=confidence,
        )

    def appointment(
        self, lang: Lang, form: Form | None = None, ranked: tuple[Match, ...] = ()
    ) -> Reply:
        _ = self.catalogs(lang).gettext
        text = "\n".join(
            [
                _("To make an appointment, please call one of our branches:"),
                self.numbers(lang),
                _("The front desk can also tell you the address and visiting hours."),
            ]
        )
        return Reply(ReplyKind.APPOINTMENT, text, lang, form or Form(lang.value), ranked=ranked)

    def greeting(
        self,
        lang: Lang,
        form: Form | None = None,
        thanks: bool = False,
        ranked: tuple[Match, ...] = (),
    ) -> Reply:
        _ = self.catalogs(lang).gettext
        if thanks:
            first = _("You're welcome. I wish you and your family strength.")
        else:
            first = _("Assalamu alaikum! I am the information assistant of IBN-SINA.")
        text = "\n".join([first, self.about(lang), "", self.numbers(lang)])
        return Reply(ReplyKind.GREETING, text, lang, form or Form(lang.value), ranked=ranked)

    def fallback(
        self, lang: Lang, form: Form | None = None, ranked: tuple[Match, ...] = ()
    ) -> Reply:
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
            ]
        )
        return Reply(ReplyKind.FALLBACK, text, lang, form or Form(lang.value), ranked=ranked)

    def about(self, lang: Lang) -> str:
        """What the bot is and is not, in two lines (used by greetings, /start and /help)."""
        _ = self.catalogs(lang).gettext
        return "\n".join(
            [
                _(
                    "I answer questions about stem-cell therapy for spinal cord injury, from "
                    "a published article. I am not a doctor."
                ),
                _("In an emergency, call 999 or go to the nearest emergency department."),
            ]
        )

    def numbers(self, lang: Lang) -> str:
        # ASCII digits: Telegram makes them tappable, so a patient can call with one touch.
        return "\n".join(f"📞 {clinic.name[lang]}: {clinic.phone}" for clinic in self.kb.clinics)

    def topic_choices(self, section_id: str, lang: Lang) -> tuple[Choice, ...]:
        section = next(s for s in self.kb.sections if s.id == section_id)
        return tuple(Choice(e, self.kb.entries[e].title[lang]) for e in section.entry_ids)

    # -- internals --------------------------------------------------------------------------

    def _emergency(
        self,
        lang: Lang,
        form: Form,
        conversation: str,
        entry: Entry | None,
        ranked: tuple[Match, ...],
    ) -> Reply:
        _ = self.catalogs(lang).gettext
        parts = [
            _(
                "🚨 If this is an emergency, call 999 now or go to the nearest hospital "
                "emergency department."
            ),
            "",
            _("For an appointment (not for emergencies):"),
            self.numbers(lang),
        ]
        choices: tuple[Choice, ...] = ()
        if entry:
            # The patient also asked something we can answer; answer it after the safety line.
            parts += ["", f"{entry.title[lang]}:", entry.answer[lang]]
            parts.append(self._disclaimer(lang, conversation).strip())
            choices = self._follow_ups(entry, lang)
        return Reply(
            kind=ReplyKind.EMERGENCY,
            text="\n".join(parts).rstrip(),
            lang=lang,
            form=form,
            choices=choices,
            entry_id=entry.id if entry else None,
            confidence=ranked[0].confidence if entry and ranked else 0.0,
            ranked=ranked,
        )

    def _did_you_mean(self, lang: Lang, form: Form, ranked: tuple[Match, ...]) -> Reply:
        _ = self.catalogs(lang).gettext
        choices = tuple(
            Choice(m.entry_id, self.kb.entries[m.entry_id].title[lang])
            for m in ranked
            if m.confidence >= SUGGEST_THRESHOLD
        )
        text = _("I'm not sure I understood. Did you mean one of these?")
        return Reply(
            kind=ReplyKind.DID_YOU_MEAN,
            text=text,
            lang=lang,
            form=form,
            choices=choices,
            entry_id=ranked[0].entry_id,
            confidence=ranked[0].confidence,
            ranked=ranked,
        )

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
            "Please talk to a doctor about your own case."
        )

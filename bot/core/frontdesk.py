"""The front-desk core: a patient's message in, a reply out. Knows nothing about Telegram.

Order of checks, and why:
1. emergency words: the 999 line must come first, whatever else the message asks;
2. appointment words: the numbers are what the patient asked for;
3. greeting or thanks: the courtesy words are set aside and the rest is matched; the greeting
   is the reply only when little or nothing answerable is left ("hi, is it safe?" is answered);
4. the matcher: a confident match is answered, with related entries as follow-ups;
5. a close call offers "did you mean" choices; anything else gets the honest fallback.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.i18n import Catalogs
from bot.core.knowledge import Entry, KnowledgeBase, load_knowledge_base
from bot.core.language import FormDetector, key_words, normalize_text, reply_language, tokenize
from bot.core.matcher import OUT_OF_SCOPE, Match, Matcher
from bot.core.triggers import PhraseSet
from bot.core.vocabulary import Form, Lang, ReplyKind

# Thresholds on the matcher's confidence, chosen on tests/eval/messages.yaml (README, "How well
# it understands"): above ANSWER the top entry was right in every case measured; between the
# two it was right about nine times in ten, so we ask instead of answering. Round values, not
# the last hundredth that would fit the evaluation set best.
ANSWER_THRESHOLD = 0.50
SUGGEST_THRESHOLD = 0.25
# When the runner-up entry fits almost as well as the best, asking beats guessing.
AMBIGUOUS_RATIO = 0.9
DID_YOU_MEAN_CHOICES = 3
GREETING_MAX_EXTRA_WORDS = 3
FOLLOW_UPS = 3
# Show the "information, not medical advice" line at most this often per conversation.
DISCLAIMER_EVERY_SECONDS = 30 * 60
_REMEMBERED_CONVERSATIONS = 10_000



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
        self._courtesies = PhraseSet(
            p for kind in ("greeting", "thanks") for phrases in kb.triggers[kind].values()
            for p in phrases
        )
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
        if text in self._triggers["emergency"]:
            return self._emergency(lang, form, conversation, self._rank(text))
        if text in self._triggers["appointment"]:
            return self.appointment(lang, form)
        # "Assalamu alaikum, is it safe?" is a question: match it without the salam. When what
        # is left is a few words and no confident match ("thanks a lot, doctor"), the courtesy
        # was the message.
        greeted = text in self._courtesies
        question = self._courtesies.remove(text) if greeted else text
        ranked = self._rank(question)
        best = self._confident(ranked)
        if greeted and not best and len(key_words(question)) <= GREETING_MAX_EXTRA_WORDS:
            return self.greeting(lang, form, thanks=text in self._triggers["thanks"])
        if best:
            reply = self.answer(best.entry_id, lang, conversation, form, best.confidence)
            return replace(reply, ranked=ranked)
        if ranked and ranked[0].confidence >= SUGGEST_THRESHOLD:
            return self._did_you_mean(lang, form, ranked)
        return self.fallback(lang, form, ranked)

    def _rank(self, text: str) -> tuple[Match, ...]:
        """Entries for `text`, best first; empty when it is closest to an out-of-scope question
        (then nothing may answer it)."""
        ranked = self.matcher.rank(text, limit=DID_YOU_MEAN_CHOICES) if text else []
        if ranked and ranked[0].entry_id == OUT_OF_SCOPE:
            return ()
        return tuple(ranked)

    @staticmethod
    def _confident(ranked: tuple[Match, ...]) -> Match | None:
        if not ranked or ranked[0].confidence < ANSWER_THRESHOLD:
            return None
        if len(ranked) > 1 and ranked[1].score >= ranked[0].score * AMBIGUOUS_RATIO:
            return None  # two entries fit almost equally: asking beats guessing
        return ranked[0]

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
        text = entry.answer[lang]
        if entry.call_us:
            _ = self.catalogs(lang).gettext
            # The article says nothing about IBN-SINA's services: the hospital itself must answer.
            text += "\n\n" + _("To ask the hospital directly, you can call:") + "\n"
            text += self.numbers(lang)
        text += self._disclaimer(lang, conversation)
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

    def appointment(self, lang: Lang, form: Form | None = None) -> Reply:
        _ = self.catalogs(lang).gettext
        text = "\n".join(
            [_("To make an appointment, please call one of our branches:"), self.numbers(lang)]
        )
        return Reply(ReplyKind.APPOINTMENT, text, lang, form or Form(lang.value))

    def greeting(self, lang: Lang, form: Form | None = None, thanks: bool = False) -> Reply:
        _ = self.catalogs(lang).gettext
        if thanks:
            first = _("You're welcome. I wish you and your family strength.")
        else:
            first = _("Assalamu alaikum! This is IBN-SINA's automated information bot.")
        text = "\n".join([first, self.about(lang), "", self.numbers(lang)])
        return Reply(ReplyKind.GREETING, text, lang, form or Form(lang.value))

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
                "",
                self.emergency_line(lang),
            ]
        )
        return Reply(ReplyKind.FALLBACK, text, lang, form or Form(lang.value), ranked=ranked)

    def about(self, lang: Lang) -> str:
        """What the bot is and is not, then the emergency line (greetings, /start, /help, the
        terminal). A relative must not mistake it for a member of staff."""
        _ = self.catalogs(lang).gettext
        return "\n".join(
            [
                _("I am an automated information bot, not a person and not a doctor."),
                _(
                    "I answer questions about stem-cell therapy for spinal cord injury from one "
                    "published article."
                ),
                self.emergency_line(lang),
            ]
        )

    def emergency_line(self, lang: Lang) -> str:
        """The short 999 line that ends every reply which is not an answer: whatever the bot
        missed, a patient in danger is never left with only the appointment numbers."""
        _ = self.catalogs(lang).gettext
        return _(
            "If someone has just been injured or is in danger now, call 999 or go to the "
            "nearest emergency department."
        )

    def numbers(self, lang: Lang) -> str:
        # ASCII digits: Telegram makes them tappable, so a patient can call with one touch.
        return "\n".join(f"📞 {clinic.name[lang]}: {clinic.phone}" for clinic in self.kb.clinics)

    def topic_choices(self, section_id: str, lang: Lang) -> tuple[Choice, ...]:
        section = next(s for s in self.kb.sections if s.id == section_id)
        return tuple(Choice(e, self.kb.entries[e].title[lang]) for e in section.entry_ids)

    # -- internals --------------------------------------------------------------------------

    def _emergency(
        self, lang: Lang, form: Form, conversation: str, ranked: tuple[Match, ...]
    ) -> Reply:
        _ = self.catalogs(lang).gettext
        best = self._confident(ranked)
        entry = self.kb.entries[best.entry_id] if best else None
        parts = [
            _(
                "🚨 If someone has just been injured, cannot breathe, has fainted or is in "
                "danger now: call 999 now or go to the nearest hospital emergency department."
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
            confidence=best.confidence if best else 0.0,
            ranked=ranked,
        )

    def _did_you_mean(self, lang: Lang, form: Form, ranked: tuple[Match, ...]) -> Reply:
        _ = self.catalogs(lang).gettext
        choices = tuple(
            Choice(m.entry_id, self.kb.entries[m.entry_id].title[lang])
            for m in ranked
            if m.confidence >= SUGGEST_THRESHOLD
        )
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
            "Please talk to a doctor about the patient's own case."
        )


def build_front_desk(faq_dir: Path, locales_dir: Path) -> FrontDesk:
    """The one way adapters get a front desk: the knowledge base and catalogs from disk."""
    return FrontDesk(load_knowledge_base(faq_dir), Catalogs(locales_dir))

"""Teach the bot (issue 9): staff pick the entry that answers a question the bot could not, or
"Not in the article", and the next patient who asks it gets that answer, or the honest
fallback.

"📚 Teach" sits on each front-desk card, under /unanswered and under the weekly digest. It opens
the knowledge base by sections, then entries. A choice is stored in the log (`learned`: who
taught it, when, and whose words they were) and reaches the matcher at once: `relearn` hands
ALL taught questions to `FrontDesk.relearn`, which builds a new matcher off the event loop and
swaps it in. /learned lists them with remove buttons, and every teaching has an Undo.
`ibnsina-admin learned --yaml` prints them for an editor to merge into faq/.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from babel.dates import format_date
from telegram import InlineKeyboardMarkup, Message, Update

from bot.core.matcher import Learned
from bot.core.vocabulary import Lang
from bot.storage import LearnedPhrase, canonical_text
from bot.tg.context import (
    BotData,
    FrontDeskContext,
    callback_query,
    edit_in_place,
    expired,
    on_button,
)
from bot.tg.ui import (
    Action,
    Gettext,
    TeachStep,
    Unlearn,
    bold,
    button,
    escape,
    numbered_rows,
    parse_teach,
    parse_unlearn,
    split_message,
)

logger = logging.getLogger(__name__)

MAX_LISTED = 60  # /learned shows the newest this many (Telegram allows 100 buttons)


async def relearn(data: BotData) -> bool:
    """Give the matcher everything taught, if it changed; True when it was rebuilt. The rebuild
    takes about half a second, so it runs in a thread; the lock keeps an older list from
    landing after a newer one."""
    if data.log is None:
        return False
    async with data.relearning:
        items = tuple(Learned(p.text, p.entry_id) for p in await data.log.learned.all())
        if items == data.learned:
            return False
        await asyncio.to_thread(data.desk.relearn, items)
        data.learned = items
        logger.info("the matcher now knows %d taught questions", len(items))
        return True


@dataclass(frozen=True)
class _Question:
    text: str
    form: str | None
    user_id: int | None


async def _question(context: FrontDeskContext, step: TeachStep) -> _Question | None:
    """The question being taught, or None when it is gone (deleted with /forget)."""
    if step.source == "c":
        conversation = await context.log.conversations.get(step.source_id)
        if conversation is None or not conversation.question:
            return None
        return _Question(conversation.question, conversation.form, conversation.user_id)
    inquiry = await context.log.inquiry(step.source_id)
    if inquiry is None or not inquiry.text:
        return None
    return _Question(inquiry.text, inquiry.form, inquiry.user_id)


def _menu_text(question: str, _: Gettext) -> str:
    return "\n".join([
        "📚 " + bold(_("Teach the bot")),
        f"“{escape(question)}”",
        "",
        escape(_("Which entry answers it? Choose a section, or “Not in the article”.")),
    ])


def _sections(context: FrontDeskContext, step: TeachStep, lang: Lang, _: Gettext) -> (
    InlineKeyboardMarkup
):
    rows = [[button(s.title[lang], Action.TEACH, step.ref, "s", s.id)]
            for s in context.desk.kb.sections]
    rows.append([button(_("🚫 Not in the article"), Action.TEACH, step.ref, "x")])
    return InlineKeyboardMarkup(rows)


def _entries(context: FrontDeskContext, step: TeachStep, lang: Lang, _: Gettext) -> (
    InlineKeyboardMarkup
):
    section = step.section
    assert section is not None  # parse_teach gives a section with every "section" step
    rows = [[button(context.desk.kb.entries[e].title[lang], Action.TEACH, step.ref, "e", e)]
            for e in section.entry_ids]
    rows.append([button(_("⬅️ Sections"), Action.TEACH, step.ref, "b")])
    return InlineKeyboardMarkup(rows)


@on_button(parse_teach)
async def teach_button(update: Update, context: FrontDeskContext, step: TeachStep) -> None:
    """tch:…: the Teach menu, one step per press (staff only, in the wiring)."""
    query = callback_query(update)
    staff = query.from_user
    lang = await context.language(update)
    _ = context.gettext(lang)
    question = await _question(context, step)
    if question is None or not isinstance(query.message, Message):
        await expired(update, context)
        return
    if step.step == "start":  # a new message, so the card or the list stays as it was
        await query.answer()
        await query.message.reply_text(_menu_text(question.text, _),
                                       reply_markup=_sections(context, step, lang, _))
        return
    if step.step == "back":
        await query.answer()
        await edit_in_place(query, _menu_text(question.text, _),
                            reply_markup=_sections(context, step, lang, _))
        return
    if step.step == "section" and step.section is not None:
        await query.answer()
        await edit_in_place(
            query, _menu_text(question.text, _) + "\n\n" + bold(step.section.title[lang]),
            reply_markup=_entries(context, step, lang, _))
        return
    entry_id = step.entry_id if step.step == "entry" else None
    taught = await context.log.learned.teach(
        text=question.text, canonical=canonical_text(question.text) or question.text,
        form=question.form, entry_id=entry_id, taught_by=staff.id,
        taught_by_name=staff.full_name, source_user_id=question.user_id, at=context.now(),
    )
    await relearn(context.bot_data)
    await query.answer(_("Taught."))
    await edit_in_place(query, _taught_text(taught, context, lang, _),
                        reply_markup=InlineKeyboardMarkup(
                            [[button(_("↩️ Undo"), Action.UNLEARN, taught.id)]]))


def _target(phrase: LearnedPhrase, context: FrontDeskContext, lang: Lang, _: Gettext) -> str:
    if phrase.entry_id is None:
        return _("not in the article")
    entry = context.desk.kb.entries.get(phrase.entry_id)
    return entry.title[lang] if entry else _("{id} (no longer in the knowledge base)").format(
        id=phrase.entry_id)


def _taught_text(phrase: LearnedPhrase, context: FrontDeskContext, lang: Lang, _: Gettext) -> str:
    lines = [
        "📚 " + escape(_("Taught by {name}:").format(name=phrase.taught_by_name)),
        f"“{escape(phrase.text)}” → {escape(_target(phrase, context, lang, _))}",
        "",
    ]
    if phrase.entry_id is None:
        lines.append(escape(_("The next patient who asks this is told honestly that the article "
                              "does not say, with both numbers.")))
    else:
        lines.append(escape(_("The next patient who asks this gets that answer.")))
    return "\n".join(lines)


# -- /learned and undo ------------------------------------------------------------------------


def _learned_list(
    phrases: list[LearnedPhrase], context: FrontDeskContext, lang: Lang, _: Gettext
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not phrases:
        return escape(_("Nothing taught yet. Use 📚 Teach on a card or under /unanswered.")), None
    shown = phrases[-MAX_LISTED:]
    lines = [bold(_("What staff taught the bot ({count})").format(count=len(phrases))), ""]
    for number, phrase in enumerate(shown, 1):
        when = format_date(phrase.created_at, "d MMM", locale=lang.value)
        lines.append(f"{number}. “{escape(phrase.text)}” → "
                     f"{escape(_target(phrase, context, lang, _))} · "
                     f"{escape(phrase.taught_by_name)}, {escape(when)}")
    lines += ["", escape(_("🗑 removes one: the bot forgets it at once."))]
    buttons = [button(f"🗑 {n}", Action.UNLEARN, p.id, "l") for n, p in enumerate(shown, 1)]
    return "\n".join(lines), InlineKeyboardMarkup(numbered_rows(buttons))


async def learned_command(update: Update, context: FrontDeskContext) -> None:
    """/learned: what staff taught, with a remove button each (staff only, in the wiring)."""
    lang = await context.language(update)
    _ = context.gettext(lang)
    text, keyboard = _learned_list(await context.log.learned.all(), context, lang, _)
    message = update.effective_message
    if message is None:
        return
    pieces = list(split_message(text))
    for piece in pieces[:-1]:
        await message.reply_text(piece)
    await message.reply_text(pieces[-1], reply_markup=keyboard)


@on_button(parse_unlearn)
async def unlearn_button(update: Update, context: FrontDeskContext, undo: Unlearn) -> None:
    """ul:<id>: Undo under a teaching; ul:<id>:l: 🗑 under /learned (staff only, in the
    wiring)."""
    query = callback_query(update)
    staff = query.from_user
    lang = await context.language(update)
    _ = context.gettext(lang)
    removed = await context.log.learned.unlearn(undo.learned_id)
    if removed is not None:
        await relearn(context.bot_data)
    await query.answer(_("Removed.") if removed else _("It was already removed."))
    if undo.from_list:
        text, keyboard = _learned_list(await context.log.learned.all(), context, lang, _)
        await edit_in_place(query, next(iter(split_message(text))), reply_markup=keyboard)
    elif removed is not None:
        await edit_in_place(query, "↩️ " + escape(_("Undone by {name}: “{question}” is no "
                                                   "longer taught.").format(
            name=staff.full_name, question=removed.text)))

"""Staff side: review inquiries, unanswered questions, call-backs, statistics and export.

Staff are the user ids in STAFF_USER_IDS, in a private chat with the bot or in STAFF_CHAT_ID
(`StaffFilter`). To anyone else a staff command is an unknown command, so patients never learn
it exists: the wiring table in tg.app sends theirs to `unknown_command`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import timedelta
from io import BytesIO
from typing import Any

from babel.dates import format_date
from telegram import InlineKeyboardMarkup, InputFile, Message, Update
from telegram.error import TelegramError
from telegram.ext import filters

from bot.config import Settings
from bot.core.language import ascii_digits
from bot.core.vocabulary import Lang
from bot.storage import DHAKA, CallbackRequest, write_csv
from bot.tg.context import (
    FrontDeskContext,
    Handler,
    callback_query,
    edit_in_place,
    expired,
    is_staff,
    on_button,
)
from bot.tg.reports import form_name, kind_name, send_stats_chart
from bot.tg.staff_side import LOW_CONFIDENCE, staff_chats, staff_language, staff_time
from bot.tg.ui import Action, bold, button, escape, parse_done, split_message, teach_keyboard

logger = logging.getLogger(__name__)

DEFAULT_INQUIRIES, MAX_INQUIRIES = 10, 50
DEFAULT_STATS_DAYS, DEFAULT_EXPORT_DAYS, MAX_DAYS = 7, 30, 3660

# A command that takes a count (of inquiries, of days): it gets the staff member's language
# and the count.
CountCommand = Callable[[Update, FrontDeskContext, Lang, int], Coroutine[Any, Any, None]]


class StaffFilter(filters.UpdateFilter):
    """Staff, in a private chat with the bot or in the staff chat: the staff commands' filter
    in the wiring table."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(name="StaffFilter")
        self.settings = settings

    def filter(self, update: Update) -> bool:
        return is_staff(update, self.settings)


def counting(default: int, maximum: int) -> Callable[[CountCommand], Handler]:
    """The opening the counting commands share: the staff member's language, and the count
    (`default` when none is given, at most `maximum`), or a kind note when it is not a whole
    number."""

    def decorate(command: CountCommand) -> Handler:
        @functools.wraps(command)
        async def handler(update: Update, context: FrontDeskContext) -> None:
            lang = await context.language(update)
            count = _count_arg(context.args, default, maximum)
            if count is None:
                _ = context.gettext(lang)
                await _send_long(update, escape(_("Please give a whole number, for example "
                                                  "/stats 7.")))
                return
            await command(update, context, lang, count)

        return handler

    return decorate


def _count_arg(args: list[str] | None, default: int, maximum: int) -> int | None:
    """The command's first argument as a count, `default` if absent, None if not a number."""
    if not args:
        return default
    raw = ascii_digits(args[0])
    if not raw.isdecimal() or int(raw) < 1:
        return None
    return min(int(raw), maximum)


async def _send_long(
    update: Update, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """`text` in as many messages as it takes; `reply_markup` goes under the last."""
    if update.effective_message:
        pieces = list(split_message(text))
        for n, piece in enumerate(pieces, 1):
            await update.effective_message.reply_text(
                piece, reply_markup=reply_markup if n == len(pieces) else None)


def _who(name: str, user_id: int, username: str | None) -> str:
    who = escape(name or str(user_id))
    return f"{who} (@{escape(username)})" if username else who


@counting(default=DEFAULT_INQUIRIES, maximum=MAX_INQUIRIES)
async def inquiries(update: Update, context: FrontDeskContext, lang: Lang, limit: int) -> None:
    """/inquiries [n]: the latest n inquiries."""
    _ = context.gettext(lang)
    rows = await context.log.reports.latest(limit)
    if not rows:
        await _send_long(update, escape(_("No inquiries yet.")))
        return
    lines = [bold(_("Latest {count} inquiries").format(count=len(rows)))]
    for row in rows:
        who = _who(row.display_name, row.user_id, row.username)
        outcome = row.kind + (f": {row.entry_id}" if row.entry_id else "")
        if row.confidence is not None:
            outcome += f" ({row.confidence:.2f})"
        lines += [
            "",
            f"🕐 {escape(staff_time(row.received_at, lang))} · {who} · {row.form or row.lang}",
            f"💬 {escape(row.text)}",
            f"↳ {escape(outcome)}",
        ]
    await _send_long(update, "\n".join(lines))


@counting(default=DEFAULT_STATS_DAYS, maximum=MAX_DAYS)
async def unanswered(update: Update, context: FrontDeskContext, lang: Lang, days: int) -> None:
    """/unanswered [days]: what the bot could not answer well, similar questions grouped."""
    _ = context.gettext(lang)
    since = context.now() - timedelta(days=days)
    groups = await context.log.reports.unanswered(since, limit=30, answered_below=LOW_CONFIDENCE)
    if not groups:
        await _send_long(update, escape(_("No unanswered questions in the last {days} days.")
                                        .format(days=days)))
        return
    lines = [bold(_("Questions the bot could not answer well, last {days} days")
                  .format(days=days)), ""]
    for number, group in enumerate(groups, 1):
        when = escape(staff_time(group.last_at, lang))
        lines.append(f"{number}. {group.count}× “{escape(group.example)}” · {when}")
    lines += ["", escape(_("📚 and a number: teach the bot that question."))]
    await _send_long(update, "\n".join(lines), teach_keyboard([g.inquiry_id for g in groups], _))


def _callback_text(request: CallbackRequest, lang: Lang, context: FrontDeskContext) -> str:
    _ = context.gettext(lang)
    clinic = next((c.name[lang] for c in context.desk.kb.clinics if c.id == request.branch),
                  request.branch)
    lines = [
        "☎️ " + bold(_("Call-back request #{id}").format(id=request.id)),
        escape(_("Branch: {branch}").format(branch=clinic)),
        escape(_("Name: {name}")).format(
            name=_who(request.display_name, request.user_id, request.username)
        ),
        escape(_("Phone: {phone}").format(phone=request.phone)),
        escape(_("Asked at: {time}").format(time=staff_time(request.created_at, lang))),
    ]
    if request.status == "done" and request.done_at:
        lines.append("✅ " + escape(_("Done at {time}").format(
            time=staff_time(request.done_at, lang))))
    return "\n".join(lines)


def _done_keyboard(request_id: int, lang: Lang, context: FrontDeskContext) -> InlineKeyboardMarkup:
    _ = context.gettext(lang)
    return InlineKeyboardMarkup([[button(_("✅ Mark done"), Action.DONE, request_id)]])


async def callbacks(update: Update, context: FrontDeskContext) -> None:
    """/callbacks: the open call-back requests, each with its ✅ Mark done button."""
    lang = await context.language(update)
    _ = context.gettext(lang)
    requests = await context.log.callbacks.still_open()
    message = update.effective_message
    if message is None:
        return
    if not requests:
        await message.reply_text(escape(_("No open call-back requests.")))
        return
    for request in requests:
        listed = await message.reply_text(_callback_text(request, lang, context),
                                          reply_markup=_done_keyboard(request.id, lang, context))
        await context.log.callbacks.link_message(request.id, listed.chat_id, listed.message_id)


async def notify_staff_of_callback(context: FrontDeskContext, request_id: int) -> None:
    """The new call-back request, with its ✅ Mark done button, wherever staff read the bot."""
    settings = context.settings
    request = await context.log.callbacks.get(request_id)
    if request is None:
        return
    targets = staff_chats(settings)
    if not targets:
        logger.warning("call-back request #%s has no staff chat to go to: set STAFF_CHAT_ID",
                       request_id)
    for chat_id in targets:
        lang = await staff_language(context.log, settings, chat_id)
        try:
            alert = await context.bot.send_message(
                chat_id, _callback_text(request, lang, context),
                reply_markup=_done_keyboard(request_id, lang, context))
        except Exception:  # a staff chat that went away must not fail the patient's request
            logger.exception("could not notify staff chat %s of call-back #%s", chat_id, request_id)
            continue
        await context.log.callbacks.link_message(request_id, alert.chat_id, alert.message_id)


@on_button(parse_done)
async def mark_done(update: Update, context: FrontDeskContext, request_id: int) -> None:
    """done:<request>: a staff member marks a call-back request done (staff only, in the
    wiring)."""
    query = callback_query(update)
    user = query.from_user
    if await context.log.callbacks.get(request_id) is None:  # forgotten, or never was
        await expired(update, context)
        return
    lang = await context.language(update)
    _ = context.gettext(lang)
    done = await context.log.callbacks.mark_done(request_id, user.id, context.now())
    if not done:
        await query.answer(_("This request was already marked done."))
        return
    await query.answer(_("Marked done."))
    request = await context.log.callbacks.get(request_id)
    if request is None or request.done_at is None:
        return
    done_at = request.done_at

    def stamp(in_lang: Lang) -> str:
        _ = context.gettext(in_lang)
        return "✅ " + escape(_("Done by {name} at {time}").format(
            name=user.full_name, time=staff_time(done_at, in_lang)))

    pressed = query.message
    if isinstance(pressed, Message) and pressed.text_html:
        await edit_in_place(query, f"{pressed.text_html}\n{stamp(lang)}")
    # Every other copy (the alert in the group, another clerk's /callbacks list) says it too,
    # so nobody calls the patient a second time.
    for copy in await context.log.callbacks.copies(request_id):
        if isinstance(pressed, Message) and (copy.chat_id, copy.message_id) == (
                pressed.chat_id, pressed.message_id):
            continue
        copy_lang = await staff_language(context.log, context.settings, copy.chat_id)
        try:
            await context.bot.edit_message_text(
                # As it read when posted, then who did it (not also "Done at": said once).
                f"{_callback_text(replace(request, status='open'), copy_lang, context)}\n"
                f"{stamp(copy_lang)}",
                chat_id=copy.chat_id, message_id=copy.message_id)
        except TelegramError as exc:  # deleted, or too old to edit: the list is a snapshot
            logger.info("call-back #%s: a copy could not be updated (%s)", request_id,
                        type(exc).__name__)


@counting(default=DEFAULT_STATS_DAYS, maximum=MAX_DAYS)
async def stats(update: Update, context: FrontDeskContext, lang: Lang, days: int) -> None:
    """/stats [days]: counts per day, kind and language; the unanswered rate; top topics."""
    _ = context.gettext(lang)
    since = context.now() - timedelta(days=days)
    s = await context.log.reports.stats(since)
    desk = context.desk

    def title(entry_id: str) -> str:
        entry = desk.kb.entries.get(entry_id)
        return entry.title[lang] if entry else entry_id

    lines = [bold(_("Statistics, last {days} days").format(days=days)), ""]
    lines.append(escape(_("{messages} questions from {people} people ({total} log entries, "
                          "button presses and front-desk replies included).").format(
        messages=s.messages, people=s.people, total=s.total)))
    lines.append(escape(_("Unanswered rate: {rate:.0%}").format(rate=s.unanswered_rate)))
    lines.append(escape(_("Per day:")))
    lines += [f"  {escape(format_date(day, 'd MMM', locale=lang.value))}: {n}"
              for day, n in s.by_day.items()]
    lines.append(escape(_("By reply kind:")))
    lines += [f"  {escape(kind_name(kind, _))}: {n}" for kind, n in s.by_kind.items()]
    lines.append(escape(_("By language:")))
    lines += [f"  {escape(form_name(form, _))}: {n}" for form, n in s.by_form.items()]
    if s.top_entries:
        lines.append(escape(_("Most asked:")))
        lines += [f"  {escape(title(e))}: {n}" for e, n in s.top_entries]
    if s.most_disliked:
        lines.append(escape(_("Marked not helpful (👎 / 👍):")))
        lines += [f"  {escape(title(v.entry_id))}: {v.down} / {v.up}" for v in s.most_disliked]
    await _send_long(update, "\n".join(lines))
    await send_stats_chart(update, context, lang, days)


@counting(default=DEFAULT_EXPORT_DAYS, maximum=MAX_DAYS)
async def export(update: Update, context: FrontDeskContext, lang: Lang, days: int) -> None:
    """/export [days]: a CSV file for Excel."""
    _ = context.gettext(lang)
    until = context.now()
    rows = await context.log.reports.export_rows(until - timedelta(days=days), until)
    buffer = BytesIO()
    write_csv(rows, buffer)
    name = f"inquiries-{until.astimezone(DHAKA):%Y-%m-%d}-{days}d.csv"
    if update.effective_message:
        await update.effective_message.reply_document(
            InputFile(buffer.getvalue(), filename=name),
            caption=escape(_("{count} inquiries from the last {days} days. Opens in Excel.")
                           .format(count=len(rows), days=days)),
        )

"""How it is going, for the front desk (issue 9): the chart /stats sends, and the weekly digest
the staff group gets every Sunday at 09:00 Dhaka time (the Bangladeshi week starts on Sunday).

The digest is due once per Sunday slot. The time it last went out is kept in the log, so a
restart neither repeats nor skips it; a bot that was down on Sunday morning sends it when it
comes back that day, and not later (a digest days late would only confuse). WEEKLY_DIGEST=off
switches it off.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, time, timedelta

from babel.dates import format_date
from telegram import Bot, InputFile, Update

from bot.core.vocabulary import Lang
from bot.storage import DHAKA, InquiryLog, UnansweredQuestion, canonical_text
from bot.tg import chart
from bot.tg.context import BotData, FrontDeskContext
from bot.tg.handoff.cards import IDLE
from bot.tg.staff_side import LOW_CONFIDENCE, STAFF_LANG, staff_time
from bot.tg.ui import Gettext, bold, escape, split_message, teach_keyboard

logger = logging.getLogger(__name__)

DIGEST_WEEKDAY = 6  # Sunday (Monday is 0)
DIGEST_TIME = time(9, 0)
DIGEST_LATE_BY = timedelta(days=1)  # after this, a missed digest is skipped
DIGEST_STATE = "weekly_digest.slot"
DIGEST_QUESTIONS = 5
DIGEST_LISTED = 10  # open call-backs, open conversations
SHOWN_TEXT = 200  # characters of a question in the digest


# -- /stats: names and the chart -------------------------------------------------------------

CHART_DAYS = 90


def kind_name(kind: str, _: Gettext) -> str:
    """A kind of log entry as staff call it ("answer" -> "answered" / "উত্তর গেছে")."""
    names = {
        "answer": _("answered"),
        "did_you_mean": _("did you mean"),
        "fallback": _("no answer"),
        "emergency": _("emergency (999)"),
        "greeting": _("courtesy (hello, thanks, bye, are you a bot?)"),
        "appointment": _("appointment numbers"),
        "command": _("command"),
        "button": _("button pressed"),
        "contact": _("phone number shared"),
        "non_text": _("photo, voice, sticker or file"),
        "callback_request": _("call-back request"),
        "flood": _("too many messages at once"),
        "to_front_desk": _("message to the front desk"),
        "from_front_desk": _("front-desk reply"),
    }
    # A row written by a newer version may carry a kind this one does not know: shown as stored.
    return names.get(kind, kind)


def form_name(form: str | None, _: Gettext) -> str:
    """How a message was written ("banglish" -> "Banglish (Bangla in English letters)")."""
    names = {
        "en": _("English"),
        "bn": _("Bangla"),
        "banglish": _("Banglish (Bangla in English letters)"),
    }
    return names.get(form or "", form or "?")


def chart_labels(first: date, last: date, lang: Lang, _: Gettext) -> chart.Labels:
    def day(moment: date) -> str:
        return format_date(moment, "d MMM", locale=lang.value)

    return chart.Labels(
        title=_("Questions per day, {first} to {last} (Dhaka)").format(
            first=day(first), last=day(last)),
        kinds={kind: kind_name(kind, _) for kind in chart.KIND_NAMES},
        topics=_("Top topics (answers shown)"),
        no_answers=_("no answers yet"),
        day=day,
    )


async def send_stats_chart(
    update: Update, context: FrontDeskContext, lang: Lang, days: int
) -> None:
    """After /stats' text: questions per day by kind, and the top topics, as a PNG."""
    message = update.effective_message
    if message is None:
        return
    # A bar a day is unreadable past a few months, and drawing ten years of them takes seconds
    # while the staff member's next command waits: the chart shows the latest CHART_DAYS.
    days = min(days, CHART_DAYS)
    now = context.now()
    last = now.astimezone(DHAKA).date()
    first = last - timedelta(days=days - 1)
    since = datetime.combine(first, time(), DHAKA)
    per_day = await context.log.reports.daily_kinds(since, chart.KIND_NAMES)
    stats = await context.log.reports.stats(since, top=8)
    entries = context.desk.kb.entries
    topics = [chart.Topic(entries[e].title[lang], n) for e, n in stats.top_entries
              if e in entries]
    _ = context.gettext(lang)
    picture = await asyncio.to_thread(chart.png, first, last, per_day, topics,
                                      chart_labels(first, last, lang, _))
    await message.reply_photo(
        InputFile(picture, filename="stats.png"),
        caption=escape(_("Questions per day by kind of reply, and the most shown answers, "
                         "last {days} days.").format(days=days)),
    )


# -- the weekly digest ------------------------------------------------------------------------


def digest_slot(now: datetime) -> datetime:
    """The latest Sunday 09:00 in Dhaka at or before `now`."""
    local = now.astimezone(DHAKA)
    day = local.date() - timedelta(days=(local.weekday() - DIGEST_WEEKDAY) % 7)
    slot = datetime.combine(day, DIGEST_TIME, DHAKA)
    return slot if slot <= local else slot - timedelta(days=7)


async def send_digest_if_due(bot: Bot, data: BotData) -> bool:
    """Send this week's digest to the staff group if it is due; True when it went out."""
    settings, log = data.settings, data.log
    if not settings.weekly_digest or settings.staff_chat_id is None or log is None:
        return False
    now = data.clock()
    slot = digest_slot(now)
    if now - slot >= DIGEST_LATE_BY:
        return False
    last = await log.reports.get_state(DIGEST_STATE)
    if last is not None and datetime.fromisoformat(last) >= slot:
        return False
    # Marked first: a digest that fails half-way is not sent again every minute.
    await log.reports.set_state(DIGEST_STATE, slot.isoformat())
    await send_digest(bot, data, slot - timedelta(days=7), slot)
    return True


async def send_digest(bot: Bot, data: BotData, since: datetime, until: datetime) -> None:
    chat_id = data.settings.staff_chat_id
    if chat_id is None or data.log is None:
        return
    lang = STAFF_LANG
    _ = data.desk.catalogs(lang).gettext
    text, questions = await digest_text(data.log, data, since, until, lang, _)
    pieces = list(split_message(text))
    for piece in pieces[:-1]:
        await bot.send_message(chat_id, piece)
    keyboard = teach_keyboard([q.inquiry_id for q in questions], _)
    await bot.send_message(chat_id, pieces[-1], reply_markup=keyboard)
    logger.info("weekly digest sent to the staff chat")


async def digest_text(
    log: InquiryLog, data: BotData, since: datetime, until: datetime, lang: Lang, _: Gettext
) -> tuple[str, list[UnansweredQuestion]]:
    """The digest, and the unanswered questions it numbers (for their Teach buttons)."""
    stats = await log.reports.stats(since)
    kinds = stats.by_kind
    opened, answered = await log.conversations.opened_since(since)
    # Questions already taught since are not the week's news.
    taught = {canonical_text(p.text) for p in await log.learned.all()}
    questions = [q for q in await log.reports.unanswered(since, limit=DIGEST_QUESTIONS * 3,
                                                         answered_below=LOW_CONFIDENCE)
                 if canonical_text(q.example) not in taught][:DIGEST_QUESTIONS]
    callbacks = await log.callbacks.still_open()
    conversations = await log.conversations.all_open(data.clock(), IDLE)

    def day(moment: datetime) -> str:
        return format_date(moment.astimezone(DHAKA).date(), "d MMM", locale=lang.value)

    lines = [
        "🗓 " + bold(_("Weekly digest: {first} to {last}").format(
            first=day(since), last=day(until - timedelta(seconds=1)))),
        "",
        escape(_("{messages} questions from {people} people ({total} log entries, button "
                 "presses and front-desk replies included).").format(
            messages=stats.messages, people=stats.people, total=stats.total)),
        escape(_("Answered: {answer} · Did you mean: {did_you_mean} · No answer: {fallback} · "
                 "Emergencies: {emergency}").format(
            answer=kinds.get("answer", 0), did_you_mean=kinds.get("did_you_mean", 0),
            fallback=kinds.get("fallback", 0), emergency=kinds.get("emergency", 0))),
        escape(_("Unanswered rate: {rate:.0%}").format(rate=stats.unanswered_rate)),
        escape(_("Front desk: {opened} conversations, {answered} answered.").format(
            opened=opened, answered=answered)),
        "",
        bold(_("Questions the bot could not answer well")),
    ]
    if questions:
        lines += [f"{n}. {q.count}× “{escape(_shorten(q.example))}”"
                  for n, q in enumerate(questions, 1)]
        lines.append(escape(_("📚 and a number: teach the bot that question.")))
    else:
        lines.append(escape(_("None this week.")))
    lines += ["", bold(_("Open call-back requests: {count}").format(count=len(callbacks)))]
    for request in callbacks[:DIGEST_LISTED]:
        lines.append(escape(f"#{request.id} {request.display_name} · {request.branch} · "
                            f"{request.phone} · {staff_time(request.created_at, lang)}"))
    lines += ["", bold(_("Open conversations: {count}").format(count=len(conversations)))]
    for conversation in conversations[:DIGEST_LISTED]:
        status = (_("answered") if conversation.replies else _("waiting for an answer"))
        lines.append(escape(f"#{conversation.id} {conversation.display_name} · "
                            f"{staff_time(conversation.opened_at, lang)} · {status}"))
    return "\n".join(lines), questions


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHOWN_TEXT else text[: SHOWN_TEXT - 1] + "…"


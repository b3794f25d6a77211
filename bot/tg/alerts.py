"""Staff know when something breaks: a short notice in the staff group when a handler fails or
the database stops taking writes (and once more when it takes them again), and a check at
start-up that the bot can post there at all.

A notice says what failed (a patient's message, a button, a command), which kind of error and
when: never the patient's message, the update or a traceback, which would carry a patient's
words into another chat (those stay in the server log). At most one notice per ALERT_EVERY;
errors in between are counted and the next notice says how many.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from datetime import timedelta

from telegram import Bot, Update
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.config import Settings
from bot.storage import Cause, OutageEvent, WritesFailing
from bot.tg.context import BotData, FrontDeskContext
from bot.tg.staff_side import STAFF_LANG, staff_time
from bot.tg.ui import Gettext, escape

logger = logging.getLogger(__name__)

ALERT_EVERY = timedelta(minutes=10)
CANNOT_POST = (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED)


def _what_failed(update: object, _: Gettext) -> str:
    if not isinstance(update, Update):
        return _("Background work")
    if update.callback_query is not None:
        return _("A button press")
    message = update.effective_message
    if message is not None and message.text and message.text.startswith("/"):
        return _("A command")
    if message is not None:
        return _("A message")
    return _("An update")


async def notify_staff(update: object, context: FrontDeskContext) -> None:
    """Tell the staff group that handling `update` failed, unless told recently."""
    data = context.bot_data
    chat_id = data.settings.staff_chat_id
    if chat_id is None:
        return
    now = data.clock()
    if data.last_alert is not None and now - data.last_alert < ALERT_EVERY:
        data.alerts_held += 1
        return
    held, data.last_alert, data.alerts_held = data.alerts_held, now, 0
    lang = STAFF_LANG
    _ = context.gettext(lang)
    error = type(context.error).__name__ if context.error else "?"
    lines = [
        "⚠️ " + escape(_("{what} failed at {time} (Dhaka): {error}.").format(
            what=_what_failed(update, _), error=error,
            time=staff_time(now, lang))),
        escape(_("The patient was asked to try again or call. Details are in the server log.")),
    ]
    if held:
        lines.append(escape(_("{count} more errors since the last notice.").format(count=held)))
    try:
        await context.bot.send_message(chat_id, "\n".join(lines))
    except TelegramError as exc:
        logger.warning("could not post an error notice to the staff chat (%s)",
                       type(exc).__name__)


def watch_storage(bot: Bot, data: BotData) -> None:
    """Post a notice to the staff group when the database stops taking writes, and one when it
    takes them again; in the order they happened."""
    if data.log is None:
        raise RuntimeError("the inquiry log is not open")
    in_order = asyncio.Lock()  # FIFO: a recovery is never posted before its outage
    posting: set[asyncio.Task[None]] = set()

    async def post(event: OutageEvent) -> None:
        async with in_order:
            await _post_outage_notice(bot, data, event)

    def on_event(event: OutageEvent) -> None:
        # A fresh context: the notice is not the reply to the update being handled when the
        # write failed (tg.transport.request.HANDLING).
        task = asyncio.create_task(post(event), context=contextvars.Context())
        posting.add(task)
        task.add_done_callback(posting.discard)

    data.log.outage.listen(on_event)


def _what_to_do(cause: Cause, _: Gettext) -> str:
    match cause:
        case Cause.DISK_FULL:
            return _("The server's disk is full. Please free disk space on the server.")
        case Cause.READ_ONLY:
            return _("The database file is read-only. Please make it writable again.")
        case Cause.LOCKED:
            return _("Another program is holding the database. Please close that program.")
        case _:
            return _("The database file cannot be written. Please check the server's disk.")


async def _post_outage_notice(bot: Bot, data: BotData, event: OutageEvent) -> None:
    chat_id = data.settings.staff_chat_id
    if chat_id is None:
        return
    lang = STAFF_LANG
    _ = data.desk.catalogs(lang).gettext
    if isinstance(event, WritesFailing):
        lines = [
            "⚠️ " + escape(_("Since {time} (Dhaka) the bot cannot save to its database.").format(
                time=staff_time(event.since, lang))),
            escape(_what_to_do(event.cause, _)),
            escape(_("Patients are still being answered. What they write waits in the bot's "
                     "memory and is saved when the database works again.")),
            escape(_("Nothing is lost unless the bot is restarted first.")),
        ]
    else:
        lines = ["✅ " + escape(_("The bot can save to its database again. {count} records that "
                                 "waited in memory are saved.").format(count=event.written))]
        if event.dropped:
            lines.append(escape(_("{count} older records did not fit in memory and are "
                                  "lost.").format(count=event.dropped)))
    try:
        await bot.send_message(chat_id, "\n".join(lines))
    except TelegramError as exc:
        logger.warning("could not post a database notice to the staff chat (%s)",
                       type(exc).__name__)



async def check_staff_chat(bot: Bot, settings: Settings) -> bool:
    """At start-up: can the bot post to STAFF_CHAT_ID? One clear log line if not."""
    chat_id = settings.staff_chat_id
    if chat_id is None:
        logger.warning("STAFF_CHAT_ID is not set: front-desk cards and call-back requests go to "
                       "each staff member privately; no error notices, no weekly digest")
        return False
    try:
        await bot.get_chat(chat_id)
        member = await bot.get_chat_member(chat_id, bot.id)
    except TelegramError as exc:
        logger.warning("STAFF_CHAT_ID %s: the bot cannot post there (%s). Add the bot to the "
                       "staff group, or correct STAFF_CHAT_ID", chat_id, exc)
        return False
    restricted = member.status == ChatMemberStatus.RESTRICTED and not getattr(
        member, "can_send_messages", True)
    if member.status in CANNOT_POST or restricted:
        logger.warning("STAFF_CHAT_ID %s: the bot cannot post there (it is %s). Add the bot to "
                       "the staff group and let it send messages", chat_id, member.status)
        return False
    logger.info("staff chat %s: the bot can post there", chat_id)
    return True

"""The python-telegram-bot application: every handler wired in one place.

`build_application` is what the tests run against a fake Bot API; tg.transport.runner receives
the updates (tg.transport.intake) and starts and stops it.
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any, NamedTuple

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.config import Settings
from bot.core.frontdesk import FrontDesk
from bot.core.vocabulary import Lang
from bot.private_logs import describe_error
from bot.storage import InquiryLog
from bot.tg import alerts, patient, schedule, staff
from bot.tg.context import (
    BotData,
    FrontDeskContext,
    Handler,
    PatientData,
    expired,
    staff_gate,
    telegram_language,
)
from bot.tg.flood import FloodGuard
from bot.tg.handoff import cards, relay, teach
from bot.tg.staff_side import staff_menu_chats
from bot.tg.transport.request import HANDLING, RetryingRequest
from bot.tg.ui import Action, escape, escape_bold_999, route, unpack

logger = logging.getLogger(__name__)

# Calls to Telegram at once; the rest wait their turn (tg.transport.request.RetryingRequest).
CONNECTIONS = 8

FrontDeskApp = Application[ExtBot[Any], FrontDeskContext, PatientData, dict[Any, Any], BotData, Any]

# Handler groups, run in this order for every update; in each group the first handler that
# matches runs. Flood control can stop an update before anything else sees it, and commands and
# buttons are logged before the handler that replies. Messages that belong to a conversation
# with the front desk (tg.handoff.relay) go there instead of being answered.
FLOOD, LOG, RELAY, REPLY = -3, -2, -1, 0


def N_(message: str) -> str:
    """Marks a string for `pybabel extract`; it is translated where it is shown."""
    return message


class Command(NamedTuple):
    name: str
    description: str  # English; translated through the catalogs for the command menu
    callback: Handler


PATIENT_COMMANDS = (
    Command("start", N_("Start and see what I can do"), patient.start),
    Command("topics", N_("Browse all topics"), patient.topics),
    Command("appointment", N_("Appointment numbers"), patient.appointment),
    Command("callback", N_("Ask the front desk to call you"), patient.callback_command),
    Command("language", N_("Choose English or Bangla"), patient.language),
    Command("help", N_("How to use this bot"), patient.help_command),
    Command("forget", N_("Delete everything stored about you"), patient.forget),
)
# The "What can this bot do?" screen, shown before the patient presses Start: it must already
# say that this is a bot, not a member of staff. Telegram allows 512 and 120 characters.
DESCRIPTION = N_(
    "IBN-SINA's automated information bot: not a person and not a doctor. It answers questions "
    "about stem-cell therapy for spinal cord injury from one published article, in English, "
    "Bangla or Banglish, and gives the appointment numbers of IBN-SINA Savar and Kallyanpur."
)
SHORT_DESCRIPTION = N_(
    "Automated information bot, not a doctor: stem-cell therapy for spinal cord injury, from "
    "one published article."
)
STAFF_COMMANDS = (
    Command("inquiries", N_("Latest inquiries (staff)"), staff.inquiries),
    Command("unanswered", N_("Questions the bot could not answer (staff)"), staff.unanswered),
    Command("callbacks", N_("Open call-back requests (staff)"), staff.callbacks),
    Command("stats", N_("Statistics (staff)"), staff.stats),
    Command("export", N_("Export inquiries as CSV for Excel (staff)"), staff.export),
    Command("learned", N_("Questions staff taught the bot (staff)"), teach.learned_command),
)


class Button(NamedTuple):
    action: Action
    callback: Handler
    # Work at the front desk: only staff may press it (one gate, `staff_gate`), and a press is
    # not a patient's inquiry, so it is not logged as one.
    staff: bool = False


# One handler per action; a test fails if an action has none, or two. Its data format and
# parser are the action's (tg.ui).
BUTTONS = (
    Button(Action.ANSWER, patient.answer_button),
    Button(Action.SECTION, patient.section_button),
    Button(Action.TOPICS, patient.topics_button),
    Button(Action.APPOINTMENT, patient.appointment_button),
    Button(Action.LANGUAGE, patient.language_button),
    Button(Action.SET_LANGUAGE, patient.set_language_button),
    Button(Action.FEEDBACK, patient.feedback_button),
    Button(Action.CALLBACK, patient.callback_button),
    Button(Action.FORGET, patient.forget_button),
    Button(Action.ASK, relay.ask),
    Button(Action.DONE, staff.mark_done, staff=True),
    Button(Action.DESK_REPLY, cards.reply_button, staff=True),
    Button(Action.DESK_DONE, cards.done_button, staff=True),
    Button(Action.TEACH, teach.teach_button, staff=True),
    Button(Action.UNLEARN, teach.unlearn_button, staff=True),
)
STAFF_ACTIONS = frozenset(b.action for b in BUTTONS if b.staff)


def is_logged_button(data: object) -> bool:
    """Every press is logged before its reply, except these: deleting one's data must leave no
    new record behind, and a staff member's buttons are not inquiries."""
    parsed = unpack(data) if isinstance(data, str) else None
    return parsed is None or not (
        parsed[0] in STAFF_ACTIONS or parsed == (Action.FORGET, ["yes"])
    )


def build_application(settings: Settings, desk: FrontDesk, *,
                      rate_limit: bool = True) -> FrontDeskApp:
    """The application with every handler. `rate_limit=False` drops Telegram's limits (30
    messages a second, 20 a minute per group): only for measuring the bot itself (bench/)."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # PTB 22 warns on every "slow down" (429) unless it may hand out durations as timedelta,
    # the only behaviour of its next major version; nothing here reads them as numbers.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .context_types(
            ContextTypes(context=FrontDeskContext, user_data=PatientData, bot_data=BotData)
        )
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # Every call retried through Telegram's hiccups (429s included); updates come in
        # through tg.transport.intake, not PTB's Updater.
        .request(RetryingRequest(CONNECTIONS))
        .updater(None)
        # It spaces calls out to stay under Telegram's limits; a 429 that still comes is
        # retried by RetryingRequest, which pauses only the chat that got it. A rate of 0 is
        # no limit.
        .rate_limiter(AIORateLimiter(max_retries=0) if rate_limit
                      else AIORateLimiter(overall_max_rate=0, group_max_rate=0))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if settings.file_base_url:
        builder = builder.base_file_url(settings.file_base_url)
    app = builder.build()
    app.bot_data.settings = settings
    app.bot_data.desk = desk
    app.bot_data.flood = FloodGuard(settings.flood_messages_per_minute)

    app.add_handler(TypeHandler(Update, patient.flood_control), group=FLOOD)
    app.add_handlers(
        [
            CommandHandler([c.name for c in PATIENT_COMMANDS], patient.log_command),
            CallbackQueryHandler(patient.log_button, pattern=is_logged_button),
        ],
        group=LOG,
    )
    app.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND & ~filters.StatusUpdate.ALL,
                       relay.conversation_message),
        group=RELAY,
    )
    staff_only = staff.StaffFilter(settings) & filters.UpdateType.MESSAGES
    app.add_handlers(
        [
            *(CommandHandler(c.name, c.callback) for c in PATIENT_COMMANDS),
            *(CommandHandler(c.name, c.callback, filters=staff_only) for c in STAFF_COMMANDS),
            # To anyone but staff, staff commands do not exist: in private they get what any
            # unknown command gets, in groups (like unknown commands there) silence.
            CommandHandler([c.name for c in STAFF_COMMANDS], patient.unknown_command,
                           filters=filters.ChatType.PRIVATE),
            # Buttons (the BUTTONS table), then one for any button the bot no longer makes.
            # PTB hands a button with empty data to the first of them, whatever its pattern:
            # each handler's parser (tg.context.on_button) refuses data not its own.
            *(CallbackQueryHandler(staff_gate(b.callback) if b.staff else b.callback,
                                   pattern=route(b.action)) for b in BUTTONS),
            CallbackQueryHandler(expired),
            # Messages.
            MessageHandler(filters.CONTACT & filters.ChatType.PRIVATE, patient.contact_message),
            # In groups, commands for other bots are none of our business.
            MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, patient.unknown_command),
            MessageHandler(filters.TEXT & ~filters.COMMAND, patient.text_message),
            MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL,
                           patient.non_text_message),
        ],
        group=REPLY,
    )
    app.add_error_handler(on_error)
    return app


async def post_init(app: FrontDeskApp) -> None:
    data = app.bot_data
    data.log = await InquiryLog.open(data.settings.database_path)
    await register_commands(app)
    await register_descriptions(app)
    await alerts.check_staff_chat(app.bot, data.settings)
    await teach.relearn(data)  # what staff taught before this start
    alerts.watch_storage(app.bot, data)
    schedule.start(app)


async def post_stop(app: FrontDeskApp) -> None:
    await schedule.stop(app)


async def post_shutdown(app: FrontDeskApp) -> None:
    await post_stop(app)
    data = app.bot_data
    if data.log is not None:
        # An unclosed aiosqlite connection keeps its worker thread, and the process, alive.
        await data.log.close()
        data.log = None


def _menu(desk: FrontDesk, lang: Lang, commands: tuple[Command, ...]) -> list[BotCommand]:
    _ = desk.catalogs(lang).gettext
    return [BotCommand(c.name, _(c.description)) for c in commands]


async def register_commands(app: FrontDeskApp) -> None:
    """The command menu per language, and the staff menu only where staff see it."""
    settings, desk, bot = app.bot_data.settings, app.bot_data.desk, app.bot
    for lang in Lang:
        code = lang.value if lang is Lang.BN else None  # English is the default for everyone
        patient_menu = _menu(desk, lang, PATIENT_COMMANDS)
        staff_menu = patient_menu + _menu(desk, lang, STAFF_COMMANDS)
        for scope in (BotCommandScopeDefault(), BotCommandScopeAllPrivateChats()):
            await bot.set_my_commands(patient_menu, scope=scope, language_code=code)
            if code is None:
                await bot.set_my_commands(patient_menu, scope=scope, language_code="en")
        for chat_id in staff_menu_chats(settings):
            try:
                for language_code in ((code, "en") if code is None else (code,)):
                    await bot.set_my_commands(
                        staff_menu, scope=BotCommandScopeChat(chat_id), language_code=language_code
                    )
            except Exception:  # a staff member who never opened the bot has no chat yet
                logger.warning("could not set the staff menu for chat %s (has it started the "
                               "bot?)", chat_id)


async def register_descriptions(app: FrontDeskApp) -> None:
    """The bot's description and short description, in English by default and in Bangla for
    Bangla Telegram apps."""
    desk = app.bot_data.desk
    for lang, code in ((Lang.EN, None), (Lang.EN, "en"), (Lang.BN, "bn")):
        _ = desk.catalogs(lang).gettext
        try:
            await app.bot.set_my_description(
                _(DESCRIPTION) + "\n\n" + desk.emergency_line(lang), language_code=code
            )
            await app.bot.set_my_short_description(_(SHORT_DESCRIPTION), language_code=code)
        except Exception:  # cosmetic: a failure here must not keep the bot from answering
            logger.warning("could not set the bot description (language %s)", code or "default")


async def on_error(update: object, context: FrontDeskContext) -> None:
    """A handler failed: one log line, an apology with the numbers to the chat, and a short
    notice to the staff group; unless Telegram could not be reached, which is no failure of
    this message: the inbox hands the update out again, and the patient gets the real answer
    once Telegram is back (an apology would have been no more deliverable)."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    log = context.bot_data.log
    # The database refusing writes is told to staff once, by storage.outage (watch_storage).
    outage = error is not None and log is not None and log.refused(error)
    if isinstance(error, TelegramError):
        # tg.transport.request logged it where it happened, with the method: once is enough.
        logger.debug("Update %s: %s", update_id, type(error).__name__)
    elif outage:
        logger.warning("Update %s: not handled, the database refuses writes", update_id)
    elif error is not None:
        logger.error("Update %s: a handler failed with %s", update_id, describe_error(error))
    handling = HANDLING.get()
    if handling is not None and handling.gave_up and not handling.refused:
        return
    if (isinstance(update, Update) and update.effective_chat is not None
            and not isinstance(error, Forbidden)):
        await _apologise(update, context)
    # A notice that reaches the staff group is not the patient's reply, and must not mark the
    # update answered in the inbox. The database refusing writes is told once, by its outage.
    if outage:
        return
    with context.not_the_reply():
        await alerts.notify_staff(update, context)


async def _apologise(update: Update, context: FrontDeskContext) -> None:
    if update.callback_query is not None:  # stop the button's spinner
        with contextlib.suppress(Exception):
            await update.callback_query.answer()
    chat = update.effective_chat
    if chat is None:
        return
    try:
        lang = telegram_language(update)
        _ = context.gettext(lang)
        text = "\n".join([
            escape(_("Sorry, something went wrong on my side. Please try again, or call us:")),
            escape(context.desk.numbers(lang)),
            "",
            # The message that failed may have been the emergency, as with every non-answer.
            escape_bold_999(context.desk.emergency_line(lang)),
        ])
        await context.bot.send_message(chat.id, text)
    except Exception as exc:
        logger.error("Update %s: could not send the apology (%s)", update.update_id,
                     type(exc).__name__)

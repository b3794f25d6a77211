"""The python-telegram-bot application: every handler wired in one place.

`build_application` is what the tests run against a fake Bot API; `run_bot` adds polling or a
webhook, signal handling and logging around it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import telegram_patient as patient
from bot import telegram_staff as staff
from bot.config import Settings
from bot.core.frontdesk import FrontDesk
from bot.core.vocabulary import Lang
from bot.flood import FloodGuard
from bot.storage import InquiryLog
from bot.telegram_context import Context, Services, services, translator, unknown_command
from bot.telegram_ui import escape

logger = logging.getLogger(__name__)

MAINTENANCE_EVERY_SECONDS = 60.0
PURGE_EVERY_SECONDS = 24 * 3600.0
_MAINTENANCE_TASK = "maintenance_task"



def N_(message: str) -> str:
    """Marks a string for `pybabel extract`; it is translated where it is shown."""
    return message


# (command, English description); descriptions are translated through the catalogs.
PATIENT_COMMANDS = (
    ("start", N_("Start and see what I can do")),
    ("topics", N_("Browse all topics")),
    ("appointment", N_("Appointment numbers")),
    ("callback", N_("Ask the front desk to call you")),
    ("language", N_("Choose English or Bangla")),
    ("help", N_("How to use this bot")),
    ("forget", N_("Delete everything stored about you")),
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
    ("inquiries", N_("Latest inquiries (staff)")),
    ("unanswered", N_("Questions the bot could not answer (staff)")),
    ("callbacks", N_("Open call-back requests (staff)")),
    ("stats", N_("Statistics (staff)")),
    ("export", N_("Export inquiries as CSV for Excel (staff)")),
)


def build_application(settings: Settings, desk: FrontDesk) -> Application:  # type: ignore[type-arg]
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        # Retries keep a reply when Telegram says "slow down" instead of losing it.
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if settings.file_base_url:
        builder = builder.base_file_url(settings.file_base_url)
    app = builder.build()
    app.bot_data["services"] = Services(
        settings=settings, desk=desk, flood=FloodGuard(settings.flood_messages_per_minute)
    )

    app.add_handler(TypeHandler(Update, patient.flood_control), group=-1)
    app.add_handler(CommandHandler("start", patient.start))
    app.add_handler(CommandHandler("help", patient.help_command))
    app.add_handler(CommandHandler("topics", patient.topics))
    app.add_handler(CommandHandler("appointment", patient.appointment))
    app.add_handler(CommandHandler("callback", patient.callback_command))
    app.add_handler(CommandHandler("language", patient.language))
    app.add_handler(CommandHandler("forget", patient.forget))
    app.add_handler(CommandHandler("inquiries", staff.inquiries))
    app.add_handler(CommandHandler("unanswered", staff.unanswered))
    app.add_handler(CommandHandler("callbacks", staff.callbacks))
    app.add_handler(CommandHandler("stats", staff.stats))
    app.add_handler(CommandHandler("export", staff.export))
    app.add_handler(CallbackQueryHandler(patient.button_press))
    app.add_handler(MessageHandler(filters.CONTACT & filters.ChatType.PRIVATE,
                                   patient.contact_message))
    # In groups, commands for other bots are none of our business.
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, patient.text_message))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.StatusUpdate.ALL,
                                   patient.non_text_message))
    app.add_error_handler(on_error)
    return app


async def post_init(app: Application) -> None:  # type: ignore[type-arg]
    svc: Services = app.bot_data["services"]
    svc.log = await InquiryLog.open(svc.settings.database_path)
    await register_commands(app)
    await register_descriptions(app)
    app.bot_data[_MAINTENANCE_TASK] = asyncio.create_task(_maintenance(svc))


async def post_stop(app: Application) -> None:  # type: ignore[type-arg]
    task: asyncio.Task[None] | None = app.bot_data.pop(_MAINTENANCE_TASK, None)
    if task:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
    await post_stop(app)
    svc: Services = app.bot_data["services"]
    if svc.log is not None:
        # An unclosed aiosqlite connection keeps its worker thread, and the process, alive.
        await svc.log.close()
        svc.log = None


async def _maintenance(svc: Services) -> None:
    """Retry records the disk refused, forget idle flood counters, purge old records daily."""
    since_purge = PURGE_EVERY_SECONDS  # purge once at start-up
    while True:
        if svc.log is not None:
            try:
                await svc.log.flush_pending()
                if since_purge >= PURGE_EVERY_SECONDS:
                    purged = await svc.log.purge_older_than(svc.settings.retention_days)
                    logger.info("retention: purged %d records older than %d days",
                                purged, svc.settings.retention_days)
                    since_purge = 0.0
            except Exception:
                logger.exception("maintenance failed; will try again")
        svc.flood.forget_idle()
        await asyncio.sleep(MAINTENANCE_EVERY_SECONDS)
        since_purge += MAINTENANCE_EVERY_SECONDS


def _commands(desk: FrontDesk, lang: Lang, pairs: tuple[tuple[str, str], ...]) -> list[BotCommand]:
    _ = desk.catalogs(lang).gettext
    return [BotCommand(name, _(description)) for name, description in pairs]


async def register_commands(app: Application) -> None:  # type: ignore[type-arg]
    """The command menu per language, and the staff menu only where staff see it."""
    svc: Services = app.bot_data["services"]
    bot = app.bot
    for lang in Lang:
        code = lang.value if lang is Lang.BN else None  # English is the default for everyone
        patient_menu = _commands(svc.desk, lang, PATIENT_COMMANDS)
        staff_menu = patient_menu + _commands(svc.desk, lang, STAFF_COMMANDS)
        for scope in (BotCommandScopeDefault(), BotCommandScopeAllPrivateChats()):
            await bot.set_my_commands(patient_menu, scope=scope, language_code=code)
            if code is None:
                await bot.set_my_commands(patient_menu, scope=scope, language_code="en")
        chats = set(svc.settings.staff_user_ids)
        if svc.settings.staff_chat_id:
            chats.add(svc.settings.staff_chat_id)
        for chat_id in sorted(chats):
            try:
                for language_code in ((code, "en") if code is None else (code,)):
                    await bot.set_my_commands(
                        staff_menu, scope=BotCommandScopeChat(chat_id), language_code=language_code
                    )
            except Exception:  # a staff member who never opened the bot has no chat yet
                logger.warning("could not set the staff menu for chat %s (has it started the "
                               "bot?)", chat_id)


async def register_descriptions(app: Application) -> None:  # type: ignore[type-arg]
    """The bot's description and short description, in English by default and in Bangla for
    Bangla Telegram apps."""
    desk = app.bot_data["services"].desk
    for lang, code in ((Lang.EN, None), (Lang.EN, "en"), (Lang.BN, "bn")):
        _ = desk.catalogs(lang).gettext
        try:
            await app.bot.set_my_description(
                _(DESCRIPTION) + "\n\n" + desk.emergency_line(lang), language_code=code
            )
            await app.bot.set_my_short_description(_(SHORT_DESCRIPTION), language_code=code)
        except Exception:  # cosmetic: a failure here must not keep the bot from answering
            logger.warning("could not set the bot description (language %s)", code or "default")


async def on_error(update: object, context: Context) -> None:
    logger.error("error while handling update %s", update, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        desk = services(context).desk
        user = update.effective_user
        lang = Lang.BN if user and (user.language_code or "").startswith("bn") else Lang.EN
        _ = translator(context, lang)
        text = "\n".join([
            escape(_("Sorry, something went wrong on my side. Please try again, or call us:")),
            escape(desk.numbers(lang)),
        ])
        await context.bot.send_message(update.effective_chat.id, text)
    except Exception:
        logger.exception("could not tell the user about the error")


class RedactToken(logging.Filter):
    """HTTP client logs print request URLs, and Bot API URLs contain the token."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = None
        return True


def install_token_redaction(token: str) -> None:
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    # httpx logs every request at INFO; it is noise, and the URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)


def run_bot(settings: Settings, desk: FrontDesk) -> None:
    assert settings.token
    install_token_redaction(settings.token)
    app = build_application(settings, desk)
    if settings.webhook_url:
        logger.info("starting in webhook mode on %s:%s", settings.webhook_listen,
                    settings.webhook_port)
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
            bootstrap_retries=-1,
        )
    else:
        logger.info("starting with long polling")
        # bootstrap_retries=-1: when Telegram is unreachable at start-up, keep trying.
        app.run_polling(allowed_updates=Update.ALL_TYPES, bootstrap_retries=-1)

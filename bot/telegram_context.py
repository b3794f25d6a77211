"""What every Telegram handler needs: the core, the log, settings, and the patient's language.

Kept apart from the handlers so patient and staff modules share one way of logging an
inquiry and of choosing the reply language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from bot.config import Settings
from bot.core.frontdesk import FrontDesk
from bot.core.vocabulary import Form, Lang
from bot.flood import FloodGuard
from bot.storage import InquiryLog, InquiryRecord
from bot.telegram_ui import escape

Context = ContextTypes.DEFAULT_TYPE
_CHOSEN = "chosen_lang"  # user_data key: the language the patient picked ("" = automatic)
_LAST = "last_lang"  # user_data key: the language of the last reply


@dataclass
class Services:
    settings: Settings
    desk: FrontDesk
    flood: FloodGuard
    log: InquiryLog | None = None  # opened in post_init, closed in post_shutdown


def services(context: Context) -> Services:
    return context.application.bot_data["services"]  # type: ignore[no-any-return]


def translator(context: Context, lang: Lang) -> Callable[[str], str]:
    """gettext for `lang`: every UI string in the Telegram adapter goes through this."""
    return services(context).desk.catalogs(lang).gettext


def inquiry_log(context: Context) -> InquiryLog:
    log = services(context).log
    if log is None:
        raise RuntimeError("the inquiry log is not open (post_init has not run)")
    return log


async def chosen_language(update: Update, context: Context) -> Lang | None:
    """The language the patient picked with /language, if any (persisted in the database)."""
    user_data: dict[str, Any] = context.user_data if context.user_data is not None else {}
    if _CHOSEN not in user_data and update.effective_user:
        stored = await inquiry_log(context).get_language(update.effective_user.id)
        user_data[_CHOSEN] = stored or ""
    value = user_data.get(_CHOSEN) or ""
    return Lang(value) if value else None


async def set_chosen_language(update: Update, context: Context, lang: Lang | None) -> None:
    if update.effective_user:
        await inquiry_log(context).set_language(
            update.effective_user.id, lang.value if lang else None
        )
    if context.user_data is not None:
        context.user_data[_CHOSEN] = lang.value if lang else ""


async def ui_language(update: Update, context: Context) -> Lang:
    """For replies with no text to detect a language from (commands, buttons, stickers)."""
    chosen = await chosen_language(update, context)
    if chosen:
        return chosen
    if context.user_data and context.user_data.get(_LAST):
        return Lang(context.user_data[_LAST])
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return Lang.BN if code.lower().startswith("bn") else Lang.EN


def remember_reply_language(context: Context, lang: Lang) -> None:
    if context.user_data is not None:
        context.user_data[_LAST] = lang.value


async def log_inquiry(
    update: Update,
    context: Context,
    *,
    text: str,
    kind: str,
    lang: Lang,
    form: Form | None = None,
    entry_id: str | None = None,
    confidence: float | None = None,
) -> int | None:
    """Write the inquiry before the reply goes out; storage keeps it pending if the disk fails."""
    user, chat = update.effective_user, update.effective_chat
    record = InquiryRecord(
        received_at=datetime.now(UTC),
        update_id=update.update_id,
        user_id=user.id if user else 0,
        chat_id=chat.id if chat else 0,
        display_name=user.full_name if user else "",
        username=user.username if user else None,
        lang=lang.value,
        form=form.value if form else None,
        text=text,
        kind=kind,
        entry_id=entry_id,
        confidence=confidence,
    )
    return await inquiry_log(context).record(record)


async def unknown_command(update: Update, context: Context) -> None:
    """Also what non-staff users get for staff commands: the commands must not reveal themselves."""
    lang = await ui_language(update, context)
    message = update.effective_message
    await log_inquiry(
        update, context, text=(message.text if message else None) or "", kind="command", lang=lang
    )
    _ = translator(context, lang)
    if message:
        await message.reply_text(escape(_("Sorry, I don't know that command. Send /help to see "
                                           "what I can do.")))

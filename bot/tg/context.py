"""What every Telegram handler gets: a typed context carrying the core, the log, the settings
and the patient's language, and the state the bot keeps per patient.

`build_application` registers these through PTB's `ContextTypes`, so a handler reads
`context.desk`, `context.log`, `context.settings` and `context.gettext(lang)`, and
`context.patient` is a `PatientData`, not a dict of string keys.

The rules a handler keeps (docs/architecture.md says why):
- Log before replying: `context.log_inquiry` first, then the message. A crash between the two
  loses a reply, never a record.
- The first message delivered while an update is handled is its reply. The inbox
  (tg.transport.intake) marks the update answered when a send, copy, edit or forward succeeds,
  and hands an unanswered one to the handlers again after a restart. A message that is not
  the reply (a notice to staff before the patient is told) goes out inside
  `context.not_the_reply()`.
- Time is `context.now()`, never `datetime.now()`: tests move the clock.
- Staff-side posts follow tg.staff_side (which chats, which language, how a time reads).
- No patient text in a log line, and none in a staff notice about an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import re
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import CallbackContext, ExtBot

from bot.config import Settings
from bot.core.conversation import CONTEXT_MINUTES, NEW, Context
from bot.core.frontdesk import FrontDesk
from bot.core.matcher import Learned
from bot.core.vocabulary import Form, Lang
from bot.storage import InquiryLog, InquiryRecord
from bot.tg.flood import FloodGuard
from bot.tg.staff_side import STAFF_LANG
from bot.tg.transport.request import HANDLING
from bot.tg.ui import Gettext, Parser

T = TypeVar("T")


class BotData:
    """What every handler shares. PTB creates it without arguments, so `build_application`
    fills it in before the bot starts; the log is opened in post_init, closed in post_shutdown."""

    settings: Settings
    desk: FrontDesk
    flood: FloodGuard
    log: InquiryLog | None = None
    # tg.schedule's minute loop: started in post_init, stopped in post_stop.
    housekeeping: asyncio.Task[None] | None = None
    purged_at: datetime | None = None  # the last retention purge, by `clock`
    # What staff taught, as the matcher has it now (tg.handoff.teach.relearn), and the lock that
    # keeps two rebuilds from finishing out of order.
    learned: tuple[Learned, ...] = ()
    relearning: asyncio.Lock
    # Error notices to the staff group, at most one in a while (tg.alerts).
    last_alert: datetime | None = None
    alerts_held: int = 0

    def __init__(self) -> None:
        self.relearning = asyncio.Lock()
        # The time, injectable so tests can move it (conversations close after a quiet day,
        # the digest goes out on Sunday morning).
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def open_log(self) -> InquiryLog:
        """The log, which handlers and the clock's jobs may assume open."""
        if self.log is None:
            raise RuntimeError("the inquiry log is not open (post_init has not run)")
        return self.log


@dataclass
class PatientData:
    """What the bot remembers about one user between messages, in memory. Only the language
    choice outlives a restart: the log keeps it."""

    chosen_lang: Lang | None = None  # picked with /language; None: the language they write in
    chosen_loaded: bool = False  # chosen_lang has been read from the log
    last_lang: Lang | None = None  # the language of the last reply
    awaiting_phone_for: str | None = None  # a clinic id, while we wait for a phone number
    # "Ask the front desk" pressed with no question yet: the next message goes to the front
    # desk (kept in memory only; after a restart the message is answered by the bot instead).
    awaiting_question: bool = False


class FrontDeskContext(CallbackContext[ExtBot[Any], PatientData, dict[Any, Any], BotData]):
    @property
    def desk(self) -> FrontDesk:
        return self.bot_data.desk

    @property
    def settings(self) -> Settings:
        return self.bot_data.settings

    @property
    def flood(self) -> FloodGuard:
        return self.bot_data.flood

    @property
    def log(self) -> InquiryLog:
        return self.bot_data.open_log()

    @property
    def patient(self) -> PatientData:
        """This user's state; a throwaway one for an update without a user (a channel post)."""
        return self.user_data if self.user_data is not None else PatientData()

    def now(self) -> datetime:
        """The time: every handler's, so that tests can move it (`BotData.clock`)."""
        return self.bot_data.clock()

    async def chat_context(self, update: Update) -> Context:
        """What this chat said before (its last answers, an old injury told), if it wrote in
        the last CONTEXT_MINUTES; else a fresh start."""
        chat = update.effective_chat
        if chat is None:
            return NEW
        stored = await self.log.contexts.get(chat.id, self.now(),
                                             within=timedelta(minutes=CONTEXT_MINUTES))
        return Context.from_json(stored)

    async def keep_context(self, update: Update, context: Context | None) -> None:
        """Remember `context` for this chat's next message (None forgets it, as /start does)."""
        chat, user = update.effective_chat, update.effective_user
        if chat is None or user is None:
            return
        await self.log.contexts.put(chat.id, user.id, context.to_json() if context else None,
                                    self.now())

    @staticmethod
    @contextlib.contextmanager
    def not_the_reply() -> Iterator[None]:
        """Messages sent inside this block do not count as the update's reply: the inbox still
        waits for the one that does (see the module's rules)."""
        token = HANDLING.set(None)
        try:
            yield
        finally:
            HANDLING.reset(token)

    def gettext(self, lang: Lang) -> Gettext:
        """Every UI string in the Telegram adapter is translated through this."""
        return self.desk.catalogs(lang).gettext

    async def chosen_language(self, update: Update) -> Lang | None:
        """The language the patient picked with /language, if any."""
        patient = self.patient
        if not patient.chosen_loaded and update.effective_user:
            stored = await self.log.get_language(update.effective_user.id)
            patient.chosen_lang, patient.chosen_loaded = (Lang(stored) if stored else None), True
        return patient.chosen_lang

    async def choose_language(self, update: Update, lang: Lang | None) -> None:
        if update.effective_user:
            await self.log.set_language(update.effective_user.id, lang.value if lang else None)
        self.patient.chosen_lang, self.patient.chosen_loaded = lang, True

    async def language(self, update: Update) -> Lang:
        """For replies with no text to detect a language from (commands, buttons, stickers).
        In the staff group, its language (Bangla, like the cards), whoever's phone it is."""
        chat = update.effective_chat
        if chat is not None and chat.id == self.settings.staff_chat_id:
            return STAFF_LANG
        return (
            await self.chosen_language(update)
            or self.patient.last_lang
            or telegram_language(update)
        )

    async def log_inquiry(
        self,
        update: Update,
        *,
        text: str,
        kind: str,
        lang: Lang,
        form: Form | None = None,
        entry_id: str | None = None,
        confidence: float | None = None,
        more_entries: tuple[str, ...] = (),
    ) -> int | None:
        """Write the inquiry before the reply goes out; storage keeps it pending if the disk
        fails."""
        user, chat = update.effective_user, update.effective_chat
        record = InquiryRecord(
            received_at=self.now(),
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
            more_entries=" ".join(more_entries) or None,
        )
        return await self.log.record(record)


def is_staff(update: Update, settings: Settings) -> bool:
    """A staff member (STAFF_USER_IDS), in a private chat with the bot or in the staff chat."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.id not in settings.staff_user_ids:
        return False
    return chat.type == ChatType.PRIVATE or chat.id == settings.staff_chat_id


def staff_gate(handler: Handler) -> Handler:
    """A staff button's one gate (tg.app wraps every button the table marks `staff`). Anyone
    else who presses one in the staff group is told it is staff's; elsewhere, where the bot
    never shows staff buttons, it has expired, as staff commands do not exist for patients."""

    @functools.wraps(handler)
    async def gated(update: Update, context: FrontDeskContext) -> None:
        if is_staff(update, context.settings):
            await handler(update, context)
            return
        chat = update.effective_chat
        if chat is None or chat.id != context.settings.staff_chat_id:
            await expired(update, context)
            return
        _ = context.gettext(await context.language(update))
        await callback_query(update).answer(_("Only front-desk staff can use this button."),
                                            show_alert=True)

    return gated


def telegram_language(update: Update) -> Lang:
    """Bangla for a Bangla Telegram, otherwise English."""
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return Lang.BN if code.lower().startswith("bn") else Lang.EN


def callback_query(update: Update) -> CallbackQuery:
    """The pressed button: every update a CallbackQueryHandler passes on has one."""
    if update.callback_query is None:
        raise TypeError("a button handler got an update without a callback query")
    return update.callback_query


async def expired(update: Update, context: FrontDeskContext) -> None:
    """A button the bot would not make today (an entry renamed since, or forged data): never
    an error, just a kind note."""
    _ = context.gettext(await context.language(update))
    await callback_query(update).answer(
        _("Sorry, this button has expired. Please send /start."), show_alert=True
    )


_TAG = re.compile(r"<[^>]*>")
Shown = tuple[str, InlineKeyboardMarkup | None]  # a message's plain text and its buttons
# What the bot last put in the messages it edited, newest last: two quick taps both carry the
# message as it was before the first edit, so the press alone cannot tell.
_edited: OrderedDict[tuple[int, int], Shown] = OrderedDict()
_EDITED_KEPT = 10_000


async def edit_in_place(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Show `text` (our HTML) in place of the message the button is on. A second tap on the
    same button would change nothing, and Telegram refuses such an edit ("message is not
    modified"): then there is nothing to do."""
    message = query.message if isinstance(query.message, Message) else None
    wanted: Shown = (html.unescape(_TAG.sub("", text)), reply_markup)
    key = (message.chat.id, message.message_id) if message else None
    shown = _edited.get(key) if key else None
    if shown is None and message is not None:
        shown = (message.text or "", message.reply_markup)
    if shown == wanted:
        return
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
    if key is not None:
        _edited[key] = wanted
        _edited.move_to_end(key)
        while len(_edited) > _EDITED_KEPT:
            _edited.popitem(last=False)


Handler = Callable[[Update, FrontDeskContext], Coroutine[Any, Any, None]]
ButtonHandler = Callable[[Update, FrontDeskContext, T], Coroutine[Any, Any, None]]


def on_button(parse: Parser[T]) -> Callable[[ButtonHandler[T]], Handler]:
    """A button's handler, given its data parsed by `parse`; a button that does not parse has
    expired, and is told so here."""

    def decorate(handler: ButtonHandler[T]) -> Handler:
        @functools.wraps(handler)
        async def on_press(update: Update, context: FrontDeskContext) -> None:
            value = parse(callback_query(update).data, context.desk.kb)
            if value is None:
                await expired(update, context)
                return
            await handler(update, context, value)

        return on_press

    return decorate


"""A person one tap away (issue 9): "Ask the front desk", and the messages relayed both ways
while a patient's conversation with the front desk is open.

    idle ──"💬 Ask the front desk"──► open ──"✅ Done", or a day with no message──► idle
      │  (from /help: the next message is the question)   ▲   │
      └──────────────────────────────────────────────────┘   └─ a staff answer reopens it

While it is open the patient's messages (text, photos, voice notes, documents) go to the card
in the staff group as replies to it, and the bot does not answer them, except that danger now
still gets the 999 alarm at once. Staff answer by replying to the card (or to any message of its
thread), or with "✍️ Reply", which asks for the text with Telegram's reply box. Every message the
bot posts for a conversation on the staff side is linked to it in the log
(`conversation_messages`), so a reply to any of them finds the conversation. The card itself,
its buttons, the time-out and /forget's clean-up are `tg.handoff.cards`.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.config import Settings
from bot.core.language import normalize_text
from bot.core.vocabulary import Lang
from bot.storage import Conversation, Inquiry, InquiryRecord
from bot.tg.context import (
    FrontDeskContext,
    callback_query,
    expired,
    is_staff,
    on_button,
)
from bot.tg.handoff.cards import IDLE, card_keyboard, card_text, refresh_cards
from bot.tg.staff_side import (
    front_desk_reachable,
    patient_language,
    staff_chats,
    staff_language,
)
from bot.tg.ui import (
    Action,
    AskFor,
    Gettext,
    ask_button,
    bold,
    escape,
    escape_bold_999,
    pack,
    parse_ask,
)

logger = logging.getLogger(__name__)

# What a patient can send that a person can look at (and the front desk gets as a copy).
MEDIA = ("voice", "audio", "video_note", "video", "photo", "document", "sticker", "location",
         "contact", "animation")


def ask_data(settings: Settings, inquiry_id: int | None, message_id: int | None = None) -> (
    str | None
):
    """The "Ask the front desk" button's data for an inquiry, or None when nobody can answer.
    Without an inquiry id (the disk refused the record) the patient types the question again."""
    if not front_desk_reachable(settings):
        return None
    if inquiry_id is None:
        return pack(Action.ASK)
    if message_id is None:
        return pack(Action.ASK, inquiry_id)
    return pack(Action.ASK, inquiry_id, message_id)


def _media_of(message: Message) -> str | None:
    return next((kind for kind in MEDIA if getattr(message, kind, None)), None)


# -- patients -------------------------------------------------------------------------------


@on_button(parse_ask)
async def ask(update: Update, context: FrontDeskContext, asked: AskFor) -> None:
    """ask…: "💬 Ask the front desk". Sends the question (or voice note…) to the staff group as
    a card, and opens the conversation."""
    user, query = update.effective_user, callback_query(update)
    lang = await context.language(update)
    _ = context.gettext(lang)
    if user is None or not front_desk_reachable(context.settings):
        await expired(update, context)
        return
    if asked.inquiry_id is None:
        context.patient.awaiting_question = True
        await query.answer()
        await context.bot.send_message(user.id, "\n".join([
            escape(_("Please type your question for the front desk. A person there will reply "
                     "in this chat.")),
            escape_bold_999(context.desk.emergency_line(lang)),
        ]))
        return
    inquiry = await context.log.inquiry(asked.inquiry_id)
    if inquiry is None or inquiry.user_id != user.id:  # deleted with /forget, or not theirs
        await expired(update, context)
        return
    await query.answer()
    active = await context.log.conversations.active(user.id, context.now(), IDLE)
    if active is not None and active.inquiry_id == inquiry.id:
        await context.bot.send_message(user.id, escape(_(
            "This question is already with the front desk. They will reply in this chat.")))
        return
    if active is not None:  # one conversation at a time: the new question joins it
        await _relay_inquiry(context, active, inquiry, asked.message_id)
        await _tell_patient_sent(context, user.id, lang)
        return
    media = inquiry.text.strip("[]") if inquiry.kind == "non_text" else None
    conversation = await context.log.conversations.open(
        at=context.now(), user_id=user.id, chat_id=inquiry.chat_id,
        display_name=user.full_name, username=user.username, lang=lang.value,
        form=inquiry.form, question="" if media else inquiry.text, media=media,
        bot_reply=inquiry.kind, bot_entry_id=inquiry.entry_id, inquiry_id=inquiry.id,
    )
    await _open(context, conversation, lang, copy_of=asked.message_id)


async def _open(
    context: FrontDeskContext, conversation: Conversation, lang: Lang, copy_of: int | None
) -> None:
    """Post the card (and a copy of the voice note or photo asked about), then tell the patient.

    The card goes first, so that the patient is told only what has happened. It is not the
    update's reply: the note to the patient is. If that note never arrives, the inbox hands the
    update in again and no second card is posted: a press of "Ask the front desk" finds the
    open conversation and tells the patient the question is already there; a typed question
    (after /help) goes into the conversation's thread, like any message while it is open.
    """
    posted = False
    with context.not_the_reply():
        for chat_id in staff_chats(context.settings):
            if await _post_card(context, conversation, chat_id, copy_of):
                posted = True
    _ = context.gettext(lang)
    if not posted:  # nobody will see it: say so, rather than leave the patient waiting
        await context.log.conversations.close(conversation.id, context.now(), None)
        await context.bot.send_message(conversation.chat_id, "\n".join([
            escape(_("Sorry, the front desk cannot be reached from here right now. Please "
                     "call:")),
            escape(context.desk.numbers(lang)),
            escape_bold_999(context.desk.emergency_line(lang)),
        ]))
        return
    await _tell_patient_sent(context, conversation.chat_id, lang)


async def _post_card(
    context: FrontDeskContext, conversation: Conversation, chat_id: int, copy_of: int | None
) -> bool:
    staff_lang = await staff_language(context.log, context.settings, chat_id)
    _ = context.gettext(staff_lang)
    try:
        card = await context.bot.send_message(
            chat_id, card_text(conversation, context.desk, staff_lang, _),
            reply_markup=card_keyboard(conversation, _),
        )
    except TelegramError:
        logger.exception("could not post the card of conversation %s to chat %s",
                         conversation.id, chat_id)
        return False
    await context.log.conversations.link_message(conversation.id, chat_id, card.message_id,
                                                 "card")
    if copy_of is not None:  # right below its card: it keeps its own caption
        await _copy_to_staff(context, conversation, chat_id, card.message_id, copy_of, None,
                             with_header=False)
    return True


async def _tell_patient_sent(context: FrontDeskContext, chat_id: int, lang: Lang) -> None:
    # Passed on, not promised: nobody may be at the desk tonight, so no time is given.
    _ = context.gettext(lang)
    await context.bot.send_message(chat_id, "\n".join([
        "✅ " + escape(_("Your question has gone to the IBN-SINA front desk. A person there "
                        "will reply in this chat.")),
        escape(_("Until then, what you write here goes to them too.")),
        "",
        escape(_("If you cannot wait for a reply, please call:")),
        escape(context.desk.numbers(lang)),
        escape_bold_999(context.desk.emergency_line(lang)),
    ]))


async def conversation_message(update: Update, context: FrontDeskContext) -> None:
    """Runs before the bot answers any message. A reply to a card (or its thread) is a staff
    member's answer; a patient's message in an open conversation goes to the front desk. Either
    way the bot does not answer it; any other message goes on to the usual handlers."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    if message is None or user is None or chat is None:
        return
    if message.reply_to_message is not None:
        conversation = await context.log.conversations.of_message(
            chat.id, message.reply_to_message.message_id)
        if conversation is not None:
            if is_staff(update, context.settings):
                await _staff_answer(update, context, conversation, message)
            # Anyone else replying to a card changes nothing.
            raise ApplicationHandlerStop
        replied_to = message.reply_to_message.from_user
        if (chat.type != ChatType.PRIVATE and is_staff(update, context.settings)
                and replied_to is not None and replied_to.id == context.bot.id):
            # A list, the digest, a notice: a reply there reaches nobody, so say so at once.
            _ = context.gettext(await context.language(update))
            await message.reply_text(escape(_(
                "Not sent to any patient: to answer one, reply to their card (or to a "
                "message in its thread).")))
            raise ApplicationHandlerStop
    if chat.type != ChatType.PRIVATE or context.patient.awaiting_phone_for:
        return
    if context.patient.awaiting_question:
        context.patient.awaiting_question = False
        await _open_from_message(update, context, message)
        raise ApplicationHandlerStop
    active = await context.log.conversations.active(user.id, context.now(), IDLE)
    if active is None:
        return
    await _relay_patient_message(update, context, active, message)
    raise ApplicationHandlerStop


async def _open_from_message(
    update: Update, context: FrontDeskContext, message: Message
) -> None:
    """After "Ask the front desk" from /help: this message is the question."""
    user = update.effective_user
    if user is None:
        return
    lang = await context.language(update)
    media = _media_of(message) if not message.text else None
    text = message.text or ""
    await _alarm_if_danger(context, message.chat_id, text, lang)
    inquiry_id = await context.log_inquiry(
        update, text=text or f"[{media}]", kind="to_front_desk", lang=lang)
    conversation = await context.log.conversations.open(
        at=context.now(), user_id=user.id, chat_id=message.chat_id,
        display_name=user.full_name, username=user.username, lang=lang.value,
        form=context.desk.detector.detect(normalize_text(text)).value if text else None,
        question=text, media=media, bot_reply="", bot_entry_id=None, inquiry_id=inquiry_id,
    )
    await _open(context, conversation, lang, copy_of=message.message_id if media else None)


async def _alarm_if_danger(context: FrontDeskContext, chat_id: int, text: str, lang: Lang) -> bool:
    """Danger now gets the 999 alarm at once, even while a person is to answer."""
    check = context.desk.danger.check(normalize_text(text)) if text else None
    if check is None or not check.alarm:
        return False
    await context.bot.send_message(chat_id, escape_bold_999(context.desk.alarm(check.level, lang)))
    return True


async def _relay_patient_message(
    update: Update, context: FrontDeskContext, conversation: Conversation, message: Message
) -> None:
    lang = await context.language(update)
    text = message.text or message.caption or ""
    media = None if message.text else _media_of(message)
    danger = await _alarm_if_danger(context, message.chat_id, text, lang)
    logged = f"[{media}] {text}".strip() if media else text
    await context.log_inquiry(update, text=logged, kind="to_front_desk", lang=lang)
    for card in await context.log.conversations.linked_messages(conversation.id, "card"):
        if media:
            await _copy_to_staff(context, conversation, card.chat_id, card.message_id,
                                 message.message_id, message.caption_html or None, danger)
        else:
            await _send_to_staff(context, conversation, card.chat_id, card.message_id,
                                 escape(text), danger)
    await context.log.conversations.touch(conversation.id, context.now())
    if conversation.answered_at is not None:  # the card said "answered": now it is waiting
        touched = await context.log.conversations.get(conversation.id)
        if touched is not None:
            await refresh_cards(context.bot, context.bot_data, touched)


async def _relay_inquiry(
    context: FrontDeskContext, conversation: Conversation, inquiry: Inquiry,
    message_id: int | None,
) -> None:
    """Another question asked with the button while a conversation is open: into its thread."""
    for card in await context.log.conversations.linked_messages(conversation.id, "card"):
        if message_id is not None:
            await _copy_to_staff(context, conversation, card.chat_id, card.message_id,
                                 message_id, None)
        else:
            await _send_to_staff(context, conversation, card.chat_id, card.message_id,
                                 escape(inquiry.text))
    await context.log.conversations.touch(conversation.id, context.now())


async def _header(
    context: FrontDeskContext, conversation: Conversation, chat_id: int, danger: bool
) -> str:
    lang = await staff_language(context.log, context.settings, chat_id)
    _ = context.gettext(lang)
    name = conversation.display_name or str(conversation.user_id)
    if danger:
        return "🚨 " + bold(_("{name} (#{id}), maybe an emergency: the bot sent the 999 alarm.")
                           .format(name=name, id=conversation.id))
    return "💬 " + bold(f"{name} (#{conversation.id}):")


async def _send_to_staff(
    context: FrontDeskContext, conversation: Conversation, chat_id: int, card_id: int,
    html_text: str, danger: bool = False,
) -> None:
    header = await _header(context, conversation, chat_id, danger)
    try:
        sent = await context.bot.send_message(
            chat_id, f"{header}\n{html_text}",
            reply_parameters=ReplyParameters(card_id, allow_sending_without_reply=True),
        )
    except TelegramError:
        logger.exception("could not relay a message of conversation %s to chat %s",
                         conversation.id, chat_id)
        return
    await context.log.conversations.link_message(conversation.id, chat_id, sent.message_id,
                                                 "patient")


async def _copy_to_staff(
    context: FrontDeskContext, conversation: Conversation, chat_id: int, card_id: int,
    message_id: int, caption_html: str | None, danger: bool = False, with_header: bool = True,
) -> None:
    """A copy of the patient's voice note, photo... as a reply to the card: a copy, not a
    forward, so the patient's account is not exposed and the caption can say who sent it
    (`caption_html`: the patient's own caption, which a new caption replaces)."""
    header = await _header(context, conversation, chat_id, danger)
    caption = f"{header}\n{caption_html}" if caption_html else header
    try:
        copied = await context.bot.copy_message(
            chat_id, conversation.chat_id, message_id,
            caption=caption if with_header else None,  # None: the original caption stays
            reply_parameters=ReplyParameters(card_id, allow_sending_without_reply=True),
        )
    except TelegramError:
        # A sticker or a location takes no caption: copy it bare (the reply shows whose).
        try:
            copied = await context.bot.copy_message(
                chat_id, conversation.chat_id, message_id,
                reply_parameters=ReplyParameters(card_id, allow_sending_without_reply=True),
            )
        except TelegramError:
            logger.exception("could not copy a message of conversation %s to chat %s",
                             conversation.id, chat_id)
            return
    await context.log.conversations.link_message(conversation.id, chat_id, copied.message_id,
                                                 "patient")


# -- staff answers --------------------------------------------------------------------------


async def _staff_answer(
    update: Update, context: FrontDeskContext, conversation: Conversation, message: Message
) -> None:
    """A staff member's reply to a card: to the patient, framed as the front desk's."""
    staff = update.effective_user
    if staff is None:
        return
    lang = await patient_language(context.log, conversation.user_id, Lang(conversation.lang))
    _ = context.gettext(lang)
    frame = "💬 " + bold(_("IBN-SINA front desk:"))
    _ = context.gettext(await context.language(update))  # from here on, for the staff member
    try:
        if message.text:
            await context.bot.send_message(conversation.chat_id, f"{frame}\n{message.text_html}")
        else:
            await context.bot.send_message(conversation.chat_id, frame)
            await context.bot.copy_message(conversation.chat_id, message.chat_id,
                                           message.message_id)
    except TelegramError as exc:
        logger.warning("could not deliver a staff answer in conversation %s: %s",
                       conversation.id, exc)
        await message.reply_text(escape(_(
            "Not delivered: the patient may have blocked the bot or deleted the chat.")))
        return
    media = None if message.text else _media_of(message)
    await context.log.record(InquiryRecord(
        update_id=update.update_id, user_id=conversation.user_id, chat_id=conversation.chat_id,
        display_name=conversation.display_name, username=conversation.username, lang=lang.value,
        text=message.text or f"[{media}] {message.caption or ''}".strip(),
        kind="from_front_desk",
    ))
    answered = await context.log.conversations.record_staff_reply(
        conversation.id, staff.full_name, context.now())
    if answered is not None:
        await refresh_cards(context.bot, context.bot_data, answered)
    sent = await message.reply_text(escape(_("✅ Sent to {name}.").format(
        name=conversation.display_name or conversation.user_id)))
    # A clerk's next answer is often a reply to their last one, or to this note: both belong
    # to the conversation's thread like the card.
    links = context.log.conversations
    await links.link_message(conversation.id, message.chat_id, message.message_id, "answer")
    await links.link_message(conversation.id, sent.chat_id, sent.message_id, "note")


def keyboard_with_ask(markup: InlineKeyboardMarkup, _: Gettext, data: str | None) -> (
    InlineKeyboardMarkup
):
    """`markup` with "Ask the front desk" below it (when anyone can answer)."""
    if data is None:
        return markup
    rows: list[Any] = [list(row) for row in markup.inline_keyboard]
    return InlineKeyboardMarkup([*rows, [ask_button(_, data)]])

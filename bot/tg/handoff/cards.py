"""The staff side of a front-desk conversation (issue 9): the card in the staff group, its
"✍️ Reply" and "✅ Done" buttons, the time-out after a quiet day, and removing the patient's
words from the staff side for /forget.

A card shows the conversation as the log has it (who asked what, what the bot said, who
answered, whether it is open) and is redrawn whenever that changes. Cards go to STAFF_CHAT_ID,
or to each staff member privately when there is no staff group. They are written in Bangla in
the group, the clinic's working language, and in a staff member's chosen language in a private
chat (tg.staff_side). Only staff can press their buttons (`tg.context.staff_gate`); anyone
else in the group is told so, and nothing changes.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
    Update,
)
from telegram.error import TelegramError

from bot.core.frontdesk import FrontDesk
from bot.core.vocabulary import Lang
from bot.storage import Conversation
from bot.tg.context import (
    BotData,
    FrontDeskContext,
    callback_query,
    expired,
    on_button,
)
from bot.tg.staff_side import patient_language, staff_language, staff_time
from bot.tg.ui import (
    Action,
    Gettext,
    ask_button,
    bold,
    button,
    escape,
    pack,
    parse_desk_done,
    parse_desk_reply,
)

logger = logging.getLogger(__name__)

# A conversation with no message either way for this long is closed: the bot answers again.
IDLE = timedelta(hours=24)
FORM_NAMES = {"en": "English", "bn": "বাংলা", "banglish": "Banglish"}


# -- the card -------------------------------------------------------------------------------


def _bot_reply(conversation: Conversation, desk: FrontDesk, lang: Lang, _: Gettext) -> str:
    entry = desk.kb.entries.get(conversation.bot_entry_id or "")
    title = entry.title[lang] if entry else ""
    match conversation.bot_reply:
        case "fallback":
            return _("no answer (it said so and gave both numbers)")
        case "did_you_mean":
            return _("“did you mean” choices, the first: {title}").format(title=title)
        case "emergency":
            return _("the 999 alarm first")
        case "non_text":
            return _("a request to type the question or call")
        case "answer" if entry:
            return _("an answer: {title}").format(title=title)
    return _("nothing yet: the patient came from /help")


def _media_label(media: str, _: Gettext) -> str:
    labels = {"voice": _("🎤 a voice note (below)"), "photo": _("🖼 a photo (below)"),
              "document": _("📄 a document (below)")}
    return labels.get(media, _("📎 a file (below)"))


def card_text(conversation: Conversation, desk: FrontDesk, lang: Lang, _: Gettext) -> str:
    """The card as it stands: who asked what, what the bot said, who answered, whether open."""
    who = escape(conversation.display_name or str(conversation.user_id))
    if conversation.username:
        who += f" (@{escape(conversation.username)})"
    form = FORM_NAMES.get(conversation.form or conversation.lang, conversation.lang)
    question = (f"“{escape(conversation.question)}”" if conversation.question
                else escape(_media_label(conversation.media or "", _)))
    lines = [
        "💬 " + bold(_("Question for the front desk #{id}").format(id=conversation.id)),
        escape(_("Patient: {name}")).format(name=who) + f" · {escape(form)}",
        escape(_("Asked at: {time} (Dhaka)").format(time=staff_time(conversation.opened_at, lang))),
        escape(_("Question:")) + " " + question,
        escape(_("The bot replied: {reply}").format(
            reply=_bot_reply(conversation, desk, lang, _))),
    ]
    if conversation.answered_by and conversation.answered_at:
        lines.append("↩️ " + escape(_("Answered by {name} at {time} ({count} replies)").format(
            name=conversation.answered_by, time=staff_time(conversation.answered_at, lang),
            count=conversation.replies)))
    if conversation.status == "closed" and conversation.closed_at:
        if conversation.closed_by:
            lines.append("✅ " + escape(_("Closed by {name} at {time}").format(
                name=conversation.closed_by, time=staff_time(conversation.closed_at, lang))))
        else:
            lines.append("⌛ " + escape(_("Closed after a day without messages")))
    else:
        if conversation.answered_at and conversation.last_at > conversation.answered_at:
            # Otherwise the card still reads "answered" while the patient waits, and Done
            # sits one tap away.
            lines.append("⏳ " + escape(_("The patient wrote again after the last answer.")))
        lines.append(escape(_("Reply to this card to answer the patient.")))
    return "\n".join(lines)


def card_keyboard(conversation: Conversation, _: Gettext) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    if conversation.status == "open":
        rows.append([button(_("✍️ Reply"), Action.DESK_REPLY, conversation.id),
                     button(_("✅ Done"), Action.DESK_DONE, conversation.id)])
    if conversation.question:  # only a typed question can be taught
        rows.append([button(_("📚 Teach"), Action.TEACH, f"c{conversation.id}")])
    return InlineKeyboardMarkup(rows) if rows else None


async def refresh_cards(bot: Bot, data: BotData, conversation: Conversation) -> None:
    """Show the conversation's state on each of its cards."""
    log = data.open_log()
    for card in await log.conversations.linked_messages(conversation.id, "card"):
        lang = await staff_language(log, data.settings, card.chat_id)
        _ = data.desk.catalogs(lang).gettext
        try:
            await bot.edit_message_text(
                card_text(conversation, data.desk, lang, _), chat_id=card.chat_id,
                message_id=card.message_id, reply_markup=card_keyboard(conversation, _),
            )
        except TelegramError as exc:  # unchanged, or deleted by staff: the state is in the log
            logger.info("card of conversation %s not updated: %s", conversation.id, exc)


# -- the card's buttons, and the time-out ---------------------------------------------------


@on_button(parse_desk_reply)
async def reply_button(update: Update, context: FrontDeskContext, conversation_id: int) -> None:
    """dr:<conversation>: "✍️ Reply" asks for the answer with Telegram's reply box."""
    query = callback_query(update)
    staff = query.from_user
    conversation = await context.log.conversations.get(conversation_id)
    if conversation is None or not isinstance(query.message, Message):
        await expired(update, context)
        return
    _ = context.gettext(await context.language(update))
    await query.answer()
    # The mention makes the reply box open for this staff member only (selective).
    mention = f'<a href="tg://user?id={staff.id}">{escape(staff.full_name)}</a>'
    prompt = await context.bot.send_message(
        query.message.chat.id,
        "✍️ " + mention + ": " + escape(_(
            "write your answer to {name} (#{id}) as a reply to this message.").format(
                name=conversation.display_name or conversation.user_id, id=conversation.id)),
        reply_markup=ForceReply(selective=True,
                                input_field_placeholder=_("Your answer to the patient")),
        reply_parameters=ReplyParameters(query.message.message_id,
                                         allow_sending_without_reply=True),
    )
    await context.log.conversations.link_message(conversation.id, prompt.chat_id,
                                                 prompt.message_id, "prompt")


@on_button(parse_desk_done)
async def done_button(update: Update, context: FrontDeskContext, conversation_id: int) -> None:
    """dd:<conversation>: "✅ Done" closes the conversation; the bot answers the patient again."""
    query = callback_query(update)
    if await context.log.conversations.get(conversation_id) is None:  # forgotten, or never was
        await expired(update, context)
        return
    _ = context.gettext(await context.language(update))
    closed = await context.log.conversations.close(conversation_id, context.now(),
                                                  query.from_user.full_name)
    if closed is None:
        await query.answer(_("This conversation is already closed."))
        return
    await query.answer(_("Closed."))
    await refresh_cards(context.bot, context.bot_data, closed)
    lang = await patient_language(context.log, closed.user_id, Lang(closed.lang))
    _ = context.gettext(lang)  # the patient's
    try:
        await context.bot.send_message(closed.chat_id, "\n".join([
            escape(_("The front desk has closed this conversation. From now on the bot "
                     "answers your messages again.")),
            escape(_("To reach the front desk again, tap the button.")),
        ]), reply_markup=InlineKeyboardMarkup([[ask_button(_, pack(Action.ASK))]]))
    except TelegramError as exc:
        logger.info("could not tell the patient of conversation %s it closed: %s",
                    closed.id, exc)


async def close_idle(bot: Bot, data: BotData) -> int:
    """Close the conversations that had no message for a day, and show it on their cards."""
    closed = await data.open_log().conversations.close_idle(data.clock(), IDLE)
    for conversation in closed:
        await refresh_cards(bot, data, conversation)
    return len(closed)


# -- /forget ----------------------------------------------------------------------------------


async def forget_staff_copies(bot: Bot, data: BotData, user_id: int) -> int:
    """Before /forget deletes the log: remove the patient's words from the staff side (cards,
    copies of their messages). Telegram lets a bot delete its messages for 48 hours; older
    ones are overwritten with a note instead. Returns how many could be neither."""
    log = data.open_log()
    left = 0
    for ref in await log.staff_copies(user_id):
        lang = await staff_language(log, data.settings, ref.chat_id)
        note = "🗑 " + escape(data.desk.catalogs(lang).gettext(
            "Removed at the patient's request."))
        try:
            await bot.delete_message(ref.chat_id, ref.message_id)
            continue
        except TelegramError:
            pass
        try:
            await bot.edit_message_text(note, chat_id=ref.chat_id, message_id=ref.message_id)
            continue
        except TelegramError:
            pass
        try:  # a copy of a photo or voice note: at least its caption goes
            await bot.edit_message_caption(chat_id=ref.chat_id, message_id=ref.message_id,
                                           caption=note)
        except TelegramError:
            left += 1
    if left:
        logger.warning("/forget: %d staff-chat messages could not be removed by the bot; "
                       "a group admin must delete them", left)
    return left

"""Handlers for patients: commands, free text, buttons, contacts and everything else they send.

Every handler logs the inquiry first and replies second, so a crash between the two loses a
reply, never a record.
"""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    MessageEntity,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.core.frontdesk import Reply
from bot.core.phone import looks_like_phone, normalize_bd_mobile
from bot.core.vocabulary import Lang
from bot.flood import Verdict
from bot.telegram_context import (
    Context,
    chosen_language,
    inquiry_log,
    log_inquiry,
    remember_reply_language,
    services,
    set_chosen_language,
    translator,
    ui_language,
)
from bot.telegram_staff import mark_done, notify_staff_of_callback
from bot.telegram_ui import (
    Action,
    bold,
    button,
    escape,
    escape_bold_999,
    home_keyboard,
    render,
    section_keyboard,
    topics_keyboard,
    unpack,
)

logger = logging.getLogger(__name__)

_AWAITING_PHONE = "callback_branch"  # user_data key: clinic id while we wait for a phone number


def _conversation(update: Update) -> str:
    return str(update.effective_chat.id) if update.effective_chat else "?"



async def _send_reply(update: Update, context: Context, reply: Reply) -> None:
    text, keyboard = render(reply, services(context).desk)
    remember_reply_language(context, reply.lang)
    message = update.effective_message
    if message:
        await message.reply_text(text, reply_markup=keyboard)


# -- flood control (runs before every other handler) -----------------------------------------


async def flood_control(update: Update, context: Context) -> None:
    user = update.effective_user
    if user is None or user.id in services(context).settings.staff_user_ids:
        return
    verdict = services(context).flood.check(user.id)
    if verdict is Verdict.ALLOW:
        return
    lang = await ui_language(update, context)
    text = (update.effective_message.text if update.effective_message else None) or "[button]"
    await log_inquiry(update, context, text=text, kind="flood", lang=lang)
    if verdict is Verdict.WARN and update.effective_chat:
        _ = translator(context, lang)
        # The dropped message may have been the emergency: the 999 line goes with the notice.
        await context.bot.send_message(
            update.effective_chat.id,
            escape(_("You are sending messages very quickly. Please wait a minute, then ask "
                     "your question again.")) + "\n"
            + escape_bold_999(services(context).desk.emergency_line(lang)),
        )
    if update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


# -- commands -------------------------------------------------------------------------------


async def start(update: Update, context: Context) -> None:
    lang = await ui_language(update, context)
    await log_inquiry(update, context, text="/start", kind="command", lang=lang)
    desk = services(context).desk
    _ = translator(context, lang)
    text = "\n\n".join(
        [
            bold(_("Assalamu alaikum! This is IBN-SINA's automated information bot.")),
            escape_bold_999(desk.about(lang)),
            escape(_("Type your question in English or Bangla, or choose below.")),
        ]
    )
    remember_reply_language(context, lang)
    if update.effective_message:
        await update.effective_message.reply_text(text, reply_markup=home_keyboard(_))


async def help_command(update: Update, context: Context) -> None:
    lang = await ui_language(update, context)
    await log_inquiry(update, context, text="/help", kind="command", lang=lang)
    desk = services(context).desk
    _ = translator(context, lang)
    lines = [
        escape_bold_999(desk.about(lang)),
        "",
        escape(_("You can type a question in English, Bangla or Banglish, for example:")),
        escape(_("“Can stem cells help my father walk again?”")),
        "",
        "/topics — " + escape(_("browse all topics")),
        "/appointment — " + escape(_("appointment numbers")),
        "/callback — " + escape(_("ask the front desk to call you")),
        "/language — " + escape(_("choose English or Bangla")),
        "/forget — " + escape(_("delete everything stored about you")),
    ]
    if update.effective_message:
        await update.effective_message.reply_text("\n".join(lines), reply_markup=home_keyboard(_))


async def topics(update: Update, context: Context) -> None:
    lang = await ui_language(update, context)
    await log_inquiry(update, context, text="/topics", kind="command", lang=lang)
    await _show_topics(update, context, lang, edit=False)


async def _show_topics(update: Update, context: Context, lang: Lang, edit: bool) -> None:
    _ = translator(context, lang)
    text = escape(_("Choose a topic:"))
    keyboard = topics_keyboard(services(context).desk, lang)
    if edit and update.callback_query:
        await update.callback_query.edit_message_text(text, reply_markup=keyboard)
    elif update.effective_message:
        await update.effective_message.reply_text(text, reply_markup=keyboard)


async def appointment(update: Update, context: Context) -> None:
    lang = await ui_language(update, context)
    await log_inquiry(update, context, text="/appointment", kind="command", lang=lang)
    await _send_reply(update, context, services(context).desk.appointment(lang))


async def language(update: Update, context: Context) -> None:
    lang = await ui_language(update, context)
    await log_inquiry(update, context, text="/language", kind="command", lang=lang)
    await _show_language_menu(update, context, lang)


async def _show_language_menu(update: Update, context: Context, lang: Lang) -> None:
    _ = translator(context, lang)
    keyboard = InlineKeyboardMarkup(
        [
            [button("English", Action.SET_LANGUAGE, "en"),
             button("বাংলা", Action.SET_LANGUAGE, "bn")],
            [button(_("Automatic (the language I write in)"), Action.SET_LANGUAGE, "auto")],
        ]
    )
    if update.effective_message:
        await update.effective_message.reply_text(
            escape(_("Which language should I reply in?")), reply_markup=keyboard
        )


async def callback_command(update: Update, context: Context) -> None:
    lang = await ui_language(update, context)
    await log_inquiry(update, context, text="/callback", kind="command", lang=lang)
    await _ask_branch(update, context, lang)


async def _ask_branch(update: Update, context: Context, lang: Lang) -> None:
    desk = services(context).desk
    _ = translator(context, lang)
    rows = [[button(c.name[lang], Action.CALLBACK, c.id)] for c in desk.kb.clinics]
    if update.effective_message:
        await update.effective_message.reply_text(
            escape(_("Which branch should call you back?")),
            reply_markup=InlineKeyboardMarkup(rows),
        )


async def forget(update: Update, context: Context) -> None:
    lang = await ui_language(update, context)
    await log_inquiry(update, context, text="/forget", kind="command", lang=lang)
    _ = translator(context, lang)
    keyboard = InlineKeyboardMarkup(
        [[button(_("Yes, delete everything"), Action.FORGET, "yes"),
          button(_("No, keep it"), Action.FORGET, "no")]]
    )
    if update.effective_message:
        await update.effective_message.reply_text(
            escape(_("This deletes every question, call-back request and setting stored about "
                     "you. Are you sure?")),
            reply_markup=keyboard,
        )


# -- free text ------------------------------------------------------------------------------


def _text_for_bot(message: Message, bot_username: str) -> str | None:
    """The question in a message: all of it in private, the text around a mention in groups."""
    text = message.text or ""
    if message.chat.type == ChatType.PRIVATE:
        return text
    mention = f"@{bot_username}".lower()
    entities = message.parse_entities([MessageEntity.MENTION])
    if not any(value.lower() == mention for value in entities.values()):
        return None
    return " ".join(text.replace(f"@{bot_username}", " ").split())


async def text_message(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is None:
        return
    text = _text_for_bot(message, context.bot.username)
    if text is None:
        return  # a group message not addressed to us
    awaiting_phone = bool(context.user_data and context.user_data.get(_AWAITING_PHONE))
    if awaiting_phone and await _maybe_phone(update, context, text):
        return
    desk = services(context).desk
    reply = desk.reply(text, _conversation(update), await chosen_language(update, context))
    await log_inquiry(
        update, context, text=text, kind=reply.kind.value, lang=reply.lang, form=reply.form,
        entry_id=reply.entry_id, confidence=reply.confidence if reply.ranked else None,
    )
    await _send_reply(update, context, reply)


# -- call-back requests ---------------------------------------------------------------------


async def _ask_phone(update: Update, context: Context, clinic_id: str, lang: Lang) -> None:
    _ = translator(context, lang)
    if context.user_data is not None:
        context.user_data[_AWAITING_PHONE] = clinic_id
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton(_("📱 Share my phone number"), request_contact=True)],
         [KeyboardButton(_("Cancel"))]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    if update.effective_chat:
        await context.bot.send_message(
            update.effective_chat.id,
            escape(_("Please tap the button below to share your phone number, or type it "
                     "(for example 01712345678).")),
            reply_markup=keyboard,
        )


async def _maybe_phone(update: Update, context: Context, text: str) -> bool:
    """Handle text while a phone number is awaited; False means: treat it as a question."""
    lang = await ui_language(update, context)
    _ = translator(context, lang)
    message = update.effective_message
    assert message is not None and context.user_data is not None
    if text.strip().lower() in {_("Cancel").lower(), "cancel", "বাতিল"}:
        context.user_data.pop(_AWAITING_PHONE, None)
        await log_inquiry(update, context, text=text, kind="command", lang=lang)
        await message.reply_text(escape(_("Cancelled. You can ask me anything.")),
                                 reply_markup=ReplyKeyboardRemove())
        return True
    phone = normalize_bd_mobile(text)
    if phone:
        await _complete_callback_request(update, context, phone, lang)
        return True
    if looks_like_phone(text):
        await log_inquiry(update, context, text="[invalid phone number]", kind="command", lang=lang)
        await message.reply_text(
            escape(_("That doesn't look like a Bangladeshi mobile number. Please type it like "
                     "01712345678, or tap the button to share it.")))
        return True
    context.user_data.pop(_AWAITING_PHONE, None)  # they moved on to a question
    return False


async def contact_message(update: Update, context: Context) -> None:
    message = update.effective_message
    lang = await ui_language(update, context)
    if message is None or message.contact is None:
        return
    if context.user_data and context.user_data.get(_AWAITING_PHONE):
        phone = normalize_bd_mobile(message.contact.phone_number) or message.contact.phone_number
        await _complete_callback_request(update, context, phone, lang)
        return
    # Not asked for: don't keep a number the patient didn't mean to leave with us.
    await log_inquiry(update, context, text="[contact shared]", kind="contact", lang=lang)
    _ = translator(context, lang)
    await message.reply_text(
        escape(_("Thank you. If you would like the front desk to call you, tap the button.")),
        reply_markup=home_keyboard(_),
    )


async def _complete_callback_request(
    update: Update, context: Context, phone: str, lang: Lang
) -> None:
    assert context.user_data is not None
    clinic_id = context.user_data.pop(_AWAITING_PHONE)
    desk = services(context).desk
    clinic = next(c for c in desk.kb.clinics if c.id == clinic_id)
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    await log_inquiry(update, context, text=f"[call-back request: {clinic_id}]",
                      kind="callback_request", lang=lang)
    request_id = await inquiry_log(context).add_callback_request(
        user_id=user.id, chat_id=chat.id, display_name=user.full_name, username=user.username,
        branch=clinic_id, phone=phone,
    )
    _ = translator(context, lang)
    # Passed on, not promised: nobody may be at the desk tonight, so the patient can call too.
    text = "\n".join([
        escape(_("Thank you. Your call-back request ({phone}) has been passed to the front desk "
                 "of {branch}.").format(branch=clinic.name[lang], phone=phone)),
        escape(_("If it cannot wait, call them yourself: {number}").format(number=clinic.phone)),
        escape_bold_999(desk.emergency_line(lang)),
    ])
    if update.effective_message:
        await update.effective_message.reply_text(text, reply_markup=ReplyKeyboardRemove())
    await notify_staff_of_callback(context, request_id)


# -- everything else a patient can send -------------------------------------------------------


async def non_text_message(update: Update, context: Context) -> None:
    lang = await ui_language(update, context)
    message = update.effective_message
    what = "non-text"
    if message:
        for kind in ("sticker", "photo", "voice", "audio", "video", "video_note", "location",
                     "document", "animation"):
            if getattr(message, kind, None):
                what = kind
                break
    await log_inquiry(update, context, text=f"[{what}]", kind="non_text", lang=lang)
    desk = services(context).desk
    _ = translator(context, lang)
    text = "\n".join([
        escape(_("Sorry, I can only read typed questions. Please type your question, or call "
                 "us:")),
        escape(desk.numbers(lang)),
        "",
        escape_bold_999(desk.emergency_line(lang)),
    ])
    if message:
        await message.reply_text(text, reply_markup=home_keyboard(_))


# -- buttons --------------------------------------------------------------------------------


async def button_press(update: Update, context: Context) -> None:
    query = update.callback_query
    if query is None:
        return
    parsed = unpack(query.data)
    lang = await ui_language(update, context)
    desk = services(context).desk
    _ = translator(context, lang)
    action, args = parsed if parsed else (None, [])

    if action is Action.DONE:
        await mark_done(update, context, args)
        return
    if action is Action.FORGET and args == ["yes"] and update.effective_user:
        # Deleting first, logging nothing: this press must not leave a new record behind.
        await inquiry_log(context).forget_user(update.effective_user.id)
        if context.user_data is not None:
            context.user_data.clear()
        await query.answer()
        await query.edit_message_text(escape(_("Done. Everything stored about you has been "
                                                "deleted.")))
        return

    entry_id = args[0] if action is Action.ANSWER and args else None
    await log_inquiry(update, context, text=f"[{query.data}]", kind="button", lang=lang,
                      entry_id=entry_id if entry_id in desk.kb.entries else None)

    if action is Action.ANSWER and len(args) == 1 and args[0] in desk.kb.entries:
        await query.answer()
        await _send_reply(update, context, desk.answer(args[0], lang, _conversation(update)))
    elif action is Action.SECTION and len(args) == 1 and any(
        s.id == args[0] for s in desk.kb.sections
    ):
        await query.answer()
        await query.edit_message_text(
            bold(next(s.title[lang] for s in desk.kb.sections if s.id == args[0])),
            reply_markup=section_keyboard(desk, args[0], lang),
        )
    elif action is Action.TOPICS and not args:
        await query.answer()
        await _show_topics(update, context, lang, edit=False)
    elif action is Action.TOPICS and args == ["e"]:
        await query.answer()
        await _show_topics(update, context, lang, edit=True)
    elif action is Action.APPOINTMENT and not args:
        await query.answer()
        await _send_reply(update, context, desk.appointment(lang))
    elif action is Action.LANGUAGE and not args:
        await query.answer()
        await _show_language_menu(update, context, lang)
    elif action is Action.SET_LANGUAGE and args and args[0] in ("en", "bn", "auto"):
        chosen = None if args[0] == "auto" else Lang(args[0])
        await set_chosen_language(update, context, chosen)
        lang = await ui_language(update, context)
        _ = translator(context, lang)
        await query.answer()
        done = (_("I will reply in the language you write in.") if chosen is None
                else _("I will reply in English.") if chosen is Lang.EN
                else _("I will reply in Bangla."))
        await query.edit_message_text(escape(done))
    elif action is Action.FEEDBACK and len(args) == 2 and args[0] in desk.kb.entries \
            and args[1] in ("0", "1") and update.effective_user:
        await inquiry_log(context).record_feedback(
            user_id=update.effective_user.id, entry_id=args[0], helpful=args[1] == "1"
        )
        await query.answer(_("Thank you for your feedback."))
    elif action is Action.CALLBACK and not args:
        await query.answer()
        await _ask_branch(update, context, lang)
    elif action is Action.CALLBACK and len(args) == 1 and any(
        c.id == args[0] for c in desk.kb.clinics
    ):
        await query.answer()
        await _ask_phone(update, context, args[0], lang)
    elif action is Action.FORGET and args == ["no"]:
        await query.answer()
        await query.edit_message_text(escape(_("Nothing was deleted.")))
    else:
        # Stale (an entry renamed since) or forged data: never an error, just a kind note.
        await query.answer(_("Sorry, this button has expired. Please send /start."),
                           show_alert=True)

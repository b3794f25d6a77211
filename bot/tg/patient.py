"""Handlers for patients: commands, free text, buttons, contacts and everything else they send.

Every inquiry is logged before its reply, so a crash between the two loses a reply, never a
record. Commands and buttons are logged by `log_command` and `log_button`, which run in an
earlier handler group than the reply; the handlers whose record depends on the answer (free
text, contacts, stickers) log it themselves.
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
from bot.core.knowledge import Section
from bot.core.phone import looks_like_phone, normalize_bd_mobile
from bot.core.vocabulary import Lang
from bot.tg.context import (
    FrontDeskContext,
    callback_query,
    edit_in_place,
    expired,
    on_button,
    telegram_language,
)
from bot.tg.flood import Verdict
from bot.tg.handoff.cards import forget_staff_copies
from bot.tg.handoff.relay import ask_data, keyboard_with_ask
from bot.tg.handoff.teach import relearn
from bot.tg.staff import notify_staff_of_callback
from bot.tg.ui import (
    Action,
    CallbackStep,
    Feedback,
    LanguageChoice,
    bold,
    button,
    escape,
    escape_bold_999,
    home_keyboard,
    parse_callback,
    parse_entry,
    parse_feedback,
    parse_forget,
    parse_section,
    parse_set_language,
    parse_topics,
    plain,
    render,
    section_keyboard,
    topics_keyboard,
)

logger = logging.getLogger(__name__)

# What a patient sends that a person at the front desk can look at or listen to.
ASKABLE_MEDIA = frozenset({"voice", "audio", "video_note", "video", "photo", "document"})


def _conversation(update: Update) -> str:
    return str(update.effective_chat.id) if update.effective_chat else "?"


async def _send_reply(
    update: Update, context: FrontDeskContext, reply: Reply, ask: str | None = None
) -> None:
    text, keyboard = render(reply, context.desk, ask)
    context.patient.last_lang = reply.lang
    message = update.effective_message
    if message:
        await message.reply_text(text, reply_markup=keyboard)


# -- before every reply: flood control, then the log ------------------------------------------


async def flood_control(update: Update, context: FrontDeskContext) -> None:
    """Runs first for every update: one patient sending dozens of messages a minute must not
    slow the bot down for everyone else."""
    user = update.effective_user
    if user is None or user.id in context.settings.staff_user_ids:
        return
    verdict = context.flood.check(user.id)
    if verdict is Verdict.ALLOW:
        return
    typed = update.effective_message.text if update.effective_message else None
    if typed and context.desk.danger.check(typed).alarm:
        return  # whoever sends it, and however fast, danger now is never dropped
    lang = await context.language(update)
    text = typed or "[button]"
    await context.log_inquiry(update, text=text, kind="flood", lang=lang)
    if verdict is Verdict.WARN and update.effective_chat:
        _ = context.gettext(lang)
        # The dropped message may have been the emergency: the 999 line goes with the notice.
        await context.bot.send_message(
            update.effective_chat.id,
            escape(_("You are sending messages very quickly. Please wait a minute, then ask "
                     "your question again.")) + "\n"
            + escape_bold_999(context.desk.emergency_line(lang)),
        )
    if update.callback_query:
        await update.callback_query.answer()
    raise ApplicationHandlerStop


async def log_command(update: Update, context: FrontDeskContext) -> None:
    """A patient command, logged as the bare command ("/start@Bot payload" is "/start")."""
    message = update.effective_message
    command = (message.text if message else None) or ""
    command = command.split(maxsplit=1)[0].split("@")[0].lower() if command else ""
    lang = await context.language(update)
    await context.log_inquiry(update, text=command, kind="command", lang=lang)


async def log_button(update: Update, context: FrontDeskContext) -> None:
    """A button press, with the entry it opens when there is one."""
    data = callback_query(update).data
    lang = await context.language(update)
    await context.log_inquiry(update, text=f"[{data}]", kind="button", lang=lang,
                              entry_id=parse_entry(data, context.desk.kb))


# -- commands -------------------------------------------------------------------------------


async def start(update: Update, context: FrontDeskContext) -> None:
    """/start: who the bot is, what it is not, and where to begin."""
    lang = await context.language(update)
    _ = context.gettext(lang)
    text = "\n\n".join(
        [
            bold(_("Assalamu alaikum!")),
            escape_bold_999(context.desk.about(lang)),
            escape(_("Type your question in English, Bangla or Banglish, or choose below.")),
        ]
    )
    context.patient.last_lang = lang
    await context.keep_context(update, None)  # /start begins the conversation afresh
    if update.effective_message:
        await update.effective_message.reply_text(text, reply_markup=home_keyboard(_))


async def help_command(update: Update, context: FrontDeskContext) -> None:
    """/help: how to ask, and the commands."""
    lang = await context.language(update)
    _ = context.gettext(lang)
    lines = [
        escape_bold_999(context.desk.about(lang)),
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
    # "Ask the front desk" from here: the patient types the question next.
    keyboard = keyboard_with_ask(home_keyboard(_), _, ask_data(context.settings, None))
    if update.effective_message:
        await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard)


async def topics(update: Update, context: FrontDeskContext) -> None:
    """/topics: the knowledge base by section."""
    await _show_topics(update, context, await context.language(update), edit=False)


async def _show_topics(update: Update, context: FrontDeskContext, lang: Lang, edit: bool) -> None:
    _ = context.gettext(lang)
    text = escape(_("Choose a topic:"))
    keyboard = topics_keyboard(context.desk, lang)
    if edit and update.callback_query:
        await edit_in_place(update.callback_query, text, keyboard)
    elif update.effective_message:
        await update.effective_message.reply_text(text, reply_markup=keyboard)


async def appointment(update: Update, context: FrontDeskContext) -> None:
    """/appointment: both branches and their numbers."""
    await _send_reply(update, context, context.desk.appointment(await context.language(update)))


async def language(update: Update, context: FrontDeskContext) -> None:
    """/language: English, Bangla or automatic."""
    await _show_language_menu(update, context, await context.language(update))


async def _show_language_menu(update: Update, context: FrontDeskContext, lang: Lang) -> None:
    _ = context.gettext(lang)
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


async def callback_command(update: Update, context: FrontDeskContext) -> None:
    """/callback: the front desk calls the patient back; first, which branch."""
    await _ask_branch(update, context, await context.language(update))


async def _ask_branch(update: Update, context: FrontDeskContext, lang: Lang) -> None:
    _ = context.gettext(lang)
    rows = [[button(c.name[lang], Action.CALLBACK, c.id)] for c in context.desk.kb.clinics]
    if update.effective_message:
        await update.effective_message.reply_text(
            escape(_("Which branch should call you back?")),
            reply_markup=InlineKeyboardMarkup(rows),
        )


async def forget(update: Update, context: FrontDeskContext) -> None:
    """/forget: delete everything stored about the patient, after a confirmation."""
    _ = context.gettext(await context.language(update))
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


async def unknown_command(update: Update, context: FrontDeskContext) -> None:
    """Also what non-staff users get for staff commands: the commands must not reveal themselves."""
    lang = await context.language(update)
    message = update.effective_message
    await context.log_inquiry(
        update, text=(message.text if message else None) or "", kind="command", lang=lang
    )
    _ = context.gettext(lang)
    if message:
        # "/ambulance" typed in a panic is a non-answer too: it ends with the 999 line.
        await message.reply_text("\n".join([
            escape(_("Sorry, I don't know that command. Send /help to see what I can do.")),
            "",
            escape_bold_999(context.desk.emergency_line(lang)),
        ]))


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


async def text_message(update: Update, context: FrontDeskContext) -> None:
    """A typed question (or, during a call-back request, the phone number)."""
    message = update.effective_message
    if message is None:
        return
    text = _text_for_bot(message, context.bot.username)
    if text is None:
        return  # a group message not addressed to us
    if context.patient.awaiting_phone_for and await _maybe_phone(update, context, text):
        return
    # "hlw" or "ok bye" tell no language: answer in the one this patient used last, or their
    # Telegram's.
    usual = context.patient.last_lang or telegram_language(update)
    before = await context.chat_context(update)
    replied_to = message.reply_to_message
    if replied_to and replied_to.from_user and replied_to.from_user.id == context.bot.id:
        # The patient used Telegram's "reply" on one of our answers: that answer is the context.
        before = context.desk.context_of_answer(replied_to.text or "", before)
    reply = context.desk.reply(
        text, _conversation(update), await context.chosen_language(update), usual=usual,
        context=before,
    )
    inquiry_id = await context.log_inquiry(
        update, text=text, kind=reply.kind.value, lang=reply.lang, form=reply.form,
        entry_id=reply.entry_id, confidence=reply.confidence if reply.ranking else None,
        more_entries=reply.entry_ids[1:],
    )
    # The front desk answers in private chats only: a group is no place for a patient's case.
    private = message.chat.type == ChatType.PRIVATE
    await _send_reply(update, context, reply,
                      ask_data(context.settings, inquiry_id) if private else None)
    # After the reply: a slow or refusing database delays only the next message's context.
    await context.keep_context(update, reply.context)


# -- call-back requests ---------------------------------------------------------------------


async def _ask_phone(
    update: Update, context: FrontDeskContext, clinic_id: str, lang: Lang
) -> None:
    _ = context.gettext(lang)
    context.patient.awaiting_phone_for = clinic_id
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


async def _maybe_phone(update: Update, context: FrontDeskContext, text: str) -> bool:
    """Handle text while a phone number is awaited; False means: treat it as a question."""
    lang = await context.language(update)
    _ = context.gettext(lang)
    message = update.effective_message
    if message is None:
        return False
    if text.strip().lower() in {_("Cancel").lower(), "cancel", "বাতিল"}:
        context.patient.awaiting_phone_for = None
        await context.log_inquiry(update, text=text, kind="command", lang=lang)
        await message.reply_text(escape(_("Cancelled. You can type another question.")),
                                 reply_markup=ReplyKeyboardRemove())
        return True
    phone = normalize_bd_mobile(text)
    if phone:
        await _complete_callback_request(update, context, phone, lang)
        return True
    if looks_like_phone(text):
        await context.log_inquiry(update, text="[invalid phone number]", kind="command",
                                  lang=lang)
        await message.reply_text(
            escape(_("That doesn't look like a Bangladeshi mobile number. Please type it like "
                     "01712345678, or tap the button to share it.")))
        return True
    context.patient.awaiting_phone_for = None  # they moved on to a question
    return False


async def contact_message(update: Update, context: FrontDeskContext) -> None:
    """A phone number shared with Telegram's button."""
    message = update.effective_message
    lang = await context.language(update)
    if message is None or message.contact is None:
        return
    if context.patient.awaiting_phone_for:
        phone = normalize_bd_mobile(message.contact.phone_number) or message.contact.phone_number
        await _complete_callback_request(update, context, phone, lang)
        return
    # Not asked for: don't keep a number the patient didn't mean to leave with us.
    await context.log_inquiry(update, text="[contact shared]", kind="contact", lang=lang)
    _ = context.gettext(lang)
    await message.reply_text(
        escape(_("Thank you. If you would like the front desk to call you, tap the button.")),
        reply_markup=home_keyboard(_),
    )


async def _complete_callback_request(
    update: Update, context: FrontDeskContext, phone: str, lang: Lang
) -> None:
    clinic_id, context.patient.awaiting_phone_for = context.patient.awaiting_phone_for, None
    clinic = next(c for c in context.desk.kb.clinics if c.id == clinic_id)
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        raise TypeError("a call-back request needs a user and a chat")
    await context.log_inquiry(update, text=f"[call-back request: {clinic_id}]",
                              kind="callback_request", lang=lang)
    request_id = await context.log.callbacks.add(
        user_id=user.id, chat_id=chat.id, display_name=user.full_name, username=user.username,
        branch=clinic.id, phone=phone,
    )
    _ = context.gettext(lang)
    # Passed on, not promised: nobody may be at the desk tonight, so the patient can call too.
    text = "\n".join([
        escape(_("Thank you. Your call-back request ({phone}) has been passed to the front desk "
                 "of {branch}.").format(branch=clinic.name[lang], phone=phone)),
        escape(_("If it cannot wait, call them yourself: {number}").format(number=clinic.phone)),
        escape_bold_999(context.desk.emergency_line(lang)),
    ])
    if update.effective_message:
        await update.effective_message.reply_text(text, reply_markup=ReplyKeyboardRemove())
    await notify_staff_of_callback(context, request_id)


# -- everything else a patient can send -------------------------------------------------------


async def non_text_message(update: Update, context: FrontDeskContext) -> None:
    """Stickers, photos, voice messages and the like: a kind request to type, or call."""
    lang = await context.language(update)
    message = update.effective_message
    what = "non-text"
    if message:
        for kind in ("sticker", "photo", "voice", "audio", "video", "video_note", "location",
                     "document", "animation"):
            if getattr(message, kind, None):
                what = kind
                break
    inquiry_id = await context.log_inquiry(update, text=f"[{what}]", kind="non_text", lang=lang)
    _ = context.gettext(lang)
    lines = [
        escape(_("Sorry, I can only read typed questions. Please type your question, or call "
                 "us:")),
        escape(context.desk.numbers(lang)),
        "",
        escape_bold_999(context.desk.emergency_line(lang)),
    ]
    # Many patients would rather speak than type: the button sends the voice note (or the
    # photo of a report...) itself to a person.
    ask = (ask_data(context.settings, inquiry_id, message.message_id)
           if message and inquiry_id and what in ASKABLE_MEDIA else None)
    if ask:
        lines[-1:-1] = [escape(_("Or tap “Ask the front desk” to send it to a person.")), ""]
    if message:
        await message.reply_text("\n".join(lines),
                                 reply_markup=keyboard_with_ask(home_keyboard(_), _, ask))


# -- buttons: one handler per action (tg.ui.Action), wired in tg.app --------------


@on_button(parse_entry)
async def answer_button(update: Update, context: FrontDeskContext, entry_id: str) -> None:
    """a:<entry>: a topic, a follow-up or a "did you mean" choice; its answer."""
    lang = await context.language(update)
    await callback_query(update).answer()
    reply = context.desk.answer(entry_id, lang, _conversation(update))
    # A follow-up typed after the button ("and the cost?") leans on this answer.
    before = await context.chat_context(update)
    await _send_reply(update, context, reply)
    await context.keep_context(update, context.desk.context_after(before, reply,
                                                                  reply.title or ""))


@on_button(parse_section)
async def section_button(update: Update, context: FrontDeskContext, section: Section) -> None:
    """s:<section>: the section's entries, in place of the topics menu."""
    lang = await context.language(update)
    query = callback_query(update)
    await query.answer()
    await edit_in_place(
        query, bold(section.title[lang]), section_keyboard(context.desk, section.id, lang)
    )


@on_button(parse_topics)
async def topics_button(update: Update, context: FrontDeskContext, edit: bool) -> None:
    """t: the topics in a new message; t:e: back to the topics, in place."""
    lang = await context.language(update)
    await callback_query(update).answer()
    await _show_topics(update, context, lang, edit=edit)


@on_button(plain(Action.APPOINTMENT))
async def appointment_button(update: Update, context: FrontDeskContext, _action: Action) -> None:
    """apt: both branches and their numbers."""
    lang = await context.language(update)
    await callback_query(update).answer()
    await _send_reply(update, context, context.desk.appointment(lang))


@on_button(plain(Action.LANGUAGE))
async def language_button(update: Update, context: FrontDeskContext, _action: Action) -> None:
    """lang: the language menu."""
    lang = await context.language(update)
    await callback_query(update).answer()
    await _show_language_menu(update, context, lang)


@on_button(parse_set_language)
async def set_language_button(
    update: Update, context: FrontDeskContext, choice: LanguageChoice
) -> None:
    """l:en | l:bn | l:auto: the reply language, kept across restarts."""
    await context.choose_language(update, choice.lang)
    _ = context.gettext(await context.language(update))
    query = callback_query(update)
    await query.answer()
    done = (_("I will reply in the language you write in.") if choice.lang is None
            else _("I will reply in English.") if choice.lang is Lang.EN
            else _("I will reply in Bangla."))
    await edit_in_place(query, escape(done))


@on_button(parse_feedback)
async def feedback_button(update: Update, context: FrontDeskContext, feedback: Feedback) -> None:
    """fb:<entry>:1 | 0: 👍 or 👎 on an answer."""
    if update.effective_user is None:
        await expired(update, context)
        return
    _ = context.gettext(await context.language(update))
    await context.log.record_feedback(
        user_id=update.effective_user.id, entry_id=feedback.entry_id, helpful=feedback.helpful
    )
    await callback_query(update).answer(_("Thank you for your feedback."))


@on_button(parse_callback)
async def callback_button(update: Update, context: FrontDeskContext, step: CallbackStep) -> None:
    """cb: which branch should call; cb:<clinic>: then the phone number."""
    lang = await context.language(update)
    await callback_query(update).answer()
    if step.clinic is None:
        await _ask_branch(update, context, lang)
    else:
        await _ask_phone(update, context, step.clinic.id, lang)


@on_button(parse_forget)
async def forget_button(update: Update, context: FrontDeskContext, confirmed: bool) -> None:
    """fg:yes: delete everything stored about the patient; fg:no: nothing is deleted."""
    user = update.effective_user
    if user is None:
        await expired(update, context)
        return
    _ = context.gettext(await context.language(update))
    if confirmed:
        # The patient's words on the staff side go first, while the log still says where.
        await forget_staff_copies(context.bot, context.bot_data, user.id)
        # Deleting first; log_button logged nothing, so this press leaves no record behind.
        await context.log.forget_user(user.id)
        context.application.drop_user_data(user.id)
        await relearn(context.bot_data)  # questions taught from their words are gone
    query = callback_query(update)
    await query.answer()
    await edit_in_place(
        query,
        escape(_("Done. Everything stored about you has been deleted.") if confirmed
               else _("Nothing was deleted.")),
    )

"""What patients see in Telegram: HTML text, inline keyboards and callback data.

Callback data is `action:arg:arg`, at most 64 bytes (Telegram's limit). Each action has its own
handler, found by `route(action)`, and its own parser below that returns typed arguments, or
None for data the bot would not make today: forged, or naming an entry that no longer exists.
Such a button has expired. Every parser takes the knowledge base, which some ignore, so that
one decorator (`tg.context.on_button`) can run any of them.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.frontdesk import Choice, FrontDesk, Reply
from bot.core.knowledge import Clinic, KnowledgeBase, Section
from bot.core.vocabulary import Lang, ReplyKind

MAX_CALLBACK_BYTES = 64
MAX_MESSAGE_CHARS = 4096
# Telegram may not make a three-digit number tappable; bold is the emphasis that always shows.
_EMERGENCY_NUMBER = re.compile(r"(?<![0-9])999(?![0-9])")

Gettext = Callable[[str], str]
T = TypeVar("T")
Parser: TypeAlias = Callable[[str | None, KnowledgeBase], T | None]


class Action(StrEnum):
    ANSWER = "a"  # a:<entry id>
    SECTION = "s"  # s:<section id>
    TOPICS = "t"  # t (new message) | t:e (edit the menu in place)
    APPOINTMENT = "apt"
    LANGUAGE = "lang"  # show the language menu
    SET_LANGUAGE = "l"  # l:en | l:bn | l:auto
    FEEDBACK = "fb"  # fb:<entry id>:1 (helpful) | 0
    CALLBACK = "cb"  # cb (choose branch) | cb:<clinic id>
    FORGET = "fg"  # fg:yes | fg:no
    DONE = "done"  # done:<call-back request id>
    # The front desk (issue 9). ASK: ask (type the question next) | ask:<inquiry id> (that
    # question) | ask:<inquiry id>:<message id> (that voice note, photo...).
    ASK = "ask"
    DESK_REPLY = "dr"  # dr:<conversation id> ("write your answer")
    DESK_DONE = "dd"  # dd:<conversation id> (close the conversation)
    TEACH = "tch"  # tch:<c|i><id>[:b | :s:<section id> | :e:<entry id> | :x]
    UNLEARN = "ul"  # ul:<learned id> (undo, in place) | ul:<learned id>:l (from /learned)


def pack(action: Action, *args: str | int) -> str:
    data = ":".join([action.value, *map(str, args)])
    if len(data.encode()) > MAX_CALLBACK_BYTES:
        raise ValueError(f"callback data over {MAX_CALLBACK_BYTES} bytes: {data!r}")
    return data


def unpack(data: str | None) -> tuple[Action, list[str]] | None:
    if not data:
        return None
    head, *args = data.split(":")
    try:
        return Action(head), args
    except ValueError:
        return None


def route(action: Action) -> str:
    """The pattern that sends `action`'s buttons, with or without arguments, to its handler."""
    return rf"^{re.escape(action.value)}(?::|$)"


# -- one parser per action: typed arguments, or None when the button has expired -------------


MAX_ROW_ID = 2**63 - 1  # SQLite's largest integer: a larger id is no row, and no query takes it


def row_id(text: str) -> int | None:
    """A database id as the bot writes it: ASCII digits ("৩" or "²" are forged), small enough
    for SQLite. A well-formed id may still name no row: its handler says the button expired."""
    if not (text.isascii() and text.isdecimal()) or int(text) > MAX_ROW_ID:
        return None
    return int(text)


def _args(action: Action, data: str | None) -> list[str] | None:
    parsed = unpack(data)
    return parsed[1] if parsed is not None and parsed[0] is action else None


def plain(action: Action) -> Parser[Action]:
    """The parser of an action without arguments (apt, lang)."""

    def parse(data: str | None, kb: KnowledgeBase) -> Action | None:
        return action if _args(action, data) == [] else None

    return parse


def parse_entry(data: str | None, kb: KnowledgeBase) -> str | None:
    """a:<entry id>: an entry that still exists."""
    match _args(Action.ANSWER, data):
        case [entry_id] if entry_id in kb.entries:
            return entry_id
    return None


def parse_section(data: str | None, kb: KnowledgeBase) -> Section | None:
    """s:<section id>."""
    match _args(Action.SECTION, data):
        case [section_id]:
            return next((s for s in kb.sections if s.id == section_id), None)
    return None


def parse_topics(data: str | None, kb: KnowledgeBase) -> bool | None:
    """t (the topics in a new message): False; t:e (edit the menu in place): True."""
    match _args(Action.TOPICS, data):
        case []:
            return False
        case ["e"]:
            return True
    return None


@dataclass(frozen=True)
class LanguageChoice:
    lang: Lang | None  # None: reply in the language of each message


def parse_set_language(data: str | None, kb: KnowledgeBase) -> LanguageChoice | None:
    """l:en | l:bn | l:auto."""
    match _args(Action.SET_LANGUAGE, data):
        case ["auto"]:
            return LanguageChoice(None)
        case [code] if code in tuple(Lang):
            return LanguageChoice(Lang(code))
    return None


@dataclass(frozen=True)
class Feedback:
    entry_id: str
    helpful: bool


def parse_feedback(data: str | None, kb: KnowledgeBase) -> Feedback | None:
    """fb:<entry id>:1 (helpful) | fb:<entry id>:0."""
    match _args(Action.FEEDBACK, data):
        case [entry_id, ("0" | "1") as helpful] if entry_id in kb.entries:
            return Feedback(entry_id, helpful == "1")
    return None


@dataclass(frozen=True)
class CallbackStep:
    clinic: Clinic | None  # None: ask which branch should call


def parse_callback(data: str | None, kb: KnowledgeBase) -> CallbackStep | None:
    """cb (choose a branch) | cb:<clinic id>."""
    match _args(Action.CALLBACK, data):
        case []:
            return CallbackStep(None)
        case [clinic_id]:
            clinic = next((c for c in kb.clinics if c.id == clinic_id), None)
            return CallbackStep(clinic) if clinic else None
    return None


def parse_forget(data: str | None, kb: KnowledgeBase) -> bool | None:
    """fg:yes: True (delete everything); fg:no: False."""
    match _args(Action.FORGET, data):
        case ["yes"]:
            return True
        case ["no"]:
            return False
    return None


def parse_done(data: str | None, kb: KnowledgeBase) -> int | None:
    """done:<call-back request id>."""
    match _args(Action.DONE, data):
        case [request_id]:
            return row_id(request_id)
    return None


def escape(text: str) -> str:
    """Text safe inside Telegram HTML. Quotes stay as typed: they only matter in attributes."""
    return html.escape(text, quote=False)


def bold(text: str) -> str:
    return f"<b>{escape(text)}</b>"


def escape_bold_999(text: str) -> str:
    """Our own text (never a patient's) as Telegram HTML, with the emergency number in bold."""
    return _EMERGENCY_NUMBER.sub("<b>999</b>", escape(text))


def button(label: str, action: Action, *args: str | int) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=pack(action, *args))


def choice_rows(choices: tuple[Choice, ...]) -> list[list[InlineKeyboardButton]]:
    return [[button(c.label, Action.ANSWER, c.entry_id)] for c in choices]


def nav_row(_: Gettext) -> list[InlineKeyboardButton]:
    return [
        button(_("📚 Topics"), Action.TOPICS),
        button(_("📞 Appointment"), Action.APPOINTMENT),
    ]


def home_keyboard(_: Gettext) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [button(_("📚 Browse topics"), Action.TOPICS)],
            [button(_("📞 Appointment numbers"), Action.APPOINTMENT)],
            [button(_("☎️ Request a call back"), Action.CALLBACK)],
            [button(_("🌐 বাংলা / English"), Action.LANGUAGE)],
        ]
    )


def render(
    reply: Reply, desk: FrontDesk, ask: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The message text (HTML, every dynamic piece escaped) and its buttons. `ask`: the data of
    the "Ask the front desk" button, shown on every reply that did not answer the question
    (None when no staff are set up to answer)."""
    _ = desk.catalogs(reply.lang).gettext
    text = escape_bold_999(reply.text)
    if len(reply.entry_ids) > 1:  # several answers: each one's heading in bold
        headings = {escape(desk.kb.entries[e].title[reply.lang]) for e in reply.entry_ids}
        text = "\n".join(f"<b>{line}</b>" if line in headings else line
                         for line in text.split("\n"))
    if reply.title:
        text = f"<b>{escape(reply.title)}</b>\n\n{text}"
    rows = choice_rows(reply.choices)
    if reply.kind == ReplyKind.ANSWER and reply.entry_id:
        rows.insert(0, [
            button(_("👍 Helpful"), Action.FEEDBACK, reply.entry_id, 1),
            button(_("👎 Not helpful"), Action.FEEDBACK, reply.entry_id, 0),
        ])
    if reply.kind in (ReplyKind.FALLBACK, ReplyKind.DID_YOU_MEAN, ReplyKind.APPOINTMENT):
        rows.append([button(_("☎️ Request a call back"), Action.CALLBACK)])
    unanswered = (ReplyKind.FALLBACK, ReplyKind.DID_YOU_MEAN)
    if ask and (reply.kind in unanswered or reply.then in unanswered or reply.unanswered):
        rows.append([ask_button(_, ask)])
    rows.append(nav_row(_))
    return text, InlineKeyboardMarkup(rows)


def ask_button(_: Gettext, data: str) -> InlineKeyboardButton:
    """"Ask the front desk": patients and staff learn it by that name, in both languages."""
    return InlineKeyboardButton(_("💬 Ask the front desk"), callback_data=data)


NUMBERED_PER_ROW = 5


def numbered_rows(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Buttons named by the numbers of a list above them ("📚 1", "🗑 2"), five to a row."""
    return [buttons[i : i + NUMBERED_PER_ROW] for i in range(0, len(buttons), NUMBERED_PER_ROW)]


def teach_keyboard(inquiry_ids: list[int | None], _: Gettext) -> InlineKeyboardMarkup | None:
    """"📚 1", "📚 2"… under a numbered list of unanswered questions (/unanswered, the digest):
    each opens the Teach menu for the inquiry with that wording."""
    buttons = [button(f"📚 {n}", Action.TEACH, f"i{inquiry_id}")
               for n, inquiry_id in enumerate(inquiry_ids, 1) if inquiry_id is not None]
    return InlineKeyboardMarkup(numbered_rows(buttons)) if buttons else None


def topics_keyboard(desk: FrontDesk, lang: Lang) -> InlineKeyboardMarkup:
    rows = [[button(s.title[lang], Action.SECTION, s.id)] for s in desk.kb.sections]
    return InlineKeyboardMarkup(rows)


def section_keyboard(desk: FrontDesk, section_id: str, lang: Lang) -> InlineKeyboardMarkup:
    _ = desk.catalogs(lang).gettext
    rows = choice_rows(desk.topic_choices(section_id, lang))
    rows.append([button(_("⬅️ All topics"), Action.TOPICS, "e")])  # "e": edit this menu
    return InlineKeyboardMarkup(rows)


def utf16_length(text: str) -> int:
    """Telegram's length of a text: UTF-16 code units, so an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(line: str, limit: int) -> int:
    """How many characters of `line` fit in `limit` UTF-16 units, cut before a space if one is
    near the end, and never inside an HTML entity (&amp;)."""
    units, end = 0, 0
    for end, char in enumerate(line):  # noqa: B007 - `end` is read after the loop
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            break
    else:
        return len(line)
    space = line.rfind(" ", max(0, end - 200), end)
    if space > 0:
        end = space + 1
    entity = line.rfind("&", max(0, end - 10), end)
    if entity > 0 and ";" not in line[entity:end]:
        end = entity
    return max(end, 1)


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> Iterator[str]:
    """Pieces of at most `limit` UTF-16 units (Telegram's count), cut at line ends (no HTML tag
    spans lines); a longer line is cut between words where it can."""
    piece = ""
    for line in text.split("\n"):
        while utf16_length(line) > limit:  # a single over-long line: cut it
            if piece:
                yield piece
                piece = ""
            end = _fitting(line, limit)
            yield line[:end]
            line = line[end:]
        candidate = f"{piece}\n{line}" if piece else line
        if utf16_length(candidate) > limit:
            yield piece
            piece = line
        else:
            piece = candidate
    if piece:
        yield piece


# -- the front desk (issue 9): parsers of the patients' and staff's buttons ------------------


@dataclass(frozen=True)
class AskFor:
    """What "Ask the front desk" sends: an inquiry's question (and, for a voice note or photo,
    the message itself), or nothing yet (the patient types the question next)."""

    inquiry_id: int | None
    message_id: int | None = None


def parse_ask(data: str | None, kb: KnowledgeBase) -> AskFor | None:
    """ask | ask:<inquiry id> | ask:<inquiry id>:<message id>."""
    match _args(Action.ASK, data):
        case []:
            return AskFor(None)
        case [inquiry_id] if (inquiry := row_id(inquiry_id)) is not None:
            return AskFor(inquiry)
        case [inquiry_id, message_id] if (
            (inquiry := row_id(inquiry_id)) is not None
            and (message := row_id(message_id)) is not None
        ):
            return AskFor(inquiry, message)
    return None


def _conversation_id(action: Action) -> Parser[int]:
    def parse(data: str | None, kb: KnowledgeBase) -> int | None:
        match _args(action, data):
            case [conversation_id]:
                return row_id(conversation_id)
        return None

    return parse


parse_desk_reply = _conversation_id(Action.DESK_REPLY)
parse_desk_done = _conversation_id(Action.DESK_DONE)


@dataclass(frozen=True)
class TeachStep:
    """One press in the Teach menu. The question is a conversation's ("c") or an inquiry's
    ("i"); `step` is "start" (the sections, in a new message), "back" (the sections, in
    place), "section", "entry" or "none" (not in the article)."""

    source: str
    source_id: int
    step: str
    section: Section | None = None
    entry_id: str | None = None

    @property
    def ref(self) -> str:
        return f"{self.source}{self.source_id}"


def parse_teach(data: str | None, kb: KnowledgeBase) -> TeachStep | None:
    """tch:<c|i><id> | tch:<ref>:b | tch:<ref>:s:<section id> | tch:<ref>:e:<entry id> |
    tch:<ref>:x."""
    args = _args(Action.TEACH, data)
    source_id = row_id(args[0][1:]) if args else None
    if not args or args[0][:1] not in ("c", "i") or source_id is None:
        return None
    source = args[0][0]
    match args[1:]:
        case []:
            return TeachStep(source, source_id, "start")
        case ["b"]:
            return TeachStep(source, source_id, "back")
        case ["x"]:
            return TeachStep(source, source_id, "none")
        case ["s", section_id]:
            section = next((s for s in kb.sections if s.id == section_id), None)
            return TeachStep(source, source_id, "section", section=section) if section else None
        case ["e", entry_id] if entry_id in kb.entries:
            return TeachStep(source, source_id, "entry", entry_id=entry_id)
    return None


@dataclass(frozen=True)
class Unlearn:
    learned_id: int
    from_list: bool  # pressed under /learned (show the list again), not under a teaching


def parse_unlearn(data: str | None, kb: KnowledgeBase) -> Unlearn | None:
    """ul:<learned id> | ul:<learned id>:l."""
    match _args(Action.UNLEARN, data):
        case [learned_id] if (learned := row_id(learned_id)) is not None:
            return Unlearn(learned, False)
        case [learned_id, "l"] if (learned := row_id(learned_id)) is not None:
            return Unlearn(learned, True)
    return None

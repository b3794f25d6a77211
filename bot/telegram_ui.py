"""What patients see in Telegram: HTML text, inline keyboards and callback data.

Callback data is `action:arg:arg`, at most 64 bytes (Telegram's limit). Anything that does
not parse, or names an entry that no longer exists, is treated as an expired button.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from enum import StrEnum

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.frontdesk import Choice, FrontDesk, Reply
from bot.core.vocabulary import Lang, ReplyKind

MAX_CALLBACK_BYTES = 64
MAX_MESSAGE_CHARS = 4096
# Telegram may not make a three-digit number tappable; bold is the emphasis that always shows.
_EMERGENCY_NUMBER = re.compile(r"(?<![0-9])999(?![0-9])")

Gettext = Callable[[str], str]


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
    DONE = "done"  # done:<call-back request id> (staff)


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


def render(reply: Reply, desk: FrontDesk) -> tuple[str, InlineKeyboardMarkup]:
    """The message text (HTML, every dynamic piece escaped) and its buttons."""
    _ = desk.catalogs(reply.lang).gettext
    text = escape_bold_999(reply.text)
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
    rows.append(nav_row(_))
    return text, InlineKeyboardMarkup(rows)


def topics_keyboard(desk: FrontDesk, lang: Lang) -> InlineKeyboardMarkup:
    rows = [[button(s.title[lang], Action.SECTION, s.id)] for s in desk.kb.sections]
    return InlineKeyboardMarkup(rows)


def section_keyboard(desk: FrontDesk, section_id: str, lang: Lang) -> InlineKeyboardMarkup:
    _ = desk.catalogs(lang).gettext
    rows = choice_rows(desk.topic_choices(section_id, lang))
    rows.append([button(_("⬅️ All topics"), Action.TOPICS, "e")])  # "e": edit this menu
    return InlineKeyboardMarkup(rows)


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> Iterator[str]:
    """Pieces of at most `limit` characters, cut at line ends (no HTML tag spans lines)."""
    piece = ""
    for line in text.split("\n"):
        while len(line) > limit:  # a single over-long line: cut it hard
            if piece:
                yield piece
                piece = ""
            yield line[:limit]
            line = line[limit:]
        candidate = f"{piece}\n{line}" if piece else line
        if len(candidate) > limit:
            yield piece
            piece = line
        else:
            piece = candidate
    if piece:
        yield piece

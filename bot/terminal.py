"""A terminal chat with the same front-desk core, for trying the bot without Telegram."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import TextIO

from bot.core.conversation import NEW
from bot.core.frontdesk import Choice, FrontDesk, Reply
from bot.core.vocabulary import Lang

CONVERSATION = "terminal"


def render(reply: Reply) -> str:
    lines = [f"*{reply.title}*", ""] if reply.title else []
    lines.append(reply.text)
    if reply.choices:
        lines.append("")
        lines += [f"  [{n}] {choice.label}" for n, choice in enumerate(reply.choices, 1)]
    return "\n".join(lines)


def help_text(desk: FrontDesk, lang: Lang) -> str:
    _ = desk.catalogs(lang).gettext
    return "\n".join(
        [
            desk.about(lang),
            "",
            _("Type your question in English, Bangla or Banglish."),
            _("Type a number to open a suggested topic."),
            "/topics  /appointment  /language en|bn|auto  /help  /quit",
        ]
    )


def chat(desk: FrontDesk, lines: Iterable[str], out: TextIO) -> None:
    """Answer each line of `lines` on `out` until /quit or end of input."""
    chosen: Lang | None = None
    lang = Lang.EN  # the language of the last reply: numbered choices open in it
    choices: tuple[Choice, ...] = ()
    # What the chat said before: "and the cost?" leans on the last answer, as in Telegram. One
    # person at one terminal, so no time limit; /start clears it.
    context = NEW

    def show(text: str) -> None:
        print(text, end="\n\n> ", file=out, flush=True)

    def say(reply: Reply) -> None:
        nonlocal choices, lang
        choices, lang = reply.choices, reply.lang
        show(render(reply))

    show(help_text(desk, lang))
    for raw in lines:
        line = raw.strip()
        if line in ("/quit", "/exit"):
            break
        if line.isdigit() and 1 <= int(line) <= len(choices):
            reply = desk.answer(choices[int(line) - 1].entry_id, chosen or lang, CONVERSATION)
            # An answer opened by number: the chat goes on from it.
            context = desk.context_after(context, reply, reply.title or "")
            say(reply)
        elif line == "/start":
            context = NEW
            show(help_text(desk, chosen or lang))
        elif line == "/appointment":
            say(desk.appointment(chosen or lang))
        elif line == "/topics":
            topic_lang = chosen or lang
            choices = tuple(
                choice
                for section in desk.kb.sections
                for choice in desk.topic_choices(section.id, topic_lang)
            )
            show("\n".join(f"  [{n}] {c.label}" for n, c in enumerate(choices, 1)))
        elif line.startswith("/language"):
            arg = line.removeprefix("/language").strip()
            chosen = Lang(arg) if arg in ("en", "bn") else None
            show(f"language: {chosen or 'auto'}")
        elif line.startswith("/") or not line:
            show(help_text(desk, chosen or lang))
        else:
            reply = desk.reply(line, CONVERSATION, chosen, usual=lang, context=context)
            context = reply.context
            say(reply)


def run(desk: FrontDesk) -> None:
    # Windows consoles and some SSH sessions default to a narrow encoding; Bangla needs UTF-8.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(encoding="utf-8", errors="replace")
    try:
        chat(desk, sys.stdin, sys.stdout)
    except KeyboardInterrupt:
        print(file=sys.stdout)

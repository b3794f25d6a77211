"""Telegram limits the UI must respect: 4096-character messages and 64-byte callback data."""

from __future__ import annotations

import pytest

from bot.core.frontdesk import FrontDesk
from bot.core.vocabulary import Lang
from bot.telegram_ui import (
    MAX_CALLBACK_BYTES,
    Action,
    escape,
    pack,
    render,
    section_keyboard,
    split_message,
    topics_keyboard,
    unpack,
)


def test_long_text_is_split_at_line_ends_without_losing_anything() -> None:
    lines = [f"<b>{i}</b> " + "ক" * 90 for i in range(200)]
    text = "\n".join(lines)
    pieces = list(split_message(text))
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == text
    assert all(p.count("<b>") == p.count("</b>") for p in pieces), "no tag cut in half"


def test_a_single_overlong_line_is_still_cut_to_size() -> None:
    pieces = list(split_message("x" * 10_000))
    assert [len(p) for p in pieces] == [4096, 4096, 1808]


def test_callback_data_over_64_bytes_is_refused() -> None:
    with pytest.raises(ValueError):
        pack(Action.ANSWER, "ক" * 30)  # 90 bytes in UTF-8


def test_every_button_the_bot_can_show_fits_telegram(desk: FrontDesk) -> None:
    markups = [topics_keyboard(desk, lang) for lang in Lang]
    markups += [section_keyboard(desk, s.id, lang) for s in desk.kb.sections for lang in Lang]
    markups += [
        render(desk.answer(e, lang, "ui"), desk)[1] for e in desk.kb.entries for lang in Lang
    ]
    data = [b.callback_data for m in markups for row in m.inline_keyboard for b in row]
    assert data and all(len(d.encode()) <= MAX_CALLBACK_BYTES for d in data)
    assert all(unpack(d) is not None for d in data)


def test_unpack_rejects_what_the_bot_never_made() -> None:
    assert unpack(None) is None and unpack("") is None and unpack("nope:1") is None
    assert unpack("a:safety") == (Action.ANSWER, ["safety"])


def test_escape_keeps_quotes_readable_and_tags_harmless() -> None:
    assert escape("don't <b>") == "don't &lt;b&gt;"

"""The UI translation catalogs: complete, consistent, and in step with the code."""

from __future__ import annotations

import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.config import PROJECT_DIR
from bot.core.frontdesk import FrontDesk
from bot.core.i18n import Catalogs, po_path
from bot.core.vocabulary import Lang
from bot.tg.app import DESCRIPTION, SHORT_DESCRIPTION

LOCALES = PROJECT_DIR / "locales"


def _catalog(path: Path):
    with path.open("rb") as fp:
        return read_po(fp)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_every_message_has_a_bangla_translation_with_the_same_placeholders() -> None:
    catalog = _catalog(po_path(LOCALES, Lang.BN))
    untranslated, fuzzy, mismatched = [], [], []
    for message in catalog:
        if not message.id:
            continue
        if not message.string:
            untranslated.append(message.id)
        elif message.fuzzy:
            fuzzy.append(message.id)
        elif _placeholders(message.id) != _placeholders(message.string):
            mismatched.append(message.id)
    assert (untranslated, fuzzy, mismatched) == ([], [], [])


def test_catalogs_hold_every_string_the_code_uses(tmp_path: Path) -> None:
    """The committed template must match a fresh `pybabel extract` (no stale catalogs)."""
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-o", str(fresh), "--no-location", "--sort-output", "."],
        cwd=PROJECT_DIR, check=True, capture_output=True,
    )
    in_code = {m.id for m in _catalog(fresh) if m.id}
    committed = {m.id for m in _catalog(LOCALES / "messages.pot") if m.id}
    bangla = {m.id for m in _catalog(po_path(LOCALES, Lang.BN)) if m.id}
    assert in_code == committed, "run the pybabel extract/update steps in the README"
    assert in_code <= bangla


def test_catalogs_are_compiled_at_start_up() -> None:
    catalogs = Catalogs(LOCALES)
    assert catalogs(Lang.BN).gettext("Cancel") == "বাতিল"
    assert catalogs(Lang.EN).gettext("Cancel") == "Cancel"


@pytest.mark.parametrize("lang", list(Lang))
def test_unknown_strings_fall_back_to_english(lang: Lang) -> None:
    assert Catalogs(LOCALES)(lang).gettext("no such message") == "no such message"


def test_the_bot_descriptions_fit_telegrams_limits(desk: FrontDesk) -> None:
    """Telegram refuses a short description over 120 characters and a description over 512
    (with the 999 line the bot adds); a refused one leaves the "What can this bot do?" screen
    blank in that language."""
    for lang in Lang:
        _ = desk.catalogs(lang).gettext
        assert len(_(SHORT_DESCRIPTION)) <= 120, lang
        assert len(_(DESCRIPTION) + "\n\n" + desk.emergency_line(lang)) <= 512, lang

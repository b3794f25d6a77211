"""UI strings through gettext catalogs (`locales/<lang>/LC_MESSAGES/messages.po`).

The `.po` files are compiled in memory when the bot starts, so there is no `.mo` file that
could go stale after someone edits a translation. Workflow for translators: README,
"Translating the interface".
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from bot.core.vocabulary import Lang

DOMAIN = "messages"


def po_path(locales_dir: Path, lang: Lang) -> Path:
    return locales_dir / lang.value / "LC_MESSAGES" / f"{DOMAIN}.po"


def compile_catalog(po_file: Path) -> Translations:
    with po_file.open("rb") as fp:
        catalog = read_po(fp, locale=po_file.parents[1].name)
    buffer = BytesIO()
    # Fuzzy entries are machine guesses by `pybabel update`; showing them would print a wrong text.
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Catalogs:
    """One translator per language; English msgids are the English text."""

    def __init__(self, locales_dir: Path) -> None:
        self._by_lang: dict[Lang, NullTranslations] = {}
        for lang in Lang:
            path = po_path(locales_dir, lang)
            self._by_lang[lang] = compile_catalog(path) if path.exists() else NullTranslations()

    def __call__(self, lang: Lang) -> NullTranslations:
        return self._by_lang[lang]

"""What staff taught the bot, as YAML in the faq/ format, for an editor to merge into faq/.

Taught questions live in the inquiry log and reach the matcher at once, but the knowledge base
is the YAML a person edits and reviews. `ibnsina-admin learned --yaml` prints them grouped the
way faq/ holds them: each entry's new `questions` by form (en, bn, banglish), under the entry's
id and the file it is in, and the out-of-scope ones as `faq/out-of-scope.yaml` lists them.

No import of the answer engine (the admin command line must not load the matcher): the entry's
file is found by reading faq/ with PyYAML, and a phrase's form is checked by its letters, with
the same rule the loader applies (Bangla script for bn; Latin letters for en and banglish).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import yaml

from bot.storage import LearnedPhrase

FORMS = ("en", "bn", "banglish")


def _script_form(text: str, form: str | None) -> str | None:
    """Where the loader accepts `text`: bn for Bangla script, else the Latin form it was
    written in (en when unknown); None when it mixes scripts so that neither is accepted."""
    bangla = sum("\u0980" <= ch <= "\u09ff" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    if bangla > latin:
        return "bn"
    if bangla:
        return None
    return form if form in ("en", "banglish") else "en"


def _entry_files(faq_dir: Path) -> dict[str, str]:
    """Entry id -> the faq/ file it is in (best effort: a broken file is skipped)."""
    found: dict[str, str] = {}
    for path in sorted(faq_dir.glob("*.yaml")):
        if not path.name[:1].isdigit():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue
        for entry in data.get("entries") or []:
            if isinstance(entry, dict) and "id" in entry:
                found[str(entry["id"])] = f"faq/{path.name}"
    return found


def learned_yaml(phrases: Iterable[LearnedPhrase], faq_dir: Path, today: date) -> str:
    by_entry: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    out_of_scope: dict[str, list[str]] = defaultdict(list)
    left_out: list[str] = []
    for phrase in phrases:
        form = _script_form(phrase.text, phrase.form)
        text = " ".join(phrase.text.split())
        if form is None:
            left_out.append(text)
        elif phrase.entry_id is None:
            out_of_scope[form].append(text)
        else:
            by_entry[phrase.entry_id][form].append(text)
    files = _entry_files(faq_dir)
    document: dict[str, object] = {}
    if by_entry:
        document["entries"] = [
            {"id": entry_id,
             "file": files.get(entry_id, "(no longer in faq/)"),
             "questions": {form: forms[form] for form in FORMS if forms.get(form)}}
            for entry_id, forms in sorted(by_entry.items())
        ]
    if out_of_scope:
        document["out-of-scope"] = {
            "file": "faq/out-of-scope.yaml",
            "questions": {form: out_of_scope[form] for form in FORMS if out_of_scope.get(form)},
        }
    count = sum(len(q) for f in by_entry.values() for q in f.values()) + sum(
        len(q) for q in out_of_scope.values())
    header = [
        f"# Questions front-desk staff taught the bot: {count}, as of {today}.",
        "# To keep them in the knowledge base, add each entry's questions to the `questions:`",
        "# of the entry with that id (in the file named), and the out-of-scope questions to",
        "# the `questions:` of faq/out-of-scope.yaml, under the same form (en, bn, banglish).",
        "# Then run `python -m bot check`. Keep them in /learned all the same: a taught question",
        "# gets the answer staff chose, while a phrasing in faq/ is only weighed with the rest.",
    ]
    header += [f"# Left out, it mixes Bangla and Latin letters: {text}" for text in left_out]
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100) if document \
        else "{}\n"
    return "\n".join(header) + "\n" + body

"""The knowledge base in faq/: the shipped files are sound, and broken files are reported
with the file, the line and what is wrong (clinic staff edit these files by hand)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import PROJECT_DIR
from bot.core.knowledge import KnowledgeBase, KnowledgeBaseError, load_knowledge_base
from bot.core.vocabulary import Lang

from helpers.replies import KALLYANPUR, SAVAR

FAQ = PROJECT_DIR / "faq"
ARTICLE = (FAQ / "source" / "article.txt").read_text(encoding="utf-8")

# Written out here rather than imported, so the test does not trust the code it checks.
BENGALI_TO_ASCII = str.maketrans(dict(zip("০১২৩৪৫৬৭৮৯", "0123456789", strict=True)))
NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)*")


# -- helpers ---------------------------------------------------------------------------------


def numbers_in(text: str) -> list[str]:
    """Every number in `text`, Bengali digits read as ASCII ("৪৮.৯%" -> "48.9")."""
    return NUMBER.findall(text.translate(BENGALI_TO_ASCII))


def article_has_number(number: str) -> bool:
    """The article states `number` as a whole number (not as part of a longer one)."""
    return re.search(rf"(?<![0-9.,]){re.escape(number)}(?![0-9]|[.,][0-9])", ARTICLE) is not None


def collapse(text: str) -> str:
    return " ".join(text.split())


def line_of(text: str, fragment: str) -> int:
    """1-based line where `fragment` first starts in `text`."""
    assert text.count(fragment) >= 1, f"test setup: {fragment!r} not in the file"
    return text[: text.index(fragment)].count("\n") + 1


def edit(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in the file with `new`; return the line where it was."""
    text = path.read_text(encoding="utf-8")
    line = line_of(text, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return line


def load_error(faq_dir: Path) -> str:
    """The loader's message, with the temporary folder shown as "faq" (its name holds the test
    name, which must not satisfy the checks on the message's words)."""
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(faq_dir)
    message = str(caught.value)
    assert str(faq_dir) in message, f"the message does not name the file: {message}"
    return message.replace(str(faq_dir), "faq")


def reported_line(message: str, file_name: str) -> int:
    """The line number the message gives for `file_name` ("…/faq/50-safety.yaml:97: …")."""
    found = re.search(rf"{re.escape(file_name)}:(\d+)\b", message)
    assert found, f"the message does not name {file_name} with a line number: {message}"
    return int(found.group(1))


# -- the shipped knowledge base --------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge_base(FAQ)


def test_shipped_knowledge_base_has_31_entries_in_7_sections(shipped: KnowledgeBase) -> None:
    assert len(shipped.entries) == 31
    assert len(shipped.sections) == 7
    # Every entry belongs to exactly one section, in the order the sections list them.
    listed = [e for section in shipped.sections for e in section.entry_ids]
    assert sorted(listed) == sorted(shipped.entries)
    assert len(listed) == len(set(listed))


def test_shipped_clinics_are_the_two_published_branches(shipped: KnowledgeBase) -> None:
    phones = {clinic.id: clinic.phone for clinic in shipped.clinics}
    assert phones == {"savar": SAVAR, "kallyanpur": KALLYANPUR}
    # The numbers the bot gives out are the ones the clinic published under the article.
    assert SAVAR in ARTICLE and KALLYANPUR in ARTICLE


def test_every_entry_has_both_languages_and_all_three_question_forms(
    shipped: KnowledgeBase,
) -> None:
    for entry in shipped.entries.values():
        assert set(entry.answer) == set(Lang), entry.id
        assert all(entry.answer.values()), entry.id
        assert all(len(title) <= 40 for title in entry.title.values()), entry.id
        assert {form.value for form in entry.questions} == {"en", "bn", "banglish"}, entry.id
        assert all(entry.questions.values()), entry.id


def test_every_number_in_every_answer_is_in_the_article(shipped: KnowledgeBase) -> None:
    invented = [
        (entry.id, lang.value, number)
        for entry in shipped.entries.values()
        for lang, answer in entry.answer.items()
        for number in numbers_in(answer)
        if not article_has_number(number)
    ]
    assert invented == []


def test_every_number_in_every_title_is_in_the_article(shipped: KnowledgeBase) -> None:
    # Titles are shown to patients (buttons, the bold line above an answer) just like answers.
    invented = [
        (entry.id, lang.value, number)
        for entry in shipped.entries.values()
        for lang, title in entry.title.items()
        for number in numbers_in(title)
        if not article_has_number(number)
    ]
    assert invented == []


def test_bangla_answers_use_the_same_figures_as_the_english_ones(
    shipped: KnowledgeBase,
) -> None:
    # The Bangla answer is a translation: "৪৮.৯%" must be the "48.9%" of the English answer.
    for entry in shipped.entries.values():
        en = sorted(numbers_in(entry.answer[Lang.EN]))
        bn = sorted(numbers_in(entry.answer[Lang.BN]))
        assert en == bn, entry.id


def test_the_number_check_reads_bengali_digits() -> None:
    # Guards the helpers above: a check that never sees a number would pass vacuously.
    assert numbers_in("প্রায় ৪৮.৯% রোগী, ২,৪৩৯ জন") == ["48.9", "2,439"]
    assert article_has_number("48.9") and article_has_number("2,439")
    assert not article_has_number("90") and not article_has_number("8.9")
    assert not article_has_number("439")


def test_every_source_quote_is_in_the_article(shipped: KnowledgeBase) -> None:
    article = collapse(ARTICLE)
    missing = [
        (entry.id, quote)
        for entry in shipped.entries.values()
        for quote in entry.source
        if collapse(quote) not in article
    ]
    assert missing == []
    assert all(entry.source for entry in shipped.entries.values())


def test_every_related_id_is_another_existing_entry(shipped: KnowledgeBase) -> None:
    for entry in shipped.entries.values():
        for related in entry.related:
            assert related in shipped.entries, (entry.id, related)
            assert related != entry.id
        assert len(entry.related) == len(set(entry.related)), entry.id


def test_every_trigger_kind_has_phrases_in_every_form(shipped: KnowledgeBase) -> None:
    assert set(shipped.triggers) == {
        "cry_for_help", "self_harm", "what_to_do", "emergency", "hypothetical", "injury",
        "condition", "recent", "duration", "sudden", "long_ago", "past", "time_unit", "counted",
        "age", "that_day", "present", "living_with", "people", "treatment", "calm", "general",
        "writing_about",
        "fine_now", "lasting", "not_emergency",
        "salam", "namaskar", "adab", "greeting", "thanks", "farewell", "allah_hafez", "identity",
        "appointment",
        "address", "aside", "courtesy_filler",
        "appointment_alone", "refers_back", "follows_on", "how_long",
        "acknowledgement", "how_many", "meaning", "say_again", "tell_more", "proven",
        "in_bangladesh",
        "no_use", "settled",
        "so_few", "approximate", "family",
    }
    for kind, by_form in shipped.triggers.items():
        assert {form.value for form in by_form} == {"en", "bn", "banglish"}, kind
        assert all(by_form.values()), kind


# -- broken files: the message names the file and the line, and says what is wrong ------------


def test_duplicate_entry_id_across_two_files(faq_copy: Path) -> None:
    # 60-caveats.yaml already has an entry 'cost'; give 50-safety.yaml a second one.
    safety = faq_copy / "50-safety.yaml"
    first_line = edit(safety, "  - id: long-term-risks\n", "  - id: cost\n")
    caveats_text = (faq_copy / "60-caveats.yaml").read_text(encoding="utf-8")
    second_line = line_of(caveats_text, "  - id: cost\n")

    message = load_error(faq_copy)
    # Files load in name order, so the clash is found at the second one and names the first.
    assert reported_line(message, "60-caveats.yaml") == second_line
    assert reported_line(message, "50-safety.yaml") == first_line
    assert "'cost'" in message and "already used" in message


def test_missing_bn_answer(faq_copy: Path) -> None:
    path = faq_copy / "50-safety.yaml"
    text = path.read_text(encoding="utf-8")
    answer_line = line_of(text, "    answer:\n")
    # Drop the Bangla answer of the first entry: from its "bn:" to the line before "questions:".
    start = text.index("      bn: >-\n", text.index("    answer:\n"))
    end = text.index("    questions:\n", start)
    path.write_text(text[:start] + text[end:], encoding="utf-8")

    message = load_error(faq_copy)
    # The answer block: its "answer:" line or the first line inside it.
    assert reported_line(message, "50-safety.yaml") in (answer_line, answer_line + 1)
    assert "missing 'bn'" in message and "answer" in message and "'safety'" in message


def test_unknown_related_id(faq_copy: Path) -> None:
    path = faq_copy / "50-safety.yaml"
    line = edit(
        path,
        "    related: [long-term-risks, follow-up, commercial-clinics]",
        "    related: [long-term-risks, folow-up, commercial-clinics]",
    )
    message = load_error(faq_copy)
    assert reported_line(message, "50-safety.yaml") == line
    assert "'folow-up'" in message and "not an entry id" in message


def test_asked_by_must_name_a_kind_of_triggers(faq_copy: Path) -> None:
    path = faq_copy / "70-practice.yaml"
    line = edit(path, "    asked_by: what_to_do", "    asked_by: what_todo")
    message = load_error(faq_copy)
    assert reported_line(message, "70-practice.yaml") == line
    assert "asked_by" in message and "triggers.yaml" in message


def test_then_must_name_a_kind_of_triggers_and_an_entry(faq_copy: Path) -> None:
    path = faq_copy / "70-practice.yaml"
    line = edit(path, "    then: {in_bangladesh: clinical-trials}",
                "    then: {in_bd: clinical-trials}")
    message = load_error(faq_copy)
    assert reported_line(message, "70-practice.yaml") == line
    assert "'in_bd'" in message and "in_bangladesh" in message
    edit(path, "    then: {in_bd: clinical-trials}", "    then: {in_bangladesh: clinical-trial}")
    message = load_error(faq_copy)
    assert reported_line(message, "70-practice.yaml") == line
    assert "'clinical-trial' is not an entry id" in message


def test_empty_questions_list(faq_copy: Path) -> None:
    path = faq_copy / "50-safety.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("      en:\n", text.index("    questions:\n"))
    end = text.index("      bn:\n", start)
    line = text[:start].count("\n") + 1
    path.write_text(text[:start] + "      en: []\n" + text[end:], encoding="utf-8")

    message = load_error(faq_copy)
    assert reported_line(message, "50-safety.yaml") == line
    assert "questions (en)" in message and "non-empty list" in message


def test_malformed_yaml_tab_indentation(faq_copy: Path) -> None:
    path = faq_copy / "30-evidence.yaml"
    line = edit(
        path,
        "      en: What 62 trials found (2,439 patients)\n",
        "\ten: What 62 trials found (2,439 patients)\n",
    )
    message = load_error(faq_copy)
    assert reported_line(message, "30-evidence.yaml") == line
    assert "not valid YAML" in message


def test_malformed_yaml_tab_indentation_says_it_is_a_tab(faq_copy: Path) -> None:
    edit(
        faq_copy / "30-evidence.yaml",
        "      en: What 62 trials found (2,439 patients)\n",
        "\ten: What 62 trials found (2,439 patients)\n",
    )
    assert "tab" in load_error(faq_copy).lower()


@pytest.mark.parametrize(
    ("file_name", "old", "new"),
    [
        # Last line of clinics.yaml: the error says line 15 of a 14-line file.
        ("clinics.yaml", 'phone: "09610009616"', 'phone: "09610009616'),
        # The error points far further down, at the next '"' in the file.
        (
            "30-evidence.yaml",
            "en: What 62 trials found (2,439 patients)",
            'en: "What 62 trials found (2,439 patients)',
        ),
    ],
)
def test_malformed_yaml_unclosed_quote_names_the_line_with_the_quote(
    faq_copy: Path, file_name: str, old: str, new: str
) -> None:
    line = edit(faq_copy / file_name, old, new)
    message = load_error(faq_copy)
    assert "not valid YAML" in message
    assert reported_line(message, file_name) == line


@pytest.mark.parametrize(
    ("old", "new", "invented"),
    [
        (
            "        The article says safety so far appears acceptable in many trials.",
            "        The article says it costs 5 lakh. Safety so far appears acceptable.",
            "5",
        ),
        ("(১০ জন অংশগ্রহণকারী)", "(৯০% অংশগ্রহণকারী)", "90"),
    ],
    ids=["english-5-lakh", "bangla-90-percent"],
)
def test_invented_number_in_an_answer(faq_copy: Path, old: str, new: str, invented: str) -> None:
    path = faq_copy / "50-safety.yaml"
    text = path.read_text(encoding="utf-8")
    changed_line = line_of(text, old)
    # The answer field the number is in starts at the nearest "en:"/"bn:" line above it.
    field_line = max(
        i + 1
        for i, row in enumerate(text.splitlines()[:changed_line])
        if row.strip().startswith(("en:", "bn:"))
    )
    edit(path, old, new)

    message = load_error(faq_copy)
    # The answer field that holds the number: its first line, or the very line of the number.
    assert field_line <= reported_line(message, "50-safety.yaml") <= changed_line
    assert f"number {invented} " in message and "does not appear in the article" in message


def test_invented_number_in_a_title(faq_copy: Path) -> None:
    line = edit(
        faq_copy / "30-evidence.yaml",
        "      en: What 62 trials found (2,439 patients)\n",
        "      en: What 62 trials found (5 lakh patients)\n",
    )
    message = load_error(faq_copy)
    assert reported_line(message, "30-evidence.yaml") == line
    assert "5" in message and "article" in message


def test_source_quote_not_in_the_article(faq_copy: Path) -> None:
    path = faq_copy / "50-safety.yaml"
    text = path.read_text(encoding="utf-8")
    changed_line = line_of(text, "in cervical SCI (10 participants) found good tolerability")
    # The list item ("- >-") that starts this quote.
    item_line = max(
        i + 1 for i, row in enumerate(text.splitlines()[:changed_line]) if row.strip()[:2] == "- "
    )
    edit(path, "found good tolerability", "found excellent tolerability")

    message = load_error(faq_copy)
    assert item_line <= reported_line(message, "50-safety.yaml") <= changed_line
    assert "source quote" in message and "not found" in message and "article" in message


def test_bangla_text_in_an_en_field(faq_copy: Path) -> None:
    line = edit(
        faq_copy / "50-safety.yaml",
        "      en: Safety of stem cell therapy\n",
        "      en: স্টেম সেল থেরাপির নিরাপত্তা\n",
    )
    message = load_error(faq_copy)
    assert reported_line(message, "50-safety.yaml") == line
    assert "(en)" in message and "Latin letters" in message and "Bangla script" in message


def test_english_text_in_a_bn_question(faq_copy: Path) -> None:
    path = faq_copy / "50-safety.yaml"
    text = path.read_text(encoding="utf-8")
    bn_questions = text.index("      bn:\n", text.index("    questions:\n"))
    first_bn_question = text.index("        - ", bn_questions)
    line = text[:first_bn_question].count("\n") + 1
    end = text.index("\n", first_bn_question)
    path.write_text(
        text[:first_bn_question] + "        - is it safe" + text[end:], encoding="utf-8"
    )

    message = load_error(faq_copy)
    assert reported_line(message, "50-safety.yaml") == line
    assert "is it safe" in message and "Bangla script" in message


def test_title_over_40_characters(faq_copy: Path) -> None:
    title = "Safety of stem cell therapy for spinal cord injury"
    assert len(title) > 40
    line = edit(
        faq_copy / "50-safety.yaml",
        "      en: Safety of stem cell therapy\n",
        f"      en: {title}\n",
    )
    message = load_error(faq_copy)
    assert reported_line(message, "50-safety.yaml") == line
    assert str(len(title)) in message and "40" in message


def test_title_of_exactly_40_characters_is_accepted(faq_copy: Path) -> None:
    title = "Safety of stem cell therapy, in summary."
    title += "!" * (40 - len(title))
    assert len(title) == 40
    path = faq_copy / "50-safety.yaml"
    edit(path, "      en: Safety of stem cell therapy\n", f"      en: {title}\n")
    kb = load_knowledge_base(faq_copy)
    assert kb.entries["safety"].title[Lang.EN] == title


def test_unknown_key_typo(faq_copy: Path) -> None:
    path = faq_copy / "50-safety.yaml"
    line = edit(path, "    answer:\n", "    answr:\n")
    message = load_error(faq_copy)
    assert reported_line(message, "50-safety.yaml") == line
    assert "unknown key 'answr'" in message and "answer" in message.split("answr", 1)[1]


def test_clinic_phone_without_leading_zero(faq_copy: Path) -> None:
    line = edit(faq_copy / "clinics.yaml", 'phone: "09610009616"', 'phone: "9610009616"')
    message = load_error(faq_copy)
    assert reported_line(message, "clinics.yaml") == line
    assert "9610009616" in message and "starting with 0" in message


def test_missing_trigger_kind(faq_copy: Path) -> None:
    path = faq_copy / "triggers.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("\nthanks:\n") + 1
    end = text.index("\nappointment:\n", start) + 1
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    first_key_line = line_of(text, "\nemergency:\n") + 1

    message = load_error(faq_copy)
    # Nothing to point at: the top of the file (where its mapping starts) is the place.
    assert 1 <= reported_line(message, "triggers.yaml") <= first_key_line
    assert "missing 'thanks'" in message

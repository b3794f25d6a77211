"""The knowledge base: `faq/*.yaml` loaded into validated, immutable objects.

The files are edited by clinic staff, so every check names the file and line and says what
to fix in plain words. Loading walks PyYAML's node tree (not plain dicts) because only the
nodes remember where they came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import regex
import yaml

from bot.core.language import ascii_digits, normalize_text, script_counts
from bot.core.spoken import Ending, SpokenForms
from bot.core.triggers import word_key
from bot.core.vocabulary import Form, Lang

ARTICLE_PATH = Path("source") / "article.txt"
CLINICS_FILE = "clinics.yaml"
TRIGGERS_FILE = "triggers.yaml"
OUT_OF_SCOPE_FILE = "out-of-scope.yaml"
SPOKEN_FILE = "spoken.yaml"
MAX_TITLE = 40
MAX_ANSWER = 1000

_ID = regex.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_NUMBER = regex.compile(r"\d+(?:[.,]\d+)*")
_PHONE = regex.compile(r"^0\d{10}$")
# libyaml's parser is several times faster and keeps the line marks the messages need.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class KnowledgeBaseError(ValueError):
    """A problem in a knowledge-base file, with the place to fix it."""


@dataclass(frozen=True)
class Entry:
    id: str
    section_id: str
    title: dict[Lang, str]
    answer: dict[Lang, str]
    questions: dict[Form, tuple[str, ...]]
    related: tuple[str, ...]
    source: tuple[str, ...]
    where: str  # "faq/30-evidence.yaml:12", for messages about this entry
    call_us: bool = False  # the article can't settle it (price, "should we?"): add the numbers
    # A kind of faq/triggers.yaml whose phrases, all a short turn of a calm chat says, ask this
    # entry: "so what do we do?" (what_to_do) asks whether to try it and who decides.
    asked_by: str | None = None
    # Right after this answer, a short turn that says only the phrases of a kind of
    # faq/triggers.yaml asks another entry: after "does it work", "how many patients?"
    # (how_many) asks what the 62 trials found. Kind -> entry id.
    then: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Section:
    id: str
    title: dict[Lang, str]
    entry_ids: tuple[str, ...]


@dataclass(frozen=True)
class Clinic:
    id: str
    name: dict[Lang, str]
    phone: str


TRIGGER_KINDS = (
    "cry_for_help",
    "self_harm",
    "what_to_do",
    "emergency",
    "hypothetical",
    "injury",
    "condition",
    "recent",
    "duration",
    "sudden",
    "long_ago",
    "past",
    "time_unit",
    "counted",
    "age",
    "that_day",
    "present",
    "living_with",
    "people",
    "treatment",
    "calm",
    "general",
    "writing_about",
    "fine_now",
    "lasting",
    "not_emergency",
    "salam",
    "namaskar",
    "adab",
    "greeting",
    "thanks",
    "farewell",
    "allah_hafez",
    "identity",
    "appointment",
    "address",
    "aside",
    "courtesy_filler",
    "appointment_alone",
    "refers_back",
    "follows_on",
    "how_long",
    "acknowledgement",
    "how_many",
    "meaning",
    "say_again",
    "tell_more",
    "proven",
    "in_bangladesh",
    "no_use",
    "settled",
    "so_few",
    "approximate",
    "family",
)


_KNOWN_WORD = regex.compile(r"[a-z]+|[\u0980-\u09e3\u09f0-\u09fe]+")
_LATIN_WORD = regex.compile(r"[a-z]+")


@dataclass(frozen=True)
class KnowledgeBase:
    sections: tuple[Section, ...]
    entries: dict[str, Entry]
    clinics: tuple[Clinic, ...]
    # kind -> form -> phrases, e.g. triggers["emergency"][Form.BN]
    triggers: dict[str, dict[Form, tuple[str, ...]]]
    # Questions the article does not answer: closest to one of these means "fallback".
    out_of_scope: dict[Form, tuple[str, ...]]
    # Words naming something the article does not cover (matched like trigger phrases).
    off_topic: dict[Form, tuple[str, ...]]
    # Other disabling illnesses: named anywhere, they decide, unless the message is about a
    # spinal cord injury (spinal_cord words, or triggers["injury"]).
    conditions: dict[Form, tuple[str, ...]]
    spinal_cord: dict[Form, tuple[str, ...]]
    # Words naming what the article is about (stem cells, the therapy, its trials): one question
    # of several that names one is answered on its own (bot.core.multi).
    article_topics: dict[Form, tuple[str, ...]]
    # Words that, in a short turn right after an answer, ask what the article does not cover
    # ("kisti te dewa jay?" after the cost, "india te gele?", "ছোটদের ক্ষেত্রে?"): alone, in a
    # longer message, they are often side notes of a question the article answers.
    after_an_answer: dict[Form, tuple[str, ...]]
    article: str
    # Spoken forms read as standard ones (faq/spoken.yaml). Every phrase above is already
    # standardized with it, so a message needs the same one step before it is read.
    spoken: SpokenForms

    @cached_property
    def known_words(self) -> frozenset[str]:
        """The keys (`triggers.word_key`) of the words the knowledge base holds. A message word
        outside them may be a listed word typed short ("rkt" for "rokto") or spelt by ear
        ("শাস" for শ্বাস). Latin words come from everything the editors wrote; Bangla ones only
        from the standard text (phrasings, titles, answers): the phrase lists hold misspellings
        on purpose ("বসর!", a year), and each must not stop another from being read by ear."""
        standard = [q for e in self.entries.values() for qs in e.questions.values() for q in qs]
        standard += [t for e in self.entries.values()
                     for t in (*e.title.values(), *e.answer.values())]
        lists = [p for kinds in self.triggers.values() for ps in kinds.values() for p in ps]
        for more in (self.out_of_scope, self.off_topic, self.conditions, self.spinal_cord,
                     self.article_topics, self.after_an_answer):
            lists += [p for ps in more.values() for p in ps]
        # Each word once: normalizing every phrase costs a fifth of a second at start-up.
        words = set(_KNOWN_WORD.findall("\n".join(standard).lower()))
        words |= set(_LATIN_WORD.findall("\n".join(lists).lower()))
        return frozenset(word_key(normalize_text(w)) for w in words)

    def section_of(self, entry_id: str) -> Section:
        entry = self.entries[entry_id]
        return next(s for s in self.sections if s.id == entry.section_id)


def _yaml_error_message(path: Path, text: str, exc: yaml.MarkedYAMLError) -> str:
    # For an unclosed quote the problem mark is wherever the parser gave up, often far below;
    # the context mark is where the broken value starts, which is what the editor must fix.
    mark = exc.context_mark or exc.problem_mark
    where = f"{path}:{mark.line + 1}" if mark else str(path)
    problem = " ".join(p for p in (exc.context, exc.problem) if p)
    lines = text.splitlines()
    if exc.problem_mark and exc.problem_mark.line < len(lines):
        if "\t" in lines[exc.problem_mark.line]:
            problem += f" (line {exc.problem_mark.line + 1} has a tab: indent with spaces only)"
        elif exc.context_mark and exc.problem_mark.line != exc.context_mark.line:
            problem += f" (noticed at line {exc.problem_mark.line + 1})"
    return f"{where}: not valid YAML: {problem}"


class _File:
    """One YAML file's node tree, with helpers that fail with file and line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise KnowledgeBaseError(f"{path}: not saved as UTF-8 ({exc.reason})") from exc
        try:
            node = yaml.compose(text, Loader=_LOADER)
        except yaml.MarkedYAMLError as exc:
            raise KnowledgeBaseError(_yaml_error_message(path, text, exc)) from exc
        if node is None:
            raise KnowledgeBaseError(f"{path}:1: the file is empty")
        self.root = node

    def fail(self, node: yaml.Node, message: str) -> KnowledgeBaseError:
        return KnowledgeBaseError(f"{self.where(node)}: {message}")

    def where(self, node: yaml.Node) -> str:
        return f"{self.path}:{node.start_mark.line + 1}"

    def mapping(
        self, node: yaml.Node, what: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{what} must be a set of 'key: value' lines")
        result: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in result:
                raise self.fail(key_node, f"'{key}' appears twice in {what}")
            if key not in required and key not in optional:
                allowed = ", ".join(required + optional)
                raise self.fail(key_node, f"unknown key '{key}' in {what} (allowed: {allowed})")
            result[key] = value_node
        for key in required:
            if key not in result:
                raise self.fail(node, f"{what} is missing '{key}'")
        return result

    def text(self, node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag == "tag:yaml.org,2002:null":
            raise self.fail(node, f"{what} must be text")
        value = str(node.value).strip()
        if not value:
            raise self.fail(node, f"{what} is empty")
        return value

    def texts(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        """A list of texts; a single text is accepted as a one-item list."""
        if isinstance(node, yaml.ScalarNode):
            return [(self.text(node, what), node)]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.fail(node, f"{what} must be a non-empty list")
        return [(self.text(item, f"an item of {what}"), item) for item in node.value]

    def bilingual(
        self,
        node: yaml.Node,
        what: str,
        max_len: int,
        check: Callable[[_File, yaml.Node, str], None] | None = None,
    ) -> dict[Lang, str]:
        fields = self.mapping(node, what, required=("en", "bn"))
        result = {}
        for lang in Lang:
            value = self.text(fields[lang.value], f"{what} ({lang.value})")
            if check:
                check(self, fields[lang.value], value)
            _check_script(self, fields[lang.value], value, Form(lang.value), f"{what} ({lang})")
            if len(value) > max_len:
                raise self.fail(
                    fields[lang.value],
                    f"{what} ({lang.value}) has {len(value)} characters; at most {max_len} fit",
                )
            result[lang] = value
        return result


def _check_script(file: _File, node: yaml.Node, value: str, form: Form, what: str) -> None:
    bangla, latin = script_counts(value)
    if form is Form.BN and bangla <= latin:
        raise file.fail(node, f"{what} should be written in Bangla script")
    if form is not Form.BN and bangla > 0:
        raise file.fail(node, f"{what} should be written in Latin letters, not Bangla script")


def _collapse(text: str) -> str:
    return " ".join(text.split())


def load_knowledge_base(faq_dir: Path) -> KnowledgeBase:
    """Load and validate every file in `faq_dir`; raise KnowledgeBaseError on the first problem."""
    article_path = faq_dir / ARTICLE_PATH
    try:
        article = article_path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise KnowledgeBaseError(f"{article_path}: the source article is missing") from exc
    checker = _ArticleChecker(article)

    sections: list[Section] = []
    entries: dict[str, Entry] = {}
    related_refs: list[tuple[_File, yaml.Node, str, str]] = []
    section_files = sorted(p for p in faq_dir.glob("*.yaml") if p.name[:1].isdigit())
    if not section_files:
        raise KnowledgeBaseError(f"{faq_dir}: no section files (like 10-about.yaml) found")
    for path in section_files:
        file = _File(path)
        top = file.mapping(file.root, "the file", required=("section", "entries"))
        head = file.mapping(top["section"], "section", required=("id", "title"))
        section_id = _parse_id(file, head["id"], "section id")
        if any(s.id == section_id for s in sections):
            raise file.fail(head["id"], f"section id '{section_id}' is used by another file too")
        title = file.bilingual(head["title"], "section title", MAX_TITLE)
        if not isinstance(top["entries"], yaml.SequenceNode) or not top["entries"].value:
            raise file.fail(top["entries"], "entries must be a non-empty list")
        ids = []
        for node in top["entries"].value:
            entry = _parse_entry(file, node, section_id, checker, related_refs)
            if entry.id in entries:
                raise file.fail(
                    node, f"entry id '{entry.id}' is already used at {entries[entry.id].where}"
                )
            entries[entry.id] = entry
            ids.append(entry.id)
        sections.append(Section(section_id, title, tuple(ids)))

    for file, node, owner, target in related_refs:
        if target == owner:
            raise file.fail(node, f"entry '{owner}' lists itself as related")
        if target not in entries:
            raise file.fail(node, f"'{target}' is not an entry id")

    spoken = _load_spoken(faq_dir / SPOKEN_FILE)

    def standard(phrases: dict[Form, tuple[str, ...]]) -> dict[Form, tuple[str, ...]]:
        return {form: tuple(map(spoken.standardize, items)) for form, items in phrases.items()}

    return KnowledgeBase(
        sections=tuple(sections),
        entries={
            entry_id: replace(entry, questions=standard(entry.questions))
            for entry_id, entry in entries.items()
        },
        clinics=_load_clinics(faq_dir / CLINICS_FILE),
        triggers={
            kind: standard(phrases)
            for kind, phrases in _load_triggers(faq_dir / TRIGGERS_FILE).items()
        },
        **{
            kind: standard(phrases)
            for kind, phrases in _load_out_of_scope(faq_dir / OUT_OF_SCOPE_FILE).items()
        },
        article=article,
        spoken=spoken,
    )


def _parse_id(file: _File, node: yaml.Node, what: str) -> str:
    value = file.text(node, what)
    if not _ID.match(value):
        raise file.fail(node, f"{what} '{value}' may use only a-z, 0-9 and single dashes")
    return value


class _ArticleChecker:
    def __init__(self, article: str) -> None:
        self.text = _collapse(article)
        self.numbers = set(_NUMBER.findall(article))

    def check_source(self, file: _File, node: yaml.Node, quote: str) -> None:
        if _collapse(quote) not in self.text:
            raise file.fail(node, "this source quote is not found word for word in the article")

    def check_numbers(self, file: _File, node: yaml.Node, answer: str) -> None:
        for number in _NUMBER.findall(ascii_digits(answer)):
            if number not in self.numbers:
                raise file.fail(
                    node, f"the number {number} here does not appear in the article"
                )


def _parse_entry(
    file: _File,
    node: yaml.Node,
    section_id: str,
    checker: _ArticleChecker,
    related_refs: list[tuple[_File, yaml.Node, str, str]],
) -> Entry:
    fields = file.mapping(
        node, "an entry", required=("id", "title", "answer", "questions", "source"),
        optional=("related", "call_us", "asked_by", "then"),
    )
    entry_id = _parse_id(file, fields["id"], "entry id")
    answer = file.bilingual(
        fields["answer"], f"answer of '{entry_id}'", MAX_ANSWER, check=checker.check_numbers
    )

    q_fields = file.mapping(
        fields["questions"], f"questions of '{entry_id}'", required=tuple(f.value for f in Form)
    )
    questions: dict[Form, tuple[str, ...]] = {}
    for form in Form:
        items = file.texts(q_fields[form.value], f"questions ({form.value}) of '{entry_id}'")
        for text, item in items:
            _check_script(file, item, text, form, f"question ({form.value}) '{text}'")
        questions[form] = tuple(text for text, _ in items)

    related: list[str] = []
    if "related" in fields:
        for target, item in file.texts(fields["related"], f"related of '{entry_id}'"):
            related_refs.append((file, item, entry_id, target))
            related.append(target)

    call_us = False
    if "call_us" in fields:
        flag = file.text(fields["call_us"], "call_us").lower()
        if flag not in ("true", "false", "yes", "no"):
            raise file.fail(fields["call_us"], "call_us must be true or false")
        call_us = flag in ("true", "yes")

    asked_by = None
    if "asked_by" in fields:
        asked_by = file.text(fields["asked_by"], "asked_by")
        if asked_by not in TRIGGER_KINDS:
            raise file.fail(fields["asked_by"], "asked_by must name a kind of triggers.yaml")

    then: list[tuple[str, str]] = []
    if "then" in fields:
        kinds = file.mapping(fields["then"], f"then of '{entry_id}'", required=(),
                             optional=TRIGGER_KINDS)
        for kind, target_node in kinds.items():
            target = file.text(target_node, f"then ({kind}) of '{entry_id}'")
            related_refs.append((file, target_node, "", target))
            then.append((kind, target))

    sources = file.texts(fields["source"], f"source of '{entry_id}'")
    for quote, item in sources:
        checker.check_source(file, item, quote)

    return Entry(
        id=entry_id,
        section_id=section_id,
        title=file.bilingual(
            fields["title"], f"title of '{entry_id}'", MAX_TITLE, check=checker.check_numbers
        ),
        answer=answer,
        questions=questions,
        related=tuple(related),
        source=tuple(quote for quote, _ in sources),
        where=file.where(node),
        call_us=call_us,
        asked_by=asked_by,
        then=tuple(then),
    )


def _load_clinics(path: Path) -> tuple[Clinic, ...]:
    file = _File(path)
    top = file.mapping(file.root, "the file", required=("clinics",))
    if not isinstance(top["clinics"], yaml.SequenceNode) or not top["clinics"].value:
        raise file.fail(top["clinics"], "clinics must be a non-empty list")
    clinics: list[Clinic] = []
    for node in top["clinics"].value:
        fields = file.mapping(node, "a clinic", required=("id", "name", "phone"))
        clinic_id = _parse_id(file, fields["id"], "clinic id")
        phone = file.text(fields["phone"], "phone")
        if not _PHONE.match(phone):
            raise file.fail(fields["phone"], f"phone '{phone}' must be 11 digits starting with 0")
        if any(c.id == clinic_id for c in clinics):
            raise file.fail(fields["id"], f"clinic id '{clinic_id}' is used twice")
        name = file.bilingual(fields["name"], "clinic name", MAX_TITLE)
        clinics.append(Clinic(clinic_id, name, phone))
    return tuple(clinics)


def _phrases_by_form(file: _File, node: yaml.Node, what: str) -> dict[Form, tuple[str, ...]]:
    forms = file.mapping(node, what, required=tuple(f.value for f in Form))
    result = {}
    for form in Form:
        items = file.texts(forms[form.value], f"{what} ({form.value})")
        for text, item in items:
            _check_script(file, item, text, form, f"{what} phrase '{text}'")
        result[form] = tuple(text for text, _ in items)
    return result


def _load_triggers(path: Path) -> dict[str, dict[Form, tuple[str, ...]]]:
    file = _File(path)
    top = file.mapping(file.root, "the file", required=TRIGGER_KINDS)
    return {kind: _phrases_by_form(file, top[kind], kind) for kind in TRIGGER_KINDS}


def _load_out_of_scope(path: Path) -> dict[str, dict[Form, tuple[str, ...]]]:
    file = _File(path)
    top = file.mapping(file.root, "the file", required=(
        "topics", "conditions", "spinal_cord", "article_topics", "questions"),
        optional=("after_an_answer",))
    empty: dict[Form, tuple[str, ...]] = {form: () for form in Form}
    return {
        "off_topic": _phrases_by_form(file, top["topics"], "out-of-scope topics"),
        "conditions": _phrases_by_form(file, top["conditions"], "other illnesses"),
        "spinal_cord": _phrases_by_form(file, top["spinal_cord"], "spinal cord words"),
        "article_topics": _phrases_by_form(file, top["article_topics"], "article topic words"),
        "out_of_scope": _phrases_by_form(file, top["questions"], "out-of-scope questions"),
        "after_an_answer": (_phrases_by_form(file, top["after_an_answer"], "after an answer")
                            if "after_an_answer" in top else empty),
    }


def _load_spoken(path: Path) -> SpokenForms:
    """faq/spoken.yaml; each ending's examples ("পইড়া -> পড়ে") must come out as written."""
    file = _File(path)
    top = file.mapping(file.root, "the file", required=("words", "phrases", "endings"))
    scripts = ("bangla", "latin")

    def pairs(node: yaml.Node, what: str) -> dict[str, str]:
        result: dict[str, str] = {}
        for script, by_script in file.mapping(node, what, required=scripts).items():
            if not isinstance(by_script, yaml.MappingNode):
                raise file.fail(by_script, f"{what} ({script}) must be 'spoken: standard' lines")
            for key_node, value_node in by_script.value:
                spoken = file.text(key_node, f"a spoken form in {what}").lower()
                if spoken in result:
                    raise file.fail(key_node, f"'{spoken}' appears twice in {what}")
                result[spoken] = file.text(value_node, f"the standard form of '{spoken}'")
        return result

    words, phrases = pairs(top["words"], "words"), pairs(top["phrases"], "phrases")
    if not isinstance(top["endings"], yaml.SequenceNode):
        raise file.fail(top["endings"], "endings must be a list")
    endings: list[tuple[Ending, list[tuple[str, yaml.Node]]]] = []
    for node in top["endings"].value:
        fields = file.mapping(node, "an ending", required=("spoken", "standard", "examples"))
        ending = Ending(file.text(fields["spoken"], "spoken"), file.text(fields["standard"],
                                                                            "standard"))
        try:
            regex.compile(ending.pattern)
        except regex.error as exc:
            raise file.fail(fields["spoken"], f"this pattern does not read: {exc}") from exc
        endings.append((ending, file.texts(fields["examples"], "examples")))
    forms = SpokenForms(words, phrases, [ending for ending, _ in endings])
    for _, examples in endings:
        for example, node in examples:
            spoken, arrow, standard = example.partition("->")
            if not arrow:
                raise file.fail(node, "write an example as 'spoken -> standard'")
            got = forms.standardize(spoken.strip())
            if got != standard.strip():
                raise file.fail(node, f"'{spoken.strip()}' comes out as '{got}', "
                                      f"not '{standard.strip()}'")
    return forms

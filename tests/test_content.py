"""What a frightened relative reads: the answers and the interface follow docs/glossary.md.

Bangla a phone can show (short sentences), one word for each idea, the study words explained,
the bot saying that it is a bot, and no promise about IBN-SINA that the article does not make.
The word lists are written out here rather than read from the glossary, so that the test does
not trust the document it checks; a test below makes sure the glossary names every one of them.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import regex
import yaml
from babel.messages.pofile import read_po

from bot.config import PROJECT_DIR
from bot.core.frontdesk import FrontDesk
from bot.core.i18n import po_path
from bot.core.knowledge import KnowledgeBase
from bot.core.vocabulary import Lang, ReplyKind
from bot.terminal import chat

from helpers.replies import SAVAR
from helpers.telegram_harness import Chat

GLOSSARY = (PROJECT_DIR / "docs" / "glossary.md").read_text(encoding="utf-8")
CLINICAL_REVIEW = (PROJECT_DIR / "docs" / "clinical-review.md").read_text(encoding="utf-8")
LOCALES = PROJECT_DIR / "locales"
MAX_BANGLA_SENTENCE_WORDS = 20
MAX_ENGLISH_SENTENCE_WORDS = 30
# "প্রবন্ধে বলা হয়েছে" at the start of every answer sounds like a government circular.
MAX_OPENINGS_WITH_THE_SAME_ATTRIBUTION = 3

IDENTITY = {Lang.EN: "automated information bot", Lang.BN: "স্বয়ংক্রিয় তথ্য-বট"}
NOT_A_PERSON = {Lang.EN: "not a person", Lang.BN: "মানুষ নই"}

# Bangla words that change the meaning (glossary, "never use them").
BANNED_BANGLA = [
    "এমএসসি",  # read as the M.Sc. degree
    "মানসম্মত",  # "of good quality", not "standard"
    "নিয়ন্ত্রিত ট্রায়াল",  # read as "regulated"
    "চিকিৎসার সময়",  # read as "during treatment", not "timing after the injury"
    "অলীক",  # "unreal": says the hope was baseless
    "উল্লেখযোগ্য",  # read as "remarkable, large"
    "সংবেদন",  # the lay word is অনুভূতি
    "চলাফেরার ক্ষমতা",
    "হাঁটাচলার ক্ষমতা",
    "প্রস্রাবের কার্যকারিতা",  # কার্যকারিতা is efficacy
    "পরিপাকতন্ত্র",
    "পেট-অন্ত্র",
    "স্থায়ী নিরাময়",  # the article never says "permanent"
    "প্রটোকল",  # spelling: প্রোটোকল
    "সিস্টেমেটিক",  # spelling: সিস্টেম্যাটিক
]

# One term for each idea (glossary, "One word for each of these ideas"): the variants the
# content review found, refused in Bangla answers and titles. (The patients' own phrasings may
# use any of them.)
ONE_TERM_VARIANTS = [
    "পর্যালোচনা",  # review: রিভিউ
    "চিকিৎসক",  # clinician: ডাক্তার
    "প্রয়োগ পদ্ধতি",  # delivery: দেওয়ার পদ্ধতি
    "নিশ্চিতভাবে",  # "definitely": statistically significant is অর্থবহ, reliably নির্ভরযোগ্যভাবে
    "(পেশিশক্তির মাপ)",  # motor score: (পেশিশক্তি ও নড়াচড়ার মাপ)
    "পথ ও সময়",  # timing, in a list: আঘাতের কত দিন পরে
    "পদ্ধতি, সময়",
]
# A route is "শরীরে দেওয়ার পথ", never the bare "দেওয়ার পথ".
BARE_ROUTE = regex.compile(r"(?<!শরীরে )দেওয়ার পথ")

# English study words: (the word, what must stand at its first mention in every answer using it).
ENGLISH_GLOSSES = [
    ("AIS", "how severe the injury is"),
    ("gastrointestinal", "bowel (gastrointestinal)"),
    ("SCI", "spinal cord injury (SCI)"),
    ("autonomic", "autonomic functions (automatic body functions"),
]

# (what marks the term in a Bangla answer, the words of its gloss): one gloss in every answer
# that uses the term. ZWJ is removed before matching (র‍্যা is typed both ways).
STUDY_WORD_GLOSSES = [
    ("এআইএস", "আঘাত কতটা গুরুতর"),
    ("এসএসইপি", "স্নায়ুর সংকেত"),
    ("সিস্টেম্যাটিক রিভিউ", "একাধিক গবেষণার ফল মিলিয়ে"),
    ("র্যান্ডমাইজড", "লটারির মতো"),
    ("ব্লাইন্ড", "কে চিকিৎসা পেয়েছেন"),
]
MSC_IN_FULL = {Lang.EN: "mesenchymal stem cell", Lang.BN: "মেসেনকাইমাল স্টেম সেল (MSC"}
SPINAL_CORD = "মেরুরজ্জু"
# The first মেরুরজ্জু of an answer, with its case ending, then the English name in brackets.
SPINAL_CORD_GLOSSED = regex.compile(r"মেরুরজ্জু[\p{L}\p{M}]*\s\(স্পাইনাল কর্ড")

# Claims about IBN-SINA's services that the article does not make: prices, hours, addresses,
# doctors, "we offer". Checked in every text a patient can be shown from faq/ and the catalogs.
SERVICE_CLAIMS = [
    r"\bat IBN-SINA\b",
    r"\bwe (?:offer|provide|give|do|perform|have)\b",
    r"\bour (?:doctors?|hospitals?|centres?|centers?|clinics?|specialists?|team|services?)\b",
    r"\b(?:visiting|opening|consulting|office) hours\b",
    r"\baddress\b",
    r"\b(?:tk|taka|bdt|lakh|crore)\b",
    "৳",
    r"\bDr\.",
    r"\bProf\.",
    r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b",
    r"\bwill call you\b",
    r"\bsuccess stor",
    "ইবনে সিনায়",  # "at IBN-SINA"
    "আমাদের হাসপাতাল",
    "আমাদের এখানে",
    "আমরা দিই",
    "আমরা দিয়ে থাকি",
    "টাকা",
    "লাখ",
    "ঠিকানা",
    "রোগী দেখার সময়",
    "খোলা থাকে",
    r"ডা\.",
    "ডাঃ",
    "অধ্যাপক",
    "ফোন করা হবে",  # an unconditional "you will be called"
]
_CLAIM = regex.compile("|".join(f"(?:{p})" for p in SERVICE_CLAIMS), regex.IGNORECASE)


# -- helpers -----------------------------------------------------------------------------------


def bangla_sentences(text: str) -> list[str]:
    """Sentences as a reader meets them: cut at । ? ! and at line ends (bullets)."""
    return [s.strip() for s in regex.split(r"[।?!]|\n", text) if s.strip()]


def words(sentence: str) -> list[str]:
    """Words with a letter or a digit in them (bullets, dashes and emoji are not words)."""
    return [w for w in sentence.split() if regex.search(r"[\p{L}\p{N}]", w)]


def shown_texts(kb: KnowledgeBase) -> Iterator[tuple[str, str]]:
    """(where, text) for every text from faq/ that a patient can be shown (not the questions,
    which are how patients ask)."""
    for section in kb.sections:
        for lang, title in section.title.items():
            yield f"section {section.id} title ({lang.value})", title
    for entry in kb.entries.values():
        for lang in Lang:
            yield f"{entry.id} title ({lang.value})", entry.title[lang]
            yield f"{entry.id} answer ({lang.value})", entry.answer[lang]
    for clinic in kb.clinics:
        for lang, name in clinic.name.items():
            yield f"clinic {clinic.id} ({lang.value})", name


def catalog_texts() -> Iterator[tuple[str, str]]:
    for path in (po_path(LOCALES, Lang.BN), po_path(LOCALES, Lang.EN), LOCALES / "messages.pot"):
        with path.open("rb") as fp:
            for message in read_po(fp):
                if message.id:
                    yield f"{path.name} msgid", str(message.id)
                    if message.string:
                        yield f"{path.name} msgstr for {message.id!r}", str(message.string)


def bangla_catalog() -> dict[str, str]:
    with po_path(LOCALES, Lang.BN).open("rb") as fp:
        return {str(m.id): str(m.string) for m in read_po(fp) if m.id}


# -- Bangla a phone can show -------------------------------------------------------------------


def test_bangla_answer_sentences_are_at_most_20_words(kb: KnowledgeBase) -> None:
    long = [
        (entry.id, len(words(sentence)), sentence)
        for entry in kb.entries.values()
        for sentence in bangla_sentences(entry.answer[Lang.BN])
        if len(words(sentence)) > MAX_BANGLA_SENTENCE_WORDS
    ]
    assert long == [], "split these sentences (docs/glossary.md)"


def test_bangla_interface_sentences_are_at_most_20_words() -> None:
    long = [
        (msgid, sentence)
        for msgid, text in bangla_catalog().items()
        for sentence in bangla_sentences(text)
        if len(words(sentence)) > MAX_BANGLA_SENTENCE_WORDS
    ]
    assert long == []


def english_sentences(text: str) -> list[str]:
    """Sentences as a reader meets them: cut at . ? ! before a space, and at line ends."""
    return [s.strip() for s in regex.split(r"[.?!](?=\s)|\n", text) if s.strip()]


def test_english_answer_sentences_are_at_most_30_words(kb: KnowledgeBase) -> None:
    long = [
        (entry.id, len(words(sentence)), sentence)
        for entry in kb.entries.values()
        for sentence in english_sentences(entry.answer[Lang.EN])
        if len(words(sentence)) > MAX_ENGLISH_SENTENCE_WORDS
    ]
    assert long == [], "split these sentences, one gloss each (docs/glossary.md)"


def test_the_english_sentence_counter_cuts_at_full_stops_not_decimals() -> None:
    text = "About 48.9% improved. Was it real? Yes!\n• one item"
    assert [len(words(s)) for s in english_sentences(text)] == [3, 3, 1, 2]


def test_the_sentence_counter_counts_bangla_words() -> None:
    # Guards the helpers: a counter that saw no words would pass everything.
    text = "এক দুই তিন। চার, পাঁচ?\n• ছয় — সাত ৪৮.৯%"
    assert [len(words(s)) for s in bangla_sentences(text)] == [3, 2, 3]


def test_few_bangla_answers_open_with_the_same_attribution(kb: KnowledgeBase) -> None:
    openings = [e.id for e in kb.entries.values()
                if e.answer[Lang.BN].startswith("প্রবন্ধে বলা হয়েছে")]
    assert len(openings) <= MAX_OPENINGS_WITH_THE_SAME_ATTRIBUTION, openings


def test_each_bangla_answer_calls_the_article_by_one_name(kb: KnowledgeBase) -> None:
    both = [e.id for e in kb.entries.values()
            if regex.search(r"লেখাটি", e.answer[Lang.BN])
            and regex.search(r"প্রবন্ধ", e.answer[Lang.BN])]
    assert both == [], "লেখাটি or প্রবন্ধ, not both in one answer (docs/glossary.md)"


# -- one word for each idea --------------------------------------------------------------------


def test_no_banned_bangla_word_in_titles_answers_or_the_interface(kb: KnowledgeBase) -> None:
    texts = [(w, t) for w, t in shown_texts(kb) if "(bn)" in w]
    texts += [(f"messages.po: {msgid!r}", s) for msgid, s in bangla_catalog().items()]
    found = [(where, word) for where, text in texts for word in BANNED_BANGLA if word in text]
    assert found == [], "see docs/glossary.md for the word to use instead"


def test_one_bangla_term_for_each_idea_in_answers_and_titles(kb: KnowledgeBase) -> None:
    texts = [(w, t) for w, t in shown_texts(kb) if "(bn)" in w]
    found = [(where, word) for where, text in texts for word in ONE_TERM_VARIANTS if word in text]
    found += [(where, "দেওয়ার পথ") for where, text in texts if BARE_ROUTE.search(text)]
    assert found == [], "docs/glossary.md names the one term to use"


@pytest.mark.parametrize(("word", "gloss"), ENGLISH_GLOSSES, ids=[w for w, _ in ENGLISH_GLOSSES])
def test_english_study_words_are_explained_at_their_first_mention(
    kb: KnowledgeBase, word: str, gloss: str
) -> None:
    term = regex.compile(rf"\b{word}\b")
    using = {e.id: e.answer[Lang.EN] for e in kb.entries.values() if term.search(e.answer[Lang.EN])}
    assert using, f"no answer uses {word}: the check would prove nothing"
    # The gloss comes with the first mention: before the word's second appearance at the latest.
    unexplained = []
    for entry_id, answer in using.items():
        mentions = [m.start() for m in term.finditer(answer)]
        cutoff = mentions[1] if len(mentions) > 1 else len(answer)
        if gloss not in answer[: cutoff + len(gloss)]:
            unexplained.append(entry_id)
    assert unexplained == [], f"write {gloss!r} where {word} first appears"


def test_the_glossary_names_every_rule_this_file_checks() -> None:
    named = [*BANNED_BANGLA, *(gloss for _, gloss in STUDY_WORD_GLOSSES), *IDENTITY.values(),
             *ONE_TERM_VARIANTS, *(gloss for _, gloss in ENGLISH_GLOSSES),
             "মেরুরজ্জু (স্পাইনাল কর্ড)", "মেসেনকাইমাল স্টেম সেল (MSC)"]
    missing = [word for word in named if word not in GLOSSARY.replace("\u200d", "")]
    assert missing == []


def test_msc_is_named_in_full_before_its_acronym(kb: KnowledgeBase) -> None:
    wrong = []
    for entry in kb.entries.values():
        for lang in Lang:
            answer = entry.answer[lang]
            if "MSC" in answer and not (
                MSC_IN_FULL[lang] in answer
                and answer.index(MSC_IN_FULL[lang]) < answer.index("MSC") + len("MSC")
            ):
                wrong.append((entry.id, lang.value))
    assert wrong == []


def test_spinal_cord_has_its_english_name_at_its_first_mention(kb: KnowledgeBase) -> None:
    wrong = []
    for entry in kb.entries.values():
        answer = entry.answer[Lang.BN]
        if SPINAL_CORD in answer:
            first = SPINAL_CORD_GLOSSED.search(answer)
            if first is None or first.start() != answer.index(SPINAL_CORD):
                wrong.append(entry.id)
    assert wrong == [], "write মেরুরজ্জু (স্পাইনাল কর্ড) at the first mention"


@pytest.mark.parametrize(
    ("term", "gloss"), STUDY_WORD_GLOSSES, ids=[t for t, _ in STUDY_WORD_GLOSSES]
)
def test_study_words_are_explained_where_they_are_used(
    kb: KnowledgeBase, term: str, gloss: str
) -> None:
    answers = {e.id: e.answer[Lang.BN].replace("\u200d", "") for e in kb.entries.values()}
    using = [entry_id for entry_id, answer in answers.items() if term in answer]
    assert using, f"no answer uses {term}: the check would prove nothing"
    assert [entry_id for entry_id in using if gloss not in answers[entry_id]] == []


# -- the article's claims about IBN-SINA, and no others -----------------------------------------


def test_no_ibn_sina_service_claims_in_faq_or_catalogs(kb: KnowledgeBase) -> None:
    claims = [
        (where, found.group())
        for where, text in [*shown_texts(kb), *catalog_texts()]
        for found in [_CLAIM.search(text)]
        if found
    ]
    assert claims == [], "the article names no price, hours, address, doctor or service"


@pytest.mark.parametrize(
    "claim",
    ["Stem cell therapy is available at IBN-SINA.", "We offer stem cell injections.",
     "The cost is 2 lakh taka.", "Visiting hours are 9 am to 5 pm.", "Dr. Rahman will see you.",
     "ইবনে সিনায় স্টেম সেল থেরাপি দেওয়া হয়।", "খরচ পড়বে ৫০ হাজার টাকা।",
     "আমাদের হাসপাতালে এই চিকিৎসা আছে।", "ঠিকানা: মিরপুর রোড।"],
)
def test_the_service_claim_check_catches_claims(claim: str) -> None:
    assert _CLAIM.search(claim)


def test_the_article_does_not_say_ibn_sina_gives_the_therapy(kb: KnowledgeBase) -> None:
    entry = kb.entries["ibn-sina-offers"]
    assert entry.call_us  # the hospital is the one to ask: both numbers follow the answer
    assert "does not say" in entry.answer[Lang.EN]
    assert "বলা নেই" in entry.answer[Lang.BN]


def test_success_rate_says_first_that_the_article_gives_none(kb: KnowledgeBase) -> None:
    entry = kb.entries["success-rate"]
    first_en = entry.answer[Lang.EN].split(".")[0]
    assert "no" in first_en.split() and "cure rate" in first_en
    assert entry.answer[Lang.BN].split("।")[0].endswith("নেই")
    for lang, not_recovery in ((Lang.EN, "not the same as recovering or walking again"),
                               (Lang.BN, "সেরে যাওয়া বা আবার হাঁটতে পারা নয়")):
        answer = entry.answer[lang]
        # The caveat comes after the figure, not in a footnote nobody reaches.
        assert answer.index("48.9" if lang is Lang.EN else "৪৮.৯") < answer.index(not_recovery)


# -- the bot says what it is -------------------------------------------------------------------


@pytest.mark.parametrize("lang", list(Lang))
def test_greeting_and_about_say_it_is_an_automated_bot(desk: FrontDesk, lang: Lang) -> None:
    for text in (desk.about(lang), desk.greeting(lang).text):
        assert IDENTITY[lang] in text
        assert NOT_A_PERSON[lang] in text


def test_the_terminal_chat_says_it_is_an_automated_bot(fresh_desk: FrontDesk) -> None:
    out = io.StringIO()
    chat(fresh_desk, ["/language bn", "/help"], out=out)
    assert IDENTITY[Lang.EN] in out.getvalue() and IDENTITY[Lang.BN] in out.getvalue()


def test_no_string_calls_the_bot_an_assistant_as_if_it_were_staff() -> None:
    found = [where for where, text in catalog_texts()
             if "information assistant" in text or "তথ্য সহকারী" in text]
    assert found == []


# -- replies that are not answers end with the emergency line ----------------------------------


def emergency_line(desk: FrontDesk, lang: Lang) -> str:
    return desk.about(lang).splitlines()[-1]


def test_non_answers_end_with_the_emergency_line(desk: FrontDesk) -> None:
    """Every fallback and "did you mean" the development stories produce, in both languages."""
    stories = yaml.safe_load((PROJECT_DIR / "tests" / "eval" / "stories.yaml").read_text(
        encoding="utf-8"))
    texts = ["xyzzy qwerty", "is the covid vaccine safe?", *(m["text"] for m in stories)]
    replies = [desk.reply(text, f"content-{i}") for i, text in enumerate(texts)]
    non_answers = [r for r in replies
                   if r.kind in (ReplyKind.FALLBACK, ReplyKind.DID_YOU_MEAN)]
    assert {r.kind for r in non_answers} == {ReplyKind.FALLBACK, ReplyKind.DID_YOU_MEAN}
    assert {r.lang for r in non_answers} == set(Lang)
    for reply in non_answers:
        assert "999" in emergency_line(desk, reply.lang)
        assert reply.text.rstrip().endswith(emergency_line(desk, reply.lang)), reply.text


@pytest.mark.parametrize("lang", list(Lang))
def test_the_emergency_line_says_just_injured_or_in_danger_now(
    desk: FrontDesk, lang: Lang
) -> None:
    line = emergency_line(desk, lang)
    assert ("just been injured" in line and "danger now" in line) if lang is Lang.EN else (
        "এইমাত্র" in line and "এখন বিপদে" in line)
    first = desk.reply("my father fell from the roof", "content-fell", lang).text.splitlines()[0]
    assert ("just been injured" in first) if lang is Lang.EN else ("এইমাত্র" in first)


# -- the same, as Telegram shows it --------------------------------------------------------------


@pytest.mark.e2e
async def test_start_and_help_say_it_is_an_automated_bot(fake, bot) -> None:
    for language_code, lang in (("en", Lang.EN), ("bn", Lang.BN)):
        chat = Chat(fake, 301 if lang is Lang.EN else 302, language_code=language_code)
        for command in ("/start", "/help"):
            text = (await chat.say(command)).params["text"]
            assert IDENTITY[lang] in text, command
            assert "<b>999</b>" in text, command  # the number to remember stands out


@pytest.mark.e2e
async def test_what_can_this_bot_do_screen_in_both_languages(fake, bot) -> None:
    # Telegram shows the description before the patient presses Start.
    for code, lang in ((None, Lang.EN), ("en", Lang.EN), ("bn", Lang.BN)):
        description = fake.description(language_code=code or "").lower()
        short = fake.short_description(language_code=code or "").lower()
        assert IDENTITY[lang] in description and "999" in description
        assert IDENTITY[lang] in short
        assert not _CLAIM.search(description) and not _CLAIM.search(short)


@pytest.mark.e2e
async def test_non_text_messages_end_with_the_emergency_line(fake, bot, desk: FrontDesk) -> None:
    reply = await Chat(fake, 303, language_code="bn").send("voice")
    last = reply.params["text"].rstrip().splitlines()[-1]
    assert last == emergency_line(desk, Lang.BN).replace("999", "<b>999</b>")


def test_call_back_confirmation_promises_no_call(desk: FrontDesk) -> None:
    catalog = bangla_catalog()
    confirmations = [msgid for msgid in catalog if "{branch}" in msgid and "{phone}" in msgid]
    assert confirmations, "the call-back confirmation is gone: the check would prove nothing"
    for msgid in confirmations:
        assert "front desk" in msgid and "will call you" not in msgid
        assert "ফ্রন্ট ডেস্ক" in catalog[msgid] and "ফোন করা হবে" not in catalog[msgid]



@pytest.mark.e2e
@pytest.mark.parametrize(("language_code", "lang"), [("en", Lang.EN), ("bn", Lang.BN)])
async def test_the_error_apology_ends_with_the_emergency_line(
    fake, bot, desk: FrontDesk, monkeypatch, language_code: str, lang: Lang
) -> None:
    """The message the bot failed on may have been the emergency."""

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.bot_data.desk, "reply", broken)
    reply = await Chat(fake, 304, language_code=language_code).say("is it safe?")
    text = reply.params["text"].rstrip()
    assert SAVAR in text
    assert text.splitlines()[-1] == emergency_line(desk, lang).replace("999", "<b>999</b>")


# -- the appointment numbers are not for emergencies ---------------------------------------------


def test_no_label_calls_the_appointment_numbers_urgent() -> None:
    """In Bangla জরুরি is *emergency* (জরুরি বিভাগ is the emergency department): a line that leads
    into the appointment numbers must not use it, or a panicking relative dials them, not 999."""
    catalog = bangla_catalog()
    labels = {msgid: text for msgid, text in catalog.items()
              if msgid.rstrip().endswith(":") and ("call" in msgid or "appointment" in msgid)}
    assert len(labels) >= 5, "the labels are gone: the check would prove nothing"
    urgent = [msgid for msgid, text in labels.items()
              if "urgent" in msgid.lower()
              or "জরুরি" in text.replace("জরুরি রোগীর জন্য নয়", "")]
    assert urgent == []


# -- emergencies of a long-standing spinal cord injury (docs/clinical-review.md) ------------------


def sci_emergency_phrases() -> dict[str, list[str]]:
    """The phrases under "Emergencies of a long-standing spinal cord injury" in triggers.yaml."""
    text = (PROJECT_DIR / "faq" / "triggers.yaml").read_text(encoding="utf-8")
    emergency = text[text.index("\nemergency:"):text.index("\ninjury:")]
    found: dict[str, list[str]] = {}
    form = ""
    inside = False
    for line in emergency.splitlines():
        if regex.match(r"  (en|bn|banglish):$", line):
            form, inside = line.strip()[:-1], False
        elif line.strip().startswith("#"):
            inside = inside or "spinal cord injury" in line or "Long-standing SCI" in line
        elif inside and line.strip().startswith("- "):
            found.setdefault(form, []).append(line.strip()[2:].strip('"'))
    return found


def test_the_clinicians_list_holds_exactly_the_sci_emergency_phrases() -> None:
    phrases = sci_emergency_phrases()
    assert set(phrases) == {"en", "bn", "banglish"}, "all three forms"
    lists = CLINICAL_REVIEW[CLINICAL_REVIEW.index("**English:**"):
                            CLINICAL_REVIEW.index("A false alarm costs")]
    listed = set(regex.findall(r"`([^`]+)`", lists))
    for form, words_of_form in phrases.items():
        assert set(words_of_form) <= listed, (form, set(words_of_form) - listed)
    shipped = {p for words_of_form in phrases.values() for p in words_of_form}
    assert listed - shipped == set(), "listed for the clinicians but not in triggers.yaml"
    for field in ("Confirmed by (name, role)", "Date"):
        assert field in CLINICAL_REVIEW


@pytest.mark.parametrize("message", [
    "my brother is quadriplegic and his blood pressure is suddenly very high with a severe "
    "headache",
    "my father has had a spinal cord injury for 5 years. today he has a pounding headache and "
    "is sweating a lot",
    "He has a spinal cord injury and has not passed urine since morning, his belly is swollen",
    "বাবার মেরুদণ্ডে আঘাত আছে, এখন হঠাৎ প্রচণ্ড মাথাব্যথা আর খুব ঘামছেন",
    "আব্বুর প্যারালাইসিস তিন বছর, আজ সকাল থেকে প্রস্রাব হচ্ছে না",
    "abbur spinal injury, ekhon hotat matha onek betha ar ghamche, pressure onek high",
    "amar vai er spinal cord injury 4 bochor, aj theke prosrab atke ache, pet fule gese",
])
def test_sci_emergencies_open_with_999(desk: FrontDesk, message: str) -> None:
    reply = desk.reply(message, f"sci-{message[:20]}")
    assert reply.kind is ReplyKind.EMERGENCY
    assert "999" in reply.text.splitlines()[0]


@pytest.mark.parametrize("message", [
    "আমার বাবার ঘাড়ে আঘাত, হাত-পা অবশ, কী করলে ভালো হবে?",
    "my father hurt his neck and cannot move his legs, what will make him better?",
])
def test_how_to_help_after_an_injury_gets_no_bad_news(desk: FrontDesk, message: str) -> None:
    """The family asked how to help: they must not read that movement and feeling are "often
    lost permanently" (sci-impact), least of all under "call 999"."""
    reply = desk.reply(message, f"help-{message[:20]}")
    assert "স্থায়ীভাবে" not in reply.text and "permanent" not in reply.text

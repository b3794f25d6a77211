"""Two or three questions in one message: every question answered in one reply (issue 18)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from bot.core import multi
from bot.core.frontdesk import FrontDesk
from bot.core.questions import split_questions
from bot.core.vocabulary import ReplyKind
from bot.terminal import render

SAVAR, KALLYANPUR = "09610010615", "09610009616"
DISCLAIMER = {"en": "not medical advice", "bn": "চিকিৎসা-পরামর্শ নয়"}


@pytest.mark.parametrize(
    ("text", "entries", "lang"),
    [
        ("Is stem cell therapy safe? And how much does it cost?", {"safety", "cost"}, "en"),
        ("stem cell ki puro cure? r eta ki govt approved?",
         {"is-it-a-cure", "ethics-regulation"}, "bn"),
        ("স্টেম সেল থেরাপি কি নিরাপদ? দেশে কোনো ক্লিনিক্যাল ট্রায়াল চলছে কি?",
         {"safety", "clinical-trials"}, "bn"),
        # In one breath, the second in few words: answered beside the first.
        ("stem cell safe ki r accident er koto din porjonto dewa jay", {"safety", "timing"},
         "bn"),
        ("টাকা কত লাগবে আর এতে ভাই পুরা ভালো হবে নাকি", {"cost", "is-it-a-cure"}, "bn"),
    ],
)
def test_two_questions_get_both_answers_in_one_reply(
    fresh_desk: FrontDesk, text: str, entries: set[str], lang: str
) -> None:
    reply = fresh_desk.reply(text, conversation="two")
    assert reply.kind is ReplyKind.ANSWER
    assert set(reply.entry_ids) == entries and reply.entry_id == reply.entry_ids[0]
    for entry_id in entries:
        entry = fresh_desk.kb.entries[entry_id]
        assert entry.title[reply.lang] in reply.text  # a heading per answer
        assert entry.answer[reply.lang] in reply.text
    assert reply.text.count(DISCLAIMER[lang]) == 1
    assert not reply.unanswered
    # The follow-ups are the first answer's, never an entry answered already.
    first = fresh_desk.answer(reply.entry_ids[0], reply.lang, "other")
    assert {c.entry_id for c in reply.choices} <= {c.entry_id for c in first.choices}
    assert not {c.entry_id for c in reply.choices} & entries


def test_the_numbers_come_once_when_an_answer_needs_them(fresh_desk: FrontDesk) -> None:
    reply = fresh_desk.reply("Is stem cell therapy safe? And how much does it cost?", "n")
    assert "cost" in reply.entry_ids  # the cost entry sends the patient to the hospital
    assert reply.text.count(SAVAR) == 1 and reply.text.count(KALLYANPUR) == 1


def test_the_part_the_article_does_not_answer_is_named(fresh_desk: FrontDesk) -> None:
    reply = fresh_desk.reply(
        "Kallyanpur branch er thikana ta ki? r rogi dekhte jawar visiting hour kokhon?", "u"
    )
    assert reply.unanswered
    assert "প্রবন্ধে নেই" in reply.text and "visiting hour kokhon" in reply.text
    assert reply.text.count(SAVAR) == 1 and reply.text.count(KALLYANPUR) == 1


def test_an_emergency_with_two_questions_puts_999_first_and_keeps_both_answers(
    fresh_desk: FrontDesk,
) -> None:
    reply = fresh_desk.reply(
        "my father fell from a roof just now and cannot breathe. Is stem cell therapy safe? "
        "And how much does it cost?", "e")
    assert reply.kind is ReplyKind.EMERGENCY and reply.then is ReplyKind.ANSWER
    assert reply.text.index("999") < reply.text.index("Safety of stem cell therapy")
    assert {"safety", "cost"} == set(reply.entry_ids)
    for entry_id in ("safety", "cost"):
        assert fresh_desk.kb.entries[entry_id].answer["en"] in reply.text
    assert reply.text.count(SAVAR) == 1  # the 999 reply's numbers only


def test_a_single_question_is_answered_as_before(fresh_desk: FrontDesk) -> None:
    reply = fresh_desk.reply("is stem cell therapy safe?", "s")
    assert reply.kind is ReplyKind.ANSWER and reply.entry_ids == ("safety",)
    assert reply.title == fresh_desk.kb.entries["safety"].title["en"]
    assert reply.text.startswith(fresh_desk.kb.entries["safety"].answer["en"])


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("please give me the Savar appointment number, and also tell me whether stem cells "
         "help bladder control", "bladder-bowel"),
        ("সাভারের নম্বরটা দিবেন, আর স্টেম সেলে কি প্রস্রাবের নিয়ন্ত্রণ ফেরে?", "bladder-bowel"),
        ("kallyanpur er number ta din, r stem cell e ki bladder thik hoy?", "bladder-bowel"),
    ],
)
def test_asking_for_the_numbers_and_a_question_gets_both_the_numbers_once(
    fresh_desk: FrontDesk, text: str, entry_id: str
) -> None:
    reply = fresh_desk.reply(text, conversation="numbers")
    assert reply.kind is ReplyKind.ANSWER and reply.entry_ids == (entry_id,)
    assert fresh_desk.kb.entries[entry_id].answer[reply.lang] in reply.text
    assert reply.text.count(SAVAR) == 1 and reply.text.count(KALLYANPUR) == 1


@pytest.mark.parametrize(
    ("text", "entry_id", "not_answered", "lang"),
    [
        ("MRI er dam koto savar e? r stem cell therapy er khoroch koto?", "cost",
         "MRI er dam koto savar e?", "bn"),
        ("সাভারে এমআরআই করাতে কত টাকা লাগে? আর স্টেম সেল থেরাপির খরচ কেমন?", "cost",
         "সাভারে এমআরআই করাতে কত টাকা লাগে?", "bn"),
        ("is acupuncture any use for paralysis? and can stem cells replace his physio?",
         "rehabilitation", "is acupuncture any use for paralysis?", "en"),
    ],
)
def test_a_question_about_the_article_is_answered_beside_one_it_does_not_cover(
    fresh_desk: FrontDesk, text: str, entry_id: str, not_answered: str, lang: str
) -> None:
    reply = fresh_desk.reply(text, conversation="beside")
    assert reply.kind is ReplyKind.ANSWER and reply.entry_ids == (entry_id,)
    assert fresh_desk.kb.entries[entry_id].answer[lang] in reply.text
    # The other part is named, and the front desk's numbers are there for it.
    assert reply.unanswered
    assert {"en": "does not answer this part", "bn": "প্রবন্ধে নেই"}[lang] in reply.text
    assert f"“{not_answered}”" in reply.text
    assert reply.text.count(SAVAR) == 1 and reply.text.count(KALLYANPUR) == 1


@pytest.mark.parametrize("text", ["do u have a cord blood bank? and what is the cost?",
                                  "do you have a cord blood bank, and what is the cost?",
                                  # Another illness told in the story: every question is its.
                                  "আমার ভাতিজার বয়স ৬, autism আছে, এখনো কথা বলে না। লোকে বলে "
                                  "stem cell দিলে কথা বলে, এটা কি সত্যি?? কোথায় দেয়?"])
def test_a_question_cut_from_an_out_of_scope_message_is_not_answered(
    desk: FrontDesk, text: str
) -> None:
    # "the cost" names no topic of its own: it is the cord blood bank's, not the therapy's.
    reply = desk.reply(text, "cord")
    assert reply.kind is ReplyKind.FALLBACK and reply.entry_ids == () and reply.unanswered


def test_a_long_reply_is_shortened_with_read_more_choices(
    fresh_desk: FrontDesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(multi, "MAX_REPLY_CHARS", 400)
    reply = fresh_desk.reply("Is stem cell therapy safe? And how much does it cost?", "long")
    labels = [c.label for c in reply.choices]
    for entry_id in reply.entry_ids:
        entry = fresh_desk.kb.entries[entry_id]
        assert f"Read more: {entry.title['en']}" in labels
        first_paragraph = entry.answer["en"].split("\n")[0]
        assert first_paragraph in reply.text
        assert reply.text.count("\n") < entry.answer["en"].count("\n") + 12


def test_the_terminal_shows_every_answer(fresh_desk: FrontDesk) -> None:
    shown = render(fresh_desk.reply("stem cell ki puro cure? r eta ki govt approved?", "t"))
    for entry_id in ("is-it-a-cure", "ethics-regulation"):
        assert fresh_desk.kb.entries[entry_id].answer["bn"] in shown


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("Is it safe? And the cost at Savar branch?", 2),
        ("1) stem cell kivabe kaj kore 2) eta safe kina 3) pore tumor hoite pare ki", 3),
        ("১) ASIA গ্রেড জিনিসটা কী? ২) ৬৭০ জন রোগীর উপর গবেষণায় কী পাওয়া গেছে?", 2),
        ("is it safe and effective?", 1),
        ("Kindly explain the 48.9% figure, and why is the risk of bias high?", 2),
        ("ট্রায়াল জিনিসটা কী, একটু বুঝিয়ে বলবেন?", 1),
        ("stem cell dile ki r bayam korte hobe na", 1),
        ("সে কি আর হাঁটতে পারবে?", 1),
        ("my son fell from a tree two years ago, he is paralysed, can stem cells help him walk?",
         1),
        ("can stem cell make him walk, and after the treatment how many check-ups are needed?",
         2),
        # A second "and" inside the first question: "surgery and steroids" is one thing asked.
        ("what do surgery and steroids achieve, and how do stem cells work?", 2),
        # "naki" offers the other answer to the same question; "mane" says it again.
        ("stem cell dile ki puro sere jabe, naki shudhu ektu unnoti hobe?", 1),
        ("stem cell dile ki labh hobe? mane abar ki nije hete bathroom e jete parbe?", 1),
        ("১) স্টেম সেল কি নিরাপদ ২) খরচ কত ৩) কল্যাণপুরে কোথায় যোগাযোগ করব", 3),
        # Run together with no question mark: words joined to a question ask on, question
        # word or not; "abar" joins after a "naki" only.
        ("sorry typing on machine how much money the stem cell and my brother can walk after",
         2),
        ("eta ki puro sere jawar chikitsa naki r homeopathy kheye kono lav ache", 2),
        ("pore cancer hoy naki abar ekhon dile kono khoti", 2),
        ("stem cell dile ki abar hatte parbo?", 1),
        # Things compared, a genitive "r", a "still", and words with a question mark.
        ("what is the difference between a trial and normal treatment", 1),
        ("stem cell ki injury r jaygar inflammation komay", 1),
        ("পুরনো ইনজুরিতে কি আর স্টেম সেল কাজ করে", 1),
        ("Can stem cells cure his knee arthritis and his diabetes side by side?", 1),
        # A fragment joined on after a question mark, and the SMS "n".
        ("will stem cell make him walk again? & total cost", 2),
        ("What did that review of 22 MSC studies find, n are these studies reliable?", 2),
        ("will he walk again? & thanks", 1),
    ],
)
def test_questions_are_split_where_a_new_question_starts(text: str, count: int) -> None:
    assert len(split_questions(text)) == count


@pytest.mark.parametrize(
    ("text", "first"),
    [("Two questions: is it safe, and how much does it cost?", "is it safe"),
     ("abbur 2 ta proshno — stem cell kon kon type ase, eta ki cure?",
      "stem cell kon kon type ase")],
)
def test_words_announcing_the_questions_are_not_part_of_the_first(text: str, first: str) -> None:
    assert split_questions(text)[0] == first


def test_a_request_for_the_numbers_is_a_question_of_its_own(desk: FrontDesk) -> None:
    text = "kindly give me the Savar number, and tell whether stem cell helps bladder"
    assert split_questions(text) == [text]  # no question word before the comma
    assert split_questions(text, also_asks=desk._appointment.__contains__) == [
        "kindly give me the Savar number", "tell whether stem cell helps bladder"]
    assert split_questions("what do surgery and steroids achieve, and how do cells work?")[0] == (
        "what do surgery and steroids achieve")


@pytest.mark.e2e
async def test_the_log_export_and_stats_count_every_entry_answered(fake, bot) -> None:
    from bot.storage import write_csv

    from helpers.telegram_harness import Chat

    reply = await Chat(fake, 7401).say("is it safe? and how much does it cost?")
    assert "Safety" in reply.params["text"] and "Cost" in reply.params["text"]
    log = bot.bot_data.log
    (row,) = [r for r in await log.reports.latest() if r.user_id == 7401]
    assert {row.entry_id, *(row.more_entries or "").split()} == {"safety", "cost"}
    stats = await log.reports.stats(row.received_at - timedelta(minutes=1))
    assert {"safety", "cost"} <= {entry for entry, _ in stats.top_entries}
    out = io.BytesIO()
    write_csv([row], out)
    header, line = out.getvalue().decode("utf-8-sig").splitlines()[:2]
    assert header.endswith("more entries") and line.split(",")[-1] in ("cost", "safety")


def test_how_the_cells_help_is_the_ways_they_may_help_alone_and_beside_safety(
    fresh_desk: FrontDesk,
) -> None:
    alone = fresh_desk.reply("how do the cells help?", conversation="how")
    assert alone.kind is ReplyKind.ANSWER and alone.entry_id == "how-stem-cells-help"
    both = fresh_desk.reply("is it safe, and how do the cells help?", conversation="how2")
    assert both.entry_ids == ("safety", "how-stem-cells-help")


def test_a_question_naming_what_the_other_asked_about_is_read_without_it(
    fresh_desk: FrontDesk,
) -> None:
    # The second question names the operation again, but asks about walking: two questions
    # ask two different things.
    reply = fresh_desk.reply("Why did the operation not cure him? And can stem cells make him "
                             "walk where the operation failed?", conversation="apart")
    assert reply.kind is ReplyKind.ANSWER and not reply.unanswered
    assert reply.entry_ids == ("conventional-treatment", "walking-again")


def test_how_the_cells_help_beside_which_cells_is_not_read_as_does_it_work(
    fresh_desk: FrontDesk,
) -> None:
    reply = fresh_desk.reply("how do the cells help, and which cells do they use?", "cells")
    assert reply.entry_ids == ("how-stem-cells-help", "cell-types")


@pytest.mark.parametrize(
    "text",
    [
        "If he has diabetes, can stem cells still be given? And is there any long term risk?",
        "ডায়াবেটিস থাকলে কি স্টেম সেল দেওয়া যায়? আর দীর্ঘমেয়াদে কোনো ঝুঁকি আছে কি?",
        "jodi diabetes thake, stem cell deya jabe? r long term e kono risk ache?",
    ],
)
def test_an_illness_asked_about_beside_stem_cells_leaves_the_other_question_answered(
    fresh_desk: FrontDesk, text: str
) -> None:
    # Diabetes is not in the article: named as unanswered. The message is still about stem
    # cells, so the question about their long-term risks is answered.
    reply = fresh_desk.reply(text, conversation="beside-illness")
    assert reply.kind is ReplyKind.ANSWER and reply.entry_ids == ("long-term-risks",)
    assert reply.unanswered


def test_a_condition_before_a_comma_is_part_of_the_question_after_it() -> None:
    assert split_questions("If he has diabetes, can stem cells still be given?") == [
        "If he has diabetes, can stem cells still be given?"]


@pytest.mark.parametrize(
    ("text", "entries"),
    [
        ("is it safe? and how do stem cells help?", ("safety", "how-stem-cells-help")),
        ("what does it cost, and how do stem cells help?", ("cost", "how-stem-cells-help")),
    ],
)
def test_two_entries_that_fit_a_question_equally_are_told_apart_by_the_closest_phrasing(
    fresh_desk: FrontDesk, text: str, entries: tuple[str, ...]
) -> None:
    # "how do stem cells help" fits "does it work" (all its "help"s) as well as the ways stem
    # cells may help, whose phrasing it nearly is.
    assert fresh_desk.reply(text, conversation="phrasing").entry_ids == entries


def test_a_single_question_is_not_read_by_the_closest_phrasing(fresh_desk: FrontDesk) -> None:
    # The tie-break is for questions cut out of a message; a message asking one thing reads as
    # it did ("does stem cell help" is not "how").
    reply = fresh_desk.reply("does stem cell help?", conversation="one")
    assert reply.entry_ids == ("does-it-work",)


@pytest.mark.parametrize(
    "text",
    [
        "A clinic in Kolkata promises a full cure and wants 3 lakh in advance. Can such clinics "
        "be trusted? And how can we join a proper clinical trial?",
        "india r ek clinic bolse puro bhalo kore dibe, 3 lakh advance chay. esob clinic e ki "
        "bhorsa kora jay? r clinical trial e kivabe naam likhabo?",
    ],
)
def test_a_question_pointing_at_what_was_told_is_read_with_it(
    fresh_desk: FrontDesk, text: str
) -> None:
    # "such clinics" are the one told of: the commercial clinics entry.
    reply = fresh_desk.reply(text, conversation="such")
    assert set(reply.entry_ids) == {"commercial-clinics", "clinical-trials"}


@pytest.mark.parametrize(
    ("text", "first", "second"),
    [
        ("Is it safe? And what is the cost at Kallyanpur?", KALLYANPUR, SAVAR),
        ("stem cell ki safe? r kallyanpur er number ta din", KALLYANPUR, SAVAR),
        ("কল্যাণপুরের নম্বরটা দিবেন, আর স্টেম সেলে কি প্রস্রাবের নিয়ন্ত্রণ ফেরে?", KALLYANPUR, SAVAR),
        ("Is it safe? And what is the cost at Savar?", SAVAR, KALLYANPUR),
    ],
)
def test_the_branch_the_patient_named_leads_the_numbers_of_a_two_question_reply(
    fresh_desk: FrontDesk, text: str, first: str, second: str
) -> None:
    reply = fresh_desk.reply(text, conversation="branch")
    assert reply.kind is ReplyKind.ANSWER
    assert reply.text.count(first) == 1 and reply.text.count(second) == 1
    assert reply.text.index(first) < reply.text.index(second)


def test_in_an_emergency_a_question_the_bot_is_unsure_of_is_named_not_dropped(
    fresh_desk: FrontDesk,
) -> None:
    reply = fresh_desk.reply(
        "my father cannot breathe since an hour, his lips are blue. Can stem cells help his "
        "breathing muscles? Is the therapy available at IBN-SINA?", "alarm")
    assert reply.kind is ReplyKind.EMERGENCY and reply.then is ReplyKind.ANSWER
    assert reply.entry_ids == ("ibn-sina-offers",) and reply.unanswered
    assert "“Can stem cells help his breathing muscles?”" in reply.text
    assert reply.text.index("999") < reply.text.index("breathing muscles")


@pytest.mark.parametrize(
    "text",
    ["stem cell ashole kon bhabe help kore? r khoroch koto?",
     "স্টেম সেল কোন ভাবে সাহায্য করে? আর খরচ কত?"],
)
def test_in_which_way_written_as_two_words_asks_how(fresh_desk: FrontDesk, text: str) -> None:
    reply = fresh_desk.reply(text, conversation="kon-bhabe")
    assert set(reply.entry_ids) == {"how-stem-cells-help", "cost"}


@pytest.mark.parametrize(
    ("text", "questions"),
    [
        ("is it safe & how much does it cost?", ["is it safe", "how much does it cost?"]),
        ("stem cell ki safe + khoroch koto?", ["stem cell ki safe", "khoroch koto?"]),
        ("is it safe & effective?", ["is it safe & effective?"]),  # one question
        ("is C5+C6 injury curable?", ["is C5+C6 injury curable?"]),  # a sign inside a name
        ("Sir, 1) is it safe? 2) what is the cost?", ["is it safe?", "what is the cost?"]),
    ],
)
def test_signs_and_numbered_items_divide_questions(text: str, questions: list[str]) -> None:
    assert split_questions(text) == questions


@pytest.mark.parametrize(
    "text", ["is it safe & how much does it cost?", "স্টেম সেল কি নিরাপদ & খরচ কত?"])
def test_two_questions_joined_by_a_sign_get_both_answers(
    fresh_desk: FrontDesk, text: str
) -> None:
    assert set(fresh_desk.reply(text, conversation="sign").entry_ids) == {"safety", "cost"}


@pytest.mark.parametrize(
    "text",
    [
        "1) is it safe 2) how much does it cost 3) where do i call",
        "1. is it safe 2. how much does it cost",
        "১) এটা কি নিরাপদ ২) খরচ কত?",
        "1) eta ki safe 2) khoroch koto?",
    ],
)
def test_a_numbered_list_of_short_questions_gets_every_answer(
    fresh_desk: FrontDesk, text: str
) -> None:
    # The items' numbers are no words: they must not leave the whole reading unsure.
    reply = fresh_desk.reply(text, conversation="list")
    assert reply.kind is ReplyKind.ANSWER and set(reply.entry_ids) == {"safety", "cost"}
    assert reply.text.count(SAVAR) == 1


@pytest.mark.parametrize("text", [
    "Salam.\n1) stem cell research going where, anything new coming?\n2) and doctors will make "
    "one same rule for it all over?",
    "is it safe? and the cost, roughly how much?",
    "Safe ki/legal ki",
])
def test_a_second_question_joined_on_gets_its_answer_too(
    fresh_desk: FrontDesk, text: str
) -> None:
    reply = fresh_desk.reply(text, conversation="joined")
    assert reply.kind is ReplyKind.ANSWER and len(reply.entry_ids) == 2

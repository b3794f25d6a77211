"""Conversations, not single messages (issue 18): a follow-up is read against the last answer,
the story told keeps later turns free of alarms, and the context lasts 30 minutes, survives a
restart and goes with /start, /forget and the retention purge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.conversation import NEW, Context
from bot.core.danger import Danger
from bot.core.frontdesk import FrontDesk, Reply
from bot.core.vocabulary import Lang, ReplyKind
from bot.storage import InquiryLog

from helpers.telegram_harness import Chat

WINDOW = timedelta(minutes=30)
T0 = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)


def chat(desk: FrontDesk, *texts: str) -> list[Reply]:
    context, replies = NEW, []
    for text in texts:
        reply = desk.reply(text, conversation="conversation-test", context=context)
        context = reply.context
        replies.append(reply)
    return replies


@pytest.mark.parametrize(
    ("first", "follow_up", "entry"),
    [
        ("is stem cell therapy safe?", "how long must we keep watching then?",
         "long-term-risks"),
        ("stem cell dile ki hatte parbe?", "tahole ki ki valo hoy?", "what-improves"),
        ("স্টেম সেল দিলে কি হাঁটতে পারবে?", "তাহলে কী কী ভালো হয়?", "what-improves"),
    ],
)
def test_a_follow_up_is_read_against_the_last_answer(
        desk: FrontDesk, first: str, follow_up: str, entry: str) -> None:
    alone = desk.reply(follow_up, conversation="alone")
    # On its own the bot cannot tell what it asks: no answer of that entry (a "did you mean"
    # may offer it among others).
    assert alone.kind is not ReplyKind.ANSWER or alone.entry_id != entry
    replies = chat(desk, first, follow_up)
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == entry


@pytest.mark.parametrize(
    ("first", "follow_up", "entry"),
    [
        ("does stem cell therapy work?", "how many patients?", "meta-analysis-62-trials"),
        ("stem cell ki kaj kore?", "proman ase?", "trial-quality"),
        ("স্টেম সেল কি কাজ করে?", "প্রমাণিত?", "trial-quality"),
        ("what is a clinical trial?", "any in bd?", "clinical-trials"),
    ],
)
def test_what_the_last_answer_leads_to_is_asked_by_a_short_turn(
        desk: FrontDesk, first: str, follow_up: str, entry: str) -> None:
    """`then` in faq/*.yaml: right after an answer, "how many patients?" or "proven?" asks
    the entry that answer leads to, not the same answer again."""
    alone = desk.reply(follow_up, conversation="alone")
    assert alone.kind is not ReplyKind.ANSWER or alone.entry_id != entry
    replies = chat(desk, first, follow_up)
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == entry


def test_a_message_with_its_own_topic_is_answered_on_its_own(desk: FrontDesk) -> None:
    replies = chat(desk, "will stem cells help him walk again?", "how much does it cost?")
    assert replies[1].entry_id == "cost"


def test_context_never_answers_what_the_article_does_not_cover(desk: FrontDesk) -> None:
    replies = chat(desk, "how much does stem cell therapy cost?", "and the MRI?")
    assert replies[1].kind is ReplyKind.FALLBACK


def test_an_old_injury_told_earlier_keeps_later_turns_free_of_alarms(desk: FrontDesk) -> None:
    replies = chat(desk, "my father was injured in 2019 falling from a tree. can stem cells help?",
                   "he fell and can't move his legs either, is there any hope?")
    assert replies[0].context.old_story
    assert replies[1].kind is not ReplyKind.EMERGENCY
    # A new danger now still gets 999 first.
    now = chat(desk, "my father was injured in 2019. can stem cells help?",
               "he can't breathe now!")
    assert now[1].kind is ReplyKind.EMERGENCY and now[1].danger is Danger.NOW


def test_is_it_safe_and_then_the_cost(desk: FrontDesk) -> None:
    replies = chat(desk, "is it safe?", "r khoroch?")
    assert [r.entry_id for r in replies] == ["safety", "cost"]


@pytest.mark.parametrize(
    ("first", "doubt", "entry"),
    [
        ("is stem cell therapy safe?", "sure?", "safety"),
        ("স্টেম সেল দিলে কি ক্যান্সার হয়?", "শিওর?", "long-term-risks"),
        ("stem cell nile ki physio bondho kora jabe?", "sotti?", "rehabilitation"),
    ],
)
def test_sure_after_an_answer_is_about_that_answer(
        desk: FrontDesk, first: str, doubt: str, entry: str) -> None:
    replies = chat(desk, first, doubt)
    assert replies[0].entry_id == entry
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == entry


def test_how_many_people_after_a_study_asks_about_that_study(desk: FrontDesk) -> None:
    replies = chat(desk, "what was that muse cell trial?", "how many people?")
    assert [r.entry_id for r in replies] == ["muse-cell-trial", "muse-cell-trial"]


@pytest.mark.parametrize(("first", "for_the_patient", "entry"), [
    ("will the bladder get better with stem cells?", "For uncle also?", "bladder-bowel"),
    ("stem cell e kon function beshi valo hoy?", "amar jamair o ki?", "what-improves"),
    ("স্টেম সেল দিলে কি হাঁটতে পারবে?", "ওনার বেলায়?", "walking-again"),
    ("should we try stem cells?", "for a 60 y/o?", "considering-it"),
    ("should we try stem cells?", "abbur case e? uni 60", "considering-it"),
])
def test_asking_whether_the_answer_holds_for_the_patient_is_about_that_answer(
        desk: FrontDesk, first: str, for_the_patient: str, entry: str) -> None:
    replies = chat(desk, first, for_the_patient)
    assert replies[0].entry_id == entry
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == entry


def test_two_things_in_one_short_sentence_after_an_answer_get_both_answers(
        desk: FrontDesk) -> None:
    replies = chat(desk, "stem cell dile ki hatte parbe?", "is it safe and does it work?")
    assert set(replies[1].entry_ids) == {"safety", "does-it-work"}
    # Two sentences of a short turn are one thought leaning on the answer.
    replies = chat(desk, "when is the best time to give stem cells after injury?",
                   "sub acute? what mean boss")
    assert replies[1].entry_ids == ("timing",)


def test_why_beside_a_topic_of_its_own_is_not_about_the_last_answer(desk: FrontDesk) -> None:
    replies = chat(desk, "how much does it cost?",
                   "why do some people get seizures after a head injury?")
    assert replies[1].entry_id != "cost"


@pytest.mark.parametrize("rough", ["ballpark?", "approx o bolte paren na?",
                                   "মোটামুটি একটা আন্দাজ দেন"])
def test_asking_for_a_rough_figure_after_the_cost_is_the_cost_again(
        desk: FrontDesk, rough: str) -> None:
    replies = chat(desk, "how much does stem cell therapy cost?", rough)
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == "cost"


def test_a_request_for_the_number_after_an_answer_gets_the_numbers(desk: FrontDesk) -> None:
    for request in ("Give number pls", "লেখা নাই? তালি কার কাছে জানবো, নম্বর দেন",
                    "tahole doctor dekhabo, kothay call dibo?"):
        replies = chat(desk, "does IBN-SINA offer stem cell therapy?", request)
        assert replies[1].kind is ReplyKind.APPOINTMENT, request


@pytest.mark.parametrize(("first", "meaning", "entry"), [
    ("when should stem cells be given after the injury?", "sub-acute mane ki?", "timing"),
    ("স্টেম সেল থেরাপি কি কাজ করে?", "অটোনমিক মানে?", "does-it-work"),
    ("stem cell dile ki hatte parbe?", "motor recovery mane ki?", "walking-again"),
    # A term another entry is named by, or a reading that names one, is asked of that entry.
    ("is there a success rate?", "62 trials mane ki?", "meta-analysis-62-trials"),
    ("is there a success rate?", "bhalo howa mane ki hatte para?", "walking-again"),
    # The term, then the patient's own reading of it.
    ("how reliable are these studies?", "blind? mane ki chokh bondho", "trial-quality"),
    # The last answer again, simpler.
    ("what are the long-term risks?", "সহজ করে বলেন", "long-term-risks"),
    ("stem cell dile ki hatte parbe?", "short e bolen boss", "walking-again"),
    # A short turn is one thought, however it is punctuated.
    ("when is the best time to give stem cells after injury?", "sub acute? what mean boss",
     "timing"),
    # "What thing is that?" of a word another entry is titled by, in any ending.
    ("are commercial stem cell clinics safe?", "tahole oi trial ta ki jinish?",
     "clinical-trials"),
])
def test_asking_what_a_word_of_the_answer_means_is_about_that_answer(
        desk: FrontDesk, first: str, meaning: str, entry: str) -> None:
    replies = chat(desk, first, meaning)
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == entry


def test_asking_for_it_simpler_gets_the_answer_in_short_with_the_rest_a_button_away(
        desk: FrontDesk) -> None:
    full, short = chat(desk, "will he walk again with stem cells?", "so in short?")
    assert short.kind is ReplyKind.ANSWER and short.entry_id == "walking-again"
    assert len(short.text) < len(full.text) / 2
    assert short.choices[0].entry_id == "walking-again"  # "Read more"


def test_words_said_to_god_or_who_relays_the_question_are_no_part_of_it(
        desk: FrontDesk) -> None:
    replies = chat(desk, "stem cell dile ki hatte parbe?",
                   "Dada bolse alhamdulillah, tobe tar pesab-paikhana?")
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == "bladder-bowel"


@pytest.mark.parametrize("how_long", ["for how many years?", "r koto din?", "কত দিন পর পর?"])
def test_asking_only_how_long_gets_the_honest_fallback(desk: FrontDesk, how_long: str) -> None:
    replies = chat(desk, "after stem cells do they keep checking the patient?", how_long)
    assert replies[0].entry_id == "follow-up"
    assert replies[1].kind is ReplyKind.FALLBACK


def test_a_branch_or_number_alone_asks_in_the_chat(desk: FrontDesk) -> None:
    cost = chat(desk, "how much does stem cell therapy cost?", "at kallyanpur?")
    assert [r.entry_id for r in cost] == ["cost", "cost"]
    assert "09610009616" in cost[1].text  # the cost answer carries the numbers
    numbers = chat(desk, "Savar branch er appointment number ta dao", "Kallyanpur er ta?")
    assert [r.kind for r in numbers] == [ReplyKind.APPOINTMENT, ReplyKind.APPOINTMENT]
    assert numbers[1].text.index("09610009616") < numbers[1].text.index("09610010615")
    assert chat(desk, "is it safe?", "number?")[1].kind is ReplyKind.APPOINTMENT


def test_a_short_turn_right_after_an_alarm_is_still_the_emergency(desk: FrontDesk) -> None:
    replies = chat(desk, "my brother fell from the roof just now, he can't move his legs",
                   "what do we do??")
    assert [r.kind for r in replies] == [ReplyKind.EMERGENCY, ReplyKind.EMERGENCY]
    calm = chat(desk, "my brother fell from the roof just now, he can't move his legs",
                "we are at the hospital now, doctors admitted him. when is the best time "
                "for stem cells?")
    assert calm[1].kind is ReplyKind.ANSWER and calm[1].entry_id == "timing"


@pytest.mark.parametrize("next_step", ["so what do we do?", "tahole ki korbo?",
                                       "তাহলে কী করব?"])
def test_what_do_we_do_after_an_answer_asks_whether_to_try_it(
        desk: FrontDesk, next_step: str) -> None:
    replies = chat(desk, "tumor risk with stem cells?", next_step)
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == "considering-it"


def test_a_follow_up_after_an_old_story_raises_no_alarm(desk: FrontDesk) -> None:
    replies = chat(desk, "abba fell from a mango tree in 2019, he can't walk since. can stem "
                         "cells help him?", "sure?", "tahole ki korbo?")
    assert replies[0].kind is ReplyKind.ANSWER
    assert all(r.kind is not ReplyKind.EMERGENCY for r in replies[1:])
    assert replies[1].entry_id == replies[0].entry_id


def test_the_context_travels_as_json_and_a_damaged_one_is_a_fresh_start(
        desk: FrontDesk) -> None:
    context = chat(desk, "is stem cell therapy safe?")[0].context
    assert context.last == "safety" and context.lang is Lang.EN
    assert Context.from_json(context.to_json()) == context
    assert Context.from_json("{not json") == NEW
    assert Context.from_json('{"entries": 5}') == NEW


def test_a_reply_to_an_answer_makes_it_the_context(desk: FrontDesk) -> None:
    shown = desk.answer("safety", Lang.EN, "reply-to")
    context = desk.context_of_answer(f"{shown.title}\n\n{shown.text}")
    assert context.last == "safety"
    assert desk.context_of_answer("hello there") == NEW


# -- storage ----------------------------------------------------------------------------


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[InquiryLog]:
    async with await InquiryLog.open(tmp_path / "log.sqlite3") as opened:
        yield opened


async def test_a_context_lasts_30_minutes_and_a_restart_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    async with await InquiryLog.open(path) as log:
        await log.contexts.put(7, 7, '{"entries": ["cost"]}', T0)
        assert await log.contexts.get(7, T0 + timedelta(minutes=29), WINDOW)
        assert await log.contexts.get(7, T0 + timedelta(minutes=31), WINDOW) is None
    async with await InquiryLog.open(path) as log:
        assert await log.contexts.get(7, T0 + timedelta(minutes=5), WINDOW) == (
            '{"entries": ["cost"]}')
        await log.contexts.put(7, 7, None, T0 + timedelta(minutes=6))  # /start
        assert await log.contexts.get(7, T0 + timedelta(minutes=7), WINDOW) is None
    async with await InquiryLog.open(path) as log:
        assert await log.contexts.get(7, T0 + timedelta(minutes=7), WINDOW) is None


async def test_forget_and_the_purge_remove_contexts(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    async with await InquiryLog.open(path) as log:
        await log.contexts.put(7, 7, "{}", T0)
        await log.contexts.put(8, 8, "{}", T0)
        await log.forget_user(7)
        await log.purge_older_than(30, now=T0 + timedelta(days=31))
    async with await InquiryLog.open(path) as log:
        assert await log.contexts.get(7, T0, WINDOW) is None
        assert await log.contexts.get(8, T0, WINDOW) is None


# -- through Telegram ----------------------------------------------------------------------


@pytest.mark.e2e
async def test_a_follow_up_through_telegram_and_start_clears_it(fake, bot) -> None:
    patient = Chat(fake, 7301)
    first = await patient.say("is stem cell therapy safe?")
    assert "Safety" in first.params["text"]
    follow = await patient.say("how long must we keep watching then?")
    assert "Long-term" in follow.params["text"]
    await patient.say("/start")
    again = await patient.say("how long must we keep watching then?")
    assert "Long-term" not in again.params["text"]


@pytest.mark.e2e
async def test_replying_to_an_answer_in_telegram_makes_it_the_context(fake, bot) -> None:
    patient = Chat(fake, 7302)
    await patient.say("is stem cell therapy safe?")
    await patient.say("how much does it cost?")
    safety = next(m for m in fake.sent_messages(7302) if "Safety" in m.get("text", ""))
    later = await patient.reply("how long must we keep watching then?",
                                to=safety["message_id"])
    assert "Long-term" in later.params["text"]


@pytest.mark.parametrize(
    ("first", "follow_up"),
    [
        ("stem cell er khoroch koto?", "kisti kore dewa jabe?"),
        ("is stem cell therapy legal in bangladesh?", "and in thailand?"),
        ("how many patients were in the 670 study?", "what about for kids?"),
        ("স্টেম সেল কয় ধরনের?", "কোনটা সবচেয়ে ভালো?"),
    ],
)
def test_a_short_turn_asking_what_the_article_leaves_out_gets_the_fallback(
        desk: FrontDesk, first: str, follow_up: str) -> None:
    """faq/out-of-scope.yaml `after_an_answer`: installments, treatment abroad, children,
    which one is best: the honest fallback, not the last answer again."""
    replies = chat(desk, first, follow_up)
    assert replies[0].kind is ReplyKind.ANSWER
    assert replies[1].kind is ReplyKind.FALLBACK


@pytest.mark.parametrize(
    ("first", "how_long"),
    [
        ("will physiotherapy still be needed with stem cells?",
         "how many hours a day physio then?"),
        ("ফিজিওথেরাপি কি লাগবে স্টেম সেল দিলে?", "কত মাস ফিজিও করতে হবে?"),
    ],
)
def test_how_long_of_the_last_answers_subject_gets_the_fallback(
        desk: FrontDesk, first: str, how_long: str) -> None:
    replies = chat(desk, first, how_long)
    assert replies[0].entry_id == "rehabilitation"
    assert replies[1].kind is ReplyKind.FALLBACK


@pytest.mark.parametrize(
    ("first", "follow_up", "entry"),
    [
        ("is stem cell therapy a permanent cure?", "so it's useless?", "does-it-work"),
        ("স্টেম সেল কি পুরোপুরি সারায়?", "তাহলে কোনো লাভ নাই?", "does-it-work"),
        ("is there a fixed dose for stem cells?", "will that change?", "standardisation"),
        ("stem cell er dose ki fixed?", "kobe thik hobe?", "standardisation"),
        ("স্টেম সেলের ডোজ কি নির্দিষ্ট?", "কবে এক রকম হবে?", "standardisation"),
        ("tell me about the muse cell trial", "only 10?", "trial-quality"),
        # A topic of its own is not a figure the answer gave: asked of the same trial.
        ("tell me about the muse cell trial", "only neck injuries?", "muse-cell-trial"),
    ],
)
def test_a_short_turn_asks_what_the_answer_leads_to(
        desk: FrontDesk, first: str, follow_up: str, entry: str) -> None:
    """`then` in faq/*.yaml: "so it's useless?" after "no cure" asks whether it works at all;
    "will that change?" after "no standard dose" asks about a standard; "only 10?" after a
    small trial asks how far the studies can be trusted."""
    replies = chat(desk, first, follow_up)
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == entry


@pytest.mark.parametrize(
    ("first", "next_step"),
    [
        ("is stem cell a cure?", "is there no other way?"),
        ("stem cell ki cure?", "r kono upay nei?"),
        ("স্টেম সেল কি পুরোপুরি সারায়?", "অন্য কোনো উপায় নেই?"),
        # The asker ("amra") names no topic: it asks what to do, as "tahole ki korbo?" does.
        ("are stem cell clinics trustworthy?", "tahole amra ki korbo?"),
    ],
)
def test_no_other_way_asks_whether_to_try_it(desk: FrontDesk, first: str,
                                             next_step: str) -> None:
    replies = chat(desk, first, next_step)
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == "considering-it"


@pytest.mark.parametrize(
    ("unanswered", "turn"),
    [
        ("does stem cell therapy work for cerebral palsy?", "and for spinal cord injury?"),
        ("স্ট্রোকে কি স্টেম সেল কাজ করে?", "আর মেরুদণ্ডের আঘাতে?"),
        ("stroke e stem cell kaj kore?", "r spinal cord injury te?"),
    ],
)
def test_the_same_question_of_a_spinal_injury_after_another_illness(
        desk: FrontDesk, unanswered: str, turn: str) -> None:
    """After the honest fallback for another illness, "and for spinal cord injury?" asks the
    same question of the injury: whether the therapy works, not what an injury does."""
    replies = chat(desk, unanswered, turn)
    assert replies[0].kind is ReplyKind.FALLBACK
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == "does-it-work"
    # Another illness next stays unanswered.
    assert chat(desk, unanswered, "and for parkinson's?")[1].kind is ReplyKind.FALLBACK


@pytest.mark.parametrize(
    ("first", "doubt", "entry"),
    [
        ("are stem cell clinics on facebook real?", "kivabe bujhbo?", "commercial-clinics"),
        ("৬৭০ জনের গবেষণায় কী পাওয়া গেছে?", "সবকিছু ভালো হয়েছে?", "msc-670-patients"),
    ],
)
def test_how_do_i_tell_and_everything_point_back(
        desk: FrontDesk, first: str, doubt: str, entry: str) -> None:
    """"How do I tell?" and "everything?" (refers_back) ask about the last answer, not the
    entry that shares a word ("AIS grade kivabe bujhbo")."""
    replies = chat(desk, first, doubt)
    assert [r.entry_id for r in replies] == [entry, entry]


@pytest.mark.parametrize(
    "turns",
    [
        ("what does AIS grade mean?", "how many improve by a grade?", "sure?"),
        ("AIS grade mane ki?", "koyjon er grade bare?", "mane?"),
        ("এআইএস গ্রেড কী?", "কতজনের গ্রেড বাড়ে?", "নিশ্চিত?"),
    ],
)
def test_how_many_go_up_a_grade_after_the_grade_asks_the_big_study(
        desk: FrontDesk, turns: tuple[str, ...]) -> None:
    """`then: {how_many: …}` of ais-grade: how many improve a grade is what the 62 trials
    found; the doubt after it is about that answer, not the grade again."""
    replies = chat(desk, *turns)
    assert [r.entry_id for r in replies] == [
        "ais-grade", "meta-analysis-62-trials", "meta-analysis-62-trials"]


@pytest.mark.parametrize("follow_up", ["only 10 people? so how much can we trust that",
                                       "matro 10 jon? eta ki bharosha kora jay?"])
def test_the_answer_just_given_is_not_given_again_beside_the_new_one(
        desk: FrontDesk, follow_up: str) -> None:
    replies = chat(desk, "did the muse cells help anyone?", follow_up)
    assert replies[0].entry_id == "muse-cell-trial"
    assert replies[1].kind is ReplyKind.ANSWER
    assert replies[1].entry_ids in ((), ("trial-quality",)) and (
        replies[1].entry_id == "trial-quality")


def test_a_turn_with_no_clue_of_its_language_follows_the_chat(desk: FrontDesk) -> None:
    replies = chat(desk, "abba 3 bochor age gach theke pore gechilo. stem cell er khoroch koto?",
                   "kallyanpur e?")
    assert replies[0].lang is Lang.BN
    assert replies[1].lang is Lang.BN


@pytest.mark.parametrize(("first", "quoting", "entry"), [
    ("how do stem cells repair a damaged spinal cord?", "the word 'neurotrophic', what is it?",
     "how-stem-cells-help"),
    ("how reliable are these studies?", "‘আনকন্ট্রোলড’ কথাটা বুঝি নাই, এটা কী?",
     "trial-quality"),
    ("will he walk again after stem cells?", "'motor recovery' bolte ki bujhaise?",
     "walking-again"),
    # A long turn: the quote, then what the writer makes of it.
    ("are stem cells safe?", "‘কোনো বড় সমস্যা পাওয়া যায়নি’ মানে কি ছোট সমস্যা হয়?", "safety"),
])
def test_quoting_words_of_the_answer_asks_about_that_answer(
        desk: FrontDesk, first: str, quoting: str, entry: str) -> None:
    replies = chat(desk, first, quoting)
    assert replies[0].entry_id == entry
    assert replies[1].kind is ReplyKind.ANSWER and replies[1].entry_id == entry


def test_a_quote_beside_a_question_of_its_own_is_that_question(desk: FrontDesk) -> None:
    replies = chat(desk, "does stem cell therapy work?",
                   "You said 'a substantial subset'. How many of 100 patients is that?")
    assert replies[1].entry_id != "does-it-work"


@pytest.mark.parametrize("asking", ["ok then the number", "তাহলে কোন নাম্বারে ফোন দিব?",
                                    "kon number e call dibo?"])
def test_asking_which_number_after_an_answer_gets_the_numbers(
        desk: FrontDesk, asking: str) -> None:
    replies = chat(desk, "how much does stem cell therapy cost?", asking)
    assert replies[1].kind is ReplyKind.APPOINTMENT


@pytest.mark.parametrize("more", ["aro bolen", "তারপর?", "tell me more"])
def test_asking_to_go_on_gets_the_last_answer_in_full(desk: FrontDesk, more: str) -> None:
    first, again = chat(desk, "how do stem cells repair a damaged spinal cord?", more)
    assert again.kind is ReplyKind.ANSWER and again.entry_id == first.entry_id
    assert desk.kb.entries[again.entry_id].answer[again.lang] in again.text  # in full

"""Danger now gets 999 first; the story of an old injury gets its answer and no alarm (issue 7).

Through FrontDesk.reply, as a patient meets it, in English, Bangla and Banglish.
"""

from __future__ import annotations

from itertools import count

import pytest

from bot.core.danger import Danger
from bot.core.frontdesk import FrontDesk, Reply
from bot.core.vocabulary import ReplyKind

from helpers.replies import SAVAR

_conversations = count()
FIRST_LINE_999 = "999"


def ask(desk: FrontDesk, text: str) -> Reply:
    return desk.reply(text, conversation=f"danger-{next(_conversations)}")


def alarmed(reply: Reply) -> bool:
    return reply.kind is ReplyKind.EMERGENCY and FIRST_LINE_999 in reply.text.splitlines()[0]


ACUTE = [
    # the issue's own examples
    "my father is having a stroke",
    "heart attack",
    "I want to kill myself",
    "ami ar bachte chai na",
    "he dived head first into shallow water just now and cant move",
    "truck er dhakka khaise, ghar narano jacche na",
    "সড়ক দূর্ঘটনায় আহত",
    # every kind, every form
    "my mother fainted and is not responding",
    "she is having a seizure right now",
    "he has chest pain and is sweating",
    "he is bleeding heavily from the head",
    "suddenly both his legs went numb an hour ago",
    "বাবার শ্বাস নিতে কষ্ট হচ্ছে",
    "আম্মা অজ্ঞান হয়ে গেছে, সাড়া দিচ্ছে না",
    "ছেলের খিঁচুনি হচ্ছে",
    "আব্বুর মুখ বেঁকে গেছে, কথা জড়িয়ে যাচ্ছে",
    "নানার বুকে খুব ব্যথা",
    "অনেক রক্ত পড়ছে",
    "আমি আত্মহত্যা করতে চাই",
    "abbu ekhuni chad theke pore gese",
    "ammu behush hoye gese",
    "buke betha hocche onek",
    "rokto porche onek",
    "stroke korse mone hoy",
    "জরুরি",
    "joruri",
]


@pytest.mark.parametrize("text", ACUTE)
def test_danger_now_gets_999_first(desk: FrontDesk, text: str) -> None:
    assert alarmed(ask(desk, text)), text


OLD_STORIES = [
    # (message, the entry that answers its question)
    ("My father had an accident 3 years ago and is paralysed, can stem cells make him walk?",
     "walking-again"),
    ("my son fell from a tree two years ago. now he cant move his legs. will stem cells help "
     "him walk again?", "walking-again"),
    ("২ বছর আগে বাবা ছাদ থেকে পড়ে গেছেন, এখন হাঁটতে পারেন না। স্টেম সেল দিলে কি আবার হাঁটতে "
     "পারবেন?", "walking-again"),
    ("amar bhai 4 bochor hoye gelo accident e ahoto, ekhon pa nadate pare na. stem cell ki "
     "nirapod?", "safety"),
    ("since 2019 my husband cannot feel his legs after a bike accident. is stem cell safe?",
     "safety"),
]


@pytest.mark.parametrize(("text", "entry"), OLD_STORIES)
def test_an_old_injury_story_is_answered_without_an_alarm(
    desk: FrontDesk, text: str, entry: str
) -> None:
    reply = ask(desk, text)
    assert reply.kind is ReplyKind.ANSWER and reply.entry_id == entry, reply
    assert reply.danger is Danger.OLD_INJURY
    assert "999" not in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "ফিজিওথেরাপি কি জরুরি?",  # জরুরি also means "necessary"
        "the muse cell trial for neck injury, how many patients were in it?",
        "stem cell er khoroch koto pore jay",  # "pore jay" = "costs", not "falls"
        "বাবা এখন পায়ে একটু অনুভব করতে পারছেন, আরও উন্নতি হবে?",  # good news
        "he had a seizure last year, is stem cell therapy safe?",
        # Imagined some day, then asked about: a question, not an event.
        "Suppose uncle falls from the wheelchair some day, then which number do we call?",
        "যদি কোনদিন সে বিছানা থেকে পড়ে মাথায় চোট পায়, তাহলে কোথায় ফোন দেব?",
        "dhoren jodi konodin o wheelchair theke pore jay, tokhon kon number e call dimu?",
        "SCI hoile ki khichuni hoy? emni janbar chai",
        # An attempt told as the past of an old story, over now.
        "5 years before, my cousin drank poison after his spinal injury, he survived, now his "
        "mind is better. Is stem cell safe for him?",
        "last week he had a fit, it stopped in two minutes, the doctor saw him. now he is fine. "
        "what does stem cell therapy cost?",
        # "Suddenly" tells the scene of an old story here, not a danger now.
        "দুই বছর আগে আমার জামাই হাওরে নাও বাইছিল, হঠাৎ ঝড়ে নাও উল্টাইয়া যায়। ঘাড়ে বারি খাইয়া সে "
        "অজ্ঞান হইয়া গেছিল। এখন কি স্টেম সেল দেওয়া যাবে?",
        # "Before the accident" tells an accident that is past.
        "paralyzed manush ki biye krte pare? vai er biye thik chilo accident er age",
    ],
)
def test_no_false_alarm(desk: FrontDesk, text: str) -> None:
    assert not alarmed(ask(desk, text)), text


def test_an_injury_with_no_time_gets_999_and_then_the_answer(desk: FrontDesk) -> None:
    reply = ask(desk, "my brother fell and cannot move his legs, will stem cells help him walk?")
    assert alarmed(reply)
    assert reply.then is ReplyKind.ANSWER and reply.entry_id == "walking-again"
    assert desk.kb.entries["walking-again"].answer[reply.lang] in reply.text


def test_the_alarm_never_drops_the_question(desk: FrontDesk) -> None:
    reply = ask(desk, "baba aj chad theke pore geche, stem cell dile ki abar hatte parbe?")
    assert alarmed(reply)
    assert reply.then is ReplyKind.ANSWER and reply.entry_id == "walking-again"
    lines = reply.text.splitlines()
    assert lines.index(next(line for line in lines if "999" in line)) == 0
    assert "চিকিৎসা-পরামর্শ নয়" in reply.text  # the answer keeps its "not medical advice" line


def test_self_harm_gets_999_and_a_kind_word_for_the_writer_and_for_a_relative(
        desk: FrontDesk) -> None:
    reply = ask(desk, "I want to die, nothing will ever get better")
    assert alarmed(reply) and reply.danger is Danger.SELF_HARM
    assert "not alone" in reply.text.splitlines()[1]
    relative = ask(desk, "my brother says he does not want to live anymore, he will end it")
    assert relative.danger is Danger.SELF_HARM
    assert "do not leave them alone" in relative.text.splitlines()[2]
    bangla = ask(desk, "আমি আর বাঁচতে চাই না")
    assert "একা নন" in bangla.text.splitlines()[1]
    assert "একা রাখবেন না" in bangla.text.splitlines()[2]


def test_a_cry_for_help_gets_no_article_text(desk: FrontDesk) -> None:
    reply = ask(desk, "my father just fell from the roof and cant move his legs what do i do")
    assert alarmed(reply)
    assert reply.then is None and reply.entry_id is None and not reply.choices


def test_an_acute_message_with_an_out_of_scope_question_says_so_after_999(
    desk: FrontDesk,
) -> None:
    reply = ask(desk, "my mother is having a stroke right now, can stem cells treat stroke?")
    assert alarmed(reply)
    assert reply.then is ReplyKind.FALLBACK and reply.entry_id is None
    assert "could not find an answer" in reply.text


def test_the_numbers_appear_once_when_the_answer_after_999_also_ends_with_them(
        desk: FrontDesk) -> None:
    reply = ask(desk, "my father fell from the roof just now, can he get stem cell therapy at "
                      "ibn sina?")
    assert alarmed(reply) and reply.then is ReplyKind.ANSWER
    assert reply.entry_id == "ibn-sina-offers"  # an answer that ends with the numbers
    assert reply.text.count(SAVAR) == 1


def test_asking_where_to_call_in_an_emergency_gets_no_article_text(desk: FrontDesk) -> None:
    reply = ask(desk, "my husband is not breathing properly, his lips are going blue. where to "
                      "call??")
    assert alarmed(reply)
    assert reply.then is None and "article" not in reply.text


def test_danger_now_gets_an_instruction_and_an_injury_with_no_time_says_when_999_is_meant(
        desk: FrontDesk) -> None:
    now = ask(desk, "my son fell from the roof ten minutes ago, he cant move his legs")
    assert now.danger is Danger.NOW
    assert now.text.splitlines()[0].startswith("🚨 Call 999 now")
    unsure = ask(desk, "my brother fell and cannot move his legs, will stem cells help him?")
    assert unsure.danger is Danger.UNSURE
    assert unsure.text.splitlines()[0].startswith("🚨 If someone has just been injured")
    bangla = ask(desk, "আব্বা এইমাত্র ছাদ থেকে পড়ে গেছেন, পা নাড়াতে পারছেন না")
    assert bangla.text.splitlines()[0].startswith("🚨 এখনই 999-এ ফোন করুন")


@pytest.mark.parametrize(
    "text",
    [
        # Found by a danger-focused QA round, written by a reviewer who never saw the lists.
        "abbu face suddenly bent one side and his talk is slurry, started 1 hr back",
        "he took all of ammu's pressure tablets, what will happen to him",
        "my cousin drank rat poison after fight with family pls help",
        "tonight i will end everything. sorry for all",
        "nanu ke dakle uthtese na, chokh khulche na, ki korbo",
        "amar chacha kitnashok kheye felse 10 min age",
        "amar bon ammur pressure er sob tablet kheye felse",
        "আম্মা সব ট্যাবলেট খেয়ে ফেলেছে, ডাকলে সাড়া দিচ্ছে না",
        "ajke dupure amar vatija pukure dive dise, ghar nadate partese na, haat e kono feel nai",
        # Round 6 danger tuning writers (Tangail, Uttara): spoken forms and indirect words.
        "neck injury er pt, since morning dom atkaia ashtese, thot nil hoye jacche. ki korbo",
        "From morning uncle did not pass urine, catheter bag is empty, belly is swelled up",
        "amar ja er mukh ekdike bakai gese, dan hat uthaite parteche na, kotha joraiya jaitese",
        "my friend texted me 'dont want to be burden anymore, this is last msg', not picking up",
        "আমি আর তোমগো বোঝা হইয়া থাকমু না, আল্লাহ আমারে নিয়া যাক। দড়ি খুঁজবার লাগছিল।",
        "ভাটায় এক পোলার উপরে ইটের খামাল ভাইঙ্গা পড়ছে এই মাত্র, কোমর থিকা নিচে কিছু টের পায় না",
        "he does not wake up, what do we do?",
        "চাচা কইছিল মইরা যাইবো, অ্যাকন দেখি বিষের বোতল হাতে বইসা রইছে, দরজা খোলে না",
        "Jamai aj rate bolse se ar banchte chay na, sob shesh",
        "2 years ago he fell from a tree. suddenly his face drooped and he cannot talk",
    ],
)
def test_danger_told_in_everyday_words_gets_999(desk: FrontDesk, text: str) -> None:
    assert alarmed(ask(desk, text)), text


@pytest.mark.parametrize(
    "text",
    [
        "what if he has a seizure after stem cell injection? is it common?",
        "is there any risk of bleeding or infection from the injection?",
        "স্টেম সেল দেওয়ার পরে যদি খিচুনি হয় তাহলে কি করবো?",
        "stem cell ki shash proshasher muscle e kaj kore?",
    ],
)
def test_a_danger_asked_about_is_a_question_not_an_emergency(
        desk: FrontDesk, text: str) -> None:
    """Issue 17: danger is an event happening now. A question about one ("what if…", "is
    there a risk of…") gets its answer, with no alarm above it."""
    reply = ask(desk, text)
    assert not alarmed(reply), text
    assert "999" not in reply.text.splitlines()[0]


def test_a_danger_asked_about_beside_one_happening_today_is_an_emergency(
        desk: FrontDesk) -> None:
    reply = ask(desk, "what if his seizure today comes back again tonight")
    assert reply.danger is Danger.NOW


def test_long_time_back_dates_an_old_story(desk: FrontDesk) -> None:
    reply = ask(desk, "my uncle got hit by a truck long time back, lower body paralysed. will "
                      "stem cell fix his bladder?")
    assert not alarmed(reply) and reply.entry_id == "bladder-bowel"


def test_suddenly_yields_to_a_date_in_its_sentence_and_today_does_not(desk: FrontDesk) -> None:
    old = ask(desk, "my father suddenly fell from a tree three years ago, can stem cells help?")
    assert not alarmed(old)
    now = ask(desk, "his neck was injured last year and since this afternoon he cannot breathe")
    assert now.danger is Danger.NOW


@pytest.mark.parametrize(
    "text",
    [
        # a counted time dates the story, "today" before it included
        "bhai r accident hoiye 2 bosor, keu bole dao keu bole dio na. stem cell diye dibo?",
        "গত শ্রাবনে এক্সিডেন্ট, আজ ৮ মাস। আঘাতের কত দিন পর স্টেম সেল দিলে ভালো কাজ করে?",
        "9 mnths since i fell from the mango tree, legs nothing. will i walk again?",
        "my son fell from the van in twenty nineteen and broke his back. can it cause cancer?",
        # what follows "that day" is told of that day, until the message comes back to now
        "4 mash age gach theke pore gesilo, oi din hush silo na, nak mukh diye rokto porse. "
        "ekhon L2 injury. stem cell dile paikhana control ashbe?",
        # living with the injury dates a story
        "he is 22, injured his spine, doing physio and waiting for stem cell. what chances?",
        # an injury said of patients in general is a topic
        "দুর্ঘটনায় মেরুদণ্ডে আঘাত পাওয়া রোগীদের নিয়ে ২২টা স্টাডির রিভিউ আছে শুনলাম, ওইটাতে কী বলে?",
        # a catheter every day is how he lives, not urine blocked now
        "বাবার spinal cord injury, প্রস্রাব আটকে যায় ক্যাথেটার লাগে। stem cell দিলে সমস্যা কমবে?",
    ],
)
def test_a_story_dated_by_a_count_that_day_or_daily_life_raises_no_alarm(
    desk: FrontDesk, text: str
) -> None:
    assert not alarmed(ask(desk, text))


@pytest.mark.parametrize(
    "text",
    [
        # an age is not a time
        "my brother is 22 years old, he fell from the roof and cannot move his legs",
        # a new fall from the wheelchair is an event of its own
        "baba wheelchair e thake, wheelchair theke pore gese, matha fete rokto porche",
        # a count of years does not hide what is happening now
        "2 years paralysed. since this morning no urine, belly swollen",
        # "that day" ends where the message comes back to now
        "2019 e accident, oi din hush chilo na. ekhon abar hush nai, sara dicche na",
    ],
)
def test_what_a_story_cannot_hide_still_gets_999(desk: FrontDesk, text: str) -> None:
    assert alarmed(ask(desk, text))


def test_asking_what_to_do_after_a_999_reply_gets_999_again(desk: FrontDesk) -> None:
    first = desk.reply("my father just fell from the roof, he is not moving",
                       conversation="danger-chat")
    assert alarmed(first)
    for follow_up in ("what do we do??", "hospital e nibo?"):
        assert alarmed(desk.reply(follow_up, conversation="danger-chat", context=first.context))
    calm = desk.reply("is stem cell therapy safe?", conversation="danger-calm")
    assert not alarmed(desk.reply("what do we do??", conversation="danger-calm",
                                  context=calm.context))


def test_a_question_about_the_danger_after_a_999_reply_gets_999_again_and_no_article(
        desk: FrontDesk) -> None:
    first = desk.reply("my father just fell from the roof, he is not moving",
                       conversation="danger-next")
    for follow_up in ("should we lift him onto a rickshaw and take him??",
                      "999 এ ফোন দিলে নরসিংদী আসবে?"):
        reply = desk.reply(follow_up, conversation="danger-next", context=first.context)
        assert alarmed(reply) and reply.entry_id is None, follow_up
    # Another subject, or a time long past, is not about the danger.
    for other in ("হাসপাতালে নিছি। স্ট্রোকে কি স্টেম সেল দেয়?",
                  "it happened last month btw, is this a good time for it?"):
        reply = desk.reply(other, conversation="danger-next", context=first.context)
        assert not alarmed(reply), other


def test_asking_for_the_number_in_an_emergency_gets_999_and_both_numbers(
        desk: FrontDesk) -> None:
    reply = ask(desk, "mamato bhai aijka chad theika laf dise, pa nadaite partese na. "
                      "kallyanpur er number ta den jaldi")
    assert alarmed(reply)
    assert SAVAR in reply.text and "09610009616" in reply.text


def test_leg_spasms_are_not_a_seizure_but_a_seizure_still_is(desk: FrontDesk) -> None:
    spasms = ask(desk, "bhai er spinal cord injury 3 bochor, pa er khichuni r jonno baclofen "
                       "khay. dose komano jabe?")
    assert not alarmed(spasms)
    assert not alarmed(ask(desk, "আব্বার পায়ের খিঁচুনি খুব বেশি, স্টেম সেলে কি কমবে?"))
    assert alarmed(ask(desk, "ছেলের খিঁচুনি হচ্ছে, মুখ দিয়ে ফেনা"))
    assert alarmed(ask(desk, "leg spasms all day and now he is not breathing properly"))


def test_waiting_or_asking_of_right_now_after_a_999_reply_gets_999_again(
        desk: FrontDesk) -> None:
    first = desk.reply("baba abar wheelchair theke pore gese, matha theke rokto", conversation="w")
    assert alarmed(first)
    for follow_up in ("should we wait till morning?", "তানভীর আসা পর্যন্ত অপেক্ষা করি?",
                      "aj rate ki stem cell dile valo hobe?",
                      "oke ki ekhon e stem cell dile valo hobe?"):
        assert alarmed(desk.reply(follow_up, conversation="w", context=first.context)), follow_up
    # The ambulance on its way is no reason to drop the 999 line: the danger goes on.
    assert alarmed(desk.reply("ambulance called, what else?", conversation="w",
                              context=first.context))


def test_a_short_question_right_after_a_999_reply_gets_999_again(desk: FrontDesk) -> None:
    first = desk.reply("abba abar pore gelo matha fata!!", conversation="terse")
    assert alarmed(first)
    for follow_up in ("hospital?", "হাসপাতাল নিমু?", "what do now"):
        reply = desk.reply(follow_up, conversation="terse", context=first.context)
        assert alarmed(reply) and reply.entry_id is None, follow_up
    # Telling the bot they reached the hospital is no new alarm.
    calm = desk.reply("we are at the hospital now, doctors admitted him. when is the best "
                      "time for stem cells?", conversation="terse", context=first.context)
    assert not alarmed(calm)


def test_a_question_beside_asking_what_to_say_still_gets_its_answer_after_999(
        desk: FrontDesk) -> None:
    reply = desk.reply("আজ রাতে ও বলছে আর বাঁচতে চায় না। stem cell কি আসলেই আশা নাকি খালি "
                       "হুজুগ, ওরে কি বলব?", conversation="hope")
    assert alarmed(reply) and reply.entry_id is not None


@pytest.mark.parametrize("text", [
    # Khulna and Satkhira forms (faq/spoken.yaml): "-তিছে", "-তি পারে", "এট্টু".
    "ভাইয়ের ঘাড় ভাঙা। আজ বিকাল থেকে দম নিতি পারতিছে না",
    "জ্বরে গা পুড়ে যাতিছে, মানুষ চিনতিছেন না",
    "abba r mukh ek pashe benke gilo, hat tulti parche na, ettu age bhalo chhilo",
    # SMS shorthand beside a word that is no story's time: "chle" is a son, not "sale" (a year).
    "amr chle ekhn khichuni dtse, ki krbo",
])
def test_khulna_forms_and_shorthand_get_999(desk: FrontDesk, text: str) -> None:
    assert alarmed(desk.reply(text, conversation="khulna")), text


@pytest.mark.parametrize("text", [
    # An old story's past goes on to the end of its sentence ("was", "-ছিল").
    "8 months back, Feb, she slipped on the stairs. I found her at the bottom, not breathing "
    "properly, lips going blue. Is it too late for stem cells?",
    # Told of "the day of the accident", then back to now.
    "এক্সিডেন্টের দিন তার শ্বাস আটকে আসছিল, অক্সিজেন দিয়ে ঢাকা নিলাম। এখন সে বাসায়। স্টেম সেল কি নিরাপদ?",
    # Minutes told of that day.
    "Son injured last yr. He lay on the ground 40 min before the stretcher came. Now 12 months "
    "complete. Is 1 yr too late for stem cell?",
    # Told before the message comes back to how he is now.
    "Sir, 1 yr age chele ke rope obstacle theke namano hoy, mathay rokto, behush. Ekhon C6 "
    "injury. Muse cell er trial e ki hoise?",
    # An old story in the Urdu of Bihari families ("hua tha", "ab theek hai").
    "pichle saal javed ka BP achanak 220 chala gaya tha, sar phat raha tha. ab theek hai. ye "
    "stem cell wale trial kitne bharose ke hain?",
    # Fine now, after the story.
    "aage 1 bochor, baba matha betha boro, BP 230, gham, mukh lal. ekhon thik. stem cell kivabe "
    "kaj kore?",
    # Imagined, or asked of the treatment, or said not to be happening.
    "if father ever fall again from the chair, head hit, blood, what do? sms ok?",
    "question only. stem cell give seizure?",
    "General question for my SCI lecture, nothing urgent. We teach autonomic dysreflexia. Which "
    "functions improve most?",
    # Asked in general, naming nobody: why it happens, what the word means, how many a year.
    "why do some patients with a neck injury need a machine to breathe?",
    "অনেকের মেরুদণ্ডে আঘাতের পর খিঁচুনি কেন হয়?",
    "dysreflexia shobdo ta ki jinish? ek nurse bollo",
    "The word 'urinary retention' came up in the lecture. What does it mean for SCI?",
    "bish kheye bochore koto jon mara jay, kono stat ache?",
    "suicide among paralysed young people: is it common? do you have data?",
    # "Basic question", an age in a report, a living-with line.
    "basic q: accident er por pet clear hoy na keno?",
    "Client female 40 yrs, fell from a tree 2 years ago. Now legs dead. Will stem cells help?",
    # Said to be only for learning, in the present tense of a question or a description.
    "What is autonomic dysreflexia? Just to learn, no patient having this now.",
    "Some clients also have seizure history. Can stem cells cause fits? Only for learning.",
    # "In the past", "last winter", and a line of how the patient lives now.
    "Some of my clients talked about suicide in the past, they are fine now. Do you have a "
    "counsellor?",
    "last winter my cousin dived into shallow water, he was not breathing. now he cant walk. "
    "what is AIS?",
])
def test_a_story_a_fear_or_a_general_question_raises_no_alarm(desk: FrontDesk, text: str) -> None:
    assert not alarmed(ask(desk, text))


@pytest.mark.parametrize("text", [
    # A new sentence in the present after the story's past.
    "My father had an accident 2 years ago and was paralysed. He stopped breathing, lips blue, "
    "help!",
    "Baba 2 bochor age accident e paralysed hoyechilo. nishash bondho hoye gese, thot nil, help",
    "বাবা ২ বছর আগে পড়ে গিয়ে প্যারালাইসিস হয়েছিল। শ্বাস বন্ধ হয়ে গেছে, ঠোঁট নীল, বাঁচান",
    # Minutes that are now.
    "My father was injured 2 years ago. He was not breathing well since an hour, lips blue",
    # "Nothing urgent" beside a danger going on, or a time of now.
    "general question, nothing urgent: he is having a seizure, what to do?",
    "not an emergency but he has not passed urine since morning, belly swollen",
    # A present-tense line that says where they are is no return to a story's now.
    "Urgent. Pitaji (70 yrs, spinal injury T11 since 5 yrs) having very severe headache, he is "
    "saying head will burst. Face red and sweating, BP machine showing 212/118. Kindly advise "
    "what to do immediately, we are at home in Islampur.",
    # An old story, then a danger now, in every shape the calming rules read.
    "My son was injured 3 years ago. He was in ICU then. Now he is not breathing properly, lips "
    "blue",
    "Abba 2 bochor age gach theke pore gesilo. Ekhon hush nai, dakle sara dey na",
    "২ বছর আগে আব্বা পড়ে গিয়েছিল। এখন শ্বাস নিতে পারছে না, ঠোঁট নীল",
    "Last year he had the accident and was paralysed. Tonight he has a terrible headache, BP "
    "210/120, sweating",
    "Since 2019 he is in a wheelchair. He fell from the wheelchair and his head is bleeding a lot",
    "বাবা ৪ বছর ধরে প্যারালাইজড। আজ দুপুর থেকে মুখ বেঁকে গেছে, কথা জড়িয়ে যাচ্ছে",
    "General question. My father had a stroke just now, face drooping, what to do?",
    "3 bochor age accident e paralysed. 10 min dhore khichuni hocche, thamche na",
    "Injured in 2020, that day he was unconscious. Now he is unconscious again and not waking up",
    # The Urdu of Bihari families, in both scripts.
    "bhaijan ka saans nahi aa raha, kya karen. seene pe haath rakh ke gir gaya abhi",
    "javed wheelchair se gir gaya ramp pe, sar me chot, khoon nikal raha bohut",
    "বিবির দাওরা উঠেছে, হাত পা ঝাঁকি দিচ্ছে, মুখে ফেনা",
    # A child's age is no date: "3 bochor er pola" is a 3-year-old.
    "chachato bon er 3 bochor er pola kerosine kheye felse bomi kortese",
    # Fine before, and a danger now.
    "বাবা ২ বছর আগে পড়ে গিয়েছিল, এখন ভালো আছে। এইমাত্র খিঁচুনি শুরু হয়েছে",
    # Asking why, or about a term, beside a danger going on, or for someone named.
    "not breathing, why does this happen?",
    "why is my father not breathing properly?",
    "খিঁচুনি কেন হয়? আমার ছেলের এখন খিঁচুনি হচ্ছে",
    "the term autonomic dysreflexia, what is it? his BP is 210 with a pounding headache",
    "fell from the roof, what causes paralysis?",
    # Suicide in the first person, however generally the question goes on.
    "ami ar bachte chai na, paralysed der moddhe eta koto beshi?",
    # An age told in a report is no date ("girl 17 yrs"), and minutes are now.
    "Girl 17 yrs drank pesticide about 20 minutes before, vomiting. What to do?",
    # Dysreflexia and breathing failure in the words of the Khulna coast.
    "ছাওয়াল সন্ধ্যে থেকে কচ্ছে মাথার ভিতর ঢাক পিটোচ্ছে, মুখ লাল টকটকে, গা দিয়ে ঘাম",
    "dada nishwas nite parche na, hapacche, thot gulo neel hoye jacche",
    # A blocked catheter told in a health worker's English.
    "Client paralysed from waist. No urine passed from last night, lower abdomen swollen and "
    "hard. Catheter not draining.",
])
def test_what_an_old_story_or_a_calm_word_cannot_hide_gets_999(
        desk: FrontDesk, text: str) -> None:
    assert alarmed(ask(desk, text))


# Emergencies typed by a writer who spells Bangla by ear (round 9): letters that sound alike
# swapped, a phala or a first vowel left out, a phala typed in too many.
@pytest.mark.parametrize("text", [
    "বাবার মাতা ফাইটা গেসে রকত পরতাসে",  # মাথা ফেটে গেছে
    "আম্মার শাস নিতে কস্ট হইতাসে এহন",  # শ্বাস নিতে কষ্ট
    "ভাই অজ্ঞ্যান হইয়া গেসে",  # অজ্ঞান
    "জামাইর পেট ফুইলা গেসে পসাব বন্দ",  # পেশাব বন্ধ
    "দম লইতে পারতেসে না মুক নিল অইয়া গেসে",  # দম নিতে, মুখ নীল
])
def test_danger_spelt_by_ear_gets_999(desk: FrontDesk, text: str) -> None:
    assert alarmed(ask(desk, text))


# ... and words that only look like a danger word spelt so stay calm.
@pytest.mark.parametrize("text", [
    "আমার শাশুড়ির হাঁটুতে বাত, স্টেম সেলে কি সারে?",  # শাশুড়ি is not শ্বাস
    "ইবনে সিনায় কি স্বাস্থ্যবীমা নেয়?",  # স্বাস্থ্য is not শ্বাস
    "আমার শ্বশুর জানতে চান স্টেম সেল কতটা নিরাপদ",
    "দুলাভাই কোথায় যেন পড়ছেন ৬২টা ট্রায়ালের কথা, সেটা কী?",  # reading, not fell
    "সবসময় কি এমনই থাকবে?",
])
def test_a_word_that_only_sounds_like_a_danger_word_raises_no_alarm(
        desk: FrontDesk, text: str) -> None:
    assert not alarmed(ask(desk, text))


# A health worker's question marked general ("no case now", "for record") names dangers as
# topics (round 9).
@pytest.mark.parametrize("text", [
    "For training: why do SCI patients get a pounding headache with high BP? No case now.",
    "SCI rogir khichuni kano hoy? general q, kono specific pt na",
    "মেরুরজ্জুর আঘাতের রোগীর শ্বাসকষ্ট কেন হয়? রেকর্ডের জন্য জানতে চাই, কোনো কেস নেই।",
])
def test_a_question_marked_general_raises_no_alarm(desk: FrontDesk, text: str) -> None:
    assert not alarmed(ask(desk, text))


def test_a_story_of_someone_left_lying_there_years_ago_raises_no_alarm(desk: FrontDesk) -> None:
    # "rohilo" (lay there) tells the story of that day, as a tea-garden writer tells it.
    reply = ask(desk, "dada 5 bochor aage tractor theke pore gelo, rastay behush pore rohilo, "
                      "matha theke rokto. stem cell dile hatte parbek?")
    assert not alarmed(reply)
    assert reply.entry_id == "walking-again" or "walking-again" in reply.entry_ids


def test_what_to_do_typed_by_ear_after_an_emergency_gets_no_article_answer(
        desk: FrontDesk) -> None:
    reply = ask(desk, "abbu urine bag empty from morning, tummy big and hard. wat to do??")
    assert alarmed(reply)
    assert not reply.entry_ids


# Without punctuation, "now" still ends the story of an old injury and opens today (round 9).
@pytest.mark.parametrize("text", [
    "2 years ago he fell from a roof now suddenly he is having a seizure",
    "গত মাসে মাথায় ব্যথা পাইছিল এখন হঠাৎ খিঁচুনি উঠছে",
    "2 bochor age pore gesilo ekhon hotat sash nite parche na",
])
def test_an_emergency_after_an_old_story_without_punctuation_gets_999(
        desk: FrontDesk, text: str) -> None:
    assert alarmed(ask(desk, text))


@pytest.mark.parametrize("text", [
    "in 2019 he fell from a roof now he cannot walk will stem cells help",
    "২০১৯ সালে ছাদ থেকে পড়ে গেছিল এখন হাঁটতে পারে না স্টেম সেল দিলে কি হাঁটবে",
])
def test_an_old_story_without_punctuation_stays_calm(desk: FrontDesk, text: str) -> None:
    assert not alarmed(ask(desk, text))


def test_an_old_story_spelt_by_ear_stays_calm(desk: FrontDesk) -> None:
    # "গত বসর" is গত বছর (last year), "হেদিন" is সেদিন (that day).
    reply = ask(desk, "ভাইয়ের গত বসর ছাদ থিকা পইরা গেসিল হেদিন মুক দিয়া রকত আইসিল "
                      "অহন স্টেম সেল দিলে কি হাটতে পারব")
    assert not alarmed(reply)


# Banglish typed by ear (round 9): a, o and u alike, c as s, in a phrase of listed words.
@pytest.mark.parametrize("text", [
    "cip bai hotat ek pas aboss hoye gece kota bujha jay na",
    "debur er mata batha gam presar 190 110 agey kokono eto uthe nai",
])
def test_banglish_typed_by_ear_gets_999(desk: FrontDesk, text: str) -> None:
    assert alarmed(ask(desk, text))

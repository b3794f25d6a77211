"""Issue 9 end to end: staff teach the bot from Telegram and see how it is going (/learned,
undo, the /stats chart, the weekly digest), through the real python-telegram-bot stack and the
fake Bot API."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot.storage import DHAKA, InquiryLog
from bot.tg import schedule

from helpers.telegram_harness import STAFF_CHAT, STAFF_ID, Chat, bot_settings, data_of, running_bot

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
UNKNOWN = "does the government pay for it"  # the fallback today; the cost entry once taught
# A "did you mean" today (a word the bot can only guess at); staff will say the article
# has no answer to it, and the next patient gets the honest fallback instead of the guesses.
OFF_TOPIC = "stem cells"


def staff_chat(fake, first_name: str = "Nasrin", user_id: int = STAFF_ID) -> Chat:
    return Chat(fake, user_id, chat_id=STAFF_CHAT, chat_type="supergroup", first_name=first_name)


async def teach(
    fake, staff: Chat, start: str, section: str, entry: str | None
) -> tuple[str, list[str]]:
    """Press Teach, a section and an entry (or "Not in the article"); the confirmation."""
    menu = await staff.press(start)
    sections = data_of(menu, "tch:")
    if entry is None:
        chosen = next(d for d in sections if d.endswith(":x"))
    else:
        section_menu = await staff.press(next(d for d in sections if d.endswith(f":s:{section}")),
                                         method="editMessageText")
        chosen = next(d for d in data_of(section_menu, "tch:") if d.endswith(f":e:{entry}"))
    confirmation = await staff.press(chosen, method="editMessageText")
    return confirmation.params["text"], data_of(confirmation, "ul:")


async def test_teach_from_the_card_answers_the_next_patient(fake, bot, db) -> None:
    patient = Chat(fake, 501)
    reply = await patient.say(UNKNOWN)
    assert "don't have an answer" in reply.params["text"]
    await patient.press(data_of(reply, "ask:")[0])
    await fake.wait_for("sendMessage", lambda c: str(c.params["chat_id"]) == str(STAFF_CHAT))
    card = fake.sent_messages(STAFF_CHAT)[-1]
    teach_data = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"]
                      for b in row if b["callback_data"].startswith("tch:c"))
    staff = staff_chat(fake)
    text, undo = await teach(fake, staff, teach_data, "caveats", "cost")
    assert "Nasrin" in text and UNKNOWN in text and undo
    # The next patient who asks it, or something close, gets the answer at once.
    answer = await Chat(fake, 502).say("Does the government pay for it?")
    assert "Cost" in answer.params["text"] and "don't have an answer" not in answer.params["text"]
    async with await InquiryLog.open(db) as log:
        taught = await log.learned.all()
    assert [(p.text, p.entry_id, p.taught_by, p.source_user_id) for p in taught] == [
        (UNKNOWN, "cost", STAFF_ID, 501)]

    # Undo: the bot forgets it at once.
    undone = await staff.press(undo[0], method="editMessageText")
    assert "আর শেখানো নেই" in undone.params["text"]
    again = await Chat(fake, 503).say("Will the insurance cover it?")
    assert "don't have an answer" in again.params["text"]


async def test_teach_not_in_the_article_from_unanswered(fake, bot) -> None:
    patient = Chat(fake, 504)
    first = await patient.say(OFF_TOPIC)
    assert data_of(first, "a:"), "a did-you-mean today"
    staff = staff_chat(fake)
    listing = await staff.say("/unanswered")
    assert f"1. 1× “{OFF_TOPIC}”" in listing.params["text"]
    teach_buttons = data_of(listing, "tch:i")
    assert len(teach_buttons) == 1
    text, _ = await teach(fake, staff, teach_buttons[0], "", None)
    assert "প্রবন্ধে নেই" in text
    reply = await Chat(fake, 505).say("Stem cell?")
    assert "don't have an answer" in reply.params["text"] and not data_of(reply, "a:")


async def test_learned_lists_and_removes(fake, bot) -> None:
    patient = Chat(fake, 506)
    await patient.say(UNKNOWN)
    staff = staff_chat(fake)
    listing = await staff.say("/unanswered")
    await teach(fake, staff, data_of(listing, "tch:i")[0], "caveats", "cost")
    learned = await staff.say("/learned")
    assert UNKNOWN in learned.params["text"] and "Nasrin" in learned.params["text"]
    removed = await staff.press(data_of(learned, "ul:")[0], method="editMessageText")
    assert UNKNOWN not in removed.params["text"]
    reply = await Chat(fake, 507).say(UNKNOWN)
    assert "don't have an answer" in reply.params["text"]


async def test_only_staff_can_teach_or_remove(fake, bot) -> None:
    await Chat(fake, 508).say(UNKNOWN)
    staff = staff_chat(fake)
    listing = await staff.say("/unanswered")
    outsider = Chat(fake, 999, chat_id=STAFF_CHAT, chat_type="supergroup")
    refused = await outsider.press(data_of(listing, "tch:i")[0] + ":x",
                                   method="answerCallbackQuery")
    assert "শুধু ফ্রন্ট ডেস্কের স্টাফরা" in refused.params["text"]
    assert (await Chat(fake, 509).say(UNKNOWN)).params["text"].count("don't have an answer") == 1
    unknown = await Chat(fake, 999).say("/learned")
    assert "don't know that command" in unknown.params["text"]


async def test_taught_questions_survive_a_restart(fake, db) -> None:
    settings = bot_settings(fake, db)
    async with running_bot(settings):
        await Chat(fake, 510).say(UNKNOWN)
        staff = staff_chat(fake)
        listing = await staff.say("/unanswered")
        await teach(fake, staff, data_of(listing, "tch:i")[0], "caveats", "cost")
    async with running_bot(settings):
        answer = await Chat(fake, 511).say(UNKNOWN)
        assert "Cost" in answer.params["text"]


async def test_forget_removes_what_was_taught_from_the_patients_words(fake, bot) -> None:
    patient = Chat(fake, 512)
    await patient.say(UNKNOWN)
    staff = staff_chat(fake)
    listing = await staff.say("/unanswered")
    await teach(fake, staff, data_of(listing, "tch:i")[0], "caveats", "cost")
    await patient.say("/forget")
    await patient.press("fg:yes", method="editMessageText")
    assert "এখনো কিছু শেখানো হয়নি" in (await staff.say("/learned")).params["text"]
    assert "don't have an answer" in (await Chat(fake, 513).say(UNKNOWN)).params["text"]


# -- /stats chart ---------------------------------------------------------------------------


async def test_stats_sends_a_chart_that_opens_and_holds_no_patient_words(fake, bot) -> None:
    patient = Chat(fake, 514)
    await patient.say("is stem cell therapy safe?")
    await patient.say("Rahima asks: is the covid vaccine safe?")
    chart = await Chat(fake, STAFF_ID).say("/stats 7", method="sendPhoto")
    name, data = next(iter(chart.files.values()))
    assert name.endswith(".png")
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.format == "PNG" and image.size[0] >= 600
    assert b"Rahima" not in data and b"covid" not in data
    assert "7" in chart.params["caption"]


def chart_texts(lang: str, topic: str) -> set[str]:
    """Every text on the chart drawn for a week in `lang`, with one topic."""
    from datetime import date

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    from bot.core.i18n import Catalogs
    from bot.core.vocabulary import Lang
    from bot.tg import chart
    from bot.tg.reports import chart_labels

    first = date(2026, 11, 23)
    last = first + timedelta(days=6)
    _ = Catalogs(ROOT / "locales")(Lang(lang)).gettext
    with chart.drawing():
        figure = chart.figure(first, last, {first: {"answer": 3, "fallback": 1, "emergency": 1}},
                              [chart.Topic(topic, 3)], chart_labels(first, last, Lang(lang), _))
        FigureCanvasAgg(figure).draw()  # tick labels exist once drawn
    return {t.get_text() for t in figure.findobj(Text) if t.get_text()}


@pytest.mark.parametrize(("lang", "topic", "words"), [
    ("en", "Is it safe?", {"answered", "did you mean", "no answer", "emergency (999)",
                           "Top topics (answers shown)",
                           "Questions per day, 23 Nov to 29 Nov (Dhaka)"}),
    ("bn", "স্টেম সেল থেরাপির নিরাপত্তা", {"উত্তর গেছে", "“কোনটি জানতে চাইছেন”", "উত্তর নেই",
                                         "জরুরি (999)", "সবচেয়ে বেশি দেখানো উত্তর",
                                         "প্রতিদিনের প্রশ্ন, 23 নভে থেকে 29 নভে (ঢাকার সময়)"}),
])
def test_the_chart_speaks_the_staff_language_and_draws_only_counts_and_titles(
        lang, topic, words) -> None:
    texts = chart_texts(lang, topic)
    assert words | {topic} <= texts
    leftovers = {t for t in texts - words - {topic}
                 if not t.replace("−", "").replace(".", "").isdigit()}
    assert all(t[:2].isdigit() for t in leftovers), leftovers  # day labels like "23 Nov"


def test_bangla_conjuncts_join_on_the_chart() -> None:
    """ক্ষ drawn as one conjunct is narrower than ক, the hasanta and ষ drawn side by side: the
    text is shaped (matplotlib before 3.11 drew the three apart)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bot.tg import chart

    def width(text: str) -> float:
        with chart.drawing():
            figure = Figure()
            drawn = figure.text(0, 0, text, fontsize=40)
            return drawn.get_window_extent(FigureCanvasAgg(figure).get_renderer()).width

    for conjunct in ("ক্ষ", "ন্ত", "স্ট"):
        apart = sum(width(letter) for letter in conjunct)
        assert width(conjunct) < 0.8 * apart, conjunct


@pytest.mark.parametrize("lang", ["en", "bn"])
def test_the_chart_renders_in_both_languages_with_every_letter_in_the_font(lang) -> None:
    """A picture comes out, and no letter was drawn as an empty box: matplotlib warns (an error
    here) when the font lacks a glyph, as it did for Bangla before the chart had a Bangla font."""
    from datetime import date

    from bot.core.i18n import Catalogs
    from bot.core.vocabulary import Lang
    from bot.tg import chart
    from bot.tg.reports import chart_labels

    first, last = date(2026, 11, 23), date(2026, 11, 29)
    _ = Catalogs(ROOT / "locales")(Lang(lang)).gettext
    topic = {"en": "Is it safe?", "bn": "ক্ষ ন্ত স্ট: স্টেম সেল থেরাপির নিরাপত্তা"}[lang]
    data = chart.png(first, last, {first: {"answer": 3}}, [chart.Topic(topic, 3)],
                     chart_labels(first, last, Lang(lang), _))
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.format == "PNG" and image.size[0] >= 600


# -- the weekly digest ----------------------------------------------------------------------


SUNDAY_9 = datetime(2026, 11, 29, 9, 0, tzinfo=DHAKA)


def test_the_digest_slot_is_sunday_nine_in_dhaka() -> None:
    from bot.tg.reports import digest_slot

    assert digest_slot(SUNDAY_9) == SUNDAY_9
    assert digest_slot(SUNDAY_9 - timedelta(minutes=1)) == SUNDAY_9 - timedelta(days=7)
    assert digest_slot(SUNDAY_9 + timedelta(days=3)) == SUNDAY_9
    assert digest_slot(SUNDAY_9.astimezone(UTC)) == SUNDAY_9  # 03:00 UTC


def digests(fake) -> list[dict]:
    return [m for m in fake.sent_messages(STAFF_CHAT) if "🗓" in m.get("text", "")]


async def test_the_weekly_digest_goes_out_on_sunday_morning_once(fake, db) -> None:
    from bot.tg.reports import digest_slot

    # The coming Sunday: the week before it holds what the patients below send now. (On a
    # real Sunday morning the bot also sends today's digest as it starts: counted apart.)
    sunday = digest_slot(datetime.now(UTC)) + timedelta(days=7)
    settings = bot_settings(fake, db, weekly_digest=True)
    async with running_bot(settings) as app:
        data = app.bot_data
        data.clock = lambda: sunday - timedelta(minutes=30)
        patient = Chat(fake, 515)
        await patient.say(UNKNOWN)
        await patient.press("cb")
        await patient.press("cb:savar")
        await patient.say("01712345678")
        reply = await Chat(fake, 516).say(OFF_TOPIC)
        await Chat(fake, 516).press(data_of(reply, "ask:")[0])
        before = len(digests(fake))

        data.clock = lambda: sunday - timedelta(minutes=1)
        await schedule.tick(app.bot, data)
        assert len(digests(fake)) == before, "not yet"
        data.clock = lambda: sunday + timedelta(minutes=1)
        await schedule.tick(app.bot, data)
        await schedule.tick(app.bot, data)
        assert len(digests(fake)) == before + 1, "once per Sunday"
        digest = digests(fake)[-1]
        assert UNKNOWN in digest["text"] and "01712345678" in digest["text"]
        assert "অপেক্ষমাণ কল-ব্যাক অনুরোধ: 1" in digest["text"]
        assert "চলমান কথোপকথন: 1" in digest["text"]
        teach_data = [b["callback_data"] for row in digest["reply_markup"]["inline_keyboard"]
                      for b in row]
        assert teach_data and all(d.startswith("tch:i") for d in teach_data)

    # A restart on the same Sunday does not send it again; a week later it goes again.
    async with running_bot(settings) as app:
        app.bot_data.clock = lambda: sunday + timedelta(hours=2)
        await schedule.tick(app.bot, app.bot_data)
        assert len(digests(fake)) == before + 1
        app.bot_data.clock = lambda: sunday + timedelta(days=7, minutes=5)
        await schedule.tick(app.bot, app.bot_data)
        assert len(digests(fake)) == before + 2


async def test_the_digest_can_be_switched_off(fake, db) -> None:
    async with running_bot(bot_settings(fake, db, weekly_digest=False)) as app:
        app.bot_data.clock = lambda: SUNDAY_9 + timedelta(minutes=1)
        await schedule.tick(app.bot, app.bot_data)
    assert not digests(fake)


async def test_a_digest_missed_by_more_than_a_day_is_skipped(fake, db) -> None:
    async with running_bot(bot_settings(fake, db, weekly_digest=True)) as app:
        before = len(digests(fake))  # (on a real Sunday morning, today's)
        app.bot_data.clock = lambda: SUNDAY_9 + timedelta(days=1, minutes=1)
        await schedule.tick(app.bot, app.bot_data)
        assert len(digests(fake)) == before

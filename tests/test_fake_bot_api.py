"""The fake Bot API must look like Telegram to python-telegram-bot, or e2e tests prove nothing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    Update,
)
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters
from telegram.request import HTTPXRequest

from helpers.fake_bot_api import BOT_USERNAME, FakeBotApi

pytestmark = pytest.mark.e2e

TOKEN = "123:ABC"


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def make_bot(fake: FakeBotApi) -> Bot:
    return Bot(TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url)


def keyboard(callback_data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Press", callback_data=callback_data)]])


@pytest.mark.asyncio
async def test_get_me_and_token_recorded(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:
        me = await bot.get_me()
    assert me.username == BOT_USERNAME
    assert me.is_bot and me.can_join_groups
    assert not me.can_read_all_group_messages and not me.supports_inline_queries
    assert fake.tokens == [TOKEN]


@pytest.mark.asyncio
async def test_send_message_returns_message(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:
        first = await bot.send_message(42, "Assalamu alaikum", reply_markup=keyboard("menu:1"))
        second = await bot.send_message(42, "১২৩")  # digit-only text must stay a string
    assert first.text == "Assalamu alaikum" and first.chat.id == 42
    assert first.from_user is not None and first.from_user.username == BOT_USERNAME
    assert first.reply_markup == keyboard("menu:1")
    assert second.message_id == first.message_id + 1
    assert [m["text"] for m in fake.sent_messages(chat_id=42)] == ["Assalamu alaikum", "১২৩"]
    call = fake.calls("sendMessage")[0]
    assert call.params["chat_id"] == 42
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "menu:1"


@pytest.mark.asyncio
async def test_html_is_validated_like_telegram(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:
        ok = await bot.send_message(
            1, '<b>Bold</b> &lt;3 &amp; <a href="https://x.y">link</a> '
               '<span class="tg-spoiler">s</span> <blockquote>q</blockquote>',
            parse_mode="HTML")
        assert ok.text == "Bold <3 & link s q"  # Telegram returns the text without tags
        for broken in ("<b>unclosed", "a < b", "<foo>x</foo>", "<b><i>x</b></i>",
                       "x</b>", "<span>x</span>", "line<br/>"):
            with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
                await bot.send_message(1, broken, parse_mode="HTML")
        await bot.send_message(1, "a < b")  # no parse_mode: nothing to parse
    assert [c.status for c in fake.calls("sendMessage")] == [200] + [400] * 7 + [200]


@pytest.mark.asyncio
async def test_text_length_limits(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:
        await bot.send_message(1, "x" * 4096)
        with pytest.raises(BadRequest, match=r"(?i)too long"):
            await bot.send_message(1, "x" * 4097)
        with pytest.raises(BadRequest, match=r"(?i)empty"):
            await bot.send_message(1, "   ")
        # Telegram counts UTF-16 code units: an emoji outside the BMP counts twice.
        await bot.send_message(1, "😀" * 2048)
        with pytest.raises(BadRequest, match=r"(?i)too long"):
            await bot.send_message(1, "😀" * 2049)


@pytest.mark.asyncio
async def test_descriptions_per_language_with_telegrams_limits(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:
        assert await bot.set_my_description("An automated bot")
        assert await bot.set_my_description("একটি স্বয়ংক্রিয় বট", language_code="bn")
        assert await bot.set_my_short_description("x" * 120)
        assert (await bot.get_my_description(language_code="bn")).description == "একটি স্বয়ংক্রিয় বট"
        # A language with no description of its own gets the default one, as on Telegram.
        assert (await bot.get_my_description(language_code="fr")).description == "An automated bot"
        with pytest.raises(BadRequest, match=r"(?i)description_invalid"):
            await bot.set_my_description("x" * 513)
        with pytest.raises(BadRequest, match=r"(?i)short_description_invalid"):
            await bot.set_my_short_description("x" * 121)
    assert fake.description() == "An automated bot" and fake.description("bn").startswith("একটি")
    assert fake.short_description() == "x" * 120


@pytest.mark.asyncio
async def test_long_callback_data_is_rejected(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:
        await bot.send_message(1, "ok", reply_markup=keyboard("x" * 64))
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            # 22 Bangla letters = 66 bytes in UTF-8: the limit is in bytes, not characters
            await bot.send_message(1, "too long", reply_markup=keyboard("ক" * 22))


@pytest.mark.asyncio
async def test_injected_429_surfaces_as_retry_after(
    fake: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Durations as timedelta, as the bot opts in (build_application); else PTB 22 warns.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")
    fake.fail_next("sendMessage", 429, retry_after=7)
    async with make_bot(fake) as bot:
        with pytest.raises(RetryAfter, match=r"Retry in (7 seconds|0:00:07)"):
            await bot.send_message(1, "hi")
        await bot.send_message(1, "hi")  # only the next call fails
    assert [c.status for c in fake.calls("sendMessage")] == [429, 200]


@pytest.mark.asyncio
async def test_server_errors_and_unreachable(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:  # entering calls getMe, so inject afterwards
        fake.fail_next("*", 500, times=2)
        for _ in range(2):
            with pytest.raises(NetworkError):
                await bot.send_chat_action(1, "typing")
        assert await bot.send_chat_action(1, "typing")
        fake.set_unreachable(True)
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.get_me()
        fake.set_unreachable(False)
        assert (await bot.get_me()).username == BOT_USERNAME


@pytest.mark.asyncio
async def test_transport_faults_look_like_a_broken_network_to_ptb(fake: FakeBotApi) -> None:
    fake.hang_seconds = 1.0
    async with Bot(TOKEN, base_url=fake.base_url,
                   request=HTTPXRequest(read_timeout=0.3)) as bot:
        fake.break_next("sendMessage", "html")
        with pytest.raises(NetworkError, match="Bad Gateway"):
            await bot.send_message(1, "a")
        fake.break_next("sendMessage", "drop")
        with pytest.raises(NetworkError, match=r"(?i)disconnected"):
            await bot.send_message(1, "b")
        fake.break_next("sendMessage", "timeout")
        with pytest.raises(TimedOut):
            await bot.send_message(1, "c")
        await bot.send_message(1, "d")
    calls = fake.calls("sendMessage")
    assert [(c.status, c.fault) for c in calls] == [
        (502, "html"), (0, "drop"), (0, "timeout"), (200, None)]
    assert [m["text"] for m in fake.sent_messages(1)] == ["d"], "a fault sends nothing"


@pytest.mark.asyncio
async def test_random_faults_hit_about_the_rate_asked(fake: FakeBotApi) -> None:
    fake.fail_randomly("sendChatAction", 0.2, faults=("500",), seed=3)
    async with make_bot(fake) as bot:
        for _ in range(200):
            with contextlib.suppress(NetworkError):
                await bot.send_chat_action(1, "typing")
        await bot.send_message(1, "other methods are spared")
        fake.fail_randomly("sendChatAction", 0)
        assert await bot.send_chat_action(1, "typing")
    failed = [c for c in fake.calls("sendChatAction") if c.status == 500]
    assert 20 <= len(failed) <= 60
    assert all(c.status == 200 for c in fake.calls("sendMessage"))


@pytest.mark.asyncio
async def test_unknown_method_is_invalid_token(fake: FakeBotApi) -> None:
    request = HTTPXRequest()
    async with request:
        with pytest.raises(InvalidToken):
            await request.post(f"{fake.base_url}{TOKEN}/noSuchMethod")
    async with make_bot(fake) as bot:
        with pytest.raises(EndPointNotFound):  # PTB's own wrapper for the same 404
            await bot.do_api_request("noSuchMethod")


@pytest.mark.asyncio
async def test_send_document_records_file(fake: FakeBotApi) -> None:
    data = bytes(range(256)) + b"\r\n--boundary-lookalike\r\n" + "স্বাগতম".encode()
    async with make_bot(fake) as bot:
        message = await bot.send_document(
            7, InputFile(data, filename="রিপোর্ট.pdf"), caption="<b>Your</b> report",
            parse_mode="HTML")
    assert message.document is not None and message.document.file_name == "রিপোর্ট.pdf"
    assert message.document.file_size == len(data) and message.caption == "Your report"
    call = fake.calls("sendDocument")[0]
    assert call.files["document"] == ("রিপোর্ট.pdf", data)
    assert call.params["caption"] == "<b>Your</b> report" and call.params["chat_id"] == 7
    assert fake.sent_messages(7)[0]["document"]["file_name"] == "রিপোর্ট.pdf"


@pytest.mark.asyncio
async def test_get_updates_returns_pushed_updates_and_honours_offset(fake: FakeBotApi) -> None:
    first = fake.push_message(f"/start@{BOT_USERNAME} hello", user_id=5, language_code="bn")
    second = fake.push_message(f"hi @{BOT_USERNAME}", user_id=5)
    async with make_bot(fake) as bot:
        updates = await bot.get_updates()
        assert [u.update_id for u in updates] == [first, second]
        command = updates[0].message
        assert command is not None and command.from_user is not None
        assert command.from_user.language_code == "bn" and command.chat.type == "private"
        assert command.parse_entities(["bot_command"]).popitem()[1] == f"/start@{BOT_USERNAME}"
        assert updates[1].message is not None
        assert updates[1].message.parse_entities(["mention"]).popitem()[1] == f"@{BOT_USERNAME}"

        assert len(await bot.get_updates()) == 2  # not confirmed yet: delivered again
        assert await bot.get_updates(offset=second + 1) == ()
        assert fake.redeliver(first) == first  # redelivery ignores the confirmation
        assert [u.update_id for u in await bot.get_updates(offset=second + 1)] == [first]
        assert await bot.get_updates(offset=second + 1) == ()

        # allowed_updates filters by update type
        fake.push_message("text")
        callback = fake.push_callback("menu:2", user_id=5)
        updates = await bot.get_updates(offset=second + 1, allowed_updates=["callback_query"])
        assert [u.update_id for u in updates] == [callback]
        assert updates[0].callback_query is not None and updates[0].callback_query.data == "menu:2"


@pytest.mark.asyncio
async def test_get_updates_long_polls(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
        assert time.monotonic() - started >= 0.9  # waited for the timeout

        asyncio.get_running_loop().call_later(0.2, fake.push_location)
        started = time.monotonic()
        updates = await bot.get_updates(timeout=3)
        assert time.monotonic() - started < 2  # woken by the push, not the timeout
        assert updates[0].message is not None and updates[0].message.location is not None


@pytest.mark.asyncio
async def test_builders_make_updates_ptb_understands(fake: FakeBotApi) -> None:
    fake.push_contact("+8801700000000", user_id=9)
    fake.push_sticker(user_id=9)
    fake.push_photo(user_id=9, caption="x-ray")
    fake.push_voice(user_id=9)
    fake.push_document("mri.pdf", user_id=9, username="rahim")
    fake.push_message("group hello", user_id=9, chat_type="supergroup", chat_id=-1001)
    async with make_bot(fake) as bot:
        messages = [u.message for u in await bot.get_updates()]
    assert all(m is not None for m in messages)
    contact, sticker, photo, voice, document, group = messages  # type: ignore[misc]
    assert contact.contact.user_id == 9 == contact.from_user.id
    assert sticker.sticker.emoji and photo.photo[-1].width == 1280 and photo.caption == "x-ray"
    assert voice.voice.mime_type == "audio/ogg" and document.document.file_name == "mri.pdf"
    assert document.from_user.username == "rahim"
    assert group.chat.type == "supergroup" and group.chat.id == -1001


@pytest.mark.asyncio
async def test_an_edited_message_keeps_its_id_and_chat(fake: FakeBotApi) -> None:
    first = fake.push_message("stem cel safe?", user_id=9)
    fake.push_edited_message(first, "/start again")
    async with make_bot(fake) as bot:
        original, edit = await bot.get_updates()
    assert edit.edited_message is not None and original.message is not None
    assert edit.edited_message.message_id == original.message.message_id
    assert edit.edited_message.chat.id == 9 and edit.edited_message.edit_date is not None
    assert edit.edited_message.text == "/start again"
    assert edit.edited_message.entities[0].type == "bot_command"


@pytest.mark.asyncio
async def test_commands_callbacks_and_edits(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:
        scope = BotCommandScopeChat(42)
        await bot.set_my_commands([BotCommand("start", "শুরু")], scope=scope, language_code="bn")
        assert fake.commands({"type": "chat", "chat_id": 42}, "bn") == [
            {"command": "start", "description": "শুরু"}]
        assert fake.commands() == []
        assert (await bot.get_my_commands(scope=scope, language_code="bn"))[0].command == "start"
        with pytest.raises(BadRequest):
            await bot.set_my_commands([BotCommand("Bad-Name", "x")])

        sent = await bot.send_message(42, "Choose", reply_markup=keyboard("a"))
        fake.push_callback("a", user_id=42)
        query = (await bot.get_updates())[0].callback_query
        assert query is not None and query.message is not None
        assert query.message.message_id == sent.message_id  # the last bot message in the chat
        assert await bot.answer_callback_query(query.id, text="ok")

        edited = await bot.edit_message_text("Chosen", chat_id=42, message_id=sent.message_id)
        assert isinstance(edited, type(sent)) and edited.text == "Chosen"
        assert edited.reply_markup is None  # an edit without markup drops the keyboard
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text("Chosen", chat_id=42, message_id=sent.message_id)
        await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=keyboard("b"))
        assert await bot.delete_message(42, sent.message_id)
        with pytest.raises(BadRequest, match=r"(?i)not found"):
            await bot.delete_message(42, sent.message_id)
    assert [m["text"] for m in fake.sent_messages(42)] == ["Choose", "Chosen"]


@pytest.mark.asyncio
async def test_echo_application_end_to_end(fake: FakeBotApi) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None and update.effective_message.text
        await update.effective_message.reply_text(update.effective_message.text)

    app = (ApplicationBuilder().token(TOKEN).base_url(fake.base_url)
           .base_file_url(fake.base_file_url).build())
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        fake.push_message("কেমন আছেন?", user_id=77)
        replies = await fake.wait_for("sendMessage", lambda c: c.params["chat_id"] == 77)
        await app.updater.stop()
        await app.stop()
    assert replies[0].params["text"] == "কেমন আছেন?"
    assert fake.sent_messages(77)[0]["text"] == "কেমন আছেন?"
    assert fake.calls("getMe") and fake.calls("deleteWebhook")


@pytest.mark.asyncio
async def test_wait_for_times_out_with_recent_calls(fake: FakeBotApi) -> None:
    async with make_bot(fake) as bot:
        await bot.get_me()
    with pytest.raises(AssertionError, match="getMe"):
        await fake.wait_for("sendMessage", timeout=0.1)


# -- what the front desk uses (issue 9) -----------------------------------------------------


@pytest.mark.asyncio
async def test_replies_copies_and_captions_like_telegram(fake: FakeBotApi) -> None:
    from telegram import ForceReply, ReplyParameters

    fake.push_voice(user_id=7)
    fake.push_message("a question", user_id=7)
    async with make_bot(fake) as bot:
        card = await bot.send_message(-500, "card")
        copied = await bot.copy_message(-500, 7, 1, caption="<b>from Rahima</b>",
                                        parse_mode="HTML",
                                        reply_parameters=ReplyParameters(card.message_id))
        copy = fake.message(-500, copied.message_id)
        assert copy is not None and "voice" in copy and copy["caption"] == "from Rahima"
        assert copy["reply_to_message"]["message_id"] == card.message_id
        text_copy = await bot.copy_message(-500, 7, 2, caption="ignored")
        assert fake.message(-500, text_copy.message_id)["text"] == "a question"
        with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
            await bot.copy_message(-500, 7, 99)
        with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
            await bot.send_message(-500, "x", reply_parameters=ReplyParameters(99))
        await bot.send_message(-500, "x", reply_parameters=ReplyParameters(
            99, allow_sending_without_reply=True))
        with pytest.raises(BadRequest, match=r"(?i)no caption in the message"):
            await bot.edit_message_caption(chat_id=-500, message_id=card.message_id, caption="c")
        edited = await bot.edit_message_caption(chat_id=-500, message_id=copied.message_id,
                                                caption="removed")
        assert edited.caption == "removed"
        prompt = await bot.send_message(-500, "write", reply_markup=ForceReply(selective=True))
        assert prompt.reply_markup is None, "Telegram echoes inline keyboards only"
        with pytest.raises(BadRequest):
            await bot.send_message(-500, "x", reply_markup=ForceReply(
                input_field_placeholder="x" * 65))
    # A user's reply carries the message it answers.
    fake.push_message("the answer", user_id=900, chat_id=-500, chat_type="supergroup",
                      reply_to=card.message_id)
    async with make_bot(fake) as bot:
        updates = await bot.get_updates()
    assert updates[-1].message.reply_to_message.message_id == card.message_id


@pytest.mark.asyncio
async def test_photos_must_be_pictures(fake: FakeBotApi) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    async with make_bot(fake) as bot:
        sent = await bot.send_photo(42, InputFile(png, filename="chart.png"), caption="chart")
        assert sent.photo and sent.caption == "chart"
        with pytest.raises(BadRequest, match=r"(?i)image_process_failed"):
            await bot.send_photo(42, InputFile(b"not a picture", filename="x.png"))


@pytest.mark.asyncio
async def test_chat_and_membership(fake: FakeBotApi) -> None:
    from telegram.constants import ChatMemberStatus

    async with make_bot(fake) as bot:
        me = await bot.get_me()
        chat = await bot.get_chat(-500)
        assert chat.id == -500 and chat.title
        assert (await bot.get_chat_member(-500, me.id)).status == ChatMemberStatus.MEMBER
        for status in ("left", "kicked", "restricted", "administrator"):
            fake.set_member_status(-500, me.id, status)
            assert (await bot.get_chat_member(-500, me.id)).status == status

"""The terminal chat (`python -m bot` without a token): same answers as the bot, typed."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.config import PROJECT_DIR
from bot.core.frontdesk import FrontDesk
from bot.core.knowledge import KnowledgeBase
from bot.core.vocabulary import Lang
from bot.terminal import chat

from helpers.replies import KALLYANPUR, SAVAR, is_bangla

PROMPT = "\n\n> "


def run_chat(desk: FrontDesk, lines: Iterable[str]) -> list[str]:
    """What the terminal printed, one block per prompt; block 0 is the help shown at start."""
    out = io.StringIO()
    chat(desk, lines, out=out)
    text = out.getvalue()
    assert text.endswith(PROMPT)  # every block ends with a prompt for the next line
    return text.removesuffix(PROMPT).split(PROMPT)


def test_starts_with_help(fresh_desk: FrontDesk) -> None:
    [help_block] = run_chat(fresh_desk, [])
    assert "English, Bangla or Banglish" in help_block
    assert "/topics" in help_block and "/quit" in help_block
    assert "999" in help_block


def test_banglish_question_gets_a_bangla_answer(
    fresh_desk: FrontDesk, kb: KnowledgeBase
) -> None:
    _, answer = run_chat(fresh_desk, ["stem cell therapy ki nirapod?"])
    entry = kb.entries["safety"]
    assert f"*{entry.title[Lang.BN]}*" in answer
    assert entry.answer[Lang.BN] in answer
    assert entry.answer[Lang.EN] not in answer
    assert is_bangla(answer)


def test_appointment_command_prints_both_numbers(fresh_desk: FrontDesk) -> None:
    _, reply = run_chat(fresh_desk, ["/appointment"])
    assert SAVAR in reply and KALLYANPUR in reply


def test_numbered_choice_opens_the_first_follow_up(
    fresh_desk: FrontDesk, kb: KnowledgeBase
) -> None:
    safety = kb.entries["safety"]
    first_follow_up = kb.entries[safety.related[0]]
    _, answer, follow_up = run_chat(fresh_desk, ["is stem cell therapy safe?", "1"])
    assert safety.answer[Lang.EN] in answer
    assert f"[1] {first_follow_up.title[Lang.EN]}" in answer
    assert f"*{first_follow_up.title[Lang.EN]}*" in follow_up
    assert first_follow_up.answer[Lang.EN] in follow_up


def test_numbered_choice_opens_in_the_language_of_the_last_reply(
    fresh_desk: FrontDesk, kb: KnowledgeBase
) -> None:
    first_follow_up = kb.entries[kb.entries["safety"].related[0]]
    *_, follow_up = run_chat(fresh_desk, ["stem cell therapy ki nirapod?", "1"])
    assert first_follow_up.answer[Lang.BN] in follow_up


def test_number_without_choices_is_just_a_message(fresh_desk: FrontDesk) -> None:
    _, reply = run_chat(fresh_desk, ["7"])
    assert SAVAR in reply  # a fallback with the numbers, not a crash or a random entry


def test_language_bn_then_an_english_question_answers_in_bangla(
    fresh_desk: FrontDesk, kb: KnowledgeBase
) -> None:
    _, switched, answer = run_chat(fresh_desk, ["/language bn", "is stem cell therapy safe?"])
    assert "bn" in switched
    assert kb.entries["safety"].answer[Lang.BN] in answer
    assert kb.entries["safety"].answer[Lang.EN] not in answer


def test_language_auto_goes_back_to_the_message_language(
    fresh_desk: FrontDesk, kb: KnowledgeBase
) -> None:
    *_, answer = run_chat(
        fresh_desk, ["/language bn", "/language auto", "is stem cell therapy safe?"]
    )
    assert kb.entries["safety"].answer[Lang.EN] in answer


def test_topics_lists_every_entry_title_and_a_number_opens_one(
    fresh_desk: FrontDesk, kb: KnowledgeBase
) -> None:
    _, topics, opened = run_chat(fresh_desk, ["/topics", "3"])
    titles = [kb.entries[e].title[Lang.EN] for s in kb.sections for e in s.entry_ids]
    assert len(titles) == 31
    for n, title in enumerate(titles, 1):
        assert f"[{n}] {title}" in topics
    third = kb.entries[[e for s in kb.sections for e in s.entry_ids][2]]
    assert third.answer[Lang.EN] in opened


def test_quit_stops_before_later_lines(fresh_desk: FrontDesk) -> None:
    blocks = run_chat(fresh_desk, ["/appointment", "/quit", "is stem cell therapy safe?"])
    assert len(blocks) == 2  # the help and the appointment numbers, nothing after /quit
    assert "article says" not in "".join(blocks)


@pytest.mark.parametrize("line", ["", "   ", "/unknown"])
def test_empty_lines_and_unknown_commands_show_help(fresh_desk: FrontDesk, line: str) -> None:
    _, reply = run_chat(fresh_desk, [line])
    assert "/topics" in reply and "/quit" in reply


# -- the real command --------------------------------------------------------------------------


def command_env() -> dict[str, str]:
    """The environment without a bot token, so `python -m bot` must start the terminal chat."""
    env = {k: v for k, v in os.environ.items() if k not in ("FAQ_DIR", "LOCALES_DIR")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env["PYTHONIOENCODING"] = "utf-8"
    dotenv = PROJECT_DIR / ".env"
    if dotenv.is_file() and "TELEGRAM_BOT_TOKEN" in dotenv.read_text(encoding="utf-8"):
        # A developer's .env must not make this test talk to Telegram: an empty value wins
        # over the file (load_dotenv never overrides the environment) and means "no token".
        env["TELEGRAM_BOT_TOKEN"] = ""
    return env


def run_bot(
    *args: str, stdin: str = "", extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=PROJECT_DIR,
        env=command_env() | (extra_env or {}),
        timeout=120,
    )


@pytest.mark.e2e
def test_python_m_bot_without_token_is_a_terminal_chat(kb: KnowledgeBase) -> None:
    result = run_bot(stdin="is stem cell therapy safe?\n/quit\nwill my father walk again?\n")
    assert result.returncode == 0, result.stderr
    assert "@BotFather" in result.stdout
    assert kb.entries["safety"].answer[Lang.EN] in result.stdout
    # /quit ended the chat: the later question was never answered.
    assert kb.entries["walking-again"].answer[Lang.EN] not in result.stdout


@pytest.mark.e2e
def test_python_m_bot_check_validates_the_knowledge_base() -> None:
    result = run_bot("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK:")
    assert "31 entries" in result.stdout and "7 sections" in result.stdout


@pytest.mark.e2e
def test_python_m_bot_check_refuses_a_broken_knowledge_base(faq_copy: Path) -> None:
    path = faq_copy / "50-safety.yaml"
    text = path.read_text(encoding="utf-8")
    line = text[: text.index("    answer:\n")].count("\n") + 1
    path.write_text(text.replace("    answer:\n", "    answr:\n", 1), encoding="utf-8")

    result = run_bot("check", extra_env={"FAQ_DIR": str(faq_copy)})
    assert result.returncode != 0
    assert "OK:" not in result.stdout
    assert f"50-safety.yaml:{line}:" in result.stderr and "answr" in result.stderr


def test_a_goodbye_that_tells_no_language_follows_the_conversation(
    fresh_desk: FrontDesk,
) -> None:
    *_, goodbye = run_chat(fresh_desk, ["stem cell dile ki abar hatte parbo?", "ok bye"])
    assert goodbye.startswith("ভালো থাকবেন")

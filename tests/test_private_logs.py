"""What a log line may hold: never a patient's text, name or phone number, never the token."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.private_logs import PrivacyFilter, PrivateFormatter, configure_logging

SECRET = "আমার নাম রহিম, ফোন 01712345678"
TOKEN = "123:SECRET-token"


class Flaky(ConnectionError):
    pass


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Every logger's lines, through the bot's filter and formatter, into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(PrivateFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PrivacyFilter(TOKEN))
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_librarys_values_are_hidden_but_its_numbers_kept(output: io.StringIO) -> None:
    logging.getLogger("telegram.ext.Application").error("update %s from %s failed %d times",
                                                        {"text": SECRET}, SECRET, 3)
    logging.getLogger("asyncio").error(f"Task exception was never retrieved\n{SECRET!r}")
    text = output.getvalue()
    assert "update <…> from <…> failed 3 times" in text
    assert "Task exception was never retrieved" in text
    assert SECRET not in text and "01712345678" not in text


def test_an_exception_shows_its_type_and_frames_never_its_message(output: io.StringIO) -> None:
    def parse(text: str) -> int:
        return int(text)

    try:
        parse(SECRET)
    except ValueError:
        logging.getLogger("bot.tg.app").exception("update %d: a handler failed", 42)
    text = output.getvalue()
    assert "update 42: a handler failed" in text and "ValueError" in text
    assert "return int(text)" in text, "where it happened stays"
    assert SECRET not in text and "01712345678" not in text


def test_an_expected_failure_has_no_traceback_below_debug(output: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    try:
        raise Flaky(SECRET)
    except Flaky:
        log.warning("Telegram connection lost on sendMessage", exc_info=True)
        logging.getLogger().setLevel(logging.DEBUG)
        log.warning("again at DEBUG", exc_info=True)
    first, second = output.getvalue().split("again at DEBUG")
    assert "Traceback" not in first and "raise Flaky" not in first
    assert "Flaky" in first, "the kind of failure is still named"
    assert "raise Flaky" in second
    assert SECRET not in output.getvalue()


def test_the_token_is_never_printed(output: io.StringIO) -> None:
    logging.getLogger("bot.test").info("POST https://api.telegram.org/bot%s/getMe", TOKEN)
    logging.getLogger("bot.test").info(f"preformatted bot{TOKEN}/getMe")
    assert TOKEN not in output.getvalue() and "<token>" in output.getvalue()


def test_libraries_that_print_requests_stay_quiet_even_at_debug() -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        configure_logging("DEBUG", TOKEN)
        assert logging.getLogger("bot.x").isEnabledFor(logging.DEBUG)
        for chatty in ("telegram.Bot", "telegram.ext.ExtBot", "aiosqlite"):
            assert not logging.getLogger(chatty).isEnabledFor(logging.DEBUG), chatty
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name in ("telegram.Bot", "telegram.ext.ExtBot", "aiosqlite", "httpx", "httpcore",
                     "tornado.access"):
            logging.getLogger(name).setLevel(logging.NOTSET)

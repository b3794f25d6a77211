"""Logs a clinic can keep: no patient text, names or phone numbers at any level, and no token.

The bot's own log lines carry only kinds, methods, ids and counts. What the libraries log is
not ours to vet, so:
- python-telegram-bot's Bot and aiosqlite print whole requests at DEBUG (what a patient wrote,
  their name): those loggers stay at INFO even when LOG_LEVEL is DEBUG;
- in any other library's line, every value but a number is shown as `<…>`;
- an exception is shown as its type and where it happened, never its message (a message can
  quote data: "invalid literal for int() with base 10: '…'"); a failure that is expected now
  and then (the network, Telegram, a locked database) gets no traceback except at DEBUG;
- the token is replaced by `<token>` wherever it appears (HTTP clients log request URLs).
"""

from __future__ import annotations

import logging
import sqlite3
import traceback
import types

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers whose DEBUG lines print requests and queries with their data.
CHATTY = ("telegram.Bot", "telegram.ext.ExtBot", "aiosqlite")
# Loggers that are noise at INFO (httpx logs every request).
QUIET = ("httpx", "httpcore", "tornado.access")
OWN = "bot"
HIDDEN = "<…>"


# Failures that happen now and then and are retried: not a bug, no traceback needed. The
# Telegram adapter adds its library's network errors (configure_logging's `transient`).
TRANSIENT: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError,
                                              sqlite3.OperationalError)


def describe_error(error: BaseException) -> str:
    """An exception's type and the frames it passed through: the source lines of the code,
    never the message or any value."""
    lines = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = "".join(traceback.format_tb(current.__traceback__)).rstrip()
        lines.append(f"{_name(current)}" + (f"\n{frames}" if frames else ""))
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__)
    return "\nwhich was raised while handling ".join(lines)


def _name(error: BaseException) -> str:
    kind = type(error)
    return kind.__qualname__ if kind.__module__ == "builtins" else (
        f"{kind.__module__}.{kind.__qualname__}")


class PrivateFormatter(logging.Formatter):
    """Exceptions as types and frames only (describe_error)."""

    def format(self, record: logging.LogRecord) -> str:
        # Another handler may have cached the full traceback on the record: never reuse it.
        cached, record.exc_text = record.exc_text, None
        try:
            return super().format(record)
        finally:
            record.exc_text = cached

    def formatException(self, ei: tuple[type[BaseException], BaseException,
                                        types.TracebackType | None]
                        | tuple[None, None, None]) -> str:
        return "" if ei[1] is None else describe_error(ei[1])

    def formatStack(self, stack_info: str) -> str:
        return stack_info  # the call stack holds code, not data


class PrivacyFilter(logging.Filter):
    """Hides every value but numbers in other libraries' lines, drops the traceback of an
    expected failure below DEBUG, and replaces the token."""

    def __init__(self, token: str | None = None,
                 transient: tuple[type[BaseException], ...] = TRANSIENT) -> None:
        super().__init__()
        self.token = token
        self.transient = transient

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.name == OWN or record.name.startswith(OWN + ".")):
            record.msg, record.args = _hide_values(record), None
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and isinstance(error, self.transient) and (
                logging.getLogger().getEffectiveLevel() > logging.DEBUG):
            record.exc_info = None
            record.exc_text = None
            record.msg = f"{record.getMessage()} ({_name(error)})"
            record.args = None
        if self.token:
            message = record.getMessage()
            if self.token in message:
                record.msg, record.args = message.replace(self.token, "<token>"), None
        return True


def _hide(value: object) -> object:
    return value if isinstance(value, int | float) else HIDDEN


def _hide_values(record: logging.LogRecord) -> str:
    """A library's line with every value but numbers hidden. A line it formatted itself (no
    arguments) keeps its first line only: asyncio, for one, puts an exception's repr below."""
    template = str(record.msg)
    if not record.args:
        return template.split("\n", 1)[0]
    args = record.args
    hidden = ({k: _hide(v) for k, v in args.items()} if isinstance(args, dict)
              else tuple(_hide(a) for a in args))
    try:
        return template % hidden
    except (TypeError, ValueError, KeyError):
        return template


def configure_logging(level: str, token: str | None = None,
                      transient: tuple[type[BaseException], ...] = ()) -> None:
    """One handler on stderr with the privacy filter and formatter; `level` for the bot.
    `transient`: more exception types that are expected now and then (see TRANSIENT)."""
    handler = logging.StreamHandler()
    handler.setFormatter(PrivateFormatter(FORMAT))
    handler.addFilter(PrivacyFilter(token, TRANSIENT + transient))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(logging.INFO, root.level))
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))

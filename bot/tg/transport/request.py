"""Every call to the Bot API goes through `RetryingRequest`: python-telegram-bot's own
`HTTPXRequest`, with transient failures retried until Telegram recovers, within a bound.

- Transient: a 5xx (JSON or a proxy's HTML page), a dropped connection, a timeout, and a 429
  (whose retry_after is honoured). Retried with exponential backoff and jitter for up to
  `RETRY_BOUND_SECONDS`; only the calling handler waits, never another chat. Past the bound the
  update stays unanswered in the inbox, which hands it out again (tg.transport.intake): the
  patient gets the real answer once Telegram is back, not an apology for an outage.
- Permanent: any other 4xx (a 400 is our bug, a 403 a patient who blocked the bot). Not
  retried; logged once with the method and the parameters' names, never their text.

A proxy comes from the environment, as httpx reads it: HTTPS_PROXY or ALL_PROXY (NO_PROXY
respected), http:// or socks5:// (python-telegram-bot's `socks` extra).

Each failure is one log line: its kind, the method and the update id. The update comes from
`HANDLING`, which the dispatcher sets around each update's handlers; the first reply delivered
for it is reported through `Handling.delivered`, so the inbox can mark it answered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

logger = logging.getLogger(__name__)

RETRY_BOUND_SECONDS = 120.0  # after this the caller gets the failure; the inbox tries again
FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 15.0
# Parameters whose values are shown when Telegram refuses a call: none can hold what a patient
# typed. Every other parameter is shown by name and size only.
SHOWN_PARAMETERS = frozenset({"parse_mode", "message_id", "show_alert", "disable_notification",
                              "language_code", "offset", "limit", "timeout"})
_QUOTED = re.compile(r'"[^"]*"')  # Telegram quotes pieces of the text it could not parse
# Calls whose refusal must not stop a reply: answering a button press only stops its spinner
# (which stops by itself), and Telegram refuses it once the press is a few seconds old, as it
# is when an update is handled again after a restart.
BEST_EFFORT = frozenset({"answerCallbackQuery"})
_DONE = b'{"ok": true, "result": true}'


@dataclass
class Handling:
    """The update whose handlers are running in this task."""

    update_id: int
    on_delivered: Callable[[], Awaitable[None]] | None = None
    delivered: bool = False  # a message reached the chat (sent or edited)
    gave_up: bool = False  # a transient failure outlasted the bound: the inbox tries again
    refused: bool = False  # Telegram refused a call (4xx): trying again would not help

    async def deliver(self) -> None:
        if not self.delivered:
            self.delivered = True
            if self.on_delivered is not None:
                await self.on_delivered()


HANDLING: ContextVar[Handling | None] = ContextVar("handling", default=None)


def delivers(method: str) -> bool:
    """Whether a successful call of `method` puts a reply in front of the patient."""
    return method.startswith(("send", "edit", "copy", "forward")) and method != "sendChatAction"


class RetryingRequest(BaseRequest):
    """python-telegram-bot's HTTPXRequest over `connections` connections, retrying what may
    succeed later.

    At most `connections` calls are inside HTTPXRequest at once: a backlog waits here, where
    waiting is free, and not in its connection pool, whose timeout would count a long wait for a
    free connection as a failure.
    """

    def __init__(self, connections: int) -> None:
        self._inner = HTTPXRequest(connection_pool_size=connections)
        self._slots = asyncio.Semaphore(connections)
        self.bound = RETRY_BOUND_SECONDS
        self._random = random.Random()

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        # Each timeout is a number, None, or PTB's marker for "the default" (a private type).
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1].split("?", 1)[0]
        handling = HANDLING.get()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.bound
        backoff = FIRST_BACKOFF_SECONDS
        attempt = 0
        while True:
            attempt += 1
            error: NetworkError | None = None
            try:
                async with self._slots:
                    code, payload = await self._inner.do_request(
                        url, method, request_data, read_timeout=read_timeout,
                        write_timeout=write_timeout, connect_timeout=connect_timeout,
                        pool_timeout=pool_timeout,
                    )
            except TimedOut as exc:
                kind, wait, error = "timeout", self._jitter(backoff), exc
            except NetworkError as exc:
                kind, wait, error = "connection lost", self._jitter(backoff), exc
            else:
                if code < 400:
                    if handling is not None and delivers(api_method):
                        await handling.deliver()
                    return code, payload
                if code != 429 and code < 500:
                    if api_method in BEST_EFFORT:
                        logger.info("Telegram refused %s (update %s): %s; carrying on",
                                    api_method, handling.update_id if handling else "-", code)
                        return 200, _DONE
                    self._refused(api_method, code, payload, request_data, handling)
                    return code, payload
                description = _description(payload)
                if code == 429:
                    kind = "429"
                    wait = _retry_after(payload, default=backoff) + self._random.uniform(0, 0.5)
                else:
                    kind = f"{code}" if description is not None else f"{code} (not JSON)"
                    wait = self._jitter(backoff)
            remaining = deadline - loop.time()
            update = handling.update_id if handling else "-"
            # The last try comes at the bound; but a 429 says when to come back, and sooner
            # is pointless.
            if remaining <= 0.05 or (kind == "429" and wait > remaining):
                logger.error("Telegram %s on %s (update %s): giving up after %d attempts in "
                             "%.0f s", kind, api_method, update, attempt,
                             self.bound - remaining)
                if handling is not None:
                    handling.gave_up = True
                if error is not None:
                    raise error
                return code, payload
            wait = min(wait, remaining)
            logger.warning("Telegram %s on %s (update %s); retry %d in %.1f s", kind, api_method,
                           update, attempt, wait)
            await asyncio.sleep(wait)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _jitter(self, backoff: float) -> float:
        """Half the backoff, plus up to as much again at random: many chats that failed
        together do not all retry in the same instant."""
        return backoff / 2 + self._random.uniform(0, backoff / 2)

    @staticmethod
    def _refused(method: str, code: int, payload: bytes, request_data: RequestData | None,
                 handling: Handling | None) -> None:
        description = _description(payload) or ""
        if handling is not None:
            handling.refused = True
        # A second tap on a button whose message already shows what it asks for is expected
        # (the handler lets it pass); a patient who blocked the bot is their choice.
        level = (logging.DEBUG if "not modified" in description.lower()
                 else logging.INFO if code == 403 else logging.ERROR)
        logger.log(
            level,
            "Telegram refused %s (update %s): %s %s; sent: %s", method,
            handling.update_id if handling else "-", code,
            _QUOTED.sub('"…"', description), describe_parameters(request_data),
        )


def describe_parameters(request_data: RequestData | None) -> str:
    """What was sent, for a log line: each parameter's name, and its value only when it cannot
    hold anything a patient wrote (then its size instead)."""
    if request_data is None:
        return "nothing"
    shown = []
    for name, value in sorted(request_data.parameters.items()):
        if name in SHOWN_PARAMETERS and isinstance(value, int | bool | str) and len(
                str(value)) <= 20:
            shown.append(f"{name}={value}")
        elif isinstance(value, str):
            shown.append(f"{name}=<{len(value)} characters>")
        else:
            shown.append(f"{name}=<{type(value).__name__}>")
    return ", ".join(shown) or "nothing"


def _description(payload: bytes) -> str | None:
    """Telegram's error description; None when the body is not the Bot API's JSON."""
    try:
        data = json.loads(payload)
    except ValueError:
        return None
    return str(data.get("description", "")) if isinstance(data, dict) else None


def _retry_after(payload: bytes, default: float) -> float:
    try:
        value = json.loads(payload)["parameters"]["retry_after"]
        return float(value)
    except (ValueError, KeyError, TypeError):
        return default

"""Every call to the Bot API goes through `RetryingRequest`: transient failures are retried until
Telegram recovers, within a bound, so a patient gets the real answer rather than an apology.

- Transient: a 5xx (JSON or a proxy's HTML page), a dropped connection, a timeout, and a 429
  (whose retry_after is honoured). Retried with exponential backoff and jitter for up to
  `RETRY_BOUND_SECONDS`; only the calling handler waits, never another chat.
- Permanent: any other 4xx (a 400 is our bug, a 403 a patient who blocked the bot). Not
  retried; logged once with the method and the parameters' names, never their text.

`JsonRequest` is the HTTP client underneath (aiohttp): python-telegram-bot's own form-encodes
every parameter, which for a long Bangla answer costs more CPU than everything else about the
call.

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
import ssl
import urllib.request
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import certifi
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

logger = logging.getLogger(__name__)

RETRY_BOUND_SECONDS = 120.0  # after this, the caller gets the failure (and the patient an apology)
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
    again: bool = False  # an earlier try gave up: the inbox will keep trying, so no apology
    delivered: bool = False  # a message reached the chat (sent or edited)
    gave_up: bool = False  # a transient failure outlasted the bound
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
    """Wraps another request (JsonRequest) and retries what may succeed later.

    At most `slots` calls are inside the wrapped request at once, one per connection: a backlog
    waits here, where waiting is free, and not in the connection pool, whose timeout would count
    a long wait for a free connection as a failure.
    """

    def __init__(self, inner: BaseRequest, slots: int) -> None:
        self._inner = inner
        self._slots = asyncio.Semaphore(slots)
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


class JsonRequest(BaseRequest):
    """HTTP to the Bot API with aiohttp: parameters as one JSON body (which Telegram accepts),
    files as multipart. Timeouts as python-telegram-bot's HTTPXRequest has them.

    aiohttp, not the httpx that python-telegram-bot uses: its C parser and thinner connection
    pool cost about a millisecond less CPU a call, a fifth of the bot's whole cost per reply
    (bench/RESULTS.md). The session does not read the environment on each call (aiohttp's
    trust_env looks up ~/.netrc in a thread every time); a proxy in HTTPS_PROXY / ALL_PROXY
    (NO_PROXY respected) is looked up once per host instead, as httpx would use it.
    """

    def __init__(self, connections: int, *, read_timeout: float = 5.0,
                 write_timeout: float = 5.0, connect_timeout: float = 5.0,
                 pool_timeout: float = 1.0, media_write_timeout: float = 20.0) -> None:
        self._connections = connections
        self._read, self._write = read_timeout, write_timeout
        self._connect, self._pool = connect_timeout, pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        self._open()

    def _open(self) -> aiohttp.ClientSession:
        """The session, opened on first use and again after a shutdown (PTB may restart)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=self._connections,
                    ssl=ssl.create_default_context(cafile=certifi.where())),
                headers={"User-Agent": self.USER_AGENT},
                trust_env=False,
                # Bangla as UTF-8, not \u escapes: a Bangla answer is half the bytes (2.5 KB
                # instead of 4.7) on a clinic's uplink.
                json_serialize=_compact_json,
            )
        return self._session

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._open()
        files = request_data is not None and request_data.contains_files
        connect = _given(connect_timeout, self._connect)
        pool = _given(pool_timeout, self._pool)
        read = _given(read_timeout, self._read)
        write = _given(write_timeout, self._media_write_timeout if files else self._write)
        parts = (connect, pool, write, read)
        timeout = aiohttp.ClientTimeout(
            # aiohttp has no write timeout: the whole call is bounded by the four together.
            total=None if None in parts else sum(p for p in parts if p is not None),
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=read,
        )
        body: dict[str, Any] = {}
        if request_data is not None and files:
            form = aiohttp.FormData()
            for name, value in request_data.json_parameters.items():
                form.add_field(name, value)
            for name, (filename, content, mimetype) in request_data.multipart_data.items():
                form.add_field(name, content, filename=filename, content_type=mimetype)
            body = {"data": form}
        elif request_data is not None:
            body = {"json": request_data.parameters}
        try:
            async with session.request(method, url, timeout=timeout,
                                             proxy=self._proxy(url), **body) as response:
                return response.status, await response.read()
        except TimeoutError as exc:  # aiohttp's own timeouts are TimeoutErrors too
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc

    def _proxy(self, url: str) -> str | None:
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key not in self._proxies:
            proxies = urllib.request.getproxies_environment()
            bypass = parts.hostname is not None and bool(
                urllib.request.proxy_bypass(parts.hostname))  # NO_PROXY
            self._proxies[key] = None if bypass else proxies.get(parts.scheme) or proxies.get(
                "all")
        return self._proxies[key]


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _given(value: Any, default: float | None) -> float | None:
    """A timeout the caller gave, or ours when it gave PTB's "default" marker."""
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


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

"""A local fake of the Telegram Bot API for end-to-end tests of the bot.

A real HTTP server (stdlib only, background thread, so any event loop can talk to it) that speaks
enough of the Bot API for python-telegram-bot 22.x: point ``ApplicationBuilder().base_url()`` at
``fake.base_url``, inject updates with ``push_*``, assert with ``calls``/``sent_messages``/
``wait_for``. It validates like Telegram and can inject faults: error answers (429 with
retry_after, 5xx), an nginx HTML error page, a dropped connection, a request that never gets an
answer, and the whole API unreachable; once (``fail_next``, ``break_next``) or at a rate
(``fail_randomly``).
"""

from __future__ import annotations

import asyncio
import bisect
import copy
import email.parser
import email.policy
import html
import itertools
import json
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, NoReturn, TypedDict, Unpack
from urllib.parse import parse_qsl, urlsplit

BOT_USERNAME = "IbnSinaTestBot"
BOT_USER: dict[str, Any] = {"id": 5000000001, "is_bot": True, "first_name": "IBN SINA Test",
                            "username": BOT_USERNAME}
DEFAULT_USER_ID = 1001
MAX_LONG_POLL = 3.0  # cap getUpdates' timeout so stopping a poller never hangs a test for long
# Telegram only sends these update types when allowed_updates lists them explicitly.
NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# PTB JSON-encodes every non-str parameter; these are str values that may look like JSON ("42").
STRING_PARAMS = frozenset({"text", "caption", "parse_mode", "callback_query_id", "url", "action",
                           "inline_message_id", "language_code", "secret_token", "file_id",
                           "description", "short_description"})
# What copyMessage carries over from the original (the caption is replaced when one is given).
COPIED = ("text", "entities", "photo", "voice", "audio", "video", "video_note", "document",
          "animation", "sticker", "location", "contact", "caption", "caption_entities")
CAPTIONED = frozenset({"photo", "voice", "audio", "video", "document", "animation"})
PNG_OR_JPEG = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")
MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left",
                             "kicked"})
DESCRIPTION_LIMITS = {"description": 512, "short_description": 120}  # characters, as Telegram
HTML_TAGS = frozenset({"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code",
                       "pre", "tg-spoiler", "span", "blockquote", "tg-emoji"})
# What an nginx in front of the Bot API answers when the API behind it is down.
NGINX_502 = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
             b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>"
             b"\r\n</body>\r\n</html>\r\n")
HANG_SECONDS = 6.0  # a "timeout" fault holds the request this long: past PTB's 5 s read timeout
# Faults by name, for break_next and fail_randomly: the four the issue measured, and a timeout.
Fault = Literal["429", "500", "html", "drop", "timeout"]
FAULTS: tuple[Fault, ...] = ("429", "500", "html", "drop")
NOT_MODIFIED = ("message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message")
Params = dict[str, Any]
Files = dict[str, tuple[str, bytes]]
Json = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One request the fake received, nested JSON params (reply_markup, scope...) decoded."""

    method: str
    params: Params
    files: Files = field(default_factory=dict)  # field name -> (filename, bytes)
    status: int = 200  # what the fake answered: 200, 400, 429, 502...; 0: no answer at all
    at: float = 0.0  # time.monotonic() when the call arrived
    fault: str | None = None  # the injected fault that answered it, if any (see Fault)
    size: int = 0  # bytes of the request body, as they crossed the network


class Sender(TypedDict, total=False):
    """Optional sender details for the push_* builders."""

    first_name: str
    username: str | None
    language_code: str
    chat_type: str  # "private" (default), "group", "supergroup"


class _ApiError(Exception):
    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.payload: Json = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            self.payload["parameters"] = {"retry_after": retry_after}
        self.status = status


@dataclass(frozen=True)
class _Answer:
    """What the server thread does with a request: answer it, or fail at the transport."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    fault: str | None = None
    drop: bool = False  # close the connection without answering
    hang: float = 0.0  # first hold the request this long


def _json_answer(status: int, payload: Json, fault: str | None = None) -> _Answer:
    return _Answer(status, json.dumps(payload, ensure_ascii=False).encode(), fault=fault)


def _fault_answer(fault: Fault, hang: float) -> _Answer:
    if fault == "429":
        return _json_answer(429, _ApiError(429, "Too Many Requests: retry after 1", 1).payload,
                            fault)
    if fault == "500":
        return _json_answer(500, _ApiError(500, "Internal Server Error").payload, fault)
    if fault == "html":
        return _Answer(502, NGINX_502, "text/html", fault)
    if fault == "drop":
        return _Answer(0, fault=fault, drop=True)
    return _Answer(0, fault=fault, drop=True, hang=hang)


def _bad(description: str) -> NoReturn:
    raise _ApiError(400, f"Bad Request: {description}")


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # Telegram entity offsets count UTF-16 units


class _TelegramHTML(HTMLParser):
    """Stack-based checker for Telegram's HTML subset; collects the resulting plain text."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)  # keeps "&lt;" apart from a bare "<"
        self.source = source
        self.text: list[str] = []
        self.stack: list[str] = []  # open tags

    def fail(self, message: str, extra: str = "") -> NoReturn:
        line, col = self.getpos()
        index = sum(len(x) + 1 for x in self.source.split("\n")[: line - 1]) + col
        offset = len((self.source[:index] + extra).encode())
        _bad(f"can't parse entities: {message} at byte offset {offset}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            self.fail(f'Unsupported start tag "{tag}"')
        if tag == "span" and dict(attrs).get("class") != "tg-spoiler":
            self.fail('Tag "span" must have class "tg-spoiler"')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.fail(f'Unsupported start tag "{tag}/"')  # e.g. <br/>: Telegram has no void tags

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self.fail("Unexpected end tag")
        if self.stack[-1] != tag:
            self.fail(f'Unmatched end tag, expected "</{self.stack[-1]}>", found "</{tag}>"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if "<" in data:  # html.parser hands a "<" that starts no tag through as text
            self.fail('Unsupported start tag ""', data[: data.index("<")])
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        self.text.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.text.append(html.unescape(f"&#{name};"))

    def handle_comment(self, data: str) -> None:
        self.fail('Unsupported start tag "!"')

    handle_decl = handle_pi = unknown_decl = handle_comment

    def plain_text(self) -> str:
        self.feed(self.source)
        self.close()
        if self.stack:
            _bad(f"can't parse entities: Can't find end tag corresponding to start tag "
                 f'"{self.stack[-1]}"')
        return "".join(self.text)


def _render(text: Any, parse_mode: Any, limit: int, empty: str | None, too_long: str) -> str:
    """Apply parse_mode like Telegram; the limits count UTF-16 code units (an emoji is two)
    after entity parsing."""
    text = "" if text is None else str(text)
    plain = _TelegramHTML(text).plain_text() if str(parse_mode).lower() == "html" else text
    if empty and not plain.strip():
        _bad(empty)
    if _u16(plain) > limit:
        _bad(too_long)
    return plain


def _entities(text: str) -> list[Json]:
    """The entities Telegram marks in a typed text: a leading /command, @mentions of the bot."""
    entities: list[Json] = []
    command = re.match(r"/\w{1,32}(@\w{3,32})?", text, re.ASCII)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": _u16(command.group())})
    # As on Telegram, "@bot" glued to a word ("/help@bot", "me@bot") is no mention.
    for mention in re.finditer(rf"(?<!\w)@{BOT_USERNAME}\b", text, re.IGNORECASE):
        if not command or mention.start() >= command.end():
            entities.append({"type": "mention", "offset": _u16(text[: mention.start()]),
                             "length": _u16(mention.group())})
    return entities


def _decode(key: str, value: str) -> Any:
    if key in STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value  # a plain string such as "@channel" or "HTML"


def _parse_body(query: str, content_type: str, body: bytes) -> tuple[Params, Files]:
    raw: dict[str, str] = dict(parse_qsl(query, keep_blank_values=True))
    files: Files = {}
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body:
        return {**raw, **json.loads(body)}, files
    if kind == "multipart/form-data":  # uploads; email.parser since the cgi module is gone
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in message.iter_parts():  # type: ignore[attr-defined]
            name = str(part.get_param("name", header="content-disposition") or "")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[name] = (part.get_filename(), payload)
            else:
                raw[name] = payload.decode()
    else:
        raw.update(parse_qsl(body.decode(), keep_blank_values=True))
    return {k: _decode(k, v) for k, v in raw.items()}, files


def _check_markup(params: Params) -> Json | None:
    """Validate inline buttons; return the markup Telegram echoes back (inline keyboards only)."""
    markup = params.get("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        _bad("can't parse reply keyboard markup JSON object")
    for button in itertools.chain.from_iterable(markup.get("inline_keyboard", [])):
        data = button.get("callback_data")
        if data is not None and not 1 <= len(str(data).encode()) <= 64:
            _bad("BUTTON_DATA_INVALID")
    # Reply keyboards are never echoed (and PTB could not de-json them as inline markup).
    return markup if "inline_keyboard" in markup else None


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a handler parked in a long poll must not block interpreter exit

    def __init__(self, fake: FakeBotApi) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    # Keep-alive, like Telegram: the default (HTTP/1.0) opens a connection and a server thread
    # per call, which costs more CPU than the bots under test.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body, written apart, wait 40 ms for ACKs

    def do_GET(self) -> None:
        self.do_POST()

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answer = self.server.fake._handle(url.path, url.query,
                                          self.headers.get("Content-Type", ""), body)
        if answer.hang:
            self.server.fake._closed.wait(answer.hang)
        if answer.drop:
            self.close_connection = True  # the client sees the connection closed, no answer
            return
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, e.g. PTB cancelled a long poll while stopping

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output clean


class FakeBotApi:
    """Fake Telegram Bot API server: ``with FakeBotApi() as fake: ... fake.base_url ...``."""

    def __init__(self) -> None:
        self._cond = threading.Condition()  # guards all state below; wakes parked long polls
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._closing = self._unreachable = False
        self._closed = threading.Event()  # set while stopping: ends "timeout" faults early
        self.hang_seconds = HANG_SECONDS
        # (method|"*", answer, [left], the chat it hits or None for any)
        self._faults: list[tuple[str, _Answer, list[int], str | None]] = []
        self._random_faults: dict[str, tuple[float, tuple[Fault, ...]]] = {}
        self._random = random.Random(0)
        self._calls: list[Call] = []
        self._sent: list[Json] = []
        self.tokens: list[str] = []  # every distinct token seen, in order of first use
        self._ids = {k: itertools.count(start) for k, start in
                     (("update", 10001), ("message", 1), ("callback", 700001), ("file", 1))}
        self._queue: list[Json] = []  # pending updates, ordered by update_id
        self._redeliveries: list[Json] = []  # handed out once, whatever the offset
        self._history: dict[int, Json] = {}
        self._allowed: set[str] | None = None
        self._webhook_url = ""
        self._messages: dict[tuple[int, int], Json] = {}
        self._last_bot_message: dict[int, int] = {}
        self._chats: dict[int, Json] = {}
        self._commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}  # (kind, language_code) -> text
        self._members: dict[tuple[int, int], str] = {}  # (chat, user) -> status; "member"
        self._handlers: dict[str, Callable[[Params, Files], Any]] = {
            "getMe": lambda p, f: {**BOT_USER, "can_join_groups": True,
                                   "can_read_all_group_messages": False,
                                   "supports_inline_queries": False},
            "getUpdates": self._get_updates, "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook, "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": lambda p, f: self._commands.get(self._command_key(p), []),
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": lambda p, f: self._set_description("description", p),
            "getMyDescription": lambda p, f: self._get_description("description", p),
            "setMyShortDescription": lambda p, f: self._set_description("short_description", p),
            "getMyShortDescription": lambda p, f: self._get_description("short_description", p),
            "sendMessage": self._send_message, "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action, "sendDocument": self._send_document,
            "sendPhoto": self._send_photo, "copyMessage": self._copy_message,
            "editMessageCaption": self._edit_message_caption,
            "getChat": self._get_chat, "getChatMember": self._get_chat_member,
            "close": lambda p, f: True, "logOut": lambda p, f: True,
        }
        self._canonical = {name.lower(): name for name in self._handlers}  # TG ignores case

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        self._closing = False
        self._closed.clear()
        self._server = _Server(self)
        # A short poll interval keeps stop() (which waits for the next poll) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True, name="fake-bot-api")
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._closed.set()
            self._cond.notify_all()  # release handlers parked in getUpdates
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port()}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self._port()}/file/bot"

    def _port(self) -> int:
        assert self._server is not None, "FakeBotApi is not started"
        return int(self._server.server_address[1])

    # --- fault injection ---------------------------------------------------------------------

    def fail_next(self, method: str, status: int = 429, retry_after: int | None = None,
                  times: int = 1, description: str | None = None,
                  chat_id: int | None = None) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any method) with an error; with
        ``chat_id``, only the calls to that chat."""
        if status == 429:
            retry_after = 1 if retry_after is None else retry_after  # TG always sends one
            description = description or f"Too Many Requests: retry after {retry_after}"
        elif description is None:
            phrase = HTTPStatus(status).phrase
            description = f"{phrase}: injected fault" if status < 500 else phrase
        error = _ApiError(status, description, retry_after)
        with self._cond:
            self._faults.append((method.lower(), _json_answer(status, error.payload, str(status)),
                                 [times], None if chat_id is None else str(chat_id)))

    def break_next(self, method: str, fault: Fault, times: int = 1) -> None:
        """Fail the next ``times`` calls of ``method`` ("*" = any) with ``fault``: "html" (502
        with nginx's HTML page), "drop" (the connection closes without an answer), "timeout"
        (no answer for ``hang_seconds``, then closed), or "429"/"500" as Telegram sends them.
        Nothing reaches the API: a dropped sendMessage sends nothing."""
        with self._cond:
            self._faults.append((method.lower(), _fault_answer(fault, self.hang_seconds),
                                 [times], None))

    def fail_randomly(self, method: str, rate: float, faults: tuple[Fault, ...] = FAULTS,
                      seed: int = 0) -> None:
        """From now on, each call of ``method`` fails with probability ``rate``, with one of
        ``faults`` chosen evenly (the default: 429, 500, 502 HTML and a dropped connection).
        A rate of 0 turns it off."""
        with self._cond:
            self._random = random.Random(seed)
            if rate > 0:
                self._random_faults[method.lower()] = (rate, faults)
            else:
                self._random_faults.pop(method.lower(), None)

    def clear_faults(self) -> None:
        """Telegram recovers: no more injected faults (fail_next, break_next, fail_randomly)."""
        with self._cond:
            self._faults.clear()
            self._random_faults.clear()

    def set_unreachable(self, unreachable: bool = True) -> None:
        """While on, every request gets 502 Bad Gateway (Telegram down, network outage)."""
        with self._cond:
            self._unreachable = unreachable

    # --- inspection --------------------------------------------------------------------------

    def calls(self, method: str | None = None) -> list[Call]:
        with self._cond:
            return [c for c in self._calls if method is None or c.method.lower() == method.lower()]

    def clear_calls(self) -> None:
        with self._cond:
            self._calls.clear()
            self._sent.clear()

    def sent_messages(self, chat_id: int | None = None) -> list[Json]:
        """Messages returned for sendMessage/editMessageText/sendDocument, in order."""
        with self._cond:
            return [copy.deepcopy(m) for m in self._sent
                    if chat_id is None or m["chat"]["id"] == chat_id]

    def commands(self, scope: Json | None = None, language_code: str = "") -> list[dict[str, str]]:
        """What setMyCommands registered for exactly this scope (None = default) + language."""
        with self._cond:
            key = self._command_key({"scope": scope, "language_code": language_code})
            return copy.deepcopy(self._commands.get(key, []))

    def description(self, language_code: str = "") -> str:
        """What setMyDescription set for this language ("" = the default for all)."""
        with self._cond:
            return self._descriptions.get(("description", language_code), "")

    def short_description(self, language_code: str = "") -> str:
        with self._cond:
            return self._descriptions.get(("short_description", language_code), "")

    async def wait_for(
        self, method: str, predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109 - a plain argument is the simplest test API
        count: int = 1,
    ) -> list[Call]:
        """Poll (without blocking the loop) until ``count`` matching calls are recorded."""
        deadline = time.monotonic() + timeout
        while True:
            matched = [c for c in self.calls(method) if predicate is None or predicate(c)]
            if len(matched) >= count:
                return matched
            if time.monotonic() >= deadline:
                recent = "\n".join(f"  {c.method} -> {c.status} {c.params!r:.300}"
                                   for c in self.calls()[-15:])
                raise AssertionError(f"timed out after {timeout}s waiting for {count} x {method}"
                                     f" (matched {len(matched)}); recent calls:\n{recent}")
            await asyncio.sleep(0.01)

    # --- injecting updates -------------------------------------------------------------------

    def push_update(self, update: Json) -> int:
        """Queue a raw update (update_id assigned unless present); returns the update_id."""
        with self._cond:
            update = copy.deepcopy(update)
            update.setdefault("update_id", next(self._ids["update"]))
            self._history[update["update_id"]] = copy.deepcopy(update)
            bisect.insort(self._queue, update, key=lambda u: u["update_id"])
            self._cond.notify_all()
            return int(update["update_id"])

    def redeliver(self, update_id: int) -> int:
        """Deliver an earlier update again even if confirmed, as Telegram may after a crash."""
        with self._cond:
            self._redeliveries.append(copy.deepcopy(self._history[update_id]))
            self._cond.notify_all()
            return update_id

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember says of a user in a chat (default: "member")."""
        assert status in MEMBER_STATUSES, status
        with self._cond:
            self._members[(chat_id, user_id)] = status

    def message(self, chat_id: int, message_id: int) -> Json | None:
        """A message as the fake holds it now (after edits), or None once deleted."""
        with self._cond:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found else None

    def push_message(self, text: str, user_id: int = DEFAULT_USER_ID, chat_id: int | None = None,
                     first_name: str = "Rahim", username: str | None = None,
                     language_code: str = "en", chat_type: str = "private",
                     entities: list[Json] | None = None, reply_to: int | None = None) -> int:
        """A text message; /commands and @IbnSinaTestBot mentions get entities like on TG.
        ``reply_to``: the id of a message in the same chat that this one replies to."""
        if entities is None:
            entities = _entities(text)
        sender = Sender(first_name=first_name, username=username, language_code=language_code,
                        chat_type=chat_type)
        content: Json = {"text": text, "entities": entities} if entities else {"text": text}
        return self._push_user_message(user_id, chat_id, sender, content, reply_to=reply_to)

    def push_edited_message(self, update_id: int, text: str) -> int:
        """The patient edits the text of the message an earlier update carried."""
        with self._cond:
            original = copy.deepcopy(self._history[update_id]["message"])
        original.pop("entities", None)
        edited = {**original, "text": text, "edit_date": int(time.time())}
        if entities := _entities(text):
            edited["entities"] = entities
        return self.push_update({"edited_message": edited})

    def push_callback(self, data: str, user_id: int = DEFAULT_USER_ID,
                      chat_id: int | None = None, message_id: int | None = None,
                      language_code: str = "en", **sender: Unpack[Sender]) -> int:
        """A button press on a bot message (default: the last one the bot sent to the chat)."""
        chat_id = user_id if chat_id is None else chat_id
        with self._cond:
            message_id = message_id or self._last_bot_message.get(chat_id, 0)
            message = self._messages.get((chat_id, message_id))
            if message is None:  # unknown: invent the bot message the button was on
                message = self._new_message(chat_id, BOT_USER, {"text": "…"}, message_id)
            user = self._user(user_id, Sender(**sender, language_code=language_code))
            return self.push_update({"callback_query": {
                "id": str(next(self._ids["callback"])), "from": user, "data": data,
                "chat_instance": str(chat_id), "message": copy.deepcopy(message)}})

    def push_contact(self, phone_number: str, user_id: int = DEFAULT_USER_ID,
                     chat_id: int | None = None, contact_user_id: int | None = None,
                     **sender: Unpack[Sender]) -> int:
        """A shared contact; its user_id is the sender's own unless ``contact_user_id``."""
        contact = {"phone_number": phone_number, "first_name": sender.get("first_name", "Rahim"),
                   "user_id": user_id if contact_user_id is None else contact_user_id}
        return self._push_user_message(user_id, chat_id, sender, {"contact": contact})

    def push_sticker(self, user_id: int = DEFAULT_USER_ID, chat_id: int | None = None,
                     emoji: str = "👍", **sender: Unpack[Sender]) -> int:
        sticker = {**self._file(), "type": "regular", "width": 512, "height": 512,
                   "is_animated": False, "is_video": False, "emoji": emoji}
        return self._push_user_message(user_id, chat_id, sender, {"sticker": sticker})

    def push_photo(self, user_id: int = DEFAULT_USER_ID, chat_id: int | None = None,
                   caption: str | None = None, **sender: Unpack[Sender]) -> int:
        photo = [{**self._file(), "width": side, "height": side} for side in (90, 1280)]
        return self._push_user_message(user_id, chat_id, sender, {"photo": photo},
                                       caption=caption)

    def push_voice(self, user_id: int = DEFAULT_USER_ID, chat_id: int | None = None,
                   duration: int = 3, **sender: Unpack[Sender]) -> int:
        voice = {**self._file(), "duration": duration, "mime_type": "audio/ogg"}
        return self._push_user_message(user_id, chat_id, sender, {"voice": voice})

    def push_location(self, latitude: float = 23.8583, longitude: float = 90.2667,
                      user_id: int = DEFAULT_USER_ID, chat_id: int | None = None,
                      **sender: Unpack[Sender]) -> int:
        location = {"latitude": latitude, "longitude": longitude}
        return self._push_user_message(user_id, chat_id, sender, {"location": location})

    def push_document(self, file_name: str = "report.pdf", user_id: int = DEFAULT_USER_ID,
                      chat_id: int | None = None, caption: str | None = None,
                      mime_type: str = "application/pdf", **sender: Unpack[Sender]) -> int:
        document = {**self._file(), "file_name": file_name, "mime_type": mime_type}
        return self._push_user_message(user_id, chat_id, sender, {"document": document},
                                       caption=caption)

    # --- internals ---------------------------------------------------------------------------

    def _file(self, size: int = 1024) -> Json:
        file_id = f"FAKEFILE{next(self._ids['file']):06d}"
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": size}

    @staticmethod
    def _user(user_id: int, sender: Sender) -> Json:
        user = {"id": user_id, "is_bot": False, "first_name": sender.get("first_name", "Rahim"),
                "username": sender.get("username"),
                "language_code": sender.get("language_code", "en")}
        return {k: v for k, v in user.items() if v is not None}

    def _push_user_message(self, user_id: int, chat_id: int | None, sender: Sender,
                           content: Json, caption: str | None = None,
                           reply_to: int | None = None) -> int:
        chat_type = sender.get("chat_type", "private")
        if chat_id is None:  # private chats share the user's id; groups are negative
            chat_id = user_id if chat_type == "private" else -abs(user_id)
        user = self._user(user_id, sender)
        chat: Json = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat.update({k: user[k] for k in ("first_name", "username") if k in user})
        else:
            chat["title"] = "Test group"
        if caption is not None:
            content = {**content, "caption": caption}
        with self._cond:
            self._chats[chat_id] = chat
            if reply_to is not None:
                original = self._messages.get((chat_id, reply_to))
                assert original is not None, f"no message {reply_to} in chat {chat_id} to reply to"
                content = {**content, "reply_to_message": self._quoted(original)}
            return self.push_update({"message": self._new_message(chat_id, user, content)})

    @staticmethod
    def _quoted(message: Json) -> Json:
        """A message as Telegram nests it in a reply: without its own reply_to_message."""
        return {k: copy.deepcopy(v) for k, v in message.items() if k != "reply_to_message"}

    def _new_message(self, chat_id: int, sender: Json, content: Json,
                     message_id: int | None = None) -> Json:
        kind = "private" if chat_id > 0 else "supergroup" if str(chat_id)[:4] == "-100" \
            else "group"
        chat = self._chats.get(chat_id, {"id": chat_id, "type": kind})
        message = {"message_id": message_id or next(self._ids["message"]),
                   "date": int(time.time()), "chat": dict(chat), "from": dict(sender), **content}
        self._messages[(chat_id, message["message_id"])] = message
        if sender["id"] == BOT_USER["id"]:
            self._last_bot_message[chat_id] = message["message_id"]
        return copy.deepcopy(message)

    def _handle(self, path: str, query: str, content_type: str, body: bytes) -> _Answer:
        """Runs on a server thread: decode, answer, record."""
        at = time.monotonic()
        if not path.startswith("/bot"):  # e.g. file downloads: getFile is not simulated
            return _json_answer(404, _ApiError(404, "Not Found").payload)
        token, _, method = path.removeprefix("/bot").partition("/")
        try:
            params, files = _parse_body(query, content_type, body)
        except (ValueError, UnicodeDecodeError):
            return _json_answer(400, _ApiError(400, "Bad Request: can't parse request").payload)
        name = self._canonical.get(method.lower(), method)
        with self._cond:
            if token not in self.tokens:
                self.tokens.append(token)
            answer = self._answer(name, params, files)
            self._calls.append(Call(name, params, files, answer.status, at, answer.fault,
                                    len(body)))
            return answer

    def _answer(self, name: str, params: Params, files: Files) -> _Answer:
        if self._unreachable:
            return _json_answer(502, _ApiError(502, "Bad Gateway").payload)
        for fault in self._faults:
            if fault[0] in ("*", name.lower()) and fault[3] in (None, str(params.get("chat_id"))):
                fault[2][0] -= 1
                if fault[2][0] <= 0:
                    self._faults.remove(fault)
                return fault[1]
        rate, faults = self._random_faults.get(name.lower(), (0.0, FAULTS))
        if rate and self._random.random() < rate:
            return _fault_answer(self._random.choice(faults), self.hang_seconds)
        handler = self._handlers.get(name)
        if handler is None:  # also what Telegram answers for unknown methods
            return _json_answer(404, _ApiError(404, "Not Found").payload)
        try:
            return _json_answer(200, {"ok": True, "result": handler(params, files)})
        except _ApiError as error:
            return _json_answer(error.status, error.payload)

    def _wanted(self, update: Json) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in self._allowed if self._allowed else kind not in NOT_BY_DEFAULT

    def _get_updates(self, p: Params, f: Files) -> list[Json]:
        if self._webhook_url:
            raise _ApiError(409, "Conflict: can't use getUpdates method while webhook is "
                                 "active; use deleteWebhook to delete the webhook first")
        offset, limit = int(p.get("offset") or 0), min(max(int(p.get("limit") or 100), 1), 100)
        if "allowed_updates" in p:  # remembered across calls like on Telegram; [] = default
            self._allowed = set(p["allowed_updates"] or []) or None
        deadline = time.monotonic() + min(float(p.get("timeout") or 0), MAX_LONG_POLL)
        while True:
            if offset > 0:  # confirms (forgets) every update before offset
                self._queue = [u for u in self._queue if u["update_id"] >= offset]
            elif offset < 0:
                self._queue = self._queue[offset:]
            self._queue = [u for u in self._queue if self._wanted(u)]
            # Redeliveries go first so that PTB's next offset does not skip the newer ones.
            batch = (self._redeliveries + self._queue)[:limit]
            remaining = deadline - time.monotonic()
            if batch or self._closing or remaining <= 0:
                del self._redeliveries[: len(batch)]
                return copy.deepcopy(batch)
            self._cond.wait(remaining)  # releases the lock so pushes can wake us

    def _delete_webhook(self, p: Params, f: Files) -> bool:
        self._webhook_url = ""
        if p.get("drop_pending_updates"):
            self._queue.clear()
        return True

    def _set_webhook(self, p: Params, f: Files) -> bool:
        self._delete_webhook(p, f)
        self._webhook_url = str(p.get("url") or "")
        return True

    def _get_webhook_info(self, p: Params, f: Files) -> Json:
        return {"url": self._webhook_url, "has_custom_certificate": False,
                "pending_update_count": len(self._queue)}

    @staticmethod
    def _command_key(p: Params) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")

    def _set_my_commands(self, p: Params, f: Files) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            _bad("can't parse commands JSON object")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._command_key(p)] = commands
        return True

    def _set_description(self, kind: str, p: Params) -> bool:
        text = str(p.get(kind) or "")
        if len(text) > DESCRIPTION_LIMITS[kind]:
            _bad(f"{kind.upper()}_INVALID")
        key = (kind, str(p.get("language_code") or ""))
        if text:
            self._descriptions[key] = text
        else:  # an empty text removes the description for that language, as on Telegram
            self._descriptions.pop(key, None)
        return True

    def _get_description(self, kind: str, p: Params) -> Json:
        language_code = str(p.get("language_code") or "")
        text = self._descriptions.get((kind, language_code)) or self._descriptions.get(
            (kind, ""), "")
        return {kind: text}

    def _delete_my_commands(self, p: Params, f: Files) -> bool:
        self._commands.pop(self._command_key(p), None)
        return True

    @staticmethod
    def _chat_id(p: Params) -> int:
        if p.get("chat_id") in (None, ""):
            _bad("chat_id is empty")
        if not isinstance(p["chat_id"], int):
            _bad("chat not found")  # @channel usernames are not simulated
        return int(p["chat_id"])

    def _send(self, p: Params, content: Json) -> Json:
        markup = _check_markup(p)
        chat_id = self._chat_id(p)
        replied = self._replied(p, chat_id)
        if replied is not None:
            content = {**content, "reply_to_message": self._quoted(replied)}
        message = self._new_message(chat_id, BOT_USER,
                                    {**content, "reply_markup": markup} if markup else content)
        self._sent.append(copy.deepcopy(message))
        return message

    def _replied(self, p: Params, chat_id: int) -> Json | None:
        """The message a send replies to (reply_parameters, or the older reply_to_message_id)."""
        reply = p.get("reply_parameters") or {}
        if not isinstance(reply, dict):
            _bad("can't parse reply parameters JSON object")
        message_id = reply.get("message_id", p.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = int(reply.get("chat_id") or chat_id)
        original = self._messages.get((target, int(message_id)))
        if original is None and not reply.get("allow_sending_without_reply",
                                               p.get("allow_sending_without_reply")):
            _bad("message to be replied not found")
        return original

    def _send_message(self, p: Params, f: Files) -> Json:
        text = _render(p.get("text"), p.get("parse_mode"), 4096, "message text is empty",
                       "message is too long")
        markup = p.get("reply_markup")
        if isinstance(markup, dict) and "force_reply" in markup:
            if markup["force_reply"] is not True:
                _bad("can't parse reply keyboard markup JSON object")
            if len(str(markup.get("input_field_placeholder") or "")) > 64:
                _bad("INPUT_FIELD_PLACEHOLDER_INVALID")  # Telegram allows 1-64 characters
        return self._send(p, {"text": text})

    def _send_photo(self, p: Params, f: Files) -> Json:
        caption = _render(p.get("caption"), p.get("parse_mode"), 1024, None,
                          "message caption is too long")
        ref = str(p.get("photo") or "")
        upload = f.get(ref.removeprefix("attach://")) or f.get("photo")
        if upload is None:
            _bad("there is no photo in the request")
        data = upload[1]
        if not data.startswith(PNG_OR_JPEG):  # Telegram decodes the picture
            _bad("IMAGE_PROCESS_FAILED")
        photo = [{**self._file(len(data)), "width": 800, "height": 700}]
        return self._send(p, {"photo": photo, "caption": caption} if caption
                          else {"photo": photo})

    def _copy_message(self, p: Params, f: Files) -> Json:
        source = self._messages.get((int(p.get("from_chat_id") or 0),
                                     int(p.get("message_id") or 0)))
        if source is None:
            _bad("message to copy not found")
        content = {k: copy.deepcopy(source[k]) for k in COPIED if k in source}
        if not content:
            _bad("message can't be copied")  # service messages and the like
        if "caption" in p and CAPTIONED & content.keys():
            content.pop("caption_entities", None)
            caption = _render(p.get("caption"), p.get("parse_mode"), 1024, None,
                              "message caption is too long")
            content["caption"] = caption
            if not caption:
                content.pop("caption")
        message = self._send(p, content)
        return {"message_id": message["message_id"]}

    def _edit_message_caption(self, p: Params, f: Files) -> Json | bool:
        caption = _render(p.get("caption"), p.get("parse_mode"), 1024, None,
                          "message caption is too long")
        key = (self._chat_id(p), int(p.get("message_id") or 0))
        message = self._messages.get(key)
        if message is not None and not CAPTIONED & message.keys():
            _bad("there is no caption in the message to edit")
        edited = self._edit(p, {"caption": caption, "reply_markup": _check_markup(p)})
        if isinstance(edited, dict):
            self._sent.append(copy.deepcopy(edited))
        return edited

    def _get_chat(self, p: Params, f: Files) -> Json:
        chat_id = self._chat_id(p)
        kind = "private" if chat_id > 0 else "supergroup" if str(chat_id)[:4] == "-100" \
            else "group"
        chat = self._chats.get(chat_id, {"id": chat_id, "type": kind})
        if chat["type"] != "private":
            chat = {"title": "Test group", **chat}
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    def _get_chat_member(self, p: Params, f: Files) -> Json:
        chat_id, user_id = self._chat_id(p), int(p.get("user_id") or 0)
        status = self._members.get((chat_id, user_id), "member")
        user = BOT_USER if user_id == BOT_USER["id"] else {"id": user_id, "is_bot": False,
                                                             "first_name": "User"}
        member: Json = {"status": status, "user": user}
        if status == "restricted":  # muted: may do nothing
            member |= {"is_member": True, "until_date": 0} | {f"can_{right}": False for right in (
                "change_info", "invite_users", "pin_messages", "send_messages", "send_polls",
                "send_other_messages", "add_web_page_previews", "manage_topics", "send_audios",
                "send_documents", "send_photos", "send_videos", "send_video_notes",
                "send_voice_notes", "edit_tag", "react_to_messages")}
        if status == "administrator":  # may post and delete, nothing else
            member |= {"can_be_edited": False, "is_anonymous": False} | {
                f"can_{right}": right == "delete_messages" for right in (
                    "manage_chat", "delete_messages", "manage_video_chats", "restrict_members",
                    "promote_members", "change_info", "invite_users", "post_stories",
                    "edit_stories", "delete_stories")}
        if status == "kicked":
            member["until_date"] = 0
        return member

    def _send_document(self, p: Params, f: Files) -> Json:
        caption = _render(p.get("caption"), p.get("parse_mode"), 1024, None,
                          "message caption is too long")
        ref = str(p.get("document") or "")
        upload = f.get(ref.removeprefix("attach://")) or f.get("document")
        if upload is None and not ref:
            _bad("there is no document in the request")
        name, data = upload or (ref.rsplit("/", 1)[-1], b"")  # a file_id or URL was given
        if upload is not None and not data:
            _bad("file must be non-empty")
        document = {**self._file(len(data)), "file_name": name}
        return self._send(p, {"document": document, "caption": caption} if caption
                          else {"document": document})

    def _edit(self, p: Params, changes: Json) -> Json | bool:
        if p.get("inline_message_id"):
            return True  # messages sent via inline mode are not tracked
        key = (self._chat_id(p), int(p.get("message_id") or 0))
        message = self._messages.get(key)
        if message is None:
            _bad("message to edit not found")
        if message["from"]["id"] != BOT_USER["id"]:
            _bad("message can't be edited")
        if "text" in changes and "text" not in message:
            _bad("there is no text in the message to edit")
        if all(message.get(k) == v for k, v in changes.items()):
            _bad(NOT_MODIFIED)
        message.update(changes, edit_date=int(time.time()))
        self._messages[key] = {k: v for k, v in message.items() if v is not None}
        return copy.deepcopy(self._messages[key])

    def _edit_message_text(self, p: Params, f: Files) -> Json | bool:
        text = _render(p.get("text"), p.get("parse_mode"), 4096, "message text is empty",
                       "MESSAGE_TOO_LONG")
        # Like Telegram, an edit without reply_markup removes the inline keyboard.
        edited = self._edit(p, {"text": text, "reply_markup": _check_markup(p)})
        if isinstance(edited, dict):
            self._sent.append(copy.deepcopy(edited))
        return edited

    def _edit_message_reply_markup(self, p: Params, f: Files) -> Json | bool:
        return self._edit(p, {"reply_markup": _check_markup(p)})

    def _delete_message(self, p: Params, f: Files) -> bool:
        if self._messages.pop((self._chat_id(p), int(p.get("message_id") or 0)), None) is None:
            _bad("message to delete not found")
        return True

    def _answer_callback_query(self, p: Params, f: Files) -> bool:
        if not p.get("callback_query_id"):
            _bad("QUERY_ID_INVALID")
        if len(str(p.get("text") or "")) > 200:
            _bad("MESSAGE_TOO_LONG")
        return True

    def _send_chat_action(self, p: Params, f: Files) -> bool:
        self._chat_id(p)
        return True

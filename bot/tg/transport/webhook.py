"""Webhook mode: Telegram POSTs each update; the answer is 200 once the update is stored (on
disk, or in memory while the database refuses writes: see tg.transport.intake).

python-telegram-bot's own webhook server answers 200 before anything is stored, so this is a
small tornado server of our own (tornado comes with python-telegram-bot's webhooks extra).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from types import TracebackType
from typing import Any

import tornado.httpserver
import tornado.web

logger = logging.getLogger(__name__)

PATH = "/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
Receive = Callable[[list[Any]], Awaitable[None]]


class _UpdateHandler(tornado.web.RequestHandler):
    receive: Receive
    secret: str | None

    def initialize(self, receive: Receive, secret: str | None) -> None:
        self.receive, self.secret = receive, secret

    async def post(self) -> None:
        if self.secret is not None and not hmac.compare_digest(
                self.request.headers.get(SECRET_HEADER, "").encode(), self.secret.encode()):
            raise tornado.web.HTTPError(HTTPStatus.FORBIDDEN)
        try:
            update = json.loads(self.request.body)
        except ValueError:
            raise tornado.web.HTTPError(HTTPStatus.BAD_REQUEST) from None
        await self.receive([update])
        self.set_status(HTTPStatus.OK)

    def log_exception(self, typ: type[BaseException] | None, value: BaseException | None,
                      tb: TracebackType | None) -> None:
        if isinstance(value, tornado.web.HTTPError):
            return  # a refused request: no secret, not JSON
        logger.error("The webhook failed on an update (%s)", typ.__name__ if typ else "?")


class WebhookServer:
    def __init__(self, listen: str, port: int, secret: str | None, receive: Receive) -> None:
        app = tornado.web.Application([(PATH, _UpdateHandler,
                                        {"receive": receive, "secret": secret})])
        self._server = tornado.httpserver.HTTPServer(app)
        self.listen, self.port = listen, port

    async def start(self) -> None:
        self._server.listen(self.port, address=self.listen)
        logger.info("Webhook listening on %s:%d%s", self.listen, self.port, PATH)

    async def stop(self) -> None:
        """Take no new updates; Telegram keeps what it could not deliver."""
        self._server.stop()
        await self._server.close_all_connections()

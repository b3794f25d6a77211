"""Starting and stopping the bot: `serving` (what the tests run) and `run_bot` (the process).

Start-up keeps trying while Telegram is unreachable. A stop (SIGTERM, Ctrl+C) stops fetching,
gives the replies in flight a few seconds (tg.transport.intake.STOP_WITHIN_SECONDS), leaves the
rest in the inbox for the next start, and closes the database.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from telegram.error import InvalidToken, NetworkError, RetryAfter

from bot.config import Settings
from bot.core.frontdesk import FrontDesk
from bot.private_logs import configure_logging
from bot.tg.app import FrontDeskApp, build_application
from bot.tg.transport.intake import ALLOWED_UPDATES, Intake, Poller
from bot.tg.transport.webhook import WebhookServer

logger = logging.getLogger(__name__)

T = TypeVar("T")
START_BACKOFF_SECONDS = 5.0


async def _keep_trying(what: str, call: Callable[[], Awaitable[T]]) -> T:
    """`call` until Telegram answers: each call already retries for two minutes, so this is
    for outages longer than that. A wrong token is not an outage."""
    while True:
        try:
            return await call()
        except InvalidToken:
            raise
        except (NetworkError, RetryAfter) as exc:
            logger.error("%s: Telegram unreachable (%s): check this machine's internet "
                         "connection, firewall, or proxy (HTTPS_PROXY); trying again in %.0f s",
                         what, type(exc).__name__, START_BACKOFF_SECONDS)
            await asyncio.sleep(START_BACKOFF_SECONDS)


@asynccontextmanager
async def serving(app: FrontDeskApp) -> AsyncIterator[Intake]:
    """The bot receiving and answering updates until the block ends (or is cancelled)."""
    settings = app.bot_data.settings
    try:
        await _keep_trying("start-up", app.initialize)
        if app.post_init:
            await app.post_init(app)
        await app.start()
        log = app.bot_data.log
        if log is None:
            raise RuntimeError("post_init did not open the inquiry log")
        intake = Intake(app, log.inbox)
        await intake.start()
        source: Poller | WebhookServer
        if settings.webhook_url:
            webhook_url = settings.webhook_url
            await _keep_trying("setWebhook", lambda: app.bot.set_webhook(
                webhook_url, allowed_updates=ALLOWED_UPDATES,
                secret_token=settings.webhook_secret))
            source = WebhookServer(settings.webhook_listen, settings.webhook_port,
                                   settings.webhook_secret, intake.receive)
        else:
            await _keep_trying("deleteWebhook", app.bot.delete_webhook)
            source = Poller(intake)
            logger.info("Polling Telegram for updates")
        await source.start()
        try:
            yield intake
        finally:
            await source.stop()
            await intake.stop()
    finally:
        if app.running:
            await app.stop()
        if app.post_stop:
            await app.post_stop(app)
        await app.shutdown()
        # A stop during start-up, while Telegram is unreachable, finds python-telegram-bot not
        # yet initialized, and its shutdown then closes nothing: close the HTTP client here
        # (closing it twice is harmless), or asyncio logs an unclosed session at exit.
        await app.bot.request.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)


async def serve_until_stopped(app: FrontDeskApp) -> None:
    """`serving` until SIGTERM or SIGINT; a signal during start-up cancels the start-up."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    started = False
    main = asyncio.current_task()

    def on_signal() -> None:
        stop.set()
        if not started and main is not None:
            main.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, on_signal)
        except NotImplementedError:  # Windows
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(on_signal))
    try:
        async with serving(app):
            started = True
            logger.info("The bot is running")
            await stop.wait()
            logger.info("Stopping: finishing the replies in flight")
    except asyncio.CancelledError:
        if not stop.is_set():
            raise
    logger.info("Stopped")


def run_bot(settings: Settings, desk: FrontDesk, *, rate_limit: bool = True) -> None:
    """The bot as a process: long polling, or a webhook when WEBHOOK_URL is set."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    configure_logging(settings.log_level, settings.token,
                      transient=(NetworkError, RetryAfter))
    app = build_application(settings, desk, rate_limit=rate_limit)
    asyncio.run(serve_until_stopped(app))

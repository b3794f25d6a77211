"""The bot as a process against the fake Bot API, under load: replies per second, latency, answers
lost and duplicated, CPU per reply, beside a bare python-telegram-bot echo bot on the same fake.
Prints a Markdown table; asserts nothing.

    .venv/bin/python bench/bench_telegram.py                  # every scenario, once
    .venv/bin/python bench/bench_telegram.py --repeat 3 echo flood
    .venv/bin/python bench/bench_telegram.py --code /tmp/old  # another checkout's bot/

Scenarios:
- echo:   the echo bot (bench/echo_bot.py), flooded: its throughput and CPU per reply.
- flood:  the front-desk bot with the rate limiter off, flooded the same way.
- cap:    patients writing at Telegram's bulk cap (30 messages/s), rate limiter on.
- faults: the same with 10 % of sendMessage calls failing (2.5 % each: 429 retry_after 1, 500,
          502 HTML page, dropped connection).
- group:  a family group far over Telegram's 20-a-minute group limit, and a private patient
          writing once a second at the same time: the private patient's latency.
- kill:   1,000 questions from 500 patients arriving at once, with the 10 % faults; at
          Telegram's 30 a second most are still waiting when the bot is killed (SIGKILL) after
          12 s; restarted on the same database: rows stored once, every message answered.

The fake runs in this process and the bot in its own, so the bot's CPU time is its own
(/proc/<pid>/stat). A reply is matched to a message by order within its chat: the bot keeps that
order, so the k-th reply to a chat answers the k-th message sent there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from helpers.fake_bot_api import BOT_USERNAME, FakeBotApi  # noqa: E402

TOKEN = "4242:BENCH-token"
APOLOGY = ("went wrong", "একটি সমস্যা হয়েছে")
TICKS = os.sysconf("SC_CLK_TCK")
CAP = 30.0  # Telegram's bulk limit, messages per second


def questions() -> list[str]:
    data = yaml.safe_load((ROOT / "tests" / "eval" / "messages.yaml").read_text("utf-8"))
    return [m["text"] for m in data]


@dataclass
class Message:
    chat_id: int
    user_id: int
    text: str
    chat_type: str = "private"
    sent_at: float = 0.0


@dataclass
class Result:
    scenario: str
    messages: int
    replies: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    lost: int = 0
    duplicates: int = 0
    apologies: int = 0
    rejected: int = 0  # calls the fake refused with a 400: a bug in what the bot sent
    cpu_seconds: float = 0.0
    rows_missing: int | None = None
    rows_twice: int | None = None
    watched: list[float] = field(default_factory=list)  # latencies of the private patient

    @property
    def per_second(self) -> float:
        return self.replies / self.seconds if self.seconds else 0.0

    def pct(self, values: list[float], q: float) -> float:
        if not values:
            return float("nan")
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


class BotProcess:
    """`python -m bot` (or another script) against the fake, logging to a file."""

    def __init__(self, fake: FakeBotApi, workdir: Path, code: Path, script: list[str],
                 db: Path) -> None:
        self.fake, self.workdir, self.code, self.script, self.db = fake, workdir, code, script, db
        self.log = workdir / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "STAFF_", "WEBHOOK_"))}
        env |= {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": self.fake.base_url,
            "TELEGRAM_FILE_BASE_URL": self.fake.base_file_url,
            "DATABASE_PATH": str(self.db),
            "FLOOD_MESSAGES_PER_MINUTE": "1000",
            "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(self.code),
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, *self.script], cwd=self.code,
                                            env=env, stdout=out, stderr=subprocess.STDOUT)

    async def ready(self) -> None:
        before = len(self.fake.calls("getUpdates"))
        await self.fake.wait_for("getUpdates", lambda c: c.status == 200, count=before + 1,
                                 timeout=60)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


def patients(count: int, per_patient: int, rng: random.Random) -> list[Message]:
    """`count` patients in private chats, `per_patient` questions each, interleaved."""
    texts = questions()
    return [Message(50_000 + p, 50_000 + p, rng.choice(texts))
            for _ in range(per_patient) for p in range(count)]


async def send(fake: FakeBotApi, messages: list[Message], rate: float | None) -> None:
    """Push `messages` at `rate` per second (None: all at once)."""
    start = time.monotonic()
    for i, message in enumerate(messages):
        if rate:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        message.sent_at = time.monotonic()
        fake.push_message(message.text, user_id=message.user_id, chat_id=message.chat_id,
                          chat_type=message.chat_type)


def replies_by_chat(fake: FakeBotApi, since: float) -> dict[int, list[float]]:
    by_chat: dict[int, list[float]] = defaultdict(list)
    for call in fake.calls("sendMessage"):
        if call.status == 200 and call.at >= since:
            by_chat[int(call.params["chat_id"])].append(call.at)
    return by_chat


async def wait_answered(fake: FakeBotApi, messages: list[Message], since: float,
                        within: float) -> None:
    wanted = Counter(m.chat_id for m in messages)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        got = replies_by_chat(fake, since)
        if all(len(got.get(chat, ())) >= n for chat, n in wanted.items()):
            return
        await asyncio.sleep(0.2)


def score(result: Result, fake: FakeBotApi, messages: list[Message], since: float,
          watched_chat: int | None = None) -> None:
    got = replies_by_chat(fake, since)
    sent: dict[int, list[Message]] = defaultdict(list)
    for message in messages:
        sent[message.chat_id].append(message)
    last = since
    for chat, chat_messages in sent.items():
        replies = got.get(chat, [])
        result.lost += max(0, len(chat_messages) - len(replies))
        result.duplicates += max(0, len(replies) - len(chat_messages))
        for message, at in zip(chat_messages, replies, strict=False):
            result.latencies.append(at - message.sent_at)
            if chat == watched_chat:
                result.watched.append(at - message.sent_at)
            last = max(last, at)
        result.replies += min(len(replies), len(chat_messages))
    first = min(m.sent_at for m in messages)
    result.seconds = last - first
    texts = [c.params.get("text", "") for c in fake.calls("sendMessage") if c.at >= since]
    result.apologies = sum(any(a in str(t) for a in APOLOGY) for t in texts)
    result.rejected = sum(1 for c in fake.calls() if c.status == 400 and c.at >= since)


def check_rows(result: Result, db: Path, messages: int) -> None:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        counts = Counter(u for (u,) in conn.execute(
            "SELECT update_id FROM inquiries WHERE kind NOT IN ('command', 'button')"))
    result.rows_missing = max(0, messages - len(counts))
    result.rows_twice = sum(1 for n in counts.values() if n > 1)


@contextlib.contextmanager
def running(fake: FakeBotApi, code: Path, script: list[str]) -> Iterator[BotProcess]:
    with tempfile.TemporaryDirectory() as tmp:
        bot = BotProcess(fake, Path(tmp), code, script, Path(tmp) / "inquiries.sqlite3")
        bot.start()
        try:
            yield bot
        finally:
            bot.stop()


BOT = ["-m", "bot"]
UNLIMITED = ["bench/bot_without_rate_limit.py"]  # relative to --code
ECHO = [str(ROOT / "bench" / "echo_bot.py")]


async def flood(name: str, code: Path, script: list[str], rng: random.Random) -> Result:
    """200 patients, 10 questions each, all at once: how fast is the backlog cleared?"""
    messages = patients(200, 10, rng)
    result = Result(name, len(messages))
    with FakeBotApi() as fake, running(fake, code, script) as bot:
        await bot.ready()
        cpu, since = cpu_seconds(bot.pid), time.monotonic()
        await send(fake, messages, rate=None)
        await wait_answered(fake, messages, since, within=300)
        result.cpu_seconds = cpu_seconds(bot.pid) - cpu
        score(result, fake, messages, since)
    return result


async def at_cap(name: str, code: Path, fault_rate: float, rng: random.Random,
                 kill_after: float | None = None) -> Result:
    """300 patients, 3 questions each, arriving at Telegram's cap of 30 a second; or, with
    `kill_after`, 500 patients' 2 questions each at once."""
    messages = patients(300, 3, rng) if kill_after is None else patients(500, 2, rng)
    result = Result(name, len(messages))
    with FakeBotApi() as fake, running(fake, code, BOT) as bot:
        fake.fail_randomly("sendMessage", fault_rate, seed=rng.randrange(1 << 30))
        await bot.ready()
        cpu, since = cpu_seconds(bot.pid), time.monotonic()
        sending = asyncio.create_task(send(fake, messages, rate=None if kill_after else CAP))
        if kill_after is not None:
            await asyncio.sleep(kill_after)
            result.cpu_seconds = cpu_seconds(bot.pid) - cpu
            bot.kill()
            bot.start()
            cpu = 0.0  # the new process counts from zero (its start-up included)
        await sending
        await wait_answered(fake, messages, since, within=300)
        result.cpu_seconds += cpu_seconds(bot.pid) - cpu
        score(result, fake, messages, since)
        bot.stop()
        check_rows(result, bot.db, len(messages))
    return result


async def group_and_private(name: str, code: Path, rng: random.Random) -> Result:
    """A family group sends 60 questions at once (3x its 20-a-minute limit) while a private
    patient asks one question a second for 20 seconds."""
    texts = questions()
    group = [Message(-100_777, 60_000 + i % 6, f"@{BOT_USERNAME} {rng.choice(texts)}",
                     chat_type="supergroup") for i in range(60)]
    private = [Message(61_000, 61_000, rng.choice(texts)) for _ in range(20)]
    result = Result(name, len(group) + len(private))
    with FakeBotApi() as fake, running(fake, code, BOT) as bot:
        await bot.ready()
        cpu, since = cpu_seconds(bot.pid), time.monotonic()
        await send(fake, group, rate=None)
        await send(fake, private, rate=1.0)
        await wait_answered(fake, private, since, within=120)
        result.cpu_seconds = cpu_seconds(bot.pid) - cpu
        score(result, fake, private, since, watched_chat=61_000)
        result.messages = len(private)
    return result


def row(r: Result) -> str:
    ms = [x * 1000 for x in (r.watched or r.latencies)]
    cpu = r.cpu_seconds / r.replies * 1000 if r.replies else float("nan")
    rows = "" if r.rows_missing is None else f"{r.rows_missing} / {r.rows_twice}"
    return (f"| {r.scenario} | {r.messages} | {r.per_second:.1f} | {r.pct(ms, 0.5):.0f} | "
            f"{r.pct(ms, 0.99):.0f} | {r.lost} | {r.duplicates} | {r.apologies} | {r.rejected} "
            f"| {cpu:.2f} | {rows} |")


HEADER = ("| scenario | messages | replies/s | p50 ms | p99 ms | lost | duplicates | apologies | "
          "400s | CPU ms/reply | rows missing / twice |\n"
          "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenarios", nargs="*",
                        default=["echo", "flood", "cap", "faults", "group", "kill"])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose bot/ runs")
    args = parser.parse_args()
    rng = random.Random(11)
    runs = {
        "echo": lambda: flood("echo (PTB defaults)", args.code, ECHO, rng),
        "flood": lambda: flood("flood, rate limiter off", args.code, UNLIMITED, rng),
        "cap": lambda: at_cap("30/s", args.code, 0.0, rng),
        "faults": lambda: at_cap("30/s, 10 % faults", args.code, 0.10, rng),
        "group": lambda: group_and_private("group + private (private patient)", args.code, rng),
        "kill": lambda: at_cap("burst of 1,000, 10 % faults, kill -9 at 12 s", args.code,
                               0.10, rng, kill_after=12.0),
    }
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; bot code: {args.code}\n")
    print(HEADER, flush=True)
    results: dict[str, list[Result]] = defaultdict(list)
    for _ in range(args.repeat):
        for name in args.scenarios:
            result = await runs[name]()
            results[name].append(result)
            print(row(result), flush=True)
    if results.get("echo") and results.get("flood"):
        echo = statistics.median(r.per_second for r in results["echo"])
        ours = statistics.median(r.per_second for r in results["flood"])
        echo_cpu = statistics.median(r.cpu_seconds / r.replies for r in results["echo"])
        our_cpu = statistics.median(r.cpu_seconds / r.replies for r in results["flood"])
        print(f"\nthroughput, rate limiter off: {ours / echo:.2f} of the echo bot's "
              f"({ours:.0f} vs {echo:.0f} replies/s); CPU per reply {our_cpu * 1000:.2f} ms vs "
              f"{echo_cpu * 1000:.2f} ms (medians of {args.repeat})")


if __name__ == "__main__":
    asyncio.run(main())

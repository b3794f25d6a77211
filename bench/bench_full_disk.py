"""The bot as a process whose database disk fills up (issue 20): 100 patients write 3 messages
each while the disk is full for two minutes, against the same run on a healthy disk.
Prints a Markdown table; asserts nothing.

    .venv/bin/python bench/bench_full_disk.py            # healthy, then full for 120 s
    .venv/bin/python bench/bench_full_disk.py --full-for 30

The database lives on a 32 MB tmpfs of the bot's own (`unshare -rm`: a user and mount
namespace, no root needed where the kernel allows them), which the benchmark fills with a file
until writing fails with ENOSPC, and empties two minutes later: a real full disk, not a seam.
Patients write at 5 messages a second (300 in a minute), well under Telegram's limits, so the
latency is the bot's own. "Written after" is from freeing the space to the log line saying the
waiting entries are written (one transaction); the rows are then counted in a copy of the
database. Memory per waiting entry is measured apart, with tracemalloc, on 20,000 entries like
the bot's (an update's JSON and its inquiry record).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import bench_telegram as bt

ROOT = bt.ROOT
sys.path.insert(0, str(ROOT))

from bot.storage.inbox import Incoming  # noqa: E402
from bot.storage.pending import BOUND, PendingWrites  # noqa: E402
from bot.storage.records import InquiryRecord  # noqa: E402

from helpers import small_disk  # noqa: E402
from helpers.fake_bot_api import FakeBotApi  # noqa: E402

STAFF_CHAT = -500
MEGABYTES = 32
RATE = 5.0  # messages a second
RECOVERED = re.compile(r"^(\S+ \S+) WARNING bot\.storage\.outage: The database takes writes "
                       r"again after .*: wrote (\d+) entries", re.MULTILINE)


class TmpfsBot(bt.BotProcess):
    """`python -m bot` with its database folder on a tmpfs of its own."""

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("TELEGRAM_", "STAFF_", "WEBHOOK_"))}
        env |= {
            "TELEGRAM_BOT_TOKEN": bt.TOKEN, "TELEGRAM_API_BASE_URL": self.fake.base_url,
            "TELEGRAM_FILE_BASE_URL": self.fake.base_file_url, "DATABASE_PATH": str(self.db),
            "STAFF_CHAT_ID": str(STAFF_CHAT), "STAFF_USER_IDS": "900", "WEEKLY_DIGEST": "off",
            "FLOOD_MESSAGES_PER_MINUTE": "1000", "LOG_LEVEL": "INFO",
            "PYTHONPATH": str(self.code),
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [*small_disk.mounting(self.db.parent, MEGABYTES), sys.executable, "-m", "bot"],
                cwd=self.code, env=env, stdout=out, stderr=subprocess.STDOUT)

    @property
    def inside(self) -> Path:
        """The database folder as the bot sees it."""
        return small_disk.inside(self.pid, self.db.parent)


def rows_in_copy(bot: TmpfsBot, to: Path) -> Counter[int]:
    """update_id -> rows, in a copy of the bot's database."""
    small_disk.copy_out(bot.inside, ("inquiries.sqlite3", "inquiries.sqlite3-wal"), to)
    with sqlite3.connect(to / "inquiries.sqlite3") as conn:
        return Counter(u for (u,) in conn.execute("SELECT update_id FROM inquiries"))


async def run(full_for: float | None, seed: int) -> dict[str, object]:
    import random

    rng = random.Random(seed)
    messages = bt.patients(100, 3, rng)
    with tempfile.TemporaryDirectory() as tmp, FakeBotApi() as fake:
        work = Path(tmp)
        (work / "data").mkdir()
        bot = TmpfsBot(fake, work, ROOT, [], work / "data" / "inquiries.sqlite3")
        bot.start()
        try:
            await bot.ready()
            await asyncio.sleep(1.0)
            filler = small_disk.fill(bot.inside) if full_for is not None else None
            filled_at = time.monotonic()
            since = time.monotonic()
            await bt.send(fake, messages, rate=RATE)
            await bt.wait_answered(fake, messages, since, within=120)
            result = bt.Result("full" if full_for else "healthy", len(messages))
            bt.score(result, fake, messages, since)
            answered_by = max((c.at for c in fake.calls("sendMessage")
                               if c.status == 200 and c.params["chat_id"] != STAFF_CHAT),
                              default=since)
            written_after = None
            if filler is not None and full_for is not None:
                await asyncio.sleep(max(0.0, filled_at + full_for - time.monotonic()))
                freed_at, freed_wall = time.monotonic(), datetime.now(UTC)
                filler.unlink(missing_ok=True)
                deadline = freed_at + 120
                while time.monotonic() < deadline:
                    found = RECOVERED.search(bot.log.read_text("utf-8", "replace"))
                    if found:
                        at = datetime.strptime(found[1], "%Y-%m-%d %H:%M:%S,%f")
                        written_after = (at.replace(tzinfo=UTC) - freed_wall).total_seconds()
                        break
                    await asyncio.sleep(0.2)
            else:
                freed_at = time.monotonic()
            await asyncio.sleep(2.0)
            counts = rows_in_copy(bot, work)
            notices = [c.params["text"] for c in fake.calls("sendMessage")
                       if c.status == 200 and c.params["chat_id"] == STAFF_CHAT]
        finally:
            bot.stop()
        log_text = bot.log.read_text("utf-8", "replace")
    return {
        "result": result,
        "answered_during_outage": full_for is not None and answered_by < freed_at,
        "written_after": written_after,
        "rows_missing": len(messages) - len(counts),
        "rows_twice": sum(1 for n in counts.values() if n > 1),
        "notices": len(notices),
        "error_lines": log_text.count(" ERROR "),
        "warning_lines": log_text.count(" WARNING "),
        "exit_ok": bot.process is not None and bot.process.returncode == 0,
    }


def memory_per_entry(count: int = BOUND) -> float:
    """Bytes held per waiting entry: half updates (a typical update's JSON), half inquiries."""
    now = datetime.now(UTC)
    text = "আমার বাবার মেরুদণ্ডে আঘাত, স্টেম সেল থেরাপিতে কি হাঁটতে পারবেন? খরচ কত?"
    update = json.dumps({"update_id": 10**9, "message": {
        "message_id": 123, "date": 1_765_000_000, "text": text,
        "chat": {"id": 5_123_456_789, "type": "private", "first_name": "Rahima"},
        "from": {"id": 5_123_456_789, "is_bot": False, "first_name": "Rahima",
                 "language_code": "bn"}}}, ensure_ascii=False)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    pending = PendingWrites(Path(tempfile.gettempdir()) / "unused.sqlite3")
    for n in range(count // 2):
        pending.add_update(Incoming(n, now, 5_123_456_789 + n, 5_123_456_789 + n,
                                    update.replace("1000000000", str(n))))
        pending.add(InquiryRecord(received_at=now, update_id=n, user_id=n, chat_id=n,
                                  display_name="Rahima Begum", username=None, lang="bn",
                                  form="bn", text=text + str(n), kind="answer",
                                  entry_id="walking-again", confidence=0.8))
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(pending) == count
    return held / count


async def try_cost(folder: Path, count: int = BOUND) -> None:
    """Run inside a namespace with `folder` a fresh tmpfs: with `count` entries waiting on a
    full disk, how long a failing try and the successful one take (the database's thread is
    busy that long)."""
    from bot.storage import InquiryLog

    log = await InquiryLog.open(folder / "inquiries.sqlite3")
    filler = small_disk.fill(folder)
    now, text = datetime.now(UTC), "আমার বাবার মেরুদণ্ডে আঘাত, কি হাঁটতে পারবেন? খরচ কত?"
    for n in range(count // 2):
        record = InquiryRecord(received_at=now, update_id=n, user_id=n, chat_id=n,
                               display_name="Rahima", username=None, lang="bn", form="bn",
                               text=text, kind="answer", entry_id="walking-again",
                               confidence=0.8)
        await log.record(record)  # the first is refused; the rest wait behind it
        await log.inbox.store([Incoming(n, now, n, n, json.dumps({"update_id": n}))])
    failing = []
    for _ in range(5):
        start = time.perf_counter()
        await log.flush_pending()
        failing.append(time.perf_counter() - start)
    filler.unlink(missing_ok=True)
    start = time.perf_counter()
    await log.flush_pending()
    success = time.perf_counter() - start
    await log.close()
    median = statistics.median(failing) * 1000
    print(f"with {count:,} entries waiting: a failing try takes {median:.0f} ms (median of 5), "
          f"the successful one {success * 1000:.0f} ms")


def line(name: str, r: dict[str, object]) -> str:
    res = r["result"]
    assert isinstance(res, bt.Result)
    ms = [x * 1000 for x in res.latencies]
    written = r["written_after"]
    return (f"| {name} | {res.messages} | {res.replies} | {res.pct(ms, 0.5):.0f} | "
            f"{res.pct(ms, 0.99):.0f} | {max(ms):.0f} | {res.apologies} | "
            f"{'yes' if r['answered_during_outage'] else '–'} | "
            f"{'–' if written is None else f'{written:.1f} s'} | "
            f"{r['rows_missing']} / {r['rows_twice']} | {r['notices']} | "
            f"{r['error_lines']} / {r['warning_lines']} | {'0' if r['exit_ok'] else 'not 0'} |")


def measure_try_cost() -> None:
    """try_cost in a tmpfs of its own (it prints its line; its log lines are not wanted)."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([*small_disk.mounting(Path(tmp), MEGABYTES), sys.executable, __file__,
                        "--inside", tmp], check=True, stderr=subprocess.DEVNULL)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full-for", type=float, default=120.0, help="seconds (default 120)")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)  # try_cost's tmpfs
    args = parser.parse_args()
    if args.inside:
        await try_cost(args.inside)
        return
    with tempfile.TemporaryDirectory() as tmp:
        reason = small_disk.why_not_here(Path(tmp))
    if reason:
        sys.exit(f"no small disk for the bot: {reason}")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; 100 patients x 3 messages "
          f"at {RATE:.0f}/s; disk full for {args.full_for:.0f} s\n")
    print("| disk | messages | answered | p50 ms | p99 ms | max ms | apologies | all answered "
          "while full | written after space returned | rows missing / twice | staff notices | "
          "ERROR / WARNING lines | exit status |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
          flush=True)
    print(line("healthy", await run(None, args.seed)), flush=True)
    print(line(f"full for {args.full_for:.0f} s", await run(args.full_for, args.seed)),
          flush=True)
    measure_try_cost()
    per_entry = memory_per_entry()
    print(f"\nmemory per waiting entry: {per_entry:.0f} bytes (tracemalloc, {BOUND:,} entries: "
          f"{per_entry * BOUND / 1024**2:.0f} MB at the bound)")


if __name__ == "__main__":
    asyncio.run(main())

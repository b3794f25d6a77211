"""Speed and memory of the front-desk core: load time, per-message latency, and both again with
the knowledge base grown 10x and 100x. Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_matcher.py > bench/RESULTS.md
    .venv/bin/python bench/bench_matcher.py twoq    # two-question messages at 1x (issue 18)
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.core.frontdesk import FrontDesk
from bot.core.i18n import Catalogs
from bot.core.knowledge import KnowledgeBase, load_knowledge_base

EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "eval"
# Short tidy questions and relatives' long stories, as patients send them.
EVAL_SETS = ("messages.yaml", "stories.yaml")


def eval_messages() -> list[str]:
    return [
        m["text"]
        for name in EVAL_SETS
        for m in yaml.safe_load((EVAL_DIR / name).read_text(encoding="utf-8"))
    ]


def mutate(text: str, rng: random.Random) -> str:
    """A phrasing with some words changed, so copies add new vocabulary like real entries do."""
    words = text.split()
    for i in range(len(words)):
        if rng.random() < 0.4 and len(words[i]) > 3:
            chars = list(words[i])
            j = rng.randrange(len(chars) - 1)
            chars[j], chars[j + 1] = chars[j + 1], chars[j]
            words[i] = "".join(chars) + rng.choice("abcdefghijklmnopqrstuvwxyz")
    return " ".join(words)


def grown(kb: KnowledgeBase, factor: int) -> KnowledgeBase:
    rng = random.Random(factor)
    entries = dict(kb.entries)
    for copy in range(1, factor):
        for entry in kb.entries.values():
            questions = {
                form: tuple(mutate(q, rng) for q in qs) for form, qs in entry.questions.items()
            }
            new_id = f"{entry.id}-copy{copy}"
            entries[new_id] = replace(entry, id=new_id, questions=questions)
    return replace(kb, entries=entries)


def long_messages(messages: list[str]) -> list[str]:
    """4,096-character messages (Telegram's limit): stories run together, one word repeated,
    emoji, and a single unbroken 'word'."""
    stories = " ".join(m for m in messages if len(m) > 100)
    return [
        stories[:4096],
        stories[-4096:],
        ("কি হবে " * 700)[:4096],
        "😭" * 2048,
        "ক" * 4096,
    ]


def long_message_ms(desk: FrontDesk, text: str) -> float:
    started = time.perf_counter()
    desk.reply(text, conversation="long")
    return (time.perf_counter() - started) * 1000


def measure(factor: int) -> None:
    """One size, in this process (run in a fresh process per size so memory is its own)."""
    settings = Settings()
    started = time.perf_counter()
    kb = load_knowledge_base(settings.faq_dir)
    catalogs = Catalogs(settings.locales_dir)
    load = time.perf_counter() - started
    kb = grown(kb, factor)
    messages = eval_messages()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    desk = FrontDesk(kb, catalogs)
    build = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings = []
    for i, text in enumerate(messages):
        t0 = time.perf_counter()
        desk.reply(text, conversation=str(i))
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    phrasings = sum(len(q) for e in kb.entries.values() for q in e.questions.values())
    longest = max(long_message_ms(desk, text) for text in long_messages(messages))
    print(
        f"| {factor}x | {len(kb.entries)} | {phrasings} | {load * 1000:.0f} ms "
        f"| {build * 1000:.0f} ms | {(rss_after - rss_before) / 1024:.0f} MiB "
        f"| {statistics.median(timings):.2f} ms | {p99:.2f} ms | {timings[-1]:.2f} ms "
        f"| {longest:.1f} ms |",
        flush=True,
    )


ROUNDS = 5


def two_questions() -> None:
    """Per-message latency of the two- and three-question tuning set, answered ROUNDS times
    (a new conversation each time; the first round meets cold caches, as after a start)."""
    settings = Settings()
    desk = FrontDesk(load_knowledge_base(settings.faq_dir), Catalogs(settings.locales_dir))
    messages = [m["text"] for m in yaml.safe_load(
        (EVAL_DIR / "round4" / "twoq-H.yaml").read_text(encoding="utf-8"))]
    timings = []
    for round_ in range(ROUNDS):
        for i, text in enumerate(messages):
            t0 = time.perf_counter()
            desk.reply(text, conversation=f"twoq-{round_}-{i}")
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"two-question messages at 1x ({len(messages)} x {ROUNDS}, "
          "tests/eval/round4/twoq-H.yaml): "
          f"p50 {statistics.median(timings):.2f} ms, p99 {p99:.2f} ms, max {timings[-1]:.2f} ms")


def main() -> None:
    if sys.argv[1:] == ["twoq"]:
        two_questions()
        return
    if len(sys.argv) > 1:
        measure(int(sys.argv[1]))
        return
    count = len(eval_messages())
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; {count} evaluation "
          "messages, each answered once per size.\n")
    print("| knowledge base | entries | phrasings | load faq/ + catalogs | index build "
          "| index memory (RSS growth) | per message p50 | p99 | max "
          "| slowest 4,096-character message |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for factor in (1, 10, 100):
        subprocess.run([sys.executable, __file__, str(factor)], check=True)


if __name__ == "__main__":
    main()

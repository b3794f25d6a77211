"""Speed and memory of the front-desk core: load time, per-message latency, and both again with
the knowledge base grown 10x and 100x. Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_matcher.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.frontdesk import FrontDesk
from bot.i18n import Catalogs
from bot.knowledge import KnowledgeBase, load_knowledge_base
from bot.language import Form

EVAL = Path(__file__).resolve().parent.parent / "tests" / "eval" / "messages.yaml"


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


def measure(kb: KnowledgeBase, catalogs: Catalogs, messages: list[str], label: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    desk = FrontDesk(kb, catalogs)
    build = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    timings = []
    for i, text in enumerate(messages):
        t0 = time.perf_counter()
        desk.reply(text, conversation=str(i))
        timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    phrasings = sum(len(q) for e in kb.entries.values() for q in e.questions.values())
    print(
        f"{label:>5} {len(kb.entries):6} entries {phrasings:7} phrasings | index build "
        f"{build * 1000:8.0f} ms, peak {peak / 2**20:6.1f} MiB | per message "
        f"p50 {statistics.median(timings):6.2f} ms  p99 {p99:6.2f} ms  max {timings[-1]:6.2f} ms"
    )


def main() -> None:
    settings = Settings()
    started = time.perf_counter()
    kb = load_knowledge_base(settings.faq_dir)
    catalogs = Catalogs(settings.locales_dir)
    load = time.perf_counter() - started
    messages = [m["text"] for m in yaml.safe_load(EVAL.read_text(encoding="utf-8"))]
    forms = {f.value: 0 for f in Form}
    print(f"Python {sys.version.split()[0]}; {len(messages)} evaluation messages")
    print(f"load + validate faq/ and compile catalogs: {load * 1000:.0f} ms")
    del forms
    for factor in (1, 10, 100):
        measure(grown(kb, factor), catalogs, messages, f"{factor}x")


if __name__ == "__main__":
    main()

"""What reading a chat's context costs: every turn of the multi-turn sets answered with its
chat's context, then the same messages alone (no context), p50 and p99 per message.

    .venv/bin/python bench/bench_conversation.py

The database side (a context read from memory, written through after the reply) is not on the
reply's path: storage/chat_context.py writes after the reply has gone.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.conversation import NEW  # noqa: E402
from bot.core.frontdesk import build_front_desk  # noqa: E402

SETS = ("multiturn-G.yaml", "multiturn-heldout-I.yaml")
ROUNDS = 5


def percentile(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> None:
    desk = build_front_desk(ROOT / "faq", ROOT / "locales")
    chats = [c["turns"] for name in SETS
             for c in yaml.safe_load((ROOT / "tests/eval/round4" / name).read_text("utf-8"))]
    with_context: list[float] = []
    alone: list[float] = []
    for r in range(ROUNDS):
        for i, turns in enumerate(chats):
            context = NEW
            for turn in turns:
                start = time.perf_counter()
                reply = desk.reply(turn["text"], f"bench-{r}-{i}", context=context)
                with_context.append((time.perf_counter() - start) * 1000)
                context = reply.context
                start = time.perf_counter()
                desk.reply(turn["text"], f"bench-alone-{r}-{i}")
                alone.append((time.perf_counter() - start) * 1000)
    for label, values in (("with context", with_context), ("alone", alone)):
        print(f"{label:13} {len(values)} messages: p50 {statistics.median(values):.2f} ms, "
              f"p99 {percentile(values, 0.99):.2f} ms")
    print(f"context adds at p99: "
          f"{percentile(with_context, 0.99) - percentile(alone, 0.99):+.2f} ms")


if __name__ == "__main__":
    main()

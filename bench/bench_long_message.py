"""What one 4,096-character message (Telegram's longest) costs the front desk, by kind of text.
Prints a Markdown table; asserts nothing. The target (issue 11) is 20 ms.

    .venv/bin/python bench/bench_long_message.py
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import PROJECT_DIR
from bot.core import language
from bot.core.frontdesk import build_front_desk

LIMIT = 4096
REAL = {
    "English story": "My father had a spinal cord injury two years ago after a fall at work, and "
                     "the doctors say he may not walk again. Can stem cell therapy help him? ",
    "Bangla story": "আমার বাবা দুই বছর আগে কাজের সময় পড়ে গিয়ে মেরুদণ্ডে আঘাত পান। ডাক্তার বলছেন "
                    "তিনি হয়তো আর হাঁটতে পারবেন না। স্টেম সেল থেরাপি কি তাঁকে সাহায্য করতে পারে? ",
    "Banglish story": "amar baba 2 bochor age kaj korar somoy pore giye spinal cord e betha "
                      "payechen, daktar bolche hatte parben na. stem cell dile ki kaj hobe? ",
}
SIGNS = ["\u09cd", "\u09bc", "\u09be", "\u09c7", "\u0981", "\u200c", "\u200d", "\u09c1"]


def fill(text: str) -> str:
    return (text * (LIMIT // len(text) + 1))[:LIMIT]


def kinds(rng: random.Random) -> dict[str, Callable[[], str]]:
    def stray_signs() -> str:  # every word of a real Bangla text with a sign out of place
        words = REAL["Bangla story"].split()
        out: list[str] = []
        while sum(len(w) + 1 for w in out) < LIMIT:
            word = rng.choice(words)
            cut = rng.randrange(len(word) + 1)
            out.append(word[:cut] + rng.choice(SIGNS) + word[cut:])
        return " ".join(out)[:LIMIT]

    def syllables() -> str:  # random Bangla syllables: words the knowledge base never saw
        consonants = [chr(c) for c in range(0x0995, 0x09B9)]
        vowels = ["\u09be", "\u09bf", "\u09c7", ""]
        return " ".join("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(3))
                        for _ in range(LIMIT))[:LIMIT]

    return {
        **{name: (lambda t=text: fill(t)) for name, text in REAL.items()},
        "one long word": lambda: "a" * LIMIT,
        "emoji": lambda: "😀" * (LIMIT // 2),
        "random Unicode": lambda: "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(LIMIT)),
        "Bangla, stray signs": stray_signs,
        "Bangla, unknown words": syllables,
    }


def main() -> None:
    desk = build_front_desk(PROJECT_DIR / "faq", PROJECT_DIR / "locales")
    rng = random.Random(4)
    print("| 4,096 characters of | p50 ms | max ms |\n| --- | --- | --- |")
    for name, make in kinds(rng).items():
        times = []
        for i in range(15):
            text = make()
            # Nothing cached from an earlier message: each one is new to the bot.
            language.normalize_text.cache_clear()
            language._repair_bangla_word.cache_clear()
            started = time.perf_counter()
            desk.reply(text, f"bench-{i}", None)
            times.append((time.perf_counter() - started) * 1000)
        print(f"| {name} | {statistics.median(times):.1f} | {max(times):.1f} |", flush=True)


if __name__ == "__main__":
    main()

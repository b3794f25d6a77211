"""Memory and caches of the front-desk core (issue 17). Prints numbers; asserts nothing.

    .venv/bin/python bench/bench_memory.py [messages] [--garbage]

1. Realistic traffic: 20,000 messages drawn at random from every evaluation set
   (tests/eval/**/*.yaml), fresh caches: each cache's hit rate and size, and the latency.
2. A flood: `messages` (10,000) distinct 4,096-character messages (Telegram's limit) of mixed
   Bangla, Banglish and English sentences built from the evaluation sets' words, a quarter of
   the words misspelt the way patients misspell them, so nearly every message brings words no
   cache has seen. Resident memory as it goes; the target is to stay under 150 MiB.
   With --garbage the flood is the worst case instead: every word random (Bangla syllables or
   Latin letters, 8 to 30 characters, the longest a word is read), so every cache fills with
   the largest entries it can hold.
"""

from __future__ import annotations

import gc
import random
import statistics
import string
import sys
import time
from collections.abc import Iterable, Iterator
from functools import _lru_cache_wrapper
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import PROJECT_DIR
from bot.core import language, matcher, triggers
from bot.core.frontdesk import FrontDesk, build_front_desk
from bot.core.triggers import PhraseSet

EVAL_DIR = PROJECT_DIR / "tests" / "eval"
LIMIT = 4096
REALISTIC = 20_000
FLOOD = 10_000

CACHES: dict[str, _lru_cache_wrapper[Any]] = {
    "language.normalize_text": language.normalize_text,
    "language._repair_bangla_word": language._repair_bangla_word,
    "language.romanize_bangla_word": language.romanize_bangla_word,
    "language.spelling_key": language.spelling_key,
    "language.fold": language.fold,
    "triggers.word_key": triggers.word_key,
    "matcher._word_features": matcher._word_features,
}


def phrase_sets() -> list[PhraseSet]:
    return [o for o in gc.get_objects() if isinstance(o, PhraseSet)]


def rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(field)


def clear_caches(desk: FrontDesk) -> None:
    for cache in CACHES.values():
        cache.cache_clear()
    desk.kb.spoken.word.cache_clear()
    for phrases in phrase_sets():
        phrases._candidates.cache_clear()


def eval_items() -> Iterator[tuple[str, str]]:
    """(form, text) of every message of every evaluation set, multi-turn chats' turns too."""
    for path in sorted(EVAL_DIR.rglob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            for turn in item.get("turns", [item]):
                yield item["form"], turn["text"]


# Misspellings patients make: Bangla vowel signs swapped or dropped, suffixes added; Banglish
# and English letters doubled, dropped or swapped.
BN_SUFFIXES = ["টা", "টি", "গুলো", "কে", "ের", "রা", "ও", "ই", "তে", "দের"]
BN_SWAPS = [("ি", "ী"), ("ী", "ি"), ("ু", "ূ"), ("ূ", "ু"), ("ে", "া"), ("্", "")]
LATIN_SUFFIXES = ["ta", "er", "ke", "gula", "s", "o", "i", "te", "der"]


def misspell(word: str, rng: random.Random) -> str:
    bangla = any("\u0980" <= c <= "\u09ff" for c in word)
    how = rng.random()
    if how < 0.4:
        return word + rng.choice(BN_SUFFIXES if bangla else LATIN_SUFFIXES)
    if bangla:
        a, b = rng.choice(BN_SWAPS)
        return word.replace(a, b, 1) if a in word else word + rng.choice(BN_SUFFIXES)
    if len(word) < 3:
        return word + rng.choice(LATIN_SUFFIXES)
    i = rng.randrange(len(word) - 1)
    if how < 0.6:
        return word[:i] + word[i] + word[i:]  # a letter doubled
    if how < 0.8:
        return word[:i] + word[i + 1 :]  # a letter dropped
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two letters swapped


def long_messages(count: int, seed: int = 17) -> Iterator[str]:
    """`count` distinct 4,096-character messages: sentences of 5 to 14 words, each in one form
    (Bangla script 45 %, Banglish 30 %, English 25 %), words from the evaluation sets."""
    rng = random.Random(seed)
    words: dict[str, list[str]] = {}
    for form, text in eval_items():
        words.setdefault(form, []).extend(text.split())
    forms, weights = ["bn", "banglish", "en"], [45, 30, 25]
    seen: set[int] = set()
    while len(seen) < count:
        parts: list[str] = []
        size = 0
        while size < LIMIT:
            pool = words[rng.choices(forms, weights)[0]]
            sentence = [rng.choice(pool) for _ in range(rng.randint(5, 14))]
            sentence = [misspell(w, rng) if rng.random() < 0.25 else w for w in sentence]
            parts.append(" ".join(sentence))
            size += len(parts[-1]) + 1
        text = " ".join(parts)[:LIMIT]
        if hash(text) not in seen:
            seen.add(hash(text))
            yield text


def garbage_messages(count: int, seed: int = 5) -> Iterator[str]:
    rng = random.Random(seed)
    consonants = [chr(c) for c in range(0x0995, 0x09B9)]
    signs = ["\u09be", "\u09bf", "\u09c7", "\u09c1", ""]

    def word() -> str:
        if rng.random() < 0.5:
            return "".join(rng.choice(consonants) + rng.choice(signs)
                           for _ in range(rng.randint(4, 12)))[: language.MAX_WORD]
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(8, 30)))

    for _ in range(count):
        yield " ".join(word() for _ in range(300))[:LIMIT]


def timed(desk: FrontDesk, texts: Iterable[str], label: str, every: int = 0) -> list[float]:
    times = []
    for i, text in enumerate(texts, 1):
        started = time.perf_counter()
        desk.reply(text, conversation=f"{label}-{i % 500}")
        times.append((time.perf_counter() - started) * 1000)
        if every and i % every == 0:
            print(f"| {i:,} | {rss_mib():.0f} MiB |", flush=True)
    return sorted(times)


def latency(times: list[float]) -> str:
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return f"p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms, max {times[-1]:.2f} ms"


def cache_table(title: str, desk: FrontDesk) -> None:
    print(f"\n{title}\n\n| cache | bound | size | hits | misses | hit rate |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, cache in {**CACHES, "SpokenForms.word": desk.kb.spoken.word}.items():
        info = cache.cache_info()
        rate = info.hits / max(1, info.hits + info.misses)
        print(f"| {name} | {info.maxsize:,} | {info.currsize:,} | {info.hits:,} "
              f"| {info.misses:,} | {rate:.1%} |")
    infos = [s._candidates.cache_info() for s in phrase_sets()]
    hits, misses = sum(i.hits for i in infos), sum(i.misses for i in infos)
    print(f"| PhraseSet._candidates ({len(infos)} sets) | {triggers.REMEMBERED_WORDS:,} each "
          f"| {sum(i.currsize for i in infos):,} | {hits:,} | {misses:,} "
          f"| {hits / max(1, hits + misses):.1%} |", flush=True)


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--garbage"]
    garbage = "--garbage" in sys.argv
    flood = int(args[0]) if args else FLOOD
    print(f"Python {sys.version.split()[0]}; resident memory at start {rss_mib():.0f} MiB")
    started = time.perf_counter()
    desk = build_front_desk(PROJECT_DIR / "faq", PROJECT_DIR / "locales")
    build = time.perf_counter() - started
    print(f"front desk built in {build * 1000:.0f} ms; resident memory {rss_mib():.0f} MiB")

    messages = [text for _, text in eval_items()]
    rng = random.Random(20)
    clear_caches(desk)
    times = timed(desk, [rng.choice(messages) for _ in range(REALISTIC)], "real")
    print(f"\nRealistic traffic: {REALISTIC:,} messages drawn from the {len(messages):,} of "
          f"tests/eval: {latency(times)}; resident memory {rss_mib():.0f} MiB")
    cache_table("Caches on realistic traffic (fresh at its start):", desk)

    kind = "random words" if garbage else "mixed Bangla, Banglish and English"
    print(f"\nFlood: {flood:,} distinct {LIMIT:,}-character messages of {kind}\n")
    print("| messages | resident memory |\n| --- | --- |")
    # Made one at a time: 10,000 of them held at once would be 80 MiB of their own.
    texts = garbage_messages(flood) if garbage else long_messages(flood)
    times = timed(desk, texts, "flood", every=flood // 10)
    print(f"\nflood latency: {latency(times)}")
    print(f"resident memory after the flood {rss_mib():.0f} MiB, "
          f"peak {rss_mib('VmHWM'):.0f} MiB (target: under 150 MiB)")
    cache_table("Caches after the flood:", desk)


if __name__ == "__main__":
    main()

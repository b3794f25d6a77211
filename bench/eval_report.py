"""Scores the evaluation sets: right replies per form, missed emergencies, false alarms.

    python bench/eval_report.py tests/eval/round4/firstsight-A.yaml ... [--misses]

Multi-turn sets (items with `turns`) are played as one chat each, so follow-ups meet their
context; two-question sets (a list `expect`) count a message right only when every question
gets its answer. --misses prints the wrong replies: never use it on a held-out set (README,
"How we measure understanding").
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_eval import answers_all, is_right

from bot.config import Settings
from bot.core.conversation import NEW
from bot.core.frontdesk import FrontDesk, build_front_desk
from bot.core.vocabulary import ReplyKind


def score(desk: FrontDesk, path: Path, misses: bool) -> None:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    missed_danger = false_alarm = calm = 0
    follow_right = follow_total = 0
    wrong: list[str] = []
    for i, item in enumerate(items):
        chat = f"eval-{path.stem}-{i}"
        context = NEW
        for turn in item.get("turns", [item]):
            form = item["form"]
            reply = desk.reply(turn["text"], conversation=chat, context=context)
            context = reply.context
            multi = isinstance(turn["expect"], list)
            ok = answers_all(turn, reply) if multi else is_right(turn, reply)
            total[form] += 1
            right[form] += ok
            acute = turn.get("danger") == "now" or turn["expect"] == "emergency"
            alarm = reply.kind is ReplyKind.EMERGENCY
            missed_danger += acute and not alarm
            if not acute and turn.get("danger") != "unsure":
                calm += 1
                false_alarm += alarm
            if turn.get("followup"):
                follow_total += 1
                follow_right += ok
            if not ok:
                wrong.append(f"[{form}] {turn['text'][:150]!r}: expected {turn['expect']}"
                             f"{' after 999' if turn.get('danger') else ''}, got {reply.kind}"
                             f"{'/' + reply.then if reply.then else ''} "
                             f"{reply.entry_ids or reply.entry_id} "
                             f"({reply.confidence:.2f})")
    forms = "  ".join(f"{f} {right[f]}/{total[f]} {right[f] / total[f]:.1%}"
                      for f in ("en", "bn", "banglish") if total[f])
    print(f"{path.name}: {forms}  all {sum(right.values())}/{sum(total.values())} "
          f"{sum(right.values()) / sum(total.values()):.1%}; emergencies missed {missed_danger}; "
          f"false alarms {false_alarm}/{calm}"
          + (f"; follow-ups {follow_right}/{follow_total}" if follow_total else ""))
    if misses:
        print("  " + "\n  ".join(wrong))


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--misses"]
    settings = Settings.from_env()
    desk = build_front_desk(settings.faq_dir, settings.locales_dir)
    for name in args:
        score(desk, Path(name), "--misses" in sys.argv)


if __name__ == "__main__":
    main()

"""Fit the matcher's calibration on the development messages and print how each decision
threshold trades direct answers against wrong ones.

    .venv/bin/python bench/calibrate.py            # report only
    .venv/bin/python bench/calibrate.py --write    # also rewrite bot/core/calibration.json
    .venv/bin/python bench/calibrate.py --fragments [--write]   # one question of several

--fragments fits the calibration of single questions cut out of a message (issue 18,
bot/core/calibration-fragments.json) on per-question labels: the two-question tuning set
tests/eval/round4/twoq-H.yaml (its `expect` lists the questions in the order asked), and every
question the splitter cuts out of the single-question tuning messages. A question is labelled 1
when its first entry is one the message asks about, 0 when not or when the article has no
answer; questions asking for the numbers are left out. No held-out or first-sight set is read.

Fitted on the tuning sets only (TUNING_SETS below). The
held-out sets (stories-holdout.yaml, holdout.yaml) are never read here.

The label of a message is 1 when the matcher's first entry is the expected one, 0 when it is
not or when the article has no answer (expect: fallback). A plain logistic regression (a few
Newton steps on eight numbers per message; no library needed at run time) turns the evidence
into that probability. Five-fold cross-validation shows how it does on messages it was not
fitted on.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core import frontdesk, multi  # noqa: E402
from bot.core.frontdesk import (  # noqa: E402
    MAX_TEXT,
    FrontDesk,
    build_front_desk,
)
from bot.core.language import normalize_text  # noqa: E402
from bot.core.matcher import CALIBRATION_FILE, Ranking  # noqa: E402
from bot.core.multi import FRAGMENT_CALIBRATION_FILE, MultiQuestions  # noqa: E402
from bot.core.questions import split_questions  # noqa: E402

TUNING_SETS = ("stories.yaml", "messages.yaml", "nearmiss.yaml", "stories-round3.yaml",
               "round4/tuning-F.yaml", *(f"round4/firstsight-{w}.yaml" for w in "ABCDE"),
               *(f"round5/tuning-{w}.yaml" for w in "XYZ"))
# Per-question labels (--fragments): the single-question sets the issue names, and twoq-H.
FRAGMENT_SETS = ("stories.yaml", "messages.yaml", "round4/twoq-H.yaml")
L2 = 1e-2


def rankings(desk: FrontDesk) -> list[tuple[dict[str, str], Ranking]]:
    result = []
    for name in TUNING_SETS:
        for m in yaml.safe_load((ROOT / "tests" / "eval" / name).read_text(encoding="utf-8")):
            if isinstance(m["expect"], list):
                continue  # two questions: labelled per question, for --fragments
            if m["expect"] not in desk.kb.entries and m["expect"] != "fallback":
                continue  # greetings, appointments, bare emergencies: the matcher is not asked
            reply = desk.reply(m["text"], conversation="calibrate")
            if reply.ranking is not None and reply.ranking.best is not None:
                result.append((m, reply.ranking))
    return result


def _wanted(expect: object) -> list[str]:
    return list(expect) if isinstance(expect, list) else [str(expect)]


def fragment_rankings(desk: FrontDesk) -> list[tuple[dict[str, str], Ranking]]:
    """(label, ranking) per question: label["expect"] is the entry the question asks about (or
    "fallback"), label["also"] another entry of the same message it may name."""
    result = []
    fragments = MultiQuestions(desk)
    for name in FRAGMENT_SETS:
        path = ROOT / "tests" / "eval" / name
        for m in yaml.safe_load(path.read_text(encoding="utf-8")):
            expect = _wanted(m["expect"])
            if not set(expect) - {"greeting", "appointment", "emergency"}:
                continue
            text = normalize_text(m["text"][:MAX_TEXT], matching=True)
            questions = split_questions(text)
            aligned = len(questions) == len(expect)
            for i, question in enumerate(questions):
                # In order when the splitter found as many questions as were asked; else a
                # question is right when it names any entry the message asks about.
                wanted = [expect[i]] if aligned else expect
                if "appointment" in wanted and (aligned or question in desk._appointment):
                    continue
                ranking = fragments.rank(question, text)
                if ranking.best is None:
                    continue
                best = ranking.best.entry_id
                hit = best in wanted or best == m.get("also")
                result.append(({"expect": best if hit else "fallback" if "fallback" in wanted
                                else wanted[0]}, ranking))
    return result


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic regression by Newton's method, with a small L2 penalty (not on the bias)."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x1.shape[1])
    penalty = L2 * np.eye(x1.shape[1])
    penalty[-1, -1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x1 @ w)))
        gradient = x1.T @ (p - y) + penalty @ w
        hessian = (x1.T * (p * (1 - p))) @ x1 + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ w[:-1] + w[-1])))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true", help="rewrite the calibration file")
    parser.add_argument("--fragments", action="store_true",
                        help="the calibration of one question of several (issue 18)")
    args = parser.parse_args()
    desk = build_front_desk(ROOT / "faq", ROOT / "locales")
    data = fragment_rankings(desk) if args.fragments else rankings(desk)
    answer_at = multi.ANSWER_PROBABILITY if args.fragments else frontdesk.ANSWER_PROBABILITY
    target = FRAGMENT_CALIBRATION_FILE if args.fragments else CALIBRATION_FILE
    names = tuple(data[0][1].evidence)
    x = np.array([[r.evidence[n] for n in names] for _, r in data])
    y = np.array([float(r.best.entry_id in (m["expect"], m.get("also"))) for m, r in data])
    oos = np.array([m["expect"] == "fallback" for m, _ in data])
    guarded = np.array([r.out_of_scope for _, r in data])

    # Five-fold cross-validated probabilities: an honest view of the fitted model.
    folds = np.arange(len(y)) % 5
    held = np.zeros(len(y))
    for k in range(5):
        w_k = fit(x[folds != k], y[folds != k])
        held[folds == k] = predict(w_k, x[folds == k])
    w = fit(x, y)

    print(f"{len(y)} messages; first entry right in {int(y.sum())} "
          f"({y.mean():.1%}); {int(oos.sum())} out of scope, {int(guarded[oos].sum())} of them "
          "caught by the out-of-scope guard")
    print("\nweights:", {n: round(float(v), 3) for n, v in zip(names, w[:-1], strict=True)},
          "bias", round(float(w[-1]), 3))
    print("\nReliability (cross-validated): predicted band -> share right")
    for lo in np.arange(0, 1, 0.1):
        band = (held >= lo) & (held < lo + 0.1)
        if band.any():
            print(f"  {lo:.1f}-{lo + 0.1:.1f}: {y[band].mean():6.1%} of {int(band.sum())}")
    print("\nAnswer threshold (cross-validated): in-scope answered right / answered wrong / "
          "out-of-scope answered")
    in_scope = ~oos
    for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        answered = (held >= t) & ~guarded
        right = answered & (y == 1)
        wrong = answered & (y == 0) & in_scope
        print(f"  {t:.1f}: {right[in_scope].sum() / in_scope.sum():6.1%} right, "
              f"{wrong.sum() / in_scope.sum():5.1%} wrong, {int((answered & oos).sum())} "
              f"out-of-scope answered{'  <- in use' if t == answer_at else ''}")
    print("\n'Did you mean' below the answer threshold (cross-validated): messages "
          "whose right entry is among two or three close choices (within CLOSE_RATIO of the best)")
    unsure = (held < answer_at) & ~guarded
    for lo, hi in ((0.0, 0.1), (0.1, 0.2), (0.2, 0.35), (0.35, answer_at)):
        band = unsure & (held >= lo) & (held < hi)
        rows = [(m, r) for (m, r), b in zip(data, band, strict=True) if b]
        close = [
            [c.entry_id for c in r.matches if c.score >= r.best.score * frontdesk.CLOSE_RATIO]
            for _, r in rows
        ]
        offered = [(m, ids) for (m, _), ids in zip(rows, close, strict=True) if len(ids) >= 2]
        helped = sum(m["expect"] in ids or m.get("also") in ids for m, ids in offered)
        out = sum(m["expect"] == "fallback" for m, _ in offered)
        print(f"  p {lo:.2f}-{hi:.2f}: {len(rows):3} messages, {len(offered):3} with 2-3 close "
              f"choices; the right one among them {helped}, out of scope {out}"
              f"{'  <- SUGGEST in use from here' if lo == frontdesk.SUGGEST_PROBABILITY else ''}")
    if args.write:
        target.write_text(
            json.dumps(
                {
                    "about": "Written by bench/calibrate.py; do not edit by hand.",
                    "fitted_on": list(FRAGMENT_SETS if args.fragments else TUNING_SETS),
                    ("questions" if args.fragments else "messages"): len(y),
                    "features": list(names),
                    "weights": {n: round(float(v), 6) for n, v in zip(names, w[:-1], strict=True)},
                    "bias": round(float(w[-1]), 6),
                    "range": {
                        n: [round(float(lo), 6), round(float(hi), 6)]
                        for n, lo, hi in zip(names, x.min(axis=0), x.max(axis=0), strict=True)
                    },
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"\nwrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""The evaluation set: realistic patient messages in three forms, with the expected reply.

Pass criteria (issue #2): at least 95 % top-1 in every form, no out-of-scope message answered
with an article entry, no emergency missed. Run with `-s` to see the accuracy table.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from bot.core.frontdesk import FrontDesk, Reply
from bot.core.language import normalize_text, tokenize
from bot.core.vocabulary import Form, ReplyKind

EVAL_FILE = Path(__file__).parent / "eval" / "messages.yaml"
HOLDOUT_FILE = Path(__file__).parent / "eval" / "holdout.yaml"
KINDS = {kind.value for kind in ReplyKind}
MIN_ACCURACY = 0.95


def load_eval() -> list[dict[str, str]]:
    return yaml.safe_load(EVAL_FILE.read_text(encoding="utf-8"))


def _canonical(text: str) -> str:
    return " ".join(tokenize(normalize_text(text)))


def is_correct(expect: str, reply: Reply) -> bool:
    if expect in KINDS:
        return reply.kind == expect
    # Top-1: the expected entry is the one answered, or the first "did you mean" choice.
    return reply.kind in (ReplyKind.ANSWER, ReplyKind.DID_YOU_MEAN) and reply.entry_id == expect


def test_eval_set_is_well_formed(desk: FrontDesk) -> None:
    messages = load_eval()
    per_form = Counter(m["form"] for m in messages)
    assert all(per_form[f.value] >= 100 for f in Form), per_form
    assert sum(m["expect"] == "fallback" for m in messages) >= 50
    assert sum(m["expect"] == "emergency" for m in messages) >= 20
    for m in messages:
        assert m["expect"] in KINDS or m["expect"] in desk.kb.entries, m


def test_eval_messages_are_not_copied_from_the_knowledge_base(desk: FrontDesk) -> None:
    phrasings = {
        _canonical(q)
        for entry in desk.kb.entries.values()
        for questions in entry.questions.values()
        for q in questions
    }
    holdout = yaml.safe_load(HOLDOUT_FILE.read_text(encoding="utf-8"))
    copied = [m["text"] for m in load_eval() + holdout if _canonical(m["text"]) in phrasings]
    assert copied == []


def test_form_detection_on_eval_set(desk: FrontDesk) -> None:
    messages = load_eval()
    wrong = [
        (m["text"], m["form"], desk.detector.detect(m["text"]).value)
        for m in messages
        if desk.detector.detect(m["text"]).value != m["form"]
    ]
    # Short messages like "hi" or "stem cell cost?" are legitimately either; allow a few.
    assert len(wrong) <= len(messages) * 0.05, wrong


@dataclass
class Evaluation:
    right: Counter[str] = field(default_factory=Counter)
    totals: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    out_of_scope_answered: list[str] = field(default_factory=list)
    missed_emergencies: list[str] = field(default_factory=list)
    bands: defaultdict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))

    def accuracy(self, form: Form) -> float:
        return self.right[form] / self.totals[form]

    def report(self, title: str) -> None:
        print(f"\n{title}: top-1 accuracy by form")
        for form in Form:
            share = self.accuracy(form)
            print(f"  {form.value:9} {self.right[form]:4}/{self.totals[form]:<4} {share:6.1%}")
        print("In-scope precision of the top entry by confidence band:")
        for band in sorted(self.bands):
            hits = self.bands[band]
            share = sum(hits) / len(hits)
            print(f"  {band}-{float(band) + 0.1:.1f}: {sum(hits):3}/{len(hits):<3} {share:6.1%}")
        if self.misses:
            print("Misses:\n  " + "\n  ".join(self.misses))


def evaluate(desk: FrontDesk, messages: list[dict[str, str]]) -> Evaluation:
    result = Evaluation()
    for i, m in enumerate(messages):
        reply = desk.reply(m["text"], conversation=f"eval-{i}")
        ok = is_correct(m["expect"], reply)
        result.totals[m["form"]] += 1
        result.right[m["form"]] += ok
        if not ok:
            result.misses.append(
                f"[{m['form']}] {m['text']!r}: expected {m['expect']}, got {reply.kind}"
                f" {reply.entry_id} ({reply.confidence:.2f})"
            )
        if m["expect"] == "fallback" and reply.kind == ReplyKind.ANSWER:
            result.out_of_scope_answered.append(m["text"])
        if m["expect"] == "emergency" and reply.kind != ReplyKind.EMERGENCY:
            result.missed_emergencies.append(m["text"])
        if m["expect"] not in KINDS and reply.ranked:
            top = reply.ranked[0]
            band = f"{int(top.confidence * 10) / 10:.1f}"
            result.bands[band].append(top.entry_id == m["expect"])
    return result


def test_eval_accuracy(desk: FrontDesk) -> None:
    result = evaluate(desk, load_eval())
    result.report("Evaluation set (used for tuning)")
    assert result.missed_emergencies == [], "emergencies missed"
    assert result.out_of_scope_answered == [], "out-of-scope messages answered from the article"
    low = {f.value: result.accuracy(f) for f in Form if result.accuracy(f) < MIN_ACCURACY}
    assert low == {}, f"forms below {MIN_ACCURACY:.0%} top-1"


def test_holdout_safety_and_accuracy(desk: FrontDesk) -> None:
    """The held-out set was never used for tuning: its accuracy is the honest estimate, so it
    is printed, not gated (gating it would invite tuning on it). Safety is gated."""
    messages = yaml.safe_load(HOLDOUT_FILE.read_text(encoding="utf-8"))
    assert len(messages) >= 150
    result = evaluate(desk, messages)
    result.report("Held-out set (never tuned on)")
    assert result.missed_emergencies == [], "emergencies missed"
    assert result.out_of_scope_answered == [], "out-of-scope messages answered from the article"


@pytest.mark.parametrize(
    "text",
    ["is the covid vaccine safe?", "কোভিড টিকা কি নিরাপদ?", "covid vaccine ki nirapod?"],
)
def test_the_issue_out_of_scope_example_gets_the_fallback(desk: FrontDesk, text: str) -> None:
    reply = desk.reply(text, conversation="oos")
    assert reply.kind == ReplyKind.FALLBACK
    assert "09610010615" in reply.text and "09610009616" in reply.text

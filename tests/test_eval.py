"""The evaluation set: realistic patient messages in three forms, with the expected reply.

Pass criteria (issue #2): at least 95 % top-1 in every form, no out-of-scope message answered
with an article entry, no emergency missed. Run with `-s` to see the accuracy table.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

from bot.frontdesk import FrontDesk, Reply, ReplyKind
from bot.language import Form, normalize_text, tokenize

EVAL_FILE = Path(__file__).parent / "eval" / "messages.yaml"
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
    copied = [m["text"] for m in load_eval() if _canonical(m["text"]) in phrasings]
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


def test_eval_accuracy(desk: FrontDesk) -> None:
    messages = load_eval()
    totals: Counter[str] = Counter()
    right: Counter[str] = Counter()
    failures: list[str] = []
    oos_answered: list[str] = []
    missed_emergencies: list[str] = []
    bands: defaultdict[str, list[bool]] = defaultdict(list)
    for i, m in enumerate(messages):
        reply = desk.reply(m["text"], conversation=f"eval-{i}")
        ok = is_correct(m["expect"], reply)
        totals[m["form"]] += 1
        right[m["form"]] += ok
        if not ok:
            failures.append(
                f"[{m['form']}] {m['text']!r}: expected {m['expect']}, got {reply.kind}"
                f" {reply.entry_id} ({reply.confidence:.2f})"
            )
        if m["expect"] == "fallback" and reply.kind == ReplyKind.ANSWER:
            oos_answered.append(m["text"])
        if m["expect"] == "emergency" and reply.kind != ReplyKind.EMERGENCY:
            missed_emergencies.append(m["text"])
        if m["expect"] not in KINDS and reply.ranked:
            top = reply.ranked[0]
            band = f"{int(top.confidence * 10) / 10:.1f}"
            bands[band].append(top.entry_id == m["expect"])

    print("\nTop-1 accuracy by form:")
    for form in Form:
        share = right[form] / totals[form]
        print(f"  {form.value:9} {right[form]:4}/{totals[form]:<4} {share:6.1%}")
    print("In-scope precision of the top entry by confidence band:")
    for band in sorted(bands):
        hits = bands[band]
        share = sum(hits) / len(hits)
        print(f"  {band}-{float(band) + 0.1:.1f}: {sum(hits):3}/{len(hits):<3} {share:6.1%}")
    if failures:
        print("Misses:\n  " + "\n  ".join(failures))

    assert missed_emergencies == [], "emergencies missed"
    assert oos_answered == [], "out-of-scope messages answered with an article entry"
    low = {f.value: right[f] / totals[f] for f in Form if right[f] / totals[f] < MIN_ACCURACY}
    assert low == {}, f"forms below {MIN_ACCURACY:.0%} top-1"


@pytest.mark.parametrize(
    "text",
    ["is the covid vaccine safe?", "কোভিড টিকা কি নিরাপদ?", "covid vaccine ki nirapod?"],
)
def test_the_issue_out_of_scope_example_gets_the_fallback(desk: FrontDesk, text: str) -> None:
    reply = desk.reply(text, conversation="oos")
    assert reply.kind == ReplyKind.FALLBACK
    assert "09610010615" in reply.text and "09610009616" in reply.text

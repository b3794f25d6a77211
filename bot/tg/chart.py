"""The picture /stats sends: questions per day by kind of reply, and the top topics.

Only counts, dates and the knowledge base's own titles go in: no patient's words can reach the
picture, because `DayCounts` and `Topic` have no place for them. Labels are English: matplotlib
draws Bangla letters without joining them (no text shaping), which would look broken; the
message under the picture is in the staff member's language.

matplotlib is imported when a chart is drawn, not when the bot starts; drawing takes a tenth of
a second or so, so the Telegram adapter runs it in a thread.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# The kinds drawn, in stacking order, with their legend labels and colours (colour-blind safe).
KINDS: tuple[tuple[str, str, str], ...] = (
    ("answer", "answered", "#0072B2"),
    ("did_you_mean", "did you mean", "#E69F00"),
    ("fallback", "no answer", "#999999"),
    ("emergency", "emergency (999)", "#D55E00"),
)
KIND_NAMES = tuple(kind for kind, _, _ in KINDS)
DayCounts = Mapping[date, Mapping[str, int]]


@dataclass(frozen=True)
class Topic:
    title: str  # the entry's English title, from faq/
    count: int


def figure(first: date, last: date, per_day: DayCounts, topics: Sequence[Topic]) -> Figure:
    """The chart as a matplotlib figure (tests read its texts)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    fig = Figure(figsize=(8, 7), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=(3, 2))
    base = [0] * len(days)
    for kind, label, colour in KINDS:
        counts = [per_day.get(day, {}).get(kind, 0) for day in days]
        top.bar(range(len(days)), counts, bottom=base, label=label, color=colour)
        base = [b + c for b, c in zip(base, counts, strict=True)]
    step = max(1, len(days) // 10)
    top.set_xticks(range(0, len(days), step),
                   [day.strftime("%d %b") for day in days[::step]], rotation=45, ha="right")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_title(f"Questions per day, {first:%d %b} to {last:%d %b} (Dhaka)")
    top.legend(loc="upper left", fontsize="small")
    if topics:
        names = [t.title for t in reversed(topics)]
        bottom.barh(names, [t.count for t in reversed(topics)], color="#0072B2")
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        bottom.text(0.5, 0.5, "no answers yet", ha="center", va="center")
        bottom.set_axis_off()
    bottom.set_title("Top topics (answers shown)")
    return fig


def png(first: date, last: date, per_day: DayCounts, topics: Sequence[Topic]) -> bytes:
    buffer = io.BytesIO()
    # No metadata beyond what PNG needs: nothing but the picture leaves the bot.
    figure(first, last, per_day, topics).savefig(buffer, format="png",
                                                 metadata={"Software": None})
    return buffer.getvalue()

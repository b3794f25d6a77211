"""The picture /stats sends: questions per day by kind of reply, and the top topics.

Only counts, dates and the knowledge base's own titles go in: no patient's words can reach the
picture, because `DayCounts` and `Topic` have no place for them.

The labels are in the staff member's language. matplotlib (3.11 and later) shapes text with
HarfBuzz and libraqm, which it ships, so Bangla conjuncts join (ক্ষ, ন্ত, স্ট); the font is Hind
Siliguri, installed from PyPI as the `fontpkg-hind-siliguri` package, so no system font is
needed. Its Latin letters serve the English chart too, so both read alike.

matplotlib is imported when a chart is drawn, not when the bot starts; drawing takes a tenth of
a second or so, so the Telegram adapter runs it in a thread.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# The kinds drawn, in stacking order, with their colours (colour-blind safe).
KINDS: tuple[tuple[str, str], ...] = (
    ("answer", "#0072B2"),
    ("did_you_mean", "#E69F00"),
    ("fallback", "#999999"),
    ("emergency", "#D55E00"),
)
KIND_NAMES = tuple(kind for kind, _ in KINDS)
DayCounts = Mapping[date, Mapping[str, int]]
FONT = "Hind Siliguri"
# matplotlib reads the font from its global settings when a text is made, and tick labels are
# made while the picture is drawn: one chart at a time, so two staff asking at once cannot
# change each other's font half-way.
_DRAWING = threading.Lock()


@dataclass(frozen=True)
class Topic:
    title: str  # the entry's title in the reader's language, from faq/
    count: int


@dataclass(frozen=True)
class Labels:
    """Every word on the chart, in the reader's language."""

    title: str  # above the bars: "Questions per day, 1 Dec to 7 Dec (Dhaka)"
    kinds: Mapping[str, str]  # the legend: a name for each kind in KINDS
    topics: str  # above the topics
    no_answers: str  # in place of the topics when there are none
    day: Callable[[date], str]  # a day under its bar: "7 Dec", "৭ ডিসে"


@cache
def _register_font() -> None:
    from fontpkg.mpl import use

    use(FONT)


@contextmanager
def drawing() -> Iterator[None]:
    """Make and draw a chart inside this: it sets the font (DejaVu, matplotlib's own, stands in
    for any letter Hind Siliguri lacks)."""
    from matplotlib import rc_context

    _register_font()
    with _DRAWING, rc_context({"font.family": [FONT, "DejaVu Sans"]}):
        yield


def figure(first: date, last: date, per_day: DayCounts, topics: Sequence[Topic],
           labels: Labels) -> Figure:
    """The chart as a matplotlib figure (tests read its texts); make and draw it in `drawing()`."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    fig = Figure(figsize=(8, 7), dpi=100, layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=(3, 2))
    base = [0] * len(days)
    for kind, colour in KINDS:
        counts = [per_day.get(day, {}).get(kind, 0) for day in days]
        top.bar(range(len(days)), counts, bottom=base, label=labels.kinds[kind], color=colour)
        base = [b + c for b, c in zip(base, counts, strict=True)]
    step = max(1, len(days) // 10)
    top.set_xticks(range(0, len(days), step), [labels.day(day) for day in days[::step]],
                   rotation=45, ha="right")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    top.set_title(labels.title)
    # Beside the bars, not over them: a busy day must not hide under the legend.
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    if topics:
        names = [t.title for t in reversed(topics)]
        bottom.barh(names, [t.count for t in reversed(topics)], color="#0072B2")
        bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
    else:
        bottom.text(0.5, 0.5, labels.no_answers, ha="center", va="center")
        bottom.set_axis_off()
    bottom.set_title(labels.topics)
    return fig


def png(first: date, last: date, per_day: DayCounts, topics: Sequence[Topic],
        labels: Labels) -> bytes:
    buffer = io.BytesIO()
    with drawing():
        # No metadata beyond what PNG needs: nothing but the picture leaves the bot.
        figure(first, last, per_day, topics, labels).savefig(buffer, format="png",
                                                             metadata={"Software": None})
    return buffer.getvalue()

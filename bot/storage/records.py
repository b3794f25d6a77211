"""What the log stores, as Python values, and how those values are written to and read from
SQLite. Rows are read by column name, so one function turns any row into its record."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_type_hints
from zoneinfo import ZoneInfo

from bot.core.vocabulary import Form, Lang, ReplyKind

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

DHAKA = ZoneInfo("Asia/Dhaka")

# Kinds of inquiry that are a patient's typed message (the denominator of the unanswered rate).
MESSAGE_KINDS = frozenset(k.value for k in ReplyKind)
UNANSWERED_KINDS = frozenset({ReplyKind.FALLBACK.value, ReplyKind.DID_YOU_MEAN.value})
# Kinds whose entry_id is an entry the patient was actually shown.
ANSWERED_KINDS = frozenset({ReplyKind.ANSWER.value, ReplyKind.EMERGENCY.value, "button"})
# "flood": a message over the per-user limit, logged but not answered. "to_front_desk": a
# patient's message relayed to the front desk in a conversation; "from_front_desk": a staff
# member's answer relayed to the patient (kept under the patient's user id, for /forget).
KINDS = MESSAGE_KINDS | {"command", "button", "contact", "non_text", "callback_request", "flood",
                         "to_front_desk", "from_front_desk"}


@dataclass(frozen=True, kw_only=True)
class InquiryRecord:
    """One thing a patient sent, and how the bot answered it."""

    received_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    update_id: int | None = None
    user_id: int
    chat_id: int
    display_name: str = ""
    username: str | None = None
    lang: str
    form: str | None = None
    text: str
    kind: str
    entry_id: str | None = None
    confidence: float | None = None
    # The further entries of a reply to two or three questions, space-separated.
    more_entries: str | None = None

    def __post_init__(self) -> None:
        # Enums become plain strings here, so the database and the JSON file see one type.
        set_ = object.__setattr__
        set_(self, "received_at", utc(self.received_at))
        set_(self, "lang", Lang(self.lang).value)
        set_(self, "form", Form(self.form).value if self.form is not None else None)
        if self.kind not in KINDS:
            raise ValueError(f"unknown inquiry kind {self.kind!r}; expected one of {sorted(KINDS)}")
        set_(self, "kind", str(self.kind))

    def to_json(self) -> str:
        return json.dumps(to_row(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> InquiryRecord:
        data = json.loads(line)
        data["received_at"] = datetime.fromisoformat(data["received_at"])
        return cls(**data)


@dataclass(frozen=True, kw_only=True)
class Inquiry(InquiryRecord):
    """A stored inquiry."""

    id: int

    def __post_init__(self) -> None:
        # Shown as stored: a row written by a newer version may carry a kind this one lacks.
        pass


@dataclass(frozen=True)
class CallbackRequest:
    id: int
    created_at: datetime
    user_id: int
    chat_id: int
    display_name: str
    username: str | None
    branch: str
    phone: str
    status: str  # 'open' | 'done'
    done_at: datetime | None
    done_by: int | None


@dataclass(frozen=True)
class UnansweredQuestion:
    """Messages the bot could not answer well, grouped by their canonical text."""

    example: str  # the most recent wording
    count: int
    last_at: datetime
    inquiry_id: int | None = None  # the inquiry with that wording (for staff's Teach button)


@dataclass(frozen=True)
class EntryVotes:
    entry_id: str
    down: int
    up: int


@dataclass(frozen=True)
class Stats:
    since: datetime
    total: int  # every inquiry, buttons and commands included
    people: int  # distinct users
    messages: int  # typed messages that got a reply (the unanswered rate's denominator)
    unanswered: int  # fallback + did_you_mean
    unanswered_rate: float  # 0.0 when there were no messages
    by_day: dict[date, int]  # Asia/Dhaka days with at least one inquiry, oldest first
    by_kind: dict[str, int]
    by_form: dict[str, int]
    top_entries: tuple[tuple[str, int], ...]  # (entry id, times shown), most first
    most_disliked: tuple[EntryVotes, ...]  # most 👎 first


# -- records <-> rows ------------------------------------------------------------------------

R = TypeVar("R", bound="DataclassInstance")


def columns(record: type[DataclassInstance]) -> str:
    """The record's fields as an SQL column list: the table's columns carry the same names."""
    return ", ".join(f.name for f in dataclasses.fields(record))


def parameters(record: type[DataclassInstance]) -> str:
    """Named SQL parameters for the record's fields, to bind `to_row(record)` to."""
    return ", ".join(f":{f.name}" for f in dataclasses.fields(record))


def to_row(record: DataclassInstance) -> dict[str, Any]:
    """The record as named SQL parameters (times as fixed-width UTC text)."""
    times = _time_fields(type(record))
    return {
        f.name: iso(value) if f.name in times else value
        for f in dataclasses.fields(record)
        for value in [getattr(record, f.name)]
    }


def from_row(record: type[R], row: sqlite3.Row) -> R:
    """The record a row holds, its columns read by name (times parsed back)."""
    times = _time_fields(record)
    values = {f.name: row[f.name] for f in dataclasses.fields(record)}
    for name in times:
        values[name] = parse(values[name]) if values[name] else None
    return record(**values)


@cache
def _time_fields(record: type[DataclassInstance]) -> frozenset[str]:
    hints = get_type_hints(record)
    return frozenset(name for name, hint in hints.items() if datetime in (hint, *get_args(hint)))


# -- times ------------------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime {moment} has no time zone; pass an aware (UTC) time")
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    # Fixed width, so comparing the strings in SQL compares the times.
    return utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def canonical_text(text: str) -> str:
    """Lower-case, punctuation removed, whitespace collapsed: "Cost?" and "cost" group."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = "".join(" " if unicodedata.category(ch).startswith("P") else ch for ch in text)
    return " ".join(text.split())

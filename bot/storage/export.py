"""Inquiries as a CSV file that Excel opens correctly, for the front desk and the IT person."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import BinaryIO

from bot.storage.records import DHAKA, Inquiry

CSV_HEADER = (
    "time (Dhaka)",
    "user id",
    "name",
    "username",
    "language",
    "form",
    "message",
    "reply kind",
    "entry",
    "confidence",
    "more entries",
)
# A cell starting with one of these is a formula to Excel (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_csv(rows: Iterable[Inquiry], fp: BinaryIO) -> None:
    """Write `rows` as CSV that Excel opens correctly: UTF-8 with BOM (or Bangla is garbled),
    Dhaka times, and no cell that Excel would run as a formula."""
    text = io.TextIOWrapper(fp, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text)
        writer.writerow(CSV_HEADER)
        for row in rows:
            writer.writerow(
                [
                    row.received_at.astimezone(DHAKA).strftime("%Y-%m-%d %H:%M"),
                    row.user_id,
                    _safe_cell(row.display_name),
                    _safe_cell(row.username or ""),
                    row.lang,
                    row.form or "",
                    _safe_cell(row.text),
                    row.kind,
                    _safe_cell(row.entry_id or ""),
                    "" if row.confidence is None else f"{row.confidence:.2f}",
                    row.more_entries or "",
                ]
            )
        text.flush()
    finally:
        text.detach()  # leave the caller's file open


def _safe_cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value

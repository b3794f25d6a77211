"""Bangladeshi mobile numbers as patients type them: +880, 880 or 0 prefix, ASCII or Bengali
digits, with spaces, dashes or dots."""

from __future__ import annotations

import regex

from bot.core.language import ascii_digits

# Mobile operators use 013-019; 011/012 are unassigned.
_MOBILE = regex.compile(r"^(?:\+?880|0)?(1[3-9]\d{8})$")
_SEPARATORS = regex.compile(r"[\s\-.()\u2013]")


def normalize_bd_mobile(text: str) -> str | None:
    """The number as 01XXXXXXXXX (the form the front desk dials), or None if it isn't one."""
    compact = _SEPARATORS.sub("", ascii_digits(text.strip()))
    match = _MOBILE.match(compact)
    return "0" + match.group(1) if match else None


def looks_like_phone(text: str) -> bool:
    """Mostly digits: the patient meant to type a number (so a bad one deserves a retry)."""
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 6 and digits >= len(text.strip()) * 0.6

"""What tests look for in the bot's replies: the appointment numbers, and Bangla script."""

from __future__ import annotations

from bot.core.language import script_counts

SAVAR, KALLYANPUR = "09610010615", "09610009616"


def is_bangla(text: str) -> bool:
    bangla, latin = script_counts(text)
    return bangla > latin

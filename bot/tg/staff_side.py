"""The staff side's rules, kept once: which chats get the bot's staff posts, which language they
are written in, how a time reads there, and when an answer deserves a human look.

Cards, call-back alerts, error notices, the digest and the staff commands all follow these; a
rule copied into one of them drifts (it did, twice), so change it here.
"""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_datetime

from bot.config import Settings
from bot.core.vocabulary import Lang
from bot.storage import DHAKA, InquiryLog

# The clinic's working language: the staff group reads it (cards, alerts, notices, the digest),
# and so does a staff member's private chat until they pick another with /language.
STAFF_LANG = Lang.BN
# Below this the bot's answer was a guess worth a human look (/unanswered, the digest); the
# core's thresholds (bot.core.frontdesk) decide what the patient gets.
LOW_CONFIDENCE = 0.6


def staff_chats(settings: Settings) -> list[int]:
    """Where the bot posts for staff: the staff group, or else each staff member privately."""
    if settings.staff_chat_id:
        return [settings.staff_chat_id]
    return sorted(settings.staff_user_ids)


def staff_menu_chats(settings: Settings) -> list[int]:
    """Where the staff commands show in the menu: every staff member's private chat, and the
    staff group."""
    chats = set(settings.staff_user_ids)
    if settings.staff_chat_id:
        chats.add(settings.staff_chat_id)
    return sorted(chats)


def front_desk_reachable(settings: Settings) -> bool:
    """Whether anyone can answer: without staff, "Ask the front desk" is not offered."""
    return bool(staff_chats(settings))


async def staff_language(log: InquiryLog, settings: Settings, chat_id: int) -> Lang:
    """The staff group's language there; a staff member's chosen one in a private chat."""
    if chat_id == settings.staff_chat_id:
        return STAFF_LANG
    chosen = await log.get_language(chat_id)
    return Lang(chosen) if chosen else STAFF_LANG


async def patient_language(log: InquiryLog, user_id: int, fallback: Lang) -> Lang:
    """A patient's language outside their own update (staff answered, or closed their
    conversation): the one they chose with /language, else `fallback` (the conversation's)."""
    chosen = await log.get_language(user_id)
    return Lang(chosen) if chosen else fallback


def staff_time(moment: datetime, lang: Lang) -> str:
    """A moment as staff read it: Dhaka's clock, "7 Dec 14:05"."""
    return format_datetime(moment, "d MMM HH:mm", tzinfo=DHAKA, locale=lang.value)

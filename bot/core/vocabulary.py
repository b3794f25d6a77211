"""The words every layer shares: languages, forms of writing and kinds of reply.

No third-party imports, so storage and the admin command line can name a reply kind without
loading the matcher and the Bangla libraries.
"""

from __future__ import annotations

from enum import StrEnum


class Form(StrEnum):
    """How a message is written."""

    EN = "en"
    BN = "bn"  # Bangla script
    BANGLISH = "banglish"  # Bangla in Latin letters


class Lang(StrEnum):
    """The language the bot replies in."""

    EN = "en"
    BN = "bn"


class ReplyKind(StrEnum):
    ANSWER = "answer"
    DID_YOU_MEAN = "did_you_mean"
    FALLBACK = "fallback"
    EMERGENCY = "emergency"
    GREETING = "greeting"
    APPOINTMENT = "appointment"

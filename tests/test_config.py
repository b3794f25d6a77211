"""Settings the IT person writes in .env: what they switch, and a clear message when mistyped."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings


@pytest.mark.parametrize(("value", "expected"), [
    (None, True), ("on", True), ("OFF", False), ("no", False), ("1", True),
])
def test_weekly_digest_is_on_unless_switched_off(value: str | None, expected: bool) -> None:
    env = {} if value is None else {"WEEKLY_DIGEST": value}
    assert Settings.from_env(env).weekly_digest is expected


def test_a_mistyped_weekly_digest_says_what_it_takes() -> None:
    with pytest.raises(ConfigError, match="WEEKLY_DIGEST must be on or off, not 'sometimes'"):
        Settings.from_env({"WEEKLY_DIGEST": "sometimes"})

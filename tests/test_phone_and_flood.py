"""Bangladeshi mobile numbers as patients type them, and the per-user flood guard."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.core.phone import looks_like_phone, normalize_bd_mobile
from bot.tg.flood import WINDOW_SECONDS, FloodGuard, Verdict

# -- normalize_bd_mobile -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "01712345678",
        "+8801712345678",
        "8801712345678",
        "017-1234-5678",
        "০১৭১২৩৪৫৬৭৮",  # Bengali digits
        "+৮৮০১৭১২৩৪৫৬৭৮",
        " 01712 345678 ",
        "01712.345.678",
        "(017) 1234-5678",
        "+880 1712-345678",
        "1712345678",  # without the trunk 0
    ],
)
def test_the_ways_patients_type_one_number_all_give_it_back_as_dialled(typed: str) -> None:
    assert normalize_bd_mobile(typed) == "01712345678"


@pytest.mark.parametrize("number", ["01312345678", "01512345678", "01912345678"])
def test_every_mobile_operator_prefix_is_accepted(number: str) -> None:
    assert normalize_bd_mobile(number) == number


@pytest.mark.parametrize(
    "typed",
    [
        "0121234567",  # 10 digits, and 012 is not a mobile prefix
        "01212345678",  # 012 is not a mobile prefix
        "01112345678",  # nor 011
        "12345",
        "01712345",  # too short
        "017123456789",  # too long
        "+8801212345678",
        "09610010615",  # a landline/hotline, not a mobile
        "abc",
        "",
        "0171234567a",
        "my number is 01712345678",  # the bot asks for the number alone
    ],
)
def test_not_a_bangladeshi_mobile(typed: str) -> None:
    assert normalize_bd_mobile(typed) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01712345678", True),
        ("017-1234-5678", True),
        ("০১৭১২৩৪৫৬৭৮", True),
        ("0121234567", True),  # a wrong number, but clearly meant as one: worth a retry prompt
        ("12345", False),  # too few digits
        ("call me tomorrow", False),
        ("my father is 45 years old", False),
        ("", False),
    ],
)
def test_looks_like_phone(text: str, expected: bool) -> None:
    assert looks_like_phone(text) is expected


# -- FloodGuard --------------------------------------------------------------------------------


@dataclass
class FakeClock:
    now: float = 5000.0

    def __call__(self) -> float:
        return self.now


def test_allows_n_per_minute_then_warns_once_then_drops() -> None:
    clock = FakeClock()
    guard = FloodGuard(per_minute=5, clock=clock)
    verdicts = []
    for _ in range(9):
        verdicts.append(guard.check(1))
        clock.now += 1
    assert verdicts == [Verdict.ALLOW] * 5 + [Verdict.WARN] + [Verdict.DROP] * 3


def test_users_are_limited_separately() -> None:
    clock = FakeClock()
    guard = FloodGuard(per_minute=2, clock=clock)
    assert [guard.check(1) for _ in range(3)] == [Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN]
    assert guard.check(2) is Verdict.ALLOW  # another patient is not slowed down
    assert guard.check(1) is Verdict.DROP


def test_allows_again_after_the_window() -> None:
    clock = FakeClock()
    guard = FloodGuard(per_minute=3, clock=clock)
    for _ in range(3):
        assert guard.check(7) is Verdict.ALLOW
    assert guard.check(7) is Verdict.WARN
    assert guard.check(7) is Verdict.DROP

    clock.now += WINDOW_SECONDS - 1  # still within a minute of the first message
    assert guard.check(7) is Verdict.DROP

    clock.now += 2  # a minute has passed since the burst
    assert guard.check(7) is Verdict.ALLOW


def test_a_new_flood_after_the_window_is_warned_again() -> None:
    clock = FakeClock()
    guard = FloodGuard(per_minute=2, clock=clock)
    assert [guard.check(3) for _ in range(4)] == [
        Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.DROP,
    ]
    clock.now += WINDOW_SECONDS + 1
    assert [guard.check(3) for _ in range(4)] == [
        Verdict.ALLOW, Verdict.ALLOW, Verdict.WARN, Verdict.DROP,
    ]


def test_the_window_slides() -> None:
    clock = FakeClock()
    guard = FloodGuard(per_minute=2, clock=clock)
    assert guard.check(4) is Verdict.ALLOW  # t = 0
    clock.now += 40
    assert guard.check(4) is Verdict.ALLOW  # t = 40
    clock.now += 21
    assert guard.check(4) is Verdict.ALLOW  # t = 61: the first one is out of the window
    assert guard.check(4) is Verdict.WARN  # the one at t = 40 still counts


def test_forget_idle_drops_idle_users_only() -> None:
    clock = FakeClock()
    guard = FloodGuard(per_minute=2, clock=clock)
    for user in (1, 2):
        guard.check(user)
        guard.check(user)
        assert guard.check(user) is Verdict.WARN
    clock.now += WINDOW_SECONDS + 1
    # User 2 keeps writing: at the limit again.
    guard.check(2)
    guard.check(2)
    guard.forget_idle()

    # Memory: only the active user is remembered (months of uptime must not grow it).
    assert set(guard._seen) == {2}
    assert 1 not in guard._warned
    # The active user is still limited after the clean-up; the idle one starts afresh.
    assert guard.check(2) is Verdict.WARN
    assert guard.check(1) is Verdict.ALLOW


def test_forget_idle_with_nobody_to_forget() -> None:
    guard = FloodGuard(per_minute=1, clock=FakeClock())
    guard.forget_idle()
    assert guard.check(9) is Verdict.ALLOW
    guard.forget_idle()  # user 9 wrote just now: kept
    assert guard.check(9) is Verdict.WARN

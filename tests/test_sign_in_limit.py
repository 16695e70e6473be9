"""The brake on password guessing (review.sign_in_limit) and its use by review.people.authenticate."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from review.people import AuthenticationFailed, authenticate, create_user
from review.sign_in_limit import SignInLimiter, SignInLocked


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def limiter(clock: Clock) -> SignInLimiter:
    return SignInLimiter(max_failures=3, window=60, lockout=30, max_lockout=100, now=clock)


def test_a_name_is_locked_after_too_many_failures_in_the_window_and_unlocked_later() -> None:
    clock = Clock()
    brake = limiter(clock)
    for _ in range(2):
        brake.failed("alice")
    brake.check("alice")  # two failures: still free
    brake.failed("Alice ")  # the third, spelt otherwise, counts for the same name
    with pytest.raises(SignInLocked, match="try again in 30 s"):
        brake.check("ALICE")
    brake.check("bob")  # other names are not affected
    clock.now += 31
    brake.check("alice")


def test_failures_older_than_the_window_are_forgotten() -> None:
    clock = Clock()
    brake = limiter(clock)
    brake.failed("alice")
    brake.failed("alice")
    clock.now += 61
    brake.failed("alice")
    assert brake.locked_for("alice") == 0


def test_each_further_lock_doubles_up_to_the_maximum_and_success_clears_it() -> None:
    clock = Clock()
    brake = limiter(clock)
    lockouts = []
    for _ in range(4):
        for _ in range(3):
            brake.failed("alice")
        lockouts.append(brake.locked_for("alice"))
        clock.now += lockouts[-1]
    assert lockouts == [30, 60, 100, 100]
    for _ in range(3):
        brake.failed("alice")
    brake.succeeded("alice")
    assert brake.locked_for("alice") == 0


def test_a_locked_name_is_refused_even_with_the_right_password(sqlite_engine: Engine) -> None:
    create_user(sqlite_engine, "alice", "correct horse")
    clock = Clock()
    brake = limiter(clock)
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            authenticate(sqlite_engine, "alice", "wrong horse", brake)
    with pytest.raises(SignInLocked):
        authenticate(sqlite_engine, "alice", "correct horse", brake)
    clock.now += 31
    assert authenticate(sqlite_engine, "alice", "correct horse", brake).username == "alice"
    assert brake.locked_for("alice") == 0


def test_unknown_names_are_locked_like_known_ones(sqlite_engine: Engine) -> None:
    brake = limiter(Clock())
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            authenticate(sqlite_engine, "mallory", "a guess", brake)
    with pytest.raises(SignInLocked):
        authenticate(sqlite_engine, "mallory", "another guess", brake)

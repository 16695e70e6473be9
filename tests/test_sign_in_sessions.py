"""Sign-in tokens that survive a reload (review.sign_in_sessions, review.people.session_stamp)."""

from __future__ import annotations

from sqlalchemy import Engine

from review.people import create_user, session_stamp, set_password
from review.sign_in_sessions import SessionTokens


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_token_resumes_its_user_until_revoked() -> None:
    tokens = SessionTokens(idle=100, now=Clock())
    alice, bob = tokens.issue(1, "a"), tokens.issue(2, "b")
    assert alice != bob
    stamps = {1: "a", 2: "b"}
    assert tokens.resume(alice, stamps.get) == 1
    assert tokens.resume(bob, stamps.get) == 2
    tokens.revoke(alice)
    assert tokens.resume(alice, stamps.get) is None
    assert tokens.resume("made-up", stamps.get) is None


def test_an_idle_token_expires_and_use_keeps_it_alive() -> None:
    clock = Clock()
    tokens = SessionTokens(idle=100, now=clock)
    token = tokens.issue(1, "a")
    for _ in range(5):
        clock.now += 90
        assert tokens.resume(token, lambda user_id: "a") == 1
    clock.now += 101
    assert tokens.resume(token, lambda user_id: "a") is None


def test_a_changed_stamp_ends_the_session_for_good() -> None:
    tokens = SessionTokens(now=Clock())
    token = tokens.issue(1, "old")
    assert tokens.resume(token, lambda user_id: "new") is None
    assert tokens.resume(token, lambda user_id: "old") is None  # revoked, not merely refused


def test_the_stamp_changes_with_the_password_and_is_none_without_one(sqlite_engine: Engine) -> None:
    account = create_user(sqlite_engine, "alice", "correct horse")
    before = session_stamp(sqlite_engine, account.user_id)
    assert before is not None and before == session_stamp(sqlite_engine, account.user_id)
    set_password(sqlite_engine, "alice", "battery staple")
    assert session_stamp(sqlite_engine, account.user_id) not in (None, before)
    assert session_stamp(sqlite_engine, create_user(sqlite_engine, "bob", None).user_id) is None
    assert session_stamp(sqlite_engine, 9_999) is None

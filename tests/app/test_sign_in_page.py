"""The sign-in page refuses a user name that failed too often lately (review.sign_in_limit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from review.people import create_user
from review.sign_in_limit import MAX_FAILURES, SIGN_IN_LIMITER
from review.store.engine import dispose_engines, get_engine
from tests.app.helpers import ensure_admin

APP = Path(__file__).resolve().parents[2] / "app.py"
NAME = "limited-sign-in-tester"


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("REVIEW_DATABASE_URL", f"sqlite:///{tmp_path / 'review.db'}")
    engine = get_engine(f"sqlite:///{tmp_path / 'review.db'}")
    ensure_admin(engine)
    create_user(engine, NAME, "the right password")
    yield engine
    SIGN_IN_LIMITER.succeeded(NAME)  # the limiter is the process's: leave it clean for other tests
    dispose_engines()


def attempt(app: AppTest, password: str) -> list[str]:
    app.text_input(key="sign_in_username").input(NAME)
    app.text_input(key="sign_in_password").input(password)
    app.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert not app.exception, [exception.value for exception in app.exception]
    return [str(error.value).replace("\\", "") for error in app.error]  # markdown-escaped


def test_repeated_wrong_passwords_lock_the_name_even_for_the_right_one(engine: Engine) -> None:
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    for _ in range(MAX_FAILURES):
        assert any("wrong password" in error for error in attempt(app, "a wrong guess"))
    errors = attempt(app, "the right password")
    assert any("too many failed sign-ins" in error for error in errors), errors
    assert "account" not in app.session_state

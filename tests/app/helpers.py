"""Signing in, shared by the AppTests: the app shows nothing but the sign-in page before it."""

from __future__ import annotations

from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from review.people import create_first_owner, first_start_needed

#: The administrator the AppTests sign in as (owner of every project).
ADMIN = ("tester", "tester-password")


def ensure_admin(engine: Engine) -> None:
    if first_start_needed(engine):
        create_first_owner(engine, *ADMIN, display_name="Test administrator")


def sign_in(app: AppTest, username: str = ADMIN[0], password: str = ADMIN[1]) -> AppTest:
    """Fill in the sign-in form and submit it (the app must show the sign-in page)."""
    app.text_input(key="sign_in_username").input(username)
    app.text_input(key="sign_in_password").input(password)
    app.button(key="FormSubmitter:sign_in-Sign in").click().run()
    assert not app.exception, [exception.value for exception in app.exception]
    assert app.session_state["account"].username == username.lower(), [e.value for e in app.error]
    return app

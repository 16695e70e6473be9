"""The Screen page on PostgreSQL when the database connection is cut (`pg_terminate_backend` from
a second connection): a cut between clicks goes unnoticed; a connection that stays lost while a
decision is saved shows a clear message, keeps the record on screen, and the next click stores
the decision exactly once."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from review.demo import DEMO_PROJECT, ensure_demo_project
from review.people import actor_for, find_user, project_id_of
from review.screening.consistency import rebuild_differences
from review.screening.service import decisions_visible_to
from review.store.engine import dispose_engines, get_engine
from tests.app.helpers import sign_in
from tests.app.test_screening_pages import APP, PASSWORDS, TIMEOUT, needs_demo
from tests.screening.pg_faults import BackendKiller

pytestmark = [needs_demo, pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)]


@pytest.fixture
def app_engine(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """The engine the app itself uses (one per URL and process), on a fresh PostgreSQL schema."""
    monkeypatch.setenv("REVIEW_DATABASE_URL", database_url)
    yield get_engine(database_url)
    dispose_engines()


def messages(elements: object) -> list[str]:
    return [re.sub(r"\\(.)", r"\1", str(element.value)) for element in elements]  # type: ignore[attr-defined]


def test_the_screen_page_says_the_connection_was_lost_and_the_next_click_saves_once(
    app_engine: Engine,
) -> None:
    ensure_demo_project(app_engine)
    project_id = project_id_of(app_engine, DEMO_PROJECT) or 0
    app = sign_in(AppTest.from_file(str(APP), default_timeout=TIMEOUT).run(), "alice", PASSWORDS["alice"])
    app.switch_page("app_pages/screen.py").run()
    first = app.session_state["screen_record"]
    killer = BackendKiller(app_engine)
    try:
        assert killer.kill_all() >= 1  # between clicks: the pool's pre-ping replaces them
        with killer.before_statement("INSERT INTO decision_events", times=-1):
            app.button(key="screen_include").click().run()
        assert not app.exception, [exception.value for exception in app.exception]
        assert any("The database connection was lost" in text for text in messages(app.error))
        assert app.session_state["screen_record"] == first, "the record stays on screen"
        account = find_user(app_engine, "alice")
        assert account is not None
        alice = actor_for(app_engine, project_id, account.user_id)
        assert decisions_visible_to(app_engine, project_id, alice, "title_abstract") == []

        app.button(key="screen_include").click().run()  # trying again, the connection is back
        assert not app.exception
        assert any(f"Saved: include (record {first})" in text for text in messages(app.success))
        mine = decisions_visible_to(app_engine, project_id, alice, "title_abstract", history=True)
        assert [(d.record_id, d.decision) for d in mine] == [(first, "include")]
        assert rebuild_differences(app_engine, project_id) == []
    finally:
        killer.close()

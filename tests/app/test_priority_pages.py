"""Prioritised screening in the app (AppTest on the demo project): the owner switches the order on
Protocol & team; the Screen page serves the reviewer's own ranking; Progress & stopping shows the
curves, the estimate and the guidance, the team's curve only where blinding allows."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from review.screening import priority_queue
from review.screening.service import protocol, record_decision, update_settings
from review.store.engine import session_scope
from tests.app.test_screening_pages import (
    actor,
    as_user,
    assert_fine,
    demo,
    engine,
    needs_demo,
    shown,
    texts,
)

__all__ = ["demo", "engine"]  # fixtures used by the tests below
TA = "title_abstract"


@pytest.fixture(autouse=True)
def fresh_matrices() -> None:
    priority_queue.forget_matrices()


@needs_demo
def test_the_owner_switches_the_queue_to_prioritised(engine: Engine, demo: int) -> None:
    app = as_user("demo-owner")
    app.switch_page("app_pages/settings.py").run()
    assert_fine(app)
    order = app.radio(key="setting_screening_order")
    assert order.options == ["random", "prioritised"] and order.value == "random"
    order.set_value("prioritised")
    app.button(key="FormSubmitter:protocol_form-Save protocol").click().run()
    assert_fine(app)
    assert any("title/abstract queue order" in text for text in shown(app.success))
    assert protocol(engine, demo).screening_order == "prioritised"


@needs_demo
def test_the_screen_page_serves_the_reviewers_own_ranking(engine: Engine, demo: int) -> None:
    owner = actor(engine, demo, "demo-owner")
    update_settings(engine, demo, owner, pilot_size=0, screening_order="prioritised")
    alice = actor(engine, demo, "alice")
    app = as_user("alice")
    app.switch_page("app_pages/screen.py").run()
    first = app.session_state["screen_record"]
    app.button(key="screen_include").click().run()
    second = app.session_state["screen_record"]
    app.button(key="screen_exclude").click().run()
    assert_fine(app)
    assert alice.user_id is not None
    with session_scope(engine) as session:  # ranked after the first include
        ranked = priority_queue.ranked_order(session, demo, alice.user_id)
    assert ranked and first not in ranked
    undecided = [record_id for record_id in ranked if record_id != second]
    assert app.session_state["screen_record"] == undecided[0], "the page serves alice's first ranked record"


@needs_demo
def test_progress_and_stopping_for_a_blinded_reviewer_and_for_the_owner(engine: Engine, demo: int) -> None:
    owner = actor(engine, demo, "demo-owner")
    update_settings(engine, demo, owner, pilot_size=0, screening_order="prioritised")
    alice, bob = actor(engine, demo, "alice"), actor(engine, demo, "bob")
    from review.screening.service import next_record

    for number in range(6):
        card = next_record(engine, demo, alice, TA)
        assert card is not None
        decision = "include" if number % 3 == 0 else "exclude"
        record_decision(engine, demo, alice, card.record_id, TA, decision)
        record_decision(engine, demo, bob, card.record_id, TA, decision)

    reviewer = as_user("alice")
    reviewer.switch_page("app_pages/stopping.py").run()
    assert_fine(reviewer)
    assert texts(reviewer.title) == ["Progress & stopping"]
    headings = texts(reviewer.markdown)
    assert "**Mine**" in headings and "**Team (final decisions)**" not in headings
    assert reviewer.get("vega_lite_chart"), "the curve is drawn"
    metrics = {metric.label: metric.value for metric in reviewer.metric}
    assert metrics["Includes found"] == "2"
    assert metrics["Screened"].startswith("6 of ")
    guidance = texts(reviewer.info) + texts(reviewer.success)
    assert any(text.startswith("Guidance:") for text in guidance)
    assert any("you see your own curve only" in text for text in texts(reviewer.caption))

    owner_app = as_user("demo-owner")
    owner_app.switch_page("app_pages/stopping.py").run()
    assert_fine(owner_app)
    headings = texts(owner_app.markdown)
    assert "**Team (final decisions)**" in headings
    assert "**Mine**" not in headings, "the owner screened nothing: no empty curve of their own"

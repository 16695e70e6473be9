"""Progress & stopping, the owner's "exclude the remaining unscreened records by automation" step
(AppTest on the demo project): offered only once the stopping rule says it is safe, confirmed with
a checkbox, shown in PRISMA, undone with a button; never offered to a reviewer."""

from __future__ import annotations

import streamlit as st
from sqlalchemy import Engine

from review.screening.service import next_record, prisma_counts, record_decision, update_settings
from tests.app.test_screening_pages import actor, as_user, assert_fine, demo, engine, needs_demo, shown, texts

__all__ = ["demo", "engine"]  # fixtures used by the tests below
TA = "title_abstract"
APPLY = "Exclude the remaining unscreened records by automation"


def screen_all_but_one(engine: Engine, demo: int) -> None:
    """One reviewer per record, no pilot; alice decides all but one of the 24 records: one include
    first, then 22 excludes. The rule then says it is safe to stop (1 record left, p ≈ 0.04)."""
    owner = actor(engine, demo, "demo-owner")
    update_settings(engine, demo, owner, pilot_size=0, reviewers_title_abstract=1)
    alice = actor(engine, demo, "alice")
    for number in range(23):
        card = next_record(engine, demo, alice, TA)
        assert card is not None
        record_decision(engine, demo, alice, card.record_id, TA, "include" if number == 0 else "exclude")


@needs_demo
def test_not_offered_before_the_rule_says_it_is_safe(engine: Engine, demo: int) -> None:
    app = as_user("demo-owner")
    app.switch_page("app_pages/stopping.py").run()
    assert_fine(app)
    assert APPLY in texts(app.subheader)
    assert not [button for button in app.button if button.label == APPLY]
    assert any("once the stopping rule says it is safe" in text for text in texts(app.caption))


@needs_demo
def test_the_owner_excludes_the_rest_by_automation_and_undoes_it(engine: Engine, demo: int) -> None:
    screen_all_but_one(engine, demo)
    reviewer = as_user("alice")
    reviewer.switch_page("app_pages/stopping.py").run()
    assert_fine(reviewer)
    assert APPLY not in texts(reviewer.subheader), "nothing to see for a reviewer before an exclusion"

    app = as_user("demo-owner")
    app.switch_page("app_pages/stopping.py").run()
    assert_fine(app)
    assert any("1 record that nobody has screened" in text for text in shown(app.warning))
    button = app.button(key="automation_apply")
    assert button.label == APPLY and button.disabled, "disabled until the checkbox is ticked"
    app.checkbox(key="automation_confirm").check().run()
    assert not app.button(key="automation_apply").disabled
    app.button(key="automation_apply").click().run()
    assert_fine(app)
    assert any("excluded by automation" in text for text in shown(app.success))
    assert prisma_counts(engine, demo).excluded_by_automation == 1
    assert next_record(engine, demo, actor(engine, demo, "bob"), TA) is None
    assert any("1 record excluded by automation" in text for text in shown(app.markdown))
    assert not [button for button in app.button if button.label == APPLY], "nothing left to exclude"

    st.cache_data.clear()  # the page keeps what it read for 5 seconds (another session's change)
    reviewer.run()
    assert_fine(reviewer)
    assert APPLY in texts(reviewer.subheader), "every member sees the exclusion"
    assert not [button for button in reviewer.button if button.label in ("Undo", APPLY)]

    [undo] = [button for button in app.button if button.label == "Undo"]
    undo.click().run()
    assert_fine(app)
    assert any("back in the reviewers' queues" in text for text in shown(app.success))
    assert prisma_counts(engine, demo).excluded_by_automation == 0
    assert next_record(engine, demo, actor(engine, demo, "bob"), TA) is not None
    assert any("undone" in text for text in shown(app.markdown))

"""Decision events and the current state derived from them."""

from __future__ import annotations

import doctest
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

import review.screening.agreement
import review.screening.conflicts
import review.screening.model
import review.screening.prisma
from review.screening.model import (
    DecisionEvent,
    current_decisions,
    decisions_of_stage,
    map_maybe,
    parse_decision,
    parse_stage,
    validate_decision,
)
from tests.screening.helpers import T0, event


@pytest.mark.parametrize(
    "module",
    [review.screening.model, review.screening.conflicts, review.screening.agreement, review.screening.prisma],
)
def test_docstring_examples_hold(module: object) -> None:
    failures, tried = doctest.testmod(module, verbose=False)  # type: ignore[arg-type]
    assert tried > 0
    assert failures == 0


def test_parse_stage_and_decision() -> None:
    assert parse_stage(" Title_Abstract ") == "title_abstract"
    assert parse_decision("EXCLUDE") == "exclude"
    assert parse_decision("retracted") == "retracted"
    with pytest.raises(ValueError, match="unknown screening stage 'abstract'"):
        parse_stage("abstract")
    with pytest.raises(ValueError, match="unknown screening decision 'retracted'"):
        parse_decision("retracted", allow_retracted=False)


def test_event_rejects_unknown_values() -> None:
    with pytest.raises(ValueError, match="stage"):
        event(1, 1, "include", stage="fulltext")
    with pytest.raises(ValueError, match="decision"):
        event(1, 1, "yes")


def test_full_text_exclusion_needs_a_reason() -> None:
    validate_decision("full_text", "exclude", "wrong population")
    validate_decision("title_abstract", "exclude", None)
    validate_decision("full_text", "include", None)
    for blank in (None, "", "   "):
        with pytest.raises(ValueError, match="full-text exclusion needs a reason"):
            validate_decision("full_text", "exclude", blank)


def test_latest_event_wins_whatever_the_input_order() -> None:
    first = event(1, 7, "include", minute=0, event_id=1)
    second = event(1, 7, "exclude", minute=5, event_id=2)
    for events in ([first, second], [second, first]):
        state = current_decisions(events)
        assert state == {(1, "title_abstract", 7): second}


def test_same_time_is_settled_by_event_id() -> None:
    a = event(1, 7, "include", event_id=10)
    b = event(1, 7, "maybe", event_id=11)
    assert current_decisions([b, a])[(1, "title_abstract", 7)].decision == "maybe"


def test_retracted_removes_and_a_new_decision_returns() -> None:
    events = [event(1, 7, "include", minute=0, event_id=1), event(1, 7, "retracted", minute=1, event_id=2)]
    assert current_decisions(events) == {}
    events.append(event(1, 7, "exclude", minute=2, event_id=3))
    assert current_decisions(events)[(1, "title_abstract", 7)].decision == "exclude"


def test_stages_and_reviewers_are_separate_keys() -> None:
    events = [
        event(1, 7, "include", event_id=1),
        event(1, 8, "exclude", event_id=2),
        event(1, 7, "exclude", stage="full_text", reason="wrong setting", event_id=3),
    ]
    state = current_decisions(events)
    assert len(state) == 3
    assert [e.reviewer_id for e in decisions_of_stage(state, "title_abstract")] == [7, 8]
    assert [e.event_id for e in decisions_of_stage(events, "full_text")] == [3]


def test_map_maybe() -> None:
    assert map_maybe("maybe", True) == "include"
    assert map_maybe("maybe", False) == "maybe"
    assert map_maybe("exclude", True) == "exclude"


_events = st.lists(
    st.builds(
        lambda record, reviewer, decision, minute, eid: DecisionEvent(
            record, reviewer, "title_abstract", decision, None, None, T0 + timedelta(minutes=minute), eid
        ),
        st.integers(1, 3),
        st.integers(1, 3),
        st.sampled_from(["include", "exclude", "maybe", "retracted"]),
        st.integers(0, 5),
        st.integers(0, 1000),
    ),
    max_size=30,
)


@given(_events)
def test_current_state_equals_a_replay_in_time_order(events: list[DecisionEvent]) -> None:
    replay: dict[tuple[int, str, int], DecisionEvent] = {}
    for e in sorted(events, key=lambda e: (e.decided_at, e.event_id)):
        if e.decision == "retracted":
            replay.pop(e.key, None)
        else:
            replay[e.key] = e
    state = current_decisions(events)
    # Equal (time, id) pairs may order either way; compare the decisions where the order is unique.
    orders = [e.order for e in events]
    if len(orders) == len(set(orders)):
        assert state == replay
    assert current_decisions(state.values()) == state

"""Pending, agreed, conflict; resolutions and the final decision."""

from __future__ import annotations

from datetime import timedelta

import pytest

from review.screening.conflicts import (
    RecordScreening,
    Resolution,
    classify_record,
    classify_records,
    current_resolutions,
    final_decision,
    final_decisions,
    final_reasons,
    status_counts,
    validate_resolution,
)
from tests.screening.helpers import T0, event


def resolution(
    record: int,
    decision: str,
    *,
    stage: str = "title_abstract",
    reason: str | None = None,
    by: int = 9,
    minute: int = 100,
    event_id: int = 0,
) -> Resolution:
    return Resolution(record, stage, decision, reason, by, T0 + timedelta(minutes=minute), event_id)


def status_of(decisions: list[str], *, maybe: bool, required: int = 2) -> RecordScreening:
    events = [event(1, reviewer, d, event_id=reviewer) for reviewer, d in enumerate(decisions, start=1)]
    return classify_records(
        events, "title_abstract", required_reviewers=required, maybe_counts_as_include=maybe
    )[1]


@pytest.mark.parametrize(
    ("decisions", "maybe", "status", "final"),
    [
        (["include"], True, "pending", None),
        (["include", "include"], True, "agreed_include", "include"),
        (["exclude", "exclude"], False, "agreed_exclude", "exclude"),
        (["include", "exclude"], True, "conflict", None),
        (["maybe", "include"], True, "agreed_include", "include"),
        (["maybe", "maybe"], True, "agreed_include", "include"),
        (["maybe", "exclude"], True, "conflict", None),
        (["maybe", "include"], False, "conflict", None),
        (["maybe", "exclude"], False, "conflict", None),
        (["maybe", "maybe"], False, "conflict", None),
    ],
)
def test_status_by_rule(decisions: list[str], maybe: bool, status: str, final: str | None) -> None:
    record = status_of(decisions, maybe=maybe)
    assert record.status == status
    assert final_decision(record) == final


def test_all_maybe_without_the_include_rule_is_a_conflict_of_its_own_kind() -> None:
    record = status_of(["maybe", "maybe"], maybe=False)
    assert record.conflict_kind == "all_maybe"
    assert record.needs_resolution
    assert status_of(["include", "exclude"], maybe=False).conflict_kind == "disagreement"


def test_a_third_reviewer_who_disagrees_is_not_ignored() -> None:
    assert status_of(["include", "include", "exclude"], maybe=True).status == "conflict"
    assert status_of(["include", "include", "include"], maybe=True).status == "agreed_include"


def test_required_reviewers() -> None:
    assert status_of(["include", "include"], maybe=True, required=3).status == "pending"
    assert status_of(["exclude"], maybe=True, required=1).status == "agreed_exclude"
    assert status_of(["maybe"], maybe=False, required=1).status == "conflict"
    with pytest.raises(ValueError, match="at least one reviewer"):
        status_of(["include"], maybe=True, required=0)


def test_a_retraction_makes_the_record_pending_again() -> None:
    events = [
        event(1, 1, "include", event_id=1),
        event(1, 2, "exclude", event_id=2),
        event(1, 2, "retracted", minute=1, event_id=3),
    ]
    records = classify_records(events, "title_abstract", maybe_counts_as_include=True)
    assert records[1].status == "pending"
    assert records[1].decisions == {1: "include"}


def test_records_without_decisions_are_listed_when_asked() -> None:
    records = classify_records(
        [event(2, 1, "include")], "title_abstract", maybe_counts_as_include=True, record_ids=[1, 2, 3]
    )
    assert list(records) == [1, 2, 3]
    assert [r.status for r in records.values()] == ["pending"] * 3


def test_other_stage_decisions_are_left_out() -> None:
    events = [event(1, 1, "include"), event(1, 2, "include", stage="full_text")]
    assert classify_records(events, "full_text", maybe_counts_as_include=True)[1].status == "pending"


def test_a_resolution_settles_a_conflict() -> None:
    events = [event(1, 1, "include", event_id=1), event(1, 2, "exclude", event_id=2)]
    records = classify_records(
        events, "title_abstract", maybe_counts_as_include=True, resolutions=[resolution(1, "include")]
    )
    record = records[1]
    assert record.status == "conflict"
    assert not record.needs_resolution
    assert final_decision(record) == "include"
    assert status_counts(records) == {
        "pending": 0,
        "agreed_include": 0,
        "agreed_exclude": 0,
        "conflict": 1,
        "resolved": 1,
        "needs_resolution": 0,
    }


def test_latest_resolution_wins_and_retracted_undoes_it() -> None:
    first = resolution(1, "include", minute=1, event_id=1)
    second = resolution(1, "exclude", minute=2, event_id=2)
    undo = resolution(1, "retracted", minute=3, event_id=3)
    assert current_resolutions([second, first])[(1, "title_abstract")] is second
    assert current_resolutions([first, second, undo]) == {}
    events = [event(1, 1, "include", event_id=1), event(1, 2, "exclude", event_id=2)]
    record = classify_records(
        events, "title_abstract", maybe_counts_as_include=True, resolutions=[first, second, undo]
    )[1]
    assert record.needs_resolution
    assert final_decision(record) is None


def test_a_resolution_of_a_record_no_longer_in_conflict_is_not_applied() -> None:
    events = [
        event(1, 1, "include", event_id=1),
        event(1, 2, "exclude", event_id=2),
        event(1, 2, "include", minute=200, event_id=3),
    ]
    record = classify_records(
        events, "title_abstract", maybe_counts_as_include=True, resolutions=[resolution(1, "exclude")]
    )[1]
    assert record.status == "agreed_include"
    assert record.resolution is None
    assert final_decision(record) == "include"


def test_resolution_values() -> None:
    with pytest.raises(ValueError, match="include or exclude"):
        resolution(1, "maybe")
    with pytest.raises(ValueError, match="stage"):
        resolution(1, "include", stage="abstract")


def test_validate_resolution() -> None:
    conflict = classify_record(
        1,
        "full_text",
        [
            event(1, 1, "include", stage="full_text"),
            event(1, 2, "exclude", stage="full_text", reason="wrong population"),
        ],
        maybe_counts_as_include=True,
    )
    ok = resolution(1, "exclude", stage="full_text", reason="wrong concept", by=3)
    validate_resolution(ok, conflict, resolver_must_be_independent=True)
    validate_resolution(resolution(1, "exclude", stage="full_text", reason="x", by=1), conflict)
    with pytest.raises(ValueError, match="record 1: a full-text exclusion needs a reason"):
        validate_resolution(resolution(1, "exclude", stage="full_text", reason=" "), conflict)
    with pytest.raises(ValueError, match="resolved by someone else"):
        validate_resolution(
            resolution(1, "include", stage="full_text", by=2), conflict, resolver_must_be_independent=True
        )
    agreed = classify_record(
        1, "title_abstract", [event(1, 1, "include"), event(1, 2, "include")], maybe_counts_as_include=True
    )
    with pytest.raises(ValueError, match="not in conflict"):
        validate_resolution(resolution(1, "exclude"), agreed)
    with pytest.raises(ValueError, match="is for record 2"):
        validate_resolution(resolution(2, "exclude"), agreed)
    validate_resolution(resolution(1, "retracted"), agreed)


def test_full_text_reasons() -> None:
    stage = "full_text"
    events = [
        event(1, 1, "exclude", stage=stage, reason="wrong population", minute=1, event_id=1),
        event(1, 2, "exclude", stage=stage, reason="wrong concept", minute=0, event_id=2),
        event(1, 3, "exclude", stage=stage, reason="wrong concept", minute=2, event_id=3),
        event(2, 1, "exclude", stage=stage, reason="wrong setting", minute=5, event_id=4),
        event(2, 2, "exclude", stage=stage, reason="wrong design", minute=4, event_id=5),
        event(3, 1, "exclude", stage=stage, reason="no full text", event_id=6),
        event(3, 2, "exclude", stage=stage, reason=" no full text ", event_id=7),
        event(4, 1, "include", stage=stage, event_id=8),
        event(4, 2, "exclude", stage=stage, reason="wrong population", event_id=9),
    ]
    records = classify_records(
        events,
        stage,
        maybe_counts_as_include=True,
        resolutions=[resolution(4, "exclude", stage=stage, reason="wrong outcome")],
    )
    assert (records[1].final_reason, records[1].reasons_differ) == ("wrong concept", True)
    assert (records[2].final_reason, records[2].reasons_differ) == ("wrong design", True)  # earliest
    assert (records[3].final_reason, records[3].reasons_differ) == ("no full text", False)
    assert final_reasons(records) == {
        1: "wrong concept",
        2: "wrong design",
        3: "no full text",
        4: "wrong outcome",
    }
    assert final_decisions(records) == {1: "exclude", 2: "exclude", 3: "exclude", 4: "exclude"}
    assert final_decisions(list(records.values())) == final_decisions(records)

"""Small builders for screening tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from review.screening.model import DecisionEvent

T0 = datetime(2025, 3, 1, 9, 0, 0)


def event(
    record: int,
    reviewer: int,
    decision: str,
    *,
    stage: str = "title_abstract",
    reason: str | None = None,
    minute: int = 0,
    event_id: int = 0,
) -> DecisionEvent:
    """A decision event at T0 + `minute` minutes."""
    return DecisionEvent(
        record_id=record,
        reviewer_id=reviewer,
        stage=stage,
        decision=decision,
        reason=reason,
        note=None,
        decided_at=T0 + timedelta(minutes=minute),
        event_id=event_id,
    )


def paired_events(
    labels_a: list[str], labels_b: list[str], *, stage: str = "title_abstract", a: int = 1, b: int = 2
) -> list[DecisionEvent]:
    """Reviewers `a` and `b` each decide records 0..n-1 with the given labels, in record order."""
    out: list[DecisionEvent] = []
    for record, (la, lb) in enumerate(zip(labels_a, labels_b, strict=True)):
        out.append(event(record, a, la, stage=stage, minute=2 * record, event_id=2 * record))
        out.append(event(record, b, lb, stage=stage, minute=2 * record + 1, event_id=2 * record + 1))
    return out

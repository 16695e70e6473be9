"""Per record of one stage: pending, agreed, or a conflict a person has to resolve.

The rules (a project chooses ``required_reviewers`` and ``maybe_counts_as_include``):

- **pending**: fewer current decisions than ``required_reviewers`` (default 2).
- Otherwise every current decision on the record counts (a third reviewer beyond the required two
  is not ignored), after mapping ``maybe`` by the project rule (`review.screening.model.map_maybe`):
  - all include → **agreed_include**; all exclude → **agreed_exclude**;
  - anything else → **conflict**. That covers include vs exclude, and — when maybe does *not*
    count as include — include vs maybe, exclude vs maybe, and maybe from every reviewer: an
    "agreed maybe" settles nothing, so it is a conflict (``conflict_kind == "all_maybe"``) that a
    resolver decides like any other.
- A **resolution** (include or exclude, by a person) settles a conflict. It is an append-only
  event like a decision: the latest per (record, stage) wins and ``retracted`` undoes it. A
  resolution counts only while the record is in conflict: if the reviewers' decisions change so
  that they agree, their agreement is the outcome (and the resolution is not shown).
- **final decision** = the agreed outcome, or the resolution of a conflict; None while pending or
  unresolved.
- At full text an exclusion needs a reason (`review.screening.model.validate_decision`, and
  `validate_resolution` for resolutions). The final reason of an agreed exclusion is the reason most
  reviewers gave (ties: the earliest decision's); ``reasons_differ`` flags reviewers who gave
  different reasons, so the interface can ask for one.

>>> from datetime import datetime
>>> t = datetime(2025, 1, 1)
>>> events = [DecisionEvent(1, 1, "title_abstract", "maybe", None, None, t, 1),
...           DecisionEvent(1, 2, "title_abstract", "include", None, None, t, 2)]
>>> classify_records(events, "title_abstract", maybe_counts_as_include=True)[1].status
'agreed_include'
>>> classify_records(events, "title_abstract", maybe_counts_as_include=False)[1].status
'conflict'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from review.screening.model import (
    Decision,
    DecisionEvent,
    Decisions,
    decisions_of_stage,
    map_maybe,
    parse_stage,
    validate_decision,
)


class RecordStatus(StrEnum):
    """Where a record stands at one stage."""

    PENDING = "pending"
    AGREED_INCLUDE = "agreed_include"
    AGREED_EXCLUDE = "agreed_exclude"
    CONFLICT = "conflict"


class ConflictKind(StrEnum):
    """Why a record is in conflict."""

    DISAGREEMENT = "disagreement"
    ALL_MAYBE = "all_maybe"


@dataclass(frozen=True)
class Resolution:
    """A person's decision that settles a conflict (an append-only event, like a decision)."""

    record_id: int
    stage: str
    decision: str
    reason: str | None
    resolved_by: int
    resolved_at: datetime
    event_id: int

    def __post_init__(self) -> None:
        parse_stage(self.stage)
        if self.decision not in (Decision.INCLUDE, Decision.EXCLUDE, Decision.RETRACTED):
            raise ValueError(f"a resolution is include or exclude (or retracted), not {self.decision!r}")


@dataclass(frozen=True)
class RecordScreening:
    """The state of one record at one stage, derived from the current decisions."""

    record_id: int
    stage: str
    status: str
    decisions: dict[int, str] = field(default_factory=dict)
    """reviewer_id → decision as made (include, exclude, maybe)."""
    conflict_kind: str | None = None
    resolution: Resolution | None = None
    """The resolution that settles this conflict (None unless the record is in conflict)."""
    final_decision: str | None = None
    """include or exclude once agreed or resolved, else None."""
    final_reason: str | None = None
    reasons_differ: bool = False

    @property
    def needs_resolution(self) -> bool:
        """In conflict and not yet resolved."""
        return self.status == RecordStatus.CONFLICT and self.resolution is None

    @property
    def reviewers(self) -> frozenset[int]:
        """The reviewers with a current decision on this record."""
        return frozenset(self.decisions)


def final_decision(record: RecordScreening) -> str | None:
    """The agreed or resolved outcome of a record (include/exclude), None while open.

    >>> final_decision(RecordScreening(1, "title_abstract", "agreed_exclude", final_decision="exclude"))
    'exclude'
    """
    return record.final_decision


def current_resolutions(resolutions: Iterable[Resolution]) -> dict[tuple[int, str], Resolution]:
    """The current resolution per (record_id, stage): the latest wins; ``retracted`` removes it."""
    latest: dict[tuple[int, str], Resolution] = {}
    for resolution in resolutions:
        key = (resolution.record_id, resolution.stage)
        seen = latest.get(key)
        if seen is None or (resolution.resolved_at, resolution.event_id) > (seen.resolved_at, seen.event_id):
            latest[key] = resolution
    return {key: res for key, res in latest.items() if res.decision != Decision.RETRACTED}


def validate_resolution(
    resolution: Resolution,
    record: RecordScreening | None = None,
    *,
    resolver_must_be_independent: bool = False,
) -> None:
    """Raise ValueError when a resolution breaks a rule; call it before storing one.

    - include or exclude (or retracted, to undo); at full text an exclusion needs a reason;
    - given the record's current state: the record must be in conflict, at the same stage;
    - with ``resolver_must_be_independent``: the resolver is not one of the record's reviewers.
    """
    if resolution.decision == Decision.RETRACTED:
        return
    try:
        validate_decision(resolution.stage, resolution.decision, resolution.reason)
    except ValueError as exc:
        raise ValueError(f"record {resolution.record_id}: {exc}") from None
    if record is None:
        return
    if record.record_id != resolution.record_id or record.stage != resolution.stage:
        raise ValueError(
            f"the resolution is for record {resolution.record_id} at {resolution.stage}, "
            f"not record {record.record_id} at {record.stage}"
        )
    if record.status != RecordStatus.CONFLICT:
        raise ValueError(
            f"record {record.record_id} is not in conflict at {record.stage} ({record.status}): "
            "there is nothing to resolve"
        )
    if resolver_must_be_independent and resolution.resolved_by in record.decisions:
        raise ValueError(
            f"reviewer {resolution.resolved_by} screened record {record.record_id}: "
            "in this project a conflict is resolved by someone else"
        )


def _agreed_reason(events: list[DecisionEvent]) -> tuple[str | None, bool]:
    """The most common reason among `events` (ties: the earliest decision's), and whether they differ."""
    given = [(event.order, (event.reason or "").strip()) for event in events if (event.reason or "").strip()]
    if not given:
        return None, False
    counts = Counter(reason for _, reason in given)
    first_seen: dict[str, tuple[datetime, int]] = {}
    for order, reason in sorted(given):
        first_seen.setdefault(reason, order)
    best = min(counts, key=lambda reason: (-counts[reason], first_seen[reason]))
    return best, len(counts) > 1


def classify_record(
    record_id: int,
    stage: str,
    events: Iterable[DecisionEvent],
    *,
    required_reviewers: int = 2,
    maybe_counts_as_include: bool,
    resolution: Resolution | None = None,
) -> RecordScreening:
    """The state of one record from its current decisions at `stage` (one per reviewer)."""
    if required_reviewers < 1:
        raise ValueError("a record needs at least one reviewer")
    stage = parse_stage(stage)
    mine = [event for event in events if event.record_id == record_id and event.stage == stage]
    decisions = {event.reviewer_id: event.decision for event in mine}
    if len(decisions) < required_reviewers:
        return RecordScreening(record_id, stage, RecordStatus.PENDING.value, decisions)
    mapped = {map_maybe(decision, maybe_counts_as_include) for decision in decisions.values()}
    if mapped == {Decision.INCLUDE.value}:
        return RecordScreening(
            record_id, stage, RecordStatus.AGREED_INCLUDE.value, decisions, final_decision="include"
        )
    if mapped == {Decision.EXCLUDE.value}:
        reason, differ = _agreed_reason(mine)
        return RecordScreening(
            record_id,
            stage,
            RecordStatus.AGREED_EXCLUDE.value,
            decisions,
            final_decision="exclude",
            final_reason=reason,
            reasons_differ=differ,
        )
    kind = ConflictKind.ALL_MAYBE if mapped == {Decision.MAYBE.value} else ConflictKind.DISAGREEMENT
    if resolution is not None and resolution.decision == Decision.RETRACTED:
        resolution = None
    if resolution is None:
        return RecordScreening(record_id, stage, RecordStatus.CONFLICT.value, decisions, kind.value)
    reason = (resolution.reason or "").strip() or None
    return RecordScreening(
        record_id,
        stage,
        RecordStatus.CONFLICT.value,
        decisions,
        kind.value,
        resolution=resolution,
        final_decision=resolution.decision,
        final_reason=reason if resolution.decision == Decision.EXCLUDE else None,
    )


def classify_records(
    decisions: Decisions,
    stage: str,
    *,
    required_reviewers: int = 2,
    maybe_counts_as_include: bool,
    resolutions: Iterable[Resolution] | Mapping[tuple[int, str], Resolution] = (),
    record_ids: Iterable[int] | None = None,
) -> dict[int, RecordScreening]:
    """Every record of `stage` with its state, keyed by record id, in record id order.

    `decisions`: the output of `current_decisions`, or the raw events (replayed here).
    `resolutions`: resolution events (replayed: latest wins) or `current_resolutions` output.
    `record_ids`: records to report even without any decision (they are pending); by default only
    records with at least one current decision at `stage` are reported.
    """
    stage = parse_stage(stage)
    by_record: dict[int, list[DecisionEvent]] = {}
    for event in decisions_of_stage(decisions, stage):
        by_record.setdefault(event.record_id, []).append(event)
    for record_id in record_ids or ():
        by_record.setdefault(record_id, [])
    settled = resolutions if isinstance(resolutions, Mapping) else current_resolutions(resolutions)
    return {
        record_id: classify_record(
            record_id,
            stage,
            by_record[record_id],
            required_reviewers=required_reviewers,
            maybe_counts_as_include=maybe_counts_as_include,
            resolution=settled.get((record_id, stage)),
        )
        for record_id in sorted(by_record)
    }


def final_decisions(records: Mapping[int, RecordScreening] | Iterable[RecordScreening]) -> dict[int, str]:
    """record_id → include/exclude for every record with a final decision (open records left out)."""
    values = records.values() if isinstance(records, Mapping) else records
    return {r.record_id: r.final_decision for r in values if r.final_decision is not None}


def final_reasons(records: Mapping[int, RecordScreening] | Iterable[RecordScreening]) -> dict[int, str]:
    """record_id → exclusion reason for every finally excluded record that has one."""
    values = records.values() if isinstance(records, Mapping) else records
    return {
        r.record_id: r.final_reason
        for r in values
        if r.final_decision == Decision.EXCLUDE and r.final_reason is not None
    }


def status_counts(records: Mapping[int, RecordScreening] | Iterable[RecordScreening]) -> dict[str, int]:
    """How many records per status, plus ``resolved`` and ``needs_resolution`` (both among conflicts)."""
    values = list(records.values() if isinstance(records, Mapping) else records)
    counts = {status.value: 0 for status in RecordStatus}
    for record in values:
        counts[record.status] += 1
    counts["resolved"] = sum(1 for r in values if r.resolution is not None)
    counts["needs_resolution"] = sum(1 for r in values if r.needs_resolution)
    return counts


__all__ = [
    "ConflictKind",
    "RecordScreening",
    "RecordStatus",
    "Resolution",
    "classify_record",
    "classify_records",
    "current_resolutions",
    "final_decision",
    "final_decisions",
    "final_reasons",
    "status_counts",
    "validate_resolution",
]

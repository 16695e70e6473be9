"""Screening decisions are append-only events; the current state is derived from them.

A reviewer never edits a decision: a change is a new event, and an undo is an event with the
decision ``retracted``. `current_decisions` replays the events: per (record, stage, reviewer) the
latest event wins (by ``decided_at``, ties broken by ``event_id``), and a latest ``retracted``
removes the reviewer's decision.

>>> from datetime import datetime
>>> t = datetime(2025, 1, 1)
>>> events = [
...     DecisionEvent(1, 7, "title_abstract", "include", None, None, t, event_id=1),
...     DecisionEvent(1, 7, "title_abstract", "exclude", None, None, t.replace(hour=1), event_id=2),
... ]
>>> current_decisions(events)[(1, "title_abstract", 7)].decision
'exclude'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Stage(StrEnum):
    """The two screening stages, in the order a record passes them."""

    TITLE_ABSTRACT = "title_abstract"
    FULL_TEXT = "full_text"


class Decision(StrEnum):
    """What a reviewer says about a record; ``retracted`` is the undo of an earlier decision."""

    INCLUDE = "include"
    EXCLUDE = "exclude"
    MAYBE = "maybe"
    RETRACTED = "retracted"


STAGES: tuple[str, ...] = tuple(s.value for s in Stage)
DECISIONS: tuple[str, ...] = (Decision.INCLUDE.value, Decision.EXCLUDE.value, Decision.MAYBE.value)
"""The decisions a reviewer can make (``retracted`` is an event, not a decision)."""

DecisionKey = tuple[int, str, int]
"""(record_id, stage, reviewer_id): the key of the current state."""


def parse_stage(value: str) -> str:
    """The stage named `value` (case and surrounding blanks ignored), else a ValueError.

    >>> parse_stage(" Full_Text ")
    'full_text'
    """
    cleaned = value.strip().lower()
    if cleaned not in STAGES:
        raise ValueError(f"unknown screening stage {value!r}: use one of {', '.join(STAGES)}")
    return cleaned


def parse_decision(value: str, *, allow_retracted: bool = True) -> str:
    """The decision named `value` (case and surrounding blanks ignored), else a ValueError.

    >>> parse_decision("Maybe")
    'maybe'
    """
    cleaned = value.strip().lower()
    allowed = (*DECISIONS, Decision.RETRACTED.value) if allow_retracted else DECISIONS
    if cleaned not in allowed:
        raise ValueError(f"unknown screening decision {value!r}: use one of {', '.join(allowed)}")
    return cleaned


def validate_decision(stage: str, decision: str, reason: str | None) -> None:
    """Raise ValueError when a decision breaks a screening rule.

    The rule: at full text, an exclude needs a reason (PRISMA reports full-text exclusions by reason).

    >>> validate_decision("full_text", "exclude", "wrong population")
    >>> validate_decision("full_text", "exclude", "  ")
    Traceback (most recent call last):
    ...
    ValueError: a full-text exclusion needs a reason (e.g. wrong population, wrong concept)
    """
    parse_stage(stage)
    parse_decision(decision)
    if stage == Stage.FULL_TEXT and decision == Decision.EXCLUDE and not (reason or "").strip():
        raise ValueError("a full-text exclusion needs a reason (e.g. wrong population, wrong concept)")


@dataclass(frozen=True)
class DecisionEvent:
    """One decision of one reviewer on one record at one stage; never changed once written.

    Construction checks the stage and decision values. The full-text reason rule is checked where a
    decision is made (`validate_decision`), not here, so an event already stored always loads.
    """

    record_id: int
    reviewer_id: int
    stage: str
    decision: str
    reason: str | None
    note: str | None
    decided_at: datetime
    event_id: int

    def __post_init__(self) -> None:
        if self.stage not in STAGES:
            raise ValueError(f"unknown screening stage {self.stage!r}: use one of {', '.join(STAGES)}")
        if self.decision not in (*DECISIONS, Decision.RETRACTED.value):
            raise ValueError(
                f"unknown screening decision {self.decision!r}: "
                f"use one of {', '.join(DECISIONS)} or retracted"
            )

    @property
    def key(self) -> DecisionKey:
        """(record_id, stage, reviewer_id)."""
        return (self.record_id, self.stage, self.reviewer_id)

    @property
    def order(self) -> tuple[datetime, int]:
        """The replay order: time, then event id."""
        return (self.decided_at, self.event_id)


def current_decisions(events: Iterable[DecisionEvent]) -> dict[DecisionKey, DecisionEvent]:
    """The current decision per (record_id, stage, reviewer_id): the latest event wins.

    Events may come in any order. A latest event with decision ``retracted`` removes the key,
    so the reviewer has no decision on that record at that stage (the record is undecided again).
    Passing an already-current state returns it unchanged.
    """
    latest: dict[DecisionKey, DecisionEvent] = {}
    for event in events:
        seen = latest.get(event.key)
        if seen is None or event.order > seen.order:
            latest[event.key] = event
    return {key: event for key, event in latest.items() if event.decision != Decision.RETRACTED}


Decisions = Mapping[DecisionKey, DecisionEvent] | Iterable[DecisionEvent]
"""What the functions of this package accept: the output of `current_decisions`, or events."""


def as_current(decisions: Decisions) -> list[DecisionEvent]:
    """The current decisions as a list, from a `current_decisions` mapping or from raw events.

    Raw events are replayed with `current_decisions`, so an event log can be passed directly.
    """
    if isinstance(decisions, Mapping):
        return list(decisions.values())
    return list(current_decisions(decisions).values())


def decisions_of_stage(decisions: Decisions, stage: str) -> list[DecisionEvent]:
    """The current decisions at `stage`, ordered by record, then reviewer."""
    stage = parse_stage(stage)
    chosen = [event for event in as_current(decisions) if event.stage == stage]
    return sorted(chosen, key=lambda event: (event.record_id, event.reviewer_id))


def map_maybe(decision: str, maybe_counts_as_include: bool) -> str:
    """The decision as compared between reviewers under the project's rule for ``maybe``.

    With ``maybe_counts_as_include`` a maybe is an include; otherwise it stays ``maybe``, a category
    of its own (so include vs maybe is a disagreement).

    >>> map_maybe("maybe", True), map_maybe("maybe", False), map_maybe("exclude", True)
    ('include', 'maybe', 'exclude')
    """
    if decision == Decision.MAYBE and maybe_counts_as_include:
        return Decision.INCLUDE.value
    return decision

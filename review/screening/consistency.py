"""Is the derived screening state what the events say? A check for after faults and load.

`current_decisions` and `screening_status` are kept in step with the events by every write
(`state.refresh`). After a crash, a cut connection or an hour of twenty reviewers at once they
must still equal what `state.rebuild_state` derives from the events alone; `rebuild_differences`
says where they do not (the fault tests and `bench/load_bench.py` call it), and `duplicate_keys`
finds a decision stored twice under one idempotency key (the unique index forbids it; this
proves it held).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine, func, select

from review.screening.state import rebuild_state
from review.store.engine import session_scope
from review.store.screening_schema import CurrentDecision, DecisionEventRow, ScreeningStatus

K = TypeVar("K")
V = TypeVar("V")
#: (stage, record_id, reviewer_id) → (event_id, decision)
CurrentRows = dict[tuple[str, int, int], tuple[int, str]]
#: (stage, record_id) → (decided, status, final_decision, final_reason, automation_excluded)
StatusRows = dict[tuple[str, int], tuple[int, str, str | None, str | None, bool]]
#: A record's status row is made lazily (`state.sync_status_rows`): none yet means this.
UNSCREENED = (0, "pending", None, None, False)


@dataclass(frozen=True)
class DerivedState:
    """The derived tables of one project, as plain data that compares with ==."""

    current: CurrentRows
    status: StatusRows

    def status_counts(self, stage: str) -> dict[str, int]:
        """How many records are in each status at `stage` (pending, conflict, agreed_include...)."""
        counts: dict[str, int] = {}
        for (row_stage, _), (_, status, *_) in self.status.items():
            if row_stage == stage:
                counts[status] = counts.get(status, 0) + 1
        return counts


def derived_state(engine: Engine, project_id: int) -> DerivedState:
    """Read `current_decisions` and `screening_status` of the project."""
    with session_scope(engine) as session:
        current: CurrentRows = {
            (row.stage, row.record_id, row.reviewer_id): (row.event_id, row.decision)
            for row in session.scalars(
                select(CurrentDecision).where(CurrentDecision.project_id == project_id)
            )
        }
        status: StatusRows = {
            (row.stage, row.record_id): (
                row.decided,
                row.status,
                row.final_decision,
                row.final_reason,
                bool(row.automation_excluded),
            )
            for row in session.scalars(
                select(ScreeningStatus).where(ScreeningStatus.project_id == project_id)
            )
        }
    return DerivedState(current, status)


def rebuild_differences(engine: Engine, project_id: int, *, limit: int = 20) -> list[str]:
    """Rebuild the derived state from the events and say what differed (empty: it was right).

    It writes: afterwards the derived state is the rebuilt one, right either way.
    """
    before = derived_state(engine, project_id)
    rebuild_state(engine, project_id)
    after = derived_state(engine, project_id)
    differences = _compare("current_decisions", before.current, after.current, None) + _compare(
        "screening_status", before.status, after.status, UNSCREENED
    )
    return differences[:limit] + (
        [f"... {len(differences) - limit} more"] if len(differences) > limit else []
    )


def _compare(name: str, stored: Mapping[K, V], rebuilt: Mapping[K, V], absent: V | None) -> list[str]:
    return [
        f"{name} {key}: stored {stored.get(key)}, rebuilt {rebuilt.get(key)}"
        for key in sorted(set(stored) | set(rebuilt), key=str)
        if stored.get(key, absent) != rebuilt.get(key, absent)
    ]


def duplicate_keys(engine: Engine, project_id: int) -> list[str]:
    """Idempotency keys held by more than one decision event of the project (should be none)."""
    with session_scope(engine) as session:
        return list(
            session.scalars(
                select(DecisionEventRow.idempotency_key)
                .where(DecisionEventRow.project_id == project_id)
                .group_by(DecisionEventRow.idempotency_key)
                .having(func.count() > 1)
            )
        )

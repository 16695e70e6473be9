"""The derived screening state in the database, kept in step with the append-only events.

The events (`decision_events`, `resolutions`) are the truth. After every write, the records it
touched are re-derived with the pure functions (`current_decisions`, `classify_record`) into
`current_decisions` and `screening_status`, in the same transaction and under a lock on those
records' status rows, so ten reviewers deciding at once never leave a stale count behind.
`rebuild_state` derives everything again from the events (after a settings change).

`screening_status.automation_excluded` is derived the same way from the automation exclusions
(`review.screening.automation`) and the decisions: see `derive_automation_flags`.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, Table, and_, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from review.screening.conflicts import RecordScreening, Resolution, classify_record, current_resolutions
from review.screening.model import DecisionEvent, DecisionKey, Stage, current_decisions, parse_stage
from review.screening.settings import ProtocolSettings, project_settings
from review.store.schema import Project, RecordRow
from review.store.screening_schema import (
    AutomationExclusion,
    AutomationExclusionRecord,
    CurrentDecision,
    DecisionEventRow,
    ResolutionRow,
    ScreeningStatus,
)
from review.store.transactions import write_session

CHUNK = 500
ANALYZE_AFTER = 1_000
TITLE_ABSTRACT = Stage.TITLE_ABSTRACT.value
FULL_TEXT = Stage.FULL_TEXT.value

QueueOrdering = Callable[[int, Sequence[int]], Mapping[int, int]]
"""(project id, record ids) → queue rank per record; smaller comes first. The default is
`random_ranks`; `reorder_queue` writes another shared order. (Prioritised screening does not
use it: a shared order would carry one reviewer's blind decisions into another's queue, so each
reviewer gets ranks of their own, `review.screening.priority_queue`.)"""


class ScreeningError(ValueError):
    """A screening action that breaks a rule; the message says which."""


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns: they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def random_rank(project_id: int, record_id: int) -> int:
    """A stable pseudo-random rank: the same project and record always get the same place.

    >>> random_rank(1, 2) == random_rank(1, 2) != random_rank(2, 2)
    True
    """
    digest = hashlib.blake2b(f"{project_id}:{record_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 2  # fits a signed 64-bit column


def random_ranks(project_id: int, record_ids: Sequence[int]) -> dict[int, int]:
    """The default queue order: stable and random per project."""
    return {record_id: random_rank(project_id, record_id) for record_id in record_ids}


def chunks(values: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def dialect_insert(session: Session, table: Table) -> Any:
    """An INSERT that knows ON CONFLICT DO NOTHING, for the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def insert_ignore(session: Session, table: Table, rows: list[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert rows, skipping those whose `keys` exist already (SQLite and PostgreSQL)."""
    if rows:
        session.execute(
            dialect_insert(session, table).on_conflict_do_nothing(index_elements=list(keys)), rows
        )


STATUS_TABLE: Table = ScreeningStatus.__table__  # type: ignore[assignment]
CURRENT_TABLE: Table = CurrentDecision.__table__  # type: ignore[assignment]
EVENTS_TABLE: Table = DecisionEventRow.__table__  # type: ignore[assignment]


def load_settings(session: Session, project_id: int) -> ProtocolSettings:
    project = session.get(Project, project_id)
    if project is None:
        raise ScreeningError(f"there is no project with id {project_id}")
    return project_settings(project.settings)


def to_event(row: DecisionEventRow) -> DecisionEvent:
    return DecisionEvent(
        row.record_id,
        row.reviewer_id,
        row.stage,
        row.decision,
        row.reason,
        row.note,
        as_utc(row.decided_at),
        row.id,
    )


def to_resolution(row: ResolutionRow) -> Resolution:
    return Resolution(
        row.record_id, row.stage, row.decision, row.reason, row.resolved_by, as_utc(row.resolved_at), row.id
    )


def primary_record(session: Session, project_id: int, record_id: int) -> RecordRow:
    """The record, if it is a screened (primary) record of the project; ScreeningError otherwise."""
    record = session.get(RecordRow, record_id)
    if record is None or record.project_id != project_id:
        raise ScreeningError(f"record {record_id} is not a record of this project")
    if record.duplicate_of is not None:
        raise ScreeningError(
            f"record {record_id} was merged into record {record.duplicate_of} as a duplicate: screen that one"
        )
    return record


# -- status rows: existence, locks ------------------------------------------------------------


def sync_status_rows(engine: Engine, project_id: int, *, max_age: float = 0.0) -> None:
    """Give every record of the project a title/abstract status row (records imported since).

    A check first (two counts), the write only after an import. With `max_age`, the check is
    skipped when this process made it for the project less than `max_age` seconds ago: the queue
    uses that, so a record imported meanwhile reaches the queues within that time (or at once
    when a queue looks empty).
    """
    from review.store.engine import session_scope

    key = (str(engine.url), project_id)
    now = time.monotonic()
    with _checked_lock:
        if max_age and now - _checked_at.get(key, -max_age) < max_age:
            return
        _checked_at[key] = now
    with session_scope(engine) as session:
        if not status_rows_missing(session, project_id):
            return
    with write_session(engine) as session:
        ensure_status_rows(session, project_id)


_checked_at: dict[tuple[str, int], float] = {}
_checked_lock = threading.Lock()


def status_rows_missing(session: Session, project_id: int) -> bool:
    records = session.scalar(select(func.count(RecordRow.id)).where(RecordRow.project_id == project_id))
    rows = session.scalar(
        select(func.count())
        .select_from(ScreeningStatus)
        .where(ScreeningStatus.project_id == project_id, ScreeningStatus.stage == TITLE_ABSTRACT)
    )
    return (records or 0) != (rows or 0)


def ensure_status_rows(session: Session, project_id: int, ordering: QueueOrdering = random_ranks) -> None:
    if not status_rows_missing(session, project_id):
        return
    missing = list(
        session.scalars(
            select(RecordRow.id)
            .where(RecordRow.project_id == project_id)
            .where(
                ~select(ScreeningStatus.record_id)
                .where(
                    ScreeningStatus.project_id == project_id,
                    ScreeningStatus.stage == TITLE_ABSTRACT,
                    ScreeningStatus.record_id == RecordRow.id,
                )
                .exists()
            )
            .order_by(RecordRow.id)
        )
    )
    ranks = ordering(project_id, missing)
    for part in chunks(missing, 5_000):
        insert_ignore(
            session,
            STATUS_TABLE,
            [_new_status(project_id, TITLE_ABSTRACT, record_id, ranks[record_id]) for record_id in part],
            ("project_id", "stage", "record_id"),
        )
    if len(missing) >= ANALYZE_AFTER:
        analyze(session, "records", "screening_status")


def analyze(session: Session, *tables: str) -> None:
    """After a large batch (an import): refresh PostgreSQL's statistics now rather than when
    autovacuum gets round to it, so the queue's queries are planned for the real table sizes
    (stale statistics once made serving the next record 10x slower)."""
    if session.get_bind().dialect.name == "postgresql":
        for table in tables:
            session.execute(text(f"ANALYZE {table}"))


def _new_status(project_id: int, stage: str, record_id: int, rank: int) -> dict[str, Any]:
    return {
        "project_id": project_id,
        "stage": stage,
        "record_id": record_id,
        "queue_rank": rank,
        "decided": 0,
        "status": "pending",
        "final_decision": None,
        "final_reason": None,
        "automation_excluded": False,
    }


def lock_status(session: Session, project_id: int, stage: str, record_ids: Iterable[int]) -> None:
    """Make sure the status rows exist and hold them until the transaction ends.

    Rows are locked in record order, so two writers never wait on each other in a circle.
    (On SQLite the whole write transaction is serialised by `write_session`; FOR UPDATE is a no-op.)
    """
    ids = sorted(set(record_ids))
    ranks = _ranks_for(session, project_id, stage, ids)
    insert_ignore(
        session,
        STATUS_TABLE,
        [_new_status(project_id, stage, record_id, ranks[record_id]) for record_id in ids],
        ("project_id", "stage", "record_id"),
    )
    for part in chunks(ids):
        session.execute(
            select(ScreeningStatus.record_id)
            .where(
                ScreeningStatus.project_id == project_id,
                ScreeningStatus.stage == stage,
                ScreeningStatus.record_id.in_(part),
            )
            .order_by(ScreeningStatus.record_id)
            .with_for_update()
        ).all()


def _ranks_for(session: Session, project_id: int, stage: str, record_ids: list[int]) -> dict[int, int]:
    """A full-text row takes the record's title/abstract rank; a new row the default."""
    ranks = random_ranks(project_id, record_ids)
    if stage != TITLE_ABSTRACT:
        for part in chunks(record_ids):
            ranks.update(
                session.execute(
                    select(ScreeningStatus.record_id, ScreeningStatus.queue_rank).where(
                        ScreeningStatus.project_id == project_id,
                        ScreeningStatus.stage == TITLE_ABSTRACT,
                        ScreeningStatus.record_id.in_(part),
                    )
                ).all()
            )
    return ranks


# -- re-deriving ------------------------------------------------------------------------------


def stage_events(
    session: Session, project_id: int, stage: str, record_ids: Sequence[int] | None
) -> list[DecisionEvent]:
    """Every decision event at `stage` (of the given records, else of the whole project)."""
    base = select(DecisionEventRow).where(
        DecisionEventRow.project_id == project_id, DecisionEventRow.stage == stage
    )
    if record_ids is None:
        return [to_event(row) for row in session.scalars(base)]
    out: list[DecisionEvent] = []
    for part in chunks(list(record_ids)):
        out.extend(to_event(row) for row in session.scalars(base.where(DecisionEventRow.record_id.in_(part))))
    return out


def stage_resolutions(
    session: Session, project_id: int, stage: str, record_ids: Sequence[int] | None
) -> dict[tuple[int, str], Resolution]:
    base = select(ResolutionRow).where(ResolutionRow.project_id == project_id, ResolutionRow.stage == stage)
    rows: list[Resolution] = []
    if record_ids is None:
        rows = [to_resolution(row) for row in session.scalars(base)]
    else:
        for part in chunks(list(record_ids)):
            rows.extend(
                to_resolution(row) for row in session.scalars(base.where(ResolutionRow.record_id.in_(part)))
            )
    return current_resolutions(rows)


def classify(
    session: Session,
    project_id: int,
    settings: ProtocolSettings,
    stage: str,
    record_ids: Sequence[int] | None = None,
    events: Mapping[DecisionKey, DecisionEvent] | None = None,
) -> dict[int, RecordScreening]:
    """Each record's state at `stage`, derived from the events with the pure rules.

    `record_ids=None`: every record with an event at the stage. `events`: their current decisions,
    if the caller has them already.
    """
    if events is None:
        events = current_decisions(stage_events(session, project_id, stage, record_ids))
    resolutions = stage_resolutions(session, project_id, stage, record_ids)
    by_record: dict[int, list[DecisionEvent]] = {}
    for event in events.values():
        by_record.setdefault(event.record_id, []).append(event)
    ids = sorted(set(by_record) | set(record_ids or ()))
    return {
        record_id: classify_record(
            record_id,
            stage,
            by_record.get(record_id, []),
            required_reviewers=settings.reviewers_required(stage),
            maybe_counts_as_include=settings.maybe_counts_as_include,
            resolution=resolutions.get((record_id, stage)),
        )
        for record_id in ids
    }


def refresh(
    session: Session, project_id: int, settings: ProtocolSettings, stage: str, record_ids: Iterable[int]
) -> dict[int, RecordScreening]:
    """Re-derive the state of these records at `stage` (their status rows must be locked)."""
    stage = parse_stage(stage)
    ids = sorted(set(record_ids))
    events = current_decisions(stage_events(session, project_id, stage, ids))
    for part in chunks(ids):
        session.execute(
            delete(CurrentDecision).where(
                CurrentDecision.project_id == project_id,
                CurrentDecision.stage == stage,
                CurrentDecision.record_id.in_(part),
            )
        )
    rows = [
        {
            "project_id": project_id,
            "stage": stage,
            "record_id": event.record_id,
            "reviewer_id": event.reviewer_id,
            "event_id": event.event_id,
            "decision": event.decision,
        }
        for event in sorted(events.values(), key=lambda e: (e.record_id, e.reviewer_id))
    ]
    for part in chunks(rows, 2_000):
        session.execute(CURRENT_TABLE.insert(), list(part))
    states = classify(session, project_id, settings, stage, ids, events)
    statement = (
        update(STATUS_TABLE)
        .where(
            STATUS_TABLE.c.project_id == project_id,
            STATUS_TABLE.c.stage == stage,
            STATUS_TABLE.c.record_id == bindparam("rid"),
        )
        .values(
            decided=bindparam("n_decided"),
            status=bindparam("new_status"),
            final_decision=bindparam("final"),
            final_reason=bindparam("reason"),
        )
    )
    values = [
        {
            "rid": record_id,
            "n_decided": len(states[record_id].decisions),
            "new_status": states[record_id].status,
            "final": states[record_id].final_decision,
            "reason": states[record_id].final_reason,
        }
        for record_id in ids
    ]
    if len(values) == 1:
        session.execute(statement, values[0])
    elif values:
        session.execute(statement, values)  # one executemany
    if stage == TITLE_ABSTRACT:
        included = [record_id for record_id in ids if states[record_id].final_decision == "include"]
        ranks = _ranks_for(session, project_id, FULL_TEXT, included)
        insert_ignore(
            session,
            STATUS_TABLE,
            [_new_status(project_id, FULL_TEXT, record_id, ranks[record_id]) for record_id in included],
            ("project_id", "stage", "record_id"),
        )
        derive_automation_flags(session, project_id, ids)
    return states


def derive_automation_flags(
    session: Session, project_id: int, record_ids: Sequence[int] | None = None
) -> None:
    """THE AUTOMATION RULE: a record is excluded by automation while an automation exclusion that
    is not undone covers it AND nobody has a current title/abstract decision on it.

    So a decision made later (a CSV import, a reviewer who still had the record open) takes the
    record out of "excluded by automation" at once, and an undo of that decision puts it back.
    Re-derives the flag of these records (their status rows locked), or of every record.
    """
    covered = (
        select(AutomationExclusionRecord.record_id)
        .join(AutomationExclusion, AutomationExclusion.id == AutomationExclusionRecord.exclusion_id)
        .where(
            AutomationExclusionRecord.project_id == project_id,
            AutomationExclusionRecord.record_id == STATUS_TABLE.c.record_id,
            AutomationExclusion.stage == TITLE_ABSTRACT,
            AutomationExclusion.undone_at.is_(None),
        )
        .exists()
    )
    statement = (
        update(STATUS_TABLE)
        .where(STATUS_TABLE.c.project_id == project_id, STATUS_TABLE.c.stage == TITLE_ABSTRACT)
        .values(automation_excluded=and_(STATUS_TABLE.c.decided == 0, covered))
    )
    if record_ids is None:
        session.execute(statement)
        return
    for part in chunks(sorted(set(record_ids))):
        session.execute(statement.where(STATUS_TABLE.c.record_id.in_(part)))


def rebuild_state(engine: Engine, project_id: int) -> None:
    """Derive the whole screening state of a project from its events again."""
    with write_session(engine) as session:
        settings = load_settings(session, project_id)
        ensure_status_rows(session, project_id)
        for stage in (TITLE_ABSTRACT, FULL_TEXT):
            ids = sorted(
                set(
                    session.scalars(
                        select(DecisionEventRow.record_id)
                        .where(DecisionEventRow.project_id == project_id, DecisionEventRow.stage == stage)
                        .distinct()
                    )
                )
                | set(
                    session.scalars(
                        select(ScreeningStatus.record_id).where(
                            ScreeningStatus.project_id == project_id,
                            ScreeningStatus.stage == stage,
                            ScreeningStatus.decided > 0,
                        )
                    )
                )
            )
            lock_status(session, project_id, stage, ids)
            refresh(session, project_id, settings, stage, ids)
        derive_automation_flags(session, project_id)


def reorder_queue(engine: Engine, project_id: int, ordering: QueueOrdering) -> None:
    """Give every record a new queue rank from `ordering` (both stages keep the same order).

    A shared order for everyone (prioritised screening ranks per reviewer instead:
    `review.screening.priority_queue`).
    """
    with write_session(engine) as session:
        ensure_status_rows(session, project_id)
        ids = list(
            session.scalars(
                select(ScreeningStatus.record_id).where(
                    ScreeningStatus.project_id == project_id, ScreeningStatus.stage == TITLE_ABSTRACT
                )
            )
        )
        ranks = ordering(project_id, ids)
        statement = (
            update(STATUS_TABLE)
            .where(STATUS_TABLE.c.project_id == project_id, STATUS_TABLE.c.record_id == bindparam("rid"))
            .values(queue_rank=bindparam("rank"))
        )
        rows = [{"rid": record_id, "rank": rank} for record_id, rank in ranks.items()]
        for part in chunks(rows, 5_000):
            session.execute(statement, list(part))

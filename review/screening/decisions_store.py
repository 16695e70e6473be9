"""Storing decisions: append-only events, each stored exactly once, the derived state in step.

Safe under concurrency (threads, processes, SQLite and PostgreSQL): every write runs in
`write_session`, locks the status rows of the records it touches, inserts the events and
re-derives those records before it commits. A client-made idempotency key (unique per project)
makes a retried submit a no-op that returns the first receipt; for the same reason a decision or
an undo is run again after a lost database connection (`transactions.retrying`), with the same key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from review.people import Actor, current_actor
from review.screening.model import Decision, parse_decision, parse_stage, validate_decision
from review.screening.settings import ProtocolSettings
from review.screening.state import (
    ANALYZE_AFTER,
    EVENTS_TABLE,
    FULL_TEXT,
    TITLE_ABSTRACT,
    ScreeningError,
    analyze,
    as_utc,
    chunks,
    dialect_insert,
    load_settings,
    lock_status,
    refresh,
)
from review.store.schema import RecordRow, utcnow
from review.store.screening_schema import CurrentDecision, DecisionEventRow, ScreeningStatus
from review.store.transactions import retrying, write_session

MAX_KEY_LENGTH = 64


@dataclass(frozen=True)
class NewDecision:
    """A decision to store, by `reviewer_id` (checked to be a screening member by the caller)."""

    reviewer_id: int
    record_id: int
    stage: str
    decision: str
    reason: str | None = None
    note: str | None = None
    idempotency_key: str | None = None
    origin: str = "app"


@dataclass(frozen=True)
class DecisionReceipt:
    """What was stored. Deliberately nothing about other reviewers' decisions (blinding)."""

    event_id: int
    record_id: int
    stage: str
    decision: str
    decided_at: datetime
    stored: bool
    """False when this idempotency key had been stored before: a retried submit, not stored twice."""


class DecisionRejected(ScreeningError):
    """One decision of a batch broke a rule; `index` is its position in the batch."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def new_key() -> str:
    """A fresh idempotency key: the app makes one per record shown and sends it with the decision."""
    return uuid.uuid4().hex


def record_decision(
    engine: Engine,
    project_id: int,
    actor: Actor,
    record_id: int,
    stage: str,
    decision: str,
    reason: str | None = None,
    note: str | None = None,
    *,
    idempotency_key: str | None = None,
) -> DecisionReceipt:
    """Store one decision of `actor` (a reviewer or owner of the project).

    Rules: the record is a primary (not merged-away) record of the project; at full text the record
    was finally included at title/abstract, and an exclusion needs a reason. Raises
    PermissionDenied or ScreeningError (nothing stored). Retrying with the same `idempotency_key`
    stores nothing new and returns the first receipt (with ``stored=False``).

    A lost database connection is retried here with the same key (made here when none is given),
    so the decision is stored once whether or not the lost attempt had committed; if every attempt
    fails, `DatabaseUnavailable`.
    """
    key = idempotency_key or new_key()

    def attempt() -> DecisionReceipt:
        with write_session(engine) as session:
            current = current_actor(session, project_id, actor)
            reviewer_id = current.require_screener()
            try:
                parsed = parse_decision(decision, allow_retracted=False)
            except ValueError as error:
                raise ScreeningError(f"{error} (to take a decision back, undo it)") from None
            item = NewDecision(reviewer_id, record_id, stage, parsed, reason, note, key)
            try:
                return store_decisions(session, project_id, load_settings(session, project_id), [item])[0]
            except DecisionRejected as rejected:
                raise ScreeningError(str(rejected)) from None

    return retrying(attempt, what="your decision")


def store_decisions(
    session: Session, project_id: int, settings: ProtocolSettings, items: Sequence[NewDecision]
) -> list[DecisionReceipt]:
    """Store a batch in the caller's write transaction: all of it, or DecisionRejected for the first
    bad item. Title/abstract decisions go first, so a full-text decision may follow its record's
    title/abstract decisions in the same batch."""
    cleaned = [_checked(index, item) for index, item in enumerate(items)]
    _check_records(session, project_id, cleaned)
    receipts: dict[int, DecisionReceipt] = {}
    for stage in (TITLE_ABSTRACT, FULL_TEXT):
        batch = [(index, item) for index, item in enumerate(cleaned) if item.stage == stage]
        if not batch:
            continue
        record_ids = {item.record_id for _, item in batch}
        lock_status(session, project_id, stage, record_ids)
        if stage == FULL_TEXT:
            _check_full_text_eligible(session, project_id, batch)
        receipts.update(_insert_events(session, project_id, stage, batch))
        refresh(session, project_id, settings, stage, record_ids)
    if len(cleaned) >= ANALYZE_AFTER:
        analyze(session, "decision_events", "current_decisions", "screening_status")
    return [receipts[index] for index in range(len(cleaned))]


def _checked(index: int, item: NewDecision) -> NewDecision:
    try:
        stage = parse_stage(item.stage)
        decision = parse_decision(item.decision)
        validate_decision(stage, decision, item.reason)
    except ValueError as error:
        raise DecisionRejected(index, str(error)) from None
    key = item.idempotency_key or new_key()
    if len(key) > MAX_KEY_LENGTH:
        raise DecisionRejected(index, f"an idempotency key has at most {MAX_KEY_LENGTH} characters")
    reason = (item.reason or "").strip() or None
    note = (item.note or "").strip() or None
    return NewDecision(item.reviewer_id, item.record_id, stage, decision, reason, note, key, item.origin)


def _check_records(session: Session, project_id: int, items: list[NewDecision]) -> None:
    ids = sorted({item.record_id for item in items})
    found: dict[int, tuple[int, int | None]] = {}
    for part in chunks(ids):
        found.update(
            (row.id, (row.project_id, row.duplicate_of))
            for row in session.execute(
                select(RecordRow.id, RecordRow.project_id, RecordRow.duplicate_of).where(
                    RecordRow.id.in_(part)
                )
            )
        )
    for index, item in enumerate(items):
        project, duplicate_of = found.get(item.record_id, (None, None))
        if project != project_id:
            raise DecisionRejected(index, f"record {item.record_id} is not a record of this project")
        if duplicate_of is not None:
            raise DecisionRejected(
                index,
                f"record {item.record_id} was merged into record {duplicate_of} as a duplicate: "
                "screen that one",
            )


def _check_full_text_eligible(
    session: Session, project_id: int, batch: list[tuple[int, NewDecision]]
) -> None:
    ids = sorted({item.record_id for _, item in batch})
    included: set[int] = set()
    for part in chunks(ids):
        included.update(
            session.scalars(
                select(ScreeningStatus.record_id).where(
                    ScreeningStatus.project_id == project_id,
                    ScreeningStatus.stage == TITLE_ABSTRACT,
                    ScreeningStatus.record_id.in_(part),
                    ScreeningStatus.final_decision == Decision.INCLUDE.value,
                )
            )
        )
    for index, item in batch:
        if item.record_id not in included and item.decision != Decision.RETRACTED:
            raise DecisionRejected(
                index,
                f"record {item.record_id} is not included at title/abstract (yet): "
                "only records included there are screened at full text",
            )


def _insert_events(
    session: Session, project_id: int, stage: str, batch: list[tuple[int, NewDecision]]
) -> dict[int, DecisionReceipt]:
    keys = [item.idempotency_key or "" for _, item in batch]
    stored_before = _events_by_key(session, project_id, keys)
    # Latest time per (record, reviewer): a new event never sorts before an earlier one, even if
    # this machine's clock is behind the one that wrote it.
    latest: dict[tuple[int, int], datetime] = {}
    ids = sorted({item.record_id for _, item in batch})
    for part in chunks(ids):
        for record_id, reviewer_id, moment in session.execute(
            select(
                DecisionEventRow.record_id,
                DecisionEventRow.reviewer_id,
                func.max(DecisionEventRow.decided_at),
            )
            .where(
                DecisionEventRow.project_id == project_id,
                DecisionEventRow.stage == stage,
                DecisionEventRow.record_id.in_(part),
            )
            .group_by(DecisionEventRow.record_id, DecisionEventRow.reviewer_id)
        ):
            latest[(record_id, reviewer_id)] = as_utc(moment)
    now = utcnow()
    rows = []
    seen: set[str] = set()
    for offset, (_, item) in enumerate(batch):
        key = item.idempotency_key or ""
        if key in stored_before or key in seen:
            continue
        seen.add(key)
        moment = max(
            now + timedelta(microseconds=offset), latest.get((item.record_id, item.reviewer_id), now)
        )
        latest[(item.record_id, item.reviewer_id)] = moment
        rows.append(
            {
                "project_id": project_id,
                "record_id": item.record_id,
                "reviewer_id": item.reviewer_id,
                "stage": stage,
                "decision": item.decision,
                "reason": item.reason,
                "note": item.note,
                "decided_at": moment,
                "idempotency_key": key,
                "origin": item.origin,
            }
        )
    inserted = _insert_ignoring_known_keys(session, rows)
    events = _events_by_key(session, project_id, keys)
    receipts: dict[int, DecisionReceipt] = {}
    for index, item in batch:
        row = events[item.idempotency_key or ""]
        receipts[index] = DecisionReceipt(
            row.id,
            row.record_id,
            row.stage,
            row.decision,
            as_utc(row.decided_at),
            stored=row.idempotency_key in inserted and row.idempotency_key not in stored_before,
        )
    return receipts


def _insert_ignoring_known_keys(session: Session, rows: list[dict[str, object]]) -> set[str]:
    """Insert; a key another transaction stored meanwhile is skipped. Returns the keys inserted."""
    if not rows:
        return set()
    statement = dialect_insert(session, EVENTS_TABLE).on_conflict_do_nothing(
        index_elements=["project_id", "idempotency_key"]
    )
    inserted: set[str] = set()
    for part in chunks(rows, 1_000):
        result = session.execute(statement.returning(EVENTS_TABLE.c.idempotency_key), list(part))
        inserted.update(result.scalars())
    return inserted


def _events_by_key(session: Session, project_id: int, keys: list[str]) -> dict[str, DecisionEventRow]:
    found: dict[str, DecisionEventRow] = {}
    for part in chunks(sorted(set(keys))):
        for row in session.scalars(
            select(DecisionEventRow).where(
                DecisionEventRow.project_id == project_id, DecisionEventRow.idempotency_key.in_(part)
            )
        ):
            found[row.idempotency_key] = row
    return found


def undo_last_decision(engine: Engine, project_id: int, actor: Actor, stage: str) -> int | None:
    """Retract the actor's most recent current decision at `stage`; returns its record id.

    The record goes back to the actor's queue (it is undecided again, not restored to an older
    decision). Called again, it retracts the decision before that. None when nothing is left to undo.

    The retraction carries an idempotency key, so the retry after a lost connection recognises an
    attempt that had committed and does not take back a second decision.
    """
    stage = parse_stage(stage)
    key = new_key()

    def attempt() -> int | None:
        with write_session(engine) as session:
            return _undo_latest(session, project_id, actor, stage, key)

    return retrying(attempt, what="the undo")


def _undo_latest(session: Session, project_id: int, actor: Actor, stage: str, key: str) -> int | None:
    current = current_actor(session, project_id, actor)
    reviewer_id = current.require_screener()
    done = _events_by_key(session, project_id, [key]).get(key)
    if done is not None:  # an earlier attempt committed; its acknowledgement was lost
        return int(done.record_id)
    latest = session.execute(
        select(CurrentDecision.record_id)
        .join(DecisionEventRow, DecisionEventRow.id == CurrentDecision.event_id)
        .where(
            CurrentDecision.project_id == project_id,
            CurrentDecision.stage == stage,
            CurrentDecision.reviewer_id == reviewer_id,
        )
        .order_by(DecisionEventRow.decided_at.desc(), DecisionEventRow.id.desc())
        .limit(1)
    ).scalar()
    if latest is None:
        return None
    item = NewDecision(
        reviewer_id, latest, stage, Decision.RETRACTED.value, idempotency_key=key, origin="undo"
    )
    store_decisions(session, project_id, load_settings(session, project_id), [item])
    return int(latest)

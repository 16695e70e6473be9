"""A reviewer's queue: the next record they should decide, at one stage.

A record is in reviewer R's queue at stage S when

- it is a primary record of the project (not merged away as a duplicate), and at full text it
  was finally included at title/abstract;
- R has no current decision on it at S (an undone decision puts it back);
- it still needs decisions: fewer reviewers than the project requires have decided it. With two
  required and three reviewers, a record two have decided leaves the third one's queue;
- it is not excluded by automation (`review.screening.automation`: the owner excluded the records
  nobody had decided once the stopping rule said it was safe; an undo puts them back).

Calibration pilot: the first `pilot_size` records of the title/abstract order are served to every
reviewer first, whatever the count (everyone screens them; `service.pilot_status` judges them).

The order is the `queue_rank` of the records' status rows: stable and random per project by
default (`state.random_ranks`); `state.reorder_queue` plugs in another ordering. The query walks
an index in rank order and stops at the first match, so serving the next record stays fast with
50,000 records in the project (see `bench/screening_bench.py`).

Staggered starts: while more reviewers take part at a stage than each record needs (three
reviewers, two decisions required), reviewers working at the same moment would all be served
the same first open record and decide it one time too many. So each of the n reviewers with
decisions at the stage walks the shared order as a ring from their own starting point, spaced
evenly (`ring_start`): they meet only when the queue runs low. A team of exactly as many
reviewers as decisions required keeps one common order (each of them decides every record anyway).

Prioritised projects (`ProtocolSettings.screening_order`): after the pilot, a reviewer's
title/abstract queue follows their own ranks (`priority_queue`, refreshed here when stale), walked
the same way on the index (project, reviewer, rank); records without a rank of theirs (imported
since the last ranking, or before any model) follow in the random order.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Engine, Select, and_, false, func, select, text, tuple_
from sqlalchemy.orm import Session, aliased

from review.people import Actor, current_actor
from review.screening.model import Decision, parse_stage
from review.screening.priority_queue import refresh_ranks
from review.screening.settings import ProtocolSettings
from review.screening.state import (
    FULL_TEXT,
    TITLE_ABSTRACT,
    load_settings,
    sync_status_rows,
)
from review.store.engine import session_scope
from review.store.schema import RecordRow
from review.store.screening_schema import (
    CurrentDecision,
    DecisionEventRow,
    ReviewerQueueRank,
    ScreeningStatus,
)
from review.store.transactions import retrying

#: Page sizes of the walk through the queue: a reviewer is rarely far ahead of the others, so the
#: first small page almost always holds their next record.
PAGES = (25, 100, 400, 1_000)
#: Seconds between checks for records imported since (see `state.sync_status_rows`).
SYNC_EVERY = 20.0


@dataclass(frozen=True)
class RecordCard:
    """What the screening page shows for one record, with the actor's own current decision."""

    record_id: int
    stage: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    year: int | None
    journal: str
    keywords: tuple[str, ...]
    doi: str
    url: str
    source_key: str
    source_database: str
    in_pilot: bool = False
    my_decision: str | None = None
    my_reason: str | None = None
    my_note: str | None = None


def eligible_records(project_id: int, stage: str) -> Select[Any]:
    """Records at `stage` that are screened: primary, and at full text included before."""
    status = ScreeningStatus
    query = (
        select(status.record_id)
        .join(RecordRow, RecordRow.id == status.record_id)
        .where(status.project_id == project_id, status.stage == stage, RecordRow.duplicate_of.is_(None))
    )
    if stage == FULL_TEXT:
        title_abstract = aliased(ScreeningStatus)
        query = query.join(
            title_abstract,
            and_(
                title_abstract.project_id == status.project_id,
                title_abstract.stage == TITLE_ABSTRACT,
                title_abstract.record_id == status.record_id,
            ),
        ).where(title_abstract.final_decision == Decision.INCLUDE.value)
    return query


def _not_automated() -> ColumnElement[bool]:
    """Not excluded by automation: an equality on the queue index's column after `decided`, so
    the walk skips those records (all the undecided ones, once a team stops) on the index."""
    return ScreeningStatus.automation_excluded == false()


def _needing_decisions(project_id: int, stage: str, required: int) -> Select[Any]:
    return eligible_records(project_id, stage).where(ScreeningStatus.decided < required, _not_automated())


def pilot_record_ids(session: Session, project_id: int, settings: ProtocolSettings) -> list[int]:
    """The calibration pilot: the first `pilot_size` records of the title/abstract order."""
    if settings.pilot_size <= 0:
        return []
    return list(
        session.scalars(
            eligible_records(project_id, TITLE_ABSTRACT)
            .order_by(ScreeningStatus.queue_rank, ScreeningStatus.record_id)
            .limit(settings.pilot_size)
        )
    )


def _decided_by(
    session: Session, project_id: int, stage: str, reviewer_id: int, record_ids: list[int]
) -> set[int]:
    if not record_ids:
        return set()
    return set(
        session.scalars(
            select(CurrentDecision.record_id).where(
                CurrentDecision.project_id == project_id,
                CurrentDecision.stage == stage,
                CurrentDecision.reviewer_id == reviewer_id,
                CurrentDecision.record_id.in_(record_ids),
            )
        )
    )


def next_record(engine: Engine, project_id: int, actor: Actor, stage: str) -> RecordCard | None:
    """The next record for `actor` to decide at `stage`, or None when their queue is empty.

    Read again after a lost database connection; `DatabaseUnavailable` if it stays lost."""
    stage = parse_stage(stage)

    def attempt() -> RecordCard | None:
        sync_status_rows(engine, project_id, max_age=SYNC_EVERY)
        if stage == TITLE_ABSTRACT and actor.user_id is not None:
            refresh_ranks(engine, project_id, actor.user_id, max_age=SYNC_EVERY, background=True)
        card = _next_card(engine, project_id, actor, stage)
        if card is None:  # empty: make sure no record imported in the last seconds is missing
            sync_status_rows(engine, project_id)
            card = _next_card(engine, project_id, actor, stage)
        return card

    return retrying(attempt, what="the next record", reads=True)


def _next_card(engine: Engine, project_id: int, actor: Actor, stage: str) -> RecordCard | None:
    with session_scope(engine) as session:
        current = current_actor(session, project_id, actor)
        reviewer_id = current.require_screener()
        settings = load_settings(session, project_id)
        if stage == TITLE_ABSTRACT:
            pilot = pilot_record_ids(session, project_id, settings)
            done = _decided_by(session, project_id, stage, reviewer_id, pilot)
            for pilot_id in pilot:
                if pilot_id not in done:
                    return load_card(session, project_id, reviewer_id, pilot_id, stage, in_pilot=True)
        required = settings.reviewers_required(stage)
        record_id = None
        if stage == TITLE_ABSTRACT and settings.prioritised:
            record_id = _just_undone(session, project_id, reviewer_id, required) or _first_ranked(
                session, project_id, reviewer_id, required
            )
        if record_id is None:
            start = ring_start(_active_reviewers(session, project_id, stage), reviewer_id, required)
            if start is not None:
                record_id = _first_open(session, project_id, stage, reviewer_id, required, after=(start, -1))
        if record_id is None:
            record_id = _first_open(session, project_id, stage, reviewer_id, required)
        if record_id is None:
            return None
        return load_card(session, project_id, reviewer_id, record_id, stage)


#: The largest queue rank (`state.random_rank` fits 62 bits).
RANK_SPAN = 1 << 62


def ring_start(active: Sequence[int], reviewer_id: int, required: int) -> int | None:
    """Where `reviewer_id` starts walking the shared order: None (from the top) unless more
    reviewers are active than decisions are required; then the i-th of the n active reviewers
    (and a newcomer, as one more) starts i/n of the way through the rank range.

    >>> ring_start([4, 7], 7, 2) is None
    True
    >>> [ring_start([4, 7, 9], reviewer, 2) for reviewer in (4, 7, 9)] == [0, RANK_SPAN // 3, 2 * RANK_SPAN // 3]
    True
    """
    reviewers = sorted(set(active) | {reviewer_id})
    if len(reviewers) <= required:
        return None
    return reviewers.index(reviewer_id) * RANK_SPAN // len(reviewers)


# A loose index scan: one index seek per reviewer on (project_id, stage, reviewer_id, ...), not a
# pass over every event of the stage, so it costs the same with 100 or 100,000 decisions.
_ACTIVE_REVIEWERS = text(
    """
    WITH RECURSIVE seen(reviewer_id) AS (
        SELECT MIN(reviewer_id) FROM decision_events WHERE project_id = :project AND stage = :stage
        UNION ALL
        SELECT (SELECT MIN(e.reviewer_id) FROM decision_events e
                WHERE e.project_id = :project AND e.stage = :stage AND e.reviewer_id > seen.reviewer_id)
        FROM seen WHERE seen.reviewer_id IS NOT NULL
    )
    SELECT reviewer_id FROM seen WHERE reviewer_id IS NOT NULL
    """
)


def _active_reviewers(session: Session, project_id: int, stage: str) -> list[int]:
    """The reviewers with at least one decision event at `stage`."""
    return [int(reviewer) for reviewer in session.scalars(_ACTIVE_REVIEWERS, {"project": project_id, "stage": stage})]


def _first_open(
    session: Session,
    project_id: int,
    stage: str,
    reviewer_id: int,
    required: int,
    after: tuple[int, int] | None = None,
) -> int | None:
    """The first record in queue order (after `after`, a (rank, record id), when given) that still
    needs decisions and that the reviewer has not decided.

    For each count of decisions below `required` (0, 1, ...), one index range scan gives the
    records with that count in rank order; the streams are merged here. So the walk never passes
    the records that have all their decisions (half the project, midway), and the plans are plain
    index scans that stay good even when PostgreSQL's statistics lag behind a large import.
    """
    sizes = itertools.chain(PAGES, itertools.repeat(PAGES[-1]))
    while True:
        size = next(sizes)
        streams = []
        for decided in range(required):
            query = (
                eligible_records(project_id, stage)
                .add_columns(ScreeningStatus.queue_rank)
                .where(ScreeningStatus.decided == decided, _not_automated())
                .order_by(ScreeningStatus.queue_rank, ScreeningStatus.record_id)
                .limit(size)
            )
            if after is not None:
                query = query.where(
                    tuple_(ScreeningStatus.queue_rank, ScreeningStatus.record_id) > tuple_(*after)
                )
            streams.append([(int(rank), int(record_id)) for record_id, rank in session.execute(query)])
        page = list(heapq.merge(*streams))[:size]
        if not page:
            return None
        mine = _decided_by(session, project_id, stage, reviewer_id, [record_id for _, record_id in page])
        for _, record_id in page:
            if record_id not in mine:
                return record_id
        after = page[-1]


def _just_undone(session: Session, project_id: int, reviewer_id: int, required: int) -> int | None:
    """The record the reviewer just took back (their latest event is an undo), if it still needs
    their decision: an undone record comes back first, whatever the ranking says about it now."""
    latest = session.execute(
        select(DecisionEventRow.record_id, DecisionEventRow.decision)
        .where(
            DecisionEventRow.project_id == project_id,
            DecisionEventRow.stage == TITLE_ABSTRACT,
            DecisionEventRow.reviewer_id == reviewer_id,
        )
        .order_by(DecisionEventRow.decided_at.desc(), DecisionEventRow.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.decision != Decision.RETRACTED:
        return None
    still_open = session.scalar(
        eligible_records(project_id, TITLE_ABSTRACT).where(
            ScreeningStatus.record_id == latest.record_id,
            ScreeningStatus.decided < required,
            _not_automated(),
        )
    )
    mine = _decided_by(session, project_id, TITLE_ABSTRACT, reviewer_id, [latest.record_id])
    if still_open is None or mine:
        return None
    return int(latest.record_id)


def _first_ranked(session: Session, project_id: int, reviewer_id: int, required: int) -> int | None:
    """The first record in the reviewer's own ranked order that still needs decisions and that
    they have not decided; None when no ranked record is left (the random order takes over)."""
    after = -1
    sizes = itertools.chain(PAGES, itertools.repeat(PAGES[-1]))
    while True:
        size = next(sizes)
        page = [
            (int(rank), int(record_id))
            for record_id, rank in session.execute(
                eligible_records(project_id, TITLE_ABSTRACT)
                .add_columns(ReviewerQueueRank.rank)
                .join(
                    ReviewerQueueRank,
                    and_(
                        ReviewerQueueRank.project_id == project_id,
                        ReviewerQueueRank.reviewer_id == reviewer_id,
                        ReviewerQueueRank.record_id == ScreeningStatus.record_id,
                    ),
                )
                .where(ScreeningStatus.decided < required, _not_automated(), ReviewerQueueRank.rank > after)
                .order_by(ReviewerQueueRank.rank)
                .limit(size)
            )
        ]
        if not page:
            return None
        ids = [record_id for _, record_id in page]
        mine = _decided_by(session, project_id, TITLE_ABSTRACT, reviewer_id, ids)
        for _, record_id in page:
            if record_id not in mine:
                return record_id
        after = page[-1][0]


def queue_size(
    session: Session, project_id: int, reviewer_id: int, stage: str, settings: ProtocolSettings
) -> int:
    """How many records are in the reviewer's queue at `stage` (pilot included)."""
    required = settings.reviewers_required(stage)
    needing = _needing_decisions(project_id, stage, required).subquery()
    open_count = session.scalar(select(func.count()).select_from(needing)) or 0
    decided_by_me = (
        session.scalar(
            select(func.count())
            .select_from(needing)
            .where(
                needing.c.record_id.in_(
                    select(CurrentDecision.record_id).where(
                        CurrentDecision.project_id == project_id,
                        CurrentDecision.stage == stage,
                        CurrentDecision.reviewer_id == reviewer_id,
                    )
                )
            )
        )
        or 0
    )
    open_count -= decided_by_me
    if stage != TITLE_ABSTRACT:
        return open_count
    pilot = pilot_record_ids(session, project_id, settings)
    done = _decided_by(session, project_id, stage, reviewer_id, pilot)
    undecided = [record_id for record_id in pilot if record_id not in done]
    full = (
        set(
            session.scalars(
                select(ScreeningStatus.record_id).where(
                    ScreeningStatus.project_id == project_id,
                    ScreeningStatus.stage == stage,
                    ScreeningStatus.record_id.in_(undecided),
                    ScreeningStatus.decided >= required,
                )
            )
        )
        if undecided
        else set()
    )
    return open_count + len(full)


def load_card(
    session: Session,
    project_id: int,
    reviewer_id: int | None,
    record_id: int,
    stage: str,
    *,
    in_pilot: bool = False,
) -> RecordCard:
    record = session.get(RecordRow, record_id)
    if record is None or record.project_id != project_id:
        raise LookupError(f"record {record_id} is not a record of this project")
    mine: DecisionEventRow | None = None
    if reviewer_id is not None:
        mine = session.scalar(
            select(DecisionEventRow)
            .join(CurrentDecision, CurrentDecision.event_id == DecisionEventRow.id)
            .where(
                CurrentDecision.project_id == project_id,
                CurrentDecision.stage == stage,
                CurrentDecision.record_id == record_id,
                CurrentDecision.reviewer_id == reviewer_id,
            )
        )
    return RecordCard(
        record_id=record.id,
        stage=stage,
        title=record.title or "",
        abstract=record.abstract or "",
        authors=tuple(record.authors or ()),
        year=record.year,
        journal=record.journal or "",
        keywords=tuple(record.keywords or ()),
        doi=record.doi or "",
        url=record.url or "",
        source_key=record.source_key or "",
        source_database=record.source_database or "",
        in_pilot=in_pilot,
        my_decision=mine.decision if mine is not None else None,
        my_reason=mine.reason if mine is not None else None,
        my_note=mine.note if mine is not None else None,
    )


def record_card(engine: Engine, project_id: int, actor: Actor, record_id: int, stage: str) -> RecordCard:
    """One record as the screening page shows it (e.g. the record just undone), with the actor's
    own decision. Any member may look at a record; only their own decision is included."""
    stage = parse_stage(stage)
    sync_status_rows(engine, project_id)
    with session_scope(engine) as session:
        current = current_actor(session, project_id, actor)
        settings = load_settings(session, project_id)
        in_pilot = stage == TITLE_ABSTRACT and record_id in pilot_record_ids(session, project_id, settings)
        return load_card(session, project_id, current.user_id, record_id, stage, in_pilot=in_pilot)

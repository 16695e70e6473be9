"""What deduplication looks like from outside: the summary, the review queue, the merged groups,
the CLI report and the PRISMA counts. Read only; the writes are in `review.records.dedup_store`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from review.records.dedup import REASONS, SCORED_FIELDS, merge_values
from review.records.dedup_store import (
    Links,
    choose_primary,
    get_project,
    load_records,
    pending_pairs,
    records_of_sources,
    run_state,
    screened_records,
    settings_from,
    source_keys,
    thresholds_changed,
)
from review.records.model import Record
from review.store.engine import session_scope
from review.store.schema import RecordRow, Source

#: The columns of `python -m review dedup --report`, in order (DESIGN.md).
REPORT_COLUMNS: tuple[str, ...] = ("source_file", "source_key", "record_id", "cluster_id", "status")


@dataclass(frozen=True)
class DedupSummary:
    """The project's deduplication at a glance.

    `clusters`: groups of two or more records; `merged_automatically` / `merged_manually`:
    records linked to another as its duplicate, by a run or by a person (the PRISMA counts of
    duplicates removed); `pairs_waiting`: pairs in the review queue; `not_compared`: records
    imported since the last run; `settings_changed`: the thresholds differ from those of the last
    run (the next run compares every record).
    """

    records: int
    clusters: int
    merged_automatically: int
    merged_manually: int
    pairs_waiting: int
    not_compared: int
    settings_changed: bool
    last_run: dict[str, Any] | None

    @property
    def unique_records(self) -> int:
        """Records left once every duplicate is set aside."""
        return self.records - self.merged_automatically - self.merged_manually


def dedup_summary(engine: Engine, project_id: int) -> DedupSummary:
    with session_scope(engine) as session:
        project = get_project(session, project_id)
        state = run_state(project)
        links = Links.load(session, project_id)
        records = _record_count(session, project_id)
        automatic = sum(1 for method in links.method_of.values() if method == "auto")
        new_sources = [
            source_id
            for source_id, key in source_keys(session, project_id).items()
            if key not in state.compared
        ]
        return DedupSummary(
            records=records,
            clusters=len(links.by_primary),
            merged_automatically=automatic,
            merged_manually=len(links.method_of) - automatic,
            pairs_waiting=len(pending_pairs(session, project_id, links)),
            not_compared=len(records_of_sources(session, project_id, new_sources)) if state else records,
            settings_changed=thresholds_changed(state, settings_from(project.settings)),
            last_run=state.last_run,
        )


def _record_count(session: Session, project_id: int) -> int:
    return session.scalar(select(func.count(RecordRow.id)).where(RecordRow.project_id == project_id)) or 0


def duplicates_removed(engine: Engine, project_id: int) -> tuple[int, int]:
    """(automatic, manual): records set aside as duplicates by a run and by a person, for the
    PRISMA flow. A record counts where `duplicate_of` is set, by its `merge_method`."""
    with session_scope(engine) as session:
        rows = session.execute(
            select(RecordRow.merge_method, func.count(RecordRow.id))
            .where(RecordRow.project_id == project_id, RecordRow.duplicate_of.is_not(None))
            .group_by(RecordRow.merge_method)
        ).all()
    automatic = sum(count for method, count in rows if method == "auto")
    return automatic, sum(count for _, count in rows) - automatic


# -- the review queue -------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldScore:
    """One field of a compared pair: similarity 0-1 (None when a record lacks it) and whether it
    counted for ("agrees") or against ("contradicts") an automatic merge."""

    name: str
    score: float | None
    verdict: str


@dataclass(frozen=True)
class ReviewItem:
    """A pair waiting for a person, with both records, what the comparison found, and why it was
    not merged automatically (`reasons`: codes of `REASONS`)."""

    pair_id: int
    record_a_id: int
    record_b_id: int
    record_a: Record
    record_b: Record
    #: Size of each record's group (1 when it is not merged with anything yet).
    group_a_size: int
    group_b_size: int
    score: float
    fields: tuple[FieldScore, ...]
    reasons: tuple[str, ...]

    def reason_texts(self) -> list[str]:
        return [REASONS.get(code, code) for code in self.reasons]


def review_queue(
    engine: Engine, project_id: int, limit: int = 1, offset: int = 0, exclude: Collection[int] = ()
) -> list[ReviewItem]:
    """Pairs waiting for a person, strongest first; `exclude` leaves out pairs (those skipped)."""
    with session_scope(engine) as session:
        links = Links.load(session, project_id)
        waiting = [p for p in pending_pairs(session, project_id, links) if p.id not in exclude]
        page = waiting[offset : offset + limit]
        records = load_records(session, {r for p in page for r in (p.record_a, p.record_b)}, project_id)
        return [
            ReviewItem(
                pair_id=pair.id,
                record_a_id=pair.record_a,
                record_b_id=pair.record_b,
                record_a=records[pair.record_a],
                record_b=records[pair.record_b],
                group_a_size=len(links.members(pair.record_a)),
                group_b_size=len(links.members(pair.record_b)),
                score=pair.score,
                fields=_fields(pair.field_scores),
                reasons=tuple(pair.reasons or ()),
            )
            for pair in page
        ]


def _fields(stored: dict[str, Any] | None) -> tuple[FieldScore, ...]:
    stored = stored or {}
    found: list[FieldScore] = []
    for name in SCORED_FIELDS:
        value = stored.get(name) or {}
        score = value.get("score") if isinstance(value, dict) else value
        verdict = value.get("verdict", "") if isinstance(value, dict) else ""
        found.append(FieldScore(name, None if score is None else float(score), str(verdict or "")))
    return tuple(found)


# -- merged groups ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterMember:
    record_id: int
    record: Record
    #: "auto" or "manual" for a duplicate; None for the primary.
    method: str | None
    source_file: str


@dataclass(frozen=True)
class ClusterView:
    """A merged group: its primary, its members (the primary first), how it was made ("manual"
    when a person made any of its links) and the merged values (derived, never stored)."""

    primary_id: int
    members: tuple[ClusterMember, ...]
    method: str
    merged: Record


@dataclass(frozen=True)
class ClusterPage:
    total: int
    clusters: list[ClusterView]


def clusters(
    engine: Engine, project_id: int, limit: int = 20, offset: int = 0, method: str | None = None
) -> ClusterPage:
    """One page of merged groups (by primary id); `method` "auto" or "manual" filters them."""
    with session_scope(engine) as session:
        links = Links.load(session, project_id)
        groups = [
            (primary, members)
            for primary, members in sorted(links.by_primary.items())
            if method is None or _group_method(links, members) == method
        ]
        page = groups[offset : offset + limit]
        ids = {r for _, members in page for r in members}
        records = load_records(session, ids, project_id)
        files = (
            dict(
                session.execute(
                    select(RecordRow.id, Source.file_name)
                    .join(Source, Source.id == RecordRow.source_id)
                    .where(RecordRow.id.in_(sorted(ids)))
                ).all()
            )
            if ids
            else {}
        )
        views = [
            ClusterView(
                primary_id=primary,
                members=tuple(
                    ClusterMember(r, records[r], links.method_of.get(r), str(files.get(r, "")))
                    for r in members
                ),
                method=_group_method(links, members),
                merged=merge_values([records[r] for r in members]),
            )
            for primary, members in page
        ]
        return ClusterPage(len(groups), views)


def _group_method(links: Links, members: list[int]) -> str:
    return "manual" if any(links.method_of.get(r) == "manual" for r in members) else "auto"


# -- the CLI report ---------------------------------------------------------------------------


def dedup_report_rows(engine: Engine, project_id: int) -> list[dict[str, object]]:
    """One row per record (`REPORT_COLUMNS`), in import order.

    `cluster_id` is the primary record of the record's group (its own id when unique). `status`:
    "auto" or "manual" for a record in a group (its own link's method; for a primary, "manual"
    when a person made any link of the group), "review" for a record outside any group that is
    in a pair waiting for a person (`cluster_id` then names the group it would join: the other
    record's group, or, for two unique records, the primary a merge would keep), else "unique".
    """
    with session_scope(engine) as session:
        links = Links.load(session, project_id)
        rows = session.execute(
            select(Source.file_name, RecordRow.source_key, RecordRow.id)
            .join(Source, Source.id == RecordRow.source_id)
            .where(RecordRow.project_id == project_id)
            .order_by(RecordRow.id)
        ).all()
        joins = _would_join(session, project_id, links)
    report: list[dict[str, object]] = []
    for file_name, source_key, record_id in rows:
        if record_id in links.primary_of:
            cluster_id, status = links.primary_of[record_id], links.method_of[record_id]
        elif record_id in links.by_primary:
            cluster_id, status = record_id, _group_method(links, links.by_primary[record_id])
        elif record_id in joins:
            cluster_id, status = joins[record_id], "review"
        else:
            cluster_id, status = record_id, "unique"
        report.append(
            dict(
                zip(
                    REPORT_COLUMNS,
                    (file_name, source_key or "", record_id, cluster_id, status),
                    strict=True,
                )
            )
        )
    return report


def _would_join(session: Session, project_id: int, links: Links) -> dict[int, int]:
    """Each unique record in a waiting pair → the group it would join (its strongest pair)."""
    waiting = pending_pairs(session, project_id, links)
    unique = {r for p in waiting for r in (p.record_a, p.record_b) if len(links.members(r)) == 1}
    records = load_records(session, unique, project_id)
    screened = screened_records(session, project_id)
    joins: dict[int, int] = {}
    for pair in waiting:
        first, second = links.group(pair.record_a), links.group(pair.record_b)
        both_unique = first in unique and second in unique
        target = choose_primary((first, second), records, screened) if both_unique else None
        for record_id, other in ((pair.record_a, second), (pair.record_b, first)):
            if record_id in unique and record_id not in joins:
                joins[record_id] = target if target is not None else other
    return joins

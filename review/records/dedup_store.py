"""Deduplication in the database: run the pure pipeline over a project's records and keep what it
found; a person's merges, "not duplicates" and undos. The views the app and the CLI show are in
`review.records.dedup_views`.

The state lives in three tables (`review/store/schema.py`):

* `records.duplicate_of` / `merge_method`: each duplicate points at the primary record of its
  group, linked "auto" by a run or "manual" by a person; a primary or unique record points
  nowhere. Nothing else about a record ever changes: the merged view is derived (`merge_values`).
* `dedup_pairs`: pairs a run left to a person ("review"), links that were merged ("merged";
  `decided_by` empty for an automatic link), pairs a person told apart or un-merged ("distinct":
  never proposed again, never merged automatically).
* `merge_events`: the append-only history of runs, merges, "not duplicates" and undos.

A run compares only records not compared before (those of files imported since the last run)
with every record, unless the thresholds changed since then or a full run is asked for. Which
files were compared is kept in `Project.settings["dedup_state"]`, by content hash and import time
(not by id, so it survives a backup and restore).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from itertools import combinations
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.orm import Session

from review.records.dedup import DedupResult, DedupSettings, PairScore, find_duplicates
from review.records.model import CANONICAL_FIELDS, Record, normalise_doi
from review.store.engine import session_scope
from review.store.schema import DedupPair, MergeEvent, Project, RecordRow, Source, utcnow
from review.store.screening_schema import DecisionEventRow
from review.store.transactions import lock_project, write_session

#: `Project.settings` key of the thresholds (only those that differ from the defaults).
SETTINGS_KEY = "dedup"
#: `Project.settings` key of the run bookkeeping: files compared, thresholds used, last run.
STATE_KEY = "dedup_state"

Progress = Callable[[float, str], None]


class DedupError(ValueError):
    """A merge, "not duplicates" or undo that cannot be done; the message says why."""


# -- settings ---------------------------------------------------------------------------------


def settings_from(project_settings: Mapping[str, Any] | None) -> DedupSettings:
    """The thresholds stored in a `Project.settings` value (unknown names are ignored)."""
    stored = (project_settings or {}).get(SETTINGS_KEY) or {}
    known = {f.name for f in fields(DedupSettings)}
    return DedupSettings(**{name: value for name, value in stored.items() if name in known})


def dedup_settings(engine: Engine, project_id: int) -> DedupSettings:
    """The project's deduplication thresholds (defaults where none were changed)."""
    with session_scope(engine) as session:
        return settings_from(get_project(session, project_id).settings)


def save_dedup_settings(engine: Engine, project_id: int, settings: DedupSettings) -> None:
    """Keep the thresholds that differ from the defaults; the next run compares every record."""
    settings.validate()
    defaults = DedupSettings()
    changed = {
        f.name: getattr(settings, f.name)
        for f in fields(DedupSettings)
        if getattr(settings, f.name) != getattr(defaults, f.name)
    }
    with write_session(engine) as session:
        lock_project(session, project_id)
        project = get_project(session, project_id)
        project.settings = {**(project.settings or {}), SETTINGS_KEY: changed}


def get_project(session: Session, project_id: int) -> Project:
    """The project row; DedupError when there is none."""
    project = session.get(Project, project_id)
    if project is None:
        raise DedupError(f"there is no project with id {project_id}")
    return project


# -- the current groups -----------------------------------------------------------------------


@dataclass
class Links:
    """The project's duplicate links as they stand: each linked record's primary and method, and
    each group (primary → members, the primary first)."""

    primary_of: dict[int, int]
    method_of: dict[int, str]
    by_primary: dict[int, list[int]]

    @classmethod
    def load(cls, session: Session, project_id: int) -> Links:
        rows = session.execute(
            select(RecordRow.id, RecordRow.duplicate_of, RecordRow.merge_method).where(
                RecordRow.project_id == project_id, RecordRow.duplicate_of.is_not(None)
            )
        ).all()
        pointer: dict[int, int] = {record_id: target for record_id, target, _ in rows if target is not None}
        primary_of: dict[int, int] = {}
        for record_id in sorted(pointer):
            # Links point at a primary; follow a chain anyway (and stop on a loop).
            target, seen = pointer[record_id], {record_id}
            while target in pointer and target not in seen:
                seen.add(target)
                target = pointer[target]
            primary_of[record_id] = target
        by_primary: dict[int, list[int]] = {}
        for record_id, primary in primary_of.items():
            by_primary.setdefault(primary, [primary]).append(record_id)
        methods = {record_id: method or "manual" for record_id, _, method in rows}
        return cls(primary_of, methods, by_primary)

    def group(self, record_id: int) -> int:
        """The primary of the record's group (its own id when it is unique or a primary)."""
        return self.primary_of.get(record_id, record_id)

    def members(self, record_id: int) -> list[int]:
        """The record's group, the primary first (just the record when it is unique)."""
        primary = self.group(record_id)
        return self.by_primary.get(primary, [primary])


def _pair_key(x: int, y: int) -> tuple[int, int]:
    return (x, y) if x <= y else (y, x)


def distinct_pairs(session: Session, project_id: int) -> set[tuple[int, int]]:
    rows = session.execute(
        select(DedupPair.record_a, DedupPair.record_b).where(
            DedupPair.project_id == project_id, DedupPair.status == "distinct"
        )
    ).all()
    return {_pair_key(a, b) for a, b in rows}


def groups_apart(links: Links, distinct: Iterable[tuple[int, int]]) -> set[frozenset[int]]:
    """Pairs of groups (by primary) that a person told apart."""
    return {
        frozenset((links.group(a), links.group(b))) for a, b in distinct if links.group(a) != links.group(b)
    }


def pending_pairs(session: Session, project_id: int, links: Links | None = None) -> list[DedupPair]:
    """The pairs waiting for a person, strongest first: stored "review" pairs whose records are in
    different groups that nobody told apart, one per two groups."""
    links = links or Links.load(session, project_id)
    apart = groups_apart(links, distinct_pairs(session, project_id))
    rows = session.scalars(
        select(DedupPair)
        .where(DedupPair.project_id == project_id, DedupPair.status == "review")
        .order_by(DedupPair.score.desc(), DedupPair.id)
    )
    waiting: list[DedupPair] = []
    seen: set[frozenset[int]] = set()
    for pair in rows:
        groups = frozenset((links.group(pair.record_a), links.group(pair.record_b)))
        if len(groups) == 1 or groups in seen or groups in apart:
            continue
        seen.add(groups)
        waiting.append(pair)
    return waiting


# -- choosing a group's primary ---------------------------------------------------------------


def completeness(record: Record | None) -> int:
    """How many bibliographic fields the record fills."""
    if record is None:
        return 0
    return sum(1 for name in CANONICAL_FIELDS if getattr(record, name) not in (None, "", []))


def screened_records(session: Session, project_id: int) -> set[int]:
    """Records someone has screened: a group keeps such a record as its primary."""
    return set(
        session.scalars(
            select(DecisionEventRow.record_id).where(DecisionEventRow.project_id == project_id).distinct()
        )
    )


def choose_primary(
    candidates: Iterable[int], records: Mapping[int, Record], screened: Collection[int]
) -> int:
    """The record a group is known by: one someone screened (so their decisions stay on the record
    the flow counts), else the most complete, else the oldest (lowest id).

    >>> choose_primary([3, 5], {3: Record(title="A"), 5: Record(title="A", year=2020)}, ())
    5
    >>> choose_primary([3, 5], {3: Record(title="A"), 5: Record(title="A", year=2020)}, {3})
    3
    """
    return max(candidates, key=lambda r: (r in screened, completeness(records.get(r)), -r))


def load_records(
    session: Session, record_ids: Iterable[int] | None, project_id: int, *, provenance: bool = True
) -> dict[int, Record]:
    """Records by id as Records (all of the project's when `record_ids` is None); without
    `provenance` only the bibliographic fields are read (a run needs no more, and the raw entry
    text is most of a record's bytes)."""
    names = _RECORD_COLUMNS if provenance else CANONICAL_FIELDS
    statement = select(RecordRow.id, *(getattr(RecordRow, name) for name in names)).where(
        RecordRow.project_id == project_id
    )
    if record_ids is None:
        rows = session.execute(statement.order_by(RecordRow.id)).all()
    else:
        wanted = sorted(set(record_ids))
        rows = []
        for start in range(0, len(wanted), 5_000):
            chunk = wanted[start : start + 5_000]
            rows.extend(session.execute(statement.where(RecordRow.id.in_(chunk))).all())
    return {row[0]: Record(**dict(zip(names, row[1:], strict=True))) for row in rows}


_RECORD_COLUMNS = (*CANONICAL_FIELDS, "source_key", "source_line", "source_database", "raw")


# -- a run ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DedupRunSummary:
    """What one run did."""

    #: Records compared against all the others: the new ones, or every record in a full run.
    compared: int
    full: bool
    #: Records linked automatically in this run.
    merged: int
    #: Pairs this run added to the review queue.
    review_pairs_added: int
    seconds: float


@dataclass(frozen=True)
class RunState:
    """What the last run left in `Project.settings["dedup_state"]` (empty before the first)."""

    compared: frozenset[str]
    settings: dict[str, Any] | None
    last_run: dict[str, Any] | None

    def __bool__(self) -> bool:
        return self.settings is not None


def run_state(project: Project) -> RunState:
    stored = (project.settings or {}).get(STATE_KEY) or {}
    return RunState(
        frozenset(stored.get("compared_sources") or ()), stored.get("settings"), stored.get("last_run")
    )


def thresholds_changed(state: RunState, settings: DedupSettings) -> bool:
    """Whether the last run used other thresholds (then the next one compares every record)."""
    return bool(state) and state.settings != asdict(settings)


def source_keys(session: Session, project_id: int) -> dict[int, str]:
    """Each imported file of the project by a key that survives a backup and restore: its
    content hash and import time."""
    keys: dict[int, str] = {}
    for source_id, sha256, imported_at in session.execute(
        select(Source.id, Source.sha256, Source.imported_at).where(Source.project_id == project_id)
    ):
        when = imported_at.replace(tzinfo=UTC) if imported_at.tzinfo is None else imported_at.astimezone(UTC)
        keys[source_id] = f"{sha256}@{when.isoformat()}"
    return keys


def records_of_sources(session: Session, project_id: int, source_ids: Sequence[int]) -> list[int]:
    if not source_ids:
        return []
    return list(
        session.scalars(
            select(RecordRow.id).where(
                RecordRow.project_id == project_id, RecordRow.source_id.in_(source_ids)
            )
        )
    )


def _noop(_fraction: float, _text: str) -> None:
    return None


def run_dedup(
    engine: Engine,
    project_id: int,
    settings: DedupSettings | None = None,
    decided_by: str = "",
    progress: Progress | None = None,
    *,
    full: bool = False,
) -> DedupRunSummary:
    """Find duplicates among the project's records and store them, all in one transaction.

    Sure links are merged (`merge_method` "auto"); a group that reaches an existing group joins
    its primary; a link that would join records a person told apart, or different DOIs, waits for
    a person instead. Uncertain pairs are stored for review (once). Manual links and "not
    duplicates" are never changed. `settings` defaults to the project's thresholds.
    `progress(fraction, text)` is called along the way; an error anywhere writes nothing.
    """
    report = progress or _noop
    started = time.perf_counter()
    report(0.0, "Loading records")
    with session_scope(engine) as session:
        project = get_project(session, project_id)
        settings = settings or settings_from(project.settings)
        state = run_state(project)
        full = full or not state or thresholds_changed(state, settings)
        sources = source_keys(session, project_id)
        new_sources = [source_id for source_id, key in sources.items() if key not in state.compared]
        records = load_records(session, None, project_id, provenance=False)
        new_ids = records_of_sources(session, project_id, new_sources)
        links = Links.load(session, project_id)
        not_duplicates = _expanded(links, distinct_pairs(session, project_id))

    if not full and not new_ids:
        result = DedupResult(records=len(records))
    else:
        ids = list(records)
        result = find_duplicates(
            [records[r] for r in ids],
            ids,
            settings,
            not_duplicates,
            lambda fraction: report(0.05 + 0.8 * fraction, "Comparing records"),
            only_new=None if full else new_ids,
        )

    report(0.9, "Saving merges")
    with write_session(engine) as session:
        lock_project(session, project_id)
        # Read again under the lock: a person may have merged or told pairs apart meanwhile.
        links = Links.load(session, project_id)
        distinct = distinct_pairs(session, project_id)
        dois = {r: doi for r, record in records.items() if (doi := normalise_doi(record.doi))}
        joined = _join(links, result.auto_pairs, groups_apart(links, distinct), dois)
        merged = _store_auto_links(
            session,
            project_id,
            links,
            joined,
            records,
            screened_records(session, project_id),
            decided_by,
            settings,
        )
        report(0.95, "Saving pairs for review")
        links = Links.load(session, project_id)
        apart = groups_apart(links, distinct)
        # Only pairs that would wait for a person: between two groups nobody told apart.
        waiting = [
            pair
            for pair in [*result.review_pairs, *joined.demoted]
            if len(groups := frozenset((links.group(pair.id_a), links.group(pair.id_b)))) == 2
            and groups not in apart
        ]
        added = _store_review_pairs(session, project_id, waiting, settings)
        seconds = time.perf_counter() - started
        project = get_project(session, project_id)
        project.settings = {
            **(project.settings or {}),
            STATE_KEY: {
                "compared_sources": sorted(state.compared | set(sources.values())),
                "settings": asdict(settings),
                "last_run": {
                    "at": utcnow().isoformat(timespec="seconds"),
                    "by": decided_by,
                    "seconds": round(seconds, 2),
                    "full": full,
                },
            },
        }
    report(1.0, "Done")
    return DedupRunSummary(
        compared=len(records) if full else len(new_ids),
        full=full,
        merged=merged,
        review_pairs_added=added,
        seconds=seconds,
    )


def _expanded(links: Links, distinct: Iterable[tuple[int, int]]) -> set[frozenset[int]]:
    """Pairs told apart, spread over the groups they belong to: when a ≠ b, every duplicate of a
    differs from every duplicate of b too (so no run can join the two groups)."""
    apart: set[frozenset[int]] = set()
    for a, b in distinct:
        if links.group(a) == links.group(b):
            continue
        for x in links.members(a):
            for y in links.members(b):
                apart.add(frozenset((x, y)))
    return apart


@dataclass
class _Joined:
    """A run's automatic links over the existing groups: the groups they changed, the links
    accepted, and those sent to a person instead."""

    groups: list[set[int]]
    accepted: list[PairScore]
    demoted: list[PairScore]


def _join(
    links: Links,
    auto_pairs: Sequence[PairScore],
    apart: set[frozenset[int]],
    dois: Mapping[int, str],
) -> _Joined:
    """Union-find seeded with the existing groups; links come strongest first (as the pipeline
    ordered them). A link that would join groups a person told apart, or two groups with
    different DOIs, is demoted to review."""
    parent: dict[int, int] = {}
    members: dict[int, set[int]] = {}
    owners: dict[int, set[int]] = {}  # the existing primaries each set holds

    def root(record_id: int) -> int:
        if record_id not in parent:
            primary = links.group(record_id)
            group = set(links.members(primary))
            for member in group:
                parent[member] = primary
            members[primary] = group
            owners[primary] = {primary}
        node = record_id
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    def told_apart(first: int, second: int) -> bool:
        return any(frozenset((x, y)) in apart for x in owners[first] for y in owners[second])

    accepted: list[PairScore] = []
    demoted: list[PairScore] = []
    changed: set[int] = set()
    for pair in auto_pairs:
        first, second = root(pair.id_a), root(pair.id_b)
        if first == second:
            continue
        if told_apart(first, second):
            continue
        first_dois = {dois[m] for m in members[first] if m in dois}
        second_dois = {dois[m] for m in members[second] if m in dois}
        if first_dois and second_dois and first_dois != second_dois:
            demoted.append(pair.demoted("cluster_doi_conflict"))
            continue
        if len(members[first]) < len(members[second]):
            first, second = second, first
        parent[second] = first
        members[first] |= members.pop(second)
        owners[first] |= owners.pop(second)
        changed.discard(second)
        changed.add(first)
        accepted.append(pair)
    return _Joined([members[root(r)] for r in changed], accepted, demoted)


def _store_auto_links(
    session: Session,
    project_id: int,
    links: Links,
    joined: _Joined,
    records: Mapping[int, Record],
    screened: Collection[int],
    decided_by: str,
    settings: DedupSettings,
) -> int:
    """Point every member of each changed group at its primary; keep the accepted links as merged
    pairs; one merge event per group. Returns the number of records newly linked."""
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    newly_linked = 0
    now = utcnow()
    for group in joined.groups:
        existing = [r for r in group if r in links.by_primary]
        primary = choose_primary(existing or group, records, screened)
        moved: list[int] = []
        for member in sorted(group):
            if member == primary or links.primary_of.get(member) == primary:
                continue
            method = links.method_of.get(member, "auto")
            if member not in links.primary_of:
                newly_linked += 1
            updates.append({"id": member, "duplicate_of": primary, "merge_method": method})
            moved.append(member)
        if moved:
            events.append(
                {
                    "project_id": project_id,
                    "action": "merge",
                    "method": "auto",
                    "primary_id": primary,
                    "record_ids": moved,
                    "decided_by": decided_by,
                    "decided_at": now,
                    "note": f"automatic: {len(moved)} record(s) linked to record {primary}",
                }
            )
    if updates:
        session.execute(update(RecordRow), updates)
    if events:
        session.execute(insert(MergeEvent), events)
    _store_pairs(session, project_id, joined.accepted, "merged", settings, overwrite_review=True)
    return newly_linked


def _store_review_pairs(
    session: Session, project_id: int, pairs: Sequence[PairScore], settings: DedupSettings
) -> int:
    return _store_pairs(session, project_id, pairs, "review", settings, overwrite_review=False)


def _store_pairs(
    session: Session,
    project_id: int,
    pairs: Sequence[PairScore],
    status: str,
    settings: DedupSettings,
    *,
    overwrite_review: bool,
) -> int:
    """Insert pairs not stored yet; with `overwrite_review`, a stored pair still waiting for review
    takes `status` too (a later run found it sure). Decided pairs are never touched."""
    if not pairs:
        return 0
    stored = {
        (a, b): (pair_id, current)
        for pair_id, a, b, current in session.execute(
            select(DedupPair.id, DedupPair.record_a, DedupPair.record_b, DedupPair.status).where(
                DedupPair.project_id == project_id
            )
        )
    }
    new_rows: list[dict[str, Any]] = []
    promoted: list[dict[str, Any]] = []
    for pair in pairs:
        key = _pair_key(pair.id_a, pair.id_b)
        if key in stored:
            pair_id, current = stored[key]
            if overwrite_review and current == "review":
                promoted.append({"id": pair_id, "status": status})
            continue
        stored[key] = (0, status)
        new_rows.append(
            {
                "project_id": project_id,
                "record_a": key[0],
                "record_b": key[1],
                "status": status,
                "score": pair_score(pair),
                "field_scores": field_verdicts(pair, settings),
                "reasons": list(pair.blockers),
            }
        )
    if new_rows:
        session.execute(insert(DedupPair), new_rows)
    if promoted:
        session.execute(update(DedupPair), promoted)
    return len(new_rows)


def pair_score(pair: PairScore) -> float:
    """One number for ordering the queue: the mean similarity of the fields both records have."""
    present = [score for score in pair.field_scores().values() if score is not None]
    return round(sum(present) / len(present), 4) if present else 0.0


def field_verdicts(pair: PairScore, settings: DedupSettings) -> dict[str, Any]:
    """Each scored field as `dedup_pairs.field_scores` keeps it: its similarity (None when a
    record lacks it) and its verdict: "agrees" or "contradicts" for a field counted for or against
    a merge, "" for one that counted neither way; the title (the gate, not counted) "agrees",
    "similar" or "differs" by the title thresholds."""
    verdicts: dict[str, Any] = {}
    for name, score in pair.field_scores().items():
        if name == "title" and score is not None:
            verdict = (
                "agrees"
                if score >= settings.title_auto
                else "similar"
                if score >= settings.title_review
                else "differs"
            )
        else:
            verdict = "agrees" if name in pair.agreeing else "contradicts" if name in pair.conflicting else ""
        verdicts[name] = {"score": None if score is None else round(score, 4), "verdict": verdict}
    return verdicts


# -- a person's decisions ---------------------------------------------------------------------


def _pending_pair(session: Session, project_id: int, pair_id: int) -> DedupPair:
    pair = session.get(DedupPair, pair_id)
    if pair is None or pair.project_id != project_id:
        raise DedupError(f"there is no candidate pair {pair_id} in this project")
    return pair


def merge_pair(engine: Engine, project_id: int, pair_id: int, decided_by: str) -> int:
    """A person merges the pair: the two records' groups become one, linked "manual" to the
    primary of the stronger group (see `choose_primary`). Returns that primary's id."""
    with write_session(engine) as session:
        lock_project(session, project_id)
        pair = _pending_pair(session, project_id, pair_id)
        if pair.status == "distinct":
            raise DedupError(f"records {pair.record_a} and {pair.record_b} were marked as not duplicates")
        links = Links.load(session, project_id)
        first, second = links.group(pair.record_a), links.group(pair.record_b)
        now = utcnow()
        pair.status, pair.decided_by, pair.decided_at = "merged", decided_by, now
        if first == second:
            return first
        records = load_records(session, (first, second), project_id)
        primary = choose_primary((first, second), records, screened_records(session, project_id))
        other = second if primary == first else first
        moved = links.members(other)
        session.execute(
            update(RecordRow).where(RecordRow.id == other).values(duplicate_of=primary, merge_method="manual")
        )
        if len(moved) > 1:
            session.execute(
                update(RecordRow)
                .where(RecordRow.project_id == project_id, RecordRow.duplicate_of == other)
                .values(duplicate_of=primary)
            )
        session.add(
            MergeEvent(
                project_id=project_id,
                action="merge",
                method="manual",
                primary_id=primary,
                record_ids=moved,
                decided_by=decided_by,
                decided_at=now,
                note=f"pair {pair.record_a}-{pair.record_b} merged",
            )
        )
        return primary


def mark_distinct(engine: Engine, project_id: int, pair_id: int, decided_by: str) -> None:
    """A person says the pair are not duplicates: it is never proposed again, and no run merges
    the two records' groups."""
    with write_session(engine) as session:
        lock_project(session, project_id)
        pair = _pending_pair(session, project_id, pair_id)
        links = Links.load(session, project_id)
        if links.group(pair.record_a) == links.group(pair.record_b):
            raise DedupError(
                f"records {pair.record_a} and {pair.record_b} are merged: undo the merge to separate them"
            )
        now = utcnow()
        pair.status, pair.decided_by, pair.decided_at = "distinct", decided_by, now
        session.add(
            MergeEvent(
                project_id=project_id,
                action="distinct",
                method="manual",
                primary_id=None,
                record_ids=[pair.record_a, pair.record_b],
                decided_by=decided_by,
                decided_at=now,
                note="not duplicates",
            )
        )


def undo_merge(
    engine: Engine, project_id: int, record_id: int, decided_by: str, *, only_this_record: bool = False
) -> list[int]:
    """Undo a merge. By default the whole group of `record_id` (any member) comes apart: every
    member is a standalone record again. With `only_this_record`, just that record leaves its
    group (a primary leaving hands the group to the next best member). Undone links are kept as
    "distinct", so a later run does not merge them again. Returns the records set free."""
    with write_session(engine) as session:
        lock_project(session, project_id)
        links = Links.load(session, project_id)
        members = links.members(record_id)
        if len(members) < 2:
            raise DedupError(f"record {record_id} is not merged with any other record")
        primary = members[0]
        if only_this_record:
            freed = [record_id]
            rest = [m for m in members if m != record_id]
            separated = [(record_id, other) for other in rest]
            if record_id == primary:
                successor = (
                    choose_primary(
                        rest, load_records(session, rest, project_id), screened_records(session, project_id)
                    )
                    if len(rest) > 1
                    else rest[0]
                )
                freed = [record_id, *([successor] if len(rest) == 1 else [])]
                session.execute(
                    update(RecordRow)
                    .where(RecordRow.project_id == project_id, RecordRow.duplicate_of == primary)
                    .values(duplicate_of=successor)
                )
                session.execute(
                    update(RecordRow)
                    .where(RecordRow.id == successor)
                    .values(duplicate_of=None, merge_method=None)
                )
            else:
                session.execute(
                    update(RecordRow)
                    .where(RecordRow.id == record_id)
                    .values(duplicate_of=None, merge_method=None)
                )
            note = f"record {record_id} taken out of the group of record {primary}"
        else:
            freed = members
            separated = list(combinations(members, 2))
            session.execute(
                update(RecordRow)
                .where(RecordRow.project_id == project_id, RecordRow.id.in_(members))
                .values(duplicate_of=None, merge_method=None)
            )
            note = f"group of record {primary} undone ({len(members)} records)"
        now = utcnow()
        _remember_distinct(session, project_id, separated, decided_by, now)
        session.add(
            MergeEvent(
                project_id=project_id,
                action="undo",
                method="manual",
                primary_id=primary,
                record_ids=sorted(freed),
                decided_by=decided_by,
                decided_at=now,
                note=note,
            )
        )
        return sorted(freed)


def _remember_distinct(
    session: Session,
    project_id: int,
    pairs: Iterable[tuple[int, int]],
    decided_by: str,
    decided_at: datetime,
) -> None:
    keys = {_pair_key(a, b) for a, b in pairs}
    stored = {
        (a, b): pair_id
        for pair_id, a, b in session.execute(
            select(DedupPair.id, DedupPair.record_a, DedupPair.record_b).where(
                DedupPair.project_id == project_id,
                DedupPair.record_a.in_({a for a, _ in keys}),
            )
        )
        if (a, b) in keys
    }
    decided = {"status": "distinct", "decided_by": decided_by, "decided_at": decided_at}
    if stored:
        session.execute(update(DedupPair), [{"id": pair_id, **decided} for pair_id in stored.values()])
    new_rows = [
        {"project_id": project_id, "record_a": a, "record_b": b, "score": 0.0, **decided}
        for a, b in sorted(keys - set(stored))
    ]
    if new_rows:
        session.execute(insert(DedupPair), new_rows)

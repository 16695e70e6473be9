"""Each reviewer's prioritised title/abstract queue, kept in the database (`reviewer_queue_ranks`).

When a project's `screening_order` is "prioritised", a reviewer's queue is ranked by a model
(`review.screening.prioritise`) trained ONLY on

- that reviewer's own current title/abstract decisions, and
- the team's final decisions (agreed, or settled by a resolution; a final decision overrides the
  reviewer's own label, so a resolution changes the order),

never on another reviewer's blind decisions. Nor do those decide *when* a reviewer's ranks are
recomputed: that depends only on the reviewer's own events, the resolutions and the records.

When the ranks are recomputed (`refresh_ranks`, called as the queue serves a record):

- there are none yet, or the project's records changed (an import or a merge; noticed within the
  queue's sync interval, `queue.SYNC_EVERY`);
- a title/abstract resolution was made or retracted since;
- the reviewer made `RERANK_EVERY` decisions (or undos) since; while there is no model yet (no
  include to learn from: the queue keeps the random order), every decision counts, so ranking
  starts with the first include.

So retrain + re-rank + write runs on one serve in `RERANK_EVERY`, not on every click (measured in
`bench/priority_queue_bench.py`), and only the head of the order is written (`RANKS_KEPT`); meanwhile the reviewer walks the previous ranking, whose next
records are as good a choice as any the model would make after one more label. The TF-IDF matrix is
built once per project and kept in this process (`text_matrix`), keyed by a fingerprint of the
project's primary records, so an import or a merge rebuilds it and nothing else does; for a large
project the queue has it built in a background thread (`BACKGROUND_BUILD_FROM`), so no click waits
for it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, Table, delete, func, select
from sqlalchemy.orm import Session

from review.screening.model import Decision
from review.screening.prioritise import TextMatrix, build_text_matrix, priority_ranks, record_text
from review.screening.settings import ProtocolSettings
from review.screening.state import TITLE_ABSTRACT, chunks, insert_ignore, load_settings
from review.store.engine import session_scope
from review.store.schema import RecordRow, utcnow
from review.store.screening_schema import (
    CurrentDecision,
    DecisionEventRow,
    ResolutionRow,
    ReviewerQueueModel,
    ReviewerQueueRank,
    ScreeningStatus,
)
from review.store.transactions import write_session

#: Own decisions between two re-rankings once a model exists (see the module docstring).
RERANK_EVERY = 5
#: Ranks written per reviewer: the head of their order. The queue walks a few records between two
#: re-rankings, so the rest would be rewritten unread (writing all 20,000 rows added about half a
#: second to every re-rank in the bench); a record past the head is served in the random order.
RANKS_KEPT = 2_000
#: From this many primary records, the queue has the TF-IDF matrix built in a background thread:
#: the reviewer keeps screening in the previous ranking (or the random order) for the seconds it
#: takes, instead of waiting on a click. A smaller project builds it at once (milliseconds).
BACKGROUND_BUILD_FROM = 2_000
#: Projects whose TF-IDF matrix this process keeps (least recently used dropped first).
MATRIX_CACHE_SIZE = 4

logger = logging.getLogger(__name__)

RANKS_TABLE: Table = ReviewerQueueRank.__table__  # type: ignore[assignment]
MODELS_TABLE: Table = ReviewerQueueModel.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class RankingState:
    """What a reviewer's ranks were (or would now be) computed from."""

    records_fingerprint: str
    last_event_id: int
    last_resolution_id: int


# -- the records and their text matrix --------------------------------------------------------


def records_fingerprint(session: Session, project_id: int) -> str:
    """The project's primary records in one short string: changes when records are imported,
    merged or unmerged (count, sum and max of their ids; one indexed aggregate)."""
    count, total, highest = session.execute(
        select(
            func.count(RecordRow.id), func.coalesce(func.sum(RecordRow.id), 0), func.max(RecordRow.id)
        ).where(RecordRow.project_id == project_id, RecordRow.duplicate_of.is_(None))
    ).one()
    return f"{count}:{total}:{highest or 0}"


def fingerprint_records(fingerprint: str) -> int:
    """How many primary records a `records_fingerprint` counts."""
    return int(fingerprint.split(":", 1)[0] or 0)


_matrices: OrderedDict[tuple[str, int], tuple[str, TextMatrix]] = OrderedDict()
_matrix_lock = threading.Lock()  # the cache itself: held for a moment only
_build_locks: dict[tuple[str, int], threading.Lock] = {}  # one build per project at a time
_building: set[tuple[str, int]] = set()  # projects whose matrix a background thread is building


def _cached_matrix(key: tuple[str, int], fingerprint: str) -> TextMatrix | None:
    with _matrix_lock:
        cached = _matrices.get(key)
        if cached is None or cached[0] != fingerprint:
            return None
        _matrices.move_to_end(key)
        return cached[1]


def matrix_ready(engine: Engine, project_id: int, fingerprint: str) -> bool:
    """Is the matrix for these records built already (no waiting)?"""
    return _cached_matrix((str(engine.url), project_id), fingerprint) is not None


def text_matrix(engine: Engine, project_id: int, fingerprint: str) -> TextMatrix:
    """The TF-IDF matrix of the project's primary records, built once per records fingerprint.

    Building it (seconds for 20,000 records) is the slow part; retraining on it is not. Two
    reviewers asking at once build it once (a lock per project; other projects are not held up).
    """
    key = (str(engine.url), project_id)
    with _matrix_lock:
        build_lock = _build_locks.setdefault(key, threading.Lock())
    with build_lock:
        found = _cached_matrix(key, fingerprint)
        if found is not None:
            return found
        with session_scope(engine) as session:
            rows = session.execute(
                select(RecordRow.id, RecordRow.title, RecordRow.abstract, RecordRow.keywords)
                .where(RecordRow.project_id == project_id, RecordRow.duplicate_of.is_(None))
                .order_by(RecordRow.id)
            ).all()
        matrix = build_text_matrix(
            [row.id for row in rows],
            [record_text(row.title or "", row.abstract or "", list(row.keywords or ())) for row in rows],
        )
        with _matrix_lock:
            _matrices[key] = (fingerprint, matrix)
            _matrices.move_to_end(key)
            while len(_matrices) > MATRIX_CACHE_SIZE:
                _matrices.popitem(last=False)
        return matrix


def build_in_background(engine: Engine, project_id: int, fingerprint: str) -> None:
    """Start building the matrix in a daemon thread, unless one is building it already."""
    key = (str(engine.url), project_id)
    with _matrix_lock:
        if key in _building:
            return
        _building.add(key)

    def build() -> None:
        try:
            text_matrix(engine, project_id, fingerprint)
        except Exception:  # a failed build is tried again at the next serve
            logger.exception("building the text matrix of project %s failed", project_id)
        finally:
            with _matrix_lock:
                _building.discard(key)

    threading.Thread(target=build, name=f"text-matrix-{project_id}", daemon=True).start()


def forget_matrices() -> None:
    """Drop the cached matrices and fingerprints (tests; a process that wants its memory back)."""
    with _matrix_lock:
        _matrices.clear()
    with _fingerprint_lock:
        _fingerprints.clear()


# -- what a reviewer's model learns from ------------------------------------------------------


def label_of(decision: str, settings: ProtocolSettings) -> int | None:
    """A decision as a training label: include 1, exclude 0, maybe as the protocol counts it
    (1 when Maybe counts as Include, else not a label)."""
    if decision == Decision.INCLUDE:
        return 1
    if decision == Decision.EXCLUDE:
        return 0
    if decision == Decision.MAYBE and settings.maybe_counts_as_include:
        return 1
    return None


def reviewer_labels(
    session: Session, project_id: int, reviewer_id: int, settings: ProtocolSettings
) -> dict[int, int]:
    """THE BLIND-SAFE TRAINING SET: the reviewer's own current title/abstract decisions, overridden
    by the team's final decisions (agreed or resolved). No other reviewer's pending decision is
    read here."""
    labels: dict[int, int] = {}
    for record_id, decision in session.execute(
        select(CurrentDecision.record_id, CurrentDecision.decision).where(
            CurrentDecision.project_id == project_id,
            CurrentDecision.stage == TITLE_ABSTRACT,
            CurrentDecision.reviewer_id == reviewer_id,
        )
    ):
        label = label_of(decision, settings)
        if label is not None:
            labels[record_id] = label
    for record_id, final in session.execute(
        select(ScreeningStatus.record_id, ScreeningStatus.final_decision).where(
            ScreeningStatus.project_id == project_id,
            ScreeningStatus.stage == TITLE_ABSTRACT,
            ScreeningStatus.final_decision.is_not(None),
        )
    ):
        labels[record_id] = 1 if final == Decision.INCLUDE else 0
    return labels


def ranking_state(session: Session, project_id: int, reviewer_id: int, fingerprint: str) -> RankingState:
    """The reviewer's latest own event and the latest resolution, as of now."""
    last_event = session.scalar(
        select(func.max(DecisionEventRow.id)).where(
            DecisionEventRow.project_id == project_id,
            DecisionEventRow.stage == TITLE_ABSTRACT,
            DecisionEventRow.reviewer_id == reviewer_id,
        )
    )
    last_resolution = session.scalar(
        select(func.max(ResolutionRow.id)).where(
            ResolutionRow.project_id == project_id, ResolutionRow.stage == TITLE_ABSTRACT
        )
    )
    return RankingState(fingerprint, last_event or 0, last_resolution or 0)


_fingerprints: dict[tuple[str, int], tuple[float, str]] = {}
_fingerprint_lock = threading.Lock()


def current_fingerprint(engine: Engine, session: Session, project_id: int, max_age: float = 0.0) -> str:
    """`records_fingerprint`, read again only when this process read it more than `max_age`
    seconds ago (the queue passes its own sync interval: imports reach the ranks as they reach
    the queue)."""
    key = (str(engine.url), project_id)
    now = time.monotonic()
    with _fingerprint_lock:
        seen = _fingerprints.get(key)
        if max_age and seen is not None and now - seen[0] < max_age:
            return seen[1]
    fingerprint = records_fingerprint(session, project_id)
    with _fingerprint_lock:
        _fingerprints[key] = (now, fingerprint)
    return fingerprint


def is_stale(session: Session, project_id: int, reviewer_id: int, now: RankingState) -> bool:
    """Should the reviewer's ranks be recomputed (the rule in the module docstring)?"""
    model = session.get(ReviewerQueueModel, (project_id, reviewer_id))
    if model is None:
        return True
    if (
        model.records_fingerprint != now.records_fingerprint
        or model.last_resolution_id != now.last_resolution_id
    ):
        return True
    if now.last_event_id == model.last_event_id:
        return False
    every = RERANK_EVERY if model.ranked else 1
    since = session.scalar(
        select(func.count())
        .select_from(DecisionEventRow)
        .where(
            DecisionEventRow.project_id == project_id,
            DecisionEventRow.stage == TITLE_ABSTRACT,
            DecisionEventRow.reviewer_id == reviewer_id,
            DecisionEventRow.id > model.last_event_id,
        )
    )
    return (since or 0) >= every


# -- re-ranking -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RerankResult:
    """What one re-ranking did (the bench prints it; the Progress page shows the latest)."""

    labels: int
    includes: int
    ranked: int
    seconds: float
    model_seconds: float = 0.0
    """Of `seconds`, the time in the model (`prioritise.priority_ranks`): the rest is the database."""


def refresh_ranks(
    engine: Engine,
    project_id: int,
    reviewer_id: int,
    *,
    force: bool = False,
    max_age: float = 0.0,
    background: bool = False,
) -> RerankResult | None:
    """Recompute the reviewer's ranks if the project is prioritised and they are stale.

    Returns what was done, or None when nothing needed doing (or, with `background`, when the
    project's matrix is still being built: see `BACKGROUND_BUILD_FROM`). Cheap when fresh: a few
    indexed aggregates (the records' fingerprint only every `max_age` seconds).
    """
    with session_scope(engine) as session:
        settings = load_settings(session, project_id)
        if not settings.prioritised:
            return None
        now = ranking_state(
            session, project_id, reviewer_id, current_fingerprint(engine, session, project_id, max_age)
        )
        if not force and not is_stale(session, project_id, reviewer_id, now):
            return None
    fingerprint = now.records_fingerprint
    if (
        background
        and fingerprint_records(fingerprint) >= BACKGROUND_BUILD_FROM
        and not matrix_ready(engine, project_id, fingerprint)
    ):
        build_in_background(engine, project_id, fingerprint)
        return None
    return rerank(engine, project_id, reviewer_id)


def rerank(engine: Engine, project_id: int, reviewer_id: int) -> RerankResult:
    """Retrain the reviewer's model and rewrite their ranks.

    The model is fitted outside any write transaction (on SQLite a write transaction holds every
    other reviewer's decision back); the write that follows is short. Its model row is locked
    first, and a ranking newer than this one (another session of the same reviewer, meanwhile)
    is never overwritten by an older one.
    """
    started = time.perf_counter()
    with session_scope(engine) as session:
        fingerprint = records_fingerprint(session, project_id)
    matrix = text_matrix(engine, project_id, fingerprint)
    with session_scope(engine) as session:
        settings = load_settings(session, project_id)
        # The state before the labels: an event in between is learnt and re-ranked for once more,
        # never missed.
        now = ranking_state(session, project_id, reviewer_id, fingerprint)
        labels = reviewer_labels(session, project_id, reviewer_id, settings)
    keys = set(matrix.keys)
    labels = {record_id: label for record_id, label in labels.items() if record_id in keys}
    includes = sum(labels.values())
    ranks: Mapping[int, int] = {}
    model_started = time.perf_counter()
    if includes:  # before the first include nothing says what is relevant: random order
        ranks = {
            record_id: rank
            for record_id, rank in priority_ranks(matrix, labels, seed=project_id).items()
            if rank < RANKS_KEPT
        }
    model_seconds = time.perf_counter() - model_started
    rows = [
        {"project_id": project_id, "reviewer_id": reviewer_id, "record_id": record_id, "rank": rank}
        for record_id, rank in ranks.items()
    ]
    with write_session(engine) as session:
        insert_ignore(
            session,
            MODELS_TABLE,
            [{"project_id": project_id, "reviewer_id": reviewer_id, **_blank_model()}],
            ("project_id", "reviewer_id"),
        )
        model = session.execute(
            select(ReviewerQueueModel)
            .where(ReviewerQueueModel.project_id == project_id, ReviewerQueueModel.reviewer_id == reviewer_id)
            .with_for_update()
        ).scalar_one()
        if model.last_event_id > now.last_event_id or model.last_resolution_id > now.last_resolution_id:
            return RerankResult(model.labels, model.includes, model.ranked, model.seconds)
        session.execute(
            delete(ReviewerQueueRank).where(
                ReviewerQueueRank.project_id == project_id, ReviewerQueueRank.reviewer_id == reviewer_id
            )
        )
        for part in chunks(rows, 5_000):
            session.execute(RANKS_TABLE.insert(), list(part))
        seconds = time.perf_counter() - started
        # The records the matrix was built from: an import since then leaves the ranks stale.
        model.records_fingerprint = fingerprint
        model.last_event_id = now.last_event_id
        model.last_resolution_id = now.last_resolution_id
        model.labels = len(labels)
        model.includes = includes
        model.ranked = len(rows)
        model.ranked_at = utcnow()
        model.seconds = seconds
    return RerankResult(len(labels), includes, len(rows), seconds, model_seconds)


def _blank_model() -> dict[str, object]:
    return {
        "records_fingerprint": "",
        "last_event_id": 0,
        "last_resolution_id": 0,
        "labels": 0,
        "includes": 0,
        "ranked": 0,
        "ranked_at": utcnow(),
        "seconds": 0.0,
    }


def ranked_order(session: Session, project_id: int, reviewer_id: int) -> list[int]:
    """The reviewer's ranked records, first first (tests and the bench compare orders with it)."""
    return list(
        session.scalars(
            select(ReviewerQueueRank.record_id)
            .where(ReviewerQueueRank.project_id == project_id, ReviewerQueueRank.reviewer_id == reviewer_id)
            .order_by(ReviewerQueueRank.rank)
        )
    )

"""`find_duplicates`: normalise → block → score → decide → cluster, over plain Records."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from review.memory import paused_gc
from review.records.dedup.blocking import IndexArray, candidate_pairs
from review.records.dedup.cluster import cluster_pairs
from review.records.dedup.normalise import NormRecord, normalise_record
from review.records.dedup.pairs import PairScore, compare
from review.records.dedup.settings import DedupSettings
from review.records.model import Record

#: How often (in candidate pairs) scoring reports progress.
_PROGRESS_EVERY = 20_000
#: Containment of one title in another is only looked for when the shorter has this many
#: characters and is under two thirds of the longer (otherwise the similarity already shows it).
_CONTAINED_MIN_CHARS = 20


def _codes(values: Sequence[str]) -> npt.NDArray[np.int64]:
    """Each distinct non-empty value as a positive integer, '' as 0."""
    seen: dict[str, int] = {"": 0}
    return np.asarray([seen.setdefault(v, len(seen)) for v in values], dtype=np.int64)


def plausible_pairs(
    records: Sequence[NormRecord],
    left: IndexArray,
    right: IndexArray,
    settings: DedupSettings,
) -> tuple[IndexArray, IndexArray]:
    """The candidate pairs worth scoring field by field, chosen with vector operations: titles at
    least `title_review` similar (rapidfuzz `cpdist`, both cores), or `title_related` similar with
    the same year and authors; a missing title or a title with variants; a shared DOI, PMID or
    volume and first page; or one title inside the other. `compare` would return None for every
    pair left out."""
    if len(left) == 0:
        return left, right
    titles = [r.title for r in records]
    first = [titles[i] for i in left.tolist()]
    second = [titles[j] for j in right.tolist()]
    similar = process.cpdist(
        first,
        second,
        scorer=Indel.normalized_similarity,
        score_cutoff=settings.title_related,
        workers=-1,
    )
    similarity = np.asarray(similar, dtype=np.float64)
    keep = similarity >= settings.title_review
    # A related title only counts with the same year and the same authors (two or more).
    years = np.asarray([r.year if r.year is not None else -1 for r in records], dtype=np.int64)
    teams = np.asarray([len(r.authors) >= 2 for r in records], dtype=bool)
    related = (
        ~keep
        & (similarity >= settings.title_related)
        & (years[left] == years[right])
        & (years[left] >= 0)
        & teams[left]
        & teams[right]
    )
    if related.any():
        where = np.flatnonzero(related)
        authors = [r.authors_key for r in records]
        same_team = process.cpdist(
            [authors[i] for i in left[where].tolist()],
            [authors[j] for j in right[where].tolist()],
            scorer=fuzz.token_set_ratio,
            score_cutoff=100 * settings.author_agree,
            workers=-1,
        )
        keep[where] = np.asarray(same_team, dtype=np.float64) >= 100 * settings.author_agree
    untitled = np.asarray([not r.titles or len(r.titles) > 1 for r in records], dtype=bool)
    keep |= untitled[left] | untitled[right]
    for codes in (
        _codes([r.doi for r in records]),
        _codes([r.pmid for r in records]),
        _codes([f"{r.volume}|{r.page}" if r.volume and r.page else "" for r in records]),
    ):
        keep |= (codes[left] == codes[right]) & (codes[left] > 0)
    lengths = np.asarray([len(t) for t in titles], dtype=np.int64)
    short = np.minimum(lengths[left], lengths[right])
    long = np.maximum(lengths[left], lengths[right])
    maybe_inside = ~keep & (short >= _CONTAINED_MIN_CHARS) & (3 * short < 2 * long)
    if maybe_inside.any():
        where = np.flatnonzero(maybe_inside)
        distance = process.cpdist(
            [first[k] for k in where.tolist()],
            [second[k] for k in where.tolist()],
            scorer=Indel.distance,
            workers=-1,
        )
        # Only deletions: the shorter title is a subsequence of the longer one.
        keep[where] = np.asarray(distance, dtype=np.int64) == long[where] - short[where]
    return left[keep], right[keep]


@dataclass
class DedupResult:
    """What `find_duplicates` found.

    * `auto_pairs`: the automatic links that formed the clusters;
    * `review_pairs`: pairs for a person to decide, at most one between two clusters (or a
      cluster and a record), each with `blockers` saying what stopped an automatic merge;
    * `clusters`: groups of two or more ids, formed by automatic links only;
    * `timings`: seconds per stage ('normalise', 'block', 'score', 'cluster', 'total');
    * `candidates`: how many pairs blocking proposed; `records`: how many records came in.
    """

    auto_pairs: list[PairScore] = field(default_factory=list)
    review_pairs: list[PairScore] = field(default_factory=list)
    clusters: list[frozenset[int]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    candidates: int = 0
    records: int = 0

    def cluster_of(self) -> dict[int, frozenset[int]]:
        """Each clustered id to its cluster."""
        return {node: cluster for cluster in self.clusters for node in cluster}

    @property
    def duplicates_removed(self) -> int:
        """Records that automatic merging removes (each cluster keeps one)."""
        return sum(len(cluster) - 1 for cluster in self.clusters)


def find_duplicates(
    records: Sequence[Record],
    ids: Sequence[int],
    settings: DedupSettings = DedupSettings(),  # noqa: B008 (frozen, so a safe default)
    not_duplicates: Collection[frozenset[int]] = (),
    progress: Callable[[float], None] | None = None,
    *,
    only_new: Collection[int] | None = None,
) -> DedupResult:
    """Find duplicate records. Pure: reads the records, changes nothing.

    `ids` are the records' database ids, in the same order. `not_duplicates` holds pairs of ids a
    person said are distinct: they are never proposed again and never end up in one automatic
    cluster. `progress`, when given, is called with the fraction done (0 to 1). `only_new`, when
    given, holds the ids of newly imported records: pairs where neither record is new are not
    scored, so clusters and the review queue only hold links that touch a new record.
    """
    if len(records) != len(ids):
        raise ValueError(f"{len(records)} records but {len(ids)} ids")
    if len(set(ids)) != len(ids):
        raise ValueError("ids must be unique")
    with paused_gc():
        return _find_duplicates(records, ids, settings, not_duplicates, progress, only_new)


def _find_duplicates(
    records: Sequence[Record],
    ids: Sequence[int],
    settings: DedupSettings,
    not_duplicates: Collection[frozenset[int]],
    progress: Callable[[float], None] | None,
    only_new: Collection[int] | None,
) -> DedupResult:
    report = progress or (lambda fraction: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()

    normalised: list[NormRecord] = [
        normalise_record(record, index, int(record_id))
        for index, (record, record_id) in enumerate(zip(records, ids, strict=True))
    ]
    timings["normalise"] = time.perf_counter() - started
    report(0.3)

    mark = time.perf_counter()
    only = None
    if only_new is not None:
        new_ids = set(only_new)
        only = [n.index for n in normalised if n.id in new_ids]
    left, right = candidate_pairs(normalised, settings, only)
    candidates = len(left)
    timings["block"] = time.perf_counter() - mark
    report(0.45)

    mark = time.perf_counter()
    left, right = plausible_pairs(normalised, left, right, settings)
    excluded = {frozenset(pair) for pair in not_duplicates}
    auto: list[PairScore] = []
    review: list[PairScore] = []
    total = len(left) or 1
    for done, (i, j) in enumerate(zip(left.tolist(), right.tolist(), strict=True), 1):
        a, b = normalised[i], normalised[j]
        if excluded and frozenset((a.id, b.id)) in excluded:
            continue
        scored = compare(a, b, settings)
        if scored is not None:
            (auto if scored.decision == "auto" else review).append(scored)
        if done % _PROGRESS_EVERY == 0:
            report(0.5 + 0.45 * done / total)
    timings["score"] = time.perf_counter() - mark

    mark = time.perf_counter()
    dois = {n.id: n.doi for n in normalised if n.doi}
    clustering = cluster_pairs(auto, review, excluded, dois)
    timings["cluster"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    report(1.0)
    return DedupResult(
        auto_pairs=clustering.auto_pairs,
        review_pairs=clustering.review_pairs,
        clusters=clustering.clusters,
        timings=timings,
        candidates=candidates,
        records=len(records),
    )

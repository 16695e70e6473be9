"""Inter-rater agreement per stage and reviewer pair: n, percent agreement, Cohen's kappa, PABAK, prevalence.

Categories. Decisions are compared after the project's rule for ``maybe``
(`review.screening.model.map_maybe`), the same rule that decides conflicts:

- ``maybe_counts_as_include=True``: two categories, include / exclude (maybe → include);
- ``maybe_counts_as_include=False``: three categories, include / exclude / maybe; a maybe against
  an include is a disagreement, as it is a conflict.

The number of categories k is fixed by the rule (2 or 3), not by which ones the data happen to use.

Statistics, for the n records both reviewers of the pair decided (a record only one of them saw
does not count):

- percent agreement po = agreeing records / n (0-1);
- Cohen's kappa = (po - pe) / (1 - pe), pe = Σ_c p_a(c)·p_b(c) from each reviewer's own marginals;
  **undefined** (None, never NaN; ``kappa_undefined`` says why) when n = 0, or when pe = 1 —
  both reviewers put every record in one and the same category, so chance explains all agreement;
- PABAK (prevalence-adjusted bias-adjusted kappa) = (k·po - 1) / (k - 1), i.e. 2·po - 1 for k = 2;
- prevalence index = |a - d| / n, a = records both included, d = records both excluded
  (maybe/maybe counts in neither). Near 1 means one category dominates, where kappa is low even
  with high agreement — the reason to report PABAK beside it.

>>> from datetime import datetime
>>> t = datetime(2025, 1, 1)
>>> ds = [DecisionEvent(r, rev, "title_abstract", d, None, None, t, 10 * r + rev)
...       for r, rev, d in [(1, 1, "include"), (1, 2, "include"), (2, 1, "exclude"), (2, 2, "exclude"),
...                         (3, 1, "exclude"), (3, 2, "include"), (4, 1, "exclude"), (4, 2, "exclude")]]
>>> pair = pairwise_agreement(ds, "title_abstract", maybe_counts_as_include=True)[0]
>>> pair.n, pair.agreement, round(pair.kappa, 3), pair.pabak, pair.prevalence
(4, 0.75, 0.5, 0.5, 0.25)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import combinations
from typing import Literal

from review.screening.model import (
    STAGES,
    Decision,
    DecisionEvent,
    Decisions,
    as_current,
    decisions_of_stage,
    map_maybe,
    parse_stage,
)

_EPS = 1e-12


def categories_for(maybe_counts_as_include: bool) -> tuple[str, ...]:
    """The categories decisions fall in under the project's rule for maybe.

    >>> categories_for(True), categories_for(False)
    (('include', 'exclude'), ('include', 'exclude', 'maybe'))
    """
    if maybe_counts_as_include:
        return (Decision.INCLUDE.value, Decision.EXCLUDE.value)
    return (Decision.INCLUDE.value, Decision.EXCLUDE.value, Decision.MAYBE.value)


@dataclass(frozen=True)
class Statistics:
    """Agreement statistics of one set of paired labels."""

    n: int
    agreement: float | None
    kappa: float | None
    pabak: float | None
    prevalence: float | None
    kappa_undefined: str | None = None
    """Why kappa is None (None when kappa is defined)."""


def agreement_statistics(
    labels_a: Sequence[str], labels_b: Sequence[str], categories: Sequence[str]
) -> Statistics:
    """Percent agreement, Cohen's kappa, PABAK and prevalence index of two label sequences.

    `labels_a[i]` and `labels_b[i]` are the two reviewers' (already mapped) labels of record i;
    every label must be one of `categories` (whose length is the k of PABAK).

    >>> s = agreement_statistics(["include", "include"], ["include", "include"], ["include", "exclude"])
    >>> s.agreement, s.kappa, s.pabak, s.prevalence, s.kappa_undefined
    (1.0, None, 1.0, 1.0, 'every decision of both reviewers is include: kappa is undefined (pe = 1)')
    """
    if len(labels_a) != len(labels_b):
        raise ValueError("both reviewers need one label per record")
    k = len(categories)
    if k < 2:
        raise ValueError("agreement needs at least two categories")
    unknown = (set(labels_a) | set(labels_b)) - set(categories)
    if unknown:
        raise ValueError(f"labels {sorted(unknown)} are not among the categories {list(categories)}")
    n = len(labels_a)
    if n == 0:
        why = "no record was decided by both reviewers (n = 0)"
        return Statistics(0, None, None, None, None, why)
    agree = sum(1 for a, b in zip(labels_a, labels_b, strict=True) if a == b)
    po = agree / n
    count_a, count_b = Counter(labels_a), Counter(labels_b)
    pe = sum(count_a[c] * count_b[c] for c in categories) / (n * n)
    both_include = sum(1 for a, b in zip(labels_a, labels_b, strict=True) if a == b == Decision.INCLUDE)
    both_exclude = sum(1 for a, b in zip(labels_a, labels_b, strict=True) if a == b == Decision.EXCLUDE)
    pabak = (k * po - 1) / (k - 1)
    prevalence = abs(both_include - both_exclude) / n
    if 1 - pe <= _EPS:
        only = next(iter(set(labels_a)))
        why = f"every decision of both reviewers is {only}: kappa is undefined (pe = 1)"
        return Statistics(n, po, None, pabak, prevalence, why)
    kappa = (po - pe) / (1 - pe)
    return Statistics(n, po, kappa, pabak, prevalence)


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of one reviewer pair at one stage (reviewer_a < reviewer_b)."""

    stage: str
    reviewer_a: int
    reviewer_b: int
    n: int
    agreement: float | None
    kappa: float | None
    pabak: float | None
    prevalence: float | None
    kappa_undefined: str | None = None
    """Why kappa is None (None when kappa is defined)."""

    def to_dict(self) -> dict[str, object]:
        """The command-line JSON object: exactly the keys of the DESIGN.md contract."""
        return {
            "stage": self.stage,
            "reviewer_a": self.reviewer_a,
            "reviewer_b": self.reviewer_b,
            "n": self.n,
            "agreement": self.agreement,
            "kappa": self.kappa,
            "pabak": self.pabak,
            "prevalence": self.prevalence,
        }


@dataclass(frozen=True)
class _Paired:
    """One record both reviewers of a pair decided: when the second decision came, and both labels."""

    both_decided: tuple[datetime, int]
    record_id: int
    label_a: str
    label_b: str


def _by_reviewer(events: Iterable[DecisionEvent]) -> dict[int, dict[int, DecisionEvent]]:
    """reviewer_id → record_id → current decision."""
    table: dict[int, dict[int, DecisionEvent]] = {}
    for event in events:
        table.setdefault(event.reviewer_id, {})[event.record_id] = event
    return table


def _paired(
    a: dict[int, DecisionEvent], b: dict[int, DecisionEvent], maybe_counts_as_include: bool
) -> list[_Paired]:
    """The records both decided, in the order both had decided them (then by record id)."""
    rows = [
        _Paired(
            max(a[r].order, b[r].order),
            r,
            map_maybe(a[r].decision, maybe_counts_as_include),
            map_maybe(b[r].decision, maybe_counts_as_include),
        )
        for r in a.keys() & b.keys()
    ]
    return sorted(rows, key=lambda row: (row.both_decided, row.record_id))


def _stats(rows: Sequence[_Paired], maybe_counts_as_include: bool) -> Statistics:
    return agreement_statistics(
        [row.label_a for row in rows], [row.label_b for row in rows], categories_for(maybe_counts_as_include)
    )


def _stages(decisions: list[DecisionEvent], stage: str | None) -> list[str]:
    if stage is not None:
        return [parse_stage(stage)]
    present = {event.stage for event in decisions}
    return [s for s in STAGES if s in present]


def pairwise_agreement(
    decisions: Decisions,
    stage: str | None,
    maybe_counts_as_include: bool,
    *,
    include_empty_pairs: bool = True,
) -> list[PairAgreement]:
    """Agreement of every pair of reviewers who decided anything at `stage` (None: every stage).

    `decisions`: the output of `current_decisions`, or raw events (replayed, latest wins).
    Ordered by stage (title/abstract first), then reviewer_a, reviewer_b. A pair that shares no
    record has n = 0 and every statistic None, unless ``include_empty_pairs`` is False.
    """
    current = as_current(decisions)
    result: list[PairAgreement] = []
    for each_stage in _stages(current, stage):
        table = _by_reviewer(decisions_of_stage(current, each_stage))
        for a, b in combinations(sorted(table), 2):
            s = _stats(_paired(table[a], table[b], maybe_counts_as_include), maybe_counts_as_include)
            if s.n == 0 and not include_empty_pairs:
                continue
            result.append(
                PairAgreement(
                    each_stage, a, b, s.n, s.agreement, s.kappa, s.pabak, s.prevalence, s.kappa_undefined
                )
            )
    return result


@dataclass(frozen=True)
class BatchAgreement:
    """Agreement of one reviewer pair over one batch of consecutive records (for kappa over time)."""

    stage: str
    reviewer_a: int
    reviewer_b: int
    batch: int
    """1, 2, 3, … in the order both reviewers had decided the records."""
    first_record: int
    """Position (1-based) of the batch's first record in that order."""
    last_record: int
    """Position of its last record: the x-axis of a kappa-over-time chart."""
    decided_until: datetime
    """When the batch's last record had been decided by both."""
    n: int
    agreement: float | None
    kappa: float | None
    pabak: float | None
    prevalence: float | None
    kappa_undefined: str | None = None


def agreement_by_batch(
    decisions: Decisions,
    stage: str,
    batch_size: int,
    *,
    maybe_counts_as_include: bool,
) -> list[BatchAgreement]:
    """Per reviewer pair, the statistics of each consecutive batch of `batch_size` records.

    Records are taken in the order both reviewers of the pair had decided them (the later of the
    two decisions; ties by record id). The last batch may be smaller. Ordered by pair, then batch.
    """
    if batch_size < 1:
        raise ValueError("a batch holds at least one record")
    stage = parse_stage(stage)
    table = _by_reviewer(decisions_of_stage(decisions, stage))
    result: list[BatchAgreement] = []
    for a, b in combinations(sorted(table), 2):
        rows = _paired(table[a], table[b], maybe_counts_as_include)
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            s = _stats(chunk, maybe_counts_as_include)
            result.append(
                BatchAgreement(
                    stage,
                    a,
                    b,
                    start // batch_size + 1,
                    start + 1,
                    start + len(chunk),
                    chunk[-1].both_decided[0],
                    s.n,
                    s.agreement,
                    s.kappa,
                    s.pabak,
                    s.prevalence,
                    s.kappa_undefined,
                )
            )
    return result


@dataclass(frozen=True)
class PilotResult:
    """The calibration pilot: did the reviewers decide every pilot record, and agree well enough?"""

    complete: bool
    agreement: float | None
    """Mean percent agreement over the reviewer pairs (pairs sharing no record left out)."""
    kappa: float | None
    """Mean Cohen's kappa over the pairs where it is defined (Light's kappa); None if none is."""
    passed: bool | None
    """None until the pilot is complete (or when the measure judged is undefined)."""
    measure: str = "agreement"
    pass_mark: float = 0.75
    n_records: int = 0
    reviewers: tuple[int, ...] = ()
    missing: dict[int, tuple[int, ...]] = field(default_factory=dict)
    """reviewer_id → pilot records that reviewer has not decided yet."""
    pairs: tuple[PairAgreement, ...] = ()


def pilot_result(
    decisions: Decisions,
    stage: str,
    pilot_record_ids: Iterable[int],
    pass_mark: float = 0.75,
    *,
    maybe_counts_as_include: bool,
    reviewer_ids: Iterable[int] | None = None,
    measure: Literal["agreement", "kappa"] = "agreement",
) -> PilotResult:
    """Judge a calibration pilot: every reviewer screens the same pilot records first.

    Reviewers: `reviewer_ids`, else everyone with a decision on a pilot record at `stage`.
    Complete when there are at least two reviewers and each decided every pilot record.
    Passed when complete and the `measure` reaches `pass_mark`: by default percent agreement
    ≥ 0.75 (the JBI guidance for scoping reviews: start screening once the team agrees on 75% or
    more); ``measure="kappa"`` judges the mean pairwise kappa instead.
    """
    if measure not in ("agreement", "kappa"):
        raise ValueError(f"a pilot is judged on agreement or kappa, not {measure!r}")
    stage = parse_stage(stage)
    pilot = sorted(set(pilot_record_ids))
    pilot_set = set(pilot)
    in_pilot = [event for event in decisions_of_stage(decisions, stage) if event.record_id in pilot_set]
    table = _by_reviewer(in_pilot)
    reviewers = tuple(sorted(set(reviewer_ids) if reviewer_ids is not None else set(table)))
    missing = {
        reviewer: tuple(r for r in pilot if r not in table.get(reviewer, {})) for reviewer in reviewers
    }
    missing = {reviewer: records for reviewer, records in missing.items() if records}
    complete = bool(pilot) and len(reviewers) >= 2 and not missing
    pairs = tuple(
        pair
        for pair in pairwise_agreement(in_pilot, stage, maybe_counts_as_include, include_empty_pairs=False)
        if pair.reviewer_a in reviewers and pair.reviewer_b in reviewers
    )
    agreements = [p.agreement for p in pairs if p.agreement is not None]
    kappas = [p.kappa for p in pairs if p.kappa is not None]
    agreement = sum(agreements) / len(agreements) if agreements else None
    kappa = sum(kappas) / len(kappas) if kappas else None
    judged = agreement if measure == "agreement" else kappa
    passed = None if not complete or judged is None else judged >= pass_mark - _EPS
    return PilotResult(
        complete,
        agreement,
        kappa,
        passed,
        measure,
        pass_mark,
        len(pilot),
        reviewers,
        missing,
        pairs,
    )

"""Screening prioritisation: likely includes first, and an honest answer to "can we stop?".

Pure: numpy, scipy and scikit-learn over plain data; no database, no UI. The store side builds a
`TextMatrix` once per project (and caches it), then after each decision calls `priority_ranks`
with the labels a reviewer may see (their own decisions plus the team's resolved ones) to rank
their queue, and `stopping_estimate` with the labels in the order they were screened.

The model
    Features: TF-IDF over title, abstract and keywords (`record_text`), word 1-2-grams,
    sublinear term frequency, accents folded, terms in more than 95% of the records or in only
    one dropped (a term one record holds cannot carry what was learnt to another). Stop words are
    kept: dropping them (sklearn's English list, or only articles and prepositions) helped on
    Cohen's ADHD set and cost far more on Kitchenham's ("review of", "studies in" matter), and
    the two views side by side did not win back the loss.
    Classifier: a logistic regression (liblinear's dual solver: far more terms than labelled
    rows), fitted on the labelled rows only, so a fit costs in proportion to the decisions made,
    and one sparse product scores every unlabelled row. The includes are weighted up
    (`INCLUDE_WEIGHT`): with a few percent of includes an unweighted model learns "exclude
    everything". Past `MAX_TRAINING_EXCLUDES` excludes a fixed subset of them trains the model,
    so a retrain and re-rank stays near 0.1 s from the first decision to the 19,000th of a
    20,000-record project (building the matrix once takes about 9 s). `bench/prioritise_bench.py`
    measures both, and compares the screening saved with ASReview's default model.

Before the model can learn (`relevance_scores`)
    - no include yet (no label, or excludes only): every score is 0.0, so `priority_ranks` falls
      back to its seeded random order — nothing known says what is relevant;
    - includes but no exclude yet: the cosine similarity to the mean of the included rows, so
      records like the includes come first.

>>> matrix = build_text_matrix([1, 2, 3, 4], ["feedback in psychotherapy", "routine outcome feedback",
...                                          "soil erosion in forests", "forest soil carbon"])
>>> ranks = priority_ranks(matrix, {1: 1, 3: 0})
>>> ranks[2] < ranks[4]
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.stats import hypergeom
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

#: Inverse regularisation strength of the logistic regression. Of 10, 1 and 0.3, 0.3 ranked
#: best on both bench sets (WSS@95 +0.03 over 1 on each): fairly strong regularisation, as the
#: few labels of early screening must not pin the model on chance words.
C = 0.3
#: The includes together weigh this many times the excludes together when the model is fitted.
#: "Balanced" (1) under-ranks the rare includes; 9.8 is ASReview 2's balancer ratio (tuned on the
#: SYNERGY sets, none of ours); with it WSS@95 rose on both bench sets in every pairing tried.
INCLUDE_WEIGHT = 9.8
MIN_DF = 2
#: At most this many excludes train the model (all includes always do): a fit costs in proportion
#: to its rows, and past a few thousand more excludes teach little. Which ones is fixed per row
#: (a seeded permutation), so the set changes little from one decision to the next.
MAX_TRAINING_EXCLUDES = 4_000


@dataclass(frozen=True)
class TextMatrix:
    """One TF-IDF row per document, built once per project and cached by the caller.

    `keys` are the caller's ids (record ids), one per row and in row order; `row_of` maps back.
    """

    matrix: sparse.csr_matrix
    keys: tuple[int, ...]
    row_of: Mapping[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.matrix.shape[0] != len(self.keys):
            raise ValueError(f"{self.matrix.shape[0]} rows but {len(self.keys)} keys")
        row_of = {key: row for row, key in enumerate(self.keys)}
        if len(row_of) != len(self.keys):
            raise ValueError("keys must be unique")
        object.__setattr__(self, "row_of", row_of)


def record_text(title: str, abstract: str, keywords: Sequence[str]) -> str:
    """The text a record is ranked by: title, abstract and keywords, in one string.

    >>> record_text("ROM in therapy", "", ["feedback", "outcome"])
    'ROM in therapy\\n\\nfeedback; outcome'
    """
    return "\n".join([title or "", abstract or "", "; ".join(word for word in keywords if word)])


def build_text_matrix(keys: Sequence[int], texts: Sequence[str]) -> TextMatrix:
    """TF-IDF (word 1-2-grams) of `texts`, one row per key, for `relevance_scores`.

    Terms found in one record only are dropped when that leaves a vocabulary (a tiny project
    keeps them). A record with no usable text gets an all-zero row: it scores as the model's
    intercept, after the records that look relevant.
    """
    if len(keys) != len(texts):
        raise ValueError(f"{len(keys)} keys but {len(texts)} texts")
    matrix = _tfidf(texts)
    if matrix is None:  # no word at all in any text
        matrix = sparse.csr_matrix((len(texts), 1), dtype=np.float32)
    matrix.sort_indices()  # once here, not in every fit (liblinear wants sorted column indices)
    return TextMatrix(matrix=matrix, keys=tuple(int(key) for key in keys))


def _tfidf(texts: Sequence[str]) -> sparse.csr_matrix | None:
    """Terms in one record only are dropped, unless that leaves no term at all."""
    for min_df in (MIN_DF, 1) if len(texts) > 2 else (1,):
        vectorizer = TfidfVectorizer(
            ngram_range=(1, 2),
            sublinear_tf=True,
            min_df=min_df,
            max_df=0.95 if len(texts) >= 20 else 1.0,
            strip_accents="unicode",
            dtype=np.float32,
        )
        try:
            return sparse.csr_matrix(vectorizer.fit_transform(texts))
        except ValueError:  # empty vocabulary
            continue
    return None


def relevance_scores(text_matrix: TextMatrix, labels: Mapping[int, int]) -> dict[int, float]:
    """A score per unlabelled key: higher is more likely relevant.

    `labels` maps keys to 1 (include) or 0 (exclude); keys the matrix lacks are ignored (a record
    imported after the matrix was built: rebuild it). The scores are the model's log-odds once
    both classes are labelled; before that see the module docstring (zeros without an include,
    similarity to the includes without an exclude).
    """
    labelled_rows, label_values = _labelled(text_matrix, labels)
    unlabelled = np.ones(len(text_matrix.keys), dtype=bool)
    unlabelled[labelled_rows] = False
    unlabelled_rows = np.flatnonzero(unlabelled)
    scores = _scores(text_matrix.matrix, labelled_rows, label_values, unlabelled_rows)
    keys = text_matrix.keys
    return {keys[row]: float(score) for row, score in zip(unlabelled_rows, scores, strict=True)}


def _labelled(text_matrix: TextMatrix, labels: Mapping[int, int]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int8]]:
    rows: list[int] = []
    values: list[int] = []
    for key, label in labels.items():
        row = text_matrix.row_of.get(key)
        if row is None:
            continue
        if label not in (0, 1):
            raise ValueError(f"label of {key} is {label!r}: use 1 (include) or 0 (exclude)")
        rows.append(row)
        values.append(int(label))
    return np.asarray(rows, dtype=np.intp), np.asarray(values, dtype=np.int8)


def _scores(
    matrix: sparse.csr_matrix,
    labelled_rows: npt.NDArray[np.intp],
    label_values: npt.NDArray[np.int8],
    unlabelled_rows: npt.NDArray[np.intp],
) -> npt.NDArray[np.float64]:
    includes = labelled_rows[label_values == 1]
    if includes.size == 0:
        return np.zeros(unlabelled_rows.size)
    candidates = matrix[unlabelled_rows]
    if includes.size == label_values.size:
        centroid = np.asarray(matrix[includes].mean(axis=0)).ravel()
        norm = float(np.linalg.norm(centroid))
        return np.asarray(candidates @ (centroid / norm if norm else centroid), dtype=np.float64).ravel()
    training = _training_rows(matrix.shape[0], labelled_rows, label_values)
    model = LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=1000, random_state=0)
    model.fit(matrix[labelled_rows[training]], label_values[training],
              sample_weight=_sample_weights(label_values[training]))
    return np.asarray(model.decision_function(candidates), dtype=np.float64)


def _sample_weights(label_values: npt.NDArray[np.int8]) -> npt.NDArray[np.float64]:
    """Includes together weigh `INCLUDE_WEIGHT` times the excludes together; mean weight 1.

    >>> _sample_weights(np.array([1, 0, 0, 0], dtype=np.int8)).round(3).tolist()
    [3.63, 0.123, 0.123, 0.123]
    """
    includes = int(label_values.sum())
    excludes = label_values.size - includes
    weights = np.where(label_values == 1, 1.0, includes / (INCLUDE_WEIGHT * excludes))
    return weights * (label_values.size / weights.sum())


def _training_rows(
    row_count: int, labelled_rows: npt.NDArray[np.intp], label_values: npt.NDArray[np.int8]
) -> npt.NDArray[np.intp]:
    """Positions (in `labelled_rows`) of the rows to train on: every include, and the
    `MAX_TRAINING_EXCLUDES` excludes first in a permutation of the rows fixed by seed 0."""
    excludes = np.flatnonzero(label_values == 0)
    if excludes.size <= MAX_TRAINING_EXCLUDES:
        return np.arange(label_values.size)
    place = np.random.default_rng(0).permutation(row_count)[labelled_rows[excludes]]
    kept = excludes[np.argpartition(place, MAX_TRAINING_EXCLUDES)[:MAX_TRAINING_EXCLUDES]]
    return np.sort(np.concatenate([np.flatnonzero(label_values == 1), kept]))


def priority_ranks(text_matrix: TextMatrix, labels: Mapping[int, int], seed: int = 0) -> dict[int, int]:
    """The screening order of the unlabelled keys: 0 comes first.

    Sorted by `relevance_scores`, highest first; ties (all of them before the first include) are
    broken by a random permutation drawn from `seed`, so the same labels and seed always give the
    same order.
    """
    scores = relevance_scores(text_matrix, labels)
    keys = np.fromiter(scores, dtype=np.int64, count=len(scores))
    values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
    tie_break = np.random.default_rng(seed).permutation(len(text_matrix.keys))
    rows = np.fromiter((text_matrix.row_of[int(key)] for key in keys), dtype=np.intp, count=keys.size)
    order = np.lexsort((tie_break[rows], -values))
    return {int(keys[index]): rank for rank, index in enumerate(order)}


# --- when to stop ------------------------------------------------------------------------------

STOPPING_METHOD = (
    "Callaghan & Müller-Hansen (2020) stopping rule: for every k, the last k screened records are "
    "treated as a random sample of the records left before them; hypergeometric test of H0 'recall "
    "is below the target'. Interval: exact hypergeometric, from the most recent half of the screening"
)


@dataclass(frozen=True)
class StoppingEstimate:
    """Guidance on stopping: how many includes are probably still unscreened, and whether the
    recall target is reached with the stated confidence. Never an automatic exclusion."""

    screened: int
    includes_found: int
    total: int
    estimated_remaining_includes: float
    low: float
    high: float
    safe_to_stop: bool
    recall_target: float
    confidence: float
    p_value: float
    """The p-value of H0 "recall < recall_target" (smallest over the windows); stop when < 1 - confidence."""
    method: str = STOPPING_METHOD

    @property
    def unscreened(self) -> int:
        return self.total - self.screened


def stopping_estimate(
    order_labels: Sequence[int], total: int, recall_target: float = 0.95, confidence: float = 0.95
) -> StoppingEstimate:
    """Can screening stop? `order_labels` are the 0/1 labels in the order they were screened
    (the prioritised order); `total` counts every record to screen, the unscreened included.

    `safe_to_stop` is the rule of Callaghan M.W., Müller-Hansen F. (2020), "Statistical stopping
    criteria for automated screening in systematic reviews", Systematic Reviews 9:273,
    doi:10.1186/s13643-020-01521-4, in its "ranked quasi-sampling" form (as in their buscar
    package): for every k, the last k screened records are taken as if they were a random
    sample drawn from the records still unscreened before them. A prioritised order puts likely
    includes first, so those records hold no more includes than a random sample would: the test
    errs on the side of screening on. With r includes found, recall is below the target τ exactly
    when at least R_min = floor(r/τ − r) + 1 includes are still unscreened; for the window of the
    last k records, x of them includes, and U records unscreened, the p-value of H0 "recall < τ"
    is the hypergeometric P(X ≤ x) for k draws from k + U records holding x + R_min includes.
    H0 is rejected — safe to stop — when the smallest p over all k is below 1 − confidence.
    With few includes the target is strict (with 10 found, missing one already breaks 95%).

    The includes still unscreened, with a two-sided interval at `confidence`, come from one
    window, the most recent half of the screening (at least its last 20 records), read as a
    random sample of the records not screened before it: `low` and `high` are the exact
    hypergeometric bounds (each tail (1 − confidence) / 2), and `estimated_remaining_includes`
    is the window's include rate, smoothed by half an include ((x + ½) / (k + 1), so an empty
    window still admits some risk), times the unscreened records, kept within the bounds. On a
    prioritised order the recent rate overstates the rate of what is left: the estimate leans
    high. One fixed window, not the best of many, keeps the interval honest on a random order.

    With nothing screened the interval is [0, total] and stopping is never safe.

    >>> done = stopping_estimate([1] * 50 + [0] * 1800, total=2000)
    >>> done.safe_to_stop, done.low, done.high
    (True, 0.0, 1.0)
    >>> stopping_estimate([1, 0, 0, 1, 0, 0, 0, 0, 0, 1], total=1000).safe_to_stop
    False
    """
    if not 0 < recall_target < 1:
        raise ValueError("recall_target must lie between 0 and 1")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie between 0 and 1")
    labels = np.asarray(order_labels, dtype=np.int64)
    if labels.size and not np.isin(labels, (0, 1)).all():
        raise ValueError("labels must be 0 (exclude) or 1 (include)")
    screened = int(labels.size)
    if total < screened:
        raise ValueError(f"total ({total}) is smaller than the records screened ({screened})")
    found = int(labels.sum())
    unscreened = total - screened
    alpha = 1.0 - confidence
    if screened == 0:
        return StoppingEstimate(0, 0, total, total / 2, 0.0, float(total), False, recall_target, confidence, 1.0)
    windows = np.arange(1, screened + 1)
    window_includes = np.cumsum(labels[::-1])  # includes among the last 1, 2, … screened
    must_remain = math.floor(found / recall_target - found + 1e-9) + 1  # R_min
    p_stop = _smallest_p(window_includes, windows, unscreened, must_remain)
    recent = max(min(screened, 20), screened // 2)
    recent_includes = int(window_includes[recent - 1])
    low, high = _bounds(recent_includes, recent, unscreened, alpha / 2)
    estimate = (recent_includes + 0.5) / (recent + 1) * unscreened
    return StoppingEstimate(
        screened=screened,
        includes_found=found,
        total=total,
        estimated_remaining_includes=float(min(max(estimate, low), high)),
        low=float(low),
        high=float(high),
        safe_to_stop=bool(p_stop < alpha),
        recall_target=recall_target,
        confidence=confidence,
        p_value=p_stop,
    )


def _smallest_p(
    window_includes: npt.NDArray[np.int64], windows: npt.NDArray[np.int64], unscreened: int, remaining: int
) -> float:
    """Smallest over the windows of P(X <= x | k drawn from k + U records, x + remaining includes).

    While x stays the same, a longer window only adds excludes, and P(X <= x) falls with k (the
    U records left hold includes at a lower rate): the smallest p of each run of equal x is at the
    run's last window. Only those are computed, one per include found and the longest window,
    instead of one per record screened.
    """
    last_of_run = np.append(np.flatnonzero(np.diff(window_includes) > 0), window_includes.size - 1)
    window_includes, windows = window_includes[last_of_run], windows[last_of_run]
    population = windows + unscreened
    relevant = window_includes + remaining
    possible = relevant <= population  # else that many includes cannot be left: p = 0
    if not possible.any():
        return 0.0
    p = hypergeom.cdf(window_includes[possible], population[possible], relevant[possible], windows[possible])
    return float(np.min(p))


def _bounds(includes: int, drawn: int, unscreened: int, tail: float) -> tuple[int, int]:
    """Exact bounds of R, the includes among `unscreened` records, when `drawn` records drawn at
    random from all `drawn + unscreened` held `includes`: the R whose tail probability of what
    was seen is at least `tail` (P(X >= x) for the lower, P(X <= x) for the upper bound)."""
    population = drawn + unscreened

    def upper_ok(remaining: int) -> bool:  # falls from True to False as `remaining` grows
        return bool(hypergeom.cdf(includes, population, includes + remaining, drawn) >= tail)

    def lower_ok(remaining: int) -> bool:  # rises from False to True as `remaining` grows
        return bool(hypergeom.sf(includes - 1, population, includes + remaining, drawn) >= tail)

    # Both tails are monotone in the includes left, so each bound is a bisection, not a scan.
    high = _last_true(upper_ok, unscreened) if upper_ok(0) else 0
    low = _first_true(lower_ok, unscreened) if lower_ok(unscreened) else 0
    return low, high


def _last_true(holds: Callable[[int], bool], top: int) -> int:
    """The largest n in [0, top] with holds(n), for holds true at 0 and monotone falling."""
    good, bad = 0, top + 1
    while bad - good > 1:
        middle = (good + bad) // 2
        good, bad = (middle, bad) if holds(middle) else (good, middle)
    return good


def _first_true(holds: Callable[[int], bool], top: int) -> int:
    """The smallest n in [0, top] with holds(n), for holds true at top and monotone rising."""
    bad, good = -1, top
    while good - bad > 1:
        middle = (good + bad) // 2
        bad, good = (bad, middle) if holds(middle) else (middle, good)
    return good

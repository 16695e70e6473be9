"""The prioritisation model and the stopping estimate, on a real labelled sample and on small
hand-built orders (review.screening.prioritise)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from review.screening import prioritise
from review.screening.prioritise import (
    TextMatrix,
    build_text_matrix,
    priority_ranks,
    record_text,
    relevance_scores,
    stopping_estimate,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "screening" / "kitchenham2010_sample.csv"


@pytest.fixture(scope="module")
def sample() -> tuple[list[int], list[str], dict[int, int]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = [int(row["record_id"]) for row in rows]
    texts = [record_text(row["title"], row["abstract"], []) for row in rows]
    truth = {int(row["record_id"]): int(row["label_included"]) for row in rows}
    return keys, texts, truth


@pytest.fixture(scope="module")
def matrix(sample: tuple[list[int], list[str], dict[int, int]]) -> TextMatrix:
    keys, texts, _ = sample
    return build_text_matrix(keys, texts)


def test_the_matrix_has_a_row_per_key_in_order(matrix: TextMatrix, sample: tuple[list[int], list[str], dict[int, int]]) -> None:
    keys, _, _ = sample
    assert matrix.keys == tuple(keys)
    assert matrix.matrix.shape[0] == len(keys)
    assert matrix.row_of[keys[7]] == 7


def test_record_text_joins_title_abstract_and_keywords() -> None:
    text = record_text("Feedback in therapy", "An abstract.", ["ROM", "", "outcome"])
    assert "Feedback in therapy" in text and "An abstract." in text and "ROM; outcome" in text


def test_keys_must_be_unique_and_match_the_texts() -> None:
    with pytest.raises(ValueError, match="unique"):
        build_text_matrix([1, 1], ["a text", "another text"])
    with pytest.raises(ValueError, match="texts"):
        build_text_matrix([1, 2], ["only one"])


def test_includes_come_first_once_a_few_are_labelled(
    matrix: TextMatrix, sample: tuple[list[int], list[str], dict[int, int]]
) -> None:
    keys, _, truth = sample
    labels = {key: truth[key] for key in keys[:50]}  # 6 includes, 44 excludes
    ranks = priority_ranks(matrix, labels, seed=0)
    assert set(ranks) == set(keys) - set(labels)
    assert sorted(ranks.values()) == list(range(len(ranks)))
    hidden_includes = [ranks[key] for key in keys[50:] if truth[key] == 1]
    hidden_excludes = [ranks[key] for key in keys[50:] if truth[key] == 0]
    # 9 includes among the 100 unlabelled records: a random order puts them at 50 on average
    assert len(hidden_includes) == 9
    assert np.median(hidden_includes) < 15
    assert np.median(hidden_includes) < np.median(hidden_excludes) / 3


def test_past_the_cap_of_excludes_a_fixed_subset_trains_and_the_ranking_holds(
    matrix: TextMatrix, sample: tuple[list[int], list[str], dict[int, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    keys, _, truth = sample
    labels = {key: truth[key] for key in keys[:100]}  # 10 includes, 90 excludes
    rows = np.asarray([matrix.row_of[key] for key in labels], dtype=np.intp)
    values = np.asarray(list(labels.values()), dtype=np.int8)
    monkeypatch.setattr(prioritise, "MAX_TRAINING_EXCLUDES", 30)
    training = prioritise._training_rows(len(keys), rows, values)
    assert (values[training] == 1).sum() == 10 and (values[training] == 0).sum() == 30
    more = np.append(rows, matrix.row_of[keys[100]]), np.append(values, 0)
    # one more exclude changes the training set by one row at most
    assert len(set(training) - set(prioritise._training_rows(len(keys), *more))) <= 1
    ranks = priority_ranks(matrix, labels)
    hidden_includes = [ranks[key] for key in keys[100:] if truth[key] == 1]
    assert np.median(hidden_includes) < 10  # 5 includes among 50 records


def test_scores_are_for_unlabelled_keys_and_ignore_keys_the_matrix_lacks(matrix: TextMatrix) -> None:
    first, second = matrix.keys[:2]
    scores = relevance_scores(matrix, {first: 1, second: 0, 999_999: 1})
    assert set(scores) == set(matrix.keys) - {first, second}


def test_a_label_other_than_0_or_1_is_refused(matrix: TextMatrix) -> None:
    with pytest.raises(ValueError, match="use 1"):
        relevance_scores(matrix, {matrix.keys[0]: 2})


def test_without_an_include_the_order_is_the_seeded_random_one(matrix: TextMatrix) -> None:
    excludes_only = {matrix.keys[0]: 0, matrix.keys[1]: 0}
    assert set(relevance_scores(matrix, excludes_only).values()) == {0.0}
    assert set(relevance_scores(matrix, {}).values()) == {0.0}
    first = priority_ranks(matrix, excludes_only, seed=1)
    assert priority_ranks(matrix, excludes_only, seed=1) == first
    assert priority_ranks(matrix, excludes_only, seed=2) != first
    # the same permutation with or without those excludes: labels add no information here
    unlabelled = priority_ranks(matrix, {}, seed=1)
    assert sorted(first, key=first.__getitem__) == [key for key in sorted(unlabelled, key=unlabelled.__getitem__)
                                                     if key not in excludes_only]


def test_with_includes_only_records_like_them_come_first() -> None:
    texts = [
        "routine outcome monitoring feedback in psychotherapy",
        "clinical feedback systems and routine outcome monitoring in counselling",
        "soil erosion under forest cover",
        "feedback from routine outcome monitoring for therapists",
        "carbon in forest soil",
    ]
    matrix = build_text_matrix([10, 11, 12, 13, 14], texts)
    scores = relevance_scores(matrix, {10: 1})
    assert min(scores[11], scores[13]) > max(scores[12], scores[14])
    ranks = priority_ranks(matrix, {10: 1, 11: 1})
    assert ranks[13] == 0


def test_the_same_labels_and_seed_give_the_same_order(
    matrix: TextMatrix, sample: tuple[list[int], list[str], dict[int, int]]
) -> None:
    keys, _, truth = sample
    labels = {key: truth[key] for key in keys[:40]}
    assert priority_ranks(matrix, labels, seed=5) == priority_ranks(matrix, labels, seed=5)


def test_a_tiny_project_still_gets_a_matrix() -> None:
    matrix = build_text_matrix([1, 2], ["one", "two words"])
    assert matrix.matrix.shape[0] == 2
    empty = build_text_matrix([1, 2, 3], ["", "", ""])
    assert set(priority_ranks(empty, {1: 1, 2: 0}).values()) == {0}


# --- stopping ----------------------------------------------------------------------------------


def test_a_random_order_is_never_judged_complete_early() -> None:
    rng = np.random.default_rng(3)
    labels = (rng.random(2_000) < 0.04).astype(int).tolist()
    for screened in (100, 500, 1_000, 1_500):
        estimate = stopping_estimate(labels[:screened], total=2_000)
        assert not estimate.safe_to_stop, screened
        left = sum(labels[screened:])
        assert estimate.low <= left <= estimate.high, (screened, estimate)


def test_all_includes_found_early_then_a_long_run_of_excludes_is_safe_to_stop() -> None:
    order = [1] * 40 + [1, 0] * 10 + [0] * 1_500
    estimate = stopping_estimate(order, total=2_000)
    assert estimate.safe_to_stop
    assert estimate.p_value < 0.05
    assert estimate.includes_found == 50 and estimate.screened == 1_560 and estimate.total == 2_000
    assert estimate.low == 0 and estimate.high <= 3
    assert 0 <= estimate.estimated_remaining_includes <= estimate.high
    assert "Callaghan" in estimate.method


def test_the_same_order_stopped_sooner_is_not_yet_safe() -> None:
    order = [1] * 40 + [1, 0] * 10 + [0] * 150
    estimate = stopping_estimate(order, total=2_000)
    assert not estimate.safe_to_stop
    assert estimate.high > 2


def test_a_higher_recall_target_asks_for_more_screening() -> None:
    order = [1] * 50 + [0] * 900
    p_values = [stopping_estimate(order, total=2_000, recall_target=target).p_value for target in (0.9, 0.95, 0.99)]
    assert p_values == sorted(p_values)
    assert stopping_estimate(order, total=2_000, recall_target=0.9).safe_to_stop
    assert not stopping_estimate(order, total=2_000, recall_target=0.95).safe_to_stop


def test_everything_screened_leaves_nothing() -> None:
    estimate = stopping_estimate([0, 1, 0, 0], total=4)
    assert (estimate.estimated_remaining_includes, estimate.low, estimate.high) == (0.0, 0.0, 0.0)
    assert estimate.safe_to_stop


def test_nothing_screened_yet() -> None:
    estimate = stopping_estimate([], total=500)
    assert not estimate.safe_to_stop
    assert (estimate.low, estimate.high) == (0.0, 500.0)


@pytest.mark.parametrize(
    ("labels", "total", "message"),
    [
        pytest.param([0, 2], 10, "0 .exclude. or 1", id="a label other than 0 or 1"),
        pytest.param([0, 1, 0], 2, "smaller than", id="more screened than there are records"),
    ],
)
def test_bad_stopping_input_is_refused(labels: list[int], total: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        stopping_estimate(labels, total)

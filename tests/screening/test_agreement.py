"""Agreement statistics, checked against scikit-learn's Cohen's kappa on the same decisions."""

from __future__ import annotations

import json
import math
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from review.screening.agreement import (
    agreement_by_batch,
    agreement_statistics,
    pairwise_agreement,
    pilot_result,
)
from review.screening.model import current_decisions, map_maybe
from tests.screening.helpers import event, paired_events

LABELS = ["include", "exclude", "maybe"]
CONTRACT_KEYS = ["stage", "reviewer_a", "reviewer_b", "n", "agreement", "kappa", "pabak", "prevalence"]


def sklearn_kappa(a: list[str], b: list[str]) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(cohen_kappa_score(a, b))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(LABELS), st.sampled_from(LABELS)), min_size=1, max_size=60),
    st.booleans(),
)
def test_matches_sklearn(pairs: list[tuple[str, str]], maybe_counts_as_include: bool) -> None:
    labels_a = [a for a, _ in pairs]
    labels_b = [b for _, b in pairs]
    [pair] = pairwise_agreement(paired_events(labels_a, labels_b), "title_abstract", maybe_counts_as_include)
    mapped_a = [map_maybe(x, maybe_counts_as_include) for x in labels_a]
    mapped_b = [map_maybe(x, maybe_counts_as_include) for x in labels_b]
    n = len(pairs)
    po = sum(x == y for x, y in zip(mapped_a, mapped_b, strict=True)) / n
    k = 2 if maybe_counts_as_include else 3
    expected = sklearn_kappa(mapped_a, mapped_b)

    assert (pair.stage, pair.reviewer_a, pair.reviewer_b, pair.n) == ("title_abstract", 1, 2, n)
    assert pair.agreement == pytest.approx(po)
    assert pair.pabak == pytest.approx((k * po - 1) / (k - 1))
    both_in = sum(x == y == "include" for x, y in zip(mapped_a, mapped_b, strict=True))
    both_out = sum(x == y == "exclude" for x, y in zip(mapped_a, mapped_b, strict=True))
    assert pair.prevalence == pytest.approx(abs(both_in - both_out) / n)
    if math.isnan(expected):
        assert pair.kappa is None
        assert pair.kappa_undefined is not None
    else:
        assert pair.kappa == pytest.approx(expected, abs=1e-9)
        assert pair.kappa_undefined is None
    json.dumps(pair.to_dict(), allow_nan=False)


def test_a_record_only_one_reviewer_saw_is_not_counted() -> None:
    events = paired_events(["include", "exclude", "exclude"], ["include", "exclude", "include"])
    events.append(event(99, 1, "include", event_id=500))
    events.append(event(98, 2, "exclude", event_id=501))
    [pair] = pairwise_agreement(events, "title_abstract", True)
    assert pair.n == 3
    assert pair.kappa == pytest.approx(
        sklearn_kappa(["include", "exclude", "exclude"], ["include", "exclude", "include"])
    )


def test_full_agreement_over_two_categories_is_kappa_one() -> None:
    labels = ["include", "exclude", "exclude", "include"]
    [pair] = pairwise_agreement(paired_events(labels, labels), "title_abstract", True)
    assert (pair.agreement, pair.kappa, pair.pabak) == (1.0, 1.0, 1.0)
    assert pair.prevalence == 0.0


def test_full_agreement_in_one_category_leaves_kappa_undefined() -> None:
    labels = ["exclude"] * 5
    [pair] = pairwise_agreement(paired_events(labels, labels), "title_abstract", True)
    assert math.isnan(sklearn_kappa(labels, labels))
    assert pair.kappa is None
    assert pair.kappa_undefined is not None and "pe = 1" in pair.kappa_undefined
    assert (pair.agreement, pair.pabak, pair.prevalence) == (1.0, 1.0, 1.0)
    assert json.loads(json.dumps(pair.to_dict(), allow_nan=False))["kappa"] is None


def test_maybe_and_include_only_counts_as_one_category_under_the_include_rule() -> None:
    events = paired_events(["maybe", "include"], ["include", "maybe"])
    [pair] = pairwise_agreement(events, "title_abstract", True)
    assert pair.kappa is None and pair.agreement == 1.0
    [pair] = pairwise_agreement(events, "title_abstract", False)
    assert pair.agreement == 0.0
    assert pair.kappa == pytest.approx(sklearn_kappa(["maybe", "include"], ["include", "maybe"]))
    assert pair.pabak == pytest.approx(-0.5)  # (3 * 0 - 1) / 2


def test_a_pair_with_no_shared_record() -> None:
    events = [event(1, 1, "include", event_id=1), event(2, 2, "exclude", event_id=2)]
    [pair] = pairwise_agreement(events, "title_abstract", True)
    assert pair.n == 0
    assert (pair.agreement, pair.kappa, pair.pabak, pair.prevalence) == (None, None, None, None)
    assert pair.kappa_undefined is not None and "n = 0" in pair.kappa_undefined
    assert pairwise_agreement(events, "title_abstract", True, include_empty_pairs=False) == []


def test_three_reviewers_make_three_pairs() -> None:
    labels = {
        3: ["include", "exclude", "exclude", "include", "exclude"],
        1: ["include", "exclude", "include", "include", "exclude"],
        2: ["exclude", "exclude", "exclude", "include", "maybe"],
    }
    events = [
        event(record, reviewer, decision, minute=record, event_id=10 * record + reviewer)
        for reviewer, decisions in labels.items()
        for record, decision in enumerate(decisions)
    ]
    pairs = pairwise_agreement(current_decisions(events), "title_abstract", False)
    assert [(p.reviewer_a, p.reviewer_b) for p in pairs] == [(1, 2), (1, 3), (2, 3)]
    for p in pairs:
        assert p.n == 5
        assert p.kappa == pytest.approx(sklearn_kappa(labels[p.reviewer_a], labels[p.reviewer_b]))
        assert list(p.to_dict()) == CONTRACT_KEYS


def test_every_stage_when_none_is_given() -> None:
    events = paired_events(["include", "exclude"], ["include", "include"])
    events += paired_events(["include"], ["exclude"], stage="full_text")
    pairs = pairwise_agreement(events, None, True)
    assert [(p.stage, p.n) for p in pairs] == [("title_abstract", 2), ("full_text", 1)]
    assert [p.stage for p in pairwise_agreement(events, "full_text", True)] == ["full_text"]


def test_statistics_input_checks() -> None:
    with pytest.raises(ValueError, match="one label per record"):
        agreement_statistics(["include"], [], ["include", "exclude"])
    with pytest.raises(ValueError, match="not among the categories"):
        agreement_statistics(["maybe"], ["include"], ["include", "exclude"])


def test_kappa_by_batch_follows_the_order_both_decided() -> None:
    a = ["include", "exclude", "exclude", "include", "exclude", "include", "exclude"]
    b = ["include", "exclude", "include", "include", "exclude", "exclude", "exclude"]
    events = paired_events(a, b)
    # Record 0 is decided last by reviewer 2: it moves to the end of the order.
    events = [e for e in events if not (e.record_id == 0 and e.reviewer_id == 2)]
    events.append(event(0, 2, "include", minute=999, event_id=999))
    order = [1, 2, 3, 4, 5, 6, 0]
    batches = agreement_by_batch(events, "title_abstract", 3, maybe_counts_as_include=True)
    assert [(x.batch, x.first_record, x.last_record, x.n) for x in batches] == [
        (1, 1, 3, 3),
        (2, 4, 6, 3),
        (3, 7, 7, 1),
    ]
    for batch in batches:
        chunk = order[batch.first_record - 1 : batch.last_record]
        expected = sklearn_kappa([a[r] for r in chunk], [b[r] for r in chunk])
        if math.isnan(expected):
            assert batch.kappa is None
        else:
            assert batch.kappa == pytest.approx(expected)
    assert batches[-1].decided_until == events[-1].decided_at
    with pytest.raises(ValueError, match="at least one record"):
        agreement_by_batch(events, "title_abstract", 0, maybe_counts_as_include=True)


def test_pilot_complete_and_passed() -> None:
    a = ["include", "exclude", "exclude", "include"]
    b = ["include", "exclude", "include", "include"]
    events = [*paired_events(a, b), event(50, 1, "include", event_id=900)]  # outside the pilot
    result = pilot_result(events, "title_abstract", [0, 1, 2, 3], maybe_counts_as_include=True)
    assert result.complete
    assert result.agreement == 0.75
    assert result.kappa == pytest.approx(sklearn_kappa(a, b))
    assert result.passed is True
    assert result.n_records == 4 and result.reviewers == (1, 2)
    strict = pilot_result(events, "title_abstract", [0, 1, 2, 3], 0.8, maybe_counts_as_include=True)
    assert strict.passed is False
    by_kappa = pilot_result(
        events, "title_abstract", [0, 1, 2, 3], 0.4, maybe_counts_as_include=True, measure="kappa"
    )
    assert by_kappa.passed is True


def test_pilot_incomplete_is_not_judged() -> None:
    events = paired_events(["include", "exclude"], ["include", "exclude"])
    result = pilot_result(events, "title_abstract", [0, 1, 2], maybe_counts_as_include=True)
    assert not result.complete
    assert result.passed is None
    assert result.missing == {1: (2,), 2: (2,)}
    assert result.agreement == 1.0
    named = pilot_result(
        events, "title_abstract", [0, 1], maybe_counts_as_include=True, reviewer_ids=[1, 2, 3]
    )
    assert not named.complete and named.missing == {3: (0, 1)}
    alone = pilot_result([event(0, 1, "include")], "title_abstract", [0], maybe_counts_as_include=True)
    assert not alone.complete and alone.passed is None and alone.agreement is None


def test_pilot_with_three_reviewers_averages_the_pairs() -> None:
    labels = {
        1: ["include", "exclude", "exclude", "include"],
        2: ["include", "exclude", "include", "include"],
        3: ["exclude", "exclude", "include", "include"],
    }
    events = [
        event(record, reviewer, d, event_id=10 * record + reviewer)
        for reviewer, ds in labels.items()
        for record, d in enumerate(ds)
    ]
    result = pilot_result(events, "title_abstract", range(4), maybe_counts_as_include=True)
    kappas = [sklearn_kappa(labels[x], labels[y]) for x, y in [(1, 2), (1, 3), (2, 3)]]
    assert result.complete and len(result.pairs) == 3
    assert result.kappa == pytest.approx(sum(kappas) / 3)
    assert result.agreement == pytest.approx((0.75 + 0.5 + 0.75) / 3)
    assert result.passed is False

"""find_duplicates end to end, merge_values, the settings, and blocking staying linear."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from review.records.dedup import (
    DedupResult,
    DedupSettings,
    describe_settings,
    find_duplicates,
    merge_values,
    normalise_record,
)
from review.records.dedup.blocking import candidate_pairs
from review.records.model import Record
from tests.records.dedup.helpers import article, other_export


def test_find_duplicates_reports_ids_clusters_and_timings() -> None:
    original = article()
    records = [
        original,
        article(title="A different study of sleep", doi=None, pages="1-9"),
        other_export(original),
    ]
    seen: list[float] = []
    result = find_duplicates(records, [101, 102, 103], progress=seen.append)
    assert isinstance(result, DedupResult)
    assert result.clusters == [frozenset({101, 103})]
    assert [p.ids for p in result.auto_pairs] == [frozenset({101, 103})]
    assert result.duplicates_removed == 1
    assert result.cluster_of() == {101: frozenset({101, 103}), 103: frozenset({101, 103})}
    assert {"normalise", "block", "score", "cluster", "total"} <= set(result.timings)
    assert result.records == 3 and result.candidates >= 1
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_find_duplicates_checks_its_input() -> None:
    with pytest.raises(ValueError, match="ids"):
        find_duplicates([article()], [1, 2])
    with pytest.raises(ValueError, match="unique"):
        find_duplicates([article(), article()], [1, 1])
    assert find_duplicates([], []).clusters == []
    assert find_duplicates([article()], [1]).clusters == []


def test_only_new_records_are_checked_against_the_rest() -> None:
    old = article()
    old_copy = other_export(old)
    new_copy = replace(other_export(old), source_database="PsycINFO")
    unrelated_new = article(title="A different study of sleep", doi=None, pages="1-9", authors=["Other, A."])
    result = find_duplicates([old, old_copy, unrelated_new], [1, 2, 3], only_new=[3])
    assert result.clusters == [] and result.review_pairs == []
    result = find_duplicates([old, old_copy, new_copy], [1, 2, 3], only_new=[3])
    assert result.clusters == [frozenset({1, 2, 3})]
    assert all(3 in p.ids for p in result.auto_pairs)


def test_the_result_does_not_depend_on_the_order_of_the_records() -> None:
    original = article()
    records = [
        original,
        other_export(original),
        article(title="Erratum: " + (original.title or "")),
        article(title="Another trial of feedback", doi=None, pages="5-9"),
    ]
    ids = [1, 2, 3, 4]
    forward = find_duplicates(records, ids)
    backward = find_duplicates(records[::-1], ids[::-1])
    assert forward.clusters == backward.clusters
    assert sorted(p.ids for p in forward.review_pairs) == sorted(p.ids for p in backward.review_pairs)


def test_blocking_grows_linearly_even_with_a_common_surname_and_title() -> None:
    rng = random.Random(42)
    settings = DedupSettings()
    records = [
        normalise_record(
            Record(
                title=rng.choice(["Editorial", f"Study {rng.random()}"]),
                authors=["Wang, L."],
                year=2020,
                volume=str(rng.randint(1, 3)),
                pages=str(rng.randint(1, 3)),
            ),
            index,
            index,
        )
        for index in range(3000)
    ]
    left, right = candidate_pairs(records, settings)
    assert len(left) == len(set(zip(left.tolist(), right.tolist(), strict=True)))
    assert (left < right).all()
    # all pairs would be 4.5 million; each key and sort order adds at most `window` per record
    assert len(left) <= 3000 * settings.window * 7


def test_blocking_finds_pairs_by_each_key() -> None:
    settings = DedupSettings(window=1)
    base = Record(title="Alpha beta gamma delta", authors=["Smith, J."], year=2001, volume="3", pages="10")
    fillers = [Record(title=f"{word} unrelated filler title") for word in ("aaa", "bbb", "zzz", "mmm")]
    cases = {
        "doi": (replace(base, doi="10.1000/x1"), Record(title="Other words entirely", doi="10.1000/x1")),
        "year and first author": (base, Record(title="Zeta eta theta", authors=["Smith, A."], year=2001)),
        "volume and page": (base, Record(title="Omega psi", volume="3", pages="10-12")),
    }
    for name, (a, b) in cases.items():
        records = [normalise_record(r, i, i) for i, r in enumerate([a, *fillers, b])]
        left, right = candidate_pairs(records, settings)
        assert (0, len(records) - 1) in set(zip(left.tolist(), right.tolist(), strict=True)), name


def test_merge_values_takes_the_most_complete_value_of_each_field() -> None:
    full = article(keywords=["feedback", "psychotherapy"], pmid="29345", issn="0021-9762")
    short = other_export(
        full,
        keywords=["Feedback", "outcome"],
        abstract="Short.",
        pmid=None,
        issn="1097-4679",
        source_database="Embase",
    )
    bracketed = replace(
        full, title="[Routine outcome monitoring]", doi=None, abstract=None, source_database="PubMed"
    )
    merged = merge_values([short, full, bracketed])
    assert merged.title == full.title
    assert merged.abstract == full.abstract
    assert merged.authors == full.authors
    assert merged.journal == "Journal of Clinical Psychology"
    assert merged.pages == "347-360"
    assert merged.doi == "10.1002/jclp.22541"
    assert merged.pmid == "29345"
    assert merged.keywords == ["Feedback", "outcome", "psychotherapy"]
    assert merged.issn == "1097-4679; 0021-9762"
    assert merged.source_database == "Embase; PubMed"
    assert merged.year == 2018
    # pure: the inputs are unchanged
    assert short.keywords == ["Feedback", "outcome"] and full.abstract is not None
    with pytest.raises(ValueError):
        merge_values([])


def test_settings_are_declared_once_with_help() -> None:
    infos = describe_settings()
    names = [info.name for info in infos]
    assert "title_auto" in names and "max_block" in names
    assert all(info.help and info.value == info.default for info in infos)
    changed = DedupSettings().with_values(title_auto=0.97)
    assert changed.title_auto == 0.97
    with pytest.raises(ValueError):
        DedupSettings(title_auto=1.5)
    with pytest.raises(ValueError):
        DedupSettings(title_review=0.99, title_auto=0.9)
    with pytest.raises(ValueError):
        DedupSettings(auto_min_support=0)

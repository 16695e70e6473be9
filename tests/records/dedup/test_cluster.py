"""Clustering: only automatic links form clusters; a review link never joins two clusters; pairs a
person marked as not duplicates are never merged nor proposed again."""

from __future__ import annotations

from dataclasses import replace

from review.records.dedup import PairScore, find_duplicates
from review.records.dedup.cluster import cluster_pairs
from tests.records.dedup.helpers import article, other_export


def link(a: int, b: int, decision: str = "auto", support: int = 5) -> PairScore:
    agreeing = ("authors", "year", "journal", "volume", "issue", "pages", "doi")[:support]
    return PairScore(
        id_a=min(a, b),
        id_b=max(a, b),
        title=1.0,
        authors=1.0,
        year=1.0,
        journal=1.0,
        volume=1.0,
        issue=1.0,
        pages=1.0,
        doi=None,
        pmid=None,
        abstract=None,
        decision=decision,  # type: ignore[arg-type]
        agreeing=agreeing,
        blockers=() if decision == "auto" else ("weak_support",),
    )


def test_a_review_link_never_joins_two_clusters() -> None:
    result = cluster_pairs([link(1, 2), link(3, 4)], [link(2, 3, "review")])
    assert result.clusters == [frozenset({1, 2}), frozenset({3, 4})]
    assert [p.ids for p in result.review_pairs] == [frozenset({2, 3})]


def test_only_one_review_pair_between_two_clusters_and_none_inside_one() -> None:
    result = cluster_pairs(
        [link(1, 2), link(3, 4)],
        [link(1, 3, "review", 2), link(2, 4, "review", 4), link(1, 2, "review"), link(5, 6, "review")],
    )
    assert result.clusters == [frozenset({1, 2}), frozenset({3, 4})]
    assert sorted(sorted(p.ids) for p in result.review_pairs) == [[2, 4], [5, 6]]


def test_automatic_links_chain_into_one_cluster() -> None:
    result = cluster_pairs([link(1, 2), link(2, 3), link(7, 8)], [])
    assert result.clusters == [frozenset({1, 2, 3}), frozenset({7, 8})]


def test_not_duplicates_are_never_put_into_one_cluster() -> None:
    result = cluster_pairs(
        [link(1, 2, support=6), link(2, 3, support=4)], [], not_duplicates=[frozenset({1, 3})]
    )
    assert result.clusters == [frozenset({1, 2})]
    assert all(p.ids != frozenset({2, 3}) for p in result.auto_pairs)
    # 3 is not proposed against the cluster holding 1 either: a person said 1 and 3 differ.
    assert result.review_pairs == []


def test_two_different_dois_are_never_put_into_one_cluster() -> None:
    result = cluster_pairs(
        [link(1, 2, support=6), link(2, 3, support=4)], [], dois={1: "10.1/a", 3: "10.1/b"}
    )
    assert result.clusters == [frozenset({1, 2})]
    assert [(sorted(p.ids), p.decision, p.blockers[-1]) for p in result.review_pairs] == [
        ([2, 3], "review", "cluster_doi_conflict")
    ]


def test_find_duplicates_never_proposes_a_pair_marked_not_duplicates() -> None:
    original = article()
    records = [
        original,
        other_export(original),
        article(title="Something else entirely", doi=None, authors=["Other, A."], pages="1-2"),
    ]
    plain = find_duplicates(records, [10, 20, 30])
    assert plain.clusters == [frozenset({10, 20})]
    marked = find_duplicates(records, [10, 20, 30], not_duplicates=[frozenset({10, 20})])
    assert marked.clusters == []
    assert marked.auto_pairs == [] and marked.review_pairs == []


def test_find_duplicates_keeps_review_pairs_between_clusters() -> None:
    original = article()
    copy = other_export(original)
    erratum = replace(original, title="Erratum: " + (original.title or ""), doi=None, pages="400")
    erratum_copy = other_export(erratum, doi=None, pages="400")
    result = find_duplicates([original, copy, erratum, erratum_copy], [1, 2, 3, 4])
    assert result.clusters == [frozenset({1, 2})]
    cluster = result.clusters[0]
    for pair in result.review_pairs:
        assert not pair.ids <= cluster
    # the erratum is shown against the article's cluster at most once
    between = [p for p in result.review_pairs if len(p.ids & cluster) == 1 and p.ids & {3, 4}]
    assert len({frozenset(p.ids - cluster) for p in between}) == len(between)

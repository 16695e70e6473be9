"""The bib-dedupe special cases (tests/data/dedup/bibdedupe_special_cases, see SOURCE.md): the three
labelled duplicate pairs are found, no other pair is merged automatically, and the borderline
HICSS mini-track introductions (2021 and 2022, different DOIs) are not merged."""

from __future__ import annotations

import csv
import itertools
import re
from pathlib import Path

import pytest

from review.records.dedup import DedupResult, find_duplicates
from review.records.model import Record, normalise_doi, parse_year

FOLDER = Path(__file__).resolve().parents[2] / "data" / "dedup" / "bibdedupe_special_cases"


def _record(row: dict[str, str]) -> Record:
    def value(name: str) -> str | None:
        return (row.get(name) or "").strip() or None

    return Record(
        title=value("title"),
        abstract=value("abstract"),
        authors=[a.strip() for a in re.split(r"\s+and\s+", row.get("author") or "") if a.strip()],
        year=parse_year(value("year")),
        journal=value("journal") or value("booktitle"),
        volume=value("volume"),
        issue=value("issue") or value("number"),
        pages=value("pages"),
        doi=normalise_doi(value("doi")),
        publication_type=value("ENTRYTYPE"),
        source_key=value("ID"),
    )


@pytest.fixture(scope="module")
def labelled() -> tuple[list[str], DedupResult, set[frozenset[str]]]:
    with (FOLDER / "records_pre_merged.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    keys = [row["ID"] for row in rows]
    with (FOLDER / "merged_record_ids.csv").open(encoding="utf-8", newline="") as handle:
        true = {frozenset(row["merged_ids"].split(";")) for row in csv.DictReader(handle)}
    result = find_duplicates([_record(row) for row in rows], list(range(len(rows))))
    return keys, result, true


def _in_one_cluster(result: DedupResult, i: int, j: int) -> bool:
    return any({i, j} <= cluster for cluster in result.clusters)


def _found(result: DedupResult, i: int, j: int) -> bool:
    groups = result.cluster_of()

    def group(node: int) -> frozenset[int]:
        return groups.get(node, frozenset({node}))

    linked = any({group(p.id_a), group(p.id_b)} == {group(i), group(j)} for p in result.review_pairs)
    return _in_one_cluster(result, i, j) or linked


def test_the_labels_are_the_published_ones(
    labelled: tuple[list[str], DedupResult, set[frozenset[str]]],
) -> None:
    keys, _, true = labelled
    assert len(keys) == 12
    assert true == {
        frozenset({"id_0000001", "id_0000002"}),
        frozenset({"id_0000005", "id_0000006"}),
        frozenset({"id_0000007", "id_0000011"}),
    }


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param("id_0000001", "id_0000002", id="AMCIS paper with venue written two ways is merged"),
        pytest.param(
            "id_0000007", "id_0000011", id="journal article with the DOI in one record only is merged"
        ),
    ],
)
def test_clear_duplicates_merge_automatically(
    labelled: tuple[list[str], DedupResult, set[frozenset[str]]], one: str, other: str
) -> None:
    keys, result, _ = labelled
    assert _in_one_cluster(result, keys.index(one), keys.index(other))


def test_every_labelled_duplicate_is_found(
    labelled: tuple[list[str], DedupResult, set[frozenset[str]]],
) -> None:
    keys, result, true = labelled
    for pair in true:
        one, other = sorted(pair)
        assert _found(result, keys.index(one), keys.index(other)), pair


def test_no_distinct_pair_is_merged_automatically(
    labelled: tuple[list[str], DedupResult, set[frozenset[str]]],
) -> None:
    keys, result, true = labelled
    for i, j in itertools.combinations(range(len(keys)), 2):
        if frozenset({keys[i], keys[j]}) not in true:
            assert not _in_one_cluster(result, i, j), (keys[i], keys[j])


def test_the_borderline_minitrack_introductions_are_not_merged(
    labelled: tuple[list[str], DedupResult, set[frozenset[str]]],
) -> None:
    keys, result, _ = labelled
    i, j = keys.index("id_0000003"), keys.index("id_0000004")
    assert not _in_one_cluster(result, i, j)
    reviewed = [p for p in result.review_pairs if p.ids == frozenset({i, j})]
    assert reviewed and "doi_conflict" in reviewed[0].blockers

"""Every real export in tests/data/formats imports with the right number of records, or is
refused with a clear `FILE:LINE: reason` where it really is malformed (issue: foundation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from review.records.importing import check_problems, load_source, read_file
from review.records.readers import BadInput
from tests.conftest import FORMATS

ALL_FILES = sorted(
    path
    for path in FORMATS.rglob("*")
    if path.is_file() and path.name != "SOURCE.md"
)

#: Counts the SOURCE.md notes give (ASReview's and wosfile's own expectations), by file name.
EXPECTED_COUNTS = {
    "_baseline.ris": 100,
    "baseline_zotero.ris": 100,
    "embase.ris": 6,
    "embase.csv": 6,
    "embase_newpage.csv": 6,
    "ovid_psycinfo.ris": 6,
    "ovid_zotero.ris": 6,
    "proquest.ris": 6,
    "pubmed_zotero.ris": 6,
    "pubmed_endnote.txt": 6,
    "scopus.ris": 6,
    "web_of_science.txt": 10,
    "ris_issue_992.txt": 19,
    "ris_issue_1099.txt": 7,
    "baseline_empty_values.ris": 4,
    "ris_many_authors.ris": 1,
    "generic.csv": 2,
    "generic_labels.csv": 6,
    "duplicate_records.csv": 14,
    "wos_plaintext.txt": 50,
    "wos_tab_delimited_win_utf8.txt": 50,
    "wos_tab_delimited_win_utf16.txt": 50,
    "example_wos.ris": 2,
    "bibliography.bib": 2,
    "bibliography.json": 2,
    "bibliography.nbib": 2,
    "bibliography.ris": 2,
}

#: Files refused whole, and the reason they are: each one is malformed or holds no record.
REFUSED = {
    "empty.bib": (1, "the file is empty"),
    "comments_only.bib": (1, "no records found"),
    "common_strings.bib": (1, "no records found"),  # only @string definitions
    "multiline_comments.bib": (1, "no records found"),  # only @comment blocks
    "faulty_year.ris": (1, "year '10 15' is not a year"),
    # 61 ER lines; the first entry (`TY  -` then `ER  -`) holds no value at all.
    "baseline_reference_types.ris": (1, "empty"),
}


def outcome(path: Path) -> tuple[int, str]:
    plan = read_file(load_source(path))
    check_problems([plan], skip_bad=False)
    return len(plan.records), plan.result.format


@pytest.mark.parametrize("path", ALL_FILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_real_export_imports_or_is_refused_clearly(path: Path) -> None:
    if path.name in REFUSED:
        line, reason = REFUSED[path.name]
        with pytest.raises(BadInput) as refused:
            outcome(path)
        assert str(refused.value).startswith(f"{path}:{line}: ")
        assert reason in refused.value.reason
        return
    count, _ = outcome(path)
    assert count == EXPECTED_COUNTS.get(path.name, count) and count >= 1


def test_a_refused_file_imports_with_skip_bad_where_good_entries_remain() -> None:
    plan = read_file(load_source(FORMATS / "ris_csv_asreview_test_exports" / "baseline_reference_types.ris"))
    check_problems([plan], skip_bad=True)
    assert len(plan.records) == 60
    assert plan.problem_lines() == [
        f"{FORMATS / 'ris_csv_asreview_test_exports' / 'baseline_reference_types.ris'}:1: "
        "record starting here is empty: none of its tags has a value"
    ]


SAME_REFS = FORMATS / "csl_json_manubot" / "same_refs_4_formats"


def test_the_same_reference_gives_the_same_canonical_fields_in_every_format() -> None:
    """The eLife article is in all four files (the nbib's second record is another paper)."""
    elife: dict[str, dict[str, object]] = {}
    for path in sorted(SAME_REFS.iterdir()):
        plan = read_file(load_source(path))
        [record] = [r for r in plan.records if r.doi and "elife" in r.doi]
        elife[path.suffix] = {
            "title": (record.title or "").rstrip("."),
            "year": record.year,
            "doi": record.doi,
            "journal": (record.journal or "").lower(),
            "first_author_surname": record.authors[0].split(",")[0],
            "authors": len(record.authors),
            "volume": record.volume,
        }
    values = list(elife.values())
    assert len(values) == 4
    for other in values[1:]:
        assert other == values[0], elife


def test_the_reference_without_doi_agrees_where_three_formats_hold_it() -> None:
    titles = {}
    for suffix in (".bib", ".json", ".ris"):
        plan = read_file(load_source(SAME_REFS / f"bibliography{suffix}"))
        [record] = [r for r in plan.records if not r.doi]
        titles[suffix] = (record.title, record.url, record.year)
    assert len(set(titles.values())) == 1, titles

"""Web of Science reader: one 50-record export as plain text, tab-delimited UTF-8 and UTF-16."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.records.readers import SourceFile, detect_format, wos
from review.records.readers.base import ReadResult
from review.records.readers.nbib import READER as NBIB_READER
from review.records.readers.ris import READER as RIS_READER
from review.records.readers.wos import READER

DATA = Path(__file__).resolve().parents[1] / "data"
WOS = DATA / "formats" / "wos_plaintext_tabdelimited_wosfile"
PLAIN = WOS / "wos_plaintext.txt"
TAB_UTF8 = WOS / "wos_tab_delimited_win_utf8.txt"
TAB_UTF16 = WOS / "wos_tab_delimited_win_utf16.txt"
WOS_AS_RIS_NAME = DATA / "formats" / "ris_rispy_tests" / "example_wos.ris"
ASREVIEW = DATA / "formats" / "ris_csv_asreview_test_exports"
SAME_REFS = DATA / "formats" / "csl_json_manubot" / "same_refs_4_formats"

BIBTEX_SNIPPET = "@article{lambert2011,\n  title = {Collecting client feedback},\n  year = {2011}\n}\n"
CSV_SNIPPET = 'title,authors,year\n"Collecting client feedback","Lambert, M. J.",2011\n'
TSV_SNIPPET = "title\tauthors\tyear\nCollecting client feedback\tLambert, M. J.\t2011\n"
RIS_SNIPPET = "TY  - JOUR\nTI  - Collecting client feedback\nPY  - 2011\nER  - \n"
NBIB_SNIPPET = "PMID- 90000002\nTI  - Collecting client feedback.\nDP  - 2011\n"

PLAIN_RECORD = """FN Clarivate Analytics Web of Science
VR 1.0
PT J
AU Lambert, MJ
   Shimokawa, K
AF Lambert, Michael J.
   Shimokawa, Kenichi
TI Collecting client feedback
SO PSYCHOTHERAPY
DE feedback; outcome
   monitoring
PY {year}
VL 48
IS 1
{pages}
DI 10.1037/a0022238
UT WOS:000288349500012
ER
"""


def source(path: Path) -> SourceFile:
    return SourceFile(path.name, path.read_bytes())


def read(path: Path) -> ReadResult:
    result = READER.read(source(path))
    assert result.problems == []
    return result


def read_text(text: str, name: str = "savedrecs.txt") -> ReadResult:
    return READER.read(SourceFile(name, text.encode()))


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(PLAIN, id="plain text reads 50 records"),
        pytest.param(TAB_UTF8, id="tab-delimited UTF-8 reads 50 records"),
        pytest.param(TAB_UTF16, id="tab-delimited UTF-16 reads 50 records"),
    ],
)
def test_each_layout_reads_fifty_records(path: Path) -> None:
    result = read(path)
    assert len(result.records) == 50
    assert result.format == "wos"
    assert result.source_database == "Web of Science"
    assert all(r.source_key and r.source_key.startswith("WOS:") for r in result.records)


def test_the_three_files_give_the_same_records() -> None:
    layouts = [[r.normalised() for r in read(path).records] for path in (PLAIN, TAB_UTF8, TAB_UTF16)]
    keys = [[(r.title, r.doi, r.source_key) for r in records] for records in layouts]
    assert keys[0] == keys[1] == keys[2]
    canonical = [[r.canonical() for r in records] for records in layouts]
    assert canonical[0] == canonical[1] == canonical[2]


def test_first_record_values() -> None:
    first = read(PLAIN).records[0].normalised()
    assert first.title == (
        "Knowledge networks as channels and conduits: The effects of spillovers in the Boston "
        "biotechnology community"
    )
    assert first.authors == ["Owen-Smith, J", "Powell, WW"]
    assert (first.year, first.journal, first.volume, first.issue, first.pages) == (
        2004,
        "ORGANIZATION SCIENCE",
        "15",
        "1",
        "5-21",
    )
    assert first.doi == "10.1287/orsc.1030.0054"
    assert first.issn == "1047-7039"
    assert first.keywords[:5] == [
        "knowledge networks",
        "economic geography",
        "spillovers",
        "biotechnology",
        "patenting",
    ]
    assert "STRATEGIC ALLIANCE FORMATION" in first.keywords  # Keywords Plus (ID) after the author keywords
    assert (first.language, first.publication_type) == ("English", "Article")
    assert (first.source_key, first.source_line) == ("WOS:000220015600001", 3)
    assert first.raw.startswith("PT J\nAU Owen-Smith, J\n   Powell, WW\n")
    assert first.raw.endswith("UT WOS:000220015600001\nER")


def test_tab_rows_know_their_line_and_raw_text() -> None:
    src = source(TAB_UTF16)
    lines = src.text.split("\n")
    records = READER.read(src).records
    assert [r.source_line for r in records] == list(range(2, 52))
    assert all(r.raw == lines[r.source_line - 1] for r in records if r.source_line)


def test_plain_records_know_their_line_and_raw_text() -> None:
    src = source(PLAIN)
    lines = src.text.split("\n")
    for record in READER.read(src).records:
        assert record.source_line is not None
        assert lines[record.source_line - 1].startswith("PT ")  # J (journal), S (series)…
        assert record.raw in src.text


def test_a_wos_file_with_a_ris_name() -> None:
    src = source(WOS_AS_RIS_NAME)
    assert READER.detect(src)
    assert detect_format(src) == "wos"
    first = READER.read(src).records[0].normalised()
    assert first.title == (
        "Interactions stabilizing the structure of the core light-harvesting complex (LHl) of photosynthetic "
        "bacteria and its subunit (B820)"
    )
    assert first.authors == ["Parkes-Loach, PS", "Majeed, AP", "Law, CJ", "Loach, PA"]
    assert (first.pmid, first.doi, first.source_key) == (
        "15170338",
        "10.1021/bi049798f",
        "WOS:000221807500019",
    )


def test_full_names_are_preferred_and_wrapped_keywords_are_joined() -> None:
    record = read_text(PLAIN_RECORD.format(year="2011", pages="BP 72\nEP 79")).records[0]
    assert record.authors == ["Lambert, Michael J.", "Shimokawa, Kenichi"]
    assert record.keywords == ["feedback", "outcome monitoring"]
    assert record.pages == "72-79"
    assert record.source_line == 3


def test_the_article_number_stands_in_for_pages() -> None:
    record = read_text(PLAIN_RECORD.format(year="2011", pages="AR e0815")).records[0]
    assert record.pages == "e0815"


def test_early_access_records_take_the_year_of_their_early_access_date() -> None:
    text = PLAIN_RECORD.format(year="2011", pages="").replace("PY 2011\n", "EA MAR 2021\n")
    assert read_text(text).records[0].year == 2021


def test_a_bad_year_is_a_problem() -> None:
    result = read_text(PLAIN_RECORD.format(year="10 15", pages=""))
    assert result.records == []
    assert [(p.line, p.reason) for p in result.problems] == [(3, "year '10 15' is not a year")]


def test_a_truncated_file_keeps_the_complete_records() -> None:
    text = PLAIN.read_text(encoding="utf-8-sig")
    cut = text[: text.rindex("\nER")]  # the last record loses its ER and the file its EF
    result = read_text(cut)
    assert len(result.records) == 49
    [problem] = result.problems
    assert problem.reason == "record starting here has no ER line: the file looks truncated"
    assert problem.line is not None
    assert cut.split("\n")[problem.line - 1].startswith("PT ")


def test_a_record_without_er_before_the_next_one_is_a_problem() -> None:
    text = "FN x\nVR 1.0\nPT J\nTI First\nPT J\nTI Second\nUT WOS:2\nER\nEF\n"
    result = read_text(text)
    assert [r.title for r in result.records] == ["Second"]
    assert [p.line for p in result.problems] == [3]


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(source(PLAIN), id="plain text"),
        pytest.param(source(TAB_UTF8), id="tab-delimited UTF-8"),
        pytest.param(source(TAB_UTF16), id="tab-delimited UTF-16"),
        pytest.param(source(WOS_AS_RIS_NAME), id="plain text named .ris"),
        pytest.param(SourceFile("x.txt", b"PT J\nTI A title\nER\n"), id="records with no header"),
    ],
)
def test_the_wos_reader_recognises_wos_files(src: SourceFile) -> None:
    assert READER.detect(src)
    assert detect_format(src) == "wos"
    assert not RIS_READER.detect(src)
    assert not NBIB_READER.detect(src)


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(SourceFile("x.txt", BIBTEX_SNIPPET.encode()), id="BibTeX is not WoS"),
        pytest.param(SourceFile("x.txt", CSV_SNIPPET.encode()), id="CSV is not WoS"),
        pytest.param(SourceFile("x.txt", TSV_SNIPPET.encode()), id="a plain TSV is not WoS"),
        pytest.param(SourceFile("x.txt", RIS_SNIPPET.encode()), id="RIS is not WoS"),
        pytest.param(SourceFile("x.txt", NBIB_SNIPPET.encode()), id="nbib is not WoS"),
        pytest.param(source(ASREVIEW / "web_of_science.txt"), id="WoS records exported as RIS are RIS"),
        pytest.param(source(SAME_REFS / "bibliography.nbib"), id="a real nbib file is not WoS"),
    ],
)
def test_the_wos_reader_rejects_other_formats(src: SourceFile) -> None:
    assert not READER.detect(src)


# --- robustness and docs -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["FN x", "PT J", "TI x", "PY 10 15", "AU A, B", "   more", "ER", "EF", ""])))
def test_any_sequence_of_lines_reads_without_raising(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = read_text(text)
    line_count = text.count("\n") + 1
    starts = [record.source_line for record in result.records] + [problem.line for problem in result.problems]
    assert all(start is not None and 1 <= start <= line_count for start in starts)


def test_docstring_examples() -> None:
    assert doctest.testmod(wos).failed == 0

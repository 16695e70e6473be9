"""PubMed/MEDLINE (nbib) reader: a hand-written two-record file, Manubot's real nbib, inline cases."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.records.readers import SourceFile, detect_format, nbib
from review.records.readers.base import ReadResult
from review.records.readers.nbib import READER
from review.records.readers.ris import READER as RIS_READER
from review.records.readers.wos import READER as WOS_READER

DATA = Path(__file__).resolve().parents[1] / "data"
ROM = DATA / "nbib" / "pubmed_rom.nbib"
SAME_REFS = DATA / "formats" / "csl_json_manubot" / "same_refs_4_formats"
ASREVIEW = DATA / "formats" / "ris_csv_asreview_test_exports"
WOS = DATA / "formats" / "wos_plaintext_tabdelimited_wosfile"

BIBTEX_SNIPPET = "@article{lambert2011,\n  title = {Collecting client feedback},\n  year = {2011}\n}\n"
CSV_SNIPPET = 'title,authors,year\n"Collecting client feedback","Lambert, M. J.",2011\n'
RIS_SNIPPET = "TY  - JOUR\nTI  - Collecting client feedback\nPY  - 2011\nER  - \n"


def source(path: Path, name: str | None = None) -> SourceFile:
    return SourceFile(name or path.name, path.read_bytes())


def read_text(text: str) -> ReadResult:
    return READER.read(SourceFile("inline.nbib", text.encode()))


def test_hand_written_pubmed_file() -> None:
    result = READER.read(source(ROM))
    assert result.problems == []
    assert result.format == "nbib"
    assert result.source_database == "PubMed"
    boswell, lambert = (record.normalised() for record in result.records)

    assert boswell.title == (
        "Implementing routine outcome monitoring in clinical practice: benefits, challenges, and solutions."
    )
    assert boswell.authors == ["Boswell, James F", "Kraus, David R", "Miller, Scott D", "Lambert, Michael J"]
    assert boswell.journal == "Psychotherapy research : journal of the Society for Psychotherapy Research"
    assert (boswell.year, boswell.volume, boswell.issue, boswell.pages) == (2015, "25", "1", "6-19")
    assert boswell.doi == "10.1080/10503307.2013.817696"
    assert boswell.issn == "1050-3307"  # the first IS, without "(Print)"
    assert (boswell.language, boswell.publication_type) == ("eng", "Journal Article")
    assert (boswell.pmid, boswell.source_key, boswell.source_line) == ("90000001", "90000001", 1)
    assert boswell.source_database == "PubMed"
    assert boswell.raw.startswith("PMID- 90000001\nOWN - NLM")
    assert boswell.raw.endswith("doi: 10.1080/10503307.2013.817696.")

    assert lambert.title == "Collecting client feedback."
    assert lambert.authors == ["Lambert, Michael J", "Shimokawa, Kenichi"]
    assert lambert.journal == "Psychotherapy (Chicago, Ill.)"  # JT before TA
    assert (lambert.year, lambert.volume, lambert.issue) == (2011, "48", "1")
    assert lambert.pages == "72-79"  # PG  - 72-9
    assert lambert.doi == "10.1037/a0022238"
    assert lambert.source_line == 27


def test_manubot_pubmed_records() -> None:
    result = READER.read(source(SAME_REFS / "bibliography.nbib"))
    assert result.problems == []
    scihub, workflows = (record.normalised() for record in result.records)
    assert scihub.title == "Sci-Hub provides access to nearly all scholarly literature."
    assert scihub.authors[0] == "Himmelstein, Daniel S"
    assert len(scihub.authors) == 7
    assert (scihub.pmid, scihub.year, scihub.journal, scihub.doi) == (
        "29424689",
        2018,
        "eLife",
        "10.7554/elife.32822",
    )
    assert scihub.issn == "2050-084X"  # IS  - 2050-084X (Electronic)
    # The reader keeps the OT term "none"; Record.normalised() treats the word "none" as missing.
    assert result.records[0].keywords == [
        "LibGen",
        "Sci-Hub",
        "copyright",
        "journals",
        "none",
        "open access",
        "paywalls",
    ]
    assert scihub.abstract is not None
    assert scihub.abstract.startswith(
        "The website Sci-Hub enables users to download PDF versions of scholarly articles, including"
    )
    assert scihub.abstract.endswith("suggesting the toll access business model may become unsustainable.")

    assert (
        workflows.title
        == "Reproducibility of computational workflows is automated using continuous analysis."
    )
    assert workflows.doi == "10.1038/nbt.3780"  # AID "nbt.3780 [pii]" is skipped
    assert workflows.pages == "342-346"
    assert workflows.keywords[:3] == [
        "Computational Biology/methods",
        "Gene Expression Profiling/methods",
        "Machine Learning",
    ]
    assert workflows.source_line == 94


def test_same_reference_in_nbib_and_ris() -> None:
    from_nbib = READER.read(source(SAME_REFS / "bibliography.nbib")).records[0].normalised()
    from_ris = RIS_READER.read(source(SAME_REFS / "bibliography.ris")).records[0].normalised()
    assert from_nbib.title is not None
    assert from_nbib.title.rstrip(".") == from_ris.title  # MEDLINE adds a final period
    assert (from_nbib.year, from_nbib.journal, from_nbib.doi) == (
        from_ris.year,
        from_ris.journal,
        from_ris.doi,
    )


def test_short_author_names_when_there_are_no_full_ones() -> None:
    record = read_text("PMID- 1\nAU  - Lambert MJ\nAU  - Shimokawa K\nCN  - ROM Study Group\n").records[0]
    assert record.authors == ["Lambert MJ", "Shimokawa K", "ROM Study Group"]


def test_collective_names_keep_their_place_among_full_names() -> None:
    text = (
        "PMID- 1\nFAU - Lambert, Michael J\nAU  - Lambert MJ\nCN  - ROM Study Group\n"
        "FAU - Shimokawa, Kenichi\n"
    )
    record = read_text(text).records[0]
    assert record.authors == ["Lambert, Michael J", "ROM Study Group", "Shimokawa, Kenichi"]


def test_book_titles_and_other_terms() -> None:
    text = (
        "PMID- 2\nBTI - Routine outcome monitoring: a handbook\nISBN- 978-0-19-852663-6\n"
        "OT  - feedback\nMH  - *Psychotherapy\n"
    )
    record = read_text(text).records[0]
    assert record.title == "Routine outcome monitoring: a handbook"
    assert record.isbn == "978-0-19-852663-6"
    assert record.keywords == ["Psychotherapy", "feedback"]


def test_a_block_without_pmid_is_a_problem_and_the_rest_is_read() -> None:
    text = (
        "PMID- 1\nTI  - First.\n\n"
        "TI  - An orphan title\n      that wraps.\nAU  - Lambert MJ\n\n"
        "PMID- 3\nTI  - Third.\n"
    )
    result = read_text(text)
    assert [r.title for r in result.records] == ["First.", "Third."]
    [problem] = result.problems
    assert problem.line == 4
    assert "no PMID line" in problem.reason


def test_a_file_cut_in_the_middle_of_a_record() -> None:
    text = ROM.read_text(encoding="utf-8")
    cut = text[: text.index("PMID- 90000002")] + "      challenges, and solutions.\nPG  - 6-19\n"
    result = read_text(cut)
    assert len(result.records) == 1
    assert [(p.line, "no PMID line" in p.reason) for p in result.problems] == [(27, True)]


def test_a_pmid_line_without_a_blank_line_before_it_starts_a_new_record() -> None:
    result = read_text("PMID- 1\nTI  - One.\nPMID- 2\nTI  - Two.\n")
    assert [(r.pmid, r.title, r.source_line) for r in result.records] == [("1", "One.", 1), ("2", "Two.", 3)]


def test_a_bad_date_is_a_problem() -> None:
    result = read_text("PMID- 1\nDP  - 10 15\nTI  - Bad date.\n")
    assert result.records == []
    assert [(p.line, p.reason) for p in result.problems] == [(1, "year '10 15' is not a year")]


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        pytest.param("72-9", "72-79", id="72-9 is 72-79"),
        pytest.param("1189-93", "1189-1193", id="1189-93 is 1189-1193"),
        pytest.param("6-19", "6-19", id="a full range stays"),
        pytest.param("e32822", "e32822", id="an article number stays"),
    ],
)
def test_abbreviated_page_ranges_are_written_out(pages: str, expected: str) -> None:
    assert read_text(f"PMID- 1\nPG  - {pages}\n").records[0].pages == expected


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(source(ROM), id="the hand-written nbib"),
        pytest.param(source(SAME_REFS / "bibliography.nbib"), id="Manubot's nbib"),
        pytest.param(source(ROM, "pubmed-export.txt"), id="an nbib named .txt"),
        pytest.param(
            SourceFile("x.nbib", b"\n\nPMID- 1\nTI  - After blank lines.\n"), id="blank lines first"
        ),
    ],
)
def test_the_nbib_reader_recognises_pubmed_files(src: SourceFile) -> None:
    assert READER.detect(src)
    assert detect_format(src) == "nbib"
    assert not RIS_READER.detect(src)
    assert not WOS_READER.detect(src)


@pytest.mark.parametrize(
    "src",
    [
        pytest.param(SourceFile("x.nbib", BIBTEX_SNIPPET.encode()), id="BibTeX is not nbib"),
        pytest.param(SourceFile("x.nbib", CSV_SNIPPET.encode()), id="CSV is not nbib"),
        pytest.param(SourceFile("x.nbib", RIS_SNIPPET.encode()), id="RIS is not nbib"),
        pytest.param(source(ASREVIEW / "pubmed_endnote.txt"), id="PubMed records as RIS are not nbib"),
        pytest.param(source(WOS / "wos_plaintext.txt"), id="WoS plain text is not nbib"),
        pytest.param(
            source(WOS / "wos_tab_delimited_win_utf16.txt"), id="WoS UTF-16 tab-delimited is not nbib"
        ),
    ],
)
def test_the_nbib_reader_rejects_other_formats(src: SourceFile) -> None:
    assert not READER.detect(src)


# --- robustness and docs -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["PMID- 1", "TI  - x", "DP  - 10 15", "FAU - A, B", "", "      more", "junk"]))
)
def test_any_sequence_of_lines_reads_without_raising(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = read_text(text)
    line_count = text.count("\n") + 1
    starts = [record.source_line for record in result.records] + [problem.line for problem in result.problems]
    assert all(start is not None and 1 <= start <= line_count for start in starts)


def test_docstring_examples() -> None:
    assert doctest.testmod(nbib).failed == 0

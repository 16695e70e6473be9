"""Writers: every export reads back through our readers with the same canonical fields."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from review.records.model import Record
from review.records.readers import SourceFile, read_source
from review.records.writers import EXTENSIONS, WRITERS, write_records, write_table
from review.records.writers.bibtex import bibtex_names, bibtex_type, citation_keys, escape_latex
from review.records.writers.ris import ris_type
from review.records.writers.safe_cells import neutralise, restore
from review.records.writers.table import RECORD_COLUMNS

#: The publication type each format reads back (each reader keeps its own vocabulary).
TYPES = {
    "ris": ("JOUR", "CHAP", "JOUR"),
    "bibtex": ("article", "incollection", "article"),
    "csv": ("Article", "Book Chapter", None),
    "xlsx": ("Article", "Book Chapter", None),
}


def hard_records(fmt: str) -> list[Record]:
    """Records with content that breaks naive writers."""
    first, second, third = TYPES[fmt]
    return [
        Record(
            title='=HYPERLINK("http://evil.example","click") a {braced} title: 50% & #1 under_score',
            abstract="Background: ünïcödé — naïve café.\nMethods: {x} & y_1 ~ 5 $\n\nResults: 100% «fine»",
            authors=["Boswell, J. F.", "World Health Organization", "Müller, Zoë", "King, M. L., Jr"],
            year=2015,
            journal="Psychother. Res. & Practice",
            volume="25",
            issue="1",
            pages="6-19",
            doi="10.1080/10503307.2013.817696",
            pmid="24885351",
            issn="1050-3307",
            url="https://example.org/a_b?x=1&y=%2F",
            keywords=["@home", "feedback", "outcome_monitoring"],
            language="English",
            publication_type=first,
            source_key="boswell2015",
            source_database="PubMed",
        ),
        Record(
            title="Σ-statistics -- ``quoted'' and --- dashes ~ tilde \\backslash $x$ !`x",
            abstract="-starts with a minus\nER  - looks like a RIS end tag\n+plus",
            authors=["Liu R.", "Bill and Melinda Gates Foundation"],
            year=2020,
            journal="Handbook of {Things}",
            pages="-1",
            isbn="978-3-16-148410-0",
            keywords=["-negative", "+plus", "=eq"],
            language="ger",
            publication_type=second,
            source_key="WOS:000220015600001",
        ),
        Record(title="Only a title", publication_type=third),
        Record(title="'=starts with a quote", authors=["Liu R."], source_key="duplicate key"),
    ]


def canonical(records: list[Record]) -> list[dict[str, object]]:
    return [record.normalised().canonical() for record in records]


def round_trip(records: list[Record], fmt: str) -> list[Record]:
    data = write_records(records, fmt)
    result = read_source(SourceFile(f"export.{EXTENSIONS[fmt]}", data))
    assert result.format == fmt
    assert result.problems == []
    return result.records


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_round_trip_keeps_every_canonical_field(fmt: str) -> None:
    records = hard_records(fmt)
    if fmt in {"ris", "bibtex"}:  # no "no type" in these formats: the default comes back
        records[3] = replace(records[3], publication_type=TYPES[fmt][0])
    assert canonical(round_trip(records, fmt)) == canonical(records)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_table_round_trip_keeps_provenance(fmt: str) -> None:
    records = hard_records(fmt)
    back = round_trip(records, fmt)
    assert [r.source_key for r in back] == ["boswell2015", "WOS:000220015600001", "3", "duplicate key"]
    assert [r.source_database for r in back] == ["PubMed", None, None, None]
    # CSV rows start further down where a quoted abstract spans lines
    assert [r.source_line for r in back] == ([2, 6, 9, 10] if fmt == "csv" else [2, 3, 4, 5])


def test_ris_round_trip_keeps_keys_and_database() -> None:
    back = round_trip(hard_records("ris"), "ris")
    assert [r.source_key for r in back] == ["boswell2015", "WOS:000220015600001", "3", "duplicate key"]
    assert back[0].source_database == "PubMed"


def test_default_types() -> None:
    assert ris_type(None) == "JOUR" and bibtex_type(None) == "article"
    assert ris_type("Book Chapter") == "CHAP" and bibtex_type("CHAP") == "incollection"
    assert ris_type("incollection") == "CHAP" and bibtex_type("Conference Paper") == "inproceedings"


def test_ris_pmid_of_a_record_from_another_database() -> None:
    record = Record(title="From Scopus", pmid="21401276", source_database="Scopus")
    assert round_trip([record], "ris")[0].pmid == "21401276"


# --- formula injection --------------------------------------------------------------------------


def test_csv_cells_are_neutralised() -> None:
    data = write_records(hard_records("csv"), "csv")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(RECORD_COLUMNS)
    assert rows[0]["title"].startswith("'=HYPERLINK(")
    assert rows[0]["keywords"] == "'@home; feedback; outcome_monitoring"
    assert rows[1]["pages"] == "'-1"
    assert rows[1]["abstract"].startswith("'-starts")
    assert rows[3]["title"] == "''=starts with a quote"
    assert rows[0]["authors"] == "Boswell, J. F.; World Health Organization; Müller, Zoë; King, M. L., Jr"


def test_xlsx_has_no_formula_cells() -> None:
    data = write_records(hard_records("xlsx"), "xlsx")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert cells and all(cell.data_type != "f" for cell in cells)
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles[0].startswith("'=HYPERLINK(")
    assert [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)][:2] == [2015, 2020]


def test_xlsx_drops_characters_xml_forbids() -> None:
    data = write_table([{"title": "bell\x07 and\x0b tab\tok"}], ["title"], "xlsx")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["A2"].value == "bell and tab\tok"


@pytest.mark.parametrize(
    "value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=x", "''-x", "plain", "", "'", "'a"]
)
def test_neutralise_then_restore_is_identity(value: str) -> None:
    assert restore(neutralise(value)) == value
    assert neutralise(value)[:1] not in {"=", "+", "-", "@", "\t", "\r"}


_PRINTABLE = st.characters(exclude_categories=["Cs"]).filter(str.isprintable)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(st.text(_PRINTABLE, max_size=40), min_size=1, max_size=5))
def test_table_round_trip_of_any_printable_title(fmt: str, titles: list[str]) -> None:
    records = [Record(title=title, year=2000) for title in titles]
    data = write_records(records, fmt)
    back = read_source(SourceFile(f"x.{fmt}", data), format=fmt).records
    assert [r.normalised().title for r in back] == [r.normalised().title for r in records]


# --- BibTeX details -----------------------------------------------------------------------------


def test_bibtex_keys_are_valid_and_unique() -> None:
    records = [
        Record(authors=["Boswell, J. F."], year=2015, source_key="b15"),
        Record(authors=["Boswell, J. F."], year=2015, source_key="b15"),
        Record(authors=["Boswell, J. F."], year=2015, source_key="has space"),
        Record(authors=["Öberg, Å."], source_key=None),
        Record(),
        Record(authors=["Boswell, J."], year=2015, source_key="boswell2015"),
    ]
    expected = ["b15", "boswell2015a", "boswell2015b", "obergnd", "anonnd", "boswell2015"]
    assert citation_keys(records) == expected


def test_bibtex_escaping_and_names() -> None:
    assert escape_latex("a--b ``c'' !`d") == "a-{}-b `{}`c'{}' !{}`d"
    assert escape_latex("\\x {y} ~z") == "\\textbackslash{}x \\{y\\} \\textasciitilde{}z"
    assert bibtex_names(["Liu R.", "Smith, Anderson and Co"]) == "{Liu R.} and {Smith, Anderson and Co}"


def test_bibtex_container_field_follows_the_type() -> None:
    text = write_records(hard_records("bibtex"), "bibtex").decode()
    assert "@incollection{WOS:000220015600001," in text
    assert "booktitle = {Handbook of \\{Things\\}}" in text
    assert "pages = {6--19}" in text
    assert "@article{duplicate" not in text  # "duplicate key" is not a valid key


# --- the generic table writer -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_write_table_any_rows(fmt: str) -> None:
    rows: list[dict[str, object]] = [
        {"record": 1, "decision": "include", "reasons": ["population", "design"]},
        {"record": 2},
    ]
    data = write_table(rows, ["record", "decision", "reasons"], fmt)
    if fmt == "csv":
        assert data.decode("utf-8-sig").splitlines() == [
            "record,decision,reasons", "1,include,population; design", "2,,",
        ]  # fmt: skip
    else:
        sheet = load_workbook(io.BytesIO(data)).worksheets[0]
        assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
            ["record", "decision", "reasons"], [1, "include", "population; design"], [2, None, None],
        ]  # fmt: skip


def test_unknown_formats() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        write_records([], "docx")
    with pytest.raises(ValueError, match="unknown table format"):
        write_table([], ["a"], "ods")


def test_bibtex_literal_double_hyphen_and_quotes() -> None:
    record = Record(title="Pages 6--19 ``as printed''", publication_type="article")
    assert round_trip([record], "bibtex")[0].title == record.title

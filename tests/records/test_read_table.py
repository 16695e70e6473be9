"""CSV/TSV/XLSX reader: real Embase and ASReview fixtures, a Scopus-style workbook, mapping."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from review.records.readers import BadInput, SourceFile, detect_format, read_source
from review.records.readers.table import (
    CSV_READER,
    XLSX_READER,
    guess_columns,
    read_table,
    split_authors,
    table_headers,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
ASREVIEW = DATA / "ris_csv_asreview_test_exports"
WOS = DATA / "wos_plaintext_tabdelimited_wosfile"

#: Records per file, as ASReview's own tests (SOURCE.md) and a count of the data rows give them.
EXPECTED_COUNTS = {
    "duplicate_records.csv": 14,
    "embase.csv": 6,
    "embase_newpage.csv": 6,
    "generic.csv": 2,
    "generic_bad_record_id.csv": 6,
    "generic_column_names_with_spaces.csv": 2,
    "generic_labels.csv": 6,
    "generic_labels_no_abs.csv": 6,
    "generic_labels_no_title.csv": 6,
    "generic_partial_labels.csv": 6,
    "generic_semicolon.csv": 2,
    "generic_tab.csv": 2,
    "generic_tab.tab": 2,
    "generic_tab.tsv": 2,
    "missing_values.csv": 4,
    "record_id.csv": 10,
}

SCOPUS_HEADERS = [
    "Authors", "Author full names", "Author(s) ID", "Title", "Year", "Source title", "Volume",
    "Issue", "Art. No.", "Page start", "Page end", "Page count", "Cited by", "DOI", "Link",
    "Affiliations", "Abstract", "Author Keywords", "Index Keywords", "Publisher", "ISSN", "ISBN",
    "CODEN", "PubMed ID", "Language of Original Document", "Abbreviated Source Title",
    "Document Type", "Publication Stage", "Open Access", "Source", "EID",
]  # fmt: skip
WOS_LONG_HEADERS = [
    "Publication Type", "Authors", "Book Authors", "Book Editors", "Book Group Authors",
    "Author Full Names", "Group Authors", "Article Title", "Source Title", "Language",
    "Document Type", "Author Keywords", "Keywords Plus", "Abstract", "ISSN", "eISSN", "ISBN",
    "Publication Date", "Publication Year", "Volume", "Issue", "Start Page", "End Page",
    "Article Number", "DOI", "DOI Link", "Pubmed Id", "UT (Unique WOS ID)",
]  # fmt: skip
WOS_CODE_HEADERS = [
    "PT", "AU", "AF", "TI", "SO", "LA", "DT", "DE", "ID", "AB", "SN", "EI", "BN", "PY", "VL",
    "IS", "BP", "EP", "AR", "DI", "PM", "UT",
]  # fmt: skip


def _source(path: Path) -> SourceFile:
    return SourceFile(path.name, path.read_bytes())


def _csv(text: str, name: str = "t.csv") -> SourceFile:
    return SourceFile(name, text.encode("utf-8"))


# --- the ASReview fixtures ---------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_fixture_counts_and_detection(name: str) -> None:
    source = _source(ASREVIEW / name)
    assert detect_format(source) == "csv"
    result = read_source(source)
    assert result.format == "csv"
    assert len(result.records) == EXPECTED_COUNTS[name]
    assert result.problems == []


@pytest.mark.parametrize("name", sorted(EXPECTED_COUNTS))
def test_source_line_is_where_the_row_starts(name: str) -> None:
    source = _source(ASREVIEW / name)
    lines = source.text.split("\n")
    for record in read_source(source).records:
        assert record.source_line is not None
        assert lines[record.source_line - 1] == record.raw.split("\n")[0]


def test_every_csv_in_the_fixture_folder_is_counted() -> None:
    tables = {p.name for p in ASREVIEW.iterdir() if p.suffix in {".csv", ".tab", ".tsv"}}
    assert tables == set(EXPECTED_COUNTS)


def test_embase_csv_values() -> None:
    result = read_source(_source(ASREVIEW / "embase.csv"))
    first, second = result.records[:2]
    assert result.source_database == "Embase"
    title = "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert first.title == title
    assert first.authors == ["Liu R.", "Adler D.G."]
    assert first.year == 2014
    # Embase's "Source" cell: "Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014"
    assert (first.journal, first.volume, first.issue, first.pages) == (
        "Endoscopic Ultrasound", "3", "3", "152-160",
    )  # fmt: skip
    assert first.doi == "10.4103/2303-9027.138783"  # from the OpenURL link
    assert first.abstract is not None and first.abstract.startswith("Gastrointestinal tract")
    assert "bronchogenic duplication cyst (diagnosis, surgery)" in first.keywords
    assert first.source_key == "1" and first.source_database == "Embase"
    assert second.authors == [
        "Eloubeidi M.A.", "Cohn M.", "Cerfolio R.J.", "Chhieng D.C.", "Jhala N.", "Jhala D.",
        "Eltoum I.A.",
    ]  # fmt: skip
    assert (second.journal, second.year, second.volume, second.issue) == ("Cancer", 2004, "102", "4")
    third = result.records[2]
    assert (third.volume, third.issue, third.pages) == ("54", None, "83-86")


def test_embase_newpage_multiline_cells_and_lines() -> None:
    source = _source(ASREVIEW / "embase_newpage.csv")
    records = read_source(source).records
    assert records[0].abstract is not None
    assert records[0].abstract.startswith("TEST\nGastrointestinal")
    # the quoted abstracts span lines, so records start further down than row number + 1
    assert [r.source_line for r in records][:2] == [2, 5]
    assert records[1].title == records[1].raw.split(",")[0].strip('"')


def test_generic_files_agree_across_delimiters() -> None:
    names = ["generic.csv", "generic_semicolon.csv", "generic_tab.csv", "generic_tab.tab", "generic_tab.tsv"]
    canonical = [[r.canonical() for r in read_source(_source(ASREVIEW / n)).records] for n in names]
    assert all(c == canonical[0] for c in canonical)
    first = read_source(_source(ASREVIEW / "generic.csv")).records[0]
    assert first.authors == ["Marx, Karl", "Lindgren, Astrid"]  # a Python list literal in the cell
    assert first.keywords == ["Pippi", "Nordwind", "Piraten"]
    assert (first.title, first.year, first.issn, first.pages) == (
        "Title of reference", 2014, "1932-6208", "e0815",
    )  # fmt: skip
    assert (first.volume, first.issue, first.publication_type) == ("9", "3", "JOUR")
    assert first.source_key == "12345"  # the `id` column


def test_header_with_trailing_space_still_maps() -> None:
    records = read_source(_source(ASREVIEW / "generic_column_names_with_spaces.csv")).records
    assert records[0].abstract is not None and records[0].abstract.startswith("BACKGROUND")


def test_missing_values_become_none() -> None:
    records = read_source(_source(ASREVIEW / "missing_values.csv")).records
    assert [(r.title is None, r.abstract is None) for r in records] == [
        (False, True), (True, False), (False, True), (True, False),
    ]  # fmt: skip


def test_duplicate_records_blank_and_whitespace_cells() -> None:
    records = read_source(_source(ASREVIEW / "duplicate_records.csv")).records
    assert [r.source_key for r in records] == [str(n) for n in range(1, 15)]
    assert records[0].doi == "10.1" and records[1].doi is None
    assert records[6].doi is None  # "   "
    assert records[12].title is None and records[12].doi == "10.6"


def test_record_id_column_is_the_key() -> None:
    records = read_source(_source(ASREVIEW / "record_id.csv")).records
    assert [r.source_key for r in records] == [str(n) for n in range(12, 2, -1)]
    bad = read_source(_source(ASREVIEW / "generic_bad_record_id.csv")).records
    assert [r.source_key for r in bad] == ["0", "0", "3", "4f", "5", "7"]


# --- Web of Science tab-delimited belongs to the wos reader ------------------------------------


@pytest.mark.parametrize("name", ["wos_tab_delimited_win_utf8.txt", "wos_tab_delimited_win_utf16.txt"])
def test_wos_tab_delimited_is_not_claimed(name: str) -> None:
    source = _source(WOS / name)
    assert not CSV_READER.detect(source)
    assert detect_format(source) != "csv"


def test_wos_tab_delimited_still_reads_when_forced() -> None:
    result = read_table(_source(WOS / "wos_tab_delimited_win_utf8.txt"), "csv", None)
    assert len(result.records) == 50
    first = result.records[0]
    assert first.source_key == "WOS:000220015600001"
    assert first.authors == ["Owen-Smith, J", "Powell, WW"]
    assert (first.pages, first.doi, first.year) == ("5-21", "10.1287/orsc.1030.0054", 2004)
    assert result.source_database == "Web of Science"


# --- XLSX ---------------------------------------------------------------------------------------


def _scopus_workbook() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([])  # a blank first row: the header is the first non-empty row
    sheet.append(SCOPUS_HEADERS)
    rows: list[dict[str, object]] = [
        {
            "Authors": "Lambert M.J.; Shimokawa K.",
            "Author full names": "Lambert, Michael J. (7202345678); Shimokawa, Kenichi (6603000000)",
            "Title": "Collecting client feedback",
            "Year": 2011,
            "Source title": "Psychotherapy",
            "Volume": 48.0,
            "Issue": 1,
            "Page start": 72,
            "Page end": 79,
            "DOI": "10.1037/a0022238",
            "Link": "https://www.scopus.com/inward/record.uri?eid=2-s2.0-79953",
            "Abstract": "First line.\nSecond line.",
            "Author Keywords": "feedback; outcome monitoring",
            "Index Keywords": "human; psychotherapy",
            "ISSN": "00333204",
            "PubMed ID": 21401276,
            "Language of Original Document": "English",
            "Document Type": "Article",
            "Source": "Scopus",
            "EID": "2-s2.0-79953",
        },
        {"Authors": "Boswell J.F., Kraus D.R., Miller S.D.", "Title": "'=HYPERLINK(\"x\")",
         "Year": "2015", "Source": "Scopus", "EID": "2-s2.0-84921"},
    ]  # fmt: skip
    sheet.append([rows[0].get(h) for h in SCOPUS_HEADERS])
    sheet.append([])
    sheet.append([rows[1].get(h) for h in SCOPUS_HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_scopus_style_xlsx_reads_back() -> None:
    source = SourceFile("scopus.xlsx", _scopus_workbook())
    assert XLSX_READER.detect(source) and not CSV_READER.detect(source)
    assert detect_format(source) == "xlsx"
    result = read_source(source)
    assert result.format == "xlsx" and result.problems == []
    assert result.source_database == "Scopus"
    first, second = result.records
    assert first.authors == ["Lambert M.J.", "Shimokawa K."]
    assert (first.title, first.year, first.journal) == ("Collecting client feedback", 2011, "Psychotherapy")
    assert (first.volume, first.issue, first.pages) == ("48", "1", "72-79")
    assert (first.doi, first.pmid, first.issn) == ("10.1037/a0022238", "21401276", "00333204")
    assert first.abstract == "First line.\nSecond line."
    assert first.keywords == ["feedback", "outcome monitoring"]
    assert (first.language, first.publication_type) == ("English", "Article")
    assert (first.source_key, first.source_line, first.source_database) == ("2-s2.0-79953", 3, "Scopus")
    assert json.loads(first.raw)["Title"] == "Collecting client feedback"
    assert second.authors == ["Boswell J.F.", "Kraus D.R.", "Miller S.D."]  # old Scopus style
    assert second.title == '=HYPERLINK("x")'  # our own neutralisation undone
    assert second.source_line == 5


def test_xlsx_headers_and_not_a_workbook() -> None:
    assert table_headers(SourceFile("s.xlsx", _scopus_workbook()))[:2] == ["Authors", "Author full names"]
    with pytest.raises(BadInput, match="not an Excel workbook"):
        read_source(_csv("title,abstract\nA,B\n"), format="xlsx")


# --- column mapping -----------------------------------------------------------------------------


def test_column_map_overrides_the_guess() -> None:
    source = _source(ASREVIEW / "generic.csv")
    column_map = {"title": "alternate_title3", "pages": "", "journal": "Publisher"}
    result = read_source(source, column_map=column_map)
    first = result.records[0]
    assert first.title == "Lorem"
    assert first.pages is None
    assert first.journal == "Fun Factory"  # matched case-insensitively


def test_column_map_takes_a_column_away_from_its_guessed_field() -> None:
    result = read_source(_csv("title,doi\nA title,10.1/x\n"), column_map={"abstract": "title"})
    assert (result.records[0].abstract, result.records[0].title) == ("A title", None)


def test_column_map_with_unknown_header_or_field() -> None:
    source = _source(ASREVIEW / "generic.csv")
    with pytest.raises(BadInput, match="'No Such Column'"):
        read_source(source, column_map={"title": "No Such Column"})
    with pytest.raises(BadInput, match="unknown field 'colour'"):
        read_source(source, column_map={"colour": "title"})


def test_guess_columns_scopus() -> None:
    guessed = guess_columns(SCOPUS_HEADERS)
    assert guessed == {
        "source_key": "EID", "title": "Title", "abstract": "Abstract", "authors": "Authors",
        "year": "Year", "journal": "Source title", "volume": "Volume", "issue": "Issue",
        "pages": "Page start", "end_page": "Page end", "doi": "DOI", "pmid": "PubMed ID",
        "isbn": "ISBN", "issn": "ISSN", "url": "Link", "keywords": "Author Keywords",
        "language": "Language of Original Document", "publication_type": "Document Type",
        "source_database": "Source",
    }  # fmt: skip


def test_guess_columns_web_of_science() -> None:
    long = guess_columns(WOS_LONG_HEADERS)
    assert long["title"] == "Article Title" and long["journal"] == "Source Title"
    assert long["year"] == "Publication Year" and long["source_key"] == "UT (Unique WOS ID)"
    assert long["pmid"] == "Pubmed Id" and long["pages"] == "Start Page" and long["end_page"] == "End Page"
    assert long["authors"] == "Authors" and long["doi"] == "DOI"
    assert long["publication_type"] == "Document Type"
    codes = guess_columns(WOS_CODE_HEADERS)
    assert codes["source_key"] == "UT"  # not ID, which is WoS's Keywords Plus
    assert (codes["title"], codes["authors"], codes["journal"], codes["doi"]) == ("TI", "AU", "SO", "DI")
    assert (codes["pmid"], codes["keywords"], codes["issn"], codes["isbn"]) == ("PM", "DE", "SN", "BN")


def test_guess_columns_embase() -> None:
    headers = table_headers(_source(ASREVIEW / "embase.csv"))
    assert guess_columns(headers) == {
        "title": "Title", "abstract": "Abstract", "authors": "Author Names", "journal": "Source",
        "url": "Open URL Link", "keywords": "keywords",
    }  # fmt: skip


def test_guess_columns_our_own_names_and_folding() -> None:
    headers = ["Source_Key", "TITLE", "publication.type", "source database", "Pages"]
    assert guess_columns(headers) == {
        "source_key": "Source_Key", "title": "TITLE", "publication_type": "publication.type",
        "source_database": "source database", "pages": "Pages",
    }  # fmt: skip


# --- problems and odd input ---------------------------------------------------------------------


def test_ragged_row_is_a_problem_at_its_line() -> None:
    text = 'title,abstract\nA,"two\nlines"\n\nB,x,extra\nC,y,,\n'
    result = read_source(_csv(text))
    assert [r.title for r in result.records] == ["A", "C"]  # trailing empty cells are fine
    assert [(p.line, p.reason) for p in result.problems] == [(5, "row has 3 cells, the header has 2")]
    assert result.records[1].source_line == 6


def test_digits_that_are_not_a_year_are_a_problem_and_words_leave_the_year_empty() -> None:
    result = read_source(_csv("title,year\nA,in press\nB,10 15\nC,2019//\n"))
    assert [(r.title, r.year) for r in result.records] == [("A", None), ("C", 2019)]
    assert [p.line for p in result.problems] == [3]
    assert "10 15" in result.problems[0].reason


def test_blank_lines_and_empty_rows_are_skipped() -> None:
    result = read_source(_csv("\n\ntitle;doi\n\n;\nA;10.1000/x\n\n"))
    assert [(r.title, r.source_key, r.source_line) for r in result.records] == [("A", "1", 6)]


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8-sig"])
def test_encodings(encoding: str) -> None:
    data = "Title|Authors\nÉtude café|Müller, A.; Ødegaard, B.\n".encode(encoding)
    record = read_source(SourceFile("x.csv", data)).records[0]
    assert (record.title, record.authors) == ("Étude café", ["Müller, A.", "Ødegaard, B."])


def test_neutralised_cells_are_restored() -> None:
    result = read_source(_csv("title,pages,keywords,journal\n'=SUM(1),'-1,'@home; x,''=x\n"))
    record = result.records[0]
    assert (record.title, record.pages, record.keywords) == ("=SUM(1)", "-1", ["@home", "x"])
    assert record.journal == "'=x"  # quotes in front of a formula character: one is dropped


def test_not_a_table() -> None:
    assert not CSV_READER.detect(_csv("colour,size\nred,1\n"))
    assert not CSV_READER.detect(_csv("just a title line\n"))
    with pytest.raises(BadInput, match="no column maps"):
        read_source(_csv("colour,size\nred,1\n"), format="csv")


def test_split_authors_shapes() -> None:
    assert split_authors("Smith, John") == ["Smith, John"]
    assert split_authors("Liu R.") == ["Liu R."]
    assert split_authors("[No author name available]") == []
    assert split_authors("World Health Organization; Lambert, M. (12345678)") == [
        "World Health Organization", "Lambert, M.",
    ]  # fmt: skip


def test_a_source_column_naming_the_database_is_not_the_journal() -> None:
    result = read_source(_csv("title,source\nA,PubMed\nB,Journal of Things\n"))
    assert [(r.journal, r.source_database) for r in result.records] == [
        (None, "PubMed"), ("Journal of Things", None),
    ]  # fmt: skip

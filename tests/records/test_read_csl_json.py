"""CSL-JSON reader: real Crossref, DataCite, PubMed, PMC, arXiv and greycite items (Manubot's
test cases), the edge cases among them, and small inline cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.records.model import Record
from review.records.readers import BadInput, SourceFile, detect_format
from review.records.readers.csl_json import READER

DATA = Path(__file__).resolve().parents[1] / "data"
CSL = DATA / "formats" / "csl_json_manubot"
CASES = sorted(p.parent.name for p in CSL.glob("*/raw.json"))
BIB = DATA / "formats" / "bibtex_bibtexparser_v1_tests" / "biber-examples.bib"
ENDNOTE = DATA / "endnote" / "endnote_export.xml"

RIS_SNIPPET = "TY  - JOUR\nTI  - Collecting client feedback\nPY  - 2011\nER  - \n"
CSV_SNIPPET = 'title,authors,year\n"Collecting client feedback","Lambert, M. J.",2011\n'


def read_file(path: Path) -> list[Record]:
    result = READER.read(SourceFile(path.name, path.read_bytes()))
    assert result.problems == []
    return result.records


def case(name: str) -> Record:
    (record,) = read_file(CSL / name / "raw.json")
    return record


def read_text(text: str) -> tuple[list[Record], list]:
    result = READER.read(SourceFile("inline.json", text.encode()))
    return result.records, result.problems


def test_case_folders_are_all_there() -> None:
    assert len(CASES) == 11


@pytest.mark.parametrize("name", [pytest.param(n, id=f"{n} reads as one record") for n in CASES])
def test_every_case_reads_as_one_record_starting_on_line_2(name: str) -> None:
    record = case(name)
    assert record.source_line == 2  # `[` on line 1, the item's `{` on line 2
    assert json.loads(record.raw) == json.loads((CSL / name / "raw.json").read_text())[0]


@pytest.mark.parametrize(
    ("name", "year"),
    [
        pytest.param("empty-date-parts-csl", None, id="empty date-parts give no year"),
        pytest.param("null-date-parts-csl", None, id="null date-parts give no year"),
        pytest.param("excess-date-parts-csl", 2018, id="four date parts still give the year"),
        pytest.param("arxiv-joss-csl", 2017, id="date parts written as strings"),
        pytest.param("empty-csl", None, id="an empty item has no year"),
    ],
)
def test_year_from_date_parts(name: str, year: int | None) -> None:
    assert case(name).year == year


def test_the_non_standard_entry_type_is_kept() -> None:
    assert case("excess-date-parts-csl").publication_type == "entry"
    assert case("null-date-parts-csl").publication_type == "entry"


def test_an_empty_item_is_a_record_keyed_by_its_position() -> None:
    record = case("empty-csl")
    assert (record.source_key, record.title, record.authors) == ("1", None, [])


def test_crossref_item() -> None:
    record = case("crossref-winter-scabs-csl")
    assert (record.title, record.authors, record.year, record.journal) == (
        "Formation of the Scab and the Rate of Epithelization of Superficial Wounds in the Skin of "
        "the Young Domestic Pig",
        ["WINTER, GEORGE D."],
        1962,
        "Nature",
    )
    assert (record.volume, record.issue, record.pages, record.doi) == (
        "193",
        "4812",
        "293-294",
        "10.1038/193293a0",
    )
    assert record.issn == "0028-0836; 1476-4687"  # both ISSNs of the list
    assert (record.source_key, record.source_database) == ("12IWnziJW", "Crossref")


def test_pmc_item_gives_pmid_and_its_source_database() -> None:
    result = READER.read(SourceFile("pmc.json", (CSL / "pmc-scihub-study-csl" / "raw.json").read_bytes()))
    record = result.records[0]
    assert (record.pmid, record.doi, record.pages, record.journal) == (
        "29424689",
        "10.7554/eLife.32822",
        "e32822",
        "eLife",
    )
    assert record.authors[:2] == ["Himmelstein, Daniel S", "Romero, Ariel Rodriguez"]
    assert result.source_database == "PMC"


def test_literal_names_are_kept_whole() -> None:
    assert case("arxiv-joss-csl").authors[:3] == ["Arfon M Smith", "Kyle E Niemeyer", "Daniel S Katz"]


def test_item_lines_in_a_file_of_three() -> None:
    path = CSL / "input-bibliography.json"
    lines = [i for i, line in enumerate(path.read_text().splitlines(), start=1) if line == "  {"]
    records = read_file(path)
    assert [r.source_line for r in records] == lines == [2, 41, 70]
    assert records[1].title == "Honey bee sting pain index by body location"


def test_markup_is_removed_from_title_and_abstract() -> None:
    records, _ = read_text(
        '[{"title": "Feedback in <i>routine</i> care &amp; ROM",'
        ' "abstract": "<jats:title>Abstract</jats:title><jats:p>First.</jats:p><jats:p>Second.</jats:p>"}]'
    )
    record = records[0].normalised()
    assert record.title == "Feedback in routine care & ROM"
    assert record.abstract == "Abstract\nFirst.\nSecond."


def test_inline_item_with_every_mapped_field() -> None:
    item = {
        "id": "boswell2015",
        "type": "article-journal",
        "title": "Implementing routine outcome monitoring in clinical practice",
        "author": [
            {"family": "Boswell", "given": "James F."},
            {"family": "Jong", "given": "Kim", "non-dropping-particle": "de"},
            {"family": "Smith", "given": "John", "suffix": "Jr."},
            {"literal": "World Health Organization"},
        ],
        "issued": {"date-parts": [[2015, 1]]},
        "container-title": ["Psychotherapy Research"],
        "volume": 25,
        "issue": "1",
        "page": "6–19",
        "DOI": "10.1080/10503307.2013.817696",
        "ISSN": "1050-3307",
        "ISBN": ["978-3-16-148410-0"],
        "URL": "https://doi.org/10.1080/10503307.2013.817696",
        "keyword": "feedback, routine outcome monitoring",
        "language": "en",
        "note": "Some note\nPMID: 24028262\nPMCID: none",
        "source": "PubMed",
    }
    records, problems = read_text(json.dumps([item], indent=2))
    record = records[0]
    assert problems == []
    assert record.authors == [
        "Boswell, James F.",
        "de Jong, Kim",
        "Smith, John, Jr.",
        "World Health Organization",
    ]
    assert (record.year, record.journal, record.volume, record.issue, record.pages) == (
        2015,
        "Psychotherapy Research",
        "25",
        "1",
        "6-19",
    )
    assert (record.pmid, record.isbn, record.issn) == ("24028262", "978-3-16-148410-0", "1050-3307")
    assert record.keywords == ["feedback", "routine outcome monitoring"]
    assert (record.source_key, record.source_database, record.publication_type) == (
        "boswell2015",
        "PubMed",
        "article-journal",
    )


@pytest.mark.parametrize(
    ("issued", "year"),
    [
        pytest.param({"literal": "Spring 2019"}, 2019, id="a literal date"),
        pytest.param({"raw": "2020-05-01"}, 2020, id="a raw date"),
        pytest.param({"date-parts": [[]]}, None, id="an empty date part list"),
        pytest.param({"date-parts": []}, None, id="no date parts"),
        pytest.param({"date-parts": "2019"}, None, id="malformed date parts"),
        pytest.param("2018", 2018, id="a plain string date"),
    ],
)
def test_other_date_forms(issued: object, year: int | None) -> None:
    records, _ = read_text(json.dumps([{"title": "T", "issued": issued}]))
    assert records[0].year == year


def test_a_single_item_object_is_read() -> None:
    records, _ = read_text('{"id": 7, "title": "Collecting client feedback"}')
    assert [(r.source_key, r.title, r.source_line) for r in records] == [
        ("7", "Collecting client feedback", 1)
    ]


def test_an_item_that_is_not_an_object_is_a_problem() -> None:
    records, problems = read_text('[\n {"title": "A"},\n "just a string",\n {"title": "B"}\n]')
    assert [r.title for r in records] == ["A", "B"]
    assert [(p.line, p.reason) for p in problems] == [(3, "item 2 is a JSON string, not an object")]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        pytest.param('[\n {"title": "A"},\n {"title": "B",}\n]', 3, id="a trailing comma"),
        pytest.param('[\n {"title": "A"}\n {"title": "B"}\n]', 3, id="a missing comma between items"),
        pytest.param('[\n {"title": "A"},\n', 3, id="a truncated file"),
        pytest.param('[{"title": "A"}]\n[]', 2, id="data after the array"),
    ],
)
def test_invalid_json_refuses_the_file_with_its_line(text: str, line: int) -> None:
    with pytest.raises(BadInput) as error:
        READER.read(SourceFile("broken.json", text.encode()))
    assert error.value.line == line
    assert "not valid JSON" in error.value.reason


def test_an_empty_array_gives_no_records() -> None:
    assert read_text("[]") == ([], [])


@pytest.mark.parametrize(
    "path",
    [pytest.param(CSL / n / "raw.json", id=n) for n in CASES]
    + [
        pytest.param(CSL / "input-bibliography.json", id="three rendered items"),
        pytest.param(CSL / "same_refs_4_formats" / "bibliography.json", id="pandoc bibliography"),
    ],
)
def test_detects_csl_json_by_content(path: Path) -> None:
    assert READER.detect(SourceFile("export.txt", path.read_bytes()))
    assert detect_format(SourceFile("export.txt", path.read_bytes())) == "csl-json"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(RIS_SNIPPET, id="RIS"),
        pytest.param(CSV_SNIPPET, id="CSV"),
        pytest.param(BIB.read_text(encoding="utf-8"), id="BibTeX"),
        pytest.param(ENDNOTE.read_text(encoding="utf-8"), id="EndNote XML"),
        pytest.param('{"records": [1, 2, 3]}', id="JSON that is not CSL"),
        pytest.param('[{"name": "x", "size": 3}]', id="a JSON list of non-CSL objects"),
        pytest.param("", id="an empty file"),
    ],
)
def test_does_not_claim_other_formats(text: str) -> None:
    assert not READER.detect(SourceFile("refs.json", text.encode()))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
csl_keys = st.sampled_from(["title", "author", "issued", "container-title", "page", "ISSN", "id", "keyword"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.dictionaries(csl_keys, json_values, max_size=5) | json_values, max_size=4))
def test_never_raises_on_odd_values(items: list) -> None:
    result = READER.read(SourceFile("fuzz.json", json.dumps(items).encode()))
    assert len(result.records) + len(result.problems) == len(items)

"""EndNote XML reader: a hand-written export of three real ROM papers in EndNote's layout
(tests/data/endnote/SOURCE.md), and small inline records."""

from __future__ import annotations

import codecs
import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.records.model import Record
from review.records.readers import BadInput, SourceFile, detect_format
from review.records.readers.endnote_xml import READER

DATA = Path(__file__).resolve().parents[1] / "data"
EXPORT = DATA / "endnote" / "endnote_export.xml"
BIB = DATA / "formats" / "bibtex_bibtexparser_v1_tests" / "biber-examples.bib"
CSL = DATA / "formats" / "csl_json_manubot" / "input-bibliography.json"

RIS_SNIPPET = "TY  - JOUR\nTI  - Collecting client feedback\nPY  - 2011\nER  - \n"
CSV_SNIPPET = 'title,authors,year\n"Collecting client feedback","Lambert, M. J.",2011\n'
STYLE = '<style face="normal" font="default" size="100%">{}</style>'


def read_export() -> list[Record]:
    result = READER.read(SourceFile(EXPORT.name, EXPORT.read_bytes()))
    assert result.problems == []
    return result.records


def xml_of(*records: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8" ?><xml><records>' + "".join(records) + "</records></xml>"


def read_records(*records: str) -> list[Record]:
    return READER.read(SourceFile("inline.xml", xml_of(*records).encode())).records


def test_the_export_gives_three_records_with_their_published_data() -> None:
    records = read_export()
    assert [(r.source_key, r.source_line) for r in records] == [("1", 2), ("2", 3), ("3", 4)]
    boswell, lambert, de_jong = records
    assert boswell.title == (
        "Implementing routine outcome monitoring in clinical practice: Benefits, challenges, and solutions"
    )
    assert boswell.authors == ["Boswell, J. F.", "Kraus, D. R.", "Miller, S. D.", "Lambert, M. J."]
    assert (boswell.year, boswell.journal, boswell.volume, boswell.issue, boswell.pages) == (
        2015,
        "Psychotherapy Research",
        "25",
        "1",
        "6-19",
    )
    assert (boswell.doi, boswell.issn, boswell.isbn) == ("10.1080/10503307.2013.817696", "1050-3307", None)
    assert boswell.url == "https://doi.org/10.1080/10503307.2013.817696"
    assert (boswell.publication_type, boswell.language) == ("Journal Article", "English")
    assert boswell.keywords == ["routine outcome monitoring", "feedback", "implementation", "psychotherapy"]
    assert (lambert.title, lambert.authors, lambert.year, lambert.pages, lambert.doi) == (
        "Collecting client feedback",
        ["Lambert, M. J.", "Shimokawa, K."],
        2011,
        "72-79",
        "10.1037/a0022238",
    )
    assert (de_jong.authors[0], de_jong.journal, de_jong.volume, de_jong.issue, de_jong.pages) == (
        "de Jong, K.",
        "Clinical Psychology Review",
        "85",
        None,
        "102002",
    )


def test_source_databases_per_record_and_none_in_common() -> None:
    result = READER.read(SourceFile(EXPORT.name, EXPORT.read_bytes()))
    assert [r.source_database for r in result.records] == ["APA PsycInfo", "APA PsycInfo", "Scopus"]
    assert result.source_database is None


def test_raw_is_the_record_element_as_written() -> None:
    text = EXPORT.read_text(encoding="utf-8")
    for record in read_export():
        assert record.raw.startswith("<record>") and record.raw.endswith("</record>")
        assert record.raw in text
        assert record.doi in record.raw


def test_text_split_over_several_style_elements_is_joined() -> None:
    (record,) = read_records(
        '<record><titles><title><style face="normal">Feedback in </style>'
        '<style face="italic">routine</style><style face="normal"> care</style></title></titles></record>'
    )
    assert record.title == "Feedback in routine care"


def test_a_corporate_author_loses_endnotes_trailing_comma() -> None:
    (record,) = read_records(
        "<record><contributors><authors>"
        f"<author>{STYLE.format('World Health Organization,')}</author>"
        f"<author>{STYLE.format('Lambert, M. J.')}</author>"
        "</authors></contributors></record>"
    )
    assert record.authors == ["World Health Organization", "Lambert, M. J."]


@pytest.mark.parametrize(
    ("isbn", "expected"),
    [
        pytest.param("1050-3307", (None, "1050-3307"), id="an ISSN in the isbn field"),
        pytest.param("978-3-16-148410-0", ("978-3-16-148410-0", None), id="an ISBN stays an ISBN"),
        pytest.param(
            "1050-3307 (Print)\r1468-4381 (Linking)",
            (None, "1050-3307; 1468-4381"),
            id="PubMed's qualified ISSNs",
        ),
        pytest.param("0033-3204; 978-3-16-148410-0", ("978-3-16-148410-0", "0033-3204"), id="one of each"),
    ],
)
def test_isbn_field_split_by_shape(isbn: str, expected: tuple[str | None, str | None]) -> None:
    (record,) = read_records(f"<record><isbn>{STYLE.format(isbn)}</isbn></record>")
    assert (record.isbn, record.issn) == expected


@pytest.mark.parametrize(
    ("database", "pmid"),
    [
        pytest.param("PubMed", "12345678", id="PubMed accession number is a PMID"),
        pytest.param("Ovid MEDLINE(R)", "12345678", id="MEDLINE accession number is a PMID"),
        pytest.param("APA PsycInfo", None, id="another database's accession number is not"),
    ],
)
def test_accession_number_is_a_pmid_only_from_pubmed(database: str, pmid: str | None) -> None:
    (record,) = read_records(
        f"<record><accession-num>{STYLE.format('12345678')}</accession-num>"
        f"<remote-database-name>{STYLE.format(database)}</remote-database-name></record>"
    )
    assert (record.pmid, record.source_database) == (pmid, database)


def test_common_database_when_all_records_agree() -> None:
    record = (
        "<record><titles><title>T</title></titles><remote-database-provider>NLM</remote-database-provider>"
        "</record>"
    )
    result = READER.read(SourceFile("x.xml", xml_of(record, record).encode()))
    assert result.source_database == "NLM"


def test_keywords_on_separate_lines_in_one_element_are_split() -> None:
    (record,) = read_records(
        f"<record><keywords><keyword>{STYLE.format('Feedback&#xD;Psychotherapy')}</keyword>"
        f"<keyword>{STYLE.format('Outcome monitoring')}</keyword></keywords></record>"
    )
    assert record.keywords == ["Feedback", "Psychotherapy", "Outcome monitoring"]


def test_a_record_without_rec_number_is_keyed_by_position() -> None:
    records = read_records(
        "<record><titles><title>A</title></titles></record>", "<record><pages>1-2</pages></record>"
    )
    assert [r.source_key for r in records] == ["1", "2"]


def test_a_truncated_export_is_refused_with_a_line() -> None:
    text = EXPORT.read_text(encoding="utf-8")
    truncated = text[: text.index("<record>", text.index("<record>") + 1) + 200]
    with pytest.raises(BadInput) as error:
        READER.read(SourceFile("truncated.xml", truncated.encode()))
    assert error.value.line == 3
    assert "not well-formed XML" in error.value.reason


def test_entity_declarations_are_refused() -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE xml [<!ENTITY a "aaaa">]>\n'
        "<xml><records><record>&a;</record></records></xml>"
    )
    with pytest.raises(BadInput) as error:
        READER.read(SourceFile("bomb.xml", bomb.encode()))
    assert error.value.line == 2
    assert "DOCTYPE" in error.value.reason


def test_utf16_export_with_its_declaration_is_read() -> None:
    text = EXPORT.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    records = READER.read(SourceFile("utf16.xml", data)).records
    assert [r.title for r in records] == [r.title for r in read_export()]


def test_leading_blank_lines_before_the_declaration_keep_line_numbers() -> None:
    text = "\n\n" + EXPORT.read_text(encoding="utf-8")
    records = READER.read(SourceFile("x.xml", text.encode())).records
    assert [r.source_line for r in records] == [4, 5, 6]


def test_detects_the_export_by_content() -> None:
    data = EXPORT.read_bytes()
    assert READER.detect(SourceFile("export.txt", data))
    assert detect_format(SourceFile("export.txt", data)) == "endnote-xml"
    assert READER.detect(SourceFile("x.xml", b"<xml><records><record></record></records></xml>"))


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(RIS_SNIPPET, id="RIS"),
        pytest.param(CSV_SNIPPET, id="CSV"),
        pytest.param(BIB.read_text(encoding="utf-8"), id="BibTeX"),
        pytest.param(CSL.read_text(encoding="utf-8"), id="CSL-JSON"),
        pytest.param(
            '<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>', id="PubMed XML"
        ),
        pytest.param("", id="an empty file"),
    ],
)
def test_does_not_claim_other_formats(text: str) -> None:
    assert not READER.detect(SourceFile("refs.xml", text.encode()))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/&;=\"' recordtilsyxm\n")), max_size=80))
def test_never_raises_anything_but_bad_input(body: str) -> None:
    with contextlib.suppress(BadInput):
        READER.read(SourceFile("fuzz.xml", xml_of(f"<record>{body}</record>").encode()))

"""RIS reader: ASReview's real database exports, rispy's quirk files, and small inline cases."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.records.model import Record
from review.records.readers import SourceFile, detect_format, ris
from review.records.readers.base import ReadResult
from review.records.readers.nbib import READER as NBIB_READER
from review.records.readers.ris import READER
from review.records.readers.wos import READER as WOS_READER

DATA = Path(__file__).resolve().parents[1] / "data"
ASREVIEW = DATA / "formats" / "ris_csv_asreview_test_exports"
RISPY = DATA / "formats" / "ris_rispy_tests"
WOS = DATA / "formats" / "wos_plaintext_tabdelimited_wosfile"
SAME_REFS = DATA / "formats" / "csl_json_manubot" / "same_refs_4_formats"

BIBTEX_SNIPPET = "@article{lambert2011,\n  title = {Collecting client feedback},\n  year = {2011}\n}\n"
CSV_SNIPPET = 'title,authors,year\n"Collecting client feedback","Lambert, M. J.",2011\n'
NBIB_SNIPPET = "PMID- 90000002\nTI  - Collecting client feedback.\nDP  - 2011\n"
WOS_SNIPPET = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI Collecting client feedback\nER\nEF\n"


def source(path: Path) -> SourceFile:
    return SourceFile(path.name, path.read_bytes())


def read(path: Path) -> ReadResult:
    return READER.read(source(path))


def normal(path: Path) -> list[Record]:
    result = read(path)
    assert result.problems == []
    return [record.normalised() for record in result.records]


def read_text(text: str, name: str = "inline.ris") -> ReadResult:
    return READER.read(SourceFile(name, text.encode()))


# --- every file: how many records, how many problems -------------------------------------------

FILE_COUNTS = [
    pytest.param(ASREVIEW / "_baseline.ris", 100, 0, id="an EndNote export with a BOM and CRLF reads 100"),
    pytest.param(ASREVIEW / "baseline_zotero.ris", 100, 0, id="the same library from Zotero reads 100"),
    pytest.param(ASREVIEW / "embase.ris", 6, 0, id="an Embase export reads 6"),
    pytest.param(ASREVIEW / "ovid_psycinfo.ris", 6, 0, id="Ovid PsycINFO with numbered records reads 6"),
    pytest.param(ASREVIEW / "ovid_zotero.ris", 6, 0, id="Ovid records via Zotero read 6"),
    pytest.param(ASREVIEW / "proquest.ris", 6, 0, id="a ProQuest export reads 6"),
    pytest.param(ASREVIEW / "pubmed_zotero.ris", 6, 0, id="PubMed records via Zotero read 6"),
    pytest.param(ASREVIEW / "pubmed_endnote.txt", 6, 0, id="PubMed via EndNote named .txt reads 6"),
    pytest.param(ASREVIEW / "scopus.ris", 6, 0, id="a Scopus export reads 6"),
    pytest.param(ASREVIEW / "web_of_science.txt", 10, 0, id="Web of Science as RIS named .txt reads 10"),
    pytest.param(ASREVIEW / "ris_issue_992.txt", 19, 0, id="Rayyan with keywords on untagged lines reads 19"),
    pytest.param(ASREVIEW / "ris_issue_1099.txt", 7, 0, id="Scopus with free text inside records reads 7"),
    pytest.param(ASREVIEW / "faulty_year.ris", 0, 1, id="a year of '10 15' is refused with one problem"),
    pytest.param(ASREVIEW / "baseline_empty_values.ris", 4, 0, id="empty title and abstract tags read 4"),
    pytest.param(
        ASREVIEW / "baseline_reference_types.ris",
        60,
        1,
        id="61 reference types read 60 and the empty one is a problem",
    ),
    pytest.param(ASREVIEW / "baseline_tag-notes.ris", 12, 0, id="notes with labels read 12"),
    pytest.param(ASREVIEW / "baseline_tag-notes_labels.ris", 32, 0, id="multi-line notes read 32"),
    pytest.param(ASREVIEW / "baseline_tag-notes_zotero.ris", 4, 0, id="Zotero notes with XHTML read 4"),
    pytest.param(
        ASREVIEW / "baseline_tag_and_field_definitions.ris",
        2,
        0,
        id="every tag once plus a record with no TY reads 2",
    ),
    pytest.param(ASREVIEW / "baseline_tag_and_field_definitions_lists.ris", 1, 0, id="repeated tags read 1"),
    pytest.param(ASREVIEW / "ris_many_authors.ris", 1, 0, id="a record with a huge author list reads 1"),
    pytest.param(RISPY / "example_basic.ris", 1, 0, id="a minimal record reads 1"),
    pytest.param(RISPY / "example_bom.ris", 1, 0, id="a BOM before TY reads 1"),
    pytest.param(RISPY / "example_custom_list_tags.ris", 1, 0, id="a repeated SN after a '1.' line reads 1"),
    pytest.param(RISPY / "example_empty_tag.ris", 1, 0, id="an Ovid record with an empty SP reads 1"),
    pytest.param(RISPY / "example_extraneous_data.ris", 2, 0, id="proxy headers between records read 2"),
    pytest.param(RISPY / "example_full.ris", 2, 0, id="a full record pair reads 2"),
    pytest.param(RISPY / "example_full_without_whitespace.ris", 2, 0, id="ER with no trailing space reads 2"),
    pytest.param(RISPY / "example_full_write.ris", 2, 0, id="rispy's writer output reads 2"),
    pytest.param(RISPY / "example_multi_unknown_tags.ris", 1, 0, id="unknown tags read 1"),
    pytest.param(RISPY / "example_multiline.ris", 3, 0, id="continuation lines and 'ER' in text read 3"),
    pytest.param(RISPY / "example_single_unknown_tag.ris", 1, 0, id="a repeated unknown tag reads 1"),
    pytest.param(
        RISPY / "example_starting_newlines.ris", 1, 0, id="blank lines before the first record read 1"
    ),
    pytest.param(RISPY / "example_urls.ris", 4, 0, id="several URL layouts read 4"),
    pytest.param(RISPY / "example_utf_chars.ris", 1, 0, id="Cyrillic text and a long-form type read 1"),
]


@pytest.mark.parametrize(("path", "records", "problems"), FILE_COUNTS)
def test_every_ris_file_reads_the_expected_number_of_records(path: Path, records: int, problems: int) -> None:
    result = read(path)
    assert (len(result.records), len(result.problems)) == (records, problems)
    assert result.format == "ris"


@pytest.mark.parametrize(("path", "records", "problems"), FILE_COUNTS)
def test_each_record_knows_its_line_and_raw_text(path: Path, records: int, problems: int) -> None:
    src = source(path)
    lines = src.text.split("\n")
    for record in READER.read(src).records:
        assert record.source_line is not None
        first_line = lines[record.source_line - 1].lstrip("\ufeff")
        assert record.raw.lstrip("\ufeff").startswith(first_line)
        assert first_line[:2].isupper()
        assert record.raw.splitlines()[-1].startswith("ER")
        assert record.raw in src.text
        assert record.source_key


@pytest.mark.parametrize(("path", "records", "problems"), FILE_COUNTS)
def test_the_ris_reader_recognises_every_ris_file(path: Path, records: int, problems: int) -> None:
    assert READER.detect(source(path))
    assert detect_format(source(path)) == "ris"


# --- real values from real exports ---------------------------------------------------------------


def test_ovid_psycinfo_numbered_records_and_dx_doi_org_dois() -> None:
    first = normal(ASREVIEW / "ovid_psycinfo.ris")[0]
    assert first.title == (
        "The influence of self-criticism on depression symptoms among ambulatory patients with "
        "inflammatory bowel disease."
    )
    assert first.authors == [
        "Trindade, Ines A",
        "Irons, Chris",
        "Ferreira, Claudia",
        "Portela, Francisco",
        "Pinto-Gouveia, Jose",
    ]
    assert first.year == 2019  # Y1  - 2019//
    assert first.doi == "10.1002/cpp.2398"  # DO  - http://dx.doi.org/10.1002/cpp.2398
    assert first.journal == "Clinical Psychology & Psychotherapy"
    assert first.pages is None  # Ovid's "SP - No / EP - Specified"
    assert (first.source_key, first.source_line, first.source_database) == ("2019-65183-001", 2, "Ovid")


def test_ovid_text_after_er_is_not_a_record() -> None:
    result = read(ASREVIEW / "ovid_psycinfo.ris")
    assert result.problems == []
    assert all(not record.raw.startswith("NL") for record in result.records)
    assert result.source_database == "Ovid"


def test_scopus_free_text_inside_a_record_stays_out_of_the_fields() -> None:
    records = normal(ASREVIEW / "ris_issue_1099.txt")
    first, book = records[0], records[1]
    assert first.title == (
        "Design and prototyping of directly driven outer rotor permanent magnet generator for small "
        "scale wind turbines"
    )
    assert first.journal == "Advances in Electrical and Electronic Engineering"  # JF, not JA
    assert (first.year, first.volume, first.issue, first.pages) == (2018, "16", "3", "271-278")
    assert first.issn == "1336-1376"  # SN  - 13361376
    assert first.source_database == "Scopus"
    assert (
        book.title
        == "Validity Frame Driven Computational Design Synthesis for Complex Cyber-Physical Systems"
    )
    assert book.authors == [
        "van Acker, B.",
        "Vanommeslaeghe, Y.",
        "Meulenaere, P.",
        "Denil, J.",
    ]  # A2 left out
    for record in records:
        for value in (record.title, record.abstract, record.journal, record.volume):
            assert "Export Date" not in (value or "")
            assert "Correspondence Address" not in (value or "")


def test_a_mixed_export_has_no_single_source_database() -> None:
    result = read(ASREVIEW / "ris_issue_1099.txt")
    databases = [record.source_database for record in result.records]
    assert databases.count("Scopus") == 3
    assert result.source_database is None


def test_scopus_ris_names_its_database() -> None:
    result = read(ASREVIEW / "scopus.ris")
    assert result.source_database == "Scopus"
    first = result.records[0].normalised()
    assert first.issn == "0306-4530"  # SN  - 03064530 (ISSN)
    assert first.doi == "10.1016/j.psyneuen.2019.104501"
    assert first.keywords[:3] == [
        "Brain-gut axis",
        "Chronic-inflammatory bowel diseases",
        "Functional gastrointestinal disorders",
    ]


def test_rayyan_keywords_continue_on_untagged_lines() -> None:
    first = normal(ASREVIEW / "ris_issue_992.txt")[0]
    assert first.keywords == [
        "Health Facility Administration",
        "Joint Commission",
        "Standards",
        "Medication Errors",
        "Prevention and Control",
        "Medication Reconciliation",
        "Organizational Compliance",
        "Quality Improvement",
        "Electronic Health Records",
        "Consumer Participation",
        "Literacy",
        "Medication History",
        "Patient Education",
    ]
    assert first.title == "Overcoming Medication Reconciliation Challenges"
    assert first.journal == "Joint Commission Perspectives on Patient Safety"
    assert first.source_key == "1"  # ID before AN (rayyan-264552525)


def test_proquest_accession_number_and_database() -> None:
    result = read(ASREVIEW / "proquest.ris")
    first = result.records[0].normalised()
    assert first.source_key == "2214991469; 51887"
    assert first.source_database == "PTSDpubs"  # DB names the ProQuest database
    assert first.issn == "0894-9867"  # SN  - 0894-9867, 0894-9867
    assert first.doi == "10.1002/jts.22387"
    assert first.url == "https://search.proquest.com/docview/2214991469?accountid=14772"
    assert result.source_database == "PTSDpubs"


def test_embase_database_accession_numbers_and_pmids() -> None:
    result = read(ASREVIEW / "embase.ris")
    records = [record.normalised() for record in result.records]
    assert result.source_database == "Embase"  # DB  - Embase comes before DB  - Medline
    assert records[0].source_key == "L373791783"  # U2, Embase's own id
    assert (
        records[0].title == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    )
    assert records[0].authors == ["Liu R.", "Adler D.G."]
    assert records[0].journal == "Endoscopic Ultrasound"
    assert (records[0].year, records[0].pages, records[0].issn) == (2014, "152-160", "2226-7190")
    assert records[1].pmid == "15368318"  # C5 holds the PubMed id in Embase RIS


def test_web_of_science_ris_with_a_txt_name() -> None:
    result = read(ASREVIEW / "web_of_science.txt")
    first = result.records[0].normalised()
    assert (
        first.title == "Holding Yourself Captive: Perceptions of Custody During Interviews and Interrogations"
    )
    assert first.authors == ["Alceste, F", "Luke, TJ", "Kassin, SM"]
    assert (first.source_key, first.source_database) == ("WOS:000444108200009", "Web of Science")
    # One record in this file was added from elsewhere (no WoS accession), so the file has no one database.
    kassin = next(record for record in result.records if record.source_key == "Kassin1997")
    assert kassin.source_database is None
    assert kassin.doi == "10.1023/A:1024814009769"
    assert result.source_database is None


def test_pubmed_via_endnote() -> None:
    result = read(ASREVIEW / "pubmed_endnote.txt")
    first = result.records[0].normalised()
    assert first.title == (
        "Boswellia serrata: an overall assessment of in vitro, preclinical, pharmacokinetic and clinical data"
    )
    assert first.source_line == 2  # the file starts with a blank line
    assert first.pmid == "21553931"  # AN, because DP says NLM
    assert first.source_database == "PubMed"
    assert first.pages == "349-369"  # SP  - 349-69
    assert first.journal == "Clin Pharmacokinet"
    assert first.keywords[:3] == [
        "Animals",
        "Anti-Inflammatory Agents/adverse effects/pharmacokinetics/*pharmacology",
        "Boswellia/*chemistry",
    ]
    assert first.source_key == "369"


def test_empty_title_and_abstract_tags_become_none() -> None:
    records = normal(ASREVIEW / "baseline_empty_values.ris")
    assert [r.title for r in records] == ["Title of reference", None, "Title of reference", None]
    assert [r.abstract is None for r in records] == [True, False, True, False]
    assert all(r.authors == [] and r.keywords == [] and r.doi is None for r in records)
    assert [r.source_key for r in records] == ["1", "2", "3", "4"]


def test_a_record_with_no_ty_line_is_still_a_record() -> None:
    result = read(ASREVIEW / "baseline_tag_and_field_definitions.ris")
    full, untyped = result.records
    assert full.title == "Title"  # TI before T1
    assert full.authors == ["Authors", "First Authors"]  # AU then A1 (the A1 line uses a tab)
    assert "Secondary Authors" not in full.authors
    assert full.source_key == "ID"  # "ID <TAB>- ID"
    assert untyped.raw == "UK  - Unknown Tag\nER  -"
    assert (untyped.source_line, untyped.publication_type) == (65, None)


def test_repeated_tags_are_lists() -> None:
    record = read(ASREVIEW / "baseline_tag_and_field_definitions_lists.ris").records[0]
    assert record.authors == ["Author 1", "Author 2", "First Author 1", "First Author 2"]
    assert record.keywords == ["Keywords 1", "Keywords 2"]


def test_headers_between_records_are_ignored() -> None:
    records = normal(RISPY / "example_extraneous_data.ris")
    assert [(r.title, r.source_line, r.year) for r in records] == [
        ("Title of reference", 5, 2014),
        ("The title of the reference", 33, 2006),
    ]
    assert records[0].authors == ["Marx, Karl", "Lindgren, Astrid"]  # A2 (editor) left out
    assert records[0].raw.startswith("TY  - JOUR\nID  - 12345")


def test_multiline_values_and_er_inside_text() -> None:
    records = normal(RISPY / "example_multiline.ris")
    expected = "first line, ER then second line and at the end the last line"
    assert [" ".join((r.abstract or "").split()) for r in records] == [expected] * 3


def test_urls_take_the_first() -> None:
    records = normal(RISPY / "example_urls.ris")
    assert [r.url for r in records] == ["http://example.com"] * 4


def test_long_form_type_and_cyrillic_text() -> None:
    record = normal(RISPY / "example_utf_chars.ris")[0]
    assert record.publication_type == "Journal Article"
    assert record.title is not None and record.title.startswith("Состояние рецепторного аппарата")  # ST
    assert record.abstract is not None and "The state of the receptor apparatus" in record.abstract
    assert record.authors[0] == "Dobrokhotova, Yu E."
    assert (record.year, record.volume, record.pages) == (2009, "8", "52-57")  # VO for volume


def test_crlf_and_bom_do_not_leak_into_values() -> None:
    records = normal(ASREVIEW / "_baseline.ris")
    assert records[0].source_line == 1
    assert records[0].publication_type == "JOUR"
    assert all("\r" not in r.raw and "\ufeff" not in r.raw for r in records)
    assert records[0].authors[0] == "Blomberg, Björn A."


def test_same_reference_in_ris_and_nbib() -> None:
    from_ris = READER.read(source(SAME_REFS / "bibliography.ris")).records[0].normalised()
    from_nbib = NBIB_READER.read(source(SAME_REFS / "bibliography.nbib")).records[0].normalised()
    assert from_ris.title == "Sci-Hub provides access to nearly all scholarly literature"
    # MEDLINE ends every title with a period; the rest of the title is the same.
    assert from_nbib.title is not None and from_nbib.title.rstrip(".") == from_ris.title
    assert (from_ris.year, from_ris.journal, from_ris.doi) == (
        from_nbib.year,
        from_nbib.journal,
        from_nbib.doi,
    )
    assert from_ris.doi == "10.7554/elife.32822"
    assert from_ris.authors == from_nbib.authors


# --- problems, with the line where the bad record starts -----------------------------------------


def test_faulty_year_is_a_problem_on_the_record_line() -> None:
    result = read(ASREVIEW / "faulty_year.ris")
    assert result.records == []
    [problem] = result.problems
    assert problem.line == 1
    assert problem.reason == "year '10 15' is not a year"


def test_a_truncated_file_keeps_the_complete_records() -> None:
    text = (RISPY / "example_full.ris").read_text(encoding="utf-8").rstrip()
    assert text.endswith("ER  -")
    result = read_text(text[: -len("ER  -")])
    assert [r.title for r in result.records] == ["Title of reference"]
    [problem] = result.problems
    assert problem.line == 27  # the second record's TY, after its "2." line
    assert problem.reason == "record starting here has no ER line: the file looks truncated"


def test_a_record_without_er_before_the_next_one_is_a_problem() -> None:
    text = "TY  - JOUR\nTI  - First\n\nTY  - JOUR\nTI  - Second\nER  - \n"
    result = read_text(text)
    assert [r.title for r in result.records] == ["Second"]
    assert [p.line for p in result.problems] == [1]
    assert "no ER line before the next record starts on line 4" in result.problems[0].reason


def test_an_empty_record_is_a_problem() -> None:
    result = read_text("TY  - JOUR\nTI  - Kept\nER  - \n\nTY  -\nER  -\n")
    assert [r.title for r in result.records] == ["Kept"]
    assert [(p.line, p.reason) for p in result.problems] == [
        (5, "record starting here is empty: none of its tags has a value")
    ]


def test_a_year_in_words_is_missing_not_a_problem() -> None:
    result = read_text("TY  - JOUR\nTI  - Forthcoming\nPY  - In press\nER  - \n")
    assert result.problems == []
    assert result.records[0].year is None


# --- quirks, inline ------------------------------------------------------------------------------


def test_free_text_after_a_blank_line_does_not_join_the_title() -> None:
    text = "TY  - JOUR\nTI  - Real title\n\nExport Date: 12 May 2022\n\nArticle\nPY  - 2018\nER  -\n"
    record = read_text(text).records[0].normalised()
    assert record.title == "Real title"
    assert record.source_database == "Scopus"  # Scopus writes the "Export Date" line


def test_a_wrapped_title_continues_on_the_next_line() -> None:
    record = read_text("TY  - JOUR\nTI  - A title wrapped\n  over two lines\nER  -\n").records[0]
    assert record.normalised().title == "A title wrapped over two lines"


def test_a_bom_in_front_of_a_ty_in_the_middle_of_the_file() -> None:
    text = "TY  - JOUR\nTI  - One\nER  - \n\ufeffTY  - BOOK\nTI  - Two\nER  - \n"
    result = read_text(text)
    assert [(r.title, r.publication_type, r.source_line) for r in result.records] == [
        ("One", "JOUR", 1),
        ("Two", "BOOK", 4),
    ]


def test_loose_spacing_is_read() -> None:
    result = read_text("TY - JOUR\nTI - Loose\nAU\t- Lambert, Michael J\nPY -2011\nER -\n")
    record = result.records[0]
    assert (record.title, record.authors, record.year) == ("Loose", ["Lambert, Michael J"], 2011)


def test_unknown_single_space_tag_is_text_not_a_tag() -> None:
    # "US - based" in a wrapped abstract must not start a tag: only known tags get loose spacing.
    record = read_text("TY  - JOUR\nAB  - Trials run in the\nUS - based clinics.\nER  - \n").records[0]
    assert record.normalised().abstract == "Trials run in the\nUS - based clinics."


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        pytest.param("DO  - 10.1037/a0022238", "10.1037/a0022238", id="DO holds the DOI"),
        pytest.param("M3  - 10.1037/a0022238", "10.1037/a0022238", id="a DOI-shaped M3 is the DOI"),
        pytest.param("M3  - Journal Article", None, id="an M3 that is not a DOI is ignored"),
        pytest.param(
            "UR  - https://doi.org/10.1037/a0022238", "10.1037/a0022238", id="a doi.org link is the DOI"
        ),
        pytest.param("L3  - http://dx.doi.org/10.1037/A0022238", "10.1037/a0022238", id="so is one in L3"),
        pytest.param("UR  - https://example.org/10.1037/x", None, id="other links are not DOIs"),
    ],
)
def test_where_the_doi_comes_from(tags: str, expected: str | None) -> None:
    record = read_text(f"TY  - JOUR\n{tags}\nER  - \n").records[0]
    assert record.normalised().doi == expected


@pytest.mark.parametrize(
    ("tags", "issn", "isbn"),
    [
        pytest.param("SN  - 1534-5181", "1534-5181", None, id="an ISSN"),
        pytest.param("SN  - 1941014x", "1941-014X", None, id="an ISSN without its hyphen"),
        pytest.param("SN  - 2325-9671 (electronic)", "2325-9671", None, id="an ISSN with a note"),
        pytest.param("SN  - 978-3-030-58167-1", None, "978-3-030-58167-1", id="an ISBN-13"),
        pytest.param("SN  - 0-19-852663-6", None, "0-19-852663-6", id="an ISBN-10"),
        pytest.param("SN  - 1865-0929\nSN  - 978-3-030-58167-1", "1865-0929", "978-3-030-58167-1", id="both"),
        pytest.param("SN  - Serial Number", None, "Serial Number", id="anything else is kept as written"),
    ],
)
def test_serial_numbers(tags: str, issn: str | None, isbn: str | None) -> None:
    record = read_text(f"TY  - BOOK\n{tags}\nER  - \n").records[0]
    assert (record.issn, record.isbn) == (issn, isbn)


@pytest.mark.parametrize(
    ("tags", "pages"),
    [
        pytest.param("SP  - 6\nEP  - 19", "6-19", id="start and end pages are joined"),
        pytest.param("SP  - 72-9", "72-79", id="an abbreviated range is written out"),
        pytest.param("SP  - 1-5\nEP  - 5", "1-5", id="a start page holding a range is kept"),
        pytest.param("SP  - e0815", "e0815", id="an article number"),
        pytest.param("SP  - No\nEP  - Specified", None, id="Ovid's 'No Pagination Specified'"),
    ],
)
def test_pages(tags: str, pages: str | None) -> None:
    assert read_text(f"TY  - JOUR\n{tags}\nER  - \n").records[0].pages == pages


def test_journal_prefers_the_full_name() -> None:
    record = read_text("TY  - JOUR\nJA  - Psychother Res\nJF  - Psychotherapy Research\nER  - \n").records[0]
    assert record.journal == "Psychotherapy Research"


@pytest.mark.parametrize(
    ("tags", "database"),
    [
        pytest.param("DB  - APA PsycInfo\nDP  - Ovid Technologies", "APA PsycInfo", id="DB before DP"),
        pytest.param("DP  - Ovid Technologies", "Ovid", id="DP alone"),
        pytest.param("DP  - NLM", "PubMed", id="NLM means PubMed"),
        pytest.param("DB  - Scopus", "Scopus", id="Scopus says so"),
        pytest.param(
            "UR  - https://www.scopus.com/inward/record.uri?eid=2-s2.0-1", "Scopus", id="a Scopus link"
        ),
        pytest.param("AN  - WOS:000444108200009", "Web of Science", id="a WoS accession number"),
        pytest.param("TI  - Nothing says", None, id="no signal"),
    ],
)
def test_source_database(tags: str, database: str | None) -> None:
    result = read_text(f"TY  - JOUR\n{tags}\nER  - \n")
    assert result.records[0].source_database == database
    assert result.source_database == database


# --- detection -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(BIBTEX_SNIPPET, id="BibTeX is not RIS"),
        pytest.param(CSV_SNIPPET, id="CSV is not RIS"),
        pytest.param(NBIB_SNIPPET, id="PubMed MEDLINE is not RIS"),
        pytest.param(WOS_SNIPPET, id="WoS plain text is not RIS"),
        pytest.param(
            (RISPY / "example_wos.ris").read_text(encoding="utf-8"), id="a WoS file named .ris is not RIS"
        ),
        pytest.param((WOS / "wos_plaintext.txt").read_text(encoding="utf-8-sig"), id="WoS plain text export"),
        pytest.param(
            (WOS / "wos_tab_delimited_win_utf8.txt").read_text(encoding="utf-8-sig"),
            id="WoS tab-delimited export",
        ),
        pytest.param((SAME_REFS / "bibliography.nbib").read_text(encoding="utf-8"), id="a real nbib file"),
    ],
)
def test_the_ris_reader_rejects_other_formats(data: str) -> None:
    assert not READER.detect(SourceFile("other.ris", data.encode()))


def test_other_readers_do_not_claim_ris() -> None:
    for path in (
        ASREVIEW / "pubmed_endnote.txt",
        ASREVIEW / "scopus.ris",
        RISPY / "example_extraneous_data.ris",
    ):
        assert not NBIB_READER.detect(source(path))
        assert not WOS_READER.detect(source(path))


def test_a_utf16_ris_file_is_read() -> None:
    data = "\ufeffTY  - JOUR\r\nTI  - Collecting client feedback\r\nPY  - 2011\r\nER  - \r\n".encode(
        "utf-16-le"
    )
    src = SourceFile("utf16.ris", data)
    assert READER.detect(src)
    assert [(r.title, r.year) for r in READER.read(src).records] == [("Collecting client feedback", 2011)]


# --- robustness and docs -------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(["TY  - JOUR", "TI  - x", "PY  - 10 15", "AU  - A, B", "ER  -", "", "free", "  more"])
    )
)
def test_any_sequence_of_lines_reads_without_raising(lines: list[str]) -> None:
    text = "\n".join(lines)
    result = read_text(text)
    line_count = text.count("\n") + 1
    starts = [record.source_line for record in result.records] + [problem.line for problem in result.problems]
    assert all(start is not None and 1 <= start <= line_count for start in starts)


def test_docstring_examples() -> None:
    assert doctest.testmod(ris).failed == 0


def test_records_without_an_id_are_numbered_in_file_order() -> None:
    # Stray tags after ER (as Ovid writes) are not an entry and do not use up a number.
    text = "TY  - JOUR\nTI  - One\nER  - \nNL  - Stray\n\n2.\nTY  - JOUR\nTI  - Two\nER  - \n"
    result = read_text(text)
    assert [(r.title, r.source_key) for r in result.records] == [("One", "1"), ("Two", "2")]

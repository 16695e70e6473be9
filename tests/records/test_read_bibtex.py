"""BibTeX reader: bibtexparser's v1 test files and biber's examples.bib, plus small inline cases."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review.records.model import Record
from review.records.readers import BadInput, SourceFile, detect_format
from review.records.readers.bibtex import READER
from review.records.readers.csl_json import READER as CSL_READER

DATA = Path(__file__).resolve().parents[1] / "data"
BIB = DATA / "formats" / "bibtex_bibtexparser_v1_tests"
SAME_REFS = DATA / "formats" / "csl_json_manubot" / "same_refs_4_formats"
ENDNOTE = DATA / "endnote" / "endnote_export.xml"

RIS_SNIPPET = "TY  - JOUR\nTI  - Collecting client feedback\nPY  - 2011\nER  - \n"
CSV_SNIPPET = 'title,authors,year\n"Collecting client feedback","Lambert, M. J.",2011\n'
NBIB_SNIPPET = "PMID- 21401276\nTI  - Collecting client feedback.\n"
WOS_SNIPPET = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nTI Collecting client feedback\nER\n"
CSL_SNIPPET = '[{"id": "lambert2011", "type": "article-journal", "title": "Collecting client feedback"}]'

#: An entry line as a person would count them: `@type{` or `@type(` at the start of a line.
ENTRY_LINE = re.compile(r"^\s*@\s*(\w+)\s*[{(]", re.MULTILINE)
#: Blocks that are not bibliographic entries; `@set` groups other entries and has no content.
NOT_RECORDS = {"string", "comment", "preamble", "set"}


def read(name: str) -> list[Record]:
    result = READER.read(source(name))
    assert result.problems == []
    return result.records


def source(name: str) -> SourceFile:
    path = BIB / name
    return SourceFile(path.name, path.read_bytes())


def read_text(text: str) -> tuple[list[Record], list]:
    result = READER.read(SourceFile("inline.bib", text.encode()))
    return result.records, result.problems


def by_key(records: list[Record]) -> dict[str, Record]:
    return {r.source_key: r for r in records if r.source_key}


def counted_entries(text: str) -> int:
    return sum(1 for m in ENTRY_LINE.finditer(text) if m.group(1).lower() not in NOT_RECORDS)


@pytest.mark.parametrize(
    "name",
    [pytest.param(p.name, id=f"{p.name} gives one record per entry") for p in sorted(BIB.glob("*.bib"))],
)
def test_every_fixture_gives_one_record_per_entry_and_no_problem(name: str) -> None:
    text = (BIB / name).read_text(encoding="utf-8-sig")
    assert len(read(name)) == counted_entries(text)


def test_biber_examples_give_115_records() -> None:
    # 126 `@…{` lines: 8 @STRING and 118 entries, one of them the second `tmn4`; the 3 @Set
    # entries only group other entries, so 115 records.
    text = (BIB / "biber-examples.bib").read_text(encoding="utf-8")
    assert len(ENTRY_LINE.findall(text)) == 126
    records = read("biber-examples.bib")
    assert len(records) == counted_entries(text) == 115
    assert not {"set", "stdmodel", "stdmodel:ps_sc"} & {r.source_key for r in records}


def test_a_duplicated_citation_key_gives_two_records() -> None:
    tmn4 = [r for r in read("biber-examples.bib") if r.source_key == "tmn4"]
    assert [(r.source_line, r.authors, r.title) for r in tmn4] == [
        (1535, ["AAA", "BBB", "CCC"], "A title"),
        (1543, ["ZZZ"], None),
    ]
    assert tmn4[1].raw == "@UNPUBLISHED{tmn4,\n  AUTHOR = {ZZZ}\n}"


def test_string_macros_and_concatenation_are_expanded() -> None:
    (record,) = read("article_with_strings.bib")
    assert record.journal == "Nice Journal"
    assert record.authors == ["César, Jean"]  # jean # " " # cesar
    assert record.source_line == 5


@pytest.mark.parametrize(
    ("name", "field", "expected"),
    [
        pytest.param(
            "string.bib",
            "journal",
            "Proceedings of the IEEE Symposium on Security and Privacy",
            id="a macro in booktitle becomes the journal",
        ),
        pytest.param(
            "comments_spaces_and_declarations.bib", "title", "A great title", id="a macro as the title"
        ),
        pytest.param("features.bib", "journal", "My International Conference", id="a quoted macro"),
        pytest.param("article_no_braces.bib", "title", "An amazing title", id="quote-delimited values"),
        pytest.param("string.bib", "pages", "725-741", id="double dash pages become a hyphen"),
    ],
)
def test_field_values(name: str, field: str, expected: str) -> None:
    assert getattr(read(name)[0], field) == expected


def test_crossref_child_inherits_the_parents_booktitle_and_year() -> None:
    space = by_key(read("biber-examples.bib"))["westfahl:space"]
    assert space.journal == "Space and Beyond"  # the parent @Collection's booktitle
    assert space.year == 2000
    assert space.title == (
        "The True Frontier: Confronting and Avoiding the Realities of Space in American Science "
        "Fiction\n\t\t    Films"
    )
    assert space.authors == ["Westfahl, Gary"]  # its own, not the parent's editor


def test_crossref_parent_title_becomes_the_childs_container_but_own_fields_win() -> None:
    records = by_key(read("crossref_entries.bib"))
    assert (records["cr1"].journal, records["cr1"].year, records["cr1"].title) == (
        "Graphs of the Continent",
        1974,
        "Great and Good Graphs",
    )
    assert records["cr6"].journal == "Manual booktitle"


def test_crossref_chains_resolve_through_every_parent_and_ids_aliases() -> None:
    records, problems = read_text(
        "@inbook{a, title = {Chapter}, crossref = {b}}\n"
        "@book{b, title = {Book}, crossref = {c}}\n"
        "@mvbook{c, title = {Series}, year = 1999, publisher = {P}, author = {Doe, Jane}}\n"
    )
    assert problems == []
    assert (records[0].title, records[0].journal, records[0].year, records[0].authors) == (
        "Chapter",
        "Book",
        1999,
        ["Doe, Jane"],
    )
    ccr2 = by_key(read("crossref_cascading_aliases.bib"))["ccr2"]  # crossref = {ccr1alias}
    assert ccr2.authors == ["Various, Vince"]


@pytest.mark.timeout(10)
def test_a_cyclic_crossref_stops_at_the_cycle() -> None:
    assert [(r.source_key, r.year) for r in read("crossref_cascading_cycle.bib")] == [
        ("circ1", 1911),
        ("circ2", 1911),
    ]
    records, problems = read_text(
        "@article{x, title = {X}, crossref = {y}}\n"
        "@article{y, journal = {J}, crossref = {z}}\n"
        "@article{z, year = 2001, crossref = {x}}\n"
        "@article{self, title = {S}, crossref = {self}}\n"
    )
    assert problems == []
    assert [(r.source_key, r.journal, r.year) for r in records][:2] == [("x", "J", 2001), ("y", "J", 2001)]


def test_a_missing_crossref_parent_leaves_the_entry_as_it_is() -> None:
    (record,) = read("crossref_missing_entries.bib")
    assert (record.title, record.authors, record.journal) == ("Lumbering Lunatics", ["Mistrel, Megan"], None)


def test_latex_accents_become_unicode() -> None:
    (record,) = read("article_with_special_characters.bib")
    assert record.authors == ["Césarü, Jean"]  # C{\'e}sar{\"u}
    biber = by_key(read("biber-examples.bib"))
    assert biber["angenendt"].journal == "Revue d'Histoire Ecclésiastique"
    assert biber["set:herrmann"].authors[1] == "Öfele, Karl"  # {\"O}fele
    records, _ = read_text(
        r"@article{k, title = {Sch\"on und \"{o}de -- na{\"\i}ve {\AA}ngstr{\"o}m \& Co.}, "
        r"journal = {J.~Chem. Phys.}}"
    )
    assert records[0].title == "Schön und öde – naïve Ångström & Co."
    assert records[0].normalised().journal == "J. Chem. Phys."


def test_formatting_macros_keep_their_text_and_math_stays() -> None:
    records, _ = read_text(r"@misc{k, title = {\texttt{set} and \emph{Homo sapiens} in $d>1$ \TeX}}")
    assert records[0].title == "set and Homo sapiens in $d>1$ TeX"


def test_doi_and_url_are_kept_literal() -> None:
    records, _ = read_text("@article{k, doi = {10.1000/a--b~c}, url = {https://example.org/x--y~z?q=1\\_2}}")
    assert (records[0].doi, records[0].url) == ("10.1000/a--b~c", "https://example.org/x--y~z?q=1_2")
    sici = by_key(read("biber-examples.bib"))["sigfridsson"]
    assert sici.doi == "10.1002/(SICI)1096-987X(199803)19:4<377::AID-JCC1>3.0.CO;2-P"


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        pytest.param(
            "{World Health Organization} and Smith, Jane",
            ["World Health Organization", "Smith, Jane"],
            id="a braced corporate author is one author",
        ),
        pytest.param("{Simon and Schuster}", ["Simon and Schuster"], id="and inside braces does not split"),
        pytest.param("Jean Cesar", ["Cesar, Jean"], id="first last becomes last, first"),
        pytest.param(
            "Ludwig van Beethoven", ["van Beethoven, Ludwig"], id="a von particle stays with the surname"
        ),
        pytest.param("Pimentel, Jr., Joseph J.", ["Pimentel, Joseph J., Jr."], id="a junior part goes last"),
        pytest.param(
            "Bird, R.B. AND Hassager, O.", ["Bird, R.B.", "Hassager, O."], id="capital AND separates"
        ),
        pytest.param("Aristotle and others", ["Aristotle"], id="and others is dropped"),
        pytest.param(
            r"Anders {\AA}ngstr{\"o}m and Jean de La Fontaine",
            ["Ångström, Anders", "de La Fontaine, Jean"],
            id="a letter command is upper case and a von part starts the surname",
        ),
        pytest.param(
            r"M{\"u}ller, K. and {\"O}zt{\"u}rk, A.", ["Müller, K.", "Öztürk, A."], id="accented names"
        ),
    ],
)
def test_author_names(author: str, expected: list[str]) -> None:
    records, _ = read_text(f"@article{{k, author = {{{author}}}}}")
    assert records[0].authors == expected


def test_capital_and_separates_authors_in_the_fixture() -> None:
    assert read("book_capital_AND.bib")[0].authors == ["Bird, R.B.", "Armstrong, R.C.", "Hassager, O."]


def test_keywords_split_on_comma_and_semicolon() -> None:
    records, _ = read_text("@article{k, keywords = {feedback, routine outcome monitoring; ROM}}")
    assert records[0].keywords == ["feedback", "routine outcome monitoring", "ROM"]


def test_biblatex_fields_date_journaltitle_and_pubmed_eprint() -> None:
    records, _ = read_text(
        "@article{k, date = {2015-01}, journaltitle = {Psychotherapy Research}, "
        "eprint = {24028262}, eprinttype = {pubmed}, langid = {english}}"
    )
    record = records[0]
    assert (record.year, record.journal, record.pmid, record.language) == (
        2015,
        "Psychotherapy Research",
        "24028262",
        "english",
    )


def test_a_bom_and_leading_whitespace_do_not_change_the_entry() -> None:
    (record,) = read("article_start_with_bom.bib")  # BOM, a blank line, then the entry
    assert (record.source_key, record.source_line, record.title) == ("Cesar2013", 2, "An amazing title")
    assert read("book_bom.bib")[0].source_line == 1  # BOM directly before `@BOOK`


def test_raw_is_the_entry_as_written() -> None:
    (record,) = read("article_with_strings.bib")
    text = (BIB / "article_with_strings.bib").read_text(encoding="utf-8")
    assert record.raw.startswith("@ARTICLE{Cesar2013,") and record.raw.endswith("}")
    assert record.raw in text


def test_comments_preambles_and_empty_files_give_no_records() -> None:
    assert READER.read(source("comments_only.bib")).records == []
    assert READER.read(source("multiline_comments.bib")).records == []
    result = READER.read(source("empty.bib"))
    assert (result.records, result.problems) == ([], [])


def test_an_unknown_entry_type_and_a_missing_final_comma_are_read() -> None:
    assert [r.publication_type for r in read("wrong.bib")] == ["wrong", "article"]
    assert len(read("article_missing_coma.bib")) == 4  # no comma after the last field is valid


MALFORMED = """@article{good1, title = {Fine}}

@article{nocomma,
  title = {One}
  author = {Two},
}

@article{unclosed,
  title = {Open brace,
  year = 2020
}

@article{good2, title = {Two}}
@article{noequals,
  title {X},
}
@article{good3, title = {Three}}
"""


def test_malformed_entries_become_problems_and_the_rest_is_read() -> None:
    records, problems = read_text(MALFORMED)
    assert [r.source_key for r in records] == ["good1", "good2", "good3"]
    assert [p.line for p in problems] == [3, 8, 14]
    assert "comma" in problems[0].reason and "'nocomma'" in problems[0].reason
    assert "not closed" in problems[1].reason
    assert "'='" in problems[2].reason


def test_a_repeated_field_keeps_its_first_value_as_bibtex_does() -> None:
    records, problems = read_text("@article{k, title = {First}, title = {Second}}")
    assert (records[0].title, problems) == ("First", [])


def test_a_broken_string_definition_is_a_problem() -> None:
    records, problems = read_text("@string{j = {A} {B}}\n@article{k, journal = j}")
    assert [p.line for p in problems] == [1]
    assert records[0].journal == "j"  # undefined macro: its name, as bibtexparser keeps it


def test_same_reference_as_bibtex_and_csl_json_agree() -> None:
    bib = READER.read(SourceFile("b.bib", (SAME_REFS / "bibliography.bib").read_bytes())).records[0]
    csl = CSL_READER.read(SourceFile("b.json", (SAME_REFS / "bibliography.json").read_bytes())).records[0]
    fields = ("title", "authors", "year", "journal", "doi")
    assert [getattr(bib.normalised(), f) for f in fields] == [getattr(csl.normalised(), f) for f in fields]
    assert bib.normalised().doi == "10.7554/elife.32822"


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("biber-examples.bib", id="biber examples"),
        pytest.param("article_start_with_bom.bib", id="a file starting with a BOM"),
        pytest.param("comments_percentage.bib", id="a file starting with percent comments"),
        pytest.param("article_start_with_whitespace.bib", id="a file starting with blank lines"),
    ],
)
def test_detects_bibtex_by_content(name: str) -> None:
    assert READER.detect(source(name))
    assert READER.detect(SourceFile("export.txt", (BIB / name).read_bytes()))
    assert detect_format(SourceFile("export.txt", (BIB / name).read_bytes())) == "bibtex"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(RIS_SNIPPET, id="RIS"),
        pytest.param(CSV_SNIPPET, id="CSV"),
        pytest.param(NBIB_SNIPPET, id="PubMed nbib"),
        pytest.param(WOS_SNIPPET, id="Web of Science"),
        pytest.param(CSL_SNIPPET, id="CSL-JSON"),
        pytest.param(ENDNOTE.read_text(encoding="utf-8"), id="EndNote XML"),
        pytest.param("", id="an empty file"),
        pytest.param("RIS note\nTY  - JOUR\nN1  - @article{x, title={y}}\nER  - \n", id="RIS quoting BibTeX"),
    ],
)
def test_does_not_claim_other_formats(text: str) -> None:
    assert not READER.detect(SourceFile("refs.bib", text.encode()))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list('@{}(),="#\\% \nabAND0123')), max_size=120))
def test_never_raises_on_a_bad_entry(body: str) -> None:
    with contextlib.suppress(BadInput):
        READER.read(SourceFile("fuzz.bib", f"@article{{k, {body}}}\n@book{{b, title={{T}}}}".encode()))

"""RIS export, readable by EndNote, Zotero, Mendeley, Rayyan and our own RIS reader.

One record: `TY` first, `ER` last, CRLF line ends (as the RIS specification asks). Tags:

| field | tag | note |
| --- | --- | --- |
| publication_type | TY | mapped to a RIS type (`JOUR` when unknown or empty) |
| title, journal | TI, T2 | |
| authors, keywords | AU, KW | one line each |
| year | PY | |
| volume, issue | VL, IS | |
| pages | SP, EP | `6-19` split in two; anything else whole in SP |
| abstract | AB | its lines as untagged continuation lines |
| doi, url, language | DO, UR, LA | |
| issn, isbn | SN | one line each |
| pmid | AN, L2 | `AN` (the accession number, as EndNote's PubMed import has it) only for records from PubMed/MEDLINE; always a PubMed link in `L2`, which readers take the PMID from |
| source_database | DB | the name of the database |
| source_key | ID | the record's id |

Every value is one line: runs of white space (newlines too) become one space, except in the
abstract. A continuation line that would look like a tag (`ER  - …`) is indented by a space, which
readers strip, so it cannot end the record early.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from review.records.model import Record, clean_text

#: Publication types as other formats and databases name them → RIS type.
RIS_TYPES: dict[str, str] = {
    "article": "JOUR",
    "journal article": "JOUR",
    "journal": "JOUR",
    "review": "JOUR",
    "letter": "JOUR",
    "editorial": "JOUR",
    "note": "JOUR",
    "erratum": "JOUR",
    "article in press": "JOUR",
    "j": "JOUR",
    "book": "BOOK",
    "b": "BOOK",
    "book chapter": "CHAP",
    "chapter": "CHAP",
    "incollection": "CHAP",
    "inbook": "CHAP",
    "book section": "CHAP",
    "conference paper": "CPAPER",
    "proceedings paper": "CPAPER",
    "inproceedings": "CPAPER",
    "conference review": "CPAPER",
    "conference": "CONF",
    "proceedings": "CONF",
    "thesis": "THES",
    "phdthesis": "THES",
    "mastersthesis": "THES",
    "dissertation": "THES",
    "report": "RPRT",
    "techreport": "RPRT",
    "unpublished": "UNPB",
    "preprint": "UNPB",
    "online": "ELEC",
    "web page": "ELEC",
    "webpage": "ELEC",
    "misc": "GEN",
    "data set": "DATA",
    "dataset": "DATA",
}
#: RIS reference types (written as they are).
RIS_TYPE_CODES: frozenset[str] = frozenset({
    "ABST", "ADVS", "AGGR", "ANCIENT", "ART", "BILL", "BLOG", "BOOK", "CASE", "CHAP", "CHART",
    "CLSWK", "COMP", "CONF", "CPAPER", "CTLG", "DATA", "DBASE", "DICT", "EBOOK", "ECHAP",
    "EDBOOK", "EJOUR", "ELEC", "ENCYC", "EQUA", "FIGURE", "GEN", "GOVDOC", "GRANT", "HEAR",
    "ICOMM", "INPR", "JFULL", "JOUR", "LEGAL", "MANSCPT", "MAP", "MGZN", "MPCT", "MULTI", "MUSIC",
    "NEWS", "PAMP", "PAT", "PCOMM", "RPRT", "SER", "SLIDE", "SOUND", "STAND", "STAT", "THES",
    "UNBILL", "UNPB", "VIDEO",
})  # fmt: skip
DEFAULT_TYPE = "JOUR"
NEWLINE = "\r\n"
_SIMPLE_RANGE = re.compile(r"([^\s-]+)-([^\s-]+)")
_LOOKS_LIKE_TAG = re.compile(r"\ufeff?[A-Z][A-Z0-9][ \t]*-")


def write_ris(records: Iterable[Record]) -> bytes:
    """Records as a UTF-8 RIS file."""
    return "".join(ris_entry(record) for record in records).encode("utf-8")


def ris_entry(record: Record) -> str:
    """One record as RIS text, ending with `ER  - ` and a blank line."""
    return NEWLINE.join(_lines(record)) + NEWLINE + NEWLINE


def ris_type(publication_type: str | None) -> str:
    """The RIS type for a publication type in any vocabulary (`JOUR` when unknown).

    >>> ris_type("Conference Paper"), ris_type("CHAP"), ris_type("article"), ris_type(None)
    ('CPAPER', 'CHAP', 'JOUR', 'JOUR')
    """
    text = clean_text(publication_type)
    if text is None:
        return DEFAULT_TYPE
    if text.upper() in RIS_TYPE_CODES:
        return text.upper()
    return RIS_TYPES.get(text.lower(), DEFAULT_TYPE)


def _lines(record: Record) -> Iterator[str]:
    yield _tag("TY", ris_type(record.publication_type))
    yield from _tagged("TI", record.title)
    for author in record.authors:
        yield from _tagged("AU", author)
    if record.year is not None:
        yield _tag("PY", str(record.year))
    yield from _tagged("T2", record.journal)
    yield from _tagged("VL", record.volume)
    yield from _tagged("IS", record.issue)
    yield from _pages(record.pages)
    yield from _abstract(record.abstract)
    yield from _tagged("DO", record.doi)
    yield from _tagged("SN", record.issn)
    yield from _tagged("SN", record.isbn)
    if record.pmid and (record.source_database or "").lower() in {"pubmed", "medline"}:
        yield from _tagged("AN", record.pmid)
    if record.pmid:
        yield _tag("L2", f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/")
    yield from _tagged("UR", record.url)
    for keyword in record.keywords:
        yield from _tagged("KW", keyword)
    yield from _tagged("LA", record.language)
    yield from _tagged("DB", record.source_database)
    yield from _tagged("ID", record.source_key)
    yield _tag("ER", "")


def _tag(tag: str, value: str) -> str:
    return f"{tag}  - {value}"


def _tagged(tag: str, value: str | None) -> Iterator[str]:
    """The tag line for a value on one line; nothing for an empty value."""
    text = clean_text(value)
    if text is not None:
        yield _tag(tag, text)


def _pages(pages: str | None) -> Iterator[str]:
    """`6-19` as SP 6 and EP 19; a single page, `-1` or anything else whole in SP."""
    text = clean_text(pages)
    if text is None:
        return
    match = _SIMPLE_RANGE.fullmatch(text)
    if match:
        yield _tag("SP", match.group(1))
        yield _tag("EP", match.group(2))
    else:
        yield _tag("SP", text)


def _abstract(abstract: str | None) -> Iterator[str]:
    """The abstract's first line after `AB`, the others as continuation lines (no blank lines:
    a blank line ends a value in RIS)."""
    text = clean_text(abstract, keep_newlines=True)
    if text is None:
        return
    first, *rest = text.split("\n")
    yield _tag("AB", first)
    for line in rest:
        yield f" {line}" if _LOOKS_LIKE_TAG.match(line) else line

"""EndNote XML reader: the `<xml><records><record>…` file that EndNote's File ▸ Export ▸ XML
writes (and Zotero, Mendeley and JabRef also produce).

Values sit inside `<style>` elements; all inner text is taken. EndNote keeps ISSN and ISBN in one
`<isbn>` field (told apart by shape here), the DOI in `<electronic-resource-num>`, and a PubMed
id in `<accession-num>` when the record came from PubMed/MEDLINE. Files that declare a DOCTYPE or
entities are refused: EndNote never writes one, and entity expansion is an attack vector.

>>> text = ('<xml><records><record><rec-number>7</rec-number><titles><title><style>ROM'
...         '</style></title></titles><isbn>1050-3307</isbn></record></records></xml>')
>>> record = READER.read(SourceFile("lib.xml", text.encode())).records[0]
>>> record.title, record.issn, record.source_key
('ROM', '1050-3307', '7')
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from review.records.model import Record, parse_year
from review.records.readers.base import BadInput, ReadResult, SourceFile, line_of

# --- mapping tables ------------------------------------------------------------------------

#: Canonical text field ← paths inside `<record>`, the first one with text wins.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("titles/title",),
    "abstract": ("abstract",),
    "journal": (
        "titles/secondary-title",
        "periodical/full-title",
        "alt-periodical/full-title",
        "periodical/abbr-1",
        "titles/alt-title",
    ),
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "pages": ("pages",),
    "doi": ("electronic-resource-num",),
    "language": ("language",),
}
YEAR_PATHS: tuple[str, ...] = ("dates/year", "dates/pub-dates/date")
AUTHOR_PATH = "contributors/authors/author"
KEYWORD_PATH = "keywords/keyword"
URL_PATHS: tuple[str, ...] = ("urls/related-urls/url", "urls/web-urls/url", "urls/pdf-urls/url")
#: Where the record says it came from: database name first, then provider.
DATABASE_PATHS: tuple[str, ...] = ("remote-database-name", "remote-database-provider")
#: A database whose accession number is a PubMed id.
PUBMED_DATABASES = re.compile(r"pubmed|medline", re.IGNORECASE)

_ISSN = re.compile(r"^\d{4}-?\d{3}[\dXx]$")
_PMID = re.compile(r"^\d{1,9}$")
_QUALIFIER = re.compile(r"\s*\([^)]*\)\s*$")  # "1050-3307 (Print)"
_MULTI_SEP = re.compile(r"[\n\r;]+")
_DASHES = re.compile(r"\s*(?:--|\u2013|\u2014)\s*")
_RECORD_TAG = re.compile(r"<record[\s>]")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_START = re.compile(r"\s*(?:<\?xml[^>]*\?>\s*)?<xml>")
_FORBIDDEN = re.compile(r"<!DOCTYPE|<!ENTITY")
_SAMPLE = 4096


@dataclass(frozen=True)
class EndnoteXmlReader:
    """EndNote XML reader (see the module docstring)."""

    name: str = "endnote-xml"
    label: str = "EndNote XML"

    def detect(self, source: SourceFile) -> bool:
        """Starts (after an optional `<?xml …?>`) with `<xml>` and has `<records>`/`<record>`."""
        sample = source.text[:_SAMPLE]
        return _START.match(sample) is not None and (
            "<records>" in sample or _RECORD_TAG.search(sample) is not None
        )

    def read(self, source: SourceFile) -> ReadResult:
        """Every `<record>` as a Record. There are no per-record problems: a file that is not
        well-formed XML is refused whole (BadInput with the parser's line)."""
        text = source.text
        root = _parse(source.name, text)
        starts = [m.start() for m in _RECORD_TAG.finditer(text)]
        elements = root.findall("records/record") or root.findall(".//record")
        located = len(starts) == len(elements)  # else a `<record` hides in a comment or CDATA
        records: list[Record] = []
        for position, element in enumerate(elements, start=1):
            start = starts[position - 1] if located else None
            raw = _raw(text, start) if start is not None else ET.tostring(element, "unicode")
            line = line_of(text, start) if start is not None else None
            records.append(_record(element, position, line, raw))
        databases = {r.source_database for r in records}
        common = databases.pop() if len(databases) == 1 else None
        return ReadResult(self.name, records, source_database=common)


READER = EndnoteXmlReader()


# --- parsing -------------------------------------------------------------------------------


def _parse(file_name: str, text: str) -> ET.Element:
    """The root element; BadInput for DOCTYPE/ENTITY declarations and malformed XML."""
    forbidden = _FORBIDDEN.search(text)
    if forbidden:
        raise BadInput(
            file_name,
            line_of(text, forbidden.start()),
            "the XML declares a DOCTYPE or entities, which EndNote exports never do; refused for safety",
        )
    # The declaration may name an encoding the decoded text no longer has: blank it out,
    # keeping its length so that the parser's line numbers stay those of the file.
    body = _XML_DECL.sub(lambda match: " " * len(match.group()), text, count=1)
    try:
        return ET.fromstring(body)  # noqa: S314 -- DOCTYPE/ENTITY refused above, so no expansion
    except ET.ParseError as error:
        line = error.position[0] if error.position else None
        raise BadInput(file_name, line, f"not well-formed XML ({error})") from error


def _raw(text: str, start: int) -> str:
    """The `<record>…</record>` text starting at `start`."""
    end = text.find("</record>", start)
    return text[start : end + len("</record>")] if end >= 0 else text[start:]


# --- values --------------------------------------------------------------------------------


def _inner(element: ET.Element | None) -> str | None:
    """All text inside an element (through its `<style>` wrappers), or None if empty."""
    if element is None:
        return None
    text = "".join(element.itertext())
    return text if text.strip() else None


def _first(record: ET.Element, paths: tuple[str, ...]) -> str | None:
    for path in paths:
        for element in record.iterfind(path):
            text = _inner(element)
            if text is not None:
                return text
    return None


def _all(record: ET.Element, path: str) -> list[str]:
    return [t for t in (_inner(e) for e in record.iterfind(path)) if t is not None]


def _author(text: str) -> str:
    """EndNote marks a corporate author with a trailing comma ("World Health Organization,")."""
    return text.strip().rstrip(",").strip()


def _keywords(record: ET.Element) -> list[str]:
    """Keywords; one `<keyword>` may hold several, one per line."""
    words: list[str] = []
    for text in _all(record, KEYWORD_PATH):
        words.extend(w.strip() for w in _MULTI_SEP.split(text) if w.strip())
    return words


def _isbn_issn(record: ET.Element) -> tuple[str | None, str | None]:
    """EndNote's `<isbn>` values split into (ISBN, ISSN) by shape: `1234-567X` is an ISSN."""
    isbns: list[str] = []
    issns: list[str] = []
    for text in _all(record, "isbn"):
        for value in _MULTI_SEP.split(text):
            value = _QUALIFIER.sub("", value.strip())
            if value:
                (issns if _ISSN.match(value) else isbns).append(value)
    return _joined(isbns), _joined(issns)


def _joined(values: list[str]) -> str | None:
    return "; ".join(dict.fromkeys(values)) or None


def _pmid(record: ET.Element, database: str | None) -> str | None:
    """The accession number, when the record came from PubMed/MEDLINE and it looks like one."""
    accession = _first(record, ("accession-num",))
    if accession and database and PUBMED_DATABASES.search(database):
        accession = accession.strip()
        return accession if _PMID.match(accession) else None
    return None


def _record(element: ET.Element, position: int, line: int | None, raw: str) -> Record:
    """The canonical Record for one `<record>`."""
    values = {name: _first(element, paths) for name, paths in TEXT_FIELDS.items()}
    pages = values["pages"]
    values["pages"] = _DASHES.sub("-", pages) if pages else pages
    names = [_first(element, (path,)) for path in DATABASE_PATHS]
    database = next((n.strip() for n in names if n and n.strip()), None)
    ref_type = element.find("ref-type")
    isbn, issn = _isbn_issn(element)
    record = Record(
        authors=[a for a in (_author(t) for t in _all(element, AUTHOR_PATH)) if a],
        year=parse_year(_first(element, YEAR_PATHS)),
        pmid=_pmid(element, " ".join(n for n in names if n)),
        isbn=isbn,
        issn=issn,
        url=_first(element, URL_PATHS),
        keywords=_keywords(element),
        publication_type=ref_type.get("name") if ref_type is not None else None,
        source_key=(_first(element, ("rec-number",)) or str(position)).strip(),
        source_line=line,
        source_database=database,
        raw=raw,
    )
    for name, value in values.items():
        setattr(record, name, value)
    return record

"""CSV/TSV and XLSX tables: Scopus, Web of Science, Embase, Zotero and ASReview exports, and ours.

A table has a header row; each later non-empty row is one record. Which column holds which field
is guessed from the header with `COLUMN_SYNONYMS` (data, not code: add a synonym there) and can be
overridden with a `column_map` (field → header) that the app lets the user edit.

Besides the canonical fields a column can map to `end_page` (joined to the start page in `pages`
as `6-19`), `source_key` (the row's id) and `source_database`.

Cells that our own writers neutralised against formula injection (`'=…`, `'-1`) are restored, so
our exports read back unchanged (see `review.records.writers.safe_cells`).

Rows: blank rows are skipped; a row with more non-empty cells than the header has columns is a
Problem and is left out; so is a row whose year cell holds digits but no year (`10 15`), while
words alone (`in press`) leave the year empty. Authors and keywords are split on `;` (else on line breaks); a Python list literal
(ASReview) is read as a list; Scopus's old `Lambert M.J., Shimokawa K.` authors are split at
`., `; Embase's comma-separated Emtree keywords at commas outside parentheses.

>>> record = read_table(SourceFile("s.csv", b'Title,Authors,Year\\n"ROM",'
...                     b'"Lambert M.J., Shimokawa K.",2019\\n'), "csv", None).records[0]
>>> record.title, record.authors, record.year, record.source_key, record.source_line
('ROM', ['Lambert M.J.', 'Shimokawa K.'], 2019, '1', 2)
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from urllib.parse import unquote

from review.records.model import CANONICAL_FIELDS, Record, checked_year, clean_text, parse_year
from review.records.readers.base import BadInput, Problem, ReadResult, SourceFile
from review.records.writers.safe_cells import restore

# Scopus and Embase put long author lists and abstracts in one cell; the default limit is 128 KB.
csv.field_size_limit(2**31 - 1)

ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = ",;\t|"
#: Fields a column can be mapped to.
MAPPABLE_FIELDS: tuple[str, ...] = (*CANONICAL_FIELDS, "end_page", "source_key", "source_database")

#: Header synonyms per field, best first. Compared after `fold_header` (case, spaces, `_`, `.`).
#: A column serves one field only; fields are served in this order, so `Source title` goes to
#: `journal` before `Source` can; where `Source title` is missing (Embase) `Source` is the journal
#: citation, where it is present (Scopus) `Source` names the database.
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "source_key": (
        "source_key", "record_id", "UT (Unique WOS ID)", "UT", "EID", "Embase Accession ID",
        "Accession Number", "AN", "PUI", "Key", "id",
    ),
    "title": ("title", "primary_title", "Article Title", "Document Title", "TI", "T1"),
    "abstract": ("abstract", "Abstract Note", "AB", "N2"),
    "authors": (
        "authors", "Author Names", "Author", "AU", "first_authors", "Author full names", "AF", "A1",
    ),
    "year": ("year", "Publication Year", "publication_year", "PY", "Year Published", "Y1"),
    "journal": (
        "journal", "Source title", "secondary_title", "Publication Title", "Journal Title",
        "Journal/Book", "journal_name", "SO", "T2", "JO", "JF", "Source",
    ),
    "volume": ("volume", "VL"),
    "issue": ("issue", "number", "IS"),
    "pages": ("pages", "Page start", "Start Page", "start_page", "First Page", "page", "BP", "SP"),
    "end_page": ("end_page", "Page end", "End Page", "Last Page", "EP"),
    "doi": ("doi", "DI", "DO", "DOI Link"),
    "pmid": ("pmid", "PubMed ID", "Pubmed Id", "Medline PMID", "pubmed_id", "PM"),
    "isbn": ("isbn", "BN"),
    "issn": ("issn", "SN", "eISSN"),
    "url": ("url", "Link", "UR", "Open URL Link"),
    "keywords": (
        "keywords", "Author Keywords", "keyword", "Manual Tags", "DE", "KW", "Index Keywords",
        "Keywords Plus",
    ),
    "language": ("language", "Language of Original Document", "LA"),
    "publication_type": (
        "Document Type", "publication_type", "type_of_reference", "Item Type", "DT", "type",
        "TY", "PT",
    ),
    "source_database": ("source_database", "database", "Source Database", "DB", "Source"),
}  # fmt: skip

_FOLD = re.compile(r"[\s_.]+")
_LOOKS_OLD_SCOPUS_NAME = re.compile(r"[^,;]+\.")
_OLD_SCOPUS_SPLIT = re.compile(r"(?<=\.),\s+")
_SCOPUS_AUTHOR_ID = re.compile(r"\s*\(\d{5,}\)$")
#: A DOI inside a link: Embase's OpenURL `id=doi:10.4103%2F…`, Scopus's `&doi=10.1037%2f…`.
_DOI_IN_URL = re.compile(r"(?:doi[:=]|doi\.org/)(10\.\d{4,9}(?:/|%2f)[^&#\s]+)", re.IGNORECASE)
_NO_AUTHOR = {"[no author name available]", "anonymous", "[anonymous]"}
#: Values of a journal column that name a database instead (a generic `source` column).
KNOWN_DATABASES: dict[str, str] = {
    "scopus": "Scopus", "embase": "Embase", "pubmed": "PubMed", "medline": "MEDLINE",
    "web of science": "Web of Science", "psycinfo": "PsycINFO", "cinahl": "CINAHL",
}  # fmt: skip
#: Embase's `Source`: `Cancer (2004) 102:4 (253-258). Date of Publication: 25 Aug 2004`.
_EMBASE_CITATION = re.compile(
    r"(?P<journal>.+?) \((?P<year>\d{4})\)"
    r"(?: (?P<volume>[^\s:(]+)(?::(?P<issue>[^\s(]+))?)?"
    r"(?: \((?P<pages>[^)]*)\))?\.?(?:\s*Date of Publication:.*)?"
)


def fold_header(header: str) -> str:
    """How headers are compared: lower case, BOM dropped, runs of space, `_` and `.` as one space.

    >>> fold_header(" Publication_Year "), fold_header("Art. No.")
    ('publication year', 'art no')
    """
    return _FOLD.sub(" ", header.replace("\ufeff", "").lower()).strip()


_SYNONYM_FOLDS: dict[str, tuple[str, ...]] = {
    name: tuple(fold_header(s) for s in synonyms) for name, synonyms in COLUMN_SYNONYMS.items()
}


def guess_columns(headers: Sequence[str]) -> dict[str, str]:
    """Field → header, guessed from the header row (each header used for one field at most).

    >>> guess_columns(["Authors", "Title", "Year", "Source title", "Source", "EID"])["journal"]
    'Source title'
    """
    return {name: headers[index] for name, index in _guess_indices(headers).items()}


def _guess_indices(headers: Sequence[str]) -> dict[str, int]:
    first_index: dict[str, int] = {}
    for index, header in enumerate(headers):
        first_index.setdefault(fold_header(header), index)
    taken: set[int] = set()
    columns: dict[str, int] = {}
    for name, synonyms in _SYNONYM_FOLDS.items():
        for synonym in synonyms:
            found = first_index.get(synonym)
            if found is not None and found not in taken:
                columns[name] = found
                taken.add(found)
                break
    return columns


def table_headers(source: SourceFile) -> list[str]:
    """The header row of a CSV/TSV or XLSX file, for the app's column mapping form."""
    if source.data.startswith(ZIP_MAGIC):
        return _XlsxTable.open(source).headers
    return _CsvTable.open(source).headers


def table_cells(source: SourceFile) -> tuple[list[str], int, Iterator[tuple[int, list[str]]]]:
    """The header row, the line it is on, and (line, cells) of each non-empty data row of a
    CSV/TSV or XLSX file, for columns that are no record field (`review simulate`'s labels)."""
    table: _Table = _XlsxTable.open(source) if source.data.startswith(ZIP_MAGIC) else _CsvTable.open(source)
    return table.headers, table.header_line, ((line, cells) for line, cells, _raw in table.rows())


def read_table(source: SourceFile, name: str, column_map: Mapping[str, str] | None) -> ReadResult:
    """Read a table as format `name` ("csv" or "xlsx"); `column_map` (field → header) overrides
    the guessed columns, and an empty header in it leaves that field unmapped."""
    table: _Table = _XlsxTable.open(source) if name == "xlsx" else _CsvTable.open(source)
    layout = _layout(source.name, table, column_map)
    result = ReadResult(format=name)
    for row_number, (line, cells, raw) in enumerate(table.rows(), start=1):
        extra = [cell for cell in cells[len(table.headers) :] if cell.strip()]
        if extra:
            reason = f"row has {len(table.headers) + len(extra)} cells, the header has {len(table.headers)}"
            result.problems.append(Problem(line, reason))
            continue
        record, reasons = _record(cells, layout, row_number, line, raw)
        if reasons:  # a bad row is left out, like a bad entry of any other format
            result.problems.extend(Problem(line, reason) for reason in reasons)
            continue
        result.records.append(record)
    databases = {record.source_database for record in result.records}
    result.source_database = databases.pop() if len(databases) == 1 else None
    return result


@dataclass(frozen=True)
class TableReader:
    """A `Reader` for one table format; `read` uses the guessed columns."""

    name: str
    label: str

    def detect(self, source: SourceFile) -> bool:
        if self.name == "xlsx":
            return _is_xlsx(source.data)
        return _looks_like_csv(source)

    def read(self, source: SourceFile) -> ReadResult:
        return read_table(source, self.name, None)


XLSX_READER = TableReader("xlsx", "Excel (XLSX)")
CSV_READER = TableReader("csv", "CSV/TSV table")


# --- detection ---------------------------------------------------------------------------------


def _is_xlsx(data: bytes) -> bool:
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _looks_like_csv(source: SourceFile) -> bool:
    if source.data.startswith(ZIP_MAGIC):
        return False
    first = _first_line(source.text)
    if first is None or first.startswith("PT\tAU\t"):  # a WoS tab-delimited export: the wos reader's
        return False
    headers = _split_line(first, sniff_delimiter(first))
    return len(headers) >= 2 and any(name in CANONICAL_FIELDS for name in _guess_indices(headers))


def _first_line(text: str) -> str | None:
    """The first line with something on it (without reading past it)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if text[start:end].strip():
            return text[start:end]
        start = end + 1
    return None


def sniff_delimiter(header_line: str) -> str:
    """The delimiter among `, ; tab |` of a header line: `csv.Sniffer`'s choice unless another
    one splits the line into more columns.

    >>> sniff_delimiter("title;abstract;doi"), sniff_delimiter('"a, b"\\tc\\td')
    (';', '\\t')
    """
    counts = {delimiter: len(_split_line(header_line, delimiter)) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    try:
        sniffed = csv.Sniffer().sniff(header_line, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return best
    return sniffed if counts.get(sniffed, 0) >= counts[best] else best


def _split_line(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


# --- the two table kinds -----------------------------------------------------------------------

#: (line where the row starts, cell texts, the row's original text)
_Row = tuple[int, list[str], str]


class _Table:
    """A header row and the data rows after it."""

    headers: list[str]
    header_line: int

    def rows(self) -> Iterator[_Row]:
        raise NotImplementedError


class _LineTap:
    """Feeds lines to `csv.reader` and keeps them, so a row's original text can be recovered."""

    def __init__(self, text: str) -> None:
        self._lines = io.StringIO(text, newline="")
        self.taken: list[str] = []

    def __iter__(self) -> _LineTap:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line

    def drain(self) -> str:
        text = "".join(self.taken)
        self.taken.clear()
        return text.rstrip("\n")


class _CsvTable(_Table):
    def __init__(self, text: str, delimiter: str, headers: list[str], header_line: int) -> None:
        self._text = text
        self._delimiter = delimiter
        self.headers = headers
        self.header_line = header_line

    @classmethod
    def open(cls, source: SourceFile) -> _CsvTable:
        text = source.text
        first = _first_line(text)
        if first is None:
            raise BadInput(source.name, 1, "the table is empty")
        delimiter = sniff_delimiter(first)
        for line, cells, _raw in _csv_rows(text, delimiter):
            return cls(text, delimiter, [_header(cell) for cell in cells], line)
        raise BadInput(source.name, 1, "the table has no header row")

    def rows(self) -> Iterator[_Row]:
        rows = _csv_rows(self._text, self._delimiter)
        next(rows)  # the header
        return rows


def _csv_rows(text: str, delimiter: str) -> Iterator[_Row]:
    """Non-empty rows with the line each starts on; quoted cells may span lines."""
    tap = _LineTap(text)
    reader = csv.reader(tap, delimiter=delimiter)
    consumed = 0
    for cells in reader:
        start, consumed = consumed + 1, reader.line_num
        raw = tap.drain()
        if any(cell.strip() for cell in cells):
            yield start, [restore(cell) for cell in cells], raw


class _XlsxTable(_Table):
    def __init__(self, rows: list[tuple[int, list[str]]], headers: list[str], header_line: int) -> None:
        self._rows = rows
        self.headers = headers
        self.header_line = header_line

    @classmethod
    def open(cls, source: SourceFile) -> _XlsxTable:
        if not _is_xlsx(source.data):
            raise BadInput(source.name, 1, "not an Excel workbook (XLSX)")
        rows = [(number, cells) for number, cells in _sheet_rows(source) if any(c.strip() for c in cells)]
        if not rows:
            raise BadInput(source.name, 1, "the first sheet of the workbook is empty")
        header_line, header_cells = rows[0]
        return cls(rows[1:], [_header(cell) for cell in header_cells], header_line)

    def rows(self) -> Iterator[_Row]:
        for number, cells in self._rows:
            yield number, [restore(cell) for cell in cells], self._raw(cells)

    def _raw(self, cells: list[str]) -> str:
        named: dict[str, str] = {}
        for index, cell in enumerate(cells):
            if not cell:
                continue
            header = self.headers[index] if index < len(self.headers) else ""
            key = header if header and header not in named else _column_letter(index)
            named[key] = cell
        return json.dumps(named, ensure_ascii=False)


def _sheet_rows(source: SourceFile) -> Iterator[tuple[int, list[str]]]:
    """(sheet row number, cell texts) for every row of the first sheet."""
    from openpyxl import load_workbook  # imported here: a slow import only XLSX needs

    try:
        workbook = load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise BadInput(source.name, 1, f"cannot open the workbook: {error}") from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers store wrong dimensions; read what is there
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(value) for value in values]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """A cell's value as the text a CSV would hold: `12.0` → `12`, dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _header(cell: str) -> str:
    return cell.replace("\ufeff", "").strip()


# --- from a row to a Record --------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Which cell feeds which field, and what the headers say about the source."""

    columns: dict[str, int]
    database: str | None
    embase: bool


def _layout(file_name: str, table: _Table, column_map: Mapping[str, str] | None) -> _Layout:
    columns = _guess_indices(table.headers)
    for name, header in (column_map or {}).items():
        _override(columns, name, header, table, file_name)
    if not any(name in CANONICAL_FIELDS for name in columns):
        raise BadInput(
            file_name,
            table.header_line,
            "no column maps to a record field (title, abstract, authors, …); the header is: "
            + ", ".join(table.headers),
        )
    folded = {fold_header(header) for header in table.headers}
    embase = any(header.startswith("emtree") for header in folded)
    return _Layout(columns, _database_from_headers(folded, embase), embase)


def _override(columns: dict[str, int], name: str, header: str, table: _Table, file_name: str) -> None:
    if name not in MAPPABLE_FIELDS:
        raise BadInput(
            file_name,
            table.header_line,
            f"unknown field {name!r} in the column map; fields are {', '.join(MAPPABLE_FIELDS)}",
        )
    if not header:
        columns.pop(name, None)
        return
    index = _find_header(table.headers, header)
    if index is None:
        raise BadInput(
            file_name,
            table.header_line,
            f"column {header!r} (mapped to {name}) is not in the header: {', '.join(table.headers)}",
        )
    for other, used in list(columns.items()):
        if used == index and other != name:
            del columns[other]
    columns[name] = index


def _find_header(headers: Sequence[str], wanted: str) -> int | None:
    for index, header in enumerate(headers):
        if header == wanted.strip():
            return index
    folded = fold_header(wanted)
    for index, header in enumerate(headers):
        if fold_header(header) == folded:
            return index
    return None


def _database_from_headers(folded: set[str], embase: bool) -> str | None:
    if "eid" in folded:
        return "Scopus"
    if embase:
        return "Embase"
    if "ut (unique wos id)" in folded or {"pt", "ut"} <= folded:
        return "Web of Science"
    return None


def _record(
    cells: Sequence[str], layout: _Layout, row_number: int, line: int, raw: str
) -> tuple[Record, list[str]]:
    """The Record of one row and the reasons for any Problems in it."""

    def cell(name: str) -> str | None:
        index = layout.columns.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    reasons: list[str] = []
    values: dict[str, Any] = {
        name: clean_text(cell(name))
        for name in ("title", "journal", "volume", "issue", "doi", "pmid", "isbn", "issn", "url")
    }
    values |= {
        "language": clean_text(cell("language")),
        "publication_type": clean_text(cell("publication_type")),
        "abstract": clean_text(cell("abstract"), keep_newlines=True),
        "authors": split_authors(cell("authors")),
        "keywords": split_keywords(cell("keywords"), commas=layout.embase),
        "pages": _pages(clean_text(cell("pages")), clean_text(cell("end_page"))),
        "year": parse_year(cell("year")),
    }
    year_text = clean_text(cell("year"))
    if year_text:
        values["year"], year_problem = checked_year(year_text)
        if year_problem:
            reasons.append(year_problem)
    _fill_from_citation(values)
    values["doi"] = values["doi"] or _doi_in_url(values["url"])
    named_database = KNOWN_DATABASES.get((values["journal"] or "").lower())
    if named_database:
        values["journal"] = None
    record = Record(
        **values,
        source_key=clean_text(cell("source_key")) or str(row_number),
        source_line=line,
        source_database=clean_text(cell("source_database")) or named_database or layout.database,
        raw=raw,
    )
    return record, reasons


def _pages(start: str | None, end: str | None) -> str | None:
    if start and end and end != start and "-" not in start:
        return f"{start}-{end}"
    return start or end


def _fill_from_citation(values: dict[str, Any]) -> None:
    """Embase's `Source` cell holds the whole citation: take journal, year, volume… from it."""
    match = _EMBASE_CITATION.fullmatch(values["journal"] or "")
    if not match:
        return
    values["journal"] = match["journal"]
    for name in ("volume", "issue", "pages"):
        values[name] = values[name] or match[name]
    values["year"] = values["year"] or int(match["year"])


def _doi_in_url(url: str | None) -> str | None:
    """The DOI a link carries, when the table has no DOI column (Embase's OpenURL link).

    >>> _doi_in_url("http://sfx.example/x?sid=EMBASE&id=doi:10.4103%2F2303-9027.138783&atitle=D")
    '10.4103/2303-9027.138783'
    """
    match = _DOI_IN_URL.search(url or "")
    return unquote(match.group(1)) if match else None


def split_authors(value: str | None) -> list[str]:
    """Author names from one cell: `;`- or line-separated, a Python list literal (ASReview), or
    Scopus's old `Lambert M.J., Shimokawa K.`; Scopus author ids `(57190000000)` dropped.

    >>> split_authors("Lambert M.J., Shimokawa K."), split_authors("Marx, Karl; Lindgren, A.")
    (['Lambert M.J.', 'Shimokawa K.'], ['Marx, Karl', 'Lindgren, A.'])
    """
    text = (value or "").strip()
    if not text or text.lower() in _NO_AUTHOR:
        return []
    listed = _list_literal(text)
    if listed is not None:
        parts = listed
    elif ";" in text:
        parts = text.split(";")
    elif "\n" in text:
        parts = text.split("\n")
    else:
        parts = _OLD_SCOPUS_SPLIT.split(text)
        if not all(_LOOKS_OLD_SCOPUS_NAME.fullmatch(part) for part in parts):
            parts = [text]
    names = (clean_text(_SCOPUS_AUTHOR_ID.sub("", part)) for part in parts)
    return [name for name in names if name and name.lower() not in _NO_AUTHOR]


def split_keywords(value: str | None, commas: bool = False) -> list[str]:
    """Keywords from one cell: `;`- or line-separated or a list literal; with `commas` (Embase's
    Emtree terms) split on commas outside parentheses too.

    >>> split_keywords("adult, cyst (diagnosis, surgery)", commas=True)
    ['adult', 'cyst (diagnosis, surgery)']
    """
    text = (value or "").strip()
    if not text:
        return []
    listed = _list_literal(text)
    if listed is not None:
        parts = listed
    elif ";" in text:
        parts = text.split(";")
    elif "\n" in text:
        parts = text.split("\n")
    elif commas:
        parts = _split_outside_parentheses(text)
    else:
        parts = [text]
    return [word for word in (clean_text(part) for part in parts) if word]


def _split_outside_parentheses(text: str) -> list[str]:
    parts: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _list_literal(text: str) -> list[str] | None:
    """`['Marx, Karl', 'Lindgren, Astrid']` (as ASReview and pandas write lists) as a list."""
    if not (text.startswith("[") and text.endswith("]")):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    return None

"""Reading a coding table (CSV or XLSX) into rows with their line numbers, for the long and wide imports.

CSV text is decoded like every other import (`decode`: UTF-8, else cp1252/Latin-1, as the
EviAtlas maps are), XLSX through openpyxl; cells our own exports neutralised against formula
injection are restored.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

from review.records.readers.base import BadInput, Problem, SourceFile, decode
from review.records.writers.safe_cells import restore

#: How many bad rows a `BadRows` lists before it says "and N more".
LISTED_PROBLEMS = 50


class BadRows(BadInput):
    """Every bad row of a table, not only the first: `str()` is one `FILE:LINE: reason` per line
    (the first `LISTED_PROBLEMS`), `problems` all of them. Raised before anything is written."""

    def __init__(self, file_name: str, problems: list[Problem]) -> None:
        super().__init__(file_name, problems[0].line, problems[0].reason)
        self.problems = problems
        lines = [problem.located(file_name) for problem in problems[:LISTED_PROBLEMS]]
        if len(problems) > LISTED_PROBLEMS:
            lines.append(f"{file_name}: ... and {len(problems) - LISTED_PROBLEMS} more bad rows")
        self.args = ("\n".join(lines),)


@dataclass(frozen=True)
class Table:
    headers: list[str]
    #: (line or row number of the file, cells in header order)
    rows: list[tuple[int, list[str]]]

    def dicts(self) -> list[tuple[int, dict[str, str]]]:
        return [(line, dict(zip(self.headers, cells, strict=False))) for line, cells in self.rows]


def read_coding_table(source: SourceFile) -> Table:
    """The table of a CSV/TSV or XLSX file; BadInput for an empty or unreadable one."""
    if source.data[:2] == b"PK":
        return _xlsx(source)
    text = decode(source.data)
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    line = 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if headers is None:
            headers = [cell.strip() for cell in cells]
            continue
        if not any(cell.strip() for cell in cells):
            continue
        padded = [restore(cell) for cell in cells] + [""] * (len(headers) - len(cells))
        rows.append((start, padded[: len(headers)] if len(cells) <= len(headers) else padded))
    if not headers:
        raise BadInput(source.name, 1, "the table is empty")
    return Table(headers, rows)


def _xlsx(source: SourceFile) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise BadInput(source.name, 1, f"not a readable XLSX workbook ({error})") from error
    sheet = book.worksheets[0]
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if value is None else restore(str(value)) for value in values]
        if headers is None:
            headers = [cell.strip() for cell in cells]
            while headers and not headers[-1]:
                headers.pop()
            continue
        if any(cell.strip() for cell in cells):
            rows.append((number, (cells + [""] * len(headers))[: len(headers)]))
    book.close()
    if not headers:
        raise BadInput(source.name, 1, "the table is empty")
    return Table(headers, rows)

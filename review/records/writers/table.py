"""CSV and XLSX tables: records in the column order `RECORD_COLUMNS`, or any rows (`write_table`).

Every text cell goes through `safe_cells.neutralise` so that no spreadsheet program evaluates it
as a formula; our table reader undoes that on import. CSV is UTF-8 with a BOM (so Excel picks
the right encoding) and CRLF line ends; list fields are joined with "; ".

XLSX limits: characters that XML 1.0 forbids (control characters other than tab, newline and
carriage return) are dropped, and a cell longer than Excel's 32,767 characters is cut there (a
longer cell makes Excel report the workbook as damaged). Both change the text, so such cells do
not round-trip exactly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from review.records.model import CANONICAL_FIELDS, Record, clean_text
from review.records.writers.safe_cells import neutralise

#: The columns of a records table, in order; the table reader maps each back to its field.
RECORD_COLUMNS: tuple[str, ...] = ("source_key", *CANONICAL_FIELDS, "source_database")
LIST_SEPARATOR = "; "
EXCEL_CELL_LIMIT = 32_767
_OLD_SCOPUS_LIST = re.compile(r"\.,\s")


def record_rows(records: Iterable[Record]) -> list[dict[str, object]]:
    """One row (column → value) per record, for `write_table`."""
    rows: list[dict[str, object]] = []
    for record in records:
        row: dict[str, object] = {column: getattr(record, column) for column in RECORD_COLUMNS}
        row["authors"] = list_cell(record.authors)
        row["keywords"] = list_cell(record.keywords)
        rows.append(row)
    return rows


def list_cell(items: Sequence[str]) -> str:
    """A list as one cell, "; "-joined. A single item the table reader would take for a list
    (`Liu R., Adler D.G.` in Scopus's old author style, or `['a', 'b']`) gets a trailing ";" so
    that it reads back as one item.

    >>> list_cell(["Liu R.", "Adler D.G."]), list_cell(["King M.L., Jr."]), list_cell(["[x]"])
    ('Liu R.; Adler D.G.', 'King M.L., Jr.;', '[x];')
    """
    cleaned = [text for text in (clean_text(item) for item in items) if text]
    text = LIST_SEPARATOR.join(cleaned)
    if len(cleaned) == 1 and (_OLD_SCOPUS_LIST.search(text) or text.strip().startswith("[")):
        return text + ";"
    return text


def write_csv(records: Iterable[Record]) -> bytes:
    """Records as a CSV table."""
    return write_table(record_rows(records), RECORD_COLUMNS, "csv")


def write_xlsx(records: Iterable[Record]) -> bytes:
    """Records as an Excel workbook with one sheet."""
    return write_table(record_rows(records), RECORD_COLUMNS, "xlsx")


def write_table(rows: Sequence[Mapping[str, object]], columns: Sequence[str], fmt: str) -> bytes:
    """Rows as a table with a header row of `columns`; `fmt` is "csv" or "xlsx".

    A value missing from a row is an empty cell; a list is joined with "; ".

    >>> write_table([{"a": "=1+1", "b": ["x", "y"]}], ["a", "b"], "csv")
    b"\\xef\\xbb\\xbfa,b\\r\\n'=1+1,x; y\\r\\n"
    """
    if fmt == "csv":
        return _csv_bytes(rows, columns)
    if fmt == "xlsx":
        return _xlsx_bytes(rows, columns)
    raise ValueError(f"unknown table format {fmt!r}; choose csv or xlsx")


def cell_text(value: object) -> str:
    """The text of one cell: None empty, lists joined with "; ", anything else `str`."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join(cell_text(item) for item in value)
    return str(value)


def _csv_bytes(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(column) for column in columns])
    for row in rows:
        writer.writerow([neutralise(cell_text(row.get(column))) for column in columns])
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx_bytes(rows: Sequence[Mapping[str, object]], columns: Sequence[str]) -> bytes:
    from openpyxl import Workbook  # imported here: a slow import only XLSX needs

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("records")
    sheet.append([_xlsx_cell(sheet, column) for column in columns])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, row.get(column)) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: Any, value: object) -> object:
    """Numbers stay numbers; everything else is a neutralised cell stored as a string, never as
    a formula."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = neutralise(ILLEGAL_CHARACTERS_RE.sub("", cell_text(value)))[:EXCEL_CELL_LIMIT]
    if not text:
        return None
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell

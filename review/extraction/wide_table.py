"""Coding tables in WIDE form: one row per study, a column per code, as systematic maps are published
(EviAtlas pilot databases, for example).

Import: every column becomes a field of the characteristics form (key = the header; type guessed:
a flag column, whose cells are blank or its own name, is a single choice; Year a year and Country
or Nation a country when every cell fits; else text), every non-empty cell a consensus value, kept exactly as written.
Studies are matched to the project's records by DOI or title; a study without one becomes a new
record (source "coding table", its row as the raw entry), and every study of the table is charted
as "imported coding". All in one transaction.

Export: the same columns in the same order, one row per study in record order, cells as stored:
importing a table and exporting it gives the same cells back.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from review.extraction.findings import chartable_ids, include_as_imported_coding
from review.extraction.forms import FieldSpec, current_values, ensure_form, fits_field
from review.extraction.model import fold
from review.extraction.tables import Table, read_coding_table
from review.records.readers.base import BadInput, SourceFile
from review.records.writers import write_table
from review.store.engine import session_scope
from review.store.extraction_schema import CharacteristicFieldRow, CharacteristicValueRow
from review.store.schema import RecordRow, Source
from review.store.transactions import lock_project, write_session

#: Folded header → record field filled from it.
RECORD_COLUMNS: dict[str, str] = {
    "title": "title", "year": "year", "authors": "authors", "author": "authors", "journal": "journal",
    "journal/book/ publisher": "journal", "volume": "volume", "pages": "pages", "doi": "doi",
    "language": "language",
}
COUNTRY_HEADERS = frozenset({"country", "nation"})


@dataclass(frozen=True)
class WideImport:
    file_name: str
    studies: int
    records_created: int
    fields: int
    #: Columns renamed or left out (`tidy_columns`).
    column_changes: list[str] = field(default_factory=list)

    def message(self) -> str:
        text = (f"imported {self.studies} studies ({self.records_created} new records) with {self.fields} "
                f"columns from {self.file_name}")
        return text + (f" ({'; '.join(self.column_changes)})" if self.column_changes else "")


def guess_field(header: str, cells: list[str]) -> FieldSpec:
    folded = fold(header)
    present = {cell for cell in cells if cell.strip()}
    record_field = RECORD_COLUMNS.get(folded, "")
    if present and present == {header}:
        return FieldSpec(header, header, "single", (header,), record_field)
    # A year or country column whose cells do not all fit that type is text, so that every value
    # stored fits its field (the long characteristics table re-checks them on import).
    for field_type, fits in (("year", folded == "year"), ("country", folded in COUNTRY_HEADERS)):
        candidate = FieldSpec(header, header, field_type, (), record_field)
        if fits and all(fits_field(candidate, cell) for cell in present):
            return candidate
    return FieldSpec(header, header, "text", (), record_field)


def tidy_columns(table: Table, file_name: str) -> tuple[Table, list[str]]:
    """The table with every column named once, and what was changed (real tables have them):
    a column without a header and without a value is dropped; one without a header but with values
    is called `column N`; a repeated header gets ` (2)`, ` (3)`. A row with more cells than
    headers is bad input unless the extra cells are empty (a trailing delimiter)."""
    width = len(table.headers)
    rows: list[tuple[int, list[str]]] = []
    for line, cells in table.rows:
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            raise BadInput(file_name, line, f"{len(cells)} cells but {width} columns")
        rows.append((line, cells[:width] + [""] * (width - len(cells))))
    keep: list[int] = []
    headers: list[str] = []
    changes: list[str] = []
    seen: set[str] = set()
    for index, header in enumerate(table.headers):
        name = " ".join(header.split())
        if not name:
            if not any(cells[index].strip() for _, cells in rows):
                changes.append(f"column {index + 1} (no header, no values) left out")
                continue
            name = f"column {index + 1}"
            changes.append(f"column {index + 1} has no header: called {name!r}")
        if len(name) > 300:
            raise BadInput(file_name, 1, f"column {index + 1}: a header has at most 300 characters")
        if name in seen:
            number = 2
            while f"{name} ({number})" in seen:
                number += 1
            changes.append(f"{name!r} repeated: column {index + 1} called {name} ({number})")
            name = f"{name} ({number})"
        seen.add(name)
        keep.append(index)
        headers.append(name)
    if not keep:
        raise BadInput(file_name, 1, "the table has no column with a header or a value")
    return Table(headers, [(line, [cells[i] for i in keep]) for line, cells in rows]), changes


def import_coding_table(engine: Engine, project_id: int, source: SourceFile, imported_by: str = "") -> WideImport:
    table, changes = tidy_columns(read_coding_table(source), source.name)
    specs = [guess_field(h, [cells[i] for _, cells in table.rows]) for i, h in enumerate(table.headers)]
    name = source.name.replace("\\", "/").rsplit("/", 1)[-1]
    with write_session(engine) as session:
        lock_project(session, project_id)
        ensure_form(session, project_id, tuple(specs))
        field_ids = dict(session.execute(select(CharacteristicFieldRow.key, CharacteristicFieldRow.id)
                                         .where(CharacteristicFieldRow.project_id == project_id)).all())
        by_title: dict[str, int] = {}
        by_doi: dict[str, int] = {}
        for record_id, title, doi in session.execute(select(RecordRow.id, RecordRow.title, RecordRow.doi).where(
                RecordRow.project_id == project_id, RecordRow.duplicate_of.is_(None))):
            if title:
                by_title.setdefault(fold(title), record_id)
            if doi:
                by_doi.setdefault(doi.casefold(), record_id)
        source_row = Source(project_id=project_id, file_name=name, format="coding-table",
                            source_database="coding table", sha256=hashlib.sha256(source.data).hexdigest(),
                            size_bytes=len(source.data), imported_by=imported_by, record_count=0)
        session.add(source_row)
        session.flush()
        study_ids: list[int] = []
        created = 0
        values: list[dict[str, object]] = []
        for number, (line, cells) in enumerate(table.rows, start=1):
            row = dict(zip(table.headers, cells, strict=False))
            fields = {spec.record_field: row[spec.key] for spec in specs if spec.record_field and row[spec.key].strip()}
            found = by_doi.get(fields.get("doi", "").casefold()) or by_title.get(fold(fields.get("title", "")))
            if found is None or found in study_ids:
                found = _new_record(session, project_id, source_row.id, number, line, fields, cells)
                created += 1
            study_ids.append(found)
            values.extend(
                {"project_id": project_id, "record_id": found, "field_id": field_ids[header], "coder_id": None,
                 "version": "consensus", "text": cell, "values": [cell], "origin": f"coding table:{name}"}
                for header, cell in row.items() if cell != ""
            )
        source_row.record_count = created
        for start in range(0, len(values), 2000):
            session.execute(insert(CharacteristicValueRow), values[start : start + 2000])
        include_as_imported_coding(session, project_id, study_ids, imported_by, f"coding table {name}")
    return WideImport(source.name, len(study_ids), created, len(specs), changes)


def _new_record(session: Session, project_id: int, source_id: int, number: int, line: int,
                fields: dict[str, str], cells: list[str]) -> int:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    year = fields.get("year", "")
    row = RecordRow(
        project_id=project_id, source_id=source_id, source_key=str(number), source_line=line,
        source_database="coding table", title=fields.get("title"), year=int(year) if year.isdigit() else None,
        authors=[a.strip() for a in fields.get("authors", "").split(",") if a.strip()] if fields.get("authors") else [],
        journal=fields.get("journal"), volume=fields.get("volume"), pages=fields.get("pages"),
        doi=fields.get("doi", "").casefold() or None, language=fields.get("language"), keywords=[], raw=out.getvalue(),
    )
    session.add(row)
    session.flush()
    return row.id


def coding_table_rows(engine: Engine, project_id: int) -> tuple[list[str], list[dict[str, object]]]:
    """(columns, one row per charted study with values) of the project's characteristics."""
    with session_scope(engine) as session:
        fields = list(session.scalars(select(CharacteristicFieldRow).where(
            CharacteristicFieldRow.project_id == project_id, CharacteristicFieldRow.retired.is_(False))
            .order_by(CharacteristicFieldRow.position, CharacteristicFieldRow.id)))
        keys = {f.id: f.key for f in fields}
        chartable = chartable_ids(session, project_id)
        studies: dict[int, dict[str, object]] = {}
        for value in current_values(session, project_id):
            if value.version == "consensus" and value.record_id in chartable and value.field_id in keys:
                studies.setdefault(value.record_id, {})[keys[value.field_id]] = value.text
        return [f.key for f in fields], [studies[record_id] for record_id in sorted(studies)]


def export_coding_table(engine: Engine, project_id: int, fmt: str) -> bytes:
    columns, rows = coding_table_rows(engine, project_id)
    return write_table(rows, columns, fmt)

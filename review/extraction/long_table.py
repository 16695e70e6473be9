"""Findings as a LONG table: one row per finding (DESIGN.md: `findings import` and `export --what findings`).

Import columns: source_key, type, level, theme [, finding, quote, page, coded_by, illustrative];
several levels or themes in one cell are separated by ";". A study is found by its record's
source key (a DOI or a record id `#12` also work). Every row is checked; any bad row means
nothing is written, and `tables.BadRows` (a BadInput) lists each bad row with its line and reason.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from review.extraction.codebook import _insert_code, codebook_in, ensure_defaults
from review.extraction.findings import (
    FindingView,
    chartable_ids,
    include_as_imported_coding,
    write_finding,
)
from review.extraction.model import CodebookError, FindingSpec, split_cell
from review.extraction.tables import BadRows, read_coding_table
from review.records.readers.base import BadInput, Problem, SourceFile
from review.store.schema import RecordRow
from review.store.transactions import lock_project, write_session

#: `export --what findings` columns, exactly as DESIGN.md has them.
FINDING_COLUMNS: tuple[str, ...] = ("source_key", "type", "level", "theme", "finding", "quote", "page", "coded_by")
REQUIRED = ("source_key", "type", "level", "theme")
TRUE_WORDS = frozenset({"1", "true", "yes", "y", "illustrative"})


@dataclass(frozen=True)
class FindingsImport:
    file_name: str
    findings: int
    studies: int
    themes_added: list[str]
    studies_included: int

    def message(self) -> str:
        text = f"imported {self.findings} findings of {self.studies} studies from {self.file_name}"
        if self.themes_added:
            text += f" (new themes: {', '.join(self.themes_added)})"
        if self.studies_included:
            text += f"; {self.studies_included} studies charted as imported coding"
        return text


def finding_rows(findings: list[FindingView]) -> list[dict[str, object]]:
    """One row per finding in `FINDING_COLUMNS` (levels and themes "; "-joined)."""
    return [
        {
            "source_key": f.source_key,
            "type": f.type,
            "level": "; ".join(f.levels),
            "theme": "; ".join(f.themes),
            "finding": f.description,
            "quote": f.quote,
            "page": f.page,
            "coded_by": f.coded_by,
        }
        for f in findings
    ]


def record_keys(session: Session, project_id: int) -> dict[str, list[int]]:
    """source key / DOI / `#id` → record ids (primaries of duplicate clusters only)."""
    keys: dict[str, list[int]] = {}
    rows = session.execute(select(RecordRow.id, RecordRow.source_key, RecordRow.doi)
                           .where(RecordRow.project_id == project_id, RecordRow.duplicate_of.is_(None)))
    for record_id, source_key, doi in rows:
        for key in {source_key, doi, f"#{record_id}"} - {None, ""}:
            keys.setdefault(str(key).strip().casefold(), []).append(record_id)
    return keys


def import_findings(engine: Engine, project_id: int, source: SourceFile, *, imported_by: str = "",
                    include_unscreened: bool = False, add_themes: bool = False) -> FindingsImport:
    """Import a long findings table as consensus findings, all or nothing.

    `include_unscreened`: studies not included by screening are charted as "imported coding"
    (recorded in `extraction_inclusions`); without it such a row is an error.
    `add_themes`: themes the codebook lacks are added (a codebook event each); without it an
    unknown theme is an error. Unknown types and levels are always errors.
    """
    table = read_coding_table(source)
    headers = [h.strip().casefold() for h in table.headers]
    missing = [column for column in REQUIRED if column not in headers]
    if missing:
        raise BadInput(source.name, 1, f"missing column(s): {', '.join(missing)} "
                       f"(columns: source_key,type,level,theme[,finding,quote,page])")
    origin = f"import:{source.name.replace(chr(92), '/').rsplit('/', 1)[-1]}"
    with write_session(engine) as session:
        lock_project(session, project_id)
        ensure_defaults(session, project_id, imported_by)
        keys = record_keys(session, project_id)
        chartable = chartable_ids(session, project_id)
        added: list[str] = []
        studies: set[int] = set()
        newly: set[int] = set()
        count = 0
        book = codebook_in(session, project_id)
        problems: list[Problem] = []
        for line, cells in table.rows:
            try:
                row = {h: cells[i].strip() if i < len(cells) else "" for i, h in enumerate(headers)}
                key = row["source_key"]
                found = keys.get(key.casefold(), [])
                if not found:
                    raise BadInput(source.name, line, f"no record with source_key {key!r} in this project")
                if len(found) > 1:
                    raise BadInput(source.name, line, f"source_key {key!r} names {len(found)} records")
                record_id = found[0]
                if record_id not in chartable and record_id not in newly:
                    if not include_unscreened:
                        raise BadInput(source.name, line, f"{key!r} is not an included study (only included studies are "
                                       "charted here; leave out --only-included to chart it as imported coding)")
                    newly.add(record_id)
                themes = split_cell(row["theme"])
                if add_themes:
                    for theme in themes:
                        if book.find("theme", theme) is None:
                            try:
                                _insert_code(session, project_id, "theme", theme, imported_by or "import",
                                             f"new theme in {origin}")
                            except CodebookError as error:
                                raise BadInput(source.name, line, str(error)) from error
                            added.append(theme)
                            book = codebook_in(session, project_id)
                spec = FindingSpec(
                    type=row["type"], levels=split_cell(row["level"]), themes=themes,
                    description=row.get("finding", ""), quote=row.get("quote", ""), page=row.get("page", ""),
                    illustrative=row.get("illustrative", "").casefold() in TRUE_WORDS,
                )
                try:
                    write_finding(session, project_id, book, record_id, spec, version="consensus", coder_id=None,
                                  coded_by=row.get("coded_by", "") or imported_by, origin=origin)
                except CodebookError as error:
                    raise BadInput(source.name, line, str(error)) from error
                studies.add(record_id)
                count += 1
            except BadInput as error:  # every bad row is listed; the transaction is rolled back below
                problems.append(Problem(line, error.reason))
        if problems:
            raise BadRows(source.name, problems)
        include_as_imported_coding(session, project_id, newly, imported_by)
    return FindingsImport(source.name, count, len(studies), added, len(newly))

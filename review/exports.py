"""Exports of a project: its records, the included studies, the screening decisions, the findings
(the consensus findings the map uses).

Run by the project's operator (the command line), who sees every decision (`review.people.Actor.operator`).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from review.people import Actor
from review.records.writers import write_records, write_table
from review.screening.service import DECISION_COLUMNS, decision_rows, included_records
from review.store.engine import session_scope
from review.store.projects import find_project
from review.store.records import project_records


class ExportError(ValueError):
    def __init__(self, message: str, not_available: bool = False) -> None:
        super().__init__(message)
        self.not_available = not_available


NOT_YET: dict[str, str] = {}
TABLE_FORMATS = ("csv", "xlsx")


def export_project(engine: Engine, project: str, what: str, fmt: str, out: str | Path, *, wide: bool = False) -> int:
    """Write `what` of the project to `out` in `fmt`; returns the number of rows written.

    `wide` (findings only): one row per study, a column per code (`review.extraction.wide_findings`)."""
    if what in NOT_YET:
        raise ExportError(f"--what {what} is not available yet (it comes with {NOT_YET[what]})", True)
    with session_scope(engine) as session:
        project_row = find_project(session, project)
        if project_row is None:
            raise ExportError(f"there is no project called {project!r}")
        project_id = project_row.id
        records = project_records(session, project_id) if what == "records" else []
    if what == "findings":
        if fmt not in TABLE_FORMATS:
            raise ExportError("findings are a table: export them as .csv or .xlsx")
        from review.extraction.findings import consensus_findings
        from review.extraction.long_table import FINDING_COLUMNS, finding_rows

        if wide:
            from review.extraction.wide_findings import export_wide_findings

            data, studies = export_wide_findings(engine, project_id, fmt)
            _write(out, data)
            return studies
        finding_table = finding_rows(consensus_findings(engine, project_id))
        _write(out, write_table(finding_table, FINDING_COLUMNS, fmt))
        return len(finding_table)
    if what == "included":
        records = included_records(engine, project_id)
    if what == "decisions":
        if fmt not in TABLE_FORMATS:
            raise ExportError("decisions are a table: export them as .csv or .xlsx")
        rows = decision_rows(engine, project_id, Actor.operator(project_id))
        _write(out, write_table(rows, DECISION_COLUMNS, fmt))
        return len(rows)
    _write(out, write_records(records, fmt))
    return len(records)


def _write(out: str | Path, data: bytes) -> None:
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)

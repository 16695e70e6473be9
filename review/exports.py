"""Exports of a project: records now; included studies, decisions and findings as they land."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from review.records.writers import write_records
from review.store.engine import session_scope
from review.store.projects import find_project
from review.store.records import project_records


class ExportError(ValueError):
    def __init__(self, message: str, not_available: bool = False) -> None:
        super().__init__(message)
        self.not_available = not_available


NOT_YET = {
    "included": "dual screening",
    "decisions": "dual screening",
    "findings": "extraction",
}


def export_project(engine: Engine, project: str, what: str, fmt: str, out: str | Path) -> int:
    """Write `what` of the project to `out` in `fmt`; returns the number of rows written."""
    if what in NOT_YET:
        raise ExportError(f"--what {what} is not available yet (it comes with {NOT_YET[what]})", True)
    with session_scope(engine) as session:
        project_row = find_project(session, project)
        if project_row is None:
            raise ExportError(f"there is no project called {project!r}")
        records = project_records(session, project_row.id)
    data = write_records(records, fmt)
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(records)

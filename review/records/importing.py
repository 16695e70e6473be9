"""Import: read every file first, then write them all in one transaction or not at all.

The two halves are separate so that the app can show what was detected (format, source
database, a preview, problems) before the user commits.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine, select

from review.memory import paused_gc
from review.records.model import Record
from review.records.readers import BadInput, Problem, ReadResult, SourceFile, read_source
from review.store.engine import session_scope
from review.store.projects import get_or_create_project
from review.store.records import insert_records
from review.store.schema import Source

#: Uploads larger than this are refused before they are read.
MAX_FILE_BYTES = 200 * 1024 * 1024


@dataclass
class FileImport:
    """One file read and checked, not yet written."""

    source: SourceFile
    result: ReadResult
    sha256: str
    source_database: str | None
    #: A source of the same project with the same content, if any: (file name, imported at).
    already_imported: tuple[str, str] | None = None

    @property
    def records(self) -> list[Record]:
        return self.result.records

    @property
    def problems(self) -> list[Problem]:
        return self.result.problems

    def problem_lines(self) -> list[str]:
        return [problem.located(self.source.name) for problem in self.problems]


@dataclass
class ImportSummary:
    file_name: str
    format: str
    source_database: str | None
    imported: int
    skipped: list[str] = field(default_factory=list)
    source_id: int | None = None

    def message(self) -> str:
        return f"imported {self.imported} records from {self.file_name} ({self.format})"


def load_source(path: str | Path) -> SourceFile:
    """A file from disk, refused with BadInput if missing, unreadable or too large."""
    file_path = Path(path)
    name = str(path)
    if not file_path.is_file():
        raise BadInput(name, 1, "no such file")
    size = file_path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BadInput(name, 1, f"the file has {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    try:
        return SourceFile(name, file_path.read_bytes())
    except OSError as error:
        raise BadInput(name, 1, f"cannot be read: {error.strerror}") from error


def read_file(
    source: SourceFile,
    format: str = "auto",
    source_database: str | None = None,
    column_map: Mapping[str, str] | None = None,
) -> FileImport:
    """Read and normalise one file. BadInput when the file as a whole cannot be read."""
    if len(source.data) > MAX_FILE_BYTES:
        raise BadInput(
            source.name, 1, f"the file has {len(source.data):,} bytes; the limit is {MAX_FILE_BYTES:,}"
        )
    with paused_gc():
        result = read_source(source, format, column_map)
        database = source_database or result.source_database
        records = [_with_provenance(record, database) for record in result.records]
    result = replace(result, records=records, source_database=database)
    if not records and not result.problems:
        raise BadInput(source.name, 1, f"no records found in this {result.format} file")
    return FileImport(source, result, hashlib.sha256(source.data).hexdigest(), database)


def _with_provenance(record: Record, database: str | None) -> Record:
    normal = record.normalised()
    if database and not normal.source_database:
        normal.source_database = database
    return normal


def check_problems(plans: Sequence[FileImport], skip_bad: bool) -> None:
    """Refuse (BadInput on the first problem) unless bad entries are to be skipped."""
    for plan in plans:
        if plan.problems and not skip_bad:
            first = plan.problems[0]
            more = f" (and {len(plan.problems) - 1} more)" if len(plan.problems) > 1 else ""
            raise BadInput(plan.source.name, first.line, first.reason + more)
        if not plan.records:
            raise BadInput(plan.source.name, 1, "no record could be read from this file")


def mark_already_imported(engine: Engine, project: str, plans: Sequence[FileImport]) -> None:
    """Fill `already_imported` for files whose exact bytes this project has imported before."""
    with session_scope(engine) as session:
        project_row = get_or_create_project(session, project)
        for plan in plans:
            earlier = session.execute(
                select(Source.file_name, Source.imported_at)
                .where(Source.project_id == project_row.id, Source.sha256 == plan.sha256)
                .limit(1)
            ).first()
            if earlier is not None:
                plan.already_imported = (earlier[0], f"{earlier[1]:%Y-%m-%d %H:%M}")


def commit_imports(
    engine: Engine,
    project: str,
    plans: Sequence[FileImport],
    *,
    skip_bad: bool = False,
    force: bool = False,
    imported_by: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> list[ImportSummary]:
    """Write every file's records in ONE transaction; on any error nothing is written.

    `progress(done, total)` is called as records are stored.
    """
    check_problems(plans, skip_bad)
    mark_already_imported(engine, project, plans)
    if not force:
        for plan in plans:
            if plan.already_imported:
                name, when = plan.already_imported
                raise BadInput(
                    plan.source.name,
                    1,
                    f"this file was imported into project {project!r} already (as {name} on {when}); "
                    "import it again only if you mean to (--force)",
                )
    total = sum(len(plan.records) for plan in plans)
    summaries: list[ImportSummary] = []
    with paused_gc(), session_scope(engine) as session:
        project_id = get_or_create_project(session, project).id
        stored_before = 0
        for plan in plans:
            source = Source(
                project_id=project_id,
                file_name=Path(plan.source.name).name,
                format=plan.result.format,
                source_database=plan.source_database,
                sha256=plan.sha256,
                size_bytes=len(plan.source.data),
                imported_by=imported_by,
                record_count=len(plan.records),
                skipped=plan.problem_lines(),
            )
            session.add(source)
            session.flush()
            insert_records(
                session, project_id, source.id, plan.records, progress=_offset(progress, stored_before, total)
            )
            stored_before += len(plan.records)
            summaries.append(
                ImportSummary(
                    file_name=plan.source.name,
                    format=plan.result.format,
                    source_database=plan.source_database,
                    imported=len(plan.records),
                    skipped=plan.problem_lines(),
                    source_id=source.id,
                )
            )
    return summaries


def _offset(
    progress: Callable[[int, int], None] | None, before: int, total: int
) -> Callable[[int], None] | None:
    """Turn one file's running count into the running count of the whole import."""
    if progress is None:
        return None
    report = progress

    def file_progress(done: int) -> None:
        report(before + done, total)

    return file_progress


def import_paths(
    engine: Engine,
    project: str,
    paths: Sequence[str | Path],
    *,
    format: str = "auto",
    source_database: str | None = None,
    skip_bad: bool = False,
    force: bool = False,
    imported_by: str = "",
) -> list[ImportSummary]:
    """Read every file, then store them all (or nothing). Raises BadInput for bad input."""
    plans = [read_file(load_source(path), format, source_database) for path in paths]
    return commit_imports(engine, project, plans, skip_bad=skip_bad, force=force, imported_by=imported_by)

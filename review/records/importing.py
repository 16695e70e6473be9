"""Import: read every file first, then write them all in one transaction or not at all.

The two halves are separate so that the app can show what was detected (format, source
database, a preview, problems) before the user commits.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Engine, String, select

from review.memory import paused_gc
from review.records.model import Record
from review.records.readers import BadInput, Problem, ReadResult, SourceFile, read_normalised
from review.store.engine import session_scope
from review.store.projects import get_or_create_project
from review.store.records import insert_records
from review.store.schema import RecordRow, Source

#: The import size limit in MB, from the environment; the default is `server.maxUploadSize` in
#: `.streamlit/config.toml`, which caps what the app accepts whatever this says.
MAX_IMPORT_MB_VARIABLE = "REVIEW_MAX_IMPORT_MB"
DEFAULT_MAX_IMPORT_MB = 200.0


def max_import_bytes() -> int:
    """The limit `$REVIEW_MAX_IMPORT_MB` sets (a positive number of MB), else the default."""
    try:
        megabytes = float(os.environ.get(MAX_IMPORT_MB_VARIABLE, DEFAULT_MAX_IMPORT_MB))
    except ValueError:
        megabytes = DEFAULT_MAX_IMPORT_MB
    if not megabytes > 0:
        megabytes = DEFAULT_MAX_IMPORT_MB
    return int(megabytes * 1024 * 1024)


#: Files larger than this are refused before they are read.
MAX_FILE_BYTES = max_import_bytes()


def too_large(name: str, size: int) -> BadInput | None:
    """The refusal of a file of `size` bytes when it is over the limit: its name, size and the limit.

    >>> str(too_large("pubmed.nbib", 300 * 1024 * 1024))
    'pubmed.nbib:1: the file has 300.0 MB (314,572,800 bytes); imports are limited to 200.0 MB (REVIEW_MAX_IMPORT_MB)'
    """
    if size <= MAX_FILE_BYTES:
        return None
    return BadInput(
        name,
        1,
        f"the file has {_megabytes(size)} ({size:,} bytes); imports are limited to "
        f"{_megabytes(MAX_FILE_BYTES)} ({MAX_IMPORT_MB_VARIABLE})",
    )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def _length(column: ColumnElement[Any]) -> int:
    """The most characters a text column holds (0: no limit)."""
    return (column.type.length or 0) if isinstance(column.type, String) else 0


_RECORD_FIELDS = {f.name for f in fields(Record)}
#: Record fields stored in columns of limited length (volume, DOI, entry key…), with the limit.
_LIMITED_FIELDS: tuple[tuple[str, int], ...] = tuple(
    (column.name, _length(column))
    for column in RecordRow.__table__.columns
    if _length(column) and column.name in _RECORD_FIELDS
)
#: Identifiers: cut short they would name another work or entry, so too long is a bad entry.
#: Any other field too long (real exports put a reference list in IS) is cut to fit; the raw
#: entry keeps every character.
_IDENTIFIERS = frozenset({"doi", "pmid", "source_key"})
_DATABASE_LIMIT = _length(Source.__table__.c.source_database)


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
    refusal = too_large(name, file_path.stat().st_size)
    if refusal is not None:
        raise refusal
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
    refusal = too_large(source.name, len(source.data))
    if refusal is not None:
        raise refusal
    with paused_gc():
        result = read_normalised(source, format, column_map)
        if source_database and len(source_database) > _DATABASE_LIMIT:
            raise BadInput(
                source.name,
                1,
                f"the source database name has {len(source_database):,} characters; at most {_DATABASE_LIMIT} fit",
            )
        database = source_database or _cut(result.source_database, _DATABASE_LIMIT)
        records: list[Record] = []
        problems = list(result.problems)
        for record in result.records:
            normal = _with_provenance(record, database)
            reason = fit_columns(normal)
            if reason is None:
                records.append(normal)
            else:
                problems.append(Problem(normal.source_line, reason))
    if len(problems) > len(result.problems):
        problems.sort(key=lambda problem: problem.line or 0)
    result = replace(result, records=records, problems=problems, source_database=database)
    if not records and not result.problems:
        raise BadInput(source.name, 1, f"no records found in this {result.format} file")
    return FileImport(source, result, hashlib.sha256(source.data).hexdigest(), database)


def fit_columns(record: Record) -> str | None:
    """Make the record fit its table; the reason it cannot, if it cannot.

    PostgreSQL enforces column lengths (SQLite does not), so the check happens here, the same on
    both: an identifier too long makes the entry bad (named by its line, not a database error
    failing the whole import); any other value too long is cut to fit, ending in "…".
    """
    for name, limit in _LIMITED_FIELDS:
        value = getattr(record, name)
        if value is None or len(value) <= limit:
            continue
        if name in _IDENTIFIERS:
            return f"{name.replace('_', ' ')} has {len(value):,} characters; at most {limit:,} fit"
        setattr(record, name, value[: limit - 1] + "…")
    return None


def _cut(text: str | None, limit: int) -> str | None:
    return text[: limit - 1] + "…" if text and len(text) > limit else text


def _with_provenance(record: Record, database: str | None) -> Record:
    """The normalised record (a copy of the reader's, ours to change) with the file's database."""
    if database and not record.source_database:
        record.source_database = database
    return record


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

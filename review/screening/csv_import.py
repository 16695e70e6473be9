"""`screen import CSV`: decisions made elsewhere (a spreadsheet, another tool) into a project.

Columns: reviewer, source_key, stage, decision, and optionally reason and note. Reviewers are
created as needed as project reviewers (accounts that cannot sign in until given a password).
`source_key` names the record by its id in its export file; when several records share a key
(the same key in two files), the one that is screened — the primary record — is taken, and a key
that still names several records is a bad row.

All or nothing: every bad row is reported as `FILE:LINE: reason` and nothing is written. Each row
gets an idempotency key from the file's content and its line, so importing the same file again
stores nothing twice.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from review.people import PeopleError, clean_username, ensure_reviewer
from review.records.readers import BadInput
from review.records.readers.base import decode
from review.screening.decisions_store import DecisionRejected, NewDecision, store_decisions
from review.screening.model import parse_decision, parse_stage, validate_decision
from review.screening.state import chunks, load_settings
from review.store.schema import RecordRow
from review.store.screening_schema import User
from review.store.transactions import write_session

REQUIRED_COLUMNS = ("reviewer", "source_key", "stage", "decision")
OPTIONAL_COLUMNS = ("reason", "note")
_NAMESPACE = uuid.UUID("0b7e6f8c-3d52-4a61-9a3e-5f2c1d8e7a40")


class BadRows(BadInput):
    """Several bad rows: one `FILE:LINE: reason` line each."""

    def __init__(self, file_name: str, problems: list[tuple[int, str]]) -> None:
        line, reason = problems[0]
        super().__init__(file_name, line, reason)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(f"{self.file_name}:{line}: {reason}" for line, reason in self.problems)


@dataclass(frozen=True)
class ScreenImportSummary:
    file_name: str
    rows: int
    stored: int
    reviewers_created: tuple[str, ...] = ()

    def message(self) -> str:
        again = self.rows - self.stored
        tail = f" ({again} already imported)" if again else ""
        return f"imported {self.stored} decisions from {self.file_name}{tail}"


@dataclass(frozen=True)
class _Row:
    line: int
    reviewer: str
    source_key: str
    stage: str
    decision: str
    reason: str | None
    note: str | None


def import_decisions_file(engine: Engine, project_id: int, path: str | Path) -> ScreenImportSummary:
    """Import the decisions of a CSV file (see the module docs); BadInput/BadRows for bad input."""
    name = str(path)
    file_path = Path(path)
    if not file_path.is_file():
        raise BadInput(name, 1, "no such file")
    return import_decisions(engine, project_id, name, file_path.read_bytes())


def import_decisions(engine: Engine, project_id: int, file_name: str, data: bytes) -> ScreenImportSummary:
    """Import decisions from CSV bytes (the app's upload, or a file's content)."""
    rows, problems = _parse(file_name, data)
    digest = hashlib.sha256(data).hexdigest()
    with write_session(engine) as session:
        records, record_problems = _resolve_records(session, project_id, rows)
        problems.extend(record_problems)
        if problems:
            raise BadRows(file_name, sorted(problems))
        reviewers: dict[str, int] = {}
        created: list[str] = []
        for row in rows:
            if row.reviewer not in reviewers:
                try:
                    existed = session.scalar(
                        select(User.id).where(User.username == clean_username(row.reviewer))
                    )
                    user = ensure_reviewer(session, project_id, row.reviewer)
                except PeopleError as error:
                    problems.append((row.line, str(error)))
                    continue
                reviewers[row.reviewer] = user.id
                if existed is None:
                    created.append(user.username)
        if problems:
            raise BadRows(file_name, sorted(problems))
        items = [
            NewDecision(
                reviewers[row.reviewer],
                records[row.line],
                row.stage,
                row.decision,
                row.reason,
                row.note,
                uuid.uuid5(_NAMESPACE, f"{digest}:{row.line}").hex,
                f"csv:{Path(file_name).name}"[:300],
            )
            for row in rows
        ]
        try:
            receipts = store_decisions(session, project_id, load_settings(session, project_id), items)
        except DecisionRejected as rejected:
            raise BadRows(file_name, [(rows[rejected.index].line, str(rejected))]) from None
        return ScreenImportSummary(
            file_name, len(rows), sum(1 for r in receipts if r.stored), tuple(sorted(set(created)))
        )


def _parse(file_name: str, data: bytes) -> tuple[list[_Row], list[tuple[int, str]]]:
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise BadInput(file_name, 1, "the file is empty: expected a header row") from None
    columns = [column.strip().lower() for column in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise BadInput(
            file_name,
            1,
            f"missing column(s) {', '.join(missing)}; the columns are "
            f"{','.join(REQUIRED_COLUMNS)}[,{','.join(OPTIONAL_COLUMNS)}]",
        )
    position = {
        column: columns.index(column)
        for column in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
        if column in columns
    }
    rows: list[_Row] = []
    problems: list[tuple[int, str]] = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue

        def cell(column: str, cells: list[str] = cells) -> str:
            index = position.get(column)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        try:
            reviewer = cell("reviewer")
            if not reviewer:
                raise ValueError("the reviewer is empty")
            source_key = cell("source_key")
            if not source_key:
                raise ValueError("the source_key is empty")
            stage = parse_stage(cell("stage"))
            decision = parse_decision(cell("decision"), allow_retracted=False)
            reason = cell("reason") or None
            validate_decision(stage, decision, reason)
        except ValueError as error:
            problems.append((start, str(error)))
            continue
        rows.append(_Row(start, reviewer, source_key, stage, decision, reason, cell("note") or None))
    return rows, problems


def _resolve_records(
    session: Session, project_id: int, rows: list[_Row]
) -> tuple[dict[int, int], list[tuple[int, str]]]:
    """line → the primary record named by the row's source_key."""
    keys = sorted({row.source_key for row in rows})
    found: dict[str, list[tuple[int, int | None]]] = {}
    for part in chunks(keys):
        for record_id, key, duplicate_of in session.execute(
            select(RecordRow.id, RecordRow.source_key, RecordRow.duplicate_of).where(
                RecordRow.project_id == project_id, RecordRow.source_key.in_(part)
            )
        ):
            found.setdefault(key or "", []).append((record_id, duplicate_of))
    records: dict[int, int] = {}
    problems: list[tuple[int, str]] = []
    for row in rows:
        matches = found.get(row.source_key, [])
        primaries = sorted({duplicate_of or record_id for record_id, duplicate_of in matches})
        if not matches:
            problems.append((row.line, f"no record of this project has source_key {row.source_key!r}"))
        elif len(primaries) > 1:
            problems.append(
                (
                    row.line,
                    f"source_key {row.source_key!r} names {len(primaries)} different records "
                    f"(ids {', '.join(map(str, primaries[:5]))}): they are not duplicates of one another",
                )
            )
        else:
            records[row.line] = primaries[0]
    return records, problems

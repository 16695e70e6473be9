"""Imported files and where each record came from: the Import page's sources table and the
Records page's provenance panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from review.records.model import Record
from review.store.records import to_record
from review.store.schema import RecordRow, Source


def source_summary(session: Session, project_id: int) -> list[dict[str, Any]]:
    """One row per imported file of the project, oldest first.

    Keys: id, file_name, format, source_database, records, imported_by, imported_at, skipped
    (the `FILE:LINE: reason` of every entry left out).
    """
    rows = session.scalars(
        select(Source).where(Source.project_id == project_id).order_by(Source.imported_at, Source.id)
    )
    return [
        {
            "id": source.id,
            "file_name": source.file_name,
            "format": source.format,
            "source_database": source.source_database,
            "records": source.record_count,
            "imported_by": source.imported_by,
            "imported_at": source.imported_at,
            "skipped": list(source.skipped or []),
        }
        for source in rows
    ]


@dataclass(frozen=True)
class RecordDetail:
    """One stored record with the file it was read from."""

    record_id: int
    record: Record
    file_name: str
    format: str
    imported_by: str
    imported_at: datetime


def record_detail(session: Session, project_id: int, record_id: int) -> RecordDetail | None:
    """The record `record_id` of the project with its provenance; None if the project has no such record."""
    found = session.execute(
        select(RecordRow, Source)
        .join(Source, Source.id == RecordRow.source_id)
        .where(RecordRow.project_id == project_id, RecordRow.id == record_id)
    ).first()
    if found is None:
        return None
    row, source = found
    return RecordDetail(
        record_id=row.id,
        record=to_record(row),
        file_name=source.file_name,
        format=source.format,
        imported_by=source.imported_by,
        imported_at=source.imported_at,
    )

"""Projects with duplicate records in a database, for the store and app tests."""

from __future__ import annotations

from sqlalchemy import Engine, select

from review.records.dedup_views import dedup_report_rows
from review.records.model import Record
from review.store.engine import session_scope
from review.store.projects import get_or_create_project
from review.store.records import insert_records
from review.store.schema import RecordRow, Source
from tests.records.dedup.helpers import article, other_export

#: A second paper, and the same paper as another database has it two years later (a blocker:
#: it waits for a person).
OTHER = article(
    title="Clinicians' attitudes to feedback systems in counselling services",
    doi="10.1002/jclp.23000",
    pages="100-110",
    year=2019,
)
OTHER_LATER = other_export(OTHER, year=2021, pages="100-10")
UNIQUE = article(
    title="Waiting lists and dropout in university counselling centres",
    authors=["Nguyen, Thi"],
    doi="10.1080/unique.1",
    journal="Counselling Psychology Quarterly",
    volume="12",
    issue="1",
    pages="1-9",
)


def add_source(engine: Engine, project_id: int, name: str, records: list[Record]) -> list[int]:
    """Import `records` as one file; returns their ids in order."""
    with session_scope(engine) as session:
        source = Source(
            project_id=project_id, file_name=name, format="ris", sha256=name, source_database=name
        )
        session.add(source)
        session.flush()
        keyed = [
            Record(**{**record.as_dict(), "source_key": f"{name}-{i}", "source_database": name})
            for i, record in enumerate(records, 1)
        ]
        insert_records(session, project_id, source.id, keyed)
        return list(
            session.scalars(
                select(RecordRow.id).where(RecordRow.source_id == source.id).order_by(RecordRow.id)
            )
        )


def new_project(engine: Engine, name: str = "trial") -> int:
    with session_scope(engine) as session:
        return get_or_create_project(session, name).id


def statuses(engine: Engine, project_id: int) -> dict[int, tuple[int, str]]:
    """record id → (cluster id, status), as the CLI report has them."""
    return {
        int(str(row["record_id"])): (int(str(row["cluster_id"])), str(row["status"]))
        for row in dedup_report_rows(engine, project_id)
    }

"""The sources table and the provenance of one record, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine

from review.records.model import Record
from review.store.engine import session_scope
from review.store.projects import get_or_create_project
from review.store.records import insert_records, page_records
from review.store.schema import Source
from review.store.sources import record_detail, source_summary


def _import(engine: Engine, project: str, file_name: str, records: list[Record], skipped: list[str]) -> int:
    with session_scope(engine) as session:
        project_id = get_or_create_project(session, project).id
        source = Source(
            project_id=project_id,
            file_name=file_name,
            format="ris",
            source_database="Scopus",
            sha256="0" * 64,
            imported_by="ana",
            record_count=len(records),
            skipped=skipped,
        )
        session.add(source)
        session.flush()
        insert_records(session, project_id, source.id, records)
        return project_id


def test_source_summary_lists_each_file_of_the_project_only(engine: Engine) -> None:
    project_id = _import(
        engine, "rom", "scopus.ris", [Record(title="A"), Record(title="B")], ["scopus.ris:12: no title"]
    )
    _import(engine, "other", "other.ris", [Record(title="C")], [])

    with session_scope(engine) as session:
        summary = source_summary(session, project_id)

    assert [(row["file_name"], row["records"], row["skipped"]) for row in summary] == [
        ("scopus.ris", 2, ["scopus.ris:12: no title"])
    ]
    assert summary[0]["source_database"] == "Scopus"
    assert summary[0]["imported_by"] == "ana"


def test_record_detail_gives_the_record_and_its_file(engine: Engine) -> None:
    raw = "TY  - JOUR\nTI  - Feedback <b>works</b>\nER  - "
    project_id = _import(
        engine,
        "rom",
        "scopus.ris",
        [Record(title="Feedback <b>works</b>", authors=["Lambert, M."], year=2018, source_line=3, raw=raw)],
        [],
    )
    with session_scope(engine) as session:
        record_id = page_records(session, project_id)[0]["id"]
        detail = record_detail(session, project_id, record_id)
        missing = record_detail(session, project_id + 1, record_id)

    assert detail is not None
    assert detail.record.title == "Feedback <b>works</b>"
    assert detail.record.authors == ["Lambert, M."]
    assert (detail.file_name, detail.format, detail.record.source_line, detail.record.raw) == (
        "scopus.ris",
        "ris",
        3,
        raw,
    )
    assert missing is None

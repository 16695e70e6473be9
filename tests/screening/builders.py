"""Builders for screening tests against a database: a project with records, and a team."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, update

from review.people import Actor, actor_for, add_member, create_user
from review.records.model import Record
from review.store.engine import session_scope
from review.store.projects import get_or_create_project
from review.store.records import insert_records
from review.store.schema import RecordRow, Source


def build_project(
    engine: Engine,
    name: str = "ROM review",
    *,
    sources: tuple[tuple[str, str | None, int], ...] = (("pubmed.nbib", "PubMed", 20),),
) -> tuple[int, list[int]]:
    """A project with records from each (file name, source database, count); returns (id, record ids)."""
    with session_scope(engine) as session:
        project = get_or_create_project(session, name)
        for file_name, database, count in sources:
            source = Source(
                project_id=project.id,
                file_name=file_name,
                format="ris",
                source_database=database,
                sha256=file_name,
            )
            session.add(source)
            session.flush()
            records = [
                Record(title=f"{file_name} record {i}", source_key=f"{file_name}-{i}", year=2000 + i % 20)
                for i in range(count)
            ]
            insert_records(session, project.id, source.id, records)
        project_id = project.id
    with session_scope(engine) as session:
        ids = [
            row.id
            for row in session.query(RecordRow)
            .filter(RecordRow.project_id == project_id)
            .order_by(RecordRow.id)
        ]
    return project_id, ids


def mark_duplicate(engine: Engine, record_id: int, primary_id: int, method: str = "auto") -> None:
    with session_scope(engine) as session:
        session.execute(
            update(RecordRow)
            .where(RecordRow.id == record_id)
            .values(duplicate_of=primary_id, merge_method=method)
        )


@dataclass
class Team:
    project_id: int
    owner: Actor
    reviewers: list[Actor]
    viewer: Actor


def build_team(engine: Engine, project_id: int, reviewers: int = 2, *, prefix: str = "") -> Team:
    """An owner, `reviewers` reviewers (r1, r2, ...) and a viewer; accounts without passwords."""
    owner_account = create_user(engine, f"{prefix}owner", None)
    from review.people import ensure_owner

    owner = ensure_owner(engine, project_id, owner_account.user_id)
    actors = []
    for number in range(1, reviewers + 1):
        account = create_user(engine, f"{prefix}r{number}", None)
        add_member(engine, project_id, owner, account.username, "reviewer")
        actors.append(actor_for(engine, project_id, account.user_id))
    viewer_account = create_user(engine, f"{prefix}viewer", None)
    add_member(engine, project_id, owner, viewer_account.username, "viewer")
    return Team(project_id, owner, actors, actor_for(engine, project_id, viewer_account.user_id))

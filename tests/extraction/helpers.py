"""Builders for extraction tests: a project with a few records, the demo-style team."""

from __future__ import annotations

from sqlalchemy import Engine

from review.extraction.findings import include_as_imported_coding
from review.people import Actor, actor_for, ensure_reviewer
from review.store.engine import session_scope
from review.store.projects import get_or_create_project
from review.store.schema import RecordRow, Source
from review.store.screening_schema import Membership, User
from review.store.transactions import write_session


def make_project(engine: Engine, keys: list[str], *, chartable: bool = True, name: str = "extraction") -> tuple[int, dict[str, int]]:
    """A project with one record per key (source_key = key); chartable as imported coding if asked."""
    with session_scope(engine) as session:
        project = get_or_create_project(session, name)
        source = Source(project_id=project.id, file_name="test.ris", format="ris", sha256="0" * 64)
        session.add(source)
        session.flush()
        ids: dict[str, int] = {}
        for number, key in enumerate(keys):
            row = RecordRow(project_id=project.id, source_id=source.id, source_key=key, title=f"Study {key}",
                            year=2000 + number, doi=f"10.1/{key}", authors=[], keywords=[], raw="")
            session.add(row)
            session.flush()
            ids[key] = row.id
        if chartable:
            include_as_imported_coding(session, project.id, ids.values(), "test")
        return project.id, ids


def member(engine: Engine, project_id: int, username: str, role: str = "reviewer") -> Actor:
    with write_session(engine) as session:
        user = ensure_reviewer(session, project_id, username)
        if role == "owner":
            for membership in session.query(Membership).filter_by(project_id=project_id, user_id=user.id):
                membership.role = "owner"
        user_id = session.query(User.id).filter_by(username=username).scalar()
    return actor_for(engine, project_id, user_id)

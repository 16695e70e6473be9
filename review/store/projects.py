"""Projects: one database holds many reviews; every row belongs to one."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from review.store.engine import session_scope
from review.store.schema import Project, RecordRow, Source

DEFAULT_PROJECT = "default"
MAX_NAME_LENGTH = 200


class ProjectError(ValueError):
    """A project name that cannot be used."""


def clean_project_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ProjectError("a project needs a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ProjectError(f"a project name has at most {MAX_NAME_LENGTH} characters")
    return cleaned


def find_project(session: Session, name: str) -> Project | None:
    return session.scalar(select(Project).where(Project.name == clean_project_name(name)))


def get_or_create_project(session: Session, name: str, description: str = "") -> Project:
    """The project called `name`, created on first use."""
    project = find_project(session, name)
    if project is None:
        project = Project(name=clean_project_name(name), description=description, settings={})
        session.add(project)
        session.flush()
    return project


def create_project(session: Session, name: str, description: str = "") -> Project:
    """A new project; ProjectError if the name is taken."""
    if find_project(session, name) is not None:
        raise ProjectError(f"a project called {clean_project_name(name)!r} exists already")
    return get_or_create_project(session, name, description)


def ensure_project(engine: Engine, name: str) -> int:
    """The id of project `name`, created on first use (its own transaction)."""
    with session_scope(engine) as session:
        return get_or_create_project(session, name).id


def project_overview(engine: Engine) -> list[dict[str, object]]:
    """Every project with its counts of sources and records, for the project picker."""
    with session_scope(engine) as session:
        record_counts = dict(
            session.execute(
                select(RecordRow.project_id, func.count()).group_by(RecordRow.project_id)
            ).all()
        )
        source_counts = dict(
            session.execute(select(Source.project_id, func.count()).group_by(Source.project_id)).all()
        )
        return [
            {
                "id": project.id,
                "name": project.name,
                "description": project.description,
                "created_at": project.created_at,
                "sources": source_counts.get(project.id, 0),
                "records": record_counts.get(project.id, 0),
            }
            for project in session.scalars(select(Project).order_by(Project.name))
        ]

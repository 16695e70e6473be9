"""The store: migrations, engine settings, projects."""

from __future__ import annotations

import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from review.store.engine import get_engine, make_engine, session_scope
from review.store.migrate import current_revision, upgrade
from review.store.projects import ProjectError, create_project, get_or_create_project, project_overview
from review.store.schema import Base


def test_migrations_create_exactly_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        assert compare_metadata(context, Base.metadata) == []


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    with engine.connect() as connection:
        before = current_revision(connection)
    upgrade(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == before is not None
    assert {"projects", "sources", "records"} <= set(inspect(engine).get_table_names())


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_engine: Engine) -> None:
    with sqlite_engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30000


def test_one_engine_per_url_even_from_many_threads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    seen: list[int] = []

    def grab() -> None:
        seen.append(id(get_engine(url)))

    threads = [threading.Thread(target=grab) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1


def test_projects_are_created_once_and_names_are_unique(engine: Engine) -> None:
    with session_scope(engine) as session:
        first = get_or_create_project(session, "  ROM   review ")
        again = get_or_create_project(session, "ROM review")
        assert first.id == again.id
        assert first.name == "ROM review"
    with pytest.raises(ProjectError, match="exists already"), session_scope(engine) as session:
        create_project(session, "ROM review")
    with pytest.raises(ProjectError, match="needs a name"), session_scope(engine) as session:
        create_project(session, "   ")
    assert [p["name"] for p in project_overview(engine)] == ["ROM review"]


def test_a_new_sqlite_file_is_created_with_its_folder(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "nested" / "folder" / "review.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    assert path.exists()
    engine.dispose()

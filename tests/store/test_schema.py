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


def _is_duplicate_of_fk(diff: object) -> bool:
    """SQLite reflects the column-level REFERENCES of records.duplicate_of (added by ALTER TABLE
    to avoid rebuilding a large table) without its name and ON DELETE; checked by PRAGMA below."""
    return (
        isinstance(diff, tuple)
        and diff[0] in {"add_fk", "remove_fk"}
        and [column.name for column in diff[1].columns] == ["duplicate_of"]
    )


def test_migrations_create_exactly_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, Base.metadata)
        if engine.dialect.name == "sqlite":
            differences = [diff for diff in differences if not _is_duplicate_of_fk(diff)]
            links = connection.execute(text("PRAGMA foreign_key_list(records)")).all()
            assert ("records", "duplicate_of", "id", "SET NULL") in {
                (link[2], link[3], link[4], link[6]) for link in links
            }
        assert differences == []


def test_migrating_twice_changes_nothing(engine: Engine) -> None:
    with engine.connect() as connection:
        before = current_revision(connection)
    upgrade(engine)
    with engine.connect() as connection:
        assert current_revision(connection) == before is not None
    assert {"projects", "sources", "records"} <= set(inspect(engine).get_table_names())


def test_migrating_a_large_sqlite_project_does_not_rebuild_tables(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Upgrading from the first schema keeps every record and takes no table-sized copy."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO projects (name, description, created_at, settings) "
                "VALUES ('p', '', '2026-01-01', '{}')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO sources (project_id, file_name, format, sha256, size_bytes, "
                "imported_by, imported_at, record_count, skipped) "
                "VALUES (1, 'f.ris', 'ris', 'x', 0, '', '2026-01-01', 0, '[]')"
            )
        )
        connection.exec_driver_sql(
            "INSERT INTO records (project_id, source_id, title, authors, keywords, raw) VALUES (1, 1, ?, '[]', '[]', '')",
            [(f"record {number}",) for number in range(20_000)],
        )
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM records")).scalar() == 20_000
        assert (
            connection.execute(text("SELECT count(*) FROM records WHERE duplicate_of IS NULL")).scalar()
            == 20_000
        )
    engine.dispose()


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

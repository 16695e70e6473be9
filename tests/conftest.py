"""Shared fixtures: a migrated database on SQLite and, where REVIEW_TEST_POSTGRES_URL is set
(CI sets it), on a real PostgreSQL server too."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from review.store.engine import make_engine
from review.store.migrate import upgrade

DATA = Path(__file__).parent / "data"
FORMATS = DATA / "formats"
POSTGRES_URL = os.environ.get("REVIEW_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A throwaway database on the test server, dropped at the end of the run."""
    if not POSTGRES_URL:
        pytest.skip("REVIEW_TEST_POSTGRES_URL is not set (CI sets it)")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"reviewmap_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A URL to an empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'review.db'}"
    url: str = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on SQLite and on PostgreSQL."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite engine, for tests that are about logic rather than the store."""
    engine = make_engine(f"sqlite:///{tmp_path / 'review.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()

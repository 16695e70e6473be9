"""Write transactions that stay correct when many reviewers write at once.

SQLite: a transaction that reads first and writes later can fail (or, outside a transaction, lose
an update) when another writer commits in between. `write_session` therefore starts the
transaction with ``BEGIN IMMEDIATE``: it waits for the write lock (up to the busy timeout) and
then reads and writes alone.

PostgreSQL: writers run side by side; what must not interleave takes a row lock
(``SELECT ... FOR UPDATE``), in a fixed order so that two transactions never wait on each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from review.store.schema import Project


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session in one write transaction: committed when the block ends, rolled back on error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        if engine.dialect.name == "sqlite":
            session.execute(text("BEGIN IMMEDIATE"))
        yield session


def lock_project(session: Session, project_id: int) -> None:
    """Serialise changes to one project's membership (PostgreSQL; SQLite is serialised already)."""
    session.execute(select(Project.id).where(Project.id == project_id).with_for_update())

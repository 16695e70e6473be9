"""Alembic environment: runs on the connection handed over by review.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from review.store.schema import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the alembic CLI is not how ReviewMap migrates
    raise RuntimeError("run migrations through review.store.migrate.upgrade(engine)")

if connection.dialect.name == "postgresql":
    # Two processes starting at once must not both create the tables.
    connection.execute(text("SELECT pg_advisory_xact_lock(4207111)"))

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
context.run_migrations()

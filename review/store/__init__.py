"""The one database: SQLAlchemy 2 schema, engine per process, Alembic migrations."""

from review.store.engine import DEFAULT_DATABASE_URL, database_url, get_engine, session_scope

__all__ = ["DEFAULT_DATABASE_URL", "database_url", "get_engine", "session_scope"]

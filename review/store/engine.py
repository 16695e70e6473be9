"""One engine per database URL per process, safe to share between Streamlit's threads."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DATABASE_URL = "sqlite:///data/review.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def database_url(explicit: str | None = None) -> str:
    """The URL to use: the one given, else $REVIEW_DATABASE_URL, else the SQLite default."""
    return explicit or os.environ.get("REVIEW_DATABASE_URL") or DEFAULT_DATABASE_URL


def get_engine(url: str | None = None, migrate: bool = True) -> Engine:
    """The process-wide engine for `url`, created (and the schema migrated) on first use."""
    resolved = database_url(url)
    with _lock:
        engine = _engines.get(resolved)
        if engine is None:
            engine = make_engine(resolved)
            if migrate:
                from review.store.migrate import upgrade

                upgrade(engine)
            _engines[resolved] = engine
        return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests, and before a process forks)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def make_engine(url: str) -> Engine:
    """A new engine (no migration, not cached): tests and tools that need their own."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL (readers never wait for a writer), foreign keys, a busy timeout, synchronous=NORMAL.

    NORMAL in WAL mode syncs the disk at checkpoints, not at every commit (FULL would add a sync
    of the whole write-ahead log to every import). The database stays consistent whatever
    happens: a transaction is there whole or not at all. A crash of the app or of its process
    loses nothing committed; only a power failure or an operating-system crash can roll back the
    latest commits not yet on disk (the system writes them out within about 30 seconds): an
    import lost so is simply run again, its sha256 gone with it. For a review on a laptop that
    is the usual trade; a team that needs every commit synced runs on PostgreSQL.
    """
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on any error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session

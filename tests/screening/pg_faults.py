"""Cutting the app's PostgreSQL connections for real: `pg_terminate_backend` from a second
connection, at a chosen moment (between actions, before a statement, at COMMIT, or just after a
COMMIT succeeded so that only its acknowledgement is lost)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, text


class BackendKiller:
    """Terminates backends of `engine`'s database from its own (autocommit) connection."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
        self.killed = 0

    def close(self) -> None:
        self.admin.dispose()

    def kill(self, pid: int) -> None:
        """Terminate one backend and wait until it is gone (the signal is asynchronous)."""
        with self.admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 10
            while connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar():
                if time.monotonic() > deadline:
                    raise AssertionError(f"backend {pid} did not end")
                time.sleep(0.01)
        self.killed += 1

    def kill_all(self) -> int:
        """Terminate every other backend on the app's database (the app's pooled connections)."""
        with self.admin.connect() as connection:
            pids = list(
                connection.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalars()
            )
        for pid in pids:
            self.kill(pid)
        return len(pids)

    @contextmanager
    def before_statement(self, fragment: str, times: int = 1) -> Iterator[None]:
        """Kill the backend that is about to run the next statement containing `fragment`
        (`times` times; -1: every time), inside its transaction."""
        remaining = [times]

        def hook(_conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            if fragment in statement and remaining[0] != 0:
                remaining[0] -= 1
                self.kill(cursor.connection.info.backend_pid)

        event.listen(self.engine, "before_cursor_execute", hook)
        try:
            yield
        finally:
            event.remove(self.engine, "before_cursor_execute", hook)

    @contextmanager
    def before_commit(self, times: int = 1) -> Iterator[None]:
        """Kill the backend just before the COMMIT is sent: the transaction is rolled back."""
        remaining = [times]

        def hook(conn: Any) -> None:
            if remaining[0] != 0:
                remaining[0] -= 1
                self.kill(conn.connection.dbapi_connection.info.backend_pid)

        event.listen(self.engine, "commit", hook)
        try:
            yield
        finally:
            event.remove(self.engine, "commit", hook)

    @contextmanager
    def after_commit(self, monkeypatch: pytest.MonkeyPatch, times: int = 1) -> Iterator[None]:
        """Let the COMMIT succeed, then kill the backend and raise the driver's own error for the
        dead connection: the client cannot tell whether its transaction was stored."""
        remaining = [times]
        real_commit = self.engine.dialect.do_commit

        def do_commit(dbapi_connection: Any) -> None:
            real_commit(dbapi_connection)
            if remaining[0] != 0:
                remaining[0] -= 1
                driver = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
                self.kill(driver.info.backend_pid)
                driver.execute("SELECT 1")  # raises: the connection is gone
                raise AssertionError("a statement on a terminated backend succeeded")

        monkeypatch.setattr(self.engine.dialect, "do_commit", do_commit)
        try:
            yield
        finally:
            monkeypatch.setattr(self.engine.dialect, "do_commit", real_commit)

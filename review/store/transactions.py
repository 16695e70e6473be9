"""Write transactions that stay correct when many reviewers write at once.

SQLite: a transaction that reads first and writes later can fail (or, outside a transaction, lose
an update) when another writer commits in between. `write_session` therefore starts the
transaction with ``BEGIN IMMEDIATE``: it waits for the write lock (up to the busy timeout) and
then reads and writes alone.

PostgreSQL: writers run side by side; what must not interleave takes a row lock
(``SELECT ... FOR UPDATE``), in a fixed order so that two transactions never wait on each other.

A lost connection (the server restarted, a proxy or an administrator cut it): the engine's
``pool_pre_ping`` replaces a connection that died while it sat in the pool, so the next action
after a cut simply works. A cut in the middle of a transaction rolls it back; `retrying` runs
such an action again, but only an action that is safe to repeat: the commit may have reached the
server before the connection died, so a second run must find the first run's work and not add it
again (decisions carry an idempotency key for exactly that). Anything else raises
`DatabaseUnavailable`, whose message the pages show as it is; so does SQLite's "database is
locked" after the busy timeout (seen with twenty writers in separate processes, bench/load_bench.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from review.store.engine import SQLITE_BUSY_TIMEOUT_MS
from review.store.schema import Project

T = TypeVar("T")
#: Seconds to wait before each further attempt after a lost connection (so: three attempts).
RETRY_DELAYS = (0.1, 0.5)


class DatabaseUnavailable(RuntimeError):
    """The connection to the database was lost, or none could be made; the message is for people."""


def is_disconnect(error: BaseException) -> bool:
    """A lost connection (SQLAlchemy invalidated it) or a failed attempt to connect at all (an
    operational error outside any statement) -- not a constraint violation or a bad query."""
    if not isinstance(error, DBAPIError):
        return False
    return bool(error.connection_invalidated) or (
        isinstance(error, OperationalError) and error.statement is None
    )


def is_busy(error: BaseException) -> bool:
    """SQLite gave up waiting for the write lock (after the busy timeout): nothing was written."""
    return isinstance(error, OperationalError) and "database is locked" in str(error.orig)


def retrying(action: Callable[[], T], *, what: str, repeatable: bool = True, reads: bool = False) -> T:
    """Run `action`; after a lost connection run it again (at most ``len(RETRY_DELAYS)`` times).

    `repeatable`: running `action` twice has the effect of running it once, even when the first
    run committed and only the acknowledgement was lost (a decision with its idempotency key, any
    read). An action that is not (`repeatable=False`) is run once; a lost connection then raises
    `DatabaseUnavailable` saying it may or may not have been saved, so a person checks first.
    `what` names the action in that message ("your decision"); `reads`: it only reads.
    """
    attempts = 1 + (len(RETRY_DELAYS) if repeatable else 0)
    for attempt in range(attempts):
        try:
            return action()
        except DBAPIError as error:
            if is_busy(error):  # already waited the busy timeout: tell the person, do not wait again
                seconds = SQLITE_BUSY_TIMEOUT_MS // 1000
                done = "could not be read" if reads else "was not saved"
                raise DatabaseUnavailable(
                    f"The database is busy: other people's changes held it for {seconds} s, so {what} "
                    f"{done}. Please try again."
                ) from error
            if not is_disconnect(error):
                raise
            if attempt + 1 < attempts:
                time.sleep(RETRY_DELAYS[attempt])
                continue
            if reads:
                message = (
                    f"The database connection was lost and {what} could not be read (tried "
                    f"{attempts} times). Please try again in a moment."
                )
            elif repeatable:
                message = (
                    f"The database connection was lost and {what} could not be confirmed as saved "
                    f"(tried {attempts} times). Please try again in a moment: trying again never "
                    "stores it twice."
                )
            else:
                message = (
                    f"The database connection was lost while saving {what}: it may or may not have "
                    "been saved. Please check, then try again."
                )
            raise DatabaseUnavailable(message) from error
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A session in one write transaction: committed when the block ends, rolled back on error."""
    factory = sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name != "sqlite":
        with factory() as session, session.begin():
            yield session
        return
    with _sqlite_writer_turn(engine), factory() as session, session.begin():
        session.execute(text("BEGIN IMMEDIATE"))
        yield session


_writer_locks: dict[str, threading.RLock] = {}
_writer_locks_guard = threading.Lock()


@contextmanager
def _sqlite_writer_turn(engine: Engine) -> Iterator[None]:
    """The threads of one process (Streamlit's sessions) take turns at an SQLite file here.

    SQLite's own wait for the write lock polls with growing sleeps, so with twenty writers some
    lose every round and give up after the busy timeout ("database is locked": bench/load_bench.py
    saw it with 20 threads). A lock in the process hands the turn straight to the next waiting
    thread; SQLite's lock still orders this process against other processes.
    """
    with _writer_locks_guard:
        lock = _writer_locks.setdefault(str(engine.url), threading.RLock())
    acquired = lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
    try:
        yield  # not acquired in time: BEGIN IMMEDIATE waits once more, then says the database is busy
    finally:
        if acquired:
            lock.release()


def lock_project(session: Session, project_id: int) -> None:
    """Serialise changes to one project's membership (PostgreSQL; SQLite is serialised already)."""
    session.execute(select(Project.id).where(Project.id == project_id).with_for_update())

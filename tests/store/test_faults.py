"""A process killed (SIGKILL) in the middle of an import or a deduplication run leaves the project
as it was before, or as the whole run would have left it: never half of it.

Each test runs real processes on SQLite and on PostgreSQL: the command line (`python -m review
import` / `dedup`) killed once the test sees it inside its write transaction (SQLite: it holds the
write lock, and the -wal file has grown; PostgreSQL: `pg_stat_activity` shows its transaction
with an id, and the records table has grown), and `fault_worker.py`, which calls the same
functions the app calls and stops at a known point inside the transaction to be killed there.
Afterwards the database opens, passes its own checks, holds all or nothing of the interrupted
work, and the same command run again succeeds.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from review.records.dedup_store import STATE_KEY
from review.store.engine import make_engine
from review.store.migrate import upgrade
from review.store.schema import DedupPair, MergeEvent, Project, RecordRow, Source

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("fault_worker.py")
PROJECT = "faults"
APPLICATION = "reviewmap_fault_test"
#: Records in the large import: four insert chunks, a few seconds of writing.
IMPORT_RECORDS = 20_000
#: Records in the deduplication project, and how many of them repeat an earlier one.
DEDUP_RECORDS = 3_000
DEDUP_REPEATS = 1_200
#: How long a process may take to reach the moment a test waits for.
PATIENCE_SECONDS = 120

pytestmark = pytest.mark.slow

WORDS = [
    "routine",
    "outcome",
    "monitoring",
    "clinical",
    "feedback",
    "psychotherapy",
    "counselling",
    "implementation",
    "barriers",
    "facilitators",
    "therapist",
    "client",
    "organisation",
    "policy",
    "measures",
    "training",
    "progress",
    "alliance",
    "session",
]


def ris_file(path: Path, count: int, repeats: int = 0, seed: int = 8) -> Path:
    """`count` generated RIS records; the last `repeats` repeat earlier ones (same title, DOI,
    authors, year, journal) under their own ID, as a second database would export them."""
    rng = random.Random(seed)
    entries: list[list[str]] = []
    for number in range(count - repeats):
        title = " ".join(rng.choice(WORDS) for _ in range(9)).capitalize() + f" {number}"
        entries.append(
            [
                "TY  - JOUR",
                f"TI  - {title}",
                f"AU  - {rng.choice(WORDS).capitalize()}, {chr(65 + number % 26)}.",
                f"PY  - {1990 + number % 35}",
                f"T2  - Journal of {rng.choice(WORDS).capitalize()}",
                f"DO  - 10.{1000 + number % 9000}/fault.{number}",
                f"AB  - {' '.join(rng.choice(WORDS) for _ in range(25))}",
            ]
        )
    lines: list[str] = []
    for number, entry in enumerate(entries):
        lines += [*entry[:1], f"ID  - rec{number}", *entry[1:], "ER  - ", ""]
    for number in range(repeats):
        lines += [*entries[number][:1], f"ID  - again{number}", *entries[number][1:], "ER  - ", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


# -- the two databases, and how to look inside a running transaction ----------------------------


@dataclass
class Target:
    """A database under test, the URL the killed processes use, and probes into their work."""

    url: str
    process_url: str
    engine: Engine
    inside_write: Callable[[], bool]
    written_bytes: Callable[[], int]
    settle: Callable[[], None]


@pytest.fixture
def target(database_url: str, tmp_path: Path) -> Iterator[Target]:
    engine = make_engine(database_url)
    upgrade(engine)
    if database_url.startswith("sqlite"):
        yield sqlite_target(database_url, engine)
    else:
        yield postgres_target(database_url, engine)
    engine.dispose()


def sqlite_target(url: str, engine: Engine) -> Target:
    path = Path(url.split("///", 1)[1])
    wal = Path(f"{path}-wal")

    def inside_write() -> bool:
        # Another connection holds the write lock when BEGIN IMMEDIATE fails at once.
        probe = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError as error:
            assert "locked" in str(error), error
            return True
        finally:
            probe.close()

    def settle() -> None:
        # Start every process with an empty -wal file, so its growth is this process's writing.
        engine.dispose()
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    return Target(url, url, engine, inside_write, lambda: wal.stat().st_size if wal.exists() else 0, settle)


def postgres_target(url: str, engine: Engine) -> Target:
    process_url = make_url(url).update_query_dict({"application_name": APPLICATION})
    watcher = create_engine(url, isolation_level="AUTOCOMMIT")

    def inside_write() -> bool:
        # A transaction gets an id (backend_xid) with its first write.
        with watcher.connect() as connection:
            return bool(
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                        "AND datname = current_database() AND backend_xid IS NOT NULL"
                    ),
                    {"name": APPLICATION},
                )
            )

    def written_bytes() -> int:
        # Uncommitted rows take room in the table's files as well.
        with watcher.connect() as connection:
            return int(connection.scalar(text("SELECT pg_total_relation_size('records')")) or 0)

    def settle() -> None:
        engine.dispose()

    return Target(
        url,
        process_url.render_as_string(hide_password=False),
        engine,
        inside_write,
        written_bytes,
        settle,
    )


# -- processes --------------------------------------------------------------------------------


def cli(target: Target, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "review", "--db", target.process_url, "--project", PROJECT, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def worker(target: Target, *args: str) -> subprocess.Popen[str]:
    command, *rest = args
    return subprocess.Popen(
        [sys.executable, str(WORKER), command, target.process_url, PROJECT, *rest],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=PATIENCE_SECONDS)
    assert process.returncode == 0, f"exit {process.returncode}\n{out}\n{err}"
    return out


def kill_when(process: subprocess.Popen[str], ready: Callable[[], bool], what: str) -> None:
    """Poll until `ready()` (the process is where we want it), then SIGKILL it there."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not ready():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the process ended (exit {process.returncode}) before {what}\n{out}\n{err}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the process never reached {what}")
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL, f"not killed {what}: exit {process.returncode}"


def kill_when_paused(process: subprocess.Popen[str]) -> None:
    """The worker prints PAUSED from inside the transaction; kill it there."""
    assert process.stdout is not None
    line = process.stdout.readline()
    if line.strip() != "PAUSED":
        process.kill()
        _, err = process.communicate()
        pytest.fail(f"the worker did not pause: {line!r}\n{err}")
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL


# -- what the project holds -------------------------------------------------------------------


def check_database_opens(target: Target) -> None:
    """A new engine opens the database, its own integrity check passes, and the schema is whole."""
    engine = make_engine(target.url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                assert connection.scalar(text("PRAGMA integrity_check")) == "ok"
                assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        upgrade(engine)  # a no-op on a whole schema; fails on a broken one
    finally:
        engine.dispose()


def import_state(engine: Engine) -> tuple[int, list[tuple[int, int]]]:
    """(records in the project, [(records stored, records the source says it has)] per source)."""
    with engine.connect() as connection:
        records = connection.scalar(select(func.count()).select_from(RecordRow)) or 0
        sources = connection.execute(
            select(func.count(RecordRow.id), Source.record_count)
            .select_from(Source)
            .outerjoin(RecordRow, RecordRow.source_id == Source.id)
            .group_by(Source.id, Source.record_count)
        ).all()
    return records, [(stored, said) for stored, said in sources]


def dedup_state(engine: Engine) -> dict[str, Any]:
    """Everything a run writes, by the records' keys in their file (ids are the same on a rerun)."""
    with engine.connect() as connection:
        key = {
            record: source_key
            for record, source_key in connection.execute(select(RecordRow.id, RecordRow.source_key))
        }
        links = sorted(
            (key[record], key[primary], method)
            for record, primary, method in connection.execute(
                select(RecordRow.id, RecordRow.duplicate_of, RecordRow.merge_method).where(
                    RecordRow.duplicate_of.is_not(None)
                )
            )
        )
        pairs = sorted(
            (key[a], key[b], status)
            for a, b, status in connection.execute(
                select(DedupPair.record_a, DedupPair.record_b, DedupPair.status)
            )
        )
        events = sorted(
            (action, method, key[primary], tuple(sorted(key[r] for r in ids)))
            for action, method, primary, ids in connection.execute(
                select(MergeEvent.action, MergeEvent.method, MergeEvent.primary_id, MergeEvent.record_ids)
            )
        )
        settings = connection.scalar(select(Project.settings).where(Project.name == PROJECT)) or {}
    return {"links": links, "pairs": pairs, "events": events, "ran": STATE_KEY in settings}


def check_links_whole(engine: Engine) -> None:
    """Every duplicate points at a primary (a record that is no one's duplicate), with a method."""
    with engine.connect() as connection:
        rows = connection.execute(select(RecordRow.id, RecordRow.duplicate_of, RecordRow.merge_method)).all()
    primary_of = {record: primary for record, primary, _ in rows}
    for record, primary, method in rows:
        if primary is None:
            assert method is None
            continue
        assert primary in primary_of, f"record {record} points at a missing record {primary}"
        assert primary_of[primary] is None, f"record {record} points at {primary}, itself a duplicate"
        assert method in {"auto", "manual"}


# -- the tests ---------------------------------------------------------------------------------


def test_an_import_killed_while_writing_leaves_nothing_and_runs_again(target: Target, tmp_path: Path) -> None:
    export = ris_file(tmp_path / "large.ris", IMPORT_RECORDS)
    size = export.stat().st_size

    # The command line, killed as soon as it writes, then once it has written about half the file
    # (the growth of the -wal file or of the table since it started; killed inserts leave room).
    for what in ("its first write", "half the file written"):
        target.settle()
        before = target.written_bytes()

        def ready(what: str = what, before: int = before) -> bool:
            grown = target.written_bytes() - before > size // 2 or what == "its first write"
            return grown and target.inside_write()

        kill_when(cli(target, "import", str(export)), ready, what)
        check_database_opens(target)
        assert import_state(target.engine) == (0, []), f"killed at {what}"

    # The app's own functions, stopped after half the records were inserted in the transaction.
    target.settle()
    kill_when_paused(worker(target, "import", str(export), "--pause-at-fraction", "0.5"))
    check_database_opens(target)
    assert import_state(target.engine) == (0, [])

    out = finish(cli(target, "import", str(export)))
    assert f"imported {IMPORT_RECORDS} records from {export}" in out
    assert import_state(target.engine) == (IMPORT_RECORDS, [(IMPORT_RECORDS, IMPORT_RECORDS)])


def test_a_dedup_run_killed_while_writing_is_whole_or_absent(target: Target, tmp_path: Path) -> None:
    export = ris_file(tmp_path / "repeats.ris", DEDUP_RECORDS, repeats=DEDUP_REPEATS)
    finish(cli(target, "import", str(export)))
    before = dedup_state(target.engine)
    assert before == {"links": [], "pairs": [], "events": [], "ran": False}

    # Stopped after the run linked its duplicates and logged the merges, before it stored the
    # pairs for review and its bookkeeping: the links must go too.
    target.settle()
    kill_when_paused(worker(target, "dedup", "--pause-at-fraction", "0.95"))
    check_database_opens(target)
    check_links_whole(target.engine)
    assert dedup_state(target.engine) == before

    # The command line, killed as soon as its write transaction holds anything.
    target.settle()
    kill_when(cli(target, "dedup"), target.inside_write, "its write transaction")
    check_database_opens(target)
    check_links_whole(target.engine)
    assert dedup_state(target.engine) == before

    out = finish(cli(target, "dedup"))
    assert "records: 3000" in out
    after = dedup_state(target.engine)
    check_links_whole(target.engine)
    assert after["ran"]
    assert len(after["links"]) == DEDUP_REPEATS
    assert {frozenset((duplicate, primary)) for duplicate, primary, _ in after["links"]} == {
        frozenset((f"again{n}", f"rec{n}")) for n in range(DEDUP_REPEATS)
    }
    # A second run killed inside its write changes nothing: the finished run stays whole.
    target.settle()
    kill_when_paused(worker(target, "dedup", "--pause-at-fraction", "0.95"))
    check_database_opens(target)
    assert dedup_state(target.engine) == after

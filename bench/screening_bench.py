"""Screening speed with 50,000 records in a project: decisions per second, and the time to serve
the next record (p50 / p95; the target is p95 under 150 ms).

Runs on a new SQLite file, and on PostgreSQL too when REVIEW_TEST_POSTGRES_URL is set or a
server answers on 127.0.0.1:5432 (a throwaway database is created and dropped).

Before measuring, part of the project is screened already (`--prescreened`, by two of the
reviewers, with conflicts), so the queue has to look past decided records as it would midway.

    python bench/screening_bench.py [--records 50000] [--prescreened 20000] [--threads 8]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `review` is importable

from sqlalchemy import Engine, create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from review.people import Actor, actor_for, add_member, create_user, ensure_owner  # noqa: E402
from review.records.model import Record  # noqa: E402
from review.screening import service  # noqa: E402
from review.screening.decisions_store import NewDecision, store_decisions  # noqa: E402
from review.screening.state import load_settings, sync_status_rows  # noqa: E402
from review.store.engine import make_engine, session_scope  # noqa: E402
from review.store.migrate import upgrade  # noqa: E402
from review.store.projects import get_or_create_project  # noqa: E402
from review.store.records import insert_records  # noqa: E402
from review.store.schema import Source  # noqa: E402
from review.store.transactions import write_session  # noqa: E402

WORDS = [
    "routine", "outcome", "monitoring", "clinical", "feedback", "psychotherapy", "counselling",
    "implementation", "barriers", "facilitators", "therapist", "client", "organisation", "policy",
]
TA = "title_abstract"


def build(engine: Engine, records: int, prescreened: int, reviewers: int) -> tuple[int, list[Actor]]:
    rng = random.Random(42)
    started = time.perf_counter()
    with session_scope(engine) as session:
        project = get_or_create_project(session, "bench")
        source = Source(
            project_id=project.id, file_name="bench.ris", format="ris", source_database="Bench", sha256="b"
        )
        session.add(source)
        session.flush()
        insert_records(
            session,
            project.id,
            source.id,
            [
                Record(
                    title=" ".join(rng.choice(WORDS) for _ in range(10)).capitalize(),
                    abstract=" ".join(rng.choice(WORDS) for _ in range(120)),
                    year=rng.randint(1990, 2025),
                    source_key=f"rec{n}",
                )
                for n in range(records)
            ],
        )
        project_id = project.id
    owner = ensure_owner(engine, project_id, create_user(engine, "owner", None).user_id)
    actors = []
    for number in range(reviewers):
        account = create_user(engine, f"reviewer{number}", None)
        add_member(engine, project_id, owner, account.username, "reviewer")
        actors.append(actor_for(engine, project_id, account.user_id))
    sync_status_rows(engine, project_id)
    print(f"  {records:,} records, {reviewers} reviewers: built in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    first, second = actors[0].user_id or 0, actors[1].user_id or 0
    with session_scope(engine) as session:
        from sqlalchemy import select

        from review.store.screening_schema import ScreeningStatus

        order = list(
            session.scalars(
                select(ScreeningStatus.record_id)
                .where(ScreeningStatus.project_id == project_id, ScreeningStatus.stage == TA)
                .order_by(ScreeningStatus.queue_rank, ScreeningStatus.record_id)
            )
        )
    batch = 2_000
    for start in range(0, prescreened, batch):
        items = []
        for record_id in order[start : min(start + batch, prescreened)]:
            a = rng.choice(["include", "exclude", "exclude", "exclude"])
            b = a if rng.random() < 0.85 else rng.choice(["include", "exclude", "maybe"])
            items.append(NewDecision(first, record_id, TA, a, origin="bench"))
            items.append(NewDecision(second, record_id, TA, b, origin="bench"))
        with write_session(engine) as session:
            store_decisions(session, project_id, load_settings(session, project_id), items)
    took = time.perf_counter() - started
    print(f"  {prescreened:,} records screened by two reviewers beforehand in {took:.1f} s")
    return project_id, actors


def measure(engine: Engine, project_id: int, actors: list[Actor], threads: int, seconds: float) -> None:
    # Decisions per second: `threads` reviewers, each fetching the next record and deciding it.
    stop = time.perf_counter() + seconds
    counts = [0] * threads
    errors: list[BaseException] = []

    def work(index: int) -> None:
        actor = actors[2 + index]
        rng = random.Random(index)
        try:
            while time.perf_counter() < stop:
                card = service.next_record(engine, project_id, actor, TA)
                if card is None:
                    return
                service.record_decision(
                    engine,
                    project_id,
                    actor,
                    card.record_id,
                    TA,
                    rng.choice(["include", "exclude"]),
                    idempotency_key=uuid.uuid4().hex,
                )
                counts[index] += 1
        except BaseException as error:  # reported below
            errors.append(error)

    pool = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    print(
        f"  decisions: {sum(counts) / elapsed:,.0f} per second "
        f"({threads} reviewers at once, next record + decision each; {sum(counts):,} in {elapsed:.1f} s)"
    )
    # Time to serve the next record: reviewers with nothing decided, and the two who did the most.
    timings: list[float] = []
    for round_number in range(100):
        for actor in (actors[0], actors[1], actors[-1]):
            started = time.perf_counter()
            card = service.next_record(engine, project_id, actor, TA)
            timings.append((time.perf_counter() - started) * 1000)
            if card is not None and round_number % 2 == 0 and actor is actors[-1]:
                service.record_decision(engine, project_id, actor, card.record_id, TA, "exclude")
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    verdict = "meets" if p95 < 150 else "MISSES"
    print(
        f"  next record: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(timings)} requests "
        f"({verdict} the 150 ms target)"
    )
    started = time.perf_counter()
    service.progress(engine, project_id, actors[0], TA)
    print(f"  my progress + team progress: {(time.perf_counter() - started) * 1000:.0f} ms")


@contextmanager
def postgres_database() -> Iterator[str | None]:
    url = (
        os.environ.get("REVIEW_TEST_POSTGRES_URL") or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    name = f"reviewmap_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # no server: SQLite only
        print(f"PostgreSQL: skipped ({type(error).__name__})")
        yield None
        return
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(label: str, url: str, args: argparse.Namespace) -> None:
    print(f"{label}:")
    engine = make_engine(url)
    upgrade(engine)
    project_id, actors = build(engine, args.records, args.prescreened, args.threads + 3)
    measure(engine, project_id, actors, args.threads, args.seconds)
    engine.dispose()


def on_both_databases(run: Callable[[str, str, argparse.Namespace], None], args: argparse.Namespace) -> None:
    """`run(label, url, args)` on a throwaway SQLite file, then on a throwaway PostgreSQL database
    where a server answers (the screening benches all measure both)."""
    with tempfile.TemporaryDirectory() as folder:
        run("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", args)
    with postgres_database() as url:
        if url is not None:
            run("PostgreSQL", url, args)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--prescreened", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    on_both_databases(run, parser.parse_args())


if __name__ == "__main__":
    main()

"""Twenty reviewers screening at once for a few minutes, through the functions the Screen page calls
(`next_record`, `record_decision`, `undo_last_decision`; the owner: `conflicts`, `resolve_conflict`):
decisions per second, p50/p95/p99 latency of each call, errors; then the proof that every
acknowledged decision is stored exactly once and that the derived state equals a rebuild from
the events.

Each reviewer loops with no think time (maximum throughput): next record, decide it (include /
exclude / maybe), now and then a double click (the same idempotency key again: must store
nothing) or an undo; the owner resolves open conflicts every few seconds. Reviewers run as
separate processes (each its own engine, like several app servers; no shared GIL) or as threads
sharing one engine (as Streamlit runs the app).

PostgreSQL: a fresh database on the server of $REVIEW_BENCH_POSTGRES_URL, else
$REVIEW_TEST_POSTGRES_URL, else postgres@127.0.0.1:5432, dropped afterwards. SQLite: a new file.

    python bench/load_bench.py [--backend postgresql|sqlite|both] [--mode processes|threads|both]
                               [--reviewers 20] [--seconds 120] [--records 4000]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from argparse import Namespace
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `review` is importable

from sqlalchemy import Engine, create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

from review.people import Actor, actor_for, find_user  # noqa: E402
from review.screening import service  # noqa: E402
from review.screening.consistency import derived_state, duplicate_keys, rebuild_differences  # noqa: E402
from review.store.engine import make_engine, session_scope  # noqa: E402
from review.store.migrate import upgrade  # noqa: E402
from review.store.screening_schema import DecisionEventRow, ResolutionRow  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from screening_bench import build  # noqa: E402

TA = "title_abstract"
DECISIONS = ("exclude", "include", "maybe")
WEIGHTS = (70, 22, 8)


@dataclass
class Tally:
    """What one simulated person did and saw; summed over everyone at the end."""

    timings: dict[str, list[float]] = field(default_factory=dict)
    """call → milliseconds"""
    acknowledged: list[tuple[str, int, int, int, str, bool]] = field(default_factory=list)
    """(key, event_id, record_id, reviewer_id, decision, stored) per decision the app confirmed"""
    double_clicks: list[tuple[int, int, bool]] = field(default_factory=list)
    """(first event_id, event_id of the second submit, second said stored)"""
    undone: int = 0
    resolved: int = 0
    rejected: int = 0
    """resolutions refused because the record was no longer in conflict (a race, not an error)"""
    errors: Counter[str] = field(default_factory=Counter)
    unconfirmed_keys: list[str] = field(default_factory=list)
    """keys of decisions whose call raised: stored or not, the client cannot know"""
    queue_emptied: bool = False

    def time(self, call: str, started: float) -> None:
        self.timings.setdefault(call, []).append((time.perf_counter() - started) * 1000)

    def add(self, other: Tally) -> None:
        for call, values in other.timings.items():
            self.timings.setdefault(call, []).extend(values)
        self.acknowledged += other.acknowledged
        self.double_clicks += other.double_clicks
        self.undone += other.undone
        self.resolved += other.resolved
        self.rejected += other.rejected
        self.errors.update(other.errors)
        self.unconfirmed_keys += other.unconfirmed_keys
        self.queue_emptied = self.queue_emptied or other.queue_emptied


def reviewer(
    engine: Engine, project_id: int, actor: Actor, start: Any, seconds: float, undo_rate: float, seed: int
) -> Tally:
    """One reviewer screening as fast as the database lets them, for `seconds` after `start` (a
    barrier: everyone begins at once, however long their process took to start)."""
    rng = random.Random(seed)
    tally = Tally()
    start.wait(timeout=600)
    stop_at = time.time() + seconds
    while time.time() < stop_at:
        started = time.perf_counter()
        try:
            card = service.next_record(engine, project_id, actor, TA)
        except Exception as error:  # counted and shown; a person would reload the page
            tally.errors[f"next_record: {type(error).__name__}: {error}"[:160]] += 1
            continue
        tally.time("next_record", started)
        if card is None:
            tally.queue_emptied = True
            break
        decision = rng.choices(DECISIONS, WEIGHTS)[0]
        key = service.new_key()
        started = time.perf_counter()
        try:
            receipt = service.record_decision(
                engine, project_id, actor, card.record_id, TA, decision, idempotency_key=key
            )
        except Exception as error:
            tally.errors[f"record_decision: {type(error).__name__}: {error}"[:160]] += 1
            tally.unconfirmed_keys.append(key)
            continue
        tally.time("record_decision", started)
        tally.acknowledged.append(
            (key, receipt.event_id, card.record_id, actor.user_id or 0, decision, receipt.stored)
        )
        roll = rng.random()
        try:
            if roll < 0.02:  # a double click: the same key again
                started = time.perf_counter()
                again = service.record_decision(
                    engine, project_id, actor, card.record_id, TA, decision, idempotency_key=key
                )
                tally.time("record_decision (same key again)", started)
                tally.double_clicks.append((receipt.event_id, again.event_id, again.stored))
            elif roll < 0.02 + undo_rate:
                started = time.perf_counter()
                if service.undo_last_decision(engine, project_id, actor, TA) is not None:
                    tally.undone += 1
                tally.time("undo_last_decision", started)
        except Exception as error:
            tally.errors[f"double click / undo: {type(error).__name__}: {error}"[:160]] += 1
    return tally


def owner(engine: Engine, project_id: int, actor: Actor, start: Any, seconds: float, pause: float) -> Tally:
    """The owner settles open conflicts, a few at a time, every `pause` seconds."""
    rng = random.Random(0)
    tally = Tally()
    start.wait(timeout=600)
    stop_at = time.time() + seconds
    while time.time() < stop_at:
        time.sleep(pause)
        started = time.perf_counter()
        try:
            views = service.conflicts(engine, project_id, actor, TA)
            tally.time("conflicts (list)", started)
            for view in views[:5]:
                started = time.perf_counter()
                try:
                    service.resolve_conflict(
                        engine, project_id, actor, view.record_id, TA, rng.choice(("include", "exclude"))
                    )
                except service.ScreeningError:
                    tally.rejected += 1
                    continue
                tally.time("resolve_conflict", started)
                tally.resolved += 1
        except Exception as error:
            tally.errors[f"owner: {type(error).__name__}: {error}"[:160]] += 1
    return tally


def act(
    role: str, engine: Engine, project_id: int, actor: Actor, start: Any, settings: Namespace, seed: int
) -> Tally:
    if role == "owner":
        return owner(engine, project_id, actor, start, settings.seconds, settings.resolve_pause)
    return reviewer(engine, project_id, actor, start, settings.seconds, settings.undo_rate, seed)


def _in_process(
    role: str, url: str, project_id: int, actor: Actor, start: Any, settings: Namespace, seed: int
) -> Tally:
    """A spawned process: its own engine, like a second app server."""
    engine = make_engine(url)
    try:
        return act(role, engine, project_id, actor, start, settings, seed)
    finally:
        engine.dispose()


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return f"n={len(values)}"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return f"p50 {cuts[49]:7.1f}  p95 {cuts[94]:7.1f}  p99 {cuts[98]:7.1f} ms  (n={len(values):,})"


def verify(engine: Engine, project_id: int, total: Tally) -> list[str]:
    """Every acknowledged decision stored exactly once, nothing stored that nobody sent, the undos
    and resolutions all there, and the derived state equal to a rebuild from the events."""
    problems: list[str] = []
    with session_scope(engine) as session:
        rows = session.execute(
            select(
                DecisionEventRow.idempotency_key,
                DecisionEventRow.id,
                DecisionEventRow.record_id,
                DecisionEventRow.reviewer_id,
                DecisionEventRow.decision,
                DecisionEventRow.origin,
            ).where(DecisionEventRow.project_id == project_id)
        ).all()
        resolutions = session.scalar(
            select(func.count()).select_from(ResolutionRow).where(ResolutionRow.project_id == project_id)
        )
    stored = {row[0]: tuple(row[1:5]) for row in rows if row[5] == "app"}
    acknowledged = {
        key: (event_id, record_id, reviewer_id, decision)
        for key, event_id, record_id, reviewer_id, decision, _ in total.acknowledged
    }
    if len(acknowledged) != len(total.acknowledged):
        problems.append("a key was acknowledged twice for two different submits")
    lost = [key for key in acknowledged if key not in stored]
    wrong = [key for key in acknowledged if key in stored and stored[key] != acknowledged[key]]
    unknown = set(stored) - set(acknowledged) - set(total.unconfirmed_keys)
    if lost:
        problems.append(f"{len(lost)} acknowledged decisions are missing")
    if wrong:
        problems.append(f"{len(wrong)} stored decisions differ from what the client was told")
    if unknown:
        problems.append(f"{len(unknown)} decisions stored that no client sent")
    if any(first != second or said_stored for first, second, said_stored in total.double_clicks):
        problems.append("a double click stored a second decision")
    retractions = sum(1 for row in rows if row[5] == "undo")
    if retractions != total.undone:
        problems.append(f"{retractions} retraction events for {total.undone} acknowledged undos")
    if resolutions != total.resolved:
        problems.append(f"{resolutions} resolutions stored for {total.resolved} acknowledged")
    if duplicate_keys(engine, project_id):
        problems.append("an idempotency key is held by two events")
    differences = rebuild_differences(engine, project_id)
    problems += [f"derived state differs from a rebuild: {line}" for line in differences]
    return problems


def run(label: str, url: str, args: argparse.Namespace, mode: str) -> None:
    print(f"\n{label}, {args.reviewers} reviewers as {mode} + the owner, {args.seconds:.0f} s:")
    engine = make_engine(url)
    upgrade(engine)
    project_id, actors = build(engine, args.records, 0, max(2, args.reviewers))  # it makes two at least
    actors = actors[: args.reviewers]
    owner_account = find_user(engine, "owner")
    assert owner_account is not None
    owner_actor = actor_for(engine, project_id, owner_account.user_id)
    service.update_settings(engine, project_id, owner_actor, pilot_size=args.pilot)
    load = LoadSampler()
    settings = Namespace(seconds=args.seconds, undo_rate=args.undo_rate, resolve_pause=args.resolve_pause)
    jobs = [("reviewer", actor, n) for n, actor in enumerate(actors)] + [("owner", owner_actor, 0)]
    total = Tally()
    if mode == "processes":
        context = multiprocessing.get_context("spawn")
        with context.Manager() as manager, context.Pool(len(jobs)) as pool:
            start = manager.Barrier(len(jobs) + 1)
            pending = pool.starmap_async(
                _in_process, [(role, url, project_id, a, start, settings, n) for role, a, n in jobs]
            )
            start.wait(timeout=600)  # every process has started and made its engine
            with load:
                started = time.time()
                tallies = pending.get()
    else:
        start = threading.Barrier(len(jobs) + 1)
        with ThreadPoolExecutor(len(jobs)) as pool:  # one engine shared by the threads, as in the app
            futures = [
                pool.submit(act, role, engine, project_id, a, start, settings, n) for role, a, n in jobs
            ]
            start.wait(timeout=600)
            with load:
                started = time.time()
                tallies = [future.result() for future in futures]
    elapsed = time.time() - started  # the last calls end a little after the deadline
    for tally in tallies:
        total.add(tally)
    decided = len(total.acknowledged)
    print(f"  decisions acknowledged: {decided:,} in {elapsed:.0f} s = {decided / elapsed:,.1f} per second")
    print(
        f"  undos {total.undone:,}, double clicks {len(total.double_clicks):,}, conflicts resolved "
        f"{total.resolved:,} ({total.rejected} no longer in conflict)"
        + ("; some reviewer's queue ran empty" if total.queue_emptied else "")
    )
    for call in ("next_record", "record_decision", "record_decision (same key again)", "undo_last_decision",
                 "conflicts (list)", "resolve_conflict"):  # fmt: skip
        if call in total.timings:
            print(f"  {call:34s} {percentiles(total.timings[call])}")
    print(f"  errors: {sum(total.errors.values())}")
    for message, count in total.errors.most_common(5):
        print(f"    {count:5d} x {message}")
    print(
        f"  load average (1 min) during the run: mean {load.mean:.1f}, max {load.max:.1f} on {os.cpu_count()} CPUs"
    )
    started = time.perf_counter()
    state = derived_state(engine, project_id)
    problems = verify(engine, project_id, total)
    print(f"  status counts: {dict(sorted(state.status_counts(TA).items()))}")
    # Two decisions are required; more on one record is effort the queue could have spread.
    spread = Counter(
        min(decided, 5) for (stage, _), (decided, *_) in state.status.items() if stage == TA and decided
    )
    shown = ", ".join(f"{n if n < 5 else '5+'}: {spread[n]:,}" for n in sorted(spread))
    print(f"  records by current decisions on them: {shown}")
    if problems:
        print("  CHECK FAILED:")
        for problem in problems:
            print(f"    {problem}")
    else:
        print(
            f"  check passed ({time.perf_counter() - started:.1f} s): every acknowledged decision stored exactly "
            "once, none unsent, undos and resolutions all there, derived state = rebuild from the events"
        )
    engine.dispose()
    if problems:
        raise SystemExit(1)


class LoadSampler:
    """The 1-minute load average every 5 s while the run lasts (the machine may be shared)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(5.0):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self.samples.append(os.getloadavg()[0])
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mean(self) -> float:
        return statistics.fmean(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)


@contextmanager
def fresh_postgres() -> Iterator[str]:
    """A new database on the bench server, dropped afterwards (even after a failed run)."""
    server = (
        os.environ.get("REVIEW_BENCH_POSTGRES_URL")
        or os.environ.get("REVIEW_TEST_POSTGRES_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    name = f"reviewmap_load_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("postgresql", "sqlite", "both"), default="both")
    parser.add_argument("--mode", choices=("processes", "threads", "both"), default="processes")
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--records", type=int, default=4_000)
    parser.add_argument(
        "--undo-rate", type=float, default=0.03, help="share of decisions followed by an undo"
    )
    parser.add_argument("--resolve-pause", type=float, default=3.0, help="seconds between the owner's rounds")
    parser.add_argument(
        "--pilot",
        type=int,
        default=0,
        help="calibration pilot size (0: screening past the pilot; 25, the app's default, makes every "
        "reviewer start on the same 25 records, the worst case for row locks)",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # figures as they come
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    modes = ("processes", "threads") if args.mode == "both" else (args.mode,)
    for mode in modes:
        if args.backend in ("postgresql", "both"):
            with ExitStack() as stack:
                try:
                    url = stack.enter_context(fresh_postgres())
                except OperationalError as error:
                    if args.backend == "postgresql":
                        raise
                    print(f"\nPostgreSQL: skipped, no server ({str(error).splitlines()[0]})")
                else:
                    run("PostgreSQL", url, args, mode)
        if args.backend in ("sqlite", "both"):
            with tempfile.TemporaryDirectory() as folder:
                run("SQLite", f"sqlite:///{Path(folder) / 'load.db'}", args, mode)


if __name__ == "__main__":
    main()

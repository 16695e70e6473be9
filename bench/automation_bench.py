"""Excluding the unscreened records by automation on a large project: how long applying and undoing
take, and the time to serve the next record once most of the queue is excluded (the queue must
skip those records on its index, not walk through them).

The project of `bench/screening_bench.py` (50,000 records, 20,000 screened by two reviewers), plus
`--waiting` records decided by one reviewer only (they stay in the others' queues). The exclusion
is written as `automation.apply_automation_exclusion` writes it, without the stopping rule's
check (the bench's random decisions never make it safe to stop).

    python bench/automation_bench.py [--records 50000] [--prescreened 20000] [--waiting 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `review` and `bench` are importable

from sqlalchemy import Engine, insert  # noqa: E402

from bench.screening_bench import TA, build, on_both_databases  # noqa: E402
from review.people import Actor  # noqa: E402
from review.screening import service  # noqa: E402
from review.screening.automation import RULE, _candidates, undo_automation_exclusion  # noqa: E402
from review.screening.decisions_store import NewDecision, store_decisions  # noqa: E402
from review.screening.state import derive_automation_flags, load_settings  # noqa: E402
from review.store.engine import make_engine, session_scope  # noqa: E402
from review.store.migrate import upgrade  # noqa: E402
from review.store.schema import utcnow  # noqa: E402
from review.store.screening_schema import AutomationExclusion, AutomationExclusionRecord  # noqa: E402
from review.store.transactions import write_session  # noqa: E402


def owner_of(engine: Engine, project_id: int) -> Actor:
    from review.people import actor_for, find_user

    account = find_user(engine, "owner")
    assert account is not None
    return actor_for(engine, project_id, account.user_id)


def exclude_rest(engine: Engine, project_id: int, owner: Actor) -> tuple[int, int]:
    """`automation._apply` without the rule's check; returns (exclusion id, records covered)."""
    with write_session(engine) as session:
        ids = _candidates(session, project_id, lock=True)
        exclusion = AutomationExclusion(
            project_id=project_id, stage=TA, rule=RULE, detail={"bench": True}, applied_by=owner.user_id,
            applied_at=utcnow(),
        )  # fmt: skip
        session.add(exclusion)
        session.flush()
        rows = [{"exclusion_id": exclusion.id, "record_id": r, "project_id": project_id} for r in ids]
        for start in range(0, len(rows), 5_000):
            session.execute(insert(AutomationExclusionRecord), rows[start : start + 5_000])
        derive_automation_flags(session, project_id, ids)
        return exclusion.id, len(ids)


def serve_times(engine: Engine, project_id: int, actors: list[Actor], rounds: int) -> tuple[float, float]:
    timings: list[float] = []
    for _ in range(rounds):
        for actor in actors:
            started = time.perf_counter()
            service.next_record(engine, project_id, actor, TA)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def run(label: str, url: str, args: argparse.Namespace) -> None:
    print(f"{label}:")
    engine = make_engine(url)
    upgrade(engine)
    project_id, actors = build(engine, args.records, args.prescreened, 4)
    first = actors[0].user_id or 0
    with session_scope(engine) as session:
        ids = _candidates(session, project_id, lock=False)[: args.waiting]
    with write_session(engine) as session:
        items = [NewDecision(first, record_id, TA, "exclude", origin="bench") for record_id in ids]
        store_decisions(session, project_id, load_settings(session, project_id), items)
    print(f"  {len(ids):,} records decided by one reviewer only (waiting for a second)")
    # After the exclusion, reviewer1 and a fresh reviewer3 still have the waiting records; the
    # queue of reviewer0 (who decided those) is empty.
    watched = [actors[1], actors[3]]
    p50, p95 = serve_times(engine, project_id, watched, args.rounds)
    print(f"  next record before the exclusion: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    owner = owner_of(engine, project_id)
    started = time.perf_counter()
    exclusion_id, covered = exclude_rest(engine, project_id, owner)
    print(f"  apply: {covered:,} records excluded by automation in {time.perf_counter() - started:.2f} s")
    p50, p95 = serve_times(engine, project_id, watched, args.rounds)
    verdict = "meets" if p95 < 150 else "MISSES"
    print(
        f"  next record after the exclusion: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"({verdict} the 150 ms target; {len(watched) * args.rounds} requests)"
    )
    p50, p95 = serve_times(engine, project_id, [actors[0]], args.rounds)
    print(
        f"  'queue empty' for the reviewer who decided the {len(ids):,} waiting records: "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms (the queue walks past those records: as for any "
        "reviewer who has finished while others have not)"
    )
    started = time.perf_counter()
    counts = service.prisma_counts(engine, project_id)
    took = time.perf_counter() - started
    print(
        f"  PRISMA counts: {took * 1000:.0f} ms (excluded by automation: {counts.excluded_by_automation:,})"
    )
    started = time.perf_counter()
    undo_automation_exclusion(engine, project_id, owner, exclusion_id)
    print(f"  undo: {time.perf_counter() - started:.2f} s")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--prescreened", type=int, default=20_000)
    parser.add_argument("--waiting", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=40)
    on_both_databases(run, parser.parse_args())


if __name__ == "__main__":
    main()

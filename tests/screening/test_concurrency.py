"""Ten reviewers deciding at the same time, in threads and in separate processes, on SQLite and
PostgreSQL: every decision is stored exactly once, none is lost, the derived counts are right.
Then racers in lock-step (a barrier releases each action at the same instant): several reviewers
and the owner on the same record, and one reviewer submitting twice at once (a double click, two
tabs); afterwards the derived state equals a rebuild from the events."""

from __future__ import annotations

import multiprocessing
import random
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from review.people import add_member, create_user, ensure_owner
from review.screening import service
from review.screening.consistency import derived_state, duplicate_keys, rebuild_differences
from review.screening.service import new_key
from review.store.engine import session_scope
from review.store.screening_schema import CurrentDecision, DecisionEventRow, ResolutionRow, ScreeningStatus
from tests.screening.builders import build_project, build_team
from tests.screening.concurrency_worker import Step, race, screen

Outcome = tuple[str, int | None, object, bool]

REVIEWERS = 10
RECORDS = 24


def team_of_ten(engine: Engine) -> tuple[int, list[int], list[int]]:
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", RECORDS),))
    owner = ensure_owner(engine, project_id, create_user(engine, "owner", None).user_id)
    service.update_settings(engine, project_id, owner, pilot_size=0, reviewers_title_abstract=REVIEWERS)
    users = []
    for number in range(REVIEWERS):
        account = create_user(engine, f"reviewer {number}", None)
        add_member(engine, project_id, owner, account.username, "reviewer")
        users.append(account.user_id)
    return project_id, ids, users


def assert_all_stored_once(
    engine: Engine, project_id: int, ids: list[int], users: list[int], stored: list[int]
) -> None:
    assert stored == [RECORDS] * REVIEWERS  # every first submit stored, every retry recognised
    with session_scope(engine) as session:
        pairs = session.execute(
            select(DecisionEventRow.reviewer_id, DecisionEventRow.record_id, func.count())
            .where(DecisionEventRow.project_id == project_id)
            .group_by(DecisionEventRow.reviewer_id, DecisionEventRow.record_id)
        ).all()
        assert len(pairs) == REVIEWERS * RECORDS and {n for *_, n in pairs} == {1}
        assert {(r, rec) for r, rec, _ in pairs} == {(u, rec) for u in users for rec in ids}
        assert session.scalar(select(func.count()).select_from(CurrentDecision)) == REVIEWERS * RECORDS
        decided = session.scalars(
            select(ScreeningStatus.decided).where(ScreeningStatus.stage == "title_abstract")
        ).all()
        assert sorted(decided) == [REVIEWERS] * RECORDS
        statuses = set(
            session.scalars(select(ScreeningStatus.status).where(ScreeningStatus.stage == "title_abstract"))
        )
    assert "pending" not in statuses


def test_ten_reviewers_in_threads(engine: Engine) -> None:
    project_id, ids, users = team_of_ten(engine)
    url = engine.url.render_as_string(hide_password=False)
    start = time.time() + 1.0
    with ThreadPoolExecutor(REVIEWERS) as pool:
        stored = list(pool.map(lambda user: screen(url, project_id, user, ids, start), users))
    assert_all_stored_once(engine, project_id, ids, users, stored)


@pytest.mark.timeout(240)
def test_ten_reviewers_in_separate_processes(engine: Engine) -> None:
    project_id, ids, users = team_of_ten(engine)
    url = engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    start = time.time() + 8.0  # spawned interpreters need a moment to import everything
    with context.Pool(REVIEWERS) as pool:
        stored = pool.starmap(screen, [(url, project_id, user, ids, start) for user in users])
    assert_all_stored_once(engine, project_id, ids, users, stored)


# -- the same record at the same instant: racers in lock-step, released by a barrier ----------------


def run_race(
    engine: Engine, project_id: int, plans: dict[int, tuple[int, list[Step]]]
) -> dict[int, list[Outcome]]:
    """One spawned process per plan (the same user may have two: two browser tabs); every step of
    every process starts at the same barrier. Returns the outcomes per process (plan order)."""
    url = engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(plans))
    results = context.Queue()
    processes = [
        context.Process(target=race, args=(url, project_id, user_id, steps, barrier, results))
        for user_id, steps in plans.values()
    ]
    for process in processes:
        process.start()
    try:
        collected = [results.get(timeout=200) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=30)
    assert all(process.exitcode == 0 for process in processes)
    by_user: dict[int, list[list[Outcome]]] = {}
    for user_id, outcomes in collected:
        by_user.setdefault(user_id, []).append(outcomes)
    return {slot: by_user[user_id].pop() for slot, (user_id, _) in plans.items()}


def current_by_reviewer(engine: Engine, project_id: int) -> dict[tuple[int, int], str]:
    with session_scope(engine) as session:
        return {
            (row.reviewer_id, row.record_id): row.decision
            for row in session.scalars(
                select(CurrentDecision).where(CurrentDecision.project_id == project_id)
            )
        }


def event_ids(engine: Engine, project_id: int, decision: str | None = None) -> list[int]:
    query = select(DecisionEventRow.id).where(DecisionEventRow.project_id == project_id)
    if decision is not None:
        query = query.where(DecisionEventRow.decision == decision)
    with session_scope(engine) as session:
        return list(session.scalars(query))


@pytest.mark.timeout(300)
def test_four_reviewers_and_the_owner_act_on_the_same_record_at_the_same_instant(engine: Engine) -> None:
    """Per record: four reviewers decide it at once; then, at once again, one undoes it, one
    changes their mind, one double-submits (same key) and the owner resolves it."""
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", 8),))
    crew = build_team(engine, project_id, 4)
    service.update_settings(engine, project_id, crew.owner, pilot_size=0, reviewers_title_abstract=2)
    rng = random.Random(7)
    choices = ("include", "exclude", "maybe")
    plans: dict[int, list[Step]] = {slot: [] for slot in range(5)}
    first: dict[tuple[int, int], tuple[str, str]] = {}
    changed: dict[int, str] = {}
    for record_id in ids:
        for slot in range(4):
            decision, key = rng.choice(choices), new_key()
            first[(slot, record_id)] = (decision, key)
            plans[slot].append(("decide", record_id, decision, key))
        plans[4].append(("idle", record_id, "", ""))
        changed[record_id] = next(c for c in choices if c != first[(1, record_id)][0])
        plans[0].append(("undo", record_id, "", ""))
        plans[1].append(("decide", record_id, changed[record_id], new_key()))
        plans[2].append(("decide", record_id, *first[(2, record_id)]))
        plans[3].append(("idle", record_id, "", ""))
        plans[4].append(("resolve", record_id, "include", ""))
    actors = [*crew.reviewers, crew.owner]
    outcomes = run_race(
        engine, project_id, {slot: (actors[slot].user_id or 0, plans[slot]) for slot in plans}
    )

    # every acknowledged decision is stored exactly once; the double submit was recognised
    stored = [
        int(str(event))
        for slot in range(4)
        for action, _, event, ok in outcomes[slot]
        if action == "decide" and ok
    ]
    assert len(stored) == len(set(stored)) == 4 * len(ids) + len(ids)  # round one, plus the changed minds
    resubmits = [(record, event, ok) for _, record, event, ok in outcomes[2][1::2]]
    firsts = {record: event for _, record, event, _ in outcomes[2][0::2]}
    assert [ok for *_, ok in resubmits] == [False] * len(ids)
    assert all(firsts[record] == event for record, event, _ in resubmits)
    assert [record for _, record, _, _ in outcomes[0][1::2]] == ids  # each undo took back that record
    assert sorted(stored) == sorted(
        set(event_ids(engine, project_id)) - set(event_ids(engine, project_id, "retracted"))
    )
    assert len(event_ids(engine, project_id, "retracted")) == len(ids)

    # nothing lost: the current decisions are exactly what each reviewer last said
    user = [actor.user_id or 0 for actor in actors]
    expected = {(user[1], r): changed[r] for r in ids}
    expected |= {(user[slot], r): first[(slot, r)][0] for slot in (2, 3) for r in ids}
    assert current_by_reviewer(engine, project_id) == expected
    with session_scope(engine) as session:
        resolutions = session.scalar(select(func.count()).select_from(ResolutionRow))
    assert resolutions == sum(ok for action, _, _, ok in outcomes[4] if action == "resolve")
    assert duplicate_keys(engine, project_id) == []
    before = derived_state(engine, project_id)
    assert rebuild_differences(engine, project_id) == []
    assert sum(before.status_counts("title_abstract").values()) == len(ids)
    assert service.progress(engine, project_id, crew.owner, "title_abstract").complete == len(ids)


@pytest.mark.timeout(300)
def test_one_reviewer_submitting_twice_at_the_same_instant(engine: Engine) -> None:
    """Two processes as one reviewer: a double click (the same key) stores one event, one of the
    two receipts saying "stored"; two tabs (a key each) store two events, one current decision."""
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", 12),))
    crew = build_team(engine, project_id, 2)
    service.update_settings(engine, project_id, crew.owner, pilot_size=0)
    reviewer = crew.reviewers[0].user_id or 0
    tab_a: list[Step] = []
    tab_b: list[Step] = []
    for number, record_id in enumerate(ids):
        decision = ("include", "exclude", "maybe")[number % 3]
        key = new_key()
        tab_a.append(("decide", record_id, decision, key))
        tab_b.append(("decide", record_id, decision, key if number % 2 == 0 else new_key()))
    outcomes = run_race(engine, project_id, {0: (reviewer, tab_a), 1: (reviewer, tab_b)})

    with session_scope(engine) as session:
        per_record = dict(
            session.execute(
                select(DecisionEventRow.record_id, func.count()).group_by(DecisionEventRow.record_id)
            ).all()
        )
    for number, record_id in enumerate(ids):
        (_, _, event_a, stored_a), (_, _, event_b, stored_b) = outcomes[0][number], outcomes[1][number]
        if number % 2 == 0:  # the same key: one event, both receipts name it, one says stored
            assert per_record[record_id] == 1 and event_a == event_b and stored_a != stored_b
        else:  # two tabs: two submits, both stored, latest wins
            assert per_record[record_id] == 2 and event_a != event_b and stored_a and stored_b
    assert len(current_by_reviewer(engine, project_id)) == len(ids)
    assert duplicate_keys(engine, project_id) == []
    assert rebuild_differences(engine, project_id) == []

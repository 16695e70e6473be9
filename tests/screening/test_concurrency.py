"""Ten reviewers deciding at the same time, in threads and in separate processes, on SQLite and
PostgreSQL: every decision is stored exactly once, none is lost, the derived counts are right."""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from review.people import add_member, create_user, ensure_owner
from review.screening import service
from review.store.engine import session_scope
from review.store.screening_schema import CurrentDecision, DecisionEventRow, ScreeningStatus
from tests.screening.builders import build_project
from tests.screening.concurrency_worker import screen

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

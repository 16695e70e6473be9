"""The PostgreSQL connection cut in the middle of a screening session (`pg_terminate_backend` from
a second connection): between actions the pool's pre-ping replaces the dead connection unnoticed;
inside a decision the transaction is rolled back and run again with the same idempotency key, so
the decision is stored exactly once even when only the COMMIT's acknowledgement was lost; a
connection that stays lost, or an action that is not safe to repeat, raises `DatabaseUnavailable`
with a message for the page. Afterwards the derived state always equals a rebuild from the events.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from review.people import Actor
from review.screening import service
from review.screening.consistency import duplicate_keys, rebuild_differences
from review.store import engine as engine_module
from review.store.engine import make_engine, session_scope
from review.store.migrate import upgrade
from review.store.screening_schema import CurrentDecision, DecisionEventRow, ResolutionRow
from review.store.transactions import RETRY_DELAYS, DatabaseUnavailable
from tests.screening.builders import Team, build_project, build_team
from tests.screening.pg_faults import BackendKiller

TA = "title_abstract"
#: Every test here but the last runs on PostgreSQL only (skipped without REVIEW_TEST_POSTGRES_URL).
on_postgres = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def killer(engine: Engine) -> Iterator[BackendKiller]:
    killer = BackendKiller(engine)
    yield killer
    killer.close()


@pytest.fixture
def team(engine: Engine) -> tuple[Team, list[int]]:
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", 6),))
    team = build_team(engine, project_id, 2)
    service.update_settings(engine, project_id, team.owner, pilot_size=0)
    return team, ids


def events_with_key(engine: Engine, key: str) -> list[int]:
    with session_scope(engine) as session:
        return list(
            session.scalars(select(DecisionEventRow.id).where(DecisionEventRow.idempotency_key == key))
        )


def event_count(engine: Engine, project_id: int) -> int:
    with session_scope(engine) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(DecisionEventRow)
                .where(DecisionEventRow.project_id == project_id)
            )
            or 0
        )


def assert_consistent(engine: Engine, project_id: int) -> None:
    assert duplicate_keys(engine, project_id) == []
    assert rebuild_differences(engine, project_id) == []


@on_postgres
def test_connections_cut_between_decisions_are_replaced_unnoticed(
    engine: Engine, killer: BackendKiller, team: tuple[Team, list[int]]
) -> None:
    crew, ids = team
    reviewer = crew.reviewers[0]
    service.record_decision(engine, crew.project_id, reviewer, ids[0], TA, "include")
    assert killer.kill_all() >= 1  # the pool holds the app's connection, now dead
    card = service.next_record(engine, crew.project_id, reviewer, TA)
    assert card is not None and card.record_id != ids[0]
    killer.kill_all()
    receipt = service.record_decision(engine, crew.project_id, reviewer, card.record_id, TA, "exclude")
    assert receipt.stored
    assert event_count(engine, crew.project_id) == 2
    assert_consistent(engine, crew.project_id)


@on_postgres
@pytest.mark.parametrize(
    ("where", "stored"),
    [
        pytest.param("FOR UPDATE", True, id="while locking the record"),
        pytest.param("INSERT INTO decision_events", True, id="before the event is inserted"),
        pytest.param("INSERT INTO current_decisions", True, id="after the event, before the derived state"),
        pytest.param("commit", True, id="at COMMIT"),
        pytest.param("after commit", False, id="after COMMIT: only the acknowledgement is lost"),
    ],
)
def test_a_cut_inside_a_decision_is_retried_and_stored_exactly_once(
    engine: Engine,
    killer: BackendKiller,
    team: tuple[Team, list[int]],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    stored: bool,
) -> None:
    crew, ids = team
    reviewer = crew.reviewers[0]
    service.record_decision(engine, crew.project_id, reviewer, ids[0], TA, "include")
    if where == "commit":
        fault = killer.before_commit()
    elif where == "after commit":
        fault = killer.after_commit(monkeypatch)
    else:
        fault = killer.before_statement(where)
    key = service.new_key()
    with fault:
        receipt = service.record_decision(
            engine, crew.project_id, reviewer, ids[1], TA, "exclude", idempotency_key=key
        )
    assert killer.killed == 1
    assert events_with_key(engine, key) == [receipt.event_id]
    assert receipt.stored is stored  # after a lost acknowledgement the retry found the first run's event
    assert (receipt.record_id, receipt.decision) == (ids[1], "exclude")
    assert event_count(engine, crew.project_id) == 2
    # the page's own retry (same key, the card is still on screen) stores nothing more
    again = service.record_decision(
        engine, crew.project_id, reviewer, ids[1], TA, "exclude", idempotency_key=key
    )
    assert (again.event_id, again.stored) == (receipt.event_id, False)
    assert_consistent(engine, crew.project_id)


@on_postgres
def test_a_decision_without_a_key_is_still_stored_once_after_a_lost_acknowledgement(
    engine: Engine, killer: BackendKiller, team: tuple[Team, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line and imports send no key: the retry must reuse the one made for the call."""
    crew, ids = team
    with killer.after_commit(monkeypatch):
        receipt = service.record_decision(engine, crew.project_id, crew.reviewers[0], ids[0], TA, "maybe")
    assert killer.killed == 1 and not receipt.stored
    assert event_count(engine, crew.project_id) == 1
    assert_consistent(engine, crew.project_id)


@on_postgres
def test_undo_after_a_lost_acknowledgement_takes_back_one_decision_not_two(
    engine: Engine, killer: BackendKiller, team: tuple[Team, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    crew, ids = team
    reviewer = crew.reviewers[0]
    for record_id in ids[:3]:
        service.record_decision(engine, crew.project_id, reviewer, record_id, TA, "include")
    with killer.after_commit(monkeypatch):
        undone = service.undo_last_decision(engine, crew.project_id, reviewer, TA)
    assert killer.killed == 1
    assert undone == ids[2]
    with session_scope(engine) as session:
        current = set(
            session.scalars(
                select(CurrentDecision.record_id).where(CurrentDecision.reviewer_id == reviewer.user_id)
            )
        )
        retractions = session.scalar(
            select(func.count()).select_from(DecisionEventRow).where(DecisionEventRow.decision == "retracted")
        )
    assert current == set(ids[:2]) and retractions == 1
    assert_consistent(engine, crew.project_id)


@on_postgres
def test_a_connection_that_stays_lost_raises_a_clear_error_and_stores_nothing(
    engine: Engine, killer: BackendKiller, team: tuple[Team, list[int]]
) -> None:
    crew, ids = team
    reviewer = crew.reviewers[0]
    key = service.new_key()
    with (
        killer.before_statement("INSERT INTO decision_events", times=-1),
        pytest.raises(DatabaseUnavailable, match=r"connection was lost .* try again"),
    ):
        service.record_decision(engine, crew.project_id, reviewer, ids[0], TA, "include", idempotency_key=key)
    assert killer.killed == 1 + len(RETRY_DELAYS)  # tried three times, then told the person
    assert events_with_key(engine, key) == []
    receipt = service.record_decision(
        engine, crew.project_id, reviewer, ids[0], TA, "include", idempotency_key=key
    )
    assert receipt.stored and events_with_key(engine, key) == [receipt.event_id]
    assert_consistent(engine, crew.project_id)


@on_postgres
def test_a_resolution_cut_midway_is_not_repeated_and_the_error_says_to_check(
    engine: Engine, killer: BackendKiller, team: tuple[Team, list[int]]
) -> None:
    crew, ids = team
    first, second = crew.reviewers
    service.record_decision(engine, crew.project_id, first, ids[0], TA, "include")
    service.record_decision(engine, crew.project_id, second, ids[0], TA, "exclude")
    with (
        killer.before_statement("INSERT INTO resolutions"),
        pytest.raises(DatabaseUnavailable, match="may or may not have been saved"),
    ):
        service.resolve_conflict(engine, crew.project_id, crew.owner, ids[0], TA, "include")
    assert killer.killed == 1  # run once: a second resolution row must never appear by itself
    assert [view.record_id for view in service.conflicts(engine, crew.project_id, crew.owner, TA)] == [ids[0]]
    assert service.resolve_conflict(engine, crew.project_id, crew.owner, ids[0], TA, "include") == "include"
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(ResolutionRow)) == 1
    assert service.conflicts(engine, crew.project_id, crew.owner, TA) == []
    assert_consistent(engine, crew.project_id)


@on_postgres
def test_a_cut_while_reading_the_next_record_is_read_again(
    engine: Engine, killer: BackendKiller, team: tuple[Team, list[int]]
) -> None:
    crew, _ = team
    reviewer = crew.reviewers[0]
    expected = service.next_record(engine, crew.project_id, reviewer, TA)
    with killer.before_statement("queue_rank"):
        card = service.next_record(engine, crew.project_id, reviewer, TA)
    assert killer.killed == 1 and card == expected


def test_a_server_that_cannot_be_reached_gives_the_same_clear_error() -> None:
    """No server at all (here: nothing listens on the port), so no PostgreSQL is needed."""
    unreachable = make_engine("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    actor = Actor(1, 1, "alice", "reviewer")
    try:
        with pytest.raises(DatabaseUnavailable, match="connection was lost"):
            service.record_decision(unreachable, 1, actor, 1, TA, "include")
        with pytest.raises(DatabaseUnavailable, match="the next record"):
            service.next_record(unreachable, 1, actor, TA)
    finally:
        unreachable.dispose()


def test_sqlite_busy_past_the_timeout_says_so_and_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite: another writer holds the write lock longer than the busy timeout (20 writers in
    separate processes did, in bench/load_bench.py): a clear message, nothing stored, then it works."""
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_MS", 300)
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = make_engine(url)
    upgrade(engine)
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", 3),))
    crew = build_team(engine, project_id, 2)
    service.update_settings(engine, project_id, crew.owner, pilot_size=0)
    blocker = make_engine(url)
    key = service.new_key()
    try:
        with blocker.connect() as connection:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            with pytest.raises(
                DatabaseUnavailable, match=r"The database is busy.*your decision was not saved"
            ):
                service.record_decision(
                    engine, project_id, crew.reviewers[0], ids[0], TA, "include", idempotency_key=key
                )
            connection.exec_driver_sql("ROLLBACK")
        assert events_with_key(engine, key) == []
        receipt = service.record_decision(
            engine, project_id, crew.reviewers[0], ids[0], TA, "include", idempotency_key=key
        )
        assert receipt.stored and events_with_key(engine, key) == [receipt.event_id]
    finally:
        blocker.dispose()
        engine.dispose()

"""Prioritised screening in the database: each reviewer's own ranked queue, blind-safe, on SQLite
and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from review.people import Actor
from review.records.model import Record
from review.screening import priority_queue, service
from review.screening.priority_queue import RERANK_EVERY, ranked_order, refresh_ranks
from review.screening.settings import ProtocolSettings
from review.screening.stopping_guidance import stopping_guidance
from review.store.backup import dump_project, restore_project
from review.store.engine import session_scope
from review.store.projects import get_or_create_project
from review.store.records import insert_records
from review.store.schema import RecordRow, Source
from review.store.screening_schema import ReviewerQueueModel, ReviewerQueueRank
from tests.screening.builders import Team, build_team

TA = "title_abstract"
SETTINGS = ("community", "inpatient", "university", "school", "primary care", "online", "group", "couple")
PLACES = ("boreal", "tropical", "alpine", "coastal", "temperate", "montane", "riparian", "savanna")


@pytest.fixture(autouse=True)
def fresh_matrices() -> Iterator[None]:
    """Each test's database starts with project 1 again (PostgreSQL reuses one database):
    the process-level matrix cache must not carry one test's texts into the next."""
    priority_queue.forget_matrices()
    yield
    priority_queue.forget_matrices()


def relevant(i: int) -> Record:
    place = SETTINGS[i % len(SETTINGS)]
    return Record(
        title=f"Routine outcome monitoring and client feedback in {place} psychotherapy ({i})",
        abstract=f"Therapists used feedback systems and outcome measures with clients in {place} counselling.",
        keywords=["routine outcome monitoring", "feedback"],
        source_key=f"rel-{i}",
    )


def irrelevant(i: int) -> Record:
    place = PLACES[i % len(PLACES)]
    return Record(
        title=f"Soil erosion and carbon storage in {place} forests ({i})",
        abstract=f"We measured soil carbon, erosion and tree growth in {place} forest plots.",
        keywords=["soil", "forest"],
        source_key=f"irr-{i}",
    )


def add_records(engine: Engine, project_id: int, records: list[Record], name: str) -> list[int]:
    with session_scope(engine) as session:
        source = Source(
            project_id=project_id, file_name=name, format="ris", source_database="Test", sha256=name
        )
        session.add(source)
        session.flush()
        insert_records(session, project_id, source.id, records)
        return list(
            session.scalars(
                select(RecordRow.id).where(RecordRow.source_id == source.id).order_by(RecordRow.id)
            )
        )


def prioritised_project(
    engine: Engine, n_relevant: int = 12, n_irrelevant: int = 36
) -> tuple[Team, list[int], list[int]]:
    """A project of relevant and irrelevant records (interleaved), prioritised, no pilot."""
    with session_scope(engine) as session:
        project_id = get_or_create_project(session, "Prioritised").id
    records: list[Record] = []
    kinds: list[bool] = []
    for i in range(max(n_relevant, n_irrelevant)):
        if i < n_relevant:
            records.append(relevant(i))
            kinds.append(True)
        for j in range(3):
            if 3 * i + j < n_irrelevant:
                records.append(irrelevant(3 * i + j))
                kinds.append(False)
    ids = add_records(engine, project_id, records, "mixed.ris")
    team = build_team(engine, project_id)
    service.update_settings(engine, project_id, team.owner, pilot_size=0, screening_order="prioritised")
    good = [record_id for record_id, kind in zip(ids, kinds, strict=True) if kind]
    bad = [record_id for record_id, kind in zip(ids, kinds, strict=True) if not kind]
    return team, good, bad


def decide(engine: Engine, team: Team, actor: Actor, record_id: int, decision: str) -> None:
    service.record_decision(engine, team.project_id, actor, record_id, TA, decision)


def order_of(engine: Engine, team: Team, actor: Actor) -> list[int]:
    assert actor.user_id is not None
    with session_scope(engine) as session:
        return ranked_order(session, team.project_id, actor.user_id)


def test_the_reviewer_gets_the_records_like_their_includes_first(engine: Engine) -> None:
    team, good, bad = prioritised_project(engine)
    alice = team.reviewers[0]
    decide(engine, team, alice, good[0], "include")
    decide(engine, team, alice, bad[0], "exclude")
    served = []
    for _ in range(8):
        card = service.next_record(engine, team.project_id, alice, TA)
        assert card is not None
        served.append(card.record_id)
        decide(engine, team, alice, card.record_id, "include" if card.record_id in good else "exclude")
    assert set(served) <= set(good), "the 8 records after one include and one exclude are all relevant"


def test_a_random_project_has_no_reviewer_ranks_and_keeps_the_shared_order(engine: Engine) -> None:
    team, good, bad = prioritised_project(engine)
    service.update_settings(engine, team.project_id, team.owner, screening_order="random")
    alice, bob = team.reviewers
    decide(engine, team, alice, good[0], "include")
    decide(engine, team, alice, bad[0], "exclude")
    first_alice = service.next_record(engine, team.project_id, alice, TA)
    first_bob = service.next_record(engine, team.project_id, bob, TA)
    assert first_alice is not None and first_bob is not None
    assert alice.user_id is not None
    assert refresh_ranks(engine, team.project_id, alice.user_id) is None
    assert order_of(engine, team, alice) == []
    assert first_bob.record_id == min(
        set(good + bad), key=lambda record_id: priority_queue_rank(engine, team.project_id, record_id)
    )


def priority_queue_rank(engine: Engine, project_id: int, record_id: int) -> int:
    from review.store.screening_schema import ScreeningStatus

    with session_scope(engine) as session:
        rank = session.scalar(
            select(ScreeningStatus.queue_rank).where(
                ScreeningStatus.project_id == project_id,
                ScreeningStatus.stage == TA,
                ScreeningStatus.record_id == record_id,
            )
        )
    assert rank is not None
    return int(rank)


def test_before_the_first_include_the_queue_keeps_the_random_order(engine: Engine) -> None:
    team, good, bad = prioritised_project(engine)
    alice = team.reviewers[0]
    assert alice.user_id is not None
    decide(engine, team, alice, bad[0], "exclude")
    card = service.next_record(engine, team.project_id, alice, TA)
    assert card is not None
    assert order_of(engine, team, alice) == []
    with session_scope(engine) as session:
        model = session.get(ReviewerQueueModel, (team.project_id, alice.user_id))
        assert model is not None and model.ranked == 0 and model.labels == 1
    decide(engine, team, alice, good[0], "include")  # the first include: ranked at the next serve
    service.next_record(engine, team.project_id, alice, TA)
    assert len(order_of(engine, team, alice)) == len(good) + len(bad) - 2


def test_blind_safe_another_reviewers_blind_decisions_never_change_my_order(engine: Engine) -> None:
    team, good, bad = prioritised_project(engine)
    alice, bob = team.reviewers
    assert alice.user_id is not None
    decide(engine, team, alice, good[0], "include")
    decide(engine, team, alice, bad[0], "exclude")
    decide(engine, team, alice, good[1], "exclude")  # alice's mistake: bob will disagree
    first = service.next_record(engine, team.project_id, alice, TA)
    order_before = order_of(engine, team, alice)
    assert first is not None and order_before

    # Bob screens blind, opposite to the truth, on records alice has not seen and on hers.
    for record_id in good[2:6]:
        decide(engine, team, bob, record_id, "exclude")
    for record_id in bad[1:6]:
        decide(engine, team, bob, record_id, "include")
    decide(engine, team, bob, good[0], "include")  # agrees with alice: final, same label as hers
    decide(engine, team, bob, good[1], "include")  # a conflict with alice

    assert refresh_ranks(engine, team.project_id, alice.user_id) is None, "bob's decisions trigger nothing"
    assert order_of(engine, team, alice) == order_before
    again = service.next_record(engine, team.project_id, alice, TA)
    assert again is not None and again.record_id == first.record_id
    forced = refresh_ranks(engine, team.project_id, alice.user_id, force=True)
    assert forced is not None and forced.labels == 3
    assert order_of(engine, team, alice) == order_before, "retrained: still the same order"

    # The owner settles the conflict: a final decision, which alice's model learns from.
    service.resolve_conflict(engine, team.project_id, team.owner, good[1], TA, "include")
    result = refresh_ranks(engine, team.project_id, alice.user_id)
    assert result is not None and result.includes == 2
    assert order_of(engine, team, alice) != order_before


def test_blind_safe_with_the_same_decisions_alone(engine: Engine) -> None:
    """The same project screened by alice alone gives her the same order as with bob's decisions."""
    team, good, bad = prioritised_project(engine)
    alice, bob = team.reviewers
    assert alice.user_id is not None and bob.user_id is not None
    decide(engine, team, alice, good[0], "include")
    decide(engine, team, alice, bad[0], "exclude")
    refresh_ranks(engine, team.project_id, alice.user_id, force=True)
    alone = order_of(engine, team, alice)
    for record_id in bad[1:10]:
        decide(engine, team, bob, record_id, "include")
    refresh_ranks(engine, team.project_id, alice.user_id, force=True)
    assert order_of(engine, team, alice) == alone
    refresh_ranks(engine, team.project_id, bob.user_id, force=True)
    assert order_of(engine, team, bob) != alone, "bob's own order follows his own decisions"


def test_ranks_are_recomputed_every_few_decisions_on_import_and_merge(engine: Engine) -> None:
    team, good, bad = prioritised_project(engine)
    alice = team.reviewers[0]
    assert alice.user_id is not None
    decide(engine, team, alice, good[0], "include")
    decide(engine, team, alice, bad[0], "exclude")
    assert refresh_ranks(engine, team.project_id, alice.user_id) is not None
    assert refresh_ranks(engine, team.project_id, alice.user_id) is None, "fresh"
    for record_id in bad[1:RERANK_EVERY]:
        decide(engine, team, alice, record_id, "exclude")
        assert refresh_ranks(engine, team.project_id, alice.user_id) is None, "not on every decision"
    decide(engine, team, alice, bad[RERANK_EVERY], "exclude")
    assert refresh_ranks(engine, team.project_id, alice.user_id) is not None, f"after {RERANK_EVERY}"

    new = add_records(engine, team.project_id, [relevant(100), irrelevant(100)], "late.ris")
    assert refresh_ranks(engine, team.project_id, alice.user_id) is not None, "an import changes the records"
    assert set(new) <= set(order_of(engine, team, alice))
    order = order_of(engine, team, alice)
    assert order.index(new[0]) < order.index(new[1]), "the new relevant record before the new irrelevant one"

    from tests.screening.builders import mark_duplicate

    mark_duplicate(engine, new[0], good[3])
    assert refresh_ranks(engine, team.project_id, alice.user_id) is not None, "a merge changes the records"
    assert new[0] not in order_of(engine, team, alice)


def test_records_without_a_rank_follow_in_the_random_order(engine: Engine) -> None:
    team, good, bad = prioritised_project(engine, n_relevant=2, n_irrelevant=4)
    alice = team.reviewers[0]
    assert alice.user_id is not None
    decide(engine, team, alice, good[0], "include")
    decide(engine, team, alice, bad[0], "exclude")
    refresh_ranks(engine, team.project_id, alice.user_id)
    ranked = order_of(engine, team, alice)
    with session_scope(engine) as session:  # as if the last two had been imported since
        session.execute(
            ReviewerQueueRank.__table__.delete().where(ReviewerQueueRank.record_id.in_(ranked[-2:]))
        )
    served = []
    while (card := service.next_record(engine, team.project_id, alice, TA)) is not None:
        served.append(card.record_id)
        decide(engine, team, alice, card.record_id, "exclude")  # 4 decisions: no re-ranking yet
    assert served[:2] == ranked[:2]
    assert sorted(served[2:]) == sorted(ranked[2:])
    assert served[2:] == sorted(ranked[2:], key=lambda r: priority_queue_rank(engine, team.project_id, r))


def test_a_backup_carries_the_ranks_and_the_restored_project_ranks_again(engine: Engine) -> None:
    team, good, bad = prioritised_project(engine)
    alice = team.reviewers[0]
    assert alice.user_id is not None
    decide(engine, team, alice, good[0], "include")
    decide(engine, team, alice, bad[0], "exclude")
    service.next_record(engine, team.project_id, alice, TA)
    data = dump_project(engine, "Prioritised")
    assert len(data["tables"]["reviewer_queue_ranks"]) == len(good) + len(bad) - 2
    assert len(data["tables"]["reviewer_queue_models"]) == 1
    restored = restore_project(engine, data, "Prioritised copy")
    with session_scope(engine) as session:
        from review.store.schema import Project

        project_id = session.scalar(select(Project.id).where(Project.name == restored))
        assert project_id is not None
        copied = session.scalar(
            select(func.count())
            .select_from(ReviewerQueueRank)
            .where(ReviewerQueueRank.project_id == project_id)
        )
    assert copied == len(good) + len(bad) - 2
    assert refresh_ranks(engine, project_id, alice.user_id) is not None, "new ids: computed again"


def test_the_order_setting_is_checked() -> None:
    assert not ProtocolSettings().prioritised
    assert ProtocolSettings(screening_order="prioritised").prioritised
    with pytest.raises(ValueError, match="screening_order must be one of random, prioritised"):
        ProtocolSettings(screening_order="smart")


def test_stopping_guidance_curves_follow_the_blinding_rule(engine: Engine) -> None:
    team, good, bad = prioritised_project(engine)
    alice, bob = team.reviewers
    for record_id, decision in (
        (good[0], "include"),
        (bad[0], "exclude"),
        (bad[1], "exclude"),
        (good[1], "maybe"),
    ):
        decide(engine, team, alice, record_id, decision)
        decide(engine, team, bob, record_id, "include" if decision == "maybe" else decision)
    decide(engine, team, alice, bad[2], "exclude")  # bob has not decided it: not final
    decide(engine, team, bob, good[2], "include")  # alice has not: not final, not hers

    mine = stopping_guidance(engine, team.project_id, alice)
    assert mine.total == len(good) + len(bad) and mine.order == "prioritised"
    assert mine.team is None, "a blinded reviewer never sees the team's curve"
    assert mine.mine is not None and mine.mine.includes == (1, 1, 1, 2, 2), "a Maybe counts as Include"
    assert mine.mine.estimate.screened == 5 and mine.mine.estimate.includes_found == 2
    assert not mine.mine.estimate.safe_to_stop
    assert mine.mine.points() == [(0, 0), (1, 1), (2, 1), (3, 1), (4, 2), (5, 2)]
    assert mine.model is None, "alice has not been served a record since: no ranking yet"
    service.next_record(engine, team.project_id, alice, TA)
    model = stopping_guidance(engine, team.project_id, alice).model
    assert model is not None and (model.labels, model.includes) == (5, 2), "bob's pending include not learnt"

    owners = stopping_guidance(engine, team.project_id, team.owner)
    assert owners.team is not None and owners.team.includes == (1, 1, 1, 2), "agreed records, in order"
    assert owners.mine is not None and owners.mine.screened == 0
    viewers = stopping_guidance(engine, team.project_id, team.viewer)
    assert viewers.mine is None and viewers.team is not None
    service.update_settings(engine, team.project_id, team.owner, blinding=False)
    assert stopping_guidance(engine, team.project_id, alice).team is not None


def test_an_undone_record_comes_back_first(engine: Engine) -> None:
    team, good, bad = prioritised_project(engine)
    alice = team.reviewers[0]
    assert alice.user_id is not None
    decide(engine, team, alice, good[0], "include")
    decide(engine, team, alice, bad[0], "exclude")
    card = service.next_record(engine, team.project_id, alice, TA)
    assert card is not None
    decide(engine, team, alice, card.record_id, "include" if card.record_id in good else "exclude")
    refresh_ranks(engine, team.project_id, alice.user_id, force=True)  # now labelled, so not ranked
    assert card.record_id not in order_of(engine, team, alice)
    assert service.undo_last_decision(engine, team.project_id, alice, TA) == card.record_id
    back = service.next_record(engine, team.project_id, alice, TA)
    assert back is not None and back.record_id == card.record_id
    decide(engine, team, alice, back.record_id, "exclude")
    after = service.next_record(engine, team.project_id, alice, TA)
    assert after is not None and after.record_id != card.record_id, "decided again: it leaves the queue"


def test_a_large_projects_matrix_is_built_in_the_background(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No click waits for the matrix: the queue serves in the random order until it is built."""
    monkeypatch.setattr(priority_queue, "BACKGROUND_BUILD_FROM", 1)
    built = threading.Event()
    release = threading.Event()
    real_build = priority_queue.build_text_matrix

    def slow_build(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)
        try:
            return real_build(*args, **kwargs)
        finally:
            built.set()

    monkeypatch.setattr(priority_queue, "build_text_matrix", slow_build)
    team, good, bad = prioritised_project(engine)
    alice = team.reviewers[0]
    decide(engine, team, alice, good[0], "include")
    decide(engine, team, alice, bad[0], "exclude")
    first = service.next_record(engine, team.project_id, alice, TA)
    assert first is not None and order_of(engine, team, alice) == [], "served at once, not ranked yet"
    release.set()
    assert built.wait(30)
    deadline = time.monotonic() + 30
    while priority_queue._building and time.monotonic() < deadline:  # the thread's last step
        time.sleep(0.05)
    ranked = service.next_record(engine, team.project_id, alice, TA)
    assert ranked is not None and ranked.record_id in good
    assert len(order_of(engine, team, alice)) == len(good) + len(bad) - 2

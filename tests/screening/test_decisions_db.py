"""Decisions in the database: rules, idempotency, undo, the queue, full text, derived state."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Engine, select

from review.screening import service
from review.screening.conflicts import classify_records
from review.screening.model import current_decisions
from review.screening.state import ScreeningError, rebuild_state, stage_events
from review.store.engine import session_scope
from review.store.screening_schema import CurrentDecision, DecisionEventRow, ScreeningStatus
from tests.screening.builders import Team, build_project, build_team, mark_duplicate

TA, FT = "title_abstract", "full_text"


def setup(
    engine: Engine, reviewers: int = 2, records: int = 20, **settings: object
) -> tuple[Team, list[int]]:
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", records),))
    team = build_team(engine, project_id, reviewers=reviewers)
    service.update_settings(engine, project_id, team.owner, pilot_size=0, **settings)
    return team, ids


def screen_all(engine: Engine, team: Team, actor_index: int, decision: str, stage: str = TA) -> list[int]:
    """The reviewer decides every record in their queue; returns the record ids in queue order."""
    seen = []
    actor = team.reviewers[actor_index]
    while (card := service.next_record(engine, team.project_id, actor, stage)) is not None:
        reason = "Wrong population" if stage == FT and decision == "exclude" else None
        service.record_decision(engine, team.project_id, actor, card.record_id, stage, decision, reason)
        seen.append(card.record_id)
    return seen


def test_a_retried_submit_is_stored_once(engine: Engine) -> None:
    team, ids = setup(engine)
    r1 = team.reviewers[0]
    key = service.new_key()
    first = service.record_decision(engine, team.project_id, r1, ids[0], TA, "include", idempotency_key=key)
    again = service.record_decision(engine, team.project_id, r1, ids[0], TA, "include", idempotency_key=key)
    assert first.stored and not again.stored
    assert again.event_id == first.event_id
    with session_scope(engine) as session:
        assert len(session.scalars(select(DecisionEventRow)).all()) == 1


def test_a_changed_mind_is_a_new_event_and_the_latest_counts(engine: Engine) -> None:
    team, ids = setup(engine)
    r1 = team.reviewers[0]
    service.record_decision(engine, team.project_id, r1, ids[0], TA, "include")
    service.record_decision(engine, team.project_id, r1, ids[0], TA, "exclude")
    [current] = service.decisions_visible_to(engine, team.project_id, r1)
    assert current.decision == "exclude"
    assert len(service.decisions_visible_to(engine, team.project_id, r1, history=True)) == 2


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        pytest.param("retracted", "undo", id="retracted is not a decision"),
        pytest.param("perhaps", "unknown screening decision", id="unknown decision"),
    ],
)
def test_bad_decisions_are_refused(engine: Engine, decision: str, message: str) -> None:
    team, ids = setup(engine)
    with pytest.raises(ScreeningError, match=message):
        service.record_decision(engine, team.project_id, team.reviewers[0], ids[0], TA, decision)


def test_a_record_of_another_project_or_a_removed_duplicate_is_refused(engine: Engine) -> None:
    team, ids = setup(engine)
    _, other_ids = build_project(engine, "other review")
    with pytest.raises(ScreeningError, match="not a record of this project"):
        service.record_decision(engine, team.project_id, team.reviewers[0], other_ids[0], TA, "include")
    mark_duplicate(engine, ids[1], ids[0])
    with pytest.raises(ScreeningError, match="merged into record"):
        service.record_decision(engine, team.project_id, team.reviewers[0], ids[1], TA, "include")


def test_undo_takes_back_the_latest_decisions_one_by_one(engine: Engine) -> None:
    team, _ = setup(engine)
    r1 = team.reviewers[0]
    first = service.next_record(engine, team.project_id, r1, TA)
    assert first is not None
    service.record_decision(engine, team.project_id, r1, first.record_id, TA, "include")
    second = service.next_record(engine, team.project_id, r1, TA)
    assert second is not None and second.record_id != first.record_id
    service.record_decision(engine, team.project_id, r1, second.record_id, TA, "exclude")
    assert service.undo_last_decision(engine, team.project_id, r1, TA) == second.record_id
    again = service.next_record(engine, team.project_id, r1, TA)
    assert again is not None and again.record_id == second.record_id  # back in the queue, same place
    assert service.undo_last_decision(engine, team.project_id, r1, TA) == first.record_id
    assert service.undo_last_decision(engine, team.project_id, r1, TA) is None
    assert service.decisions_visible_to(engine, team.project_id, r1) == []


def test_the_queue_order_is_stable_random_and_shared(engine: Engine) -> None:
    team, ids = setup(engine)
    order_a = screen_all(engine, team, 0, "include")
    order_b = screen_all(engine, team, 1, "include")
    assert order_a == order_b
    assert sorted(order_a) == ids and order_a != ids  # every record once, not in import order


def test_a_record_decided_by_enough_reviewers_leaves_the_third_queue(engine: Engine) -> None:
    team, ids = setup(engine, reviewers=3, records=6)
    r1, r2, r3 = team.reviewers
    service.record_decision(engine, team.project_id, r1, ids[0], TA, "include")
    service.record_decision(engine, team.project_id, r2, ids[0], TA, "include")
    service.record_decision(engine, team.project_id, r1, ids[1], TA, "include")
    queue3 = screen_all(engine, team, 2, "exclude")
    assert ids[0] not in queue3 and ids[1] in queue3
    assert len(queue3) == 5
    assert service.progress(engine, team.project_id, r3, TA).mine_remaining == 0
    # r1 and r2 still have the four records only r3 decided (r1 and r3 completed ids[1]).
    assert service.progress(engine, team.project_id, r1, TA).mine_remaining == 4
    assert service.progress(engine, team.project_id, r2, TA).mine_remaining == 4


def test_more_reviewers_than_needed_start_apart_and_still_cover_every_record(engine: Engine) -> None:
    team, ids = setup(engine, reviewers=3, records=60)
    reviewers = team.reviewers
    # Until a third reviewer has decided something, everyone starts from the top of one order.
    first = service.next_record(engine, team.project_id, reviewers[0], TA)
    assert first is not None
    assert service.next_record(engine, team.project_id, reviewers[1], TA).record_id == first.record_id  # type: ignore[union-attr]
    for actor in reviewers:  # each decides one record, so three are active with two required
        card = service.next_record(engine, team.project_id, actor, TA)
        assert card is not None
        service.record_decision(engine, team.project_id, actor, card.record_id, TA, "exclude")
    served = {service.next_record(engine, team.project_id, actor, TA).record_id for actor in reviewers}  # type: ignore[union-attr]
    assert len(served) == 3  # working at the same moment, no two are served the same record
    # Working on until their queues are empty, the three give every record exactly two decisions.
    while True:
        moved = False
        for actor in reviewers:
            card = service.next_record(engine, team.project_id, actor, TA)
            if card is not None:
                service.record_decision(engine, team.project_id, actor, card.record_id, TA, "exclude")
                moved = True
        if not moved:
            break
    with session_scope(engine) as session:
        counts = dict(
            session.execute(
                select(ScreeningStatus.record_id, ScreeningStatus.decided).where(
                    ScreeningStatus.project_id == team.project_id, ScreeningStatus.stage == TA
                )
            ).all()
        )
    assert set(counts) == set(ids) and all(count >= 2 for count in counts.values())
    # Staggered, hardly any record gets a third decision (from the top, about one in three would).
    assert sum(count > 2 for count in counts.values()) <= 3


def test_the_pilot_is_served_to_everyone_first(engine: Engine) -> None:
    team, _ = setup(engine, reviewers=3, records=10)
    service.update_settings(engine, team.project_id, team.owner, pilot_size=3)
    status = service.pilot_status(engine, team.project_id, team.owner)
    pilot = status.record_ids
    assert len(pilot) == 3 and status.result is not None and not status.result.complete
    for index in range(3):
        served = []
        for _ in range(3):
            card = service.next_record(engine, team.project_id, team.reviewers[index], TA)
            assert card is not None and card.in_pilot
            service.record_decision(
                engine, team.project_id, team.reviewers[index], card.record_id, TA, "include"
            )
            served.append(card.record_id)
        assert served == pilot
    result = service.pilot_status(engine, team.project_id, team.owner).result
    assert result is not None and result.complete and result.passed and result.agreement == 1.0
    card = service.next_record(engine, team.project_id, team.reviewers[0], TA)
    assert card is not None and not card.in_pilot


def test_removed_duplicates_are_not_in_any_queue(engine: Engine) -> None:
    team, ids = setup(engine, records=5)
    mark_duplicate(engine, ids[4], ids[0], "manual")
    assert sorted(screen_all(engine, team, 0, "include")) == ids[:4]


def test_full_text_needs_inclusion_at_title_abstract_and_a_reason_to_exclude(engine: Engine) -> None:
    team, ids = setup(engine, records=4)
    r1, r2 = team.reviewers
    with pytest.raises(ScreeningError, match="not included at title/abstract"):
        service.record_decision(engine, team.project_id, r1, ids[0], FT, "include")
    for reviewer in (r1, r2):
        service.record_decision(engine, team.project_id, reviewer, ids[0], TA, "include")
        service.record_decision(engine, team.project_id, reviewer, ids[1], TA, "exclude")
    assert service.next_record(engine, team.project_id, r1, FT).record_id == ids[0]  # type: ignore[union-attr]
    with pytest.raises(ScreeningError, match="needs a reason"):
        service.record_decision(engine, team.project_id, r1, ids[0], FT, "exclude")
    with pytest.raises(ScreeningError, match="not included"):
        service.record_decision(engine, team.project_id, r1, ids[1], FT, "include")
    service.record_decision(engine, team.project_id, r1, ids[0], FT, "exclude", "Wrong concept")
    assert service.next_record(engine, team.project_id, r1, FT) is None


def test_full_text_pdf_link_and_not_retrievable(engine: Engine) -> None:
    team, ids = setup(engine, records=2)
    r1, r2 = team.reviewers
    for reviewer in (r1, r2):
        service.record_decision(engine, team.project_id, reviewer, ids[0], TA, "include")
    with pytest.raises(ScreeningError, match="not included"):
        service.mark_not_retrievable(engine, team.project_id, r1, ids[1])
    with pytest.raises(ScreeningError, match="not a PDF"):
        service.attach_full_text(engine, team.project_id, r1, ids[0], pdf=b"hello", file_name="x.pdf")
    with pytest.raises(ScreeningError, match="limit"):
        service.attach_full_text(
            engine,
            team.project_id,
            r1,
            ids[0],
            pdf=b"%PDF-" + b"0" * service.MAX_PDF_BYTES,
            file_name="big.pdf",
        )
    with pytest.raises(ScreeningError, match="web address"):
        service.attach_full_text(engine, team.project_id, r1, ids[0], url="javascript:alert(1)")
    service.mark_not_retrievable(engine, team.project_id, r1, ids[0], "library has no access")
    info = service.full_text_of(engine, team.project_id, r2, ids[0])
    assert info is not None and info.kind == "not_retrievable"
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 10
    stored = service.attach_full_text(
        engine, team.project_id, r2, ids[0], pdf=pdf, file_name="../../etc/x.pdf"
    )
    assert stored.file_name == "x.pdf" and stored.size_bytes == len(pdf)
    assert service.full_text_pdf(engine, team.project_id, r1, stored.full_text_id) == ("x.pdf", pdf)
    link = service.attach_full_text(engine, team.project_id, r1, ids[0], url="https://doi.org/10.1/x")
    assert service.full_text_of(engine, team.project_id, r1, ids[0]) == link
    from review.people import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.full_text_of(engine, team.project_id, team.viewer, ids[0])


def _derived(engine: Engine, project_id: int) -> tuple[set[tuple[object, ...]], set[tuple[object, ...]]]:
    with session_scope(engine) as session:
        current = {
            (c.stage, c.record_id, c.reviewer_id, c.decision)
            for c in session.scalars(select(CurrentDecision))
        }
        status = {
            (s.stage, s.record_id, s.decided, s.status, s.final_decision)
            for s in session.scalars(select(ScreeningStatus))
            if s.decided or s.final_decision
        }
    return current, status


def test_the_derived_state_is_what_the_pure_rules_say(engine: Engine) -> None:
    team, ids = setup(engine, reviewers=3, records=12, maybe_counts_as_include=False)
    rng = random.Random(42)
    for _ in range(120):
        actor = rng.choice(team.reviewers)
        record = rng.choice(ids)
        if rng.random() < 0.15:
            service.undo_last_decision(engine, team.project_id, actor, TA)
        else:
            service.record_decision(
                engine, team.project_id, actor, record, TA, rng.choice(["include", "exclude", "maybe"])
            )
    with session_scope(engine) as session:
        expected = classify_records(
            current_decisions(stage_events(session, team.project_id, TA, None)),
            TA,
            maybe_counts_as_include=False,
        )
    current, status = _derived(engine, team.project_id)
    assert {(TA, r, s.status, s.final_decision) for r, s in expected.items() if s.decisions} == {
        (stage, r, st, f) for stage, r, _, st, f in status if stage == TA
    }
    assert {(TA, r, rev) for r, s in expected.items() for rev in s.decisions} == {
        (st, r, rev) for st, r, rev, _ in current
    }
    before = _derived(engine, team.project_id)
    rebuild_state(engine, team.project_id)
    assert _derived(engine, team.project_id) == before


def test_changing_the_reviewers_needed_reopens_records(engine: Engine) -> None:
    team, ids = setup(engine, reviewers=3, records=3)
    r1, r2, r3 = team.reviewers
    for reviewer in (r1, r2):
        service.record_decision(engine, team.project_id, reviewer, ids[0], TA, "include")
    assert ids[0] not in screen_all(engine, team, 2, "include")
    service.undo_last_decision(engine, team.project_id, r3, TA)
    service.undo_last_decision(engine, team.project_id, r3, TA)
    service.update_settings(engine, team.project_id, team.owner, reviewers_title_abstract=3)
    assert service.progress(engine, team.project_id, team.owner, TA).complete == 0
    card = service.next_record(engine, team.project_id, r3, TA)
    assert card is not None
    assert ids[0] in screen_all(engine, team, 2, "include")


def test_settings_are_checked_and_owner_only(engine: Engine) -> None:
    team, _ = setup(engine)
    from review.people import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.update_settings(engine, team.project_id, team.reviewers[0], blinding=False)
    with pytest.raises(ValueError, match="unknown screening settings"):
        service.update_settings(engine, team.project_id, team.owner, blinded=False)
    with pytest.raises(ValueError, match="between 1 and 20"):
        service.update_settings(engine, team.project_id, team.owner, reviewers_full_text=0)
    changed = service.update_settings(engine, team.project_id, team.owner, highlight_include=["feedback"])
    assert service.protocol(engine, team.project_id) == changed
    assert changed.highlight_include == ("feedback",)

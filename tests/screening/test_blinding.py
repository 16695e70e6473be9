"""The blinding and role rules, proven on the functions the pages call (review.screening.service)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from review.people import PermissionDenied, actor_for, add_member, remove_member
from review.screening import service
from tests.screening.builders import Team, build_project, build_team

TA = "title_abstract"


@pytest.fixture
def screened(engine: Engine) -> tuple[Engine, Team, list[int]]:
    """Two blinded reviewers who disagree on the first record and agree on the second."""
    project_id, ids = build_project(engine)
    team = build_team(engine, project_id, reviewers=3)
    service.update_settings(engine, project_id, team.owner, pilot_size=0)
    r1, r2, _ = team.reviewers
    service.record_decision(engine, project_id, r1, ids[0], TA, "include", note="r1 likes it")
    service.record_decision(engine, project_id, r2, ids[0], TA, "exclude", "Wrong population", "r2 does not")
    service.record_decision(engine, project_id, r1, ids[1], TA, "exclude")
    service.record_decision(engine, project_id, r2, ids[1], TA, "exclude")
    return engine, team, ids


def test_a_blinded_reviewer_gets_only_their_own_decisions(screened: tuple[Engine, Team, list[int]]) -> None:
    engine, team, _ = screened
    r1, r2, r3 = team.reviewers
    for reviewer in (r1, r2):
        for history in (False, True):
            seen = service.decisions_visible_to(engine, team.project_id, reviewer, history=history)
            assert seen and {d.reviewer_id for d in seen} == {reviewer.user_id}
    assert service.decisions_visible_to(engine, team.project_id, r3) == []
    mine = service.decision_rows(engine, team.project_id, r1)
    assert {row["reviewer"] for row in mine} == {"r1"}


def test_a_viewer_sees_no_decision_and_the_owner_sees_all(screened: tuple[Engine, Team, list[int]]) -> None:
    engine, team, _ = screened
    assert service.decisions_visible_to(engine, team.project_id, team.viewer) == []
    assert service.decisions_visible_to(engine, team.project_id, team.viewer, history=True) == []
    everyone = service.decisions_visible_to(engine, team.project_id, team.owner)
    assert {d.reviewer for d in everyone} == {"r1", "r2"}
    assert len(everyone) == 4


def test_with_blinding_off_reviewers_see_each_other(screened: tuple[Engine, Team, list[int]]) -> None:
    engine, team, _ = screened
    service.update_settings(engine, team.project_id, team.owner, blinding=False)
    seen = service.decisions_visible_to(engine, team.project_id, team.reviewers[0])
    assert {d.reviewer for d in seen} == {"r1", "r2"}
    assert service.agreement_report(engine, team.project_id, team.reviewers[0]).pairs


def test_nothing_a_blinded_reviewer_reads_tells_what_the_other_decided(
    screened: tuple[Engine, Team, list[int]],
) -> None:
    engine, team, ids = screened
    r1 = team.reviewers[0]
    card = service.record_card(engine, team.project_id, r1, ids[0], TA)
    assert (card.my_decision, card.my_note) == ("include", "r1 likes it")
    other = service.record_card(engine, team.project_id, team.reviewers[2], ids[0], TA)
    assert other.my_decision is None
    progress = service.progress(engine, team.project_id, r1, TA)
    assert (progress.complete, progress.mine_decided) == (2, 2)
    assert progress.conflicts is None and progress.agreed_exclude is None and progress.included is None
    with pytest.raises(PermissionDenied):
        service.agreement_report(engine, team.project_id, r1)
    with pytest.raises(PermissionDenied):
        service.conflicts(engine, team.project_id, r1, TA)
    pilot = service.pilot_status(engine, team.project_id, r1)
    assert pilot.result is None  # no pilot in this project


def test_the_owner_sees_the_team_figures(screened: tuple[Engine, Team, list[int]]) -> None:
    engine, team, _ = screened
    owner = service.progress(engine, team.project_id, team.owner, TA)
    assert (owner.conflicts, owner.agreed_exclude, owner.excluded) == (1, 1, 1)
    viewer = service.progress(engine, team.project_id, team.viewer, TA)
    assert viewer.mine_decided is None and viewer.conflicts == 1
    assert service.agreement_report(engine, team.project_id, team.viewer).rows()[0]["n"] == 2


def test_a_reviewer_cannot_resolve_and_the_owner_can(screened: tuple[Engine, Team, list[int]]) -> None:
    engine, team, ids = screened
    with pytest.raises(PermissionDenied, match="third reviewer"):
        service.resolve_conflict(engine, team.project_id, team.reviewers[0], ids[0], TA, "include")
    with pytest.raises(PermissionDenied):
        service.resolve_conflict(engine, team.project_id, team.viewer, ids[0], TA, "include")
    assert (
        service.resolve_conflict(engine, team.project_id, team.owner, ids[0], TA, "include", "fits")
        == "include"
    )


def test_the_resolver_sees_decisions_without_names_while_blinding_is_on(
    screened: tuple[Engine, Team, list[int]],
) -> None:
    engine, team, ids = screened
    [conflict] = service.conflicts(engine, team.project_id, team.owner, TA)
    assert conflict.record_id == ids[0]
    assert [(d.reviewer, d.decision) for d in conflict.decisions] == [
        ("Reviewer A", "include"),
        ("Reviewer B", "exclude"),
    ]
    service.update_settings(engine, team.project_id, team.owner, blinding=False)
    [named] = service.conflicts(engine, team.project_id, team.owner, TA)
    assert [d.reviewer for d in named.decisions] == ["r1", "r2"]


def test_a_third_reviewer_resolves_only_records_they_did_not_screen(
    screened: tuple[Engine, Team, list[int]],
) -> None:
    engine, team, ids = screened
    r1, _, r3 = team.reviewers
    add_member(engine, team.project_id, team.owner, "r1", "reviewer", can_resolve=True)
    r1 = actor_for(engine, team.project_id, r1.user_id or 0)
    assert service.conflicts(engine, team.project_id, r1, TA) == []  # r1 screened the only conflict
    with pytest.raises(ValueError, match="resolved by someone else"):
        service.resolve_conflict(engine, team.project_id, r1, ids[0], TA, "include")
    add_member(engine, team.project_id, team.owner, "r3", "reviewer", can_resolve=True)
    r3 = actor_for(engine, team.project_id, r3.user_id or 0)
    [conflict] = service.conflicts(engine, team.project_id, r3, TA)
    assert {d.reviewer for d in conflict.decisions} == {"Reviewer A", "Reviewer B"}
    service.resolve_conflict(engine, team.project_id, r3, ids[0], TA, "exclude", "Wrong concept")
    assert service.conflicts(engine, team.project_id, team.owner, TA) == []


def test_removing_the_third_reviewer_leaves_the_owner_able_to_resolve(
    screened: tuple[Engine, Team, list[int]],
) -> None:
    engine, team, ids = screened
    add_member(engine, team.project_id, team.owner, "r3", "reviewer", can_resolve=True)
    remove_member(engine, team.project_id, team.owner, "r3")
    with pytest.raises(PermissionDenied):
        service.conflicts(engine, team.project_id, team.reviewers[2], TA)
    assert [c.record_id for c in service.conflicts(engine, team.project_id, team.owner, TA)] == [ids[0]]


def test_a_removed_reviewer_can_no_longer_screen(screened: tuple[Engine, Team, list[int]]) -> None:
    engine, team, ids = screened
    r2 = team.reviewers[1]
    remove_member(engine, team.project_id, team.owner, "r2")
    with pytest.raises(PermissionDenied):
        service.record_decision(engine, team.project_id, r2, ids[5], TA, "include")
    with pytest.raises(PermissionDenied):
        service.decisions_visible_to(engine, team.project_id, r2)
    # Their decisions stay: the conflict is still there for the owner.
    assert len(service.conflicts(engine, team.project_id, team.owner, TA)) == 1


def test_viewers_and_the_command_line_do_not_screen(screened: tuple[Engine, Team, list[int]]) -> None:
    engine, team, ids = screened
    from review.people import Actor

    for actor in (team.viewer, Actor.operator(team.project_id)):
        with pytest.raises(PermissionDenied):
            service.record_decision(engine, team.project_id, actor, ids[3], TA, "include")
        with pytest.raises(PermissionDenied):
            service.next_record(engine, team.project_id, actor, TA)

"""The conflict flow in the database: disagree → conflict → resolve (or undo) → final decision."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from review.screening import service
from review.screening.state import ScreeningError
from tests.screening.builders import Team, build_project, build_team

TA, FT = "title_abstract", "full_text"


def setup(engine: Engine, **settings: object) -> tuple[Team, list[int]]:
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", 6),))
    team = build_team(engine, project_id)
    service.update_settings(engine, project_id, team.owner, pilot_size=0, **settings)
    return team, ids


def decide(engine: Engine, team: Team, record: int, a: str, b: str, stage: str = TA) -> None:
    for actor, decision in zip(team.reviewers, (a, b), strict=True):
        reason = "Wrong population" if stage == FT and decision == "exclude" else None
        service.record_decision(engine, team.project_id, actor, record, stage, decision, reason)


def test_a_disagreement_is_resolved_and_moves_on_to_full_text(engine: Engine) -> None:
    team, ids = setup(engine)
    decide(engine, team, ids[0], "include", "exclude")
    [conflict] = service.conflicts(engine, team.project_id, team.owner, TA)
    assert (conflict.record_id, conflict.kind) == (ids[0], "disagreement")
    assert service.next_record(engine, team.project_id, team.reviewers[0], FT) is None
    service.resolve_conflict(
        engine, team.project_id, team.owner, ids[0], TA, "include", "on balance, in scope"
    )
    assert service.conflicts(engine, team.project_id, team.owner, TA) == []
    [resolved] = service.conflicts(engine, team.project_id, team.owner, TA, include_resolved=True)
    assert (resolved.resolution, resolved.resolved_by) == ("include", "owner")
    card = service.next_record(engine, team.project_id, team.reviewers[0], FT)
    assert card is not None and card.record_id == ids[0]


def test_undoing_a_resolution_reopens_the_conflict(engine: Engine) -> None:
    team, ids = setup(engine)
    decide(engine, team, ids[0], "include", "exclude")
    service.resolve_conflict(engine, team.project_id, team.owner, ids[0], TA, "exclude")
    assert service.progress(engine, team.project_id, team.owner, TA).conflicts == 0
    service.retract_resolution(engine, team.project_id, team.owner, ids[0], TA)
    assert service.progress(engine, team.project_id, team.owner, TA).conflicts == 1


def test_only_a_conflict_can_be_resolved(engine: Engine) -> None:
    team, ids = setup(engine)
    decide(engine, team, ids[0], "include", "include")
    with pytest.raises(ScreeningError, match="not in conflict"):
        service.resolve_conflict(engine, team.project_id, team.owner, ids[0], TA, "exclude")
    with pytest.raises(ScreeningError, match="not in conflict"):
        service.resolve_conflict(engine, team.project_id, team.owner, ids[1], TA, "exclude")  # pending


def test_maybe_is_a_conflict_only_when_it_does_not_count_as_include(engine: Engine) -> None:
    team, ids = setup(engine)
    decide(engine, team, ids[0], "maybe", "include")
    decide(engine, team, ids[1], "maybe", "maybe")
    assert service.conflicts(engine, team.project_id, team.owner, TA) == []
    service.update_settings(engine, team.project_id, team.owner, maybe_counts_as_include=False)
    kinds = {c.record_id: c.kind for c in service.conflicts(engine, team.project_id, team.owner, TA)}
    assert kinds == {ids[0]: "disagreement", ids[1]: "all_maybe"}


def test_a_full_text_exclusion_by_resolution_needs_a_reason(engine: Engine) -> None:
    team, ids = setup(engine)
    decide(engine, team, ids[0], "include", "include")
    decide(engine, team, ids[0], "include", "exclude", stage=FT)
    with pytest.raises(ScreeningError, match="needs a reason"):
        service.resolve_conflict(engine, team.project_id, team.owner, ids[0], FT, "exclude")
    service.resolve_conflict(engine, team.project_id, team.owner, ids[0], FT, "exclude", "Wrong context")
    counts = service.prisma_counts(engine, team.project_id)
    assert counts.excluded_full_text_by_reason == {"Wrong context": 1}


def test_a_changed_decision_that_ends_the_disagreement_ends_the_conflict(engine: Engine) -> None:
    team, ids = setup(engine)
    decide(engine, team, ids[0], "include", "exclude")
    service.record_decision(engine, team.project_id, team.reviewers[1], ids[0], TA, "include")
    assert service.conflicts(engine, team.project_id, team.owner, TA) == []
    assert service.progress(engine, team.project_id, team.owner, TA).agreed_include == 1

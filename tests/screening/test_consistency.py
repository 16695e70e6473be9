"""The check the fault tests and the load bench rely on: it must see a derived state that drifted
from the events (or it would prove nothing)."""

from __future__ import annotations

from sqlalchemy import Engine, delete, update

from review.screening import service
from review.screening.consistency import derived_state, duplicate_keys, rebuild_differences
from review.store.engine import session_scope
from review.store.screening_schema import CurrentDecision, ScreeningStatus
from tests.screening.builders import build_project, build_team

TA = "title_abstract"


def test_a_drifted_status_or_current_decision_is_reported_and_repaired(engine: Engine) -> None:
    project_id, ids = build_project(engine, sources=(("a.ris", "Scopus", 4),))
    team = build_team(engine, project_id, 2)
    service.update_settings(engine, project_id, team.owner, pilot_size=0)
    first, second = team.reviewers
    service.record_decision(engine, project_id, first, ids[0], TA, "include")
    service.record_decision(engine, project_id, second, ids[0], TA, "exclude")
    service.record_decision(engine, project_id, first, ids[1], TA, "exclude")
    assert rebuild_differences(engine, project_id) == [] and duplicate_keys(engine, project_id) == []
    right = derived_state(engine, project_id)
    assert right.status_counts(TA)["conflict"] == 1

    with session_scope(engine) as session:
        session.execute(
            update(ScreeningStatus).where(ScreeningStatus.record_id == ids[0]).values(status="agreed_include")
        )
        session.execute(delete(CurrentDecision).where(CurrentDecision.record_id == ids[1]))
    found = rebuild_differences(engine, project_id)
    assert len(found) == 2
    assert found[0].startswith(f"current_decisions ('title_abstract', {ids[1]}")
    assert "stored (2, 'agreed_include'" in found[1] and "rebuilt (2, 'conflict'" in found[1]
    assert derived_state(engine, project_id) == right  # the rebuild repaired it
    assert rebuild_differences(engine, project_id) == []

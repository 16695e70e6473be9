"""Excluding the unscreened records by automation (issue #5, item 3), on SQLite and PostgreSQL.

The project: 300 records, two reviewers needed, a calibration pilot of 3. Both reviewers agreed on
290 records outside the pilot (5 includes first, then 285 excludes), so the stopping rule says it
is safe to stop. Of the 7 other records, one has r1's include (waiting for r2), one r2's Maybe,
one an include r1 took back; 4 were never touched. Only those 4 may be excluded by automation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update

from review.people import PermissionDenied
from review.screening import service
from review.screening.automation import (
    RULE,
    apply_automation_exclusion,
    automation_exclusions,
    exclusion_preview,
    undo_automation_exclusion,
)
from review.screening.consistency import rebuild_differences
from review.screening.csv_import import import_decisions
from review.screening.prisma import prisma_problems
from review.screening.queue import pilot_record_ids
from review.screening.state import ScreeningError, load_settings, rebuild_state, sync_status_rows
from review.store.backup import read_backup, restore_project, write_backup
from review.store.engine import session_scope
from review.store.schema import Project
from review.store.screening_schema import AutomationExclusion, AutomationExclusionRecord, ScreeningStatus
from tests.screening.builders import Team, build_project, build_team

TA = "title_abstract"
N = 300


@dataclass
class Stopped:
    project_id: int
    team: Team
    keys: dict[int, str]
    pilot: list[int]
    pending: int
    """r1 included it; r2 has not decided."""
    maybe: int
    """r2 marked it Maybe; r1 has not decided."""
    retracted: int
    """r1 included it, then undid that."""
    untouched: list[int]


def decisions_csv(rows: list[tuple[str, str, str]]) -> bytes:
    lines = ["reviewer,source_key,stage,decision"] + [f"{who},{key},{TA},{what}" for who, key, what in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def stopped(engine: Engine) -> Stopped:
    project_id, ids = build_project(engine, sources=(("pubmed.nbib", "PubMed", N),))
    keys = {record_id: f"pubmed.nbib-{number}" for number, record_id in enumerate(ids)}
    team = build_team(engine, project_id)
    service.update_settings(engine, project_id, team.owner, pilot_size=3)
    sync_status_rows(engine, project_id)
    with session_scope(engine) as session:
        pilot = pilot_record_ids(session, project_id, load_settings(session, project_id))
    others = [record_id for record_id in ids if record_id not in pilot]
    includes, excludes, rest = others[:5], others[5:290], others[290:]
    rows = [(who, keys[r], "include") for r in includes for who in ("r1", "r2")]
    rows += [(who, keys[r], "exclude") for r in excludes for who in ("r1", "r2")]
    import_decisions(engine, project_id, "team.csv", decisions_csv(rows))
    r1, r2 = team.reviewers
    pending, maybe, retracted = rest[:3]
    service.record_decision(engine, project_id, r1, pending, TA, "include")
    service.record_decision(engine, project_id, r2, maybe, TA, "maybe")
    service.record_decision(engine, project_id, r1, retracted, TA, "include")
    assert service.undo_last_decision(engine, project_id, r1, TA) == retracted
    return Stopped(project_id, team, keys, pilot, pending, maybe, retracted, rest[3:])


def covered(engine: Engine, project_id: int) -> set[int]:
    with session_scope(engine) as session:
        return set(
            session.scalars(
                select(AutomationExclusionRecord.record_id).where(
                    AutomationExclusionRecord.project_id == project_id
                )
            )
        )


def flagged(engine: Engine, project_id: int) -> set[int]:
    with session_scope(engine) as session:
        return set(
            session.scalars(
                select(ScreeningStatus.record_id).where(
                    ScreeningStatus.project_id == project_id,
                    ScreeningStatus.automation_excluded.is_(True),
                )
            )
        )


def served_until_empty(engine: Engine, s: Stopped, reviewer_index: int) -> list[int]:
    """Everything the reviewer's queue serves, deciding "exclude" on each until it is empty."""
    reviewer = s.team.reviewers[reviewer_index]
    served: list[int] = []
    while (card := service.next_record(engine, s.project_id, reviewer, TA)) is not None:
        assert card.record_id not in served, "a decided record came back"
        served.append(card.record_id)
        service.record_decision(engine, s.project_id, reviewer, card.record_id, TA, "exclude")
    return served


def test_apply_covers_exactly_the_undecided_records_outside_the_pilot(
    engine: Engine, stopped: Stopped
) -> None:
    s = stopped
    preview = exclusion_preview(engine, s.project_id, s.team.owner)
    assert preview.safe_to_stop and preview.records == len(s.untouched) == 4
    before = service.prisma_counts(engine, s.project_id)
    assert before.excluded_by_automation == 0 and before.awaiting_screening == 10

    exclusion_id = apply_automation_exclusion(engine, s.project_id, s.team.owner, confirmed=True)

    assert covered(engine, s.project_id) == flagged(engine, s.project_id) == set(s.untouched)
    counts = service.prisma_counts(engine, s.project_id)
    assert prisma_problems(counts) == []
    assert counts.excluded_by_automation == 4
    assert counts.excluded_screening == 285 + 4
    assert counts.awaiting_screening == 3 + 3  # the pilot, the pending, the Maybe, the retracted
    assert counts.identified_total - counts.duplicates_automatic - counts.duplicates_manual == counts.screened
    assert (
        counts.screened == counts.excluded_screening + counts.sought_for_retrieval + counts.awaiting_screening
    )
    assert counts.to_dict()["excluded_by_automation"] == 4
    [info] = automation_exclusions(engine, s.project_id, s.team.viewer)
    assert (info.exclusion_id, info.rule, info.records, info.still_excluded) == (exclusion_id, RULE, 4, 4)
    assert info.active and info.applied_by == "owner" and info.stage == TA
    assert info.detail["safe_to_stop"] is True and info.detail["records_excluded"] == 4
    assert info.detail["includes_found"] == 5 and info.detail["screened"] == 290
    progress = service.progress(engine, s.project_id, s.team.owner, TA)
    assert progress.excluded_by_automation == 4 and progress.pending == 300 - 290 - 4
    with pytest.raises(ScreeningError, match="nothing to exclude"):  # a second one finds nothing
        apply_automation_exclusion(engine, s.project_id, s.team.owner, confirmed=True)


def test_the_queues_skip_the_excluded_records_until_undo(engine: Engine, stopped: Stopped) -> None:
    s = stopped
    exclusion_id = apply_automation_exclusion(engine, s.project_id, s.team.owner, confirmed=True)
    r1, r2 = s.team.reviewers
    with session_scope(engine) as session:
        settings = load_settings(session, s.project_id)
        assert r2.user_id is not None
        from review.screening.queue import queue_size

        in_queue = queue_size(session, s.project_id, r2.user_id, TA, settings)
    assert in_queue == 3 + 2, "the pilot, the pending include, the retracted one"
    assert set(served_until_empty(engine, s, 0)) == {*s.pilot, s.maybe, s.retracted}
    assert set(served_until_empty(engine, s, 1)) == {*s.pilot, s.pending, s.retracted}
    assert service.next_record(engine, s.project_id, r1, TA) is None

    undo_automation_exclusion(engine, s.project_id, s.team.owner, exclusion_id)

    assert flagged(engine, s.project_id) == set()
    assert covered(engine, s.project_id) == set(s.untouched), "the event and its records are kept"
    [info] = automation_exclusions(engine, s.project_id, s.team.owner)
    assert not info.active and info.undone_by == "owner" and info.still_excluded == 0
    assert set(served_until_empty(engine, s, 0)) == set(s.untouched)
    counts = service.prisma_counts(engine, s.project_id)
    assert counts.excluded_by_automation == 0 and prisma_problems(counts) == []
    # r2 has yet to screen the 4; the pending and the Maybe are conflicts now (r1 and r2 differ)
    assert counts.awaiting_screening == len(s.untouched) + 2
    with pytest.raises(ScreeningError, match="undone already"):
        undo_automation_exclusion(engine, s.project_id, s.team.owner, exclusion_id)


def test_a_decision_made_later_counts_by_that_decision(engine: Engine, stopped: Stopped) -> None:
    s = stopped
    apply_automation_exclusion(engine, s.project_id, s.team.owner, confirmed=True)
    late = s.untouched[0]
    import_decisions(engine, s.project_id, "late.csv", decisions_csv([("r1", s.keys[late], "include")]))

    assert flagged(engine, s.project_id) == set(s.untouched[1:])
    counts = service.prisma_counts(engine, s.project_id)
    assert counts.excluded_by_automation == 3 and prisma_problems(counts) == []
    assert counts.awaiting_screening == 6 + 1, "r1's include waits for r2"
    assert late in served_until_empty(engine, s, 1)
    [info] = automation_exclusions(engine, s.project_id, s.team.owner)
    assert (info.records, info.still_excluded) == (4, 3)

    # The flags are derived: a rebuild from the events gives them back exactly.
    assert rebuild_differences(engine, s.project_id) == []
    expected = flagged(engine, s.project_id)
    with session_scope(engine) as session:
        session.execute(
            update(ScreeningStatus)
            .where(ScreeningStatus.project_id == s.project_id)
            .values(automation_excluded=False)
        )
    rebuild_state(engine, s.project_id)
    assert flagged(engine, s.project_id) == expected


def test_only_the_owner_may_apply_or_undo_and_only_when_it_is_safe(engine: Engine, stopped: Stopped) -> None:
    s = stopped
    r1 = s.team.reviewers[0]
    for someone in (r1, s.team.viewer):
        with pytest.raises(PermissionDenied, match="only the project owner"):
            apply_automation_exclusion(engine, s.project_id, someone, confirmed=True)
        with pytest.raises(PermissionDenied):
            exclusion_preview(engine, s.project_id, someone)
    with pytest.raises(ScreeningError, match="confirm first"):
        apply_automation_exclusion(engine, s.project_id, s.team.owner, confirmed=False)
    assert covered(engine, s.project_id) == set()
    exclusion_id = apply_automation_exclusion(engine, s.project_id, s.team.owner, confirmed=True)
    with pytest.raises(PermissionDenied, match="only the project owner"):
        undo_automation_exclusion(engine, s.project_id, r1, exclusion_id)
    assert flagged(engine, s.project_id) == set(s.untouched)


def test_refused_while_the_stopping_rule_says_keep_screening(engine: Engine) -> None:
    project_id, ids = build_project(engine, "Early days", sources=(("pubmed.nbib", "PubMed", 60),))
    team = build_team(engine, project_id)
    service.update_settings(engine, project_id, team.owner, pilot_size=0)
    for record_id in ids[:10]:
        for reviewer in team.reviewers:
            service.record_decision(engine, project_id, reviewer, record_id, TA, "exclude")
    service.record_decision(engine, project_id, team.reviewers[0], ids[10], TA, "include")
    service.record_decision(engine, project_id, team.reviewers[1], ids[10], TA, "include")
    assert not exclusion_preview(engine, project_id, team.owner).safe_to_stop
    with pytest.raises(ScreeningError, match="does not say it is safe to stop"):
        apply_automation_exclusion(engine, project_id, team.owner, confirmed=True)
    assert covered(engine, project_id) == set() and flagged(engine, project_id) == set()


def test_a_backup_brings_the_exclusions_back(engine: Engine, stopped: Stopped, tmp_path: Path) -> None:
    s = stopped
    first = apply_automation_exclusion(engine, s.project_id, s.team.owner, confirmed=True)
    undo_automation_exclusion(engine, s.project_id, s.team.owner, first)
    apply_automation_exclusion(engine, s.project_id, s.team.owner, confirmed=True)
    with session_scope(engine) as session:
        name = session.get(Project, s.project_id).name  # type: ignore[union-attr]
    counts = write_backup(engine, name, tmp_path / "backup.json.gz")
    assert counts["automation_exclusions"] == 2 and counts["automation_exclusion_records"] == 8

    restored = restore_project(engine, read_backup(tmp_path / "backup.json.gz"), "Restored")
    with session_scope(engine) as session:
        new_id = session.scalar(select(Project.id).where(Project.name == restored))
        assert new_id is not None and new_id != s.project_id
        events = session.scalars(
            select(AutomationExclusion)
            .where(AutomationExclusion.project_id == new_id)
            .order_by(AutomationExclusion.id)
        ).all()
        assert [(e.rule, e.undone_at is not None) for e in events] == [(RULE, True), (RULE, False)]
        assert events[1].detail["records_excluded"] == 4
    old_keys = {s.keys[record_id] for record_id in flagged(engine, s.project_id)}
    from review.store.schema import RecordRow

    with session_scope(engine) as session:
        new_keys = set(
            session.scalars(select(RecordRow.source_key).where(RecordRow.id.in_(flagged(engine, new_id))))
        )
    assert new_keys == old_keys and len(new_keys) == 4
    assert len(covered(engine, new_id)) == 4
    assert service.prisma_counts(engine, new_id) == service.prisma_counts(engine, s.project_id)
    [active, undone] = automation_exclusions(engine, new_id, s.team.owner.__class__.operator(new_id))
    assert active.active and active.still_excluded == 4 and not undone.active

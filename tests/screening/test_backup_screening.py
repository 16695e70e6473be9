"""Backup and restore carry the screening (people by user name, decisions, PDFs), never passwords."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from review.people import AuthenticationFailed, authenticate, create_user, find_user, members, set_password
from review.screening import service
from review.store.backup import dump_project, read_backup, restore_project, write_backup
from review.store.engine import make_engine
from review.store.migrate import upgrade
from review.store.projects import ensure_project
from tests.screening.builders import build_project, build_team

TA, FT = "title_abstract", "full_text"
PDF = b"%PDF-1.4\n" + bytes(range(256))


def screened_project(engine: Engine) -> int:
    project_id, ids = build_project(engine, "ROM", sources=(("a.ris", "Scopus", 6),))
    team = build_team(engine, project_id)
    set_password(engine, "r1", "r1's secret password")
    service.update_settings(engine, project_id, team.owner, pilot_size=2)
    r1, r2 = team.reviewers
    for reviewer, decision in ((r1, "include"), (r2, "exclude")):
        service.record_decision(engine, project_id, reviewer, ids[0], TA, decision)
    for reviewer in (r1, r2):
        service.record_decision(engine, project_id, reviewer, ids[1], TA, "include")
    service.attach_full_text(engine, project_id, r1, ids[1], pdf=PDF, file_name="study.pdf")
    service.record_decision(engine, project_id, r1, ids[1], FT, "exclude", "Wrong context")
    return project_id


def summary(engine: Engine, project_id: int) -> tuple[object, ...]:
    owner = next(m for m in members(engine, project_id) if m.role == "owner")
    from review.people import actor_for

    actor = actor_for(engine, project_id, owner.user_id)
    decisions = sorted(
        (d.reviewer, d.stage, d.decision, d.reason or "")
        for d in service.decisions_visible_to(engine, project_id, actor, history=True)
    )
    conflicts = [
        (c.kind, [d.decision for d in c.decisions]) for c in service.conflicts(engine, project_id, actor, TA)
    ]
    return (
        sorted((m.username, m.role) for m in members(engine, project_id)),
        decisions,
        conflicts,
        service.progress(engine, project_id, actor, TA),
        service.prisma_counts(engine, project_id).to_dict(),
        service.protocol(engine, project_id),
    )


def test_a_screened_project_comes_back_in_another_installation(engine: Engine, tmp_path: Path) -> None:
    project_id = screened_project(engine)
    before = summary(engine, project_id)
    path = tmp_path / "rom.json.gz"
    write_backup(engine, "ROM", path)
    raw = json.dumps(read_backup(path))
    assert "password_hash" not in raw and "argon2" not in raw

    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    create_user(other, "r2", "r2 has an account here already", "Reviewer Two, elsewhere")
    restore_project(other, read_backup(path))
    restored_id = ensure_project(other, "ROM")
    assert summary(other, restored_id) == before
    with pytest.raises(AuthenticationFailed):  # a restored account has no password until one is set
        authenticate(other, "r1", "r1's secret password")
    assert authenticate(other, "r2", "r2 has an account here already").username == "r2"
    assert find_user(other, "r2").display_name == "Reviewer Two, elsewhere"  # type: ignore[union-attr]
    info = service.full_text_of(
        other, restored_id, _owner(other, restored_id), _record(other, restored_id, 1)
    )
    assert info is not None
    assert service.full_text_pdf(other, restored_id, _owner(other, restored_id), info.full_text_id)[1] == PDF
    other.dispose()


def test_restoring_a_copy_into_the_same_database_reuses_the_people(engine: Engine, tmp_path: Path) -> None:
    project_id = screened_project(engine)
    path = tmp_path / "rom.json"
    write_backup(engine, "ROM", path)
    restore_project(engine, read_backup(path), "ROM copy")
    copy_id = ensure_project(engine, "ROM copy")
    assert summary(engine, copy_id)[:3] == summary(engine, project_id)[:3]
    assert {m.user_id for m in members(engine, copy_id)} == {m.user_id for m in members(engine, project_id)}
    # The copy is a project of its own: screening it goes on without touching the original.
    r1 = next(m for m in members(engine, copy_id) if m.username == "r1")
    from review.people import actor_for

    actor = actor_for(engine, copy_id, r1.user_id)
    card = service.next_record(engine, copy_id, actor, TA)
    assert card is not None
    service.record_decision(engine, copy_id, actor, card.record_id, TA, "include")
    assert (
        dump_project(engine, "ROM")["tables"]["decision_events"]
        != dump_project(engine, "ROM copy")["tables"]["decision_events"]
    )


def _owner(engine: Engine, project_id: int):  # type: ignore[no-untyped-def]
    from review.people import actor_for

    owner = next(m for m in members(engine, project_id) if m.role == "owner")
    return actor_for(engine, project_id, owner.user_id)


def _record(engine: Engine, project_id: int, index: int) -> int:
    from sqlalchemy import select

    from review.store.engine import session_scope
    from review.store.schema import RecordRow

    with session_scope(engine) as session:
        ids = session.scalars(
            select(RecordRow.id).where(RecordRow.project_id == project_id).order_by(RecordRow.id)
        ).all()
    return ids[index]

"""The living codebook: defaults, add/rename/merge/retire as versioned events; findings follow."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from review.extraction.codebook import (
    add_code,
    codebook_csv,
    codebook_history,
    codebook_json,
    ensure_codebook,
    import_codebook,
    load_codebook,
    merge_codes,
    move_code,
    rename_code,
    retire_code,
)
from review.extraction.findings import add_finding, consensus_findings
from review.extraction.model import DEFAULT_LEVELS, DEFAULT_TYPES, CodebookError, FindingSpec
from review.people import Actor, PermissionDenied
from tests.extraction.helpers import make_project, member


def test_a_new_codebook_has_the_default_types_and_levels(engine: Engine) -> None:
    project_id, _ = make_project(engine, ["a"])
    book = ensure_codebook(engine, project_id)
    assert [c.name for c in book.active("type")] == list(DEFAULT_TYPES)
    assert [c.name for c in book.active("level")] == list(DEFAULT_LEVELS)
    assert all(e.action == "add" for e in codebook_history(engine, project_id))


def test_rename_and_merge_keep_every_finding(engine: Engine) -> None:
    project_id, ids = make_project(engine, ["a", "b"])
    owner = Actor.operator(project_id)
    coder = member(engine, project_id, "alice")
    time = add_code(engine, project_id, coder, "theme", "Time pressure", reason="seen in study a")
    workload = add_code(engine, project_id, coder, "theme", "Workload")
    for key, theme in (("a", "Time pressure"), ("b", "Workload"), ("b", "Time pressure")):
        add_finding(engine, project_id, coder, ids[key],
                    FindingSpec(type="barrier", levels=["therapist"], themes=[theme], description=key))
    rename_code(engine, project_id, owner, time, "Lack of time", reason="clearer")
    moved = merge_codes(engine, project_id, owner, workload, time, reason="same idea")
    assert moved == 1
    findings = consensus_findings(engine, project_id)
    assert len(findings) == 3
    assert {f.themes[0] for f in findings} == {"Lack of time"}
    history = codebook_history(engine, project_id)
    assert [e.action for e in history][-2:] == ["rename", "merge"]
    assert history[-1].reason == "same idea" and history[-1].changed_by == "command line"
    assert [e.version for e in history] == sorted(e.version for e in history)
    # the old names still resolve, so an old spreadsheet imports after the merge
    book = load_codebook(engine, project_id)
    assert book.find("theme", "workload").name == "Lack of time"  # type: ignore[union-attr]


def test_retired_codes_keep_their_findings_but_take_no_new_ones(engine: Engine) -> None:
    project_id, ids = make_project(engine, ["a"])
    coder = member(engine, project_id, "alice")
    theme = add_code(engine, project_id, coder, "theme", "Old theme")
    add_finding(engine, project_id, coder, ids["a"], FindingSpec("barrier", ["client"], ["Old theme"]))
    retire_code(engine, project_id, Actor.operator(project_id), theme, reason="not used")
    assert consensus_findings(engine, project_id)[0].themes == ["Old theme"]
    with pytest.raises(CodebookError, match="unknown theme 'Old theme'"):
        add_finding(engine, project_id, coder, ids["a"], FindingSpec("barrier", ["client"], ["Old theme"]))


def test_reviewers_add_themes_but_only_the_owner_renames(engine: Engine) -> None:
    project_id, _ = make_project(engine, ["a"])
    coder = member(engine, project_id, "alice")
    theme = add_code(engine, project_id, coder, "theme", "Trust")
    with pytest.raises(PermissionDenied):
        rename_code(engine, project_id, coder, theme, "Distrust")
    with pytest.raises(CodebookError, match="exists already"):
        add_code(engine, project_id, coder, "theme", "trust")


def test_themes_nest_and_the_codebook_round_trips_as_csv_and_json(engine: Engine) -> None:
    project_id, _ = make_project(engine, ["a"])
    owner = Actor.operator(project_id)
    parent = add_code(engine, project_id, owner, "theme", "Resources")
    child = add_code(engine, project_id, owner, "theme", "Time", parent_id=parent)
    add_code(engine, project_id, owner, "axis", "Inner setting", axis="CFIR")
    add_code(engine, project_id, owner, "level", "research")
    with pytest.raises(CodebookError):
        move_code(engine, project_id, owner, parent, child)
    book = load_codebook(engine, project_id)
    assert book.path(child) == "Resources > Time"
    other, _ = make_project(engine, [], name="copy")
    for text in (codebook_csv(book), codebook_json(book)):
        import_codebook(engine, other, Actor.operator(other), text)
        assert codebook_csv(load_codebook(engine, other)) == codebook_csv(book)

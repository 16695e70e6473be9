"""Backup and restore carry the codebook, its history and the findings."""

from __future__ import annotations

from sqlalchemy import Engine

from review.extraction.codebook import add_code, codebook_history, merge_codes
from review.extraction.findings import add_finding, consensus_findings
from review.extraction.long_table import finding_rows
from review.extraction.model import FindingSpec
from review.people import Actor, project_id_of
from review.store.backup import dump_project, restore_project
from tests.extraction.helpers import make_project, member


def test_backup_restores_findings_and_codebook_history(engine: Engine) -> None:
    project_id, ids = make_project(engine, ["a"])
    coder = member(engine, project_id, "alice")
    first = add_code(engine, project_id, coder, "theme", "Time")
    second = add_code(engine, project_id, coder, "theme", "Workload")
    add_finding(engine, project_id, coder, ids["a"], FindingSpec("barrier", ["client"], ["Workload"]))
    merge_codes(engine, project_id, Actor.operator(project_id), second, first)
    restore_project(engine, dump_project(engine, "extraction"), "copy")
    copy = project_id_of(engine, "copy")
    assert copy is not None
    assert finding_rows(consensus_findings(engine, copy)) == finding_rows(consensus_findings(engine, project_id))
    history = codebook_history(engine, copy)
    assert [e.action for e in history] == [e.action for e in codebook_history(engine, project_id)]
    restored = {f.id for f in consensus_findings(engine, copy)}
    assert set(history[-1].finding_ids) == restored

"""Findings: validation (nothing written on a bad row), blinding of coders, dual coding and reconciliation."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from review.extraction.agreement import Coded, coding_agreement, cohen_kappa, match_findings
from review.extraction.codebook import add_code
from review.extraction.findings import (
    FindingError,
    add_finding,
    consensus_findings,
    findings_visible_to,
    set_dual_extraction,
)
from review.extraction.long_table import import_findings
from review.extraction.model import CodebookError, FindingSpec
from review.extraction.reconciliation import compare_coding, project_agreement, reconcile
from review.people import Actor, PermissionDenied
from review.records.readers.base import BadInput, SourceFile
from review.store.engine import session_scope
from review.store.extraction_schema import FindingRow
from tests.extraction.helpers import make_project, member


def count_findings(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(FindingRow)) or 0


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        pytest.param("a,obstacle,client,Time", "line 3: unknown type 'obstacle'", id="unknown type"),
        pytest.param("a,barrier,nation,Time", "line 3: unknown level 'nation'", id="unknown level"),
        pytest.param("a,barrier,client,Weather", "line 3: unknown theme 'Weather'", id="unknown theme"),
        pytest.param("zz,barrier,client,Time", "line 3: no record with source_key 'zz'", id="unknown study"),
        pytest.param("a,barrier,,Time", "line 3: a finding needs at least one level", id="no level"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_written(sqlite_engine: Engine, cells: str, reason: str) -> None:
    project_id, _ = make_project(sqlite_engine, ["a"])
    add_code(sqlite_engine, project_id, Actor.operator(project_id), "theme", "Time")
    text = f"source_key,type,level,theme\na,barrier,client,Time\n{cells}\n"
    with pytest.raises(BadInput) as raised:
        import_findings(sqlite_engine, project_id, SourceFile("f.csv", text.encode()))
    assert str(raised.value).startswith("f.csv:") and reason.split(": ", 1)[1] in str(raised.value)
    assert f":{reason.split(':')[0].split()[1]}:" in str(raised.value)
    assert count_findings(sqlite_engine) == 0


def test_only_included_studies_are_charted_unless_imported_coding_is_asked(engine: Engine) -> None:
    project_id, ids = make_project(engine, ["a"], chartable=False)
    add_code(engine, project_id, Actor.operator(project_id), "theme", "Time")
    coder = member(engine, project_id, "alice")
    with pytest.raises(FindingError, match="not an included study"):
        add_finding(engine, project_id, coder, ids["a"], FindingSpec("barrier", ["client"], ["Time"]))
    source = SourceFile("f.csv", b"source_key,type,level,theme\na,barrier,client,Time\n")
    with pytest.raises(BadInput, match="--only-included"):
        import_findings(engine, project_id, source)
    summary = import_findings(engine, project_id, source, include_unscreened=True)
    assert summary.studies_included == 1
    add_finding(engine, project_id, coder, ids["a"], FindingSpec("barrier", ["client"], ["Time"]))
    assert len(consensus_findings(engine, project_id)) == 2


def test_a_mechanism_links_to_the_findings_it_explains(sqlite_engine: Engine) -> None:
    project_id, ids = make_project(sqlite_engine, ["a"])
    coder = member(sqlite_engine, project_id, "alice")
    add_code(sqlite_engine, project_id, coder, "theme", "Feedback")
    barrier = add_finding(sqlite_engine, project_id, coder, ids["a"], FindingSpec("barrier", ["client"], ["Feedback"]))
    mechanism = add_finding(sqlite_engine, project_id, coder, ids["a"],
                            FindingSpec("mechanism", ["client"], ["Feedback"]), explains=[barrier])
    views = {v.id: v for v in consensus_findings(sqlite_engine, project_id)}
    assert views[mechanism].explains == [barrier]
    with pytest.raises(CodebookError, match="only a mechanism"):
        add_finding(sqlite_engine, project_id, coder, ids["a"], FindingSpec("barrier", ["client"], ["Feedback"]),
                    explains=[barrier])


def dual_setup(engine: Engine) -> tuple[int, int, Actor, Actor, Actor]:
    project_id, ids = make_project(engine, ["a"])
    owner = member(engine, project_id, "olga", role="owner")
    alice, bob = member(engine, project_id, "alice"), member(engine, project_id, "bob")
    set_dual_extraction(engine, project_id, owner, True)
    for theme in ("Time", "Trust", "IT"):
        add_code(engine, project_id, owner, "theme", theme)
    record = ids["a"]
    add_finding(engine, project_id, alice, record, FindingSpec("barrier", ["therapist"], ["Time"], "no time"))
    add_finding(engine, project_id, alice, record, FindingSpec("facilitator", ["client"], ["Trust"]))
    add_finding(engine, project_id, bob, record, FindingSpec("barrier", ["therapist", "organisation"], ["Time"]))
    add_finding(engine, project_id, bob, record, FindingSpec("barrier", ["client"], ["Trust"]))
    add_finding(engine, project_id, bob, record, FindingSpec("barrier", ["organisation"], ["IT"]))
    return project_id, record, owner, alice, bob


def test_coders_are_blind_to_each_other_until_reconciliation(engine: Engine) -> None:
    project_id, record, owner, alice, bob = dual_setup(engine)
    assert {v.coded_by for v in findings_visible_to(engine, project_id, alice)} == {"alice"}
    assert {v.coded_by for v in findings_visible_to(engine, project_id, bob)} == {"bob"}
    assert len(findings_visible_to(engine, project_id, owner)) == 5
    assert consensus_findings(engine, project_id) == []  # dual: the map waits for reconciliation
    with pytest.raises(PermissionDenied):
        compare_coding(engine, project_id, alice, record)


def test_comparison_agreement_and_reconciliation(engine: Engine) -> None:
    project_id, record, owner, _alice, _bob = dual_setup(engine)
    comparison = compare_coding(engine, project_id, owner, record)
    assert (comparison.coder_a, comparison.coder_b) == ("alice", "bob")
    assert len(comparison.matching.pairs) == 2 and len(comparison.matching.only_b) == 1
    agreement = comparison.agreement
    assert agreement.type_agreement == 0.5 and agreement.theme_agreement == 1.0
    assert agreement.level_agreement == 0.5
    assert project_agreement(engine, project_id, owner).matched == 2
    keep = [comparison.findings_a[0].id, comparison.findings_b[2].id]
    reconcile(engine, project_id, owner, record, keep,
              extra=[FindingSpec("facilitator", ["client"], ["Trust"], "agreed wording")], note="met on Monday")
    consensus = consensus_findings(engine, project_id)
    assert [(f.type, f.themes) for f in consensus] == [
        ("barrier", ["Time"]), ("barrier", ["IT"]), ("facilitator", ["Trust"])]
    # reconciling again replaces the consensus, never adds to it
    reconcile(engine, project_id, owner, record, keep[:1])
    assert len(consensus_findings(engine, project_id)) == 1


def test_matching_rule_and_kappa() -> None:
    a = [Coded(1, "barrier", frozenset({"client"}), frozenset({"time"})),
         Coded(2, "facilitator", frozenset({"therapist"}), frozenset({"trust"}))]
    b = [Coded(9, "facilitator", frozenset({"therapist"}), frozenset({"trust"})),
         Coded(8, "mechanism", frozenset({"policy"}), frozenset({"other"}))]
    matching = match_findings(a, b)
    assert matching.pairs == [(2, 9)] and matching.only_a == [1] and matching.only_b == [8]
    assert coding_agreement(a, b).type_kappa is None  # one category only: kappa undefined
    assert cohen_kappa([("x", "x"), ("y", "y"), ("x", "y"), ("y", "y")]) == pytest.approx(0.5)


def test_every_bad_row_of_a_long_table_is_listed(sqlite_engine: Engine) -> None:
    project_id, _ = make_project(sqlite_engine, ["a"])
    text = "source_key,type,level,theme\na,obstacle,client,Time\na,barrier,client,Time\nzz,barrier,galaxy,T\n"
    with pytest.raises(BadInput) as raised:
        import_findings(sqlite_engine, project_id, SourceFile("f.csv", text.encode()), add_themes=True)
    assert str(raised.value).splitlines() == [
        "f.csv:2: unknown type 'obstacle' (known: barrier, facilitator, mechanism)",
        "f.csv:4: no record with source_key 'zz' in this project",
    ]
    assert count_findings(sqlite_engine) == 0

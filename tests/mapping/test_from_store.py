"""`map_findings`: the extraction step's consensus findings as the map's input, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine

from review.extraction.codebook import add_code
from review.extraction.findings import add_finding, set_dual_extraction
from review.extraction.forms import form_fields, set_characteristic
from review.extraction.model import FindingSpec
from review.mapping.from_store import map_findings
from review.mapping.model import MapFilter, apply_filter
from review.people import Actor
from review.store.engine import session_scope
from review.store.schema import RecordRow
from tests.extraction.helpers import make_project, member


def set_authors(engine: Engine, record_id: int, authors: list[str], year: int) -> None:
    with session_scope(engine) as session:
        record = session.get(RecordRow, record_id)
        assert record is not None
        record.authors, record.year = authors, year


def test_consensus_findings_become_map_findings(engine: Engine) -> None:
    project_id, ids = make_project(engine, ["a", "b", "c", "d"])
    set_authors(engine, ids["a"], ["Boswell, James F.", "Kraus, David R.", "Miller, Scott D."], 2015)
    set_authors(engine, ids["b"], ["Lambert, M. J.", "Shimokawa, K."], 2011)
    set_authors(engine, ids["c"], ["Smith, A."], 2019)
    set_authors(engine, ids["d"], ["Smith, B."], 2019)
    operator = Actor.operator(project_id)
    add_code(engine, project_id, operator, "theme", "Time")
    add_code(engine, project_id, operator, "theme", "Feedback <b>")
    coder = member(engine, project_id, "coder")
    form_fields(engine, project_id)
    set_characteristic(engine, project_id, coder, ids["a"], "design", "qualitative")
    set_characteristic(engine, project_id, coder, ids["a"], "rom_measures", "OQ-45; ORS")
    add_finding(engine, project_id, coder, ids["a"],
                FindingSpec("barrier", ["therapist", "client"], ["Time"], quote="no time", page="4"))
    add_finding(engine, project_id, coder, ids["b"], FindingSpec("facilitator", ["organisation"], ["Feedback <b>"]))
    add_finding(engine, project_id, coder, ids["c"], FindingSpec("barrier", ["client"], ["Time"]))
    add_finding(engine, project_id, coder, ids["d"], FindingSpec("barrier", ["client"], ["Time"]))

    found = map_findings(engine, project_id)
    by_study = {f.study_id: f for f in found}
    a = by_study[ids["a"]]
    assert a.study_label == "Boswell et al. 2015"
    assert (a.type, a.levels, a.themes, a.quote, a.page, a.year) == (
        "barrier", ("therapist", "client"), ("Time",), "no time", "4", 2015)
    assert a.characteristics == {"design": "qualitative", "rom_measures": ("OQ-45", "ORS")}
    assert by_study[ids["b"]].study_label == "Lambert & Shimokawa 2011"
    assert by_study[ids["b"]].themes == ("Feedback <b>",)
    assert [by_study[ids[k]].study_label for k in "cd"] == ["Smith 2019a", "Smith 2019b"]
    kept = apply_filter(found, MapFilter(characteristics={"design": {"qualitative"}}))
    assert [f.study_id for f in kept] == [ids["a"]]

    # Dual coding: only reconciled findings and consensus characteristics count.
    set_dual_extraction(engine, project_id, Actor.operator(project_id), True)
    assert map_findings(engine, project_id) == []


def test_no_findings_no_map(engine: Engine) -> None:
    project_id, _ = make_project(engine, ["a"])
    assert map_findings(engine, project_id) == []

"""The demo's codebook and findings follow the poster: attributed findings, illustrative barriers, no quotes."""

from __future__ import annotations

from sqlalchemy import Engine

from review.demo import DEMO_PROJECT, ensure_demo_project
from review.extraction.codebook import load_codebook
from review.extraction.findings import consensus_findings
from review.people import project_id_of


def test_demo_has_the_poster_codebook_and_findings(sqlite_engine: Engine) -> None:
    ensure_demo_project(sqlite_engine)
    ensure_demo_project(sqlite_engine)  # idempotent
    project_id = project_id_of(sqlite_engine, DEMO_PROJECT)
    assert project_id is not None
    book = load_codebook(sqlite_engine, project_id)
    levels = {c.name for c in book.active("level")}
    assert {"policy", "organisation", "therapist", "client", "rationales", "research", "measures", "training"} <= levels
    findings = consensus_findings(sqlite_engine, project_id)
    assert all(f.quote == "" for f in findings)
    attributed = [f for f in findings if not f.illustrative]
    assert {f.type for f in attributed} == {"mechanism", "facilitator"}
    assert len(attributed) == 5
    barriers = [f for f in findings if f.type == "barrier"]
    assert barriers and all(f.illustrative and "illustrative" in f.note for f in barriers)

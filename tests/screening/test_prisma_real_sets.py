"""PRISMA-ScR counts add up on the demo project and on a real multi-database set: six database
exports of one search (CiteSource's wildfire pipeline in ../shared/fixtures), deduplicated, then
screened by two reviewers following the set's title/abstract and full-text include lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from review.demo import DEMO_PROJECT, ensure_demo_project
from review.records.dedup.normalise import normalise_text
from review.records.dedup_store import run_dedup
from review.records.importing import import_paths, load_source, read_file
from review.screening import service
from review.screening.prisma import check_prisma
from review.store.engine import session_scope
from review.store.projects import find_project
from review.store.schema import RecordRow
from tests.screening.builders import build_team

PIPELINE = (
    Path(__file__).resolve().parents[2].parent
    / "shared" / "fixtures" / "pipelines" / "citesource_wildfire_multidb_with_phases"
)
EXPORTS = {
    "wos_278.ris": ("Web of Science", 278),
    "medline_84.ris": ("MEDLINE", 84),
    "econlit_3.ris": ("EconLit", 3),
    "Dimensions_246.ris": ("Dimensions", 246),
    "lens_343.ris": ("Lens.org", 343),
    "envindex_100.ris": ("Environment Index", 100),
}
TA, FT = "title_abstract", "full_text"


def keys_of(path: Path) -> set[str]:
    """How a record of an include list is recognised: its DOI, else its normalised title."""
    plan = read_file(load_source(path))
    return {record.doi or normalise_text(record.title or "") for record in plan.records}


@pytest.mark.skipif(not PIPELINE.is_dir(), reason=f"{PIPELINE} is absent (CI has ../shared/fixtures)")
def test_prisma_adds_up_on_a_real_multi_database_set(sqlite_engine: Engine) -> None:
    engine = sqlite_engine
    for name, (database, _count) in EXPORTS.items():
        import_paths(engine, "wildfire", [PIPELINE / name], source_database=database)
    with session_scope(engine) as session:
        project = find_project(session, "wildfire")
        assert project is not None
        project_id = project.id
    run_dedup(engine, project_id)
    team = build_team(engine, project_id)
    service.update_settings(engine, project_id, team.owner, pilot_size=0)
    screened, final = keys_of(PIPELINE / "screened_128.ris"), keys_of(PIPELINE / "final_24.ris")
    with session_scope(engine) as session:
        primaries = session.execute(
            select(RecordRow.id, RecordRow.doi, RecordRow.title).where(
                RecordRow.project_id == project_id, RecordRow.duplicate_of.is_(None)
            )
        ).all()
    included_ta = []
    for record_id, doi, title in primaries:
        key = doi or normalise_text(title or "")
        decision = "include" if key in screened else "exclude"
        for reviewer in team.reviewers:
            service.record_decision(engine, project_id, reviewer, record_id, TA, decision)
        if decision == "include":
            included_ta.append((record_id, key in final))
    for record_id, kept in included_ta:
        for reviewer in team.reviewers:
            service.record_decision(
                engine, project_id, reviewer, record_id, FT,
                "include" if kept else "exclude", None if kept else "not a systematic review",
            )

    counts = service.prisma_counts(engine, project_id)
    check_prisma(counts)
    assert counts.identified_by_source == {database: count for database, count in EXPORTS.values()}
    assert counts.identified_total == 1054
    assert counts.duplicates_automatic + counts.duplicates_manual == 1054 - len(primaries)
    assert counts.duplicates_automatic > 400  # the six sources overlap heavily
    assert counts.screened == len(primaries)
    assert counts.sought_for_retrieval == len(included_ta) > 80
    assert counts.included == sum(kept for _, kept in included_ta) >= 20
    assert counts.excluded_full_text_by_reason == {
        "not a systematic review": len(included_ta) - counts.included
    }


def test_prisma_adds_up_on_the_demo_project(sqlite_engine: Engine) -> None:
    ensure_demo_project(sqlite_engine)
    with session_scope(sqlite_engine) as session:
        project = find_project(session, DEMO_PROJECT)
        assert project is not None
        project_id = project.id
    counts = service.prisma_counts(sqlite_engine, project_id)
    check_prisma(counts)
    assert counts.identified_by_source == {"Scopus": 18, "APA PsycInfo": 16}
    assert counts.duplicates_automatic == 10
    assert counts.screened == 24

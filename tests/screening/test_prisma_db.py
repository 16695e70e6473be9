"""PRISMA-ScR counts computed from the database add up, on a project with every kind of record."""

from __future__ import annotations

from sqlalchemy import Engine

from review.screening import service
from review.screening.prisma import check_prisma
from tests.screening.builders import build_project, build_team, mark_duplicate

TA, FT = "title_abstract", "full_text"


def test_every_record_ends_in_exactly_one_box(engine: Engine) -> None:
    project_id, ids = build_project(
        engine,
        sources=(
            ("pubmed.nbib", "PubMed", 10),
            ("scopus.csv", "Scopus", 8),
            ("misc/hand search.csv", None, 2),
        ),
    )
    team = build_team(engine, project_id)
    service.update_settings(engine, project_id, team.owner, pilot_size=0)
    r1, r2 = team.reviewers
    # A decision on a record that is merged away later does not count anywhere but "duplicates".
    service.record_decision(engine, project_id, r1, ids[19], TA, "include")
    for duplicate, primary in ((ids[10], ids[0]), (ids[11], ids[1]), (ids[12], ids[2])):
        mark_duplicate(engine, duplicate, primary, "auto")
    mark_duplicate(engine, ids[19], ids[3], "manual")
    primary = [r for r in ids if r not in (ids[10], ids[11], ids[12], ids[19])]
    assert len(primary) == 16
    excluded, conflict, pending, included = primary[:6], primary[6], primary[7:9], primary[9:]
    for record in excluded:
        for reviewer in (r1, r2):
            service.record_decision(engine, project_id, reviewer, record, TA, "exclude")
    service.record_decision(engine, project_id, r1, conflict, TA, "include")
    service.record_decision(engine, project_id, r2, conflict, TA, "exclude")
    service.resolve_conflict(engine, project_id, team.owner, conflict, TA, "exclude", "off topic")
    service.record_decision(engine, project_id, r1, pending[0], TA, "include")  # one decision: pending
    for record in included:
        for reviewer in (r1, r2):
            service.record_decision(engine, project_id, reviewer, record, TA, "include")
    assert len(included) == 7
    not_found, wrong_population, wrong_concept, kept, waiting = (
        included[0],
        included[1],
        included[2],
        included[3:6],
        included[6],
    )
    service.mark_not_retrievable(engine, project_id, r1, not_found)
    for reviewer in (r1, r2):
        service.record_decision(
            engine, project_id, reviewer, wrong_population, FT, "exclude", "Wrong population"
        )
        service.record_decision(engine, project_id, reviewer, wrong_concept, FT, "exclude", "Wrong concept")
        for record in kept:
            service.record_decision(engine, project_id, reviewer, record, FT, "include")
    service.record_decision(engine, project_id, r1, waiting, FT, "include")

    counts = service.prisma_counts(engine, project_id)
    check_prisma(counts)
    assert counts.to_dict() == {
        "identified": {"total": 20, "by_source": {"PubMed": 10, "Scopus": 8, "hand search.csv": 2}},
        "duplicates_removed": {"automatic": 3, "manual": 1},
        "screened": 16,
        "excluded_screening": 7,
        "sought_for_retrieval": 7,
        "not_retrieved": 1,
        "assessed_full_text": 6,
        "excluded_full_text": {"total": 2, "by_reason": {"Wrong concept": 1, "Wrong population": 1}},
        "included": 3,
        "awaiting_screening": 2,
        "awaiting_full_text": 1,
        "excluded_by_automation": 0,
    }
    assert sorted(r.title for r in service.included_records(engine, project_id)) == sorted(
        f"pubmed.nbib record {ids.index(r)}"
        if ids.index(r) < 10
        else f"scopus.csv record {ids.index(r) - 10}"
        for r in kept
    )


def test_an_empty_project_has_an_empty_diagram(engine: Engine) -> None:
    project_id, _ = build_project(engine, sources=())
    counts = service.prisma_counts(engine, project_id)
    check_prisma(counts)
    assert counts.identified_total == 0 and counts.included == 0

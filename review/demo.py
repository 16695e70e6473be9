"""The demo project: a scoping review of Routine Outcome Monitoring (ROM) and Clinical Feedback
Systems (CFS) in counselling and psychotherapy, built from the exports in `data/demo/`.

The exports hold real, verifiable references (see `data/demo/SOURCE.md`), exported as if from two
databases in two formats, so that the demo shows real duplicates.

The demo team (`review.people.DEMO_TEAM`: owner `demo-owner`, reviewers `alice` and `bob`, whose
passwords the README gives) is made with the project. The demo accounts are ordinary members,
never administrators: their passwords are public. So an installation that only has the demo still
has no administrator (`first_start_needed`), and the app offers the first start beside the
sign-in form instead of forcing it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from review.people import ensure_demo_team, members
from review.records.importing import commit_imports, load_source, read_file
from review.store.engine import session_scope
from review.store.projects import find_project

DEMO_PROJECT = "ROM and clinical feedback (demo)"
DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
#: The demo exports and the database each one stands for.
DEMO_EXPORTS: tuple[tuple[str, str], ...] = (
    ("scopus_rom_cfs.csv", "Scopus"),
    ("psycinfo_rom_cfs.ris", "APA PsycInfo"),
)


def ensure_demo_project(engine: Engine, demo_dir: Path = DEMO_DIR) -> str:
    """Build the demo project and its team on first use; returns its name.

    Does nothing if the project exists, except giving a demo project without any member (one made
    before there were accounts) its demo team; members removed later are not brought back.
    """
    with session_scope(engine) as session:
        project = find_project(session, DEMO_PROJECT)
        project_id = None if project is None else project.id
    if project_id is None:
        plans = [
            read_file(load_source(demo_dir / name), source_database=database)
            for name, database in DEMO_EXPORTS
        ]
        commit_imports(engine, DEMO_PROJECT, plans, imported_by="demo")
        ensure_demo_team(engine, DEMO_PROJECT)
        _set_up_demo_review(engine)
    elif not members(engine, project_id):
        ensure_demo_team(engine, DEMO_PROJECT)
    ensure_demo_extraction(engine)
    return DEMO_PROJECT


#: The demo's protocol, from the poster's aims (shared/seed): Population, Concept, Context.
DEMO_PROTOCOL: dict[str, object] = {
    "population": "Counsellors, psychotherapists and other therapists; their clients; the services and "
    "policymakers around them.",
    "concept": "How Routine Outcome Monitoring (ROM) and Clinical Feedback Systems (CFS) are implemented: "
    "barriers, facilitators and mechanisms at policy, organisation, therapist and client level.",
    "context": "Counselling and psychotherapy practice in any sector and country.",
    "inclusion_criteria": (
        "Reports on using ROM or a clinical feedback system in counselling or psychotherapy",
        "Describes implementation: barriers, facilitators, mechanisms or experiences of use",
    ),
    "exclusion_criteria": (
        "Not about outcome monitoring or feedback",
        "Not counselling or psychotherapy",
        "Development or validation of a measure only",
    ),
    "highlight_include": ("routine outcome", "feedback", "implementation", "monitoring", "counselling"),
    "highlight_exclude": ("protocol", "validation", "psychometric"),
}


def _set_up_demo_review(engine: Engine) -> None:
    """What the review team would do first: merge the sure duplicates and write the protocol."""
    from review.people import Actor
    from review.records.dedup_store import run_dedup
    from review.screening.service import update_settings

    with session_scope(engine) as session:
        project = find_project(session, DEMO_PROJECT)
        assert project is not None
        project_id = project.id
    run_dedup(engine, project_id, decided_by="demo")
    update_settings(engine, project_id, Actor.operator(project_id), **DEMO_PROTOCOL)


def ensure_demo_extraction(engine: Engine) -> None:
    """The poster's codebook and findings (`review.extraction.demo`); does nothing once written."""
    from review.extraction.demo import ensure_demo_findings

    ensure_demo_findings(engine, DEMO_PROJECT)

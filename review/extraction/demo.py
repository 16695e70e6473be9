"""The demo project's codebook and findings, taken from the poster
(`shared/seed/rom-cfs-scoping-review-poster.txt`).

Codebook: the poster's levels (policymakers → policy, organisations → organisation, rationales,
research, measures, training, therapists → therapist, clients → client), its barrier themes,
facilitators and mechanisms.

Findings: only where the poster attributes a statement to one of its references (de Jong et al.
2021; Østergård et al.; Boswell et al. 2015; McLeod 2019; Lambert & Shimokawa 2011). The poster's
barrier list cites no reference; it says multilevel barriers "have already been identified"
(Moltu & McAleavey, 2021; Solstad et al., 2019), so the demo attaches its barriers to those two
papers marked `illustrative=True` with a note saying so. No quote is invented: the quote column
stays empty (the poster paraphrases, it does not quote).

The demo's studies are charted through the explicit "imported coding" path
(`extraction_inclusions`, reason "demo: poster coding"), not through made-up screening decisions.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from review.extraction.codebook import _insert_code, codebook_in, ensure_defaults
from review.extraction.findings import include_as_imported_coding, write_finding
from review.extraction.model import FindingSpec, fold
from review.people import project_id_of
from review.store.extraction_schema import CodebookEventRow, FindingRow
from review.store.schema import RecordRow
from review.store.transactions import lock_project, write_session

DEMO_BY = "demo (poster)"
POSTER_LEVELS = ("rationales", "research", "measures", "training")
#: (theme, parent theme or "")
POSTER_THEMES: tuple[tuple[str, str], ...] = (
    ("Evidence base", ""),
    ("Guidelines based on RCTs of CBT", "Evidence base"),
    ("Infrastructure and support", ""),
    ("Research-practice gap", ""),
    ("Nomothetic and idiographic measures not integrated", ""),
    ("Training and support to use ROMs", ""),
    ("Collaborative, client-centred approach", ""),
    ("Pluralistic, collaborative and flexible approach", ""),
    ("Bottom-up implementation", ""),
    ("Identifying clients at risk of deterioration", ""),
    ("Feedback gives clients a voice", ""),
)
ILLUSTRATIVE = "illustrative: the poster lists this barrier without a reference; attached to the papers it cites for multilevel barriers"
BARRIER_PAPERS = ("patients' experiences with routine outcome monitoring", "understanding routine outcome monitoring")
#: (title start, type, levels, themes, description, illustrative)
POSTER_FINDINGS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...], str, bool], ...] = (
    ("using progress feedback to improve outcomes", "mechanism", ("client",), ("Feedback gives clients a voice",),
     "Feedback enhances communication and gives clients a vehicle to voice their needs and preferences, increasing "
     "awareness and potentially identifying therapeutic goals (poster, citing De Jong et al., 2021)", False),
    ("the evidence for the partners for change", "mechanism", ("therapist",),
     ("Identifying clients at risk of deterioration",),
     "ROMs/CFS can help clinicians identify clients at risk of deterioration and those not improving as expected "
     "(poster, citing Østergård et al.)", False),
    ("implementing routine outcome monitoring in clinical practice", "facilitator", ("research", "therapist"),
     ("Pluralistic, collaborative and flexible approach",),
     "A more pluralistic, collaborative and flexible approach to research and practice (poster, citing Boswell et "
     "al., 2015)", False),
    ("an introduction to counselling and psychotherapy", "facilitator", ("research", "therapist"),
     ("Pluralistic, collaborative and flexible approach",),
     "A more pluralistic, collaborative and flexible approach to research and practice (poster, citing McLeod, "
     "2019)", False),
    ("collecting client feedback", "facilitator", ("therapist", "client"), ("Collaborative, client-centred approach",),
     "A collaborative, client-centred approach, using ROMs/CFS to tailor treatment to the client's needs, goals and "
     "preferences (poster, citing Lambert & Shimokawa, 2011)", False),
)
POSTER_BARRIERS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("policy",), "Guidelines based on RCTs of CBT",
     "Policies, guidelines and recommendations are mostly based on randomised controlled trials of CBT"),
    (("organisation", "rationales"), "Infrastructure and support",
     "Lack of infrastructure and support to implement these tools: commissioners, managers, IT, supervisors"),
    (("research",), "Research-practice gap", "A gap between research and practice that has to be bridged"),
    (("measures",), "Nomothetic and idiographic measures not integrated",
     "Lack of integration between nomothetic and idiographic measures"),
    (("training", "therapist", "client"), "Training and support to use ROMs",
     "Without adequate training and support, professionals may feel ill-equipped to use ROMs"),
)


def ensure_demo_codebook(engine: Engine, project_name: str) -> None:
    """The poster's codebook in the demo project (once; later edits by the team are kept)."""
    project_id = project_id_of(engine, project_name)
    if project_id is None:
        return
    with write_session(engine) as session:
        lock_project(session, project_id)
        if session.scalar(select(func.count()).select_from(CodebookEventRow).where(
                CodebookEventRow.project_id == project_id, CodebookEventRow.changed_by == DEMO_BY)):
            return
        ensure_defaults(session, project_id, DEMO_BY)
        book = codebook_in(session, project_id)
        for level in POSTER_LEVELS:
            if book.find("level", level) is None:
                _insert_code(session, project_id, "level", level, DEMO_BY, "a level of the poster")
        for theme, parent in POSTER_THEMES:
            book = codebook_in(session, project_id)
            if book.find("theme", theme) is None:
                parent_code = book.find("theme", parent) if parent else None
                _insert_code(session, project_id, "theme", theme, DEMO_BY, "a theme of the poster",
                             parent_id=parent_code.id if parent_code else None)


def ensure_demo_findings(engine: Engine, project_name: str) -> int:
    """The poster's findings of the demo's studies (once); how many were written."""
    ensure_demo_codebook(engine, project_name)
    project_id = project_id_of(engine, project_name)
    if project_id is None:
        return 0
    with write_session(engine) as session:
        lock_project(session, project_id)
        if session.scalar(select(func.count()).select_from(FindingRow).where(
                FindingRow.project_id == project_id, FindingRow.origin == "demo")):
            return 0
        titles = [(record_id, fold(title or "")) for record_id, title in session.execute(
            select(RecordRow.id, RecordRow.title).where(RecordRow.project_id == project_id,
                                                        RecordRow.duplicate_of.is_(None)).order_by(RecordRow.id))]

        def record(prefix: str) -> int | None:
            return next((record_id for record_id, title in titles if title.startswith(fold(prefix))), None)

        book = codebook_in(session, project_id)
        written: list[int] = []
        plan: list[tuple[int, FindingSpec]] = []
        for prefix, kind, levels, themes, description, illustrative in POSTER_FINDINGS:
            record_id = record(prefix)
            if record_id is not None:
                plan.append((record_id, FindingSpec(kind, levels, themes, description, illustrative=illustrative)))
        for prefix in BARRIER_PAPERS:
            record_id = record(prefix)
            if record_id is None:
                continue
            for levels, theme, description in POSTER_BARRIERS:
                plan.append((record_id, FindingSpec("barrier", levels, (theme,), description, illustrative=True,
                                                    note=ILLUSTRATIVE)))
        for record_id, spec in plan:
            write_finding(session, project_id, book, record_id, spec, version="consensus", coder_id=None,
                          coded_by=DEMO_BY, origin="demo")
            written.append(record_id)
        include_as_imported_coding(session, project_id, written, DEMO_BY, "demo: poster coding")
        return len(plan)

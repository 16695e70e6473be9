"""The demo project: a scoping review of Routine Outcome Monitoring (ROM) and Clinical Feedback
Systems (CFS) in counselling and psychotherapy, built from the exports in `data/demo/`.

The exports hold real, verifiable references (see `data/demo/SOURCE.md`), exported as if from two
databases in two formats, so that the demo shows real duplicates.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

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
    """Build the demo project on first use; returns its name. Does nothing if it exists."""
    with session_scope(engine) as session:
        if find_project(session, DEMO_PROJECT) is not None:
            return DEMO_PROJECT
    plans = [
        read_file(load_source(demo_dir / name), source_database=database)
        for name, database in DEMO_EXPORTS
    ]
    commit_imports(engine, DEMO_PROJECT, plans, imported_by="demo")
    return DEMO_PROJECT

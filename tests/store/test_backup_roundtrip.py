"""A whole review backed up from SQLite, restored into an empty PostgreSQL database, backed up
again, restored into an empty SQLite file: every table of the project comes back identical, row
by row and column by column, events included, and the three backups agree once ids are renumbered.

The project is the demo review (two exports, automatic merges, the team, the protocol, the
codebook and the findings) and all that people do next: a merge by hand, a "not duplicates", an
undone merge, blind title/abstract decisions with a conflict and its resolution, tags and notes,
a PDF and full-text decisions, study characteristics, a finding, a renamed code, dedup thresholds.
It starts in a database that holds another project first, so that every id changes on the way.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from review.demo import DEMO_PROJECT, ensure_demo_project
from review.extraction.codebook import load_codebook, rename_code
from review.extraction.findings import add_finding, chartable_records
from review.extraction.forms import set_characteristic
from review.extraction.model import FindingSpec
from review.extraction.reconciliation import reconcile
from review.people import Actor, actor_for, members, project_id_of
from review.records.dedup_store import (
    dedup_settings,
    mark_distinct,
    merge_pair,
    pending_pairs,
    run_dedup,
    save_dedup_settings,
    undo_merge,
)
from review.records.importing import commit_imports, import_paths, read_file
from review.records.readers import SourceFile
from review.screening import service
from review.screening.notes import save_note
from review.store.backup import dump_project, project_tables, read_backup, restore_project, write_backup
from review.store.engine import make_engine, session_scope
from review.store.migrate import upgrade
from review.store.schema import RecordRow, utcnow
from tests.conftest import FORMATS

TA, FT = "title_abstract", "full_text"
PDF = b"%PDF-1.4\n" + bytes(range(256)) + b"\n%%EOF\n"
#: The PostgreSQL session runs in a zone far from UTC: times must come back as the same instants.
PG_TIME_ZONE = "Asia/Kathmandu"
#: Two near duplicates the (stricter) thresholds leave to a person, twice, and one sure pair.
EXTRA_EXPORT = """\
TY  - JOUR
ID  - x1
TI  - Therapists' attitudes towards routine outcome monitoring in community clinics
AU  - Novak, Ana
PY  - 2021
T2  - Psychotherapy Research
ER  -

TY  - JOUR
ID  - x2
TI  - Therapist attitudes toward routine outcome monitoring in community clinics
AU  - Novak, A.
PY  - 2021
T2  - Psychother Res
ER  -

TY  - JOUR
ID  - z1
TI  - Implementing clinical feedback systems in child and adolescent mental health services
AU  - Olsen, Kari
AU  - Dahl, Per
PY  - 2020
T2  - Administration and Policy in Mental Health
ER  -

TY  - JOUR
ID  - z2
TI  - Implementing a clinical feedback system in child and adolescent mental health service
AU  - Olsen, K.
AU  - Dahl, P.
PY  - 2020
T2  - Adm Policy Ment Health
ER  -

TY  - JOUR
ID  - y1
TI  - Feedback-informed treatment in university counselling: a pilot
AU  - Berg, Tomas
PY  - 2018
T2  - Counselling Quarterly
ER  -

TY  - JOUR
ID  - y2
TI  - Feedback-informed treatment in university counselling: a pilot
AU  - Berg, T.
PY  - 2019
T2  - Counselling Quarterly
ER  -
"""


def build_whole_review(engine: Engine) -> None:
    """The demo review, then a person's work at every step after it."""
    import_paths(engine, "another review", [FORMATS / "ris_csv_asreview_test_exports" / "scopus.ris"])
    ensure_demo_project(engine)
    project_id = project_id_of(engine, DEMO_PROJECT)
    assert project_id is not None
    team = {
        member.username: actor_for(engine, project_id, member.user_id)
        for member in members(engine, project_id)
    }
    owner, alice, bob = team["demo-owner"], team["alice"], team["bob"]

    # Deduplication: stricter thresholds, a new file, a run; one pair merged by hand, one told
    # apart, one automatic merge undone.
    save_dedup_settings(
        engine, project_id, dataclasses.replace(dedup_settings(engine, project_id), title_auto=0.99)
    )
    commit_imports(
        engine, DEMO_PROJECT, [read_file(SourceFile("extra.ris", EXTRA_EXPORT.encode()))], imported_by="alice"
    )
    run_dedup(engine, project_id, decided_by="alice")
    key_of = record_keys(engine, project_id)
    with session_scope(engine) as session:
        waiting = {
            frozenset((key_of[p.record_a], key_of[p.record_b])): p.id
            for p in pending_pairs(session, project_id)
        }
    merge_pair(engine, project_id, waiting[frozenset(("x1", "x2"))], decided_by="alice")
    mark_distinct(engine, project_id, waiting[frozenset(("z1", "z2"))], decided_by="bob")
    id_of = {key: record_id for record_id, key in key_of.items()}
    undo_merge(engine, project_id, id_of["y2"], decided_by="demo-owner")

    # Title/abstract screening, blind: agreement, a conflict resolved by the owner, a change of mind.
    with session_scope(engine) as session:
        primaries = list(
            session.scalars(
                select(RecordRow.id)
                .where(RecordRow.project_id == project_id, RecordRow.duplicate_of.is_(None))
                .order_by(RecordRow.id)
            )
        )
    for record_id in primaries[:6]:
        service.record_decision(engine, project_id, alice, record_id, TA, "include", note="about ROM")
        service.record_decision(engine, project_id, bob, record_id, TA, "include")
    service.record_decision(engine, project_id, alice, primaries[6], TA, "include")
    service.record_decision(
        engine, project_id, bob, primaries[6], TA, "exclude", "Not counselling or psychotherapy"
    )
    service.resolve_conflict(engine, project_id, owner, primaries[6], TA, "include")
    service.record_decision(engine, project_id, alice, primaries[7], TA, "maybe")
    service.record_decision(
        engine, project_id, alice, primaries[7], TA, "exclude", "Not about outcome monitoring or feedback"
    )
    save_note(engine, project_id, alice, primaries[0], "Check the 2019 follow-up", ["follow-up", "ROM"])
    save_note(engine, project_id, alice, primaries[0], "Follow-up found", ["ROM"])
    save_note(engine, project_id, bob, primaries[1], "Qualitative; therapists only", ["qualitative"])

    # Full text: a PDF, a link, decisions.
    service.attach_full_text(engine, project_id, alice, primaries[0], pdf=PDF, file_name="study.pdf")
    service.attach_full_text(
        engine, project_id, bob, primaries[1], url="https://example.org/paper", note="open access"
    )
    for reviewer in (alice, bob):
        service.record_decision(engine, project_id, reviewer, primaries[0], FT, "include")
        service.record_decision(engine, project_id, reviewer, primaries[1], FT, "exclude", "Wrong context")

    # Extraction: characteristics, a finding, a renamed code; the protocol changed again.
    charted = chartable_records(engine, project_id)[0][0]
    set_characteristic(engine, project_id, alice, charted, "country", "Norway")
    set_characteristic(engine, project_id, alice, charted, "country", "Norway; Sweden")
    set_characteristic(engine, project_id, bob, charted, "design", "qualitative")
    operator = Actor.operator(project_id)
    book = load_codebook(engine, project_id)
    theme, level = book.active("theme")[0], book.active("level")[0]
    barrier = add_finding(
        engine,
        project_id,
        alice,
        charted,
        FindingSpec("barrier", [level.name], [theme.name], quote="no time for the forms", page="7"),
    )
    mechanism = add_finding(
        engine,
        project_id,
        alice,
        charted,
        FindingSpec("mechanism", [level.name], [theme.name], description="forms crowd out talk"),
        explains=[barrier],
    )
    reconcile(engine, project_id, owner, charted, [barrier, mechanism], note="both kept")
    rename_code(engine, project_id, operator, theme.id, theme.name + " (renamed)", reason="clearer")
    service.update_settings(engine, project_id, owner, pilot_size=4)

    # Exclusions by automation: one undone, one active, over the records nobody decided. Written
    # as `automation.apply_automation_exclusion` writes them, without its stopping-rule check (this
    # small review is far from safe to stop): what matters here is that the rows come back.
    from review.screening.state import derive_automation_flags, sync_status_rows
    from review.store.screening_schema import AutomationExclusion, AutomationExclusionRecord

    sync_status_rows(engine, project_id)
    undecided = primaries[-3:]
    with session_scope(engine) as session:
        for undone in (True, False):
            exclusion = AutomationExclusion(
                project_id=project_id, stage=TA, rule="callaghan_mueller_hansen_2020",
                detail={"records_excluded": len(undecided), "p_value": 0.01}, applied_by=owner.user_id,
                undone_by=owner.user_id if undone else None, undone_at=utcnow() if undone else None,
            )  # fmt: skip
            session.add(exclusion)
            session.flush()
            session.add_all(
                AutomationExclusionRecord(exclusion_id=exclusion.id, record_id=record_id, project_id=project_id)
                for record_id in undecided
            )
        session.flush()
        derive_automation_flags(session, project_id)


def record_keys(engine: Engine, project_id: int) -> dict[int, str]:
    with session_scope(engine) as session:
        return {
            record_id: key
            for record_id, key in session.execute(
                select(RecordRow.id, RecordRow.source_key).where(RecordRow.project_id == project_id)
            )
        }


# -- comparing backups --------------------------------------------------------------------------


def renumbered(dump: dict[str, Any]) -> dict[str, Any]:
    """The backup with every id replaced by the row's place in its table, every reference by the
    place of the row it names, and every person by their user name.

    A restore inserts rows in the order of the backup, so places match when nothing is lost or
    reordered.
    """
    users = {row["id"]: row["username"] for row in dump["installation"]["users"]}
    place: dict[str, dict[Any, int]] = {"projects": {dump["project"]["id"]: 0}}
    for name, rows in dump["tables"].items():
        place[name] = {row["id"]: index for index, row in enumerate(rows) if "id" in row}

    tables: dict[str, Any] = {}
    for table in project_tables():
        rows = []
        for row in dump["tables"][table.name]:
            out: dict[str, Any] = {}
            for column in table.columns:
                value = row[column.name]
                parents = [key.column.table.name for key in column.foreign_keys]
                listed = column.info.get("id_list_of")
                if column.name == "id" and list(table.primary_key.columns) == [column]:
                    value = place[table.name][value]
                elif parents and value is not None:
                    value = users[value] if parents[0] == "users" else place[parents[0]][value]
                elif listed and value:
                    value = [place[listed][item] for item in value]
                out[column.name] = value
            rows.append(out)
        if list(table.primary_key.columns) != [table.c.id] if "id" in table.c else True:
            rows.sort(key=repr)  # no id of its own: order by content
        tables[table.name] = rows
    project = {key: value for key, value in dump["project"].items() if key != "id"}
    people = sorted(
        repr({k: v for k, v in row.items() if k != "id"}) for row in dump["installation"]["users"]
    )
    return {"project": project, "users": people, "tables": tables}


def assert_same(restored: dict[str, Any], original: dict[str, Any]) -> None:
    """Table by table, so a failure names the table."""
    assert restored["project"] == original["project"]
    assert restored["users"] == original["users"]
    assert list(restored["tables"]) == list(original["tables"])
    for name, rows in original["tables"].items():
        assert len(restored["tables"][name]) == len(rows), name
        for got, expected in zip(restored["tables"][name], rows, strict=True):
            assert got == expected, f"{name}: {got} != {expected}"


# -- databases ------------------------------------------------------------------------------------


@pytest.fixture
def empty_postgres(postgres_database: str) -> Iterator[Engine]:
    """An empty, migrated PostgreSQL database whose sessions run in a zone far from UTC."""
    admin = create_engine(postgres_database)
    with admin.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    admin.dispose()
    url = make_url(postgres_database).update_query_dict({"options": f"-c timezone={PG_TIME_ZONE}"})
    engine = make_engine(url.render_as_string(hide_password=False))
    upgrade(engine)
    yield engine
    engine.dispose()


def sqlite_engine_at(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


def test_a_whole_review_goes_sqlite_to_postgresql_to_sqlite_unchanged(
    empty_postgres: Engine, tmp_path: Path
) -> None:
    with empty_postgres.connect() as connection:
        assert connection.scalar(text("SHOW timezone")) == PG_TIME_ZONE
    source = sqlite_engine_at(tmp_path / "laptop.db")
    build_whole_review(source)
    first = dump_project(source, DEMO_PROJECT)
    filled = {name for name, rows in first["tables"].items() if rows}
    derived_queue = {"reviewer_queue_ranks", "reviewer_queue_models"}  # only once prioritisation ran
    assert filled >= {table.name for table in project_tables()} - derived_queue, "every table holds rows"
    assert set(first["tables"]) == {table.name for table in project_tables()}
    write_backup(source, DEMO_PROJECT, tmp_path / "first.json.gz")

    assert restore_project(empty_postgres, read_backup(tmp_path / "first.json.gz")) == DEMO_PROJECT
    second = dump_project(empty_postgres, DEMO_PROJECT)
    write_backup(empty_postgres, DEMO_PROJECT, tmp_path / "second.json")

    last = sqlite_engine_at(tmp_path / "restored.db")
    assert restore_project(last, read_backup(tmp_path / "second.json")) == DEMO_PROJECT
    third = dump_project(last, DEMO_PROJECT)

    # Ids were renumbered (the first database held another project first) ...
    assert [row["id"] for row in third["tables"]["records"]] != [
        row["id"] for row in first["tables"]["records"]
    ]
    # ... and nothing else changed, times included (written in UTC whatever the session's zone).
    assert_same(renumbered(second), renumbered(first))
    assert_same(renumbered(third), renumbered(first))
    # What people see agrees too, not only the rows.
    for engine in (empty_postgres, last):
        project_id = project_id_of(engine, DEMO_PROJECT)
        assert project_id is not None
        original_id = project_id_of(source, DEMO_PROJECT)
        assert original_id is not None
        assert (
            service.prisma_counts(engine, project_id).to_dict()
            == service.prisma_counts(source, original_id).to_dict()
        )
    for engine in (source, last):
        engine.dispose()

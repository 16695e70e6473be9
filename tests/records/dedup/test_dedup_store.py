"""Deduplication through the database (SQLite and PostgreSQL): runs, a person's merges, "not
duplicates" and undos, newly imported records, all-or-nothing runs, the demo project, the CLI."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from review.demo import DEMO_DIR, DEMO_EXPORTS, DEMO_PROJECT, ensure_demo_project
from review.records.dedup import DedupSettings, normalise_text
from review.records.dedup_store import (
    STATE_KEY,
    DedupError,
    dedup_settings,
    mark_distinct,
    merge_pair,
    run_dedup,
    save_dedup_settings,
    undo_merge,
)
from review.records.dedup_views import (
    REPORT_COLUMNS,
    clusters,
    dedup_report_rows,
    dedup_summary,
    duplicates_removed,
    review_queue,
)
from review.records.writers import write_records
from review.store.engine import session_scope
from review.store.projects import find_project
from review.store.schema import DedupPair, MergeEvent, Project, RecordRow, Source
from tests.records.dedup.db_builders import OTHER, OTHER_LATER, UNIQUE, add_source, new_project, statuses
from tests.records.dedup.helpers import article, other_export

ROOT = Path(__file__).resolve().parents[3]
DEMO_FILES_PRESENT = all((DEMO_DIR / name).is_file() for name, _ in DEMO_EXPORTS)


def snapshot(engine: Engine, project_id: int) -> dict[int, dict[str, Any]]:
    """Every column of every record."""
    with session_scope(engine) as session:
        rows = session.execute(select(RecordRow).where(RecordRow.project_id == project_id)).scalars()
        return {
            row.id: {column.key: getattr(row, column.key) for column in RecordRow.__table__.columns}
            for row in rows
        }


def table_counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as session:
        return {
            table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
            for table in (DedupPair, MergeEvent)
        }


@pytest.fixture
def trial(engine: Engine) -> tuple[int, dict[str, int]]:
    """A project: one paper in two files (sure), one whose copies are two years apart (review),
    one unique."""
    project_id = new_project(engine)
    first = add_source(engine, project_id, "scopus", [article(), OTHER, UNIQUE])
    second = add_source(engine, project_id, "psycinfo", [other_export(article()), OTHER_LATER])
    ids = dict(zip(["a", "other", "unique", "a_copy", "other_later"], first + second, strict=True))
    return project_id, ids


def test_a_run_merges_sure_pairs_and_queues_the_rest(
    engine: Engine, trial: tuple[int, dict[str, int]]
) -> None:
    project_id, ids = trial

    outcome = run_dedup(engine, project_id, decided_by="lead")

    assert (outcome.full, outcome.compared, outcome.merged, outcome.review_pairs_added) == (True, 5, 1, 1)
    report = statuses(engine, project_id)
    assert report[ids["a"]] == report[ids["a_copy"]] == (ids["a"], "auto")
    assert report[ids["other"]][1] == report[ids["other_later"]][1] == "review"
    assert report[ids["other"]][0] == report[ids["other_later"]][0] in (ids["other"], ids["other_later"])
    assert report[ids["unique"]] == (ids["unique"], "unique")
    summary = dedup_summary(engine, project_id)
    assert (summary.records, summary.clusters, summary.merged_automatically, summary.pairs_waiting) == (
        5,
        1,
        1,
        1,
    )
    assert duplicates_removed(engine, project_id) == (1, 0)

    [item] = review_queue(engine, project_id)
    assert {item.record_a_id, item.record_b_id} == {ids["other"], ids["other_later"]}
    assert item.record_a.title == OTHER.title
    assert "year_gap" in item.reasons
    assert "the publication years are too far apart" in item.reason_texts()
    verdicts = {field.name: (field.score, field.verdict) for field in item.fields}
    assert verdicts["doi"] == (1.0, "agrees")
    assert verdicts["year"][1] == "contradicts"
    assert verdicts["pmid"] == (None, "")

    [group] = clusters(engine, project_id).clusters
    assert [m.record_id for m in group.members] == [ids["a"], ids["a_copy"]]
    assert group.method == "auto"
    assert group.merged.abstract == article().abstract, "the merged view takes the most complete values"


def test_a_second_run_changes_nothing(engine: Engine, trial: tuple[int, dict[str, int]]) -> None:
    project_id, _ = trial
    run_dedup(engine, project_id)
    before, counts = snapshot(engine, project_id), table_counts(engine)

    outcome = run_dedup(engine, project_id)
    again = run_dedup(engine, project_id, full=True)

    assert (outcome.compared, outcome.merged, outcome.review_pairs_added) == (0, 0, 0)
    assert (again.full, again.merged, again.review_pairs_added) == (True, 0, 0)
    assert snapshot(engine, project_id) == before
    assert table_counts(engine)["dedup_pairs"] == counts["dedup_pairs"]


def test_merging_a_review_pair_links_it_manually(engine: Engine, trial: tuple[int, dict[str, int]]) -> None:
    project_id, ids = trial
    run_dedup(engine, project_id)
    [item] = review_queue(engine, project_id)

    primary = merge_pair(engine, project_id, item.pair_id, "reviewer1")

    assert primary == ids["other"], "the fuller record (with its abstract) leads the group"
    report = statuses(engine, project_id)
    assert report[ids["other_later"]] == (ids["other"], "manual")
    assert report[ids["other"]] == (ids["other"], "manual")
    assert duplicates_removed(engine, project_id) == (1, 1)
    assert dedup_summary(engine, project_id).pairs_waiting == 0
    run_dedup(engine, project_id, full=True)
    assert statuses(engine, project_id) == report, "a rerun keeps a person's merge as it is"
    with session_scope(engine) as session:
        event = session.scalars(select(MergeEvent).where(MergeEvent.method == "manual")).one()
        assert (event.action, event.decided_by, event.primary_id) == ("merge", "reviewer1", ids["other"])


def test_not_duplicates_is_never_proposed_again(engine: Engine, trial: tuple[int, dict[str, int]]) -> None:
    project_id, ids = trial
    run_dedup(engine, project_id)
    [item] = review_queue(engine, project_id)

    mark_distinct(engine, project_id, item.pair_id, "reviewer1")
    run_dedup(engine, project_id, full=True)
    run_dedup(engine, project_id, settings=DedupSettings(max_year_gap=2), full=True)

    assert review_queue(engine, project_id) == []
    assert statuses(engine, project_id)[ids["other_later"]] == (ids["other_later"], "unique")
    assert statuses(engine, project_id)[ids["other"]] == (ids["other"], "unique")
    with pytest.raises(DedupError, match="not duplicates"):
        merge_pair(engine, project_id, item.pair_id, "reviewer2")


def test_undo_restores_every_record_and_a_rerun_does_not_merge_again(
    engine: Engine, trial: tuple[int, dict[str, int]]
) -> None:
    project_id, ids = trial
    before = snapshot(engine, project_id)
    run_dedup(engine, project_id)
    [item] = review_queue(engine, project_id)
    merge_pair(engine, project_id, item.pair_id, "reviewer1")
    assert snapshot(engine, project_id) != before

    assert undo_merge(engine, project_id, ids["a_copy"], "lead") == [ids["a"], ids["a_copy"]]
    assert undo_merge(engine, project_id, ids["other"], "lead") == [ids["other"], ids["other_later"]]

    assert snapshot(engine, project_id) == before
    run_dedup(engine, project_id, full=True)
    assert snapshot(engine, project_id) == before
    assert dedup_summary(engine, project_id).pairs_waiting == 0
    assert {status for _, status in statuses(engine, project_id).values()} == {"unique"}
    with pytest.raises(DedupError, match="not merged"):
        undo_merge(engine, project_id, ids["a"], "lead")
    with session_scope(engine) as session:
        actions = session.scalars(select(MergeEvent.action).order_by(MergeEvent.id)).all()
    assert actions == ["merge", "merge", "undo", "undo"]


def test_one_record_can_leave_its_group(engine: Engine) -> None:
    project_id = new_project(engine)
    ids = add_source(engine, project_id, "a", [article()])
    ids += add_source(engine, project_id, "b", [other_export(article())])
    ids += add_source(engine, project_id, "c", [other_export(article(), journal="J. Clin. Psychol.")])
    run_dedup(engine, project_id)
    assert {cluster for cluster, _ in statuses(engine, project_id).values()} == {ids[0]}

    assert undo_merge(engine, project_id, ids[2], "lead", only_this_record=True) == [ids[2]]
    report = statuses(engine, project_id)
    assert report[ids[2]] == (ids[2], "unique")
    assert report[ids[1]] == (ids[0], "auto")

    # The primary leaving: the one record left stands alone too.
    assert undo_merge(engine, project_id, ids[0], "lead", only_this_record=True) == [ids[0], ids[1]]
    assert {status for _, status in statuses(engine, project_id).values()} == {"unique"}
    run_dedup(engine, project_id, full=True)
    assert {status for _, status in statuses(engine, project_id).values()} == {"unique"}


def test_the_primary_leaving_hands_the_group_on(engine: Engine) -> None:
    project_id = new_project(engine)
    ids = add_source(engine, project_id, "a", [article()])
    ids += add_source(engine, project_id, "b", [other_export(article())])
    ids += add_source(engine, project_id, "c", [other_export(article(), journal="J. Clin. Psychol.")])
    run_dedup(engine, project_id)

    undo_merge(engine, project_id, ids[0], "lead", only_this_record=True)

    report = statuses(engine, project_id)
    assert report[ids[0]] == (ids[0], "unique")
    assert report[ids[1]] == (ids[1], "auto")
    assert report[ids[2]] == (ids[1], "auto")


def test_newly_imported_records_are_checked_against_those_already_there(engine: Engine) -> None:
    project_id = new_project(engine)
    first = add_source(engine, project_id, "scopus", [article(), UNIQUE])
    run_dedup(engine, project_id)
    second = add_source(engine, project_id, "psycinfo", [other_export(article())])
    assert dedup_summary(engine, project_id).not_compared == 1

    outcome = run_dedup(engine, project_id)

    assert (outcome.full, outcome.compared, outcome.merged) == (False, 1, 1)
    assert statuses(engine, project_id)[second[0]] == (first[0], "auto")
    assert dedup_summary(engine, project_id).not_compared == 0

    third = add_source(engine, project_id, "pubmed", [other_export(article(), journal="J. Clin. Psychol.")])
    run_dedup(engine, project_id)
    report = statuses(engine, project_id)
    assert report[third[0]] == (first[0], "auto"), "a new copy joins the existing group's primary"
    assert report[second[0]] == (first[0], "auto")


def test_a_run_never_joins_records_a_person_told_apart(engine: Engine) -> None:
    project_id = new_project(engine)
    first = add_source(engine, project_id, "scopus", [article()])
    second = add_source(engine, project_id, "psycinfo", [other_export(article())])
    run_dedup(engine, project_id)
    undo_merge(engine, project_id, first[0], "lead")

    third = add_source(engine, project_id, "pubmed", [other_export(article(), journal="J. Clin. Psychol.")])
    run_dedup(engine, project_id)

    report = statuses(engine, project_id)
    assert report[first[0]][0] != report[second[0]][0]
    assert report[third[0]][1] == "auto", "the new copy joins one of them, not both"


def test_a_run_that_fails_midway_writes_nothing(engine: Engine, trial: tuple[int, dict[str, int]]) -> None:
    project_id, _ = trial
    before, counts = snapshot(engine, project_id), table_counts(engine)

    def interrupted(_fraction: float, text: str) -> None:
        if text == "Saving pairs for review":  # after the merges were written
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_dedup(engine, project_id, progress=interrupted)

    assert snapshot(engine, project_id) == before
    assert table_counts(engine) == counts
    with session_scope(engine) as session:
        project = session.get(Project, project_id)
        assert project is not None
        assert STATE_KEY not in (project.settings or {})
    assert run_dedup(engine, project_id).merged == 1, "the next run does the whole work"


def test_thresholds_are_kept_per_project(engine: Engine, trial: tuple[int, dict[str, int]]) -> None:
    project_id, _ = trial
    run_dedup(engine, project_id)

    save_dedup_settings(engine, project_id, DedupSettings(max_year_gap=2, window=8))

    assert dedup_settings(engine, project_id) == DedupSettings(max_year_gap=2, window=8)
    with session_scope(engine) as session:
        project = session.get(Project, project_id)
        assert project is not None
        assert project.settings["dedup"] == {"max_year_gap": 2, "window": 8}, "only the changes are kept"
    assert dedup_summary(engine, project_id).settings_changed
    outcome = run_dedup(engine, project_id)
    assert outcome.full
    assert not dedup_summary(engine, project_id).settings_changed
    with pytest.raises(ValueError, match="title thresholds"):
        save_dedup_settings(engine, project_id, DedupSettings().with_values(title_review=0.5))


def test_prisma_counts_agree_with_duplicates_removed(
    engine: Engine, trial: tuple[int, dict[str, int]]
) -> None:
    from review.screening.service import prisma_counts

    project_id, _ = trial
    run_dedup(engine, project_id)
    [item] = review_queue(engine, project_id)
    merge_pair(engine, project_id, item.pair_id, "reviewer1")

    counts = prisma_counts(engine, project_id)

    assert duplicates_removed(engine, project_id) == (1, 1)
    assert (counts.duplicates_automatic, counts.duplicates_manual) == (1, 1)


@pytest.mark.skipif(not DEMO_FILES_PRESENT, reason="the demo exports in data/demo/ are missing")
def test_the_demo_project_finds_its_ten_cross_database_duplicates(engine: Engine) -> None:
    ensure_demo_project(engine)
    with session_scope(engine) as session:
        project = find_project(session, DEMO_PROJECT)
        assert project is not None
        project_id = project.id
        rows = session.execute(
            select(RecordRow.id, RecordRow.doi, RecordRow.title, Source.file_name)
            .join(Source, Source.id == RecordRow.source_id)
            .where(RecordRow.project_id == project_id)
        ).all()
    by_id = {row.id: row for row in rows}

    def work(record_id: int) -> str:
        row = by_id[record_id]
        return row.doi or normalise_text(row.title or "")

    files = {row.file_name for row in rows}
    expected = {
        frozenset(ids)
        for key in {work(r) for r in by_id}
        if len(ids := [r for r in by_id if work(r) == key]) == 2
    }
    assert len(expected) == 10 and len(files) == 2

    run_dedup(engine, project_id)

    report = dedup_report_rows(engine, project_id)
    found: dict[object, set[int]] = {}
    for row in report:
        if row["status"] != "unique":
            found.setdefault(row["cluster_id"], set()).add(int(str(row["record_id"])))
    assert {frozenset(group) for group in found.values()} == expected
    for group in found.values():
        assert {by_id[r].file_name for r in group} == files, "one record from each database"


def run_cli(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "review", "--db", db, "--project", "cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_cli_prints_the_counts_and_writes_the_report(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    first, second = tmp_path / "scopus.ris", tmp_path / "psycinfo.ris"
    first.write_bytes(write_records([article(), OTHER, UNIQUE], "ris"))
    second.write_bytes(write_records([other_export(article()), OTHER_LATER], "ris"))
    assert run_cli(db, "import", str(first), str(second)).returncode == 0
    report_path = tmp_path / "out" / "report.csv"

    result = run_cli(db, "dedup", "--report", str(report_path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "records: 5",
        "clusters: 1",
        "merged automatically: 1",
        "pairs left for review: 1",
    ]
    with report_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == REPORT_COLUMNS
        rows = list(reader)
    assert [row["status"] for row in rows] == ["auto", "review", "unique", "auto", "review"]
    assert [row["source_file"] for row in rows] == ["scopus.ris"] * 3 + ["psycinfo.ris"] * 2
    assert rows[0]["cluster_id"] == rows[3]["cluster_id"] == rows[0]["record_id"]
    assert rows[1]["cluster_id"] == rows[4]["cluster_id"]
    assert rows[2]["cluster_id"] == rows[2]["record_id"]
    assert all(row["source_key"] for row in rows)

    again = run_cli(db, "dedup")
    assert again.stdout.splitlines() == result.stdout.splitlines()[:4]


def test_a_restored_backup_keeps_the_merges_and_what_was_compared(
    engine: Engine, trial: tuple[int, dict[str, int]], tmp_path: Path
) -> None:
    from review.store.backup import read_backup, restore_project, write_backup

    project_id, _ = trial
    run_dedup(engine, project_id)
    [item] = review_queue(engine, project_id)
    merge_pair(engine, project_id, item.pair_id, "reviewer1")
    write_backup(engine, "trial", tmp_path / "trial.json")

    restore_project(engine, read_backup(tmp_path / "trial.json"), "restored")

    with session_scope(engine) as session:
        restored = find_project(session, "restored")
        assert restored is not None
        restored_id = restored.id

    def by_key(project: int) -> list[tuple[object, ...]]:
        rows = dedup_report_rows(engine, project)
        keys = {row["record_id"]: row["source_key"] for row in rows}
        return sorted((row["source_key"], keys[row["cluster_id"]], row["status"]) for row in rows)

    assert by_key(restored_id) == by_key(project_id)
    assert dedup_summary(engine, restored_id).not_compared == 0
    assert run_dedup(engine, restored_id).compared == 0, "the restored project knows what was compared"

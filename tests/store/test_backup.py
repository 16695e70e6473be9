"""Backup and restore: a project comes back identical, also across SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from review.records.importing import import_paths
from review.store.backup import BackupError, dump_project, read_backup, restore_project, write_backup
from review.store.engine import make_engine
from review.store.migrate import upgrade
from tests.conftest import FORMATS

EXPORTS = FORMATS / "ris_csv_asreview_test_exports"


def without_ids(dump: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Rows compared by content: ids are renumbered by a restore, so keys and links are dropped."""
    dropped = {"id", "project_id", "source_id"}
    return {
        name: sorted(
            (repr(sorted((k, v) for k, v in row.items() if k not in dropped)) for row in rows),
        )
        for name, rows in dump["tables"].items()
    }  # type: ignore[misc]


def fill(engine: Engine, project: str) -> None:
    import_paths(engine, project, [EXPORTS / "scopus.ris", EXPORTS / "embase.csv"], imported_by="tester")


def test_backup_restores_identically_into_another_database(engine: Engine, tmp_path: Path) -> None:
    fill(engine, "ROM")
    original = dump_project(engine, "ROM")
    path = tmp_path / "rom.json.gz"
    write_backup(engine, "ROM", path)

    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    fill(other, "someone else's review")  # restoring must not disturb other projects
    assert restore_project(other, read_backup(path)) == "ROM"
    restored = dump_project(other, "ROM")
    assert without_ids(restored) == without_ids(original)
    assert restored["project"]["settings"] == original["project"]["settings"]
    assert len(restored["tables"]["records"]) == 12
    other.dispose()


def test_restore_never_overwrites_an_existing_project(engine: Engine, tmp_path: Path) -> None:
    fill(engine, "ROM")
    path = tmp_path / "rom.json"
    write_backup(engine, "ROM", path)
    before = dump_project(engine, "ROM")
    with pytest.raises(BackupError, match="exists already"):
        restore_project(engine, read_backup(path))
    assert without_ids(dump_project(engine, "ROM")) == without_ids(before)


def test_a_file_that_is_not_a_backup_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"hello": 1}', encoding="utf-8")
    with pytest.raises(BackupError, match="not a ReviewMap backup"):
        read_backup(path)
    path.write_bytes(b"\x00\x01garbage")
    with pytest.raises(BackupError, match="not a ReviewMap backup"):
        read_backup(path)

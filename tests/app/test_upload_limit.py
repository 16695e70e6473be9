"""Files over the import size limit are refused by name, size and limit, on the Import page and
from the command line; the limit is a setting (`REVIEW_MAX_IMPORT_MB`) with a default that
matches `server.maxUploadSize`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from review.records import importing
from review.records.importing import DEFAULT_MAX_IMPORT_MB, max_import_bytes
from tests.app.test_app_pages import (  # noqa: F401  (engine is a fixture)
    ROOT,
    SCOPUS_RIS,
    engine,
    open_project,
    record_count,
    shown,
    start,
    upload,
)


def test_a_file_over_the_limit_is_refused_by_name_size_and_limit(
    engine: Engine,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", len(SCOPUS_RIS) - 1)
    app = start()
    project_id = open_project(app, engine, "trial")

    upload(app, ("too big.ris", SCOPUS_RIS), ("small.ris", b"TY  - JOUR\nTI  - A small export\nER  - \n"))

    limit_mb = f"{(len(SCOPUS_RIS) - 1) / 1024 / 1024:,.1f} MB"
    assert any(
        error.startswith("too big.ris:1: the file has ")
        and f"({len(SCOPUS_RIS):,} bytes); imports are limited to {limit_mb} (REVIEW_MAX_IMPORT_MB)" in error
        for error in shown(app.error)
    ), shown(app.error)
    assert not any(error.startswith("small.ris") for error in shown(app.error)), "the smaller file is read"
    assert app.button(key="import").disabled
    assert record_count(engine, project_id) == 0


def test_the_limit_is_a_setting_with_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REVIEW_MAX_IMPORT_MB", raising=False)
    assert max_import_bytes() == DEFAULT_MAX_IMPORT_MB * 1024 * 1024
    monkeypatch.setenv("REVIEW_MAX_IMPORT_MB", "1.5")
    assert max_import_bytes() == 1.5 * 1024 * 1024
    for nonsense in ("lots", "0", "-3"):
        monkeypatch.setenv("REVIEW_MAX_IMPORT_MB", nonsense)
        assert max_import_bytes() == DEFAULT_MAX_IMPORT_MB * 1024 * 1024


def test_the_command_line_refuses_a_file_over_the_limit_and_writes_nothing(tmp_path: Path) -> None:
    export = tmp_path / "scopus.ris"
    export.write_bytes(SCOPUS_RIS)
    db = tmp_path / "cli.db"
    result = subprocess.run(
        [sys.executable, "-m", "review", "--db", f"sqlite:///{db}", "import", str(export)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"REVIEW_MAX_IMPORT_MB": "0.001", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"{export}:1: the file has ")
    assert "imports are limited to 0.0 MB (REVIEW_MAX_IMPORT_MB)" in result.stderr
    assert not db.exists() or "records" not in result.stdout

"""`findings import` and `export --what findings` from a shell, as DESIGN.md specifies them."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.test_cli import SCOPUS, run


def test_findings_import_then_export_round_trips(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(db, "import", str(SCOPUS)).returncode == 0
    exported = tmp_path / "records.csv"
    assert run(db, "export", "--what", "records", "--out", str(exported)).returncode == 0
    keys = [row["source_key"] for row in csv.DictReader(exported.open(encoding="utf-8-sig"))][:2]
    findings = tmp_path / "findings.csv"
    findings.write_text(
        "source_key,type,level,theme,finding,quote,page\n"
        f"{keys[0]},barrier,therapist,Time,No time for ROM,,12\n"
        f"{keys[1]},facilitator,organisation; client,IT support,,,\n",
        encoding="utf-8",
    )
    refused = run(db, "findings", "import", str(findings), "--only-included")
    assert refused.returncode == 2 and f"{findings}:2:" in refused.stderr and "not an included study" in refused.stderr
    no_new = run(db, "findings", "import", str(findings), "--no-new-themes")
    assert no_new.returncode == 2 and "Time" in no_new.stderr
    done = run(db, "findings", "import", str(findings))
    assert done.returncode == 0, done.stderr
    assert "imported 2 findings of 2 studies" in done.stdout
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"out{suffix}"
        result = run(db, "export", "--what", "findings", "--out", str(out))
        assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8-sig")))
    assert list(rows[0]) == ["source_key", "type", "level", "theme", "finding", "quote", "page", "coded_by"]
    assert [(r["source_key"], r["level"], r["theme"]) for r in rows] == [
        (keys[0], "therapist", "Time"), (keys[1], "organisation; client", "IT support")]


def test_a_bad_level_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(db, "import", str(SCOPUS)).returncode == 0
    exported = tmp_path / "records.csv"
    run(db, "export", "--what", "records", "--out", str(exported))
    key = next(csv.DictReader(exported.open(encoding="utf-8-sig")))["source_key"]
    findings = tmp_path / "bad.csv"
    findings.write_text(f"source_key,type,level,theme\n{key},barrier,client,T\n{key},barrier,galaxy,T\n")
    result = run(db, "findings", "import", str(findings))
    assert result.returncode == 2
    assert f"{findings}:3: unknown level 'galaxy'" in result.stderr
    out = tmp_path / "out.csv"
    assert run(db, "export", "--what", "findings", "--out", str(out)).returncode == 0
    assert len(out.read_text(encoding="utf-8-sig").strip().splitlines()) == 1


def test_findings_go_out_and_in_wide(tmp_path: Path) -> None:
    """`export --what findings --wide` writes one row per study; `findings import --wide` reads it back."""
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(db, "import", str(SCOPUS)).returncode == 0
    exported = tmp_path / "records.csv"
    run(db, "export", "--what", "records", "--out", str(exported))
    keys = [row["source_key"] for row in csv.DictReader(exported.open(encoding="utf-8-sig"))][:2]
    findings = tmp_path / "findings.csv"
    findings.write_text(
        "source_key,type,level,theme,quote,page\n"
        f"{keys[0]},barrier,therapist; client,Time,no time,3\n"
        f"{keys[0]},facilitator,organisation,IT support,,\n"
        f"{keys[1]},barrier,client,Time,,\n",
        encoding="utf-8",
    )
    assert run(db, "findings", "import", str(findings)).returncode == 0
    wide = tmp_path / "wide.csv"
    done = run(db, "export", "--what", "findings", "--wide", "--out", str(wide))
    assert done.returncode == 0, done.stderr
    assert f"exported 2 studies with findings to {wide}" in done.stdout
    rows = list(csv.DictReader(wide.open(encoding="utf-8-sig")))
    assert [row["barrier: client: Time"] for row in rows] == ["#1", "#1"]
    assert rows[0]["facilitator: organisation: IT support"] == "#2" and rows[0]["quote"] == "#1 (p. 3): no time"
    again = f"sqlite:///{tmp_path / 'again.db'}"
    assert run(again, "import", str(SCOPUS)).returncode == 0
    imported = run(again, "findings", "import", "--wide", str(wide))
    assert imported.returncode == 0, imported.stderr
    assert "imported 3 findings of 2 studies" in imported.stdout
    wide_again = tmp_path / "again.csv"
    assert run(again, "export", "--what", "findings", "--wide", "--out", str(wide_again)).returncode == 0
    assert wide_again.read_bytes() == wide.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"source_key,barrier: galaxy: Time\n{keys[0]},1\nnobody,1\n", encoding="utf-8")
    refused = run(again, "findings", "import", "--wide", str(bad))
    assert refused.returncode == 2 and f"{bad}:1: column 'barrier: galaxy: Time': unknown level 'galaxy'" in refused.stderr
    assert run(db, "export", "--what", "records", "--wide", "--out", str(tmp_path / "r.csv")).returncode == 2

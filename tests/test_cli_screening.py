"""The screening commands of the command-line contract: screen import, agreement, prisma, export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, update

from review.store.schema import RecordRow
from review.store.screening_schema import DecisionEventRow, User
from tests.test_cli import run

RIS = "".join(
    f"TY  - JOUR\nID  - k{n}\nTI  - {title}\nPY  - 2020\nER  - \n\n"
    for n, title in enumerate(['=HYPERLINK("x")', "Second", "Third", "Fourth", "Fifth", "Sixth"], start=1)
)
DECISIONS = """reviewer,source_key,stage,decision,reason,note
alice,k1,title_abstract,include,,
bob,k1,title_abstract,include,,
alice,k2,title_abstract,include,,
bob,k2,title_abstract,exclude,Wrong population,not about therapy
alice,k3,title_abstract,exclude,,
bob,k3,title_abstract,exclude,,
alice,k4,title_abstract,include,,
bob,k4,title_abstract,include,,
alice,k1,full_text,include,,
bob,k1,full_text,include,,
alice,k4,full_text,exclude,Wrong context,
bob,k4,full_text,exclude,Wrong context,
"""


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    exports = tmp_path / "search.ris"
    exports.write_text(RIS, encoding="utf-8")
    assert run(url, "import", str(exports)).returncode == 0
    return url


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def event_count(db: str) -> int:
    engine = create_engine(db)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(DecisionEventRow)) or 0
    engine.dispose()
    return count


def test_screen_import_creates_reviewers_and_stores_each_decision_once(db: str, tmp_path: Path) -> None:
    path = write(tmp_path, "decisions.csv", DECISIONS)
    result = run(db, "screen", "import", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"imported 12 decisions from {path}"
    assert "alice, bob" in result.stderr
    again = run(db, "screen", "import", str(path))
    assert again.returncode == 0
    assert again.stdout.strip() == f"imported 0 decisions from {path} (12 already imported)"
    assert event_count(db) == 12
    engine = create_engine(db)
    with engine.connect() as connection:
        assert set(connection.scalars(select(User.username))) == {"alice", "bob"}
    engine.dispose()


def test_bad_rows_exit_2_name_file_and_line_and_write_nothing(db: str, tmp_path: Path) -> None:
    bad = write(
        tmp_path,
        "bad.csv",
        "reviewer,source_key,stage,decision,reason\n"
        "alice,k1,title_abstract,include,\n"
        "alice,nope,title_abstract,include,\n"
        "bob,k2,abstract,include,\n"
        "bob,k2,title_abstract,perhaps,\n"
        ",k3,title_abstract,include,\n",
    )
    result = run(db, "screen", "import", str(bad))
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"{bad}:3: no record of this project has source_key 'nope'",
        f"{bad}:4: unknown screening stage 'abstract': use one of title_abstract, full_text",
        f"{bad}:5: unknown screening decision 'perhaps': use one of include, exclude, maybe",
        f"{bad}:6: the reviewer is empty",
    ]
    assert event_count(db) == 0


def test_rule_breaking_rows_are_bad_input_too(db: str, tmp_path: Path) -> None:
    no_reason = write(tmp_path, "a.csv", "reviewer,source_key,stage,decision\nalice,k1,full_text,exclude\n")
    result = run(db, "screen", "import", str(no_reason))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{no_reason}:2: a full-text exclusion needs a reason")
    not_included = write(
        tmp_path, "b.csv", "reviewer,source_key,stage,decision\nalice,k1,full_text,include\n"
    )
    result = run(db, "screen", "import", str(not_included))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{not_included}:2: record ")
    assert "not included at title/abstract" in result.stderr
    missing = write(tmp_path, "c.csv", "reviewer,key,stage,decision\n")
    result = run(db, "screen", "import", str(missing))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{missing}:1: missing column(s) source_key")
    assert event_count(db) == 0


def test_a_source_key_in_two_files_takes_the_primary_record_or_fails(db: str, tmp_path: Path) -> None:
    again = write(tmp_path, "again.ris", "TY  - JOUR\nID  - k1\nTI  - First study, other database\nER  - \n")
    assert run(db, "import", str(again)).returncode == 0
    decision = write(
        tmp_path, "d.csv", "reviewer,source_key,stage,decision\nalice,k1,title_abstract,include\n"
    )
    ambiguous = run(db, "screen", "import", str(decision))
    assert ambiguous.returncode == 2
    assert ambiguous.stderr.startswith(f"{decision}:2: source_key 'k1' names 2 different records")
    engine = create_engine(db)
    with engine.begin() as connection:  # deduplication merges the second into the first
        first, second = connection.scalars(select(RecordRow.id).where(RecordRow.source_key == "k1")).all()
        connection.execute(
            update(RecordRow).where(RecordRow.id == second).values(duplicate_of=first, merge_method="auto")
        )
    engine.dispose()
    assert run(db, "screen", "import", str(decision)).returncode == 0


def test_agreement_json_has_the_contract_keys_with_reviewer_names(db: str, tmp_path: Path) -> None:
    assert run(db, "screen", "import", str(write(tmp_path, "d.csv", DECISIONS))).returncode == 0
    result = run(db, "agreement", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["stage"], r["reviewer_a"], r["reviewer_b"], r["n"]) for r in rows] == [
        ("title_abstract", "alice", "bob", 4),
        ("full_text", "alice", "bob", 2),
    ]
    assert all(
        set(r) == {"stage", "reviewer_a", "reviewer_b", "n", "agreement", "kappa", "pabak", "prevalence"}
        for r in rows
    )
    assert rows[0]["agreement"] == 0.75
    only_ft = json.loads(run(db, "agreement", "--stage", "full_text", "--json").stdout)
    assert [r["stage"] for r in only_ft] == ["full_text"]
    table = run(db, "agreement")
    assert table.returncode == 0
    assert table.stdout.splitlines()[0].split() == [
        "stage",
        "reviewer_a",
        "reviewer_b",
        "n",
        "agreement",
        "kappa",
        "PABAK",
        "prevalence",
    ]
    assert "75.0%" in table.stdout and "100.0%" in table.stdout


def test_prisma_writes_json_svg_and_png(db: str, tmp_path: Path) -> None:
    assert run(db, "screen", "import", str(write(tmp_path, "d.csv", DECISIONS))).returncode == 0
    out = tmp_path / "prisma.json"
    result = run(db, "prisma", "--out", str(out))
    assert result.returncode == 0, result.stderr
    counts = json.loads(out.read_text(encoding="utf-8"))
    assert {
        "identified",
        "duplicates_removed",
        "screened",
        "excluded_screening",
        "sought_for_retrieval",
        "not_retrieved",
        "assessed_full_text",
        "excluded_full_text",
        "included",
    } <= set(counts)
    assert set(counts["identified"]) == {"total", "by_source"}
    assert set(counts["duplicates_removed"]) == {"automatic", "manual"}
    assert set(counts["excluded_full_text"]) == {"total", "by_reason"}
    assert (counts["identified"]["total"], counts["screened"], counts["excluded_screening"]) == (6, 6, 1)
    assert (counts["included"], counts["excluded_full_text"]["by_reason"]) == (1, {"Wrong context": 1})
    svg = tmp_path / "prisma.svg"
    assert run(db, "prisma", "--out", str(svg)).returncode == 0
    assert svg.read_text(encoding="utf-8").startswith("<svg") or "<svg" in svg.read_text(encoding="utf-8")
    png = tmp_path / "prisma.png"
    assert run(db, "prisma", "--out", str(png)).returncode == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    wrong = run(db, "prisma", "--out", str(tmp_path / "prisma.pdf"))
    assert wrong.returncode == 2 and "choose .svg, .png or .json" in wrong.stderr


def test_export_decisions_one_row_per_event_with_safe_cells(db: str, tmp_path: Path) -> None:
    assert run(db, "screen", "import", str(write(tmp_path, "d.csv", DECISIONS))).returncode == 0
    out = tmp_path / "decisions.csv"
    result = run(db, "export", "--what", "decisions", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"exported 12 decisions to {out}"
    with out.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "source_key",
        "record_id",
        "title",
        "reviewer",
        "stage",
        "decision",
        "reason",
        "note",
        "decided_at",
    ]
    assert len(rows) == 12
    assert {r["title"] for r in rows if r["source_key"] == "k1"} == {'\'=HYPERLINK("x")'}  # neutralised
    assert any(r["reason"] == "Wrong population" and r["note"] == "not about therapy" for r in rows)
    refused = run(db, "export", "--what", "decisions", "--out", str(tmp_path / "d.ris"))
    assert refused.returncode == 1 and "as .csv or .xlsx" in refused.stderr


def test_export_included_writes_the_studies_included_at_full_text(db: str, tmp_path: Path) -> None:
    assert run(db, "screen", "import", str(write(tmp_path, "d.csv", DECISIONS))).returncode == 0
    out = tmp_path / "included.ris"
    result = run(db, "export", "--what", "included", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"exported 1 included to {out}"
    assert "=HYPERLINK" in out.read_text(encoding="utf-8")

"""Round trips: long findings tables and wide coding tables (real EviAtlas systematic-map databases)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from review.extraction.codebook import add_code
from review.extraction.findings import consensus_findings
from review.extraction.long_table import FINDING_COLUMNS, finding_rows, import_findings
from review.extraction.tables import read_coding_table
from review.extraction.wide_table import export_coding_table, import_coding_table
from review.people import Actor
from review.records.readers.base import BadInput, SourceFile
from review.records.writers import write_table
from review.store.projects import ensure_project
from tests.extraction.helpers import make_project

ROOT = Path(__file__).resolve().parents[2]
SLICES = ROOT / "tests" / "data" / "extraction"
FULL = ROOT.parent / "shared" / "fixtures" / "extraction" / "eviatlas_systematic_map_databases"
NAMES = ["pilotdata_forest_management_2018.csv", "pilotdata_vegetated_strips.csv"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_long_findings_table_round_trips(sqlite_engine: Engine, fmt: str) -> None:
    project_id, _ = make_project(sqlite_engine, ["a", "b"])
    add_code(sqlite_engine, project_id, Actor.operator(project_id), "level", "research")
    text = (
        "source_key,type,level,theme,finding,quote,page\n"
        "a,barrier,therapist; research,Time,\"No time, no ROM\",\"=we had no time\",12\n"
        "b,mechanism,client,Voice,Clients voice needs,,\n"
    )
    import_findings(sqlite_engine, project_id, SourceFile("in.csv", text.encode()), add_themes=True,
                    imported_by="tester")
    first = finding_rows(consensus_findings(sqlite_engine, project_id))
    data = write_table(first, FINDING_COLUMNS, fmt)
    other, _ = make_project(sqlite_engine, ["a", "b"], name="again")
    add_code(sqlite_engine, other, Actor.operator(other), "level", "research")
    import_findings(sqlite_engine, other, SourceFile(f"out.{fmt}", data), add_themes=True)
    again = finding_rows(consensus_findings(sqlite_engine, other))
    assert again == first
    assert first[0]["quote"] == "=we had no time" and first[0]["level"] == "therapist; research"


def table_of(path: Path) -> tuple[list[str], list[list[str]]]:
    table = read_coding_table(SourceFile(path.name, path.read_bytes()))
    return table.headers, [cells for _, cells in table.rows]


def round_trip(engine: Engine, path: Path, fmt: str) -> None:
    project_id = ensure_project(engine, f"map {path.name} {fmt}")
    summary = import_coding_table(engine, project_id, SourceFile(str(path), path.read_bytes()))
    headers, rows = table_of(path)
    assert summary.studies == len(rows) == summary.records_created
    exported = export_coding_table(engine, project_id, fmt)
    assert table_of_bytes(exported, f"out.{fmt}") == (headers, rows)


def table_of_bytes(data: bytes, name: str) -> tuple[list[str], list[list[str]]]:
    table = read_coding_table(SourceFile(name, data))
    return table.headers, [cells for _, cells in table.rows]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_systematic_map_slice_imports_wide_and_comes_out_unchanged(engine: Engine, name: str, fmt: str) -> None:
    round_trip(engine, SLICES / name, fmt)


@pytest.mark.skipif(not FULL.is_dir(), reason="the full EviAtlas files are in ../shared/fixtures (CI has them)")
@pytest.mark.parametrize("name", NAMES)
def test_the_full_systematic_maps_round_trip(sqlite_engine: Engine, name: str) -> None:
    round_trip(sqlite_engine, FULL / name, "csv")


def test_a_messy_coding_table_imports_with_its_columns_tidied(sqlite_engine: Engine) -> None:
    """Real spreadsheets: a column without a header (with values, and one empty), a repeated
    header, a trailing delimiter. The import says what it renamed or left out."""
    project_id = ensure_project(sqlite_engine, "messy")
    text = "Title,,Outcome,Outcome,,\nA study,x,fish,birds,,\nAnother,,fish,,,\n"
    summary = import_coding_table(sqlite_engine, project_id, SourceFile("messy.csv", text.encode()))
    assert summary.studies == 2 and summary.fields == 4
    assert "'Outcome' repeated: column 4 called Outcome (2)" in summary.message()
    assert "column 5 (no header, no values) left out" in summary.message()
    headers, rows = table_of_bytes(export_coding_table(sqlite_engine, project_id, "csv"), "out.csv")
    assert headers == ["Title", "column 2", "Outcome", "Outcome (2)"]
    assert rows == [["A study", "x", "fish", "birds"], ["Another", "", "fish", ""]]
    with pytest.raises(BadInput, match=r"messy\.csv:2: 5 cells but 2 columns"):
        import_coding_table(sqlite_engine, project_id, SourceFile("messy.csv", b"Title,Year\nA,2001,,,oops\n"))

"""Study characteristics: the long table (round trips, per-row type checks), the form editor, and
coder agreement per field."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from review.extraction.agreement import field_agreement
from review.extraction.characteristics_table import (
    characteristic_rows,
    export_characteristics,
    import_characteristics,
)
from review.extraction.findings import chartable_records
from review.extraction.forms import (
    FieldSpec,
    FormError,
    add_field,
    characteristics_of,
    form_fields,
    form_overview,
    retire_field,
    set_characteristic,
    update_field,
)
from review.extraction.reconciliation import characteristics_agreement
from review.extraction.tables import BadRows, read_coding_table
from review.extraction.wide_table import export_coding_table, import_coding_table
from review.people import Actor, PermissionDenied
from review.records.readers.base import SourceFile
from review.store.engine import session_scope
from review.store.extraction_schema import CharacteristicValueRow
from review.store.projects import ensure_project
from tests.extraction.helpers import make_project, member

ROOT = Path(__file__).resolve().parents[2]
TABLES = sorted((ROOT.parent / "shared" / "fixtures" / "extraction").rglob("*.csv")) or sorted(
    (ROOT / "tests" / "data" / "extraction").glob("*.csv"))

LONG = (
    "source_key,field,value,coded_by\n"
    "a,country,Norway,\n"
    "a,design,qualitative,\n"
    "a,rom_measures,OQ-45; ORS,\n"
    "a,participants,\"=12 therapists, 30 clients\",\n"
    "a,design,RCT,alice\n"
    "b,year_of_data,2019,\n"
    "b,sample_size,\"12,5\",bob\n"
)


def count_values(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(CharacteristicValueRow)) or 0


def with_fields(engine: Engine, name: str) -> tuple[int, Actor]:
    project_id, _ = make_project(engine, ["a", "b"], name=name)
    owner = Actor.operator(project_id)
    add_field(engine, project_id, owner, FieldSpec("year_of_data", "Year of data", "year"))
    add_field(engine, project_id, owner, FieldSpec("sample_size", "", "number"))
    return project_id, owner


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_long_characteristics_round_trip(engine: Engine, fmt: str) -> None:
    first, _ = with_fields(engine, "first")
    summary = import_characteristics(engine, first, SourceFile("in.csv", LONG.encode()))
    assert (summary.values, summary.studies, summary.coders) == (7, 2, ["alice", "bob"])
    rows = characteristic_rows(engine, first)
    assert rows[:5] == [  # in form order, the agreed value before the coders'
        {"source_key": "a", "field": "country", "value": "Norway", "coded_by": ""},
        {"source_key": "a", "field": "design", "value": "qualitative", "coded_by": ""},
        {"source_key": "a", "field": "design", "value": "RCT", "coded_by": "alice"},
        {"source_key": "a", "field": "participants", "value": "=12 therapists, 30 clients", "coded_by": ""},
        {"source_key": "a", "field": "rom_measures", "value": "OQ-45; ORS", "coded_by": ""},
    ]
    data = export_characteristics(engine, first, fmt)
    if fmt == "csv":
        assert b"'=12 therapists" in data  # formula-safe in the file, restored on import
    again, _ = with_fields(engine, "again")
    import_characteristics(engine, again, SourceFile(f"out.{fmt}", data))
    assert characteristic_rows(engine, again) == rows
    assert export_characteristics(engine, again, "csv") == export_characteristics(engine, first, "csv")
    record_a = next(r for r, key, _ in chartable_records(engine, again) if key == "a")
    alice = member(engine, again, "alice")
    assert characteristics_of(engine, again, record_a, alice.user_id) == {"design": "RCT"}
    assert characteristics_of(engine, again, record_a)["design"] == "qualitative"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        pytest.param("a,year_of_data,19x9,", "Year of data: '19x9' is not a year (four digits)", id="bad year"),
        pytest.param("a,sample_size,a dozen,", "Sample size: 'a dozen' is not a number", id="bad number"),
        pytest.param("a,design,survey,", "Design: 'survey' is not one of the choices", id="unknown single choice"),
        pytest.param("a,rom_measures,ORS; XYZ,", "ROM measures used: 'XYZ' is not one of the choices",
                     id="unknown multiple choice"),
        pytest.param("a,country,42,", "Country: '42' is not a country name (letters, no digits)", id="bad country"),
        pytest.param("zz,country,Norway,", "no record with source_key 'zz' in this project", id="unknown study"),
        pytest.param("a,colour,red,", "the form has no field 'colour'", id="unknown field"),
    ],
)
def test_a_bad_row_names_its_line_and_reason_and_writes_nothing(engine: Engine, row: str, reason: str) -> None:
    project_id, _ = with_fields(engine, "bad")
    text = f"source_key,field,value,coded_by\na,country,Norway,\n{row}\n"
    with pytest.raises(BadRows) as raised:
        import_characteristics(engine, project_id, SourceFile("c.csv", text.encode()))
    assert str(raised.value).startswith(f"c.csv:3: {reason}")
    assert count_values(engine) == 0


def test_every_bad_row_is_listed(sqlite_engine: Engine) -> None:
    project_id, _ = with_fields(sqlite_engine, "many")
    text = ("source_key,field,value,coded_by\n"
            "a,year_of_data,later,\nb,country,Norway,\na,country,Norway,\na,country,Sweden,\nb,design,x,\n")
    with pytest.raises(BadRows) as raised:
        import_characteristics(sqlite_engine, project_id, SourceFile("m.csv", text.encode()))
    assert [p.line for p in raised.value.problems] == [2, 5, 6]
    assert "by the same coder on line 4 already" in str(raised.value).splitlines()[1]
    assert count_values(sqlite_engine) == 0


def test_a_retired_field_keeps_its_values_and_leaves_the_exports(sqlite_engine: Engine) -> None:
    project_id, owner = with_fields(sqlite_engine, "retire")
    import_characteristics(sqlite_engine, project_id, SourceFile("in.csv", LONG.encode()))
    retire_field(sqlite_engine, project_id, owner, "design")
    assert "design" not in [f.key for f in form_fields(sqlite_engine, project_id)]
    assert "design" not in {r["field"] for r in characteristic_rows(sqlite_engine, project_id)}
    with pytest.raises(BadRows, match="the field 'design' is retired"):
        import_characteristics(sqlite_engine, project_id,
                               SourceFile("r.csv", b"source_key,field,value\na,design,RCT\n"))
    retire_field(sqlite_engine, project_id, owner, "design", restore=True)
    assert {r["value"] for r in characteristic_rows(sqlite_engine, project_id) if r["field"] == "design"} == {
        "qualitative", "RCT"}


def test_the_form_editor_checks_every_field(sqlite_engine: Engine) -> None:
    project_id, owner = with_fields(sqlite_engine, "editor")
    for spec, reason in [
        (FieldSpec("Sample size", "x", "number"), "a key is lower-case letters"),
        (FieldSpec("design", "Design again", "text"), "has a field 'design' already"),
        (FieldSpec("colour", "Colour", "colour"), "unknown field type 'colour'"),
        (FieldSpec("arm", "Arm", "single"), "needs its choices"),
        (FieldSpec("arm", "Arm", "multiple", ("a", "A")), "listed twice"),
        (FieldSpec("arm", "Arm", "text", ("a",)), "has no choices"),
    ]:
        with pytest.raises(FormError, match=reason):
            add_field(sqlite_engine, project_id, owner, spec)
    with pytest.raises(PermissionDenied):
        add_field(sqlite_engine, project_id, member(sqlite_engine, project_id, "alice"), FieldSpec("arm", "A", "text"))
    import_characteristics(sqlite_engine, project_id, SourceFile("in.csv", LONG.encode()))
    with pytest.raises(FormError, match="'qualitative'"):  # a choice in use cannot go
        update_field(sqlite_engine, project_id, owner, "design", "Design", ["RCT", "cohort"])
    update_field(sqlite_engine, project_id, owner, "design", "Study design", ["RCT", "qualitative", "survey"])
    overview = {info.spec.key: info for info in form_overview(sqlite_engine, project_id)}
    assert overview["design"].spec.label == "Study design" and overview["design"].studies == 1
    assert overview["sample_size"].spec.label == "Sample size"
    # a coding table's column is a field whose key is its header: its label still changes
    import_coding_table(sqlite_engine, project_id, SourceFile("t.csv", b"Title,Study design\nStudy a,RCT\n"))
    update_field(sqlite_engine, project_id, owner, "Study design", "Design as published")
    assert [f.label for f in form_fields(sqlite_engine, project_id) if f.key == "Study design"] == ["Design as published"]


def test_agreement_on_characteristics_by_hand(sqlite_engine: Engine) -> None:
    """Four studies, two coders. design (single): (RCT, rct) (RCT, cohort) (cohort, blank)
    (cohort, cohort) → 2 of 4 agree; chance: A has RCT 2, cohort 2; B RCT 1, cohort 2, blank 1 →
    (2·1 + 2·2) / 16 = 0.375, kappa = (0.5 − 0.375) / (1 − 0.375) = 0.2.
    rom_measures (multiple): the same set in another order on a, both blank elsewhere → 1 of 1.
    country: "norway" and "Norway " agree on b, c has bob's only → 1 of 2; no kappa for text."""
    project_id, ids = make_project(sqlite_engine, ["a", "b", "c", "d"])
    owner = member(sqlite_engine, project_id, "olga", role="owner")
    alice, bob = member(sqlite_engine, project_id, "alice"), member(sqlite_engine, project_id, "bob")
    for coder, study, key, text in [
        (alice, "a", "design", "RCT"), (bob, "a", "design", "rct"),
        (alice, "b", "design", "RCT"), (bob, "b", "design", "cohort"),
        (alice, "c", "design", "cohort"), (bob, "c", "country", "Chile"),
        (alice, "d", "design", "cohort"), (bob, "d", "design", "cohort"),
        (alice, "a", "rom_measures", "ORS; OQ-45"), (bob, "a", "rom_measures", "OQ-45;ORS"),
        (alice, "b", "country", "norway"), (bob, "b", "country", "Norway "),
    ]:
        set_characteristic(sqlite_engine, project_id, coder, ids[study], key, text)
    result = {row.key: row for row in characteristics_agreement(sqlite_engine, project_id, owner)}
    assert (result["design"].n, result["design"].agreed, result["design"].agreement) == (4, 2, 0.5)
    assert result["design"].kappa == pytest.approx(0.2)
    assert (result["rom_measures"].n, result["rom_measures"].agreement, result["rom_measures"].kappa) == (1, 1.0, None)
    assert (result["country"].n, result["country"].agreed) == (2, 1)  # b agrees, c: bob only
    assert result["participants"].n == 0 and result["participants"].agreement is None
    with pytest.raises(PermissionDenied):
        characteristics_agreement(sqlite_engine, project_id, alice)
    assert field_agreement("n", "N", "number", [("12,5", "12.50")]).agreement == 1.0


def test_every_real_coding_table_round_trips_wide_and_long(sqlite_engine: Engine) -> None:
    """Each table imports wide; its values pass the long import's type checks (the same values
    imported again through the long table change nothing), and the wide export is cell for cell."""
    assert TABLES
    for path in TABLES:
        project_id = ensure_project(sqlite_engine, f"real {path.name}")
        import_coding_table(sqlite_engine, project_id, SourceFile(path.name, path.read_bytes()))
        wide = export_coding_table(sqlite_engine, project_id, "csv")
        long = export_characteristics(sqlite_engine, project_id, "xlsx")
        import_characteristics(sqlite_engine, project_id, SourceFile("long.xlsx", long))
        assert export_coding_table(sqlite_engine, project_id, "csv") == wide
        assert export_characteristics(sqlite_engine, project_id, "xlsx") != b""
        source = read_coding_table(SourceFile(path.name, path.read_bytes()))
        assert read_coding_table(SourceFile("w.csv", wide)) == source, path.name

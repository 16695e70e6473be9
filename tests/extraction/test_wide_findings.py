"""Findings in wide form (one row per study, a column per type: level: theme): round trips and bad input."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import Engine, func, select

from review.extraction.codebook import add_code
from review.extraction.findings import FindingView, consensus_findings
from review.extraction.long_table import import_findings
from review.extraction.tables import BadRows, read_coding_table
from review.extraction.wide_findings import export_wide_findings, import_wide_findings
from review.people import Actor
from review.records.readers.base import SourceFile
from review.store.engine import session_scope
from review.store.extraction_schema import FindingRow
from tests.extraction.helpers import make_project

LONG = (
    "source_key,type,level,theme,finding,quote,page\n"
    # two levels x two themes: one finding in four cells
    "a,barrier,therapist; research,Time; IT,\"No time,\nno IT\",\"=we had no time\",12\n"
    "a,barrier,therapist,Time,,,\n"  # the same codes again: a second finding, not merged into the first
    "a,facilitator,client,Trust,,\"they trusted it\",\n"
    "b,mechanism,client,Voice,Clients voice needs,,\n"
)


def setup(engine: Engine, name: str) -> int:
    project_id, _ = make_project(engine, ["a", "b", "c"], name=name)
    add_code(engine, project_id, Actor.operator(project_id), "level", "research")
    return project_id


def essence(findings: list[FindingView]) -> list[tuple[object, ...]]:
    """What a wide table keeps of each finding."""
    return sorted((f.source_key, f.type, tuple(sorted(f.levels)), tuple(sorted(f.themes)), f.description, f.quote, f.page)
                  for f in findings)


def count_findings(engine: Engine) -> int:
    with session_scope(engine) as session:
        return session.scalar(select(func.count()).select_from(FindingRow)) or 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_wide_findings_round_trip(engine: Engine, fmt: str) -> None:
    first = setup(engine, "first")
    import_findings(engine, first, SourceFile("in.csv", LONG.encode()), add_themes=True)
    data, studies = export_wide_findings(engine, first, fmt)
    assert studies == 2
    table = read_coding_table(SourceFile(f"wide.{fmt}", data))
    assert table.headers[:2] == ["source_key", "title"] and table.headers[-2:] == ["finding", "quote"]
    row_a = dict(zip(table.headers, table.rows[0][1], strict=True))
    assert row_a["barrier: therapist: Time"] == "#1; #2"
    assert row_a["barrier: research: IT"] == "#1"
    assert row_a["facilitator: client: Trust"] == "#3"
    assert row_a["quote"] == "#1 (p. 12): =we had no time\n#3: they trusted it"
    assert row_a["finding"] == "#1: No time, no IT"  # a line break inside a text becomes a space

    again = setup(engine, "again")
    summary = import_wide_findings(engine, again, SourceFile(f"wide.{fmt}", data), add_themes=True)
    assert (summary.findings, summary.studies) == (4, 2)
    expected = [(key, kind, levels, themes, text.replace("\n", " "), quote, page)
                for key, kind, levels, themes, text, quote, page in essence(consensus_findings(engine, first))]
    assert essence(consensus_findings(engine, again)) == expected
    # and out again: the same table (an XLSX's bytes hold a timestamp, so compare its cells)
    assert read_coding_table(SourceFile(f"x.{fmt}", export_wide_findings(engine, again, fmt)[0])) == table
    if fmt == "csv":
        assert export_wide_findings(engine, again, fmt)[0] == data


def test_a_flag_table_from_elsewhere_gives_one_finding_per_ticked_cell(sqlite_engine: Engine) -> None:
    project_id = setup(sqlite_engine, "flags")
    for theme in ("Time", "IT"):
        add_code(sqlite_engine, project_id, Actor.operator(project_id), "theme", theme)
    text = (
        "source_key,Year,barrier: therapist: Time,barrier: organisation: IT,facilitator: client: Time\n"
        "a,2001,1,barrier: organisation: IT,no\n"
        "b,2002,,,clients liked the graphs\n"
    )
    import_wide_findings(sqlite_engine, project_id, SourceFile("flags.csv", text.encode()))
    assert essence(consensus_findings(sqlite_engine, project_id)) == [
        ("a", "barrier", ("organisation",), ("IT",), "", "", ""),
        ("a", "barrier", ("therapist",), ("Time",), "", "", ""),
        ("b", "facilitator", ("client",), ("Time",), "", "clients liked the graphs", ""),
    ]


def test_bad_headers_and_rows_are_each_named_and_nothing_is_written(sqlite_engine: Engine) -> None:
    project_id = setup(sqlite_engine, "bad")
    add_code(sqlite_engine, project_id, Actor.operator(project_id), "theme", "Time")
    header_problems = "source_key,notes,obstacle: client: Time,barrier: galaxy: Time,barrier: client: Weather\n"
    with pytest.raises(BadRows) as raised:
        import_wide_findings(sqlite_engine, project_id, SourceFile("h.csv", (header_problems + "a,,,,\n").encode()))
    lines = str(raised.value).splitlines()
    assert lines == [
        "h.csv:1: column 'notes' is neither a study column (source_key, title, finding, quote) nor a code column "
        "'type: level: theme'",
        "h.csv:1: column 'obstacle: client: Time': unknown type 'obstacle' (known: barrier, facilitator, mechanism)",
        "h.csv:1: column 'barrier: galaxy: Time': unknown level 'galaxy' "
        "(known: policy, organisation, therapist, client, research)",
        "h.csv:1: column 'barrier: client: Weather': unknown theme 'Weather'",
    ]
    rows = (
        "source_key,barrier: client: Time,facilitator: client: Time,quote\n"
        "a,#1,,#1: fine\n"
        "zz,1,,\n"
        "b,#1,#1,\n"
        "c,#1,,#2: no such finding\n"
        "a,1,,just text\n"
    )
    with pytest.raises(BadRows) as raised:
        import_wide_findings(sqlite_engine, project_id, SourceFile("r.csv", rows.encode()))
    assert str(raised.value).splitlines() == [
        "r.csv:3: no record with source_key 'zz' in this project",
        "r.csv:4: finding #1 is a barrier in one column and a facilitator in 'facilitator: client: Time'",
        "r.csv:5: quote: #2 is in no code column of this row",
        "r.csv:6: quote: the line 'just text' does not start with a finding number ('#1: ...')",
    ]
    assert count_findings(sqlite_engine) == 0


def test_only_included_studies_unless_asked(sqlite_engine: Engine) -> None:
    project_id, _ = make_project(sqlite_engine, ["a"], chartable=False)
    add_code(sqlite_engine, project_id, Actor.operator(project_id), "theme", "Time")
    source = SourceFile("w.csv", b"source_key,barrier: client: Time\na,1\n")
    with pytest.raises(BadRows, match=r"w\.csv:2: 'a' is not an included study"):
        import_wide_findings(sqlite_engine, project_id, source)
    summary = import_wide_findings(sqlite_engine, project_id, source, include_unscreened=True)
    assert (summary.findings, summary.studies_included) == (1, 1)


def test_a_flag_workbook_with_number_cells_imports(sqlite_engine: Engine) -> None:
    """Spreadsheets store ticks as numbers (1, 1.0) and booleans; 0 is no tick."""
    from openpyxl import Workbook

    project_id = setup(sqlite_engine, "workbook")
    add_code(sqlite_engine, project_id, Actor.operator(project_id), "theme", "Time")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["source_key", "barrier: client: Time", "barrier: therapist: Time", "facilitator: client: Time"])
    sheet.append(["a", 1, 0, True])
    sheet.append(["b", 1.0, None, False])
    data = io.BytesIO()
    book.save(data)
    summary = import_wide_findings(sqlite_engine, project_id, SourceFile("flags.xlsx", data.getvalue()))
    assert (summary.findings, summary.studies) == (3, 2)
    assert [(f.source_key, f.type, f.levels, f.quote) for f in consensus_findings(sqlite_engine, project_id)] == [
        ("a", "barrier", ["client"], ""), ("a", "facilitator", ["client"], ""), ("b", "barrier", ["client"], "")]

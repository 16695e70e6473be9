from __future__ import annotations

import csv
import io
from pathlib import Path

from review.mapping.matrix import (
    cell_studies,
    counts_csv,
    gaps_csv,
    gaps_table,
    matrix_chart,
    matrix_counts,
    write_matrix_files,
)
from tests.mapping.helpers import XSS_TITLE, finding

FINDINGS = [
    finding(study_id=1, levels=("therapist",), themes=("time burden",), quote="a"),
    finding(study_id=1, levels=("therapist",), themes=("time burden",), quote="b"),
    finding(study_id=2, type="facilitator", levels=("therapist", "client"), themes=("time burden",)),
    finding(study_id=3, type="mechanism", levels=("client",), themes=("alerts",)),
]


def cell(counts, row: str, col: str, finding_type: str) -> int:  # type: ignore[no-untyped-def]
    match = counts[(counts.row_value == row) & (counts.col_value == col) & (counts.type == finding_type)]
    return int(match.n_studies.iloc[0])


def test_counts_are_distinct_studies_per_cell_and_type() -> None:
    counts = matrix_counts(FINDINGS)
    assert cell(counts, "time burden", "therapist", "barrier") == 1
    assert cell(counts, "time burden", "therapist", "facilitator") == 1
    assert cell(counts, "time burden", "client", "facilitator") == 1
    assert cell(counts, "alerts", "client", "mechanism") == 1
    assert len(counts) == 2 * 2 * 3  # the full grid, zeros included


def test_gaps_are_cells_without_any_study() -> None:
    counts = matrix_counts(FINDINGS, col_values=["policy", "therapist", "client"])
    gaps = {tuple(row) for row in gaps_table(counts).itertuples(index=False)}
    assert gaps == {("time burden", "policy"), ("alerts", "policy"), ("alerts", "therapist")}
    assert next(csv.reader(io.StringIO(gaps_csv(counts)))) == ["row_value", "col_value"]


def test_any_two_dimensions() -> None:
    counts = matrix_counts(FINDINGS, rows="design", cols="year")
    assert set(counts.row_value) == {"qualitative"} and set(counts.col_value) == {"2015"}


def test_cell_studies_lists_distinct_studies_with_their_quotes() -> None:
    studies = cell_studies(FINDINGS, "time burden", "therapist")
    assert [s.study_id for s in studies] == [1, 2]
    assert studies[0].quotes == (("barrier", "a", "4"), ("barrier", "b", "4"))
    assert [s.study_id for s in cell_studies(FINDINGS, "time burden", "therapist", type="facilitator")] == [2]


def test_counts_csv_reads_back() -> None:
    rows = list(csv.DictReader(io.StringIO(counts_csv(matrix_counts(FINDINGS)))))
    assert sum(int(r["n_studies"]) for r in rows) == 4
    assert {r["studies"] for r in rows if r["n_studies"] == "1"} >= {"1", "2", "3"}


def test_svg_png_and_csv_files(tmp_path: Path) -> None:
    counts = matrix_counts(
        [*FINDINGS, finding(study_id=4, themes=(XSS_TITLE,))], col_values=["policy", "therapist", "client"]
    )
    chart = matrix_chart(counts)
    svg, png, counts_path, gaps_path = write_matrix_files(chart, counts, tmp_path)
    text = svg.read_text()
    assert text.lstrip().startswith("<svg") and "gap" in text
    assert "<img" not in text and "&lt;img" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert counts_path.read_text().startswith("row_value,col_value,type,n_studies,studies")
    assert "policy" in gaps_path.read_text()


def test_the_chart_has_a_cell_selection_for_the_app() -> None:
    spec = matrix_chart(matrix_counts(FINDINGS)).to_dict()
    params = spec.get("params", []) + [p for layer in spec["layer"] for p in layer.get("params", [])]
    assert any(p["name"] == "cell" and p["select"]["fields"] == ["row_value", "col_value"] for p in params)

"""The evidence-gap matrix: any two coded dimensions (default themes × levels), each cell split by
finding type, bubbles sized by the number of distinct studies, and empty cells drawn as gaps.

A dimension is ``"themes"``, ``"levels"``, ``"type"``, ``"year"`` or the name of a study
characteristic (``"design"``, ``"country"``…). Counts are distinct studies, never findings.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert

from review.mapping.model import MapFinding
from review.mapping.style import ordered_types, type_styles

GAP_FILL = "#EDEDED"
COUNT_COLUMNS = ["row_value", "col_value", "type", "n_studies", "studies"]


def dimension_values(finding: MapFinding, dimension: str) -> tuple[str, ...]:
    """The values a finding has on one dimension (several for levels and themes)."""
    if dimension == "themes":
        return finding.themes
    if dimension == "levels":
        return finding.levels
    if dimension == "type":
        return (finding.type,)
    if dimension == "year":
        return () if finding.year is None else (str(finding.year),)
    return finding.characteristic(dimension)


def _ordered(counts: dict[str, set[int]], given: Sequence[str] | None) -> list[str]:
    if given is not None:
        return list(given)
    return sorted(counts, key=lambda value: (-len(counts[value]), value.casefold()))


def matrix_counts(
    findings: Iterable[MapFinding],
    rows: str = "themes",
    cols: str = "levels",
    row_values: Sequence[str] | None = None,
    col_values: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Every row × column × type cell with its distinct studies, zeros included.

    `row_values` / `col_values` fix the order and the full set (pass the codebook's themes and
    levels so a code nobody reported shows as a gap); by default rows and columns are the values
    seen, most studies first.

    >>> f = MapFinding(1, "A", "T", 2020, "barrier", ("client",), ("time",))
    >>> matrix_counts([f, f], col_values=["client", "policy"])[["col_value", "type", "n_studies"]].values.tolist()
    [['client', 'barrier', 1], ['policy', 'barrier', 0]]
    """
    cells: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    row_studies: dict[str, set[int]] = defaultdict(set)
    col_studies: dict[str, set[int]] = defaultdict(set)
    types: set[str] = set()
    for finding in findings:
        types.add(finding.type)
        for row in dimension_values(finding, rows):
            row_studies[row].add(finding.study_id)
            for col in dimension_values(finding, cols):
                cells[(row, col, finding.type)].add(finding.study_id)
        for col in dimension_values(finding, cols):
            col_studies[col].add(finding.study_id)
    records = [
        {
            "row_value": row,
            "col_value": col,
            "type": finding_type,
            "n_studies": len(cells.get((row, col, finding_type), ())),
            "studies": sorted(cells.get((row, col, finding_type), ())),
        }
        for row in _ordered(row_studies, row_values)
        for col in _ordered(col_studies, col_values)
        for finding_type in ordered_types(types)
    ]
    return pd.DataFrame.from_records(records, columns=COUNT_COLUMNS)


def gaps_table(counts: pd.DataFrame) -> pd.DataFrame:
    """The cells (row_value, col_value) with no study of any type."""
    if counts.empty:
        return pd.DataFrame(columns=["row_value", "col_value"])
    totals = counts.groupby(["row_value", "col_value"], sort=False)["n_studies"].sum().reset_index()
    return totals.loc[totals["n_studies"] == 0, ["row_value", "col_value"]].reset_index(drop=True)


def counts_csv(counts: pd.DataFrame) -> str:
    """The counts as CSV; `studies` as a semicolon-separated list of ids."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COUNT_COLUMNS)
    for row in counts.itertuples(index=False):
        writer.writerow(
            [row.row_value, row.col_value, row.type, row.n_studies, ";".join(map(str, row.studies))]
        )
    return buffer.getvalue()


def gaps_csv(counts: pd.DataFrame) -> str:
    """The gaps table as CSV."""
    return str(gaps_table(counts).to_csv(index=False, lineterminator="\n"))


@dataclass(frozen=True)
class CellStudy:
    """A study behind a matrix cell, with its quotes there as (type, quote, page)."""

    study_id: int
    study_label: str
    title: str
    year: int | None
    quotes: tuple[tuple[str, str, str], ...]


def cell_studies(
    findings: Iterable[MapFinding],
    row_value: str,
    col_value: str,
    type: str | None = None,
    rows: str = "themes",
    cols: str = "levels",
) -> list[CellStudy]:
    """The distinct studies behind one cell (optionally one type in it), in study id order.

    >>> f = MapFinding(7, "B 2019", "T", 2019, "facilitator", ("client",), ("time",), "q", "2")
    >>> [s.study_label for s in cell_studies([f], "time", "client")]
    ['B 2019']
    >>> cell_studies([f], "time", "client", type="barrier")
    []
    """
    by_study: dict[int, list[MapFinding]] = defaultdict(list)
    for finding in findings:
        if type is not None and finding.type != type:
            continue
        if row_value in dimension_values(finding, rows) and col_value in dimension_values(finding, cols):
            by_study[finding.study_id].append(finding)
    result = []
    for study_id in sorted(by_study):
        first = by_study[study_id][0]
        quotes = tuple(dict.fromkeys((f.type, f.quote, f.page) for f in by_study[study_id] if f.quote))
        result.append(CellStudy(study_id, first.study_label, first.title, first.year, quotes))
    return result


def _title(dimension: str) -> str:
    return dimension.replace("_", " ").capitalize()


def _label_expr(values: Sequence[str]) -> str:
    # Vega expression: pick the name for an index; json.dumps writes valid, escaped string literals.
    return f"{json.dumps(list(values))}[floor(datum.value)]"


def matrix_step(slots: int) -> int:
    """Pixels per bubble slot (a column holds one slot per type): narrower as columns multiply,
    so that a matrix of eight levels and three types still fits a page or a slide beside its labels.

    >>> matrix_step(9), matrix_step(24), matrix_step(40)
    (24, 20, 16)
    """
    return 24 if slots <= 18 else 20 if slots <= 30 else 16


def matrix_chart(
    counts: pd.DataFrame,
    rows: str = "themes",
    cols: str = "levels",
    title: str = "Evidence-gap matrix",
    font_scale: float = 1.0,
) -> alt.LayerChart:
    """The matrix as an Altair chart: one bubble per type in each cell, gaps shaded and marked.

    Positions are computed here (cell index + a slot per type) on quantitative axes, so every
    layer lines up exactly. Clicking a bubble selects its cell: the selection parameter is named
    ``cell`` and carries ``row_value`` and ``col_value`` (Streamlit's ``on_select`` returns it).
    """
    styles = type_styles(list(dict.fromkeys(counts["type"])))
    row_order = list(dict.fromkeys(counts["row_value"]))
    col_order = list(dict.fromkeys(counts["col_value"]))
    row_index = {value: index for index, value in enumerate(row_order)}
    col_index = {value: index for index, value in enumerate(col_order)}
    type_index = {value: index for index, value in enumerate(styles)}
    n_types = max(len(styles), 1)

    data = counts.drop(columns=["studies"]).copy()
    data["x"] = [
        col_index[c] + (type_index[t] + 0.5) / n_types
        for c, t in zip(data["col_value"], data["type"], strict=True)
    ]
    data["y"] = [row_index[r] + 0.5 for r in data["row_value"]]
    cells = data.groupby(["row_value", "col_value"], sort=False)["n_studies"].sum().reset_index()
    cells["x"] = [col_index[c] for c in cells["col_value"]]
    cells["x2"] = cells["x"] + 1
    cells["y"] = [row_index[r] for r in cells["row_value"]]
    cells["y2"] = cells["y"] + 1
    cells["xm"] = cells["x"] + 0.5
    cells["ym"] = cells["y"] + 0.5
    cells["gap"] = cells["n_studies"] == 0
    max_studies = max(int(counts["n_studies"].max()) if len(counts) else 1, 1)
    # The largest bubble fills most of its slot, whatever the slot's width.
    bubble_area = 300 * (matrix_step(n_types * max(len(col_order), 1)) * font_scale / 24) ** 2

    x_scale = alt.Scale(domain=[0, max(len(col_order), 1)], nice=False, zero=True)
    y_scale = alt.Scale(domain=[0, max(len(row_order), 1)], nice=False, reverse=True)
    x_axis = alt.Axis(
        orient="top",
        values=[i + 0.5 for i in range(len(col_order))],
        labelExpr=_label_expr(col_order),
        labelAngle=-30,
        labelAlign="left",
        labelOverlap=False,
        tickCount=max(len(col_order), 1),
        grid=False,
        ticks=False,
        domain=False,
        title=_title(cols),
    )
    y_axis = alt.Axis(
        values=[i + 0.5 for i in range(len(row_order))],
        labelExpr=_label_expr(row_order),
        grid=False,
        ticks=False,
        domain=False,
        title=_title(rows),
        # Level with the column labels, above the row labels: a rotated title beside the labels
        # collides with them wherever the browser measures the labels wider than Vega guessed.
        titleAngle=0,
        titleAlign="right",
        titleBaseline="bottom",
        titleX=-6,
        titleY=-8,
        labelOverlap=False,
        tickCount=max(len(row_order), 1),
    )
    place = {
        "tooltip": [
            alt.Tooltip("row_value:N", title=_title(rows)),
            alt.Tooltip("col_value:N", title=_title(cols)),
            alt.Tooltip("n_studies:Q", title="Studies"),
        ],
    }
    grid = (
        alt.Chart(cells)
        .mark_rect(stroke="#BDBDBD", strokeWidth=0.6)
        .encode(
            x=alt.X("x:Q", scale=x_scale, axis=x_axis),
            x2="x2:Q",
            y=alt.Y("y:Q", scale=y_scale, axis=y_axis),
            y2="y2:Q",
            fill=alt.condition(alt.datum.gap, alt.value(GAP_FILL), alt.value("white")),
            **place,
        )
    )
    gap_text = (
        alt.Chart(cells)
        .transform_filter(alt.datum.gap)
        .mark_text(text="gap", color="#6E6E6E", fontStyle="italic", fontSize=11 * font_scale)
        .encode(x=alt.X("xm:Q", scale=x_scale), y=alt.Y("ym:Q", scale=y_scale))
    )
    cell = alt.selection_point(name="cell", fields=["row_value", "col_value"], on="click")
    bubbles = (
        alt.Chart(data)
        .transform_filter(alt.datum.n_studies > 0)
        .mark_point(filled=True, opacity=0.92, stroke="#222222", strokeWidth=0.6)
        .encode(
            x=alt.X("x:Q", scale=x_scale),
            y=alt.Y("y:Q", scale=y_scale),
            size=alt.Size(
                "n_studies:Q",
                title="Studies",
                scale=alt.Scale(domain=[0, max_studies], range=[0, bubble_area]),
                legend=alt.Legend(format="d", tickMinStep=1),  # counts of studies: no 0.5
            ),
            color=alt.Color(
                "type:N",
                title="Type",
                scale=alt.Scale(domain=list(styles), range=[s.color for s in styles.values()]),
            ),
            shape=alt.Shape(
                "type:N",
                scale=alt.Scale(domain=list(styles), range=[s.shape for s in styles.values()]),
            ),
            tooltip=[
                alt.Tooltip("row_value:N", title=_title(rows)),
                alt.Tooltip("col_value:N", title=_title(cols)),
                alt.Tooltip("type:N", title="Type"),
                alt.Tooltip("n_studies:Q", title="Studies"),
            ],
        )
        .add_params(cell)
    )
    step = matrix_step(n_types * max(len(col_order), 1)) * font_scale
    return (
        alt.layer(grid, gap_text, bubbles)
        .properties(
            title=alt.TitleParams(title, fontSize=20 * font_scale, anchor="start", offset=12),
            width=step * n_types * max(len(col_order), 1),
            height=step * max(len(row_order), 1),
        )
        .configure_axis(labelFontSize=13 * font_scale, titleFontSize=15 * font_scale, labelLimit=320)
        .configure_legend(
            # Below the matrix: beside it, a wide matrix pushed the legend out of a slide or page.
            orient="bottom",
            direction="horizontal",
            labelFontSize=13 * font_scale,
            titleFontSize=14 * font_scale,
            symbolSize=160 * font_scale,
        )
        .configure_view(stroke=None)
    )


def chart_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document (vl-convert, no browser, no network)."""
    return str(vl_convert.vegalite_to_svg(chart.to_dict()))


def chart_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as PNG at `scale` (2 = crisp on slides)."""
    return bytes(vl_convert.vegalite_to_png(chart.to_dict(), scale=scale))


def write_matrix_files(
    chart: alt.TopLevelMixin, counts: pd.DataFrame, folder: str | Path, stem: str = "matrix"
) -> list[Path]:
    """SVG, PNG, counts CSV and gaps CSV side by side in `folder`; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [
        folder / f"{stem}.svg",
        folder / f"{stem}.png",
        folder / f"{stem}_counts.csv",
        folder / f"{stem}_gaps.csv",
    ]
    paths[0].write_text(chart_svg(chart), encoding="utf-8")
    paths[1].write_bytes(chart_png(chart))
    paths[2].write_text(counts_csv(counts), encoding="utf-8")
    paths[3].write_text(gaps_csv(counts), encoding="utf-8")
    return paths

"""Evidence map: the consensus findings as an interactive network and an evidence-gap matrix.

Filters (type, level, theme, year range, any study characteristic) go through
`review.mapping.apply_filter`; the network, the matrix and every download show exactly what the
filters kept. Clicking a matrix cell lists its studies with their quotes. Conference mode draws
everything with large fonts for a projector.

The network is a self-contained page (`review.mapping.render_html`: every label escaped, no
external URL) shown through `embed_html`, the one place that knows how Streamlit embeds HTML.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import altair as alt
import networkx as nx
import streamlit as st
from sqlalchemy import Engine

from app_pages.common import current_project, engine, md_escape, plural
from review.extraction.codebook import ensure_codebook
from review.extraction.forms import form_fields
from review.mapping.bundle import conference_bundle
from review.mapping.export import edges_csv, nodes_csv, write_gexf, write_graphml
from review.mapping.from_store import map_findings
from review.mapping.graph import build_graph
from review.mapping.matrix import (
    cell_studies,
    chart_png,
    chart_svg,
    counts_csv,
    gaps_csv,
    gaps_table,
    matrix_chart,
    matrix_counts,
)
from review.mapping.model import MapFilter, MapFinding, apply_filter
from review.mapping.render import render_html
from review.mapping.style import ordered_types

KEY = "map"
CONFERENCE_SCALE = 1.6


def embed_html(html: str, height: int) -> None:
    """Show a standalone HTML page inside the app.

    Streamlit 1.67 replaces ``st.components.v1.html`` with ``st.iframe``, which takes the HTML
    string itself. Only pages built by `review.mapping.render` come here: every text in them is
    escaped and they load nothing from outside, as ``st.iframe`` requires of what it embeds.
    """
    st.iframe(html, height=height, alt="Evidence network")


def _values(findings: Sequence[MapFinding], pick: Callable[[MapFinding], Sequence[str]]) -> list[str]:
    return sorted({value for finding in findings for value in pick(finding)}, key=str.casefold)


def filters(findings: list[MapFinding], project_id: int) -> tuple[MapFilter, list[str], list[str]]:
    """The filter widgets; the filter, and the codebook's levels and themes (for gap rows/columns)."""
    book = ensure_codebook(engine(), project_id)
    levels = [code.name for code in book.active("level")]
    themes = [code.name for code in book.active("theme")]
    seen_levels = _values(findings, lambda f: f.levels)
    seen_themes = _values(findings, lambda f: f.themes)
    levels += [level for level in seen_levels if level not in levels]
    themes += [theme for theme in seen_themes if theme not in themes]
    types = ordered_types({f.type for f in findings})
    years = [f.year for f in findings if f.year is not None]
    with st.expander("Filters", icon=":material/filter_list:", expanded=True):
        cols = st.columns([1, 1, 2, 2])
        chosen_types = cols[0].multiselect("Type", types, key=f"{KEY}_types", placeholder="All types")
        chosen_levels = cols[1].multiselect("Level", levels, key=f"{KEY}_levels", placeholder="All levels")
        chosen_themes = cols[2].multiselect("Theme", sorted(themes, key=str.casefold), key=f"{KEY}_themes",
                                            placeholder="All themes")  # fmt: skip
        year_from = year_to = None
        if years and min(years) < max(years):
            year_from, year_to = cols[3].slider("Years", min(years), max(years), (min(years), max(years)),
                                                key=f"{KEY}_years")  # fmt: skip
            if (year_from, year_to) == (min(years), max(years)):
                year_from = year_to = None  # the full range also keeps studies without a year
        labels = {spec.key: spec.label for spec in form_fields(engine(), project_id)}
        keys = sorted({key for f in findings for key in f.characteristics}, key=lambda k: labels.get(k, k))
        wanted: dict[str, list[str]] = {}
        if keys:
            columns = st.columns(min(len(keys), 4))
            for number, key in enumerate(keys):
                values = sorted({v for f in findings for v in f.characteristic(key)}, key=str.casefold)
                chosen = columns[number % len(columns)].multiselect(
                    labels.get(key, key), values, key=f"{KEY}_char_{key}", placeholder="Any"
                )
                if chosen:
                    wanted[key] = chosen
    chosen_filter = MapFilter(
        types=set(chosen_types) or None,
        levels=set(chosen_levels) or None,
        themes=set(chosen_themes) or None,
        year_from=year_from,
        year_to=year_to,
        characteristics=wanted,
    )
    row_values = [t for t in themes if not chosen_themes or t in chosen_themes]
    col_values = [level for level in levels if not chosen_levels or level in chosen_levels]
    return chosen_filter, row_values, col_values


def _graph_file(graph: nx.MultiGraph, writer: Callable[[nx.MultiGraph, Path], None], suffix: str) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"map{suffix}"
        writer(graph, path)
        return path.read_bytes()


def _prisma_svg(database: Engine, project_id: int, title: str) -> str | None:
    try:
        from review.screening.prisma import render_prisma_svg
        from review.screening.service import prisma_counts

        return render_prisma_svg(prisma_counts(database, project_id), title=title)
    except Exception:  # the bundle still helps without its PRISMA panel
        return None


def show_cell(kept: list[MapFinding], event: object, rows: str, cols: str) -> None:
    selection = getattr(event, "selection", None) or {}
    cells = selection.get("cell") if isinstance(selection, dict) else None
    if not cells:
        st.caption("Click a bubble to list the studies and quotes behind that cell.")
        return
    cell = cells[0]
    row_value, col_value = str(cell.get("row_value", "")), str(cell.get("col_value", ""))
    studies = cell_studies(kept, row_value, col_value, rows=rows, cols=cols)
    st.markdown(
        f"**{md_escape(row_value)} × {md_escape(col_value)}**: {len(studies)} "
        f"{plural(len(studies), 'study', 'studies')}"
    )
    for study in studies:
        with st.container(border=True):
            st.markdown(f"**{md_escape(study.study_label)}** — {md_escape(study.title)}")
            for type_, quote, page in study.quotes:
                where = f" (p. {md_escape(page)})" if page else ""
                text = f"“{md_escape(quote)}”{where}" if quote else "_no quote_"
                st.markdown(f"- {md_escape(type_)}: {text}")


def matrix_dimensions(findings: list[MapFinding]) -> tuple[str, str]:
    """The two coded dimensions of the gap matrix (themes × levels unless the user picks others)."""
    characteristics = sorted({name for finding in findings for name in finding.characteristics})
    choices = ["themes", "levels", "type", "year", *characteristics]
    left, right = st.columns(2)
    rows = left.selectbox("Matrix rows", choices, index=0, key=f"{KEY}_rows")
    cols = right.selectbox("Matrix columns", [c for c in choices if c != rows], index=0, key=f"{KEY}_cols")
    return rows, cols


def main() -> None:
    project = current_project()
    conference = st.toggle("Conference mode (large fonts)", key=f"{KEY}_conference")
    if conference:
        st.html("<style>.stMainBlockContainer { font-size: 1.35rem; } h1 { font-size: 3.2rem !important; }</style>")
    st.title("Evidence map")
    findings = map_findings(engine(), project.id)
    if not findings:
        st.info("No findings yet: chart the included studies on the Extract page (or import a findings "
                "table there); the map draws itself from them.")  # fmt: skip
        return
    map_filter, row_values, col_values = filters(findings, project.id)
    kept = apply_filter(findings, map_filter)
    n_studies = len({f.study_id for f in kept})
    st.caption(
        f"{n_studies} {plural(n_studies, 'study', 'studies')}, {len(kept)} {plural(len(kept), 'finding', 'findings')}"
        f" (of {len({f.study_id for f in findings})} studies, {len(findings)} findings)"
    )
    if not kept:
        st.warning("No finding matches these filters.")
        return
    title = f"Evidence map: {project.name}"
    scale = CONFERENCE_SCALE if conference else 1.0
    graph = build_graph(kept)
    rows, cols = matrix_dimensions(findings)
    codebook_order = {"themes": row_values, "levels": col_values}
    counts = matrix_counts(
        kept, rows=rows, cols=cols, row_values=codebook_order.get(rows), col_values=codebook_order.get(cols)
    )
    chart = matrix_chart(counts, rows=rows, cols=cols, title=title, font_scale=scale)
    # One view at a time (not st.tabs): a chart drawn inside a hidden tab is measured at size zero
    # and comes out squeezed, and the network page is only built when it is shown.
    view = st.segmented_control("View", ["Network", "Evidence-gap matrix"], default="Network",
                                key=f"{KEY}_view", label_visibility="collapsed")  # fmt: skip
    if view == "Evidence-gap matrix":
        # Drawn at its own size and colours, as exported: Streamlit's default `autosize: fit` would
        # squeeze the cells to make room for the labels, and its theme would replace Okabe-Ito.
        shown = chart.properties(autosize=alt.AutoSizeParams(type="pad", contains="padding"))
        event = st.altair_chart(shown, on_select="rerun", key=f"{KEY}_matrix", selection_mode="cell",
                                width="content", theme=None)  # fmt: skip
        show_cell(kept, event, rows, cols)
        gaps = gaps_table(counts)
        st.caption(f"{len(gaps)} empty {plural(len(gaps), 'cell', 'cells')} (gaps).")
    else:
        embed_html(render_html(graph, title=title, conference=conference), height=900 if conference else 680)
    st.subheader("Downloads", divider="gray")
    st.caption("Every file follows the filters above.")
    stem = "evidence_map"
    database = engine()
    files: list[tuple[str, Callable[[], str | bytes] | str | bytes, str, str]] = [
        ("Network (HTML, offline)", lambda: render_html(graph, title=title, conference=conference),
         f"{stem}.html", "text/html"),
        ("Matrix SVG", lambda: chart_svg(chart), f"{stem}_matrix.svg", "image/svg+xml"),
        ("Matrix PNG", lambda: chart_png(chart), f"{stem}_matrix.png", "image/png"),
        ("Counts CSV", counts_csv(counts), f"{stem}_counts.csv", "text/csv"),
        ("Gaps CSV", gaps_csv(counts), f"{stem}_gaps.csv", "text/csv"),
        ("GraphML", lambda: _graph_file(graph, write_graphml, ".graphml"), f"{stem}.graphml", "application/xml"),
        ("GEXF (Gephi)", lambda: _graph_file(graph, write_gexf, ".gexf"), f"{stem}.gexf", "application/xml"),
        ("Nodes CSV", nodes_csv(graph), f"{stem}_nodes.csv", "text/csv"),
        ("Edges CSV", edges_csv(graph), f"{stem}_edges.csv", "text/csv"),
        ("Conference bundle (HTML)",
         lambda: conference_bundle(kept, title=title, prisma_svg=_prisma_svg(database, project.id, project.name),
                                   include_studies=True, conference=conference),
         f"{stem}_bundle.html", "text/html"),
    ]  # fmt: skip
    columns = st.columns(3)  # wide enough for "Network (HTML, offline)" whole
    for number, (label, data, name, mime) in enumerate(files):
        columns[number % 3].download_button(
            label, data, name, mime, key=f"{KEY}_download_{number}", icon=":material/download:",
            on_click="ignore", width="stretch",
        )  # fmt: skip


main()

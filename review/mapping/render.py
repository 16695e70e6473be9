"""The evidence network as ONE standalone HTML file: vis-network (as shipped inside pyvis), its
stylesheet, the data and our script all inline, zero external URLs, so it opens on a laptop with no
network.

pyvis's own `local` and `in_line` modes still pull bootstrap and tom-select from CDNs, and its
``add_edge`` scans every edge already added (quadratic: minutes for 50,000 edges), so the page is
built here from the same ingredients: the vis-network bundle pyvis ships, and node/edge records in
the shape pyvis's ``get_network_data`` hands to its template.

Safety: labels are drawn on a canvas (never parsed), tooltips and the side panel are DOM elements
built with ``textContent`` in `network.js`, and the data travels as `script_json` (no `</script`,
no `<!--`). Titles and headings in the page itself go through ``html.escape``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx

from review.mapping.safe import escape_text, script_json, vis_network_css, vis_network_js
from review.mapping.style import KIND_STYLES, type_styles

LARGE_GRAPH_NODES = 300
_SMOOTH = {  # separate the typed edges between one level and one theme
    0: {"enabled": True, "type": "curvedCW", "roundness": 0.0},
    1: {"enabled": True, "type": "curvedCW", "roundness": 0.18},
    2: {"enabled": True, "type": "curvedCCW", "roundness": 0.18},
}


@lru_cache(maxsize=1)
def network_js() -> str:
    return (Path(__file__).parent / "network.js").read_text(encoding="utf-8")


def _circular_mean(angles_weights: list[tuple[float, float]], default: float) -> float:
    x = sum(weight * math.cos(angle) for angle, weight in angles_weights)
    y = sum(weight * math.sin(angle) for angle, weight in angles_weights)
    return math.atan2(y, x) if (x or y) else default


def _layout(graph: nx.MultiGraph) -> dict[str, tuple[float, float]]:
    """Positions for a large graph, computed once here so the browser opens it with physics off.

    Rings, in O(nodes + edges): levels on the inner ring; themes on the middle ring, each turned
    towards the levels it is reported at (weighted circular mean, then spaced evenly in that order);
    studies on an outer band, towards their themes, with a seeded jitter.
    """
    kinds = dict(graph.nodes(data="kind"))
    levels = [node for node, kind in kinds.items() if kind == "level"]
    themes = [node for node, kind in kinds.items() if kind == "theme"]
    studies = [node for node, kind in kinds.items() if kind == "study"]
    angle: dict[str, float] = {node: 2 * math.pi * i / max(len(levels), 1) for i, node in enumerate(levels)}
    wanted: dict[str, float] = {}
    for index, theme in enumerate(themes):
        pulls = [
            (angle[other], float(weight))
            for _, other, weight in graph.edges(theme, data="weight")
            if kinds[other] == "level"
        ]
        wanted[theme] = _circular_mean(pulls, 2 * math.pi * index / max(len(themes), 1)) % (2 * math.pi)
    ordered = sorted(themes, key=lambda theme: wanted[theme])
    offset = wanted[ordered[0]] if ordered else 0.0
    for index, theme in enumerate(ordered):
        angle[theme] = offset + 2 * math.pi * index / len(ordered)
    spread = 60.0 * math.sqrt(max(len(themes) + len(levels), 1))
    positions = {node: (math.cos(angle[node]) * spread, math.sin(angle[node]) * spread) for node in levels}
    positions.update(
        {
            node: (math.cos(angle[node]) * 2.4 * spread, math.sin(angle[node]) * 2.4 * spread)
            for node in themes
        }
    )
    jitter = random.Random(42)
    slot = math.pi / max(len(themes), 1)
    for study in studies:
        pulls = [(angle[other], 1.0) for other in graph.neighbors(study) if other in angle]
        theta = _circular_mean(pulls, jitter.uniform(0, 2 * math.pi)) + jitter.uniform(-slot, slot)
        radius = spread * jitter.uniform(3.0, 4.2)
        positions[study] = (math.cos(theta) * radius, math.sin(theta) * radius)
    return positions


def network_data(
    graph: nx.MultiGraph,
    title: str = "Evidence map",
    conference: bool = False,
    large_graph_nodes: int = LARGE_GRAPH_NODES,
) -> dict[str, Any]:
    """The records the page script draws: nodes, edges, studies, deduplicated quotes, options."""
    large = graph.number_of_nodes() > large_graph_nodes
    positions = _layout(graph) if large else {}
    max_studies = max((n for _, n in graph.nodes(data="n_studies")), default=1) or 1
    max_weight = max((w for _, _, w in graph.edges(data="weight")), default=1) or 1

    nodes: list[dict[str, Any]] = []
    for node, attrs in graph.nodes(data=True):
        kind = attrs["kind"]
        style = KIND_STYLES[kind]
        share = math.sqrt(attrs["n_studies"] / max_studies)
        record: dict[str, Any] = {
            "id": node,
            "label": attrs["label"],
            "kind": kind,
            "kindLabel": kind.capitalize(),
            "shape": style.shape,
            "size": round(8 + 34 * share, 1) if kind == "theme" else 7,
            "font": round(22 + 14 * share)
            if kind == "level"
            else (round(14 + 10 * share) if kind == "theme" else 10),
            "bg": style.background,
            "border": style.border,
            "fontColor": style.font_color,
            "s": attrs["studies"],
        }
        if node in positions:
            record["x"], record["y"] = round(positions[node][0], 1), round(positions[node][1], 1)
        nodes.append(record)

    # vis-network draws in list order: studies first, levels last, so levels stay on top.
    draw_order = {"study": 0, "theme": 1, "level": 2}
    nodes.sort(key=lambda record: draw_order[record["kind"]])
    styles = type_styles({t for _, _, t in graph.edges(data="type")})
    type_rank = {name: rank for rank, name in enumerate(styles)}
    quote_index: dict[tuple[str, str, str], int] = {}
    edges: list[dict[str, Any]] = []
    labels = dict(graph.nodes(data="label"))
    for source, target, attrs in graph.edges(data=True):
        if graph.nodes[source]["kind"] == "theme":  # levels and studies on the `from` side
            source, target = target, source
        study_edge = graph.nodes[source]["kind"] == "study"
        edges.append(
            {
                "from": source,
                "to": target,
                "fromLabel": labels[source],
                "toLabel": labels[target],
                "type": attrs["type"],
                "width": 1 if study_edge else round(1.5 + 9 * math.sqrt(attrs["weight"] / max_weight), 1),
                "study": study_edge,
                "opacity": 0.45
                if study_edge
                else round(0.3 + 0.6 * math.sqrt(attrs["weight"] / max_weight), 2),
                "smooth": False if study_edge else _SMOOTH.get(type_rank[attrs["type"]] % 3),
                "s": attrs["studies"],
                "q": [quote_index.setdefault(tuple(q), len(quote_index)) for q in attrs["quotes"]],
            }
        )
    studies: Mapping[int, tuple[str, str, int | None]] = graph.graph.get("studies", {})
    options: dict[str, Any] = {
        "autoResize": True,
        "nodes": {"borderWidth": 1},
        "edges": {"selectionWidth": 2, "hoverWidth": 1},
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": large,
            "hideEdgesOnZoom": large,
            "keyboard": False,
        },
        "layout": {"improvedLayout": not large, "randomSeed": 42},
        "physics": False
        if large
        else {
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -120,
                "centralGravity": 0.01,
                "springLength": 160,
                "springConstant": 0.05,
                "avoidOverlap": 0.6,
            },
            "stabilization": {"enabled": True, "iterations": 600, "fit": True},
        },
    }
    return {
        "title": title,
        "conference": conference,
        "physics": not large,
        "types": {
            name: {"color": style.color, "dashes": list(style.dashes), "marker": style.marker}
            for name, style in styles.items()
        },
        "studies": {str(key): list(value) for key, value in studies.items()},
        "quotes": [list(q) for q in quote_index],
        "nodes": nodes,
        "edges": edges,
        "options": options,
    }


def _dash_svg(color: str, dashes: tuple[int, ...] | list[int]) -> str:
    dash = f' stroke-dasharray="{",".join(str(d) for d in dashes)}"' if dashes else ""
    return (
        f'<svg class="map-swatch" width="46" height="14" aria-hidden="true">'
        f'<line x1="2" y1="7" x2="44" y2="7" stroke="{color}" stroke-width="4"{dash}/></svg>'
    )


def legend_html(data: Mapping[str, Any]) -> str:
    """The legend: one line per type (colour, line pattern, marker), then the node kinds."""
    items = []
    for name, style in data["types"].items():
        items.append(
            f"<li>{_dash_svg(style['color'], style['dashes'])}"
            f'<span class="map-marker" style="color:{style["color"]}">{escape_text(style["marker"])}</span> '
            f"{escape_text(name)}</li>"
        )
    kinds = {node["kind"] for node in data["nodes"]}
    shapes = {"box": "map-kind-box", "dot": "map-kind-dot", "diamond": "map-kind-diamond"}
    for kind, style in KIND_STYLES.items():
        if kind in kinds:
            items.append(
                f'<li><span class="map-kind {shapes[style.shape]}" '
                f'style="background:{style.background};border-color:{style.border}"></span>'
                f"{escape_text(style.legend)}</li>"
            )
    items.append('<li class="map-legend-note">Line width = number of studies</li>')
    # A <details> the reader can fold away: on a small screen the legend would cover nodes.
    return (
        '<details class="map-legend" id="map-legend" open><summary>Legend</summary>'
        f'<ul aria-label="Legend">{"".join(items)}</ul></details>'
    )


PAGE_CSS = """
:root { --ink: #111; --muted: #555; --line: #ddd; }
* { box-sizing: border-box; }
html, body { margin: 0; padding: 0; height: 100%; background: #fff; color: var(--ink);
  font-family: "Atkinson Hyperlegible", Verdana, "DejaVu Sans", sans-serif; }
.map-header { display: flex; align-items: center; gap: 1rem; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
.map-header h1 { font-size: 1.5rem; margin: 0; flex: 1; }
.map-header button { font: inherit; font-size: .95rem; padding: .35rem .8rem; border: 1px solid #333;
  border-radius: 4px; background: #fff; cursor: pointer; }
.map-main { display: flex; height: 80vh; min-height: 420px; }
body.map-page { display: flex; flex-direction: column; height: 100vh; }
body.map-page .map-main { flex: 1; height: auto; min-height: 0; }
.map-header label { font-size: .95rem; display: flex; align-items: center; gap: .4rem; }
div.vis-tooltip { font-family: inherit; font-size: 15px; padding: 6px 8px; background: #fff; border: 1px solid #999;
  border-radius: 4px; box-shadow: 0 2px 6px rgba(0,0,0,.2); }
.map-canvas-wrap { flex: 1; position: relative; min-width: 0; }
#map-network { position: absolute; inset: 0; }
.map-legend { position: absolute; left: .8rem; bottom: .8rem; margin: 0; padding: .6rem .8rem; list-style: none;
  background: rgba(255,255,255,.94); border: 1px solid var(--line); border-radius: 6px; font-size: .95rem; z-index: 5; }
.map-legend ul { margin: .3rem 0 0; padding: 0; list-style: none; }
.map-legend summary { cursor: pointer; font-weight: bold; }
.map-legend:not([open]) { padding: .3rem .6rem; }
.map-legend li { display: flex; align-items: center; gap: .45rem; margin: .15rem 0; }
.map-legend-note { color: var(--muted); font-size: .85em; }
.map-marker { font-weight: bold; }
.map-kind { display: inline-block; width: 18px; height: 14px; border: 2px solid; margin: 0 14px; }
.map-kind-dot { border-radius: 50%; width: 16px; height: 16px; }
.map-kind-diamond { transform: rotate(45deg); width: 12px; height: 12px; }
#map-details { width: 30rem; max-width: 40vw; overflow-y: auto; border-left: 1px solid var(--line); padding: .8rem 1rem; }
#map-details h2 { margin: .2rem 0; font-size: 1.3rem; }
#map-details h3 { margin: 1rem 0 .3rem; font-size: 1rem; color: var(--muted); }
.map-sub { margin: 0; color: var(--muted); }
.map-hint { color: var(--muted); }
.map-studies, .map-quotes { padding-left: 1.1rem; margin: 0; }
.map-studies li { margin: .2rem 0; }
.map-study-label { font-weight: bold; }
.map-quote { margin: .5rem 0; }
.map-quote blockquote { margin: .2rem 0 0; padding-left: .6rem; border-left: 3px solid var(--line); }
.map-tooltip { font-family: inherit; font-size: 14px; max-width: 28rem; white-space: normal; }
.map-tooltip-head { font-weight: bold; }
body.conference .map-header h1 { font-size: 2.6rem; }
body.conference .map-legend { font-size: 1.45rem; }
body.conference #map-details { font-size: 1.35rem; width: 36rem; }
body.conference .map-header label, body.conference .map-header button { font-size: 1.3rem; }
body.conference div.vis-tooltip { font-size: 22px; }
"""


HEADER_CONTROLS = (
    '<label for="map-min-weight">Min. studies per line: <span id="map-min-weight-value">1</span>'
    '<input type="range" id="map-min-weight" min="1" max="1" value="1"></label>'
    '<button type="button" id="map-fit">Fit</button>'
    '<button type="button" id="map-conference">Conference mode</button>'
)


def network_section(data: Mapping[str, Any]) -> str:
    """The network's body markup (canvas, legend, side panel) for a page or a bundle."""
    return (
        '<div class="map-main"><div class="map-canvas-wrap">'
        '<div id="map-network" role="img" aria-label="Evidence network"></div>'
        f"{legend_html(data)}</div>"
        '<aside id="map-details" aria-live="polite"><p class="map-hint">'
        "Click a level, a theme or a line to list the studies and quotes behind it.</p></aside></div>"
    )


def network_scripts(data: Mapping[str, Any]) -> str:
    """The <script> elements: vis-network, the data as JSON, the page script."""
    return (
        f"<script>{vis_network_js()}</script>\n"
        f'<script type="application/json" id="map-data">{script_json(data)}</script>\n'
        f"<script>{network_js()}</script>"
    )


def render_html(
    graph: nx.MultiGraph,
    title: str = "Evidence map",
    conference: bool = False,
    large_graph_nodes: int = LARGE_GRAPH_NODES,
) -> str:
    """The network as one standalone, offline HTML page.

    Graphs above `large_graph_nodes` nodes get positions computed in Python and physics off.
    `conference` opens the page with large fonts (the button toggles it and goes full screen;
    a ``#conference`` URL fragment does the same).
    """
    data = network_data(graph, title, conference, large_graph_nodes)
    escaped = escape_text(title)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escaped}</title>"
        f"<style>{vis_network_css()}</style><style>{PAGE_CSS}</style></head>"
        f'<body class="map-page{" conference" if conference else ""}">'
        f'<header class="map-header"><h1>{escaped}</h1>{HEADER_CONTROLS}</header>'
        f"{network_section(data)}\n{network_scripts(data)}</body></html>\n"
    )

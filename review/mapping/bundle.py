"""The conference bundle: one offline HTML file with the network, the matrix, the PRISMA-ScR
diagram and the list of studies with their quotes, under one title.

Everything is inline. The matrix SVG (made by vl-convert from escaped data) goes in as markup;
the PRISMA SVG, which comes from elsewhere, goes in as a ``data:`` image, where a browser never
runs script; studies and quotes are escaped with ``html.escape``.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import Iterable, Sequence

from review.mapping.graph import build_graph
from review.mapping.matrix import chart_svg, matrix_chart, matrix_counts
from review.mapping.model import MapFinding
from review.mapping.render import HEADER_CONTROLS, PAGE_CSS, network_data, network_scripts, network_section
from review.mapping.safe import escape_text, inline_svg, vis_network_css
from review.mapping.style import type_styles

BUNDLE_CSS = """
.bundle-nav { display: flex; gap: 1.2rem; padding: .4rem 1rem; border-bottom: 1px solid var(--line); }
.bundle-nav a { color: #0072B2; font-weight: bold; text-decoration: none; }
.bundle-section { padding: 1rem; border-bottom: 1px solid var(--line); }
.bundle-section h2 { font-size: 1.4rem; margin: .2rem 0 .8rem; }
#network .map-main { height: 85vh; border: 1px solid var(--line); }
.bundle-figure { overflow-x: auto; }
.bundle-figure svg, .bundle-figure img { max-width: 100%; height: auto; }
.bundle-studies { list-style: none; padding: 0; }
.bundle-study { margin: 0 0 1rem; }
.bundle-study h3 { font-size: 1.05rem; margin: 0; }
.bundle-study p { margin: .1rem 0; color: var(--muted); }
.bundle-study blockquote { margin: .3rem 0 .3rem 1rem; padding-left: .6rem; border-left: 3px solid var(--line); }
body.conference .bundle-section h2 { font-size: 2.2rem; }
body.conference .bundle-study { font-size: 1.3rem; }
"""


def _studies_html(findings: Sequence[MapFinding]) -> str:
    styles = type_styles({f.type for f in findings})
    by_study: dict[int, list[MapFinding]] = defaultdict(list)
    for finding in findings:
        by_study[finding.study_id].append(finding)
    items = []
    for study_id in sorted(by_study, key=lambda s: (by_study[s][0].study_label.casefold(), s)):
        first = by_study[study_id][0]
        quotes = []
        for finding in dict.fromkeys(by_study[study_id]):
            if not finding.quote:
                continue
            style = styles[finding.type]
            where = " · ".join(filter(None, [", ".join(finding.levels), ", ".join(finding.themes)]))
            page = f", p. {escape_text(finding.page)}" if finding.page else ""
            quotes.append(
                f'<blockquote><span class="map-marker" style="color:{style.color}">'
                f"{escape_text(style.marker)} {escape_text(finding.type)}</span> "
                f"<small>{escape_text(where)}{page}</small><br>{escape_text(finding.quote)}</blockquote>"
            )
        year = f" ({first.year})" if first.year else ""
        items.append(
            f'<li class="bundle-study"><h3>{escape_text(first.study_label)}</h3>'
            f"<p>{escape_text(first.title)}{year}</p>{''.join(quotes)}</li>"
        )
    return f'<ul class="bundle-studies">{"".join(items)}</ul>'


def conference_bundle(
    findings: Iterable[MapFinding],
    title: str = "Evidence map",
    prisma_svg: str | None = None,
    include_studies: bool = False,
    conference: bool = False,
) -> str:
    """One standalone HTML page: network, evidence-gap matrix, PRISMA diagram, studies and quotes.

    Pass the findings after `apply_filter`: the bundle shows exactly what the filter kept.
    """
    findings = list(findings)
    data = network_data(build_graph(findings, include_studies=include_studies), title, conference)
    counts = matrix_counts(findings)
    matrix = inline_svg(
        chart_svg(matrix_chart(counts, title="Themes × levels: bubble size = number of studies"))
    )
    sections = [
        ("network", "Evidence network", network_section(data)),
        ("matrix", "Evidence-gap matrix", f'<div class="bundle-figure">{matrix}</div>'),
    ]
    if prisma_svg:
        encoded = base64.b64encode(prisma_svg.encode("utf-8")).decode("ascii")
        sections.append(
            (
                "prisma",
                "PRISMA-ScR flow diagram",
                f'<div class="bundle-figure"><img alt="PRISMA-ScR flow diagram" '
                f'src="data:image/svg+xml;base64,{encoded}"></div>',
            )
        )
    n_studies = len({f.study_id for f in findings})
    sections.append(("studies", f"Included studies ({n_studies})", _studies_html(findings)))
    escaped = escape_text(title)
    nav = "".join(f'<a href="#{anchor}">{escape_text(heading)}</a>' for anchor, heading, _ in sections)
    body = "".join(
        f'<section class="bundle-section" id="{anchor}"><h2>{escape_text(heading)}</h2>{content}</section>'
        for anchor, heading, content in sections
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escaped}</title><style>{vis_network_css()}</style>"
        f"<style>{PAGE_CSS}{BUNDLE_CSS}</style></head>"
        f"<body{' class=conference' if conference else ''}>"
        f'<header class="map-header"><h1>{escaped}</h1>'
        f"{HEADER_CONTROLS}</header>"
        f'<nav class="bundle-nav">{nav}</nav>{body}\n{network_scripts(data)}</body></html>\n'
    )

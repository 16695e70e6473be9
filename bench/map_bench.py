"""Evidence-map speed: build the graph and the standalone HTML for generated projects of 100, 1,000
and 5,000 studies (10 findings each, seeded), and print the times and the file size.
The target: 1,000 studies in under 3 s (graph + HTML).

Two graphs per size: levels and themes only (the default view), and with one node per study
(1,000+ nodes: the networkx layout with physics off). The matrix (counts + SVG) is timed too.

    python bench/map_bench.py [--sizes 100 1000 5000] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `review` is importable

from review.mapping.fixtures import generate_findings  # noqa: E402
from review.mapping.graph import build_graph  # noqa: E402
from review.mapping.matrix import chart_svg, matrix_chart, matrix_counts  # noqa: E402
from review.mapping.render import render_html  # noqa: E402

TARGET_S = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--out", type=Path, default=None, help="keep the HTML files here")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="map_bench_"))
    out.mkdir(parents=True, exist_ok=True)
    print(
        f"{'studies':>8} {'studies as nodes':>16} {'nodes':>6} {'edges':>7} {'graph s':>8} "
        f"{'html s':>7} {'total s':>8} {'html MB':>8}"
    )
    for n_studies in args.sizes:
        findings = generate_findings(n_studies, findings_per_study=10, seed=42)
        for include_studies in (False, True):
            started = time.perf_counter()
            graph = build_graph(findings, include_studies=include_studies)
            built = time.perf_counter()
            page = render_html(graph, title=f"Benchmark: {n_studies} studies")
            rendered = time.perf_counter()
            path = out / f"map_{n_studies}_{'studies' if include_studies else 'core'}.html"
            path.write_text(page, encoding="utf-8")
            total = rendered - started
            flag = "" if n_studies != 1000 else ("  ok (< 3 s)" if total < TARGET_S else "  OVER TARGET")
            print(
                f"{n_studies:>8} {'yes' if include_studies else 'no':>16} {graph.number_of_nodes():>6} "
                f"{graph.number_of_edges():>7} {built - started:>8.2f} {rendered - built:>7.2f} {total:>8.2f} "
                f"{path.stat().st_size / 1e6:>8.1f}{flag}"
            )
        started = time.perf_counter()
        svg = chart_svg(matrix_chart(matrix_counts(findings)))
        print(
            f"{n_studies:>8} matrix counts + SVG: {time.perf_counter() - started:.2f} s, {len(svg) / 1e3:.0f} kB"
        )
    print(f"HTML files in {out}")


if __name__ == "__main__":
    main()

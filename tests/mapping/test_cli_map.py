"""`map --out FILE` from a shell, as DESIGN.md specifies it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import networkx as nx

from tests.mapping.test_render import EXTERNAL
from tests.test_cli import SCOPUS, run


def charted_project(tmp_path: Path) -> str:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(db, "import", str(SCOPUS)).returncode == 0
    exported = tmp_path / "records.csv"
    assert run(db, "export", "--what", "records", "--out", str(exported)).returncode == 0
    keys = [row["source_key"] for row in csv.DictReader(exported.open(encoding="utf-8-sig"))][:3]
    findings = tmp_path / "findings.csv"
    findings.write_text(
        "source_key,type,level,theme,finding,quote,page\n"
        f"{keys[0]},barrier,therapist,Time,No time for ROM,\"We had no time <script>x</script>\",12\n"
        f"{keys[1]},facilitator,organisation; client,IT support,,,\n"
        f"{keys[2]},barrier,client,Time,,,\n",
        encoding="utf-8",
    )
    done = run(db, "findings", "import", str(findings))
    assert done.returncode == 0, done.stderr
    return db


def test_map_writes_network_matrix_and_graph(tmp_path: Path) -> None:
    db = charted_project(tmp_path)
    html = tmp_path / "x.html"
    result = run(db, "map", "--out", str(html))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"wrote the evidence map of 3 studies (3 findings) to {html}"
    page = html.read_text(encoding="utf-8")
    assert not EXTERNAL.search(page)
    assert "<script>x</script>" not in page

    svg = tmp_path / "x.svg"
    result = run(db, "map", "--out", str(svg))
    assert result.returncode == 0, result.stderr
    assert svg.read_text(encoding="utf-8").lstrip().startswith(("<svg", "<?xml"))
    png = tmp_path / "x.png"
    assert run(db, "map", "--out", str(png)).returncode == 0
    assert png.read_bytes().startswith(b"\x89PNG")

    graphml = tmp_path / "x.graphml"
    result = run(db, "map", "--out", str(graphml))
    assert result.returncode == 0, result.stderr
    graph = nx.read_graphml(graphml)
    labels = {data["label"] for _, data in graph.nodes(data=True)}
    assert {"Time", "IT support", "therapist", "organisation", "client"} <= labels
    weights = {(data["type"], data["weight"]) for _, _, data in graph.edges(data=True)}
    assert ("barrier", 1) in weights

    barriers = tmp_path / "barriers.graphml"
    result = run(db, "map", "--out", str(barriers), "--type", "barrier")
    assert result.returncode == 0, result.stderr
    assert "of 2 studies (2 findings)" in result.stdout
    assert {data["type"] for _, _, data in nx.read_graphml(barriers).edges(data=True)} == {"barrier"}
    assert all(json.loads(data["studies"]) for _, _, data in nx.read_graphml(barriers).edges(data=True))

    client = run(db, "map", "--out", str(tmp_path / "client.html"), "--level", "client")
    assert client.returncode == 0 and "of 2 studies" in client.stdout


def test_map_without_findings_fails_clearly(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(db, "import", str(SCOPUS)).returncode == 0
    result = run(db, "map", "--out", str(tmp_path / "x.html"))
    assert result.returncode == 1
    assert "has no findings yet" in result.stderr
    assert not (tmp_path / "x.html").exists()
    wrong = run(db, "map", "--out", str(tmp_path / "x.pdf"))
    assert wrong.returncode == 2 and "choose .html" in wrong.stderr

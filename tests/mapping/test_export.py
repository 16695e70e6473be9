from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import networkx as nx

from review.mapping.export import edges_csv, nodes_csv, write_gexf, write_graphml
from review.mapping.fixtures import generate_findings
from review.mapping.graph import build_graph
from tests.mapping.helpers import xss_findings

GRAPH = build_graph(generate_findings(12) + xss_findings(), include_studies=True)


def edge_weights(graph: nx.MultiGraph) -> dict[tuple[str, str, str], int]:
    return {(*sorted((u, v)), data["type"]): int(data["weight"]) for u, v, data in graph.edges(data=True)}


def test_graphml_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "map.graphml"
    write_graphml(GRAPH, path)
    back = nx.read_graphml(path, force_multigraph=True)
    assert set(back.nodes) == set(GRAPH.nodes)
    assert edge_weights(back) == edge_weights(GRAPH)
    node = next(iter(GRAPH.nodes))
    assert json.loads(back.nodes[node]["studies"]) == GRAPH.nodes[node]["studies"]


def test_gexf_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "map.gexf"
    write_gexf(GRAPH, path)
    back = nx.read_gexf(path)
    assert set(back.nodes) == set(GRAPH.nodes)
    assert back.number_of_edges() == GRAPH.number_of_edges()
    quotes = [json.loads(data["quotes"]) for _, _, data in back.edges(data=True)]
    assert sum(len(q) for q in quotes) == sum(len(d["quotes"]) for _, _, d in GRAPH.edges(data=True))


def test_csv_of_nodes_and_edges_read_back() -> None:
    nodes = list(csv.DictReader(io.StringIO(nodes_csv(GRAPH))))
    edges = list(csv.DictReader(io.StringIO(edges_csv(GRAPH))))
    assert [row["id"] for row in nodes] == list(GRAPH.nodes)
    assert len(edges) == GRAPH.number_of_edges()
    first = edges[0]
    data = GRAPH.edges[first["source"], first["target"], first["type"]]
    assert int(first["weight"]) == data["weight"]
    assert [tuple(q) for q in json.loads(first["quotes"])] == data["quotes"]

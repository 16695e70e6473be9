"""Files for Gephi and spreadsheets: GraphML, GEXF and CSV of nodes and edges.

GraphML and GEXF only hold scalar attributes, so lists (``studies``, ``quotes``) travel as JSON
strings and read back with ``json.loads``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import networkx as nx

NODE_COLUMNS = ["id", "kind", "label", "n_studies", "studies"]
EDGE_COLUMNS = ["id", "source", "target", "type", "weight", "studies", "quotes"]


def _scalar(value: Any) -> Any:
    if isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, ensure_ascii=False)


def scalar_graph(graph: nx.MultiGraph) -> nx.MultiGraph:
    """A copy of `graph` whose every attribute is a scalar (lists and tuples as JSON strings)."""
    flat = nx.MultiGraph()
    for node, data in graph.nodes(data=True):
        flat.add_node(node, **{name: _scalar(value) for name, value in data.items()})
    for source, target, key, data in graph.edges(keys=True, data=True):
        attributes = {name: _scalar(value) for name, value in data.items()}
        attributes["id"] = f"{source}|{target}|{key}"
        flat.add_edge(source, target, key=key, **attributes)
    return flat


def write_graphml(graph: nx.MultiGraph, path: str | Path) -> None:
    """GraphML for Gephi, yEd or Cytoscape."""
    nx.write_graphml(scalar_graph(graph), str(path))


def write_gexf(graph: nx.MultiGraph, path: str | Path) -> None:
    """GEXF 1.2 for Gephi."""
    nx.write_gexf(scalar_graph(graph), str(path))


def _csv(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def nodes_csv(graph: nx.MultiGraph) -> str:
    """One row per node: id, kind, label, n_studies, studies (JSON list)."""
    rows = [
        {"id": node, **{name: _scalar(data.get(name, "")) for name in NODE_COLUMNS[1:]}}
        for node, data in graph.nodes(data=True)
    ]
    return _csv(NODE_COLUMNS, rows)


def edges_csv(graph: nx.MultiGraph) -> str:
    """One row per typed edge: source, target, type, weight, studies and quotes (JSON lists)."""
    rows = [
        {
            "id": f"{source}|{target}|{key}",
            "source": source,
            "target": target,
            **{name: _scalar(data.get(name, "")) for name in EDGE_COLUMNS[3:]},
        }
        for source, target, key, data in graph.edges(keys=True, data=True)
    ]
    return _csv(EDGE_COLUMNS, rows)

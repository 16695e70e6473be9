"""The evidence network: level and theme nodes (study nodes optional), typed edges between them.

An edge level—theme of type t exists when some study reports a finding of type t at that level on
that theme; its weight is the number of *distinct* studies, never the number of findings, so one
study quoted twice on the same edge still counts once. The graph is a MultiGraph keyed by type, so
a theme can be both a barrier and a facilitator at the same level.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import networkx as nx

from review.mapping.model import MapFinding

Quote = tuple[str, str, str]  # (study_label, quote, page)


def level_id(level: str) -> str:
    return f"level:{level}"


def theme_id(theme: str) -> str:
    return f"theme:{theme}"


def study_id(study: int) -> str:
    return f"study:{study}"


@dataclass
class _EdgeAcc:
    studies: set[int] = field(default_factory=set)
    quotes: list[Quote] = field(default_factory=list)
    seen: set[Quote] = field(default_factory=set)

    def add(self, finding: MapFinding) -> None:
        self.studies.add(finding.study_id)
        quote = (finding.study_label, finding.quote, finding.page)
        if finding.quote and quote not in self.seen:
            self.seen.add(quote)
            self.quotes.append(quote)


def build_graph(findings: Iterable[MapFinding], include_studies: bool = False) -> nx.MultiGraph:
    """The evidence network of `findings`.

    Nodes carry ``kind`` (level/theme/study), ``label``, ``n_studies`` and ``studies`` (sorted ids);
    edges carry ``type``, ``weight`` (distinct studies), ``studies`` and ``quotes`` — a list of
    (study_label, quote, page). With ``include_studies`` each study is a node linked to the themes
    it reports, one edge per type. ``graph.graph["studies"]`` maps study id to (label, title, year).

    >>> f = MapFinding(1, "A 2020", "T", 2020, "barrier", ("therapist",), ("time",), "q", "3")
    >>> g = build_graph([f, f])
    >>> g.edges["level:therapist", "theme:time", "barrier"]["weight"]
    1
    """
    node_studies: dict[str, set[int]] = {}
    node_meta: dict[str, tuple[str, str]] = {}
    edges: dict[tuple[str, str, str], _EdgeAcc] = {}
    studies: dict[int, tuple[str, str, int | None]] = {}

    def touch(node: str, kind: str, label: str, study: int) -> None:
        if node not in node_meta:
            node_meta[node] = (kind, label)
            node_studies[node] = set()
        node_studies[node].add(study)

    for finding in findings:
        studies.setdefault(finding.study_id, (finding.study_label, finding.title, finding.year))
        for theme in finding.themes:
            touch(theme_id(theme), "theme", theme, finding.study_id)
        for level in finding.levels:
            touch(level_id(level), "level", level, finding.study_id)
            for theme in finding.themes:
                key = (level_id(level), theme_id(theme), finding.type)
                edges.setdefault(key, _EdgeAcc()).add(finding)
        if include_studies and finding.themes:
            touch(study_id(finding.study_id), "study", finding.study_label, finding.study_id)
            for theme in finding.themes:
                key = (study_id(finding.study_id), theme_id(theme), finding.type)
                edges.setdefault(key, _EdgeAcc()).add(finding)

    graph = nx.MultiGraph(studies=studies)
    # Levels first, then themes, then studies, each alphabetical: a stable order for every export.
    kind_order = {"level": 0, "theme": 1, "study": 2}
    for node in sorted(node_meta, key=lambda n: (kind_order[node_meta[n][0]], node_meta[n][1])):
        kind, label = node_meta[node]
        members = sorted(node_studies[node])
        graph.add_node(node, kind=kind, label=label, n_studies=len(members), studies=members)
    for (source, target, finding_type), acc in sorted(edges.items()):
        members = sorted(acc.studies)
        graph.add_edge(
            source,
            target,
            key=finding_type,
            type=finding_type,
            weight=len(members),
            studies=members,
            quotes=list(acc.quotes),
        )
    return graph

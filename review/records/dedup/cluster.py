"""Clustering: automatic links form groups of duplicates; review links never join groups.

Automatic links are added strongest first (a union-find keeps each group's members, DOIs and
forbidden partners). A link that would put two records a person marked
as not duplicates into one group, or two different DOIs into one group, is not added: it is sent
to review instead (reasons `not_duplicates`, `cluster_doi_conflict`). The groups are the
connected components (networkx) of the links that were added. Review pairs are then shown
between groups: one pair per two groups (the strongest), none inside a group, none between
groups that a person has already told apart.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from review.records.dedup.pairs import PairScore


@dataclass(frozen=True)
class Clustering:
    """Groups of two or more ids, the automatic links that formed them, the review queue."""

    clusters: list[frozenset[int]]
    auto_pairs: list[PairScore]
    review_pairs: list[PairScore]


def _ordered(pairs: Iterable[PairScore]) -> list[PairScore]:
    return sorted(pairs, key=lambda p: (-p.support, -(p.title or 0.0), p.id_a, p.id_b))


def cluster_pairs(
    auto_pairs: Iterable[PairScore],
    review_pairs: Iterable[PairScore],
    not_duplicates: Collection[frozenset[int]] = (),
    dois: Mapping[int, str] | None = None,
) -> Clustering:
    """Groups from automatic links only, under the constraints above; the review queue between
    groups. `dois` maps an id to its normalised DOI (ids without one may be left out)."""
    dois = dois or {}
    forbidden: dict[int, set[int]] = {}
    for marked in not_duplicates:
        if len(marked) != 2:
            continue
        x, y = tuple(marked)
        forbidden.setdefault(x, set()).add(y)
        forbidden.setdefault(y, set()).add(x)

    parent: dict[int, int] = {}
    members: dict[int, set[int]] = {}
    group_forbidden: dict[int, set[int]] = {}
    group_dois: dict[int, set[str]] = {}

    def root(node: int) -> int:
        if node not in parent:
            parent[node] = node
            members[node] = {node}
            group_forbidden[node] = set(forbidden.get(node, ()))
            group_dois[node] = {dois[node]} if dois.get(node) else set()
            return node
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    accepted: list[PairScore] = []
    demoted: list[PairScore] = []
    for pair in _ordered(auto_pairs):
        first, second = root(pair.id_a), root(pair.id_b)
        if first == second:
            accepted.append(pair)
            continue
        if members[first] & group_forbidden[second] or members[second] & group_forbidden[first]:
            demoted.append(pair.demoted("not_duplicates"))
            continue
        if group_dois[first] and group_dois[second] and group_dois[first] != group_dois[second]:
            demoted.append(pair.demoted("cluster_doi_conflict"))
            continue
        if len(members[first]) < len(members[second]):
            first, second = second, first
        parent[second] = first
        members[first] |= members.pop(second)
        group_forbidden[first] |= group_forbidden.pop(second)
        group_dois[first] |= group_dois.pop(second)
        accepted.append(pair)

    graph = nx.Graph()
    graph.add_edges_from((pair.id_a, pair.id_b) for pair in accepted)
    clusters = sorted(
        (frozenset(component) for component in nx.connected_components(graph)),
        key=lambda c: min(c),
    )
    cluster_of: dict[int, int] = {}
    for number, cluster in enumerate(clusters):
        for node in cluster:
            cluster_of[node] = number

    def group_key(node: int) -> tuple[int, int]:
        return (0, cluster_of[node]) if node in cluster_of else (1, node)

    def group_members(node: int) -> frozenset[int]:
        return clusters[cluster_of[node]] if node in cluster_of else frozenset((node,))

    queue: dict[tuple[tuple[int, int], tuple[int, int]], PairScore] = {}
    for pair in _ordered([*review_pairs, *demoted]):
        key_a, key_b = group_key(pair.id_a), group_key(pair.id_b)
        if key_a == key_b:
            continue
        key = (key_a, key_b) if key_a <= key_b else (key_b, key_a)
        if key in queue:
            continue
        group_a, group_b = group_members(pair.id_a), group_members(pair.id_b)
        if any(forbidden.get(node, set()) & group_b for node in group_a):
            continue
        queue[key] = pair
    return Clustering(clusters=clusters, auto_pairs=accepted, review_pairs=list(queue.values()))

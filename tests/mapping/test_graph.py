from __future__ import annotations

from review.mapping.graph import build_graph
from review.mapping.model import MapFilter, apply_filter
from tests.mapping.helpers import finding


def test_two_findings_of_one_study_on_one_edge_weigh_one() -> None:
    graph = build_graph([finding(quote="first"), finding(quote="second")])
    edge = graph.edges["level:therapist", "theme:time burden", "barrier"]
    assert edge["weight"] == 1
    assert edge["studies"] == [1]
    assert edge["quotes"] == [("Boswell et al. 2015", "first", "4"), ("Boswell et al. 2015", "second", "4")]


def test_weight_counts_distinct_studies() -> None:
    graph = build_graph([finding(study_id=1), finding(study_id=2), finding(study_id=2), finding(study_id=3)])
    assert graph.edges["level:therapist", "theme:time burden", "barrier"]["weight"] == 3
    assert graph.nodes["theme:time burden"]["n_studies"] == 3


def test_types_are_separate_edges_between_the_same_level_and_theme() -> None:
    graph = build_graph([finding(type="barrier"), finding(study_id=2, type="facilitator")])
    edges = graph.get_edge_data("level:therapist", "theme:time burden")
    assert {key: data["weight"] for key, data in edges.items()} == {"barrier": 1, "facilitator": 1}


def test_every_level_meets_every_theme_of_a_finding() -> None:
    graph = build_graph([finding(levels=("client", "therapist"), themes=("a", "b"))])
    assert graph.number_of_edges() == 4
    assert {data["kind"] for _, data in graph.nodes(data=True)} == {"level", "theme"}


def test_node_attributes_carry_what_filters_need() -> None:
    graph = build_graph([finding(study_id=5), finding(study_id=2, levels=("client",))])
    assert graph.nodes["level:therapist"] == {
        "kind": "level",
        "label": "therapist",
        "n_studies": 1,
        "studies": [5],
    }
    assert graph.nodes["theme:time burden"]["studies"] == [2, 5]
    assert graph.graph["studies"][5] == ("Boswell et al. 2015", finding().title, 2015)


def test_study_nodes_link_to_their_themes() -> None:
    graph = build_graph([finding(study_id=9, themes=("a", "b"))], include_studies=True)
    assert graph.nodes["study:9"]["kind"] == "study"
    assert set(graph.neighbors("study:9")) == {"theme:a", "theme:b"}


def test_the_graph_follows_the_filter() -> None:
    findings = [finding(), finding(study_id=2, type="facilitator", levels=("client",))]
    graph = build_graph(apply_filter(findings, MapFilter(types={"facilitator"})))
    assert set(graph.nodes) == {"level:client", "theme:time burden"}


def test_no_findings_is_an_empty_graph() -> None:
    assert build_graph([]).number_of_nodes() == 0

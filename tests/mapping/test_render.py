from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from review.mapping.fixtures import generate_findings
from review.mapping.graph import build_graph
from review.mapping.render import network_data, render_html
from review.mapping.safe import script_json
from tests.mapping.helpers import XSS_QUOTE, XSS_TITLE, finding, xss_findings

EXTERNAL = re.compile(r"https?://|//cdn|\bsrc\s*=\s*[\"']?(?!data:)[a-z]+:", re.IGNORECASE)
DATA_SCRIPT = re.compile(r'<script type="application/json" id="map-data">(.*?)</script>', re.DOTALL)


def page(findings: list | None = None, **options: object) -> str:
    return render_html(build_graph(findings or xss_findings(), include_studies=True), **options)  # type: ignore[arg-type]


def test_the_page_references_nothing_outside_itself() -> None:
    html = page()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "<link" not in html
    assert "bootstrap" not in html and "tom-select" not in html


def test_data_never_opens_a_tag() -> None:
    html = page(title=XSS_TITLE)
    assert XSS_TITLE not in html
    assert "<script>window.__pwned" not in html
    assert "<img src=x" not in html
    # The only script elements are vis-network, the data and the page script.
    assert html.count("<script") == 3
    assert html.count("</script>") == 3


def test_the_data_block_decodes_to_the_original_text() -> None:
    data = json.loads(DATA_SCRIPT.search(page()).group(1))  # type: ignore[union-attr]
    labels = {node["label"] for node in data["nodes"]}
    assert XSS_TITLE in labels and XSS_QUOTE in labels
    assert [XSS_TITLE, XSS_QUOTE, "4"] in data["quotes"]


def test_the_title_is_escaped_in_the_page() -> None:
    html = page(title="Map <b>&</b>")
    assert "<h1>Map &lt;b&gt;&amp;&lt;&#47;b&gt;</h1>" in html


def test_the_legend_names_every_type_and_escapes_unknown_ones() -> None:
    html = page([finding(), finding(study_id=2, type="<i>context</i>")])
    assert 'id="map-legend"' in html
    assert "barrier" in html and "&lt;i&gt;context&lt;&#47;i&gt;" in html


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_label_text_stays_text(text: str) -> None:
    findings = [finding(study_label=text, title=text, quote=text, themes=(text,), levels=(text + "L",))]
    html = render_html(build_graph(findings), title=text)
    assert html.count("<script") == 3
    data = json.loads(DATA_SCRIPT.search(html).group(1))  # type: ignore[union-attr]
    assert any(node["label"] == text for node in data["nodes"])
    assert not EXTERNAL.search(html)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.text() | st.integers() | st.none(), lambda inner: st.lists(inner, max_size=4), max_leaves=8
    )
)
def test_script_json_round_trips_and_never_closes_the_script(value: object) -> None:
    encoded = script_json(value)
    assert json.loads(encoded) == value
    assert "<" not in encoded and ">" not in encoded and "//" not in encoded


def test_small_graphs_use_physics_and_large_ones_a_fixed_layout() -> None:
    small = network_data(build_graph(generate_findings(5)))
    assert small["physics"] is True and "x" not in small["nodes"][0]
    large = network_data(build_graph(generate_findings(400), include_studies=True))
    assert large["physics"] is False and large["options"]["physics"] is False
    assert all("x" in node and "y" in node for node in large["nodes"])


def test_node_size_grows_with_studies_and_quotes_are_stored_once() -> None:
    findings = [finding(study_id=i, themes=("common",)) for i in range(1, 6)] + [finding(themes=("rare",))]
    data = network_data(build_graph(findings))
    size = {node["label"]: node["size"] for node in data["nodes"]}
    assert size["common"] > size["rare"]
    assert len(data["quotes"]) == len({(f.study_label, f.quote, f.page) for f in findings})


def test_conference_mode_starts_with_large_fonts() -> None:
    assert '<body class="map-page conference">' in page(conference=True)

"""PRISMA counts, their check, and the flow diagram."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review.screening.prisma import (
    Box,
    PrismaCounts,
    assign_boxes,
    check_prisma,
    compute_prisma,
    prisma_problems,
    render_prisma_png,
    render_prisma_svg,
    text_width,
    wrap_text,
)

CONTRACT_KEYS = [
    "identified",
    "duplicates_removed",
    "screened",
    "excluded_screening",
    "sought_for_retrieval",
    "not_retrieved",
    "assessed_full_text",
    "excluded_full_text",
    "included",
]
SCRIPT = "<script>alert(1)</script>"


def scenario() -> PrismaCounts:
    """20 records from three databases, followed through every box."""
    sources = {i: "PubMed" for i in range(1, 9)}
    sources |= {i: "Scopus" for i in range(9, 17)}
    sources |= {i: "PsycINFO & <APA>" for i in range(17, 21)}
    title_abstract = {
        3: "exclude",
        4: "exclude",
        5: "exclude",
        6: "exclude",
        7: "include",
        8: "include",
        10: "include",
        11: "include",
        12: "include",
        13: "include",
        14: "include",
        1: "include",  # a duplicate's decision: left out
    }
    full_text = {
        7: "include",
        8: "include",
        10: "exclude",
        11: "exclude",
        12: "exclude",
        13: "include",  # marked not retrieved too: a decision means it was retrieved
        15: "include",  # not included at title/abstract: left out
    }
    return compute_prisma(
        sources=sources,
        removed_automatic=[1, 2],
        removed_manual=[9],
        title_abstract=title_abstract,
        full_text=full_text,
        full_text_reasons={10: "Wrong population", 11: SCRIPT, 12: "  "},
        not_retrieved=[14, 13],
        excluded_by_automation=[15, 16, 3],  # 3 has a person's decision: counted by it
    )


def test_counts_of_a_small_scenario() -> None:
    data = scenario().to_dict()
    assert list(data)[: len(CONTRACT_KEYS)] == CONTRACT_KEYS
    assert list(data)[len(CONTRACT_KEYS) :] == [
        "awaiting_screening",
        "awaiting_full_text",
        "excluded_by_automation",
    ]
    assert data == {
        "identified": {"total": 20, "by_source": {"PubMed": 8, "Scopus": 8, "PsycINFO & <APA>": 4}},
        "duplicates_removed": {"automatic": 2, "manual": 1},
        "screened": 17,
        "excluded_screening": 6,
        "sought_for_retrieval": 7,
        "not_retrieved": 1,
        "assessed_full_text": 6,
        "excluded_full_text": {
            "total": 3,
            "by_reason": {SCRIPT: 1, "Reason not recorded": 1, "Wrong population": 1},
        },
        "included": 3,
        "awaiting_screening": 4,
        "awaiting_full_text": 0,
        "excluded_by_automation": 2,
    }
    assert prisma_problems(scenario()) == []
    check_prisma(scenario())


def test_json_round_trip() -> None:
    counts = scenario()
    again = PrismaCounts.from_dict(json.loads(json.dumps(counts.to_dict())))
    assert again == counts
    contract_only = {k: v for k, v in counts.to_dict().items() if k in CONTRACT_KEYS}
    assert PrismaCounts.from_dict(contract_only).awaiting_screening == 0
    with pytest.raises(ValueError, match="screened must be a whole number"):
        PrismaCounts.from_dict({**counts.to_dict(), "screened": "17"})
    with pytest.raises(ValueError, match="identified must be an object"):
        PrismaCounts.from_dict({**counts.to_dict(), "identified": 3})


def test_the_check_names_each_broken_sum() -> None:
    data = scenario().to_dict()
    data["screened"] = 16
    data["included"] = -1
    problems = prisma_problems(PrismaCounts.from_dict(data))
    assert any(p.startswith("identified.total") for p in problems)
    assert any(p.startswith("screened !=") for p in problems)
    assert any(p.startswith("assessed_full_text") for p in problems)
    assert "included is negative (-1)" in problems
    with pytest.raises(ValueError, match="do not add up"):
        check_prisma(PrismaCounts.from_dict(data))


def test_inconsistent_input_is_refused() -> None:
    with pytest.raises(ValueError, match=r"removed_manual: records \[5\] are not among"):
        compute_prisma(sources={1: "A"}, removed_manual=[5])
    with pytest.raises(ValueError, match="both automatically and manually"):
        compute_prisma(sources={1: "A", 2: "A"}, removed_automatic=[1], removed_manual=[1])
    with pytest.raises(ValueError, match="include or exclude"):
        compute_prisma(sources={1: "A"}, title_abstract={1: "maybe"})


def test_blank_source_and_empty_project() -> None:
    counts = compute_prisma(sources={1: None, 2: " "})
    assert counts.identified_by_source == {"Source not recorded": 2}
    assert counts.awaiting_screening == 2
    empty = compute_prisma(sources={})
    assert prisma_problems(empty) == []
    ET.fromstring(render_prisma_svg(empty))


@given(st.data())
def test_every_record_ends_in_exactly_one_box(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 40))
    records = list(range(n))
    sources = {r: data.draw(st.sampled_from(["A", "B", "C", ""])) for r in records}
    removed = data.draw(st.lists(st.sampled_from(records), unique=True)) if records else []
    split = data.draw(st.integers(0, len(removed)))
    decision = st.sampled_from(["include", "exclude"])
    subset = st.lists(st.sampled_from(records), unique=True) if records else st.just([])
    title_abstract = {r: data.draw(decision) for r in data.draw(subset)}
    full_text = {r: data.draw(decision) for r in data.draw(subset)}
    reasons = {r: data.draw(st.sampled_from(["x", "y", ""])) for r in full_text}
    kwargs = dict(
        sources=sources,
        removed_automatic=removed[:split],
        removed_manual=removed[split:],
        title_abstract=title_abstract,
        full_text=full_text,
        not_retrieved=data.draw(subset),
        excluded_by_automation=data.draw(subset),
    )
    boxes = assign_boxes(**kwargs)  # type: ignore[arg-type]
    assert boxes.keys() == sources.keys()
    counts = compute_prisma(**kwargs, full_text_reasons=reasons)  # type: ignore[arg-type]
    assert prisma_problems(counts) == []
    assert counts.identified_total == n
    assert counts.included == sum(1 for b in boxes.values() if b == Box.INCLUDED)


def test_svg_is_xml_with_every_count_and_escaped_text() -> None:
    counts = scenario()
    svg = render_prisma_svg(counts, title="ROM & CFS <review>")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = " ".join("".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text"))
    data = counts.to_dict()
    numbers = [
        data["screened"],
        data["excluded_screening"],
        data["sought_for_retrieval"],
        data["not_retrieved"],
        data["assessed_full_text"],
        data["included"],
        counts.identified_total,
        counts.excluded_full_text_total,
        counts.duplicates_automatic,
        counts.duplicates_manual,
        counts.awaiting_screening,
        counts.excluded_by_automation,
        *counts.identified_by_source.values(),
    ]
    for number in numbers:
        assert f"(n = {number})" in text
    for name in [*counts.identified_by_source, *counts.excluded_full_text_by_reason]:
        assert name in text
    assert SCRIPT in text  # shown as text ...
    assert "<script" not in svg  # ... never as markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "PsycINFO &amp; &lt;APA&gt;" in svg
    assert "ROM &amp; CFS &lt;review&gt;" in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # no external fonts or links
    assert "<image" not in svg and "@import" not in svg


def test_awaiting_boxes_only_while_something_waits() -> None:
    done = compute_prisma(
        sources={1: "A", 2: "A"}, title_abstract={1: "exclude", 2: "include"}, full_text={2: "include"}
    )
    svg = render_prisma_svg(done)
    assert "awaiting" not in svg and "stroke-dasharray" not in svg
    assert "awaiting a screening decision" in render_prisma_svg(scenario())


def test_long_reasons_wrap_inside_their_box() -> None:
    long_reason = "Not about routine outcome monitoring or clinical feedback in counselling " * 3
    counts = compute_prisma(
        sources={1: "A", 2: "Averyveryverylongdatabasenamewithoutanyspaces" * 3},
        title_abstract={1: "include"},
        full_text={1: "exclude"},
        full_text_reasons={1: long_reason},
    )
    root = ET.fromstring(render_prisma_svg(counts))
    ns = "{http://www.w3.org/2000/svg}"
    boxes = [r for r in root.iter(f"{ns}rect") if r.get("rx") == "6" and r.get("fill") != "#ffd966"]
    for text in root.iter(f"{ns}text"):
        if text.get("transform") or text.get("text-anchor") != "start":
            continue
        x, y = float(text.get("x", 0)), float(text.get("y", 0))
        width = text_width(
            "".join(text.itertext()), float(text.get("font-size", 17)), text.get("font-weight") == "bold"
        )
        inside = [
            b
            for b in boxes
            if float(b.get("x", 0)) <= x
            and x + width <= float(b.get("x", 0)) + float(b.get("width", 0))
            and float(b.get("y", 0)) <= y <= float(b.get("y", 0)) + float(b.get("height", 0))
        ]
        assert inside, "".join(text.itertext())


def test_wrap_text() -> None:
    assert wrap_text("", 100) == [""]
    lines = wrap_text("a " + "x" * 80, 120)
    assert lines[0] == "a"
    assert all(text_width(line) <= 120 for line in lines)
    assert "".join(line.rstrip("-") for line in lines[1:]) == "x" * 80
    for width in range(100, 400, 7):  # "(n = 1,234)" is never split, whatever the width
        held = wrap_text("Wrong population of participants (n\xa0=\xa01,234)", width)
        assert held[-1].endswith("(n\xa0=\xa01,234)")


def test_png(tmp_path: Path) -> None:
    png = render_prisma_png(render_prisma_svg(scenario()))
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
    (tmp_path / "prisma.png").write_bytes(png)

from __future__ import annotations

import pytest

from review.mapping.model import MapFilter, apply_filter
from tests.mapping.helpers import finding

FINDINGS = [
    finding(
        study_id=1, year=2010, type="barrier", levels=("therapist", "organisation"), themes=("time burden",)
    ),
    finding(
        study_id=2,
        year=2018,
        type="facilitator",
        levels=("client",),
        themes=("feedback skills", "time burden"),
        characteristics={"design": "RCT", "country": ("Norway", "Sweden")},
    ),
    finding(
        study_id=3,
        year=None,
        type="mechanism",
        levels=("therapist",),
        themes=("alliance",),
        characteristics={},
    ),
]


def ids(findings: list) -> list[int]:
    return [f.study_id for f in findings]


@pytest.mark.parametrize(
    ("map_filter", "expected"),
    [
        pytest.param(MapFilter(), [1, 2, 3], id="an empty filter keeps everything"),
        pytest.param(MapFilter(types={"barrier", "mechanism"}), [1, 3], id="types"),
        pytest.param(MapFilter(levels={"therapist"}), [1, 3], id="levels"),
        pytest.param(MapFilter(themes={"time burden"}), [1, 2], id="themes"),
        pytest.param(MapFilter(year_from=2011), [2], id="year from drops unknown years"),
        pytest.param(MapFilter(year_to=2010), [1], id="year to"),
        pytest.param(MapFilter(year_from=2010, year_to=2018), [1, 2], id="year range inclusive"),
        pytest.param(MapFilter(characteristics={"design": {"RCT"}}), [2], id="a characteristic"),
        pytest.param(
            MapFilter(characteristics={"country": {"Sweden"}}), [2], id="a multi-valued characteristic"
        ),
        pytest.param(
            MapFilter(characteristics={"design": set()}), [1, 2, 3], id="an empty characteristic keeps all"
        ),
        pytest.param(MapFilter(types={"barrier"}, levels={"client"}), [], id="criteria combine with and"),
    ],
)
def test_filter_keeps(map_filter: MapFilter, expected: list[int]) -> None:
    assert ids(apply_filter(FINDINGS, map_filter)) == expected


def test_filter_narrows_levels_and_themes_to_the_selection() -> None:
    kept = apply_filter(FINDINGS, MapFilter(levels={"organisation"}, themes={"time burden"}))
    assert [(f.study_id, f.levels, f.themes) for f in kept] == [(1, ("organisation",), ("time burden",))]


def test_characteristic_is_always_a_tuple() -> None:
    assert FINDINGS[1].characteristic("country") == ("Norway", "Sweden")
    assert FINDINGS[1].characteristic("design") == ("RCT",)
    assert FINDINGS[2].characteristic("design") == ()

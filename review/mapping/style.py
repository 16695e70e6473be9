"""How each finding type and node kind looks: Okabe–Ito colours, and a line pattern and a marker
as well as a colour, so the map reads in greyscale and for colour-blind readers."""

from __future__ import annotations

from dataclasses import dataclass

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}


@dataclass(frozen=True)
class TypeStyle:
    color: str
    dashes: tuple[int, ...]  # () is a solid line
    marker: str  # a text glyph for lists and the legend
    shape: str  # a Vega-Lite point shape for the matrix


TYPE_STYLES: dict[str, TypeStyle] = {
    "barrier": TypeStyle(OKABE_ITO["vermillion"], (), "▼", "triangle-down"),
    "facilitator": TypeStyle(OKABE_ITO["bluish_green"], (14, 7), "▲", "triangle-up"),
    "mechanism": TypeStyle(OKABE_ITO["blue"], (3, 6), "◆", "diamond"),
}
OTHER_STYLES = [
    TypeStyle(OKABE_ITO["reddish_purple"], (10, 4, 2, 4), "●", "circle"),
    TypeStyle(OKABE_ITO["orange"], (2, 3), "■", "square"),
    TypeStyle(OKABE_ITO["sky_blue"], (18, 4), "✚", "cross"),
]
TYPE_ORDER = list(TYPE_STYLES)


def ordered_types(types: set[str] | list[str]) -> list[str]:
    """Barrier, facilitator, mechanism first, then any other types alphabetically."""
    known = [name for name in TYPE_ORDER if name in types]
    return known + sorted(set(types) - set(TYPE_ORDER))


def type_styles(types: set[str] | list[str]) -> dict[str, TypeStyle]:
    """A style for every type present; unknown types take the spare Okabe–Ito colours in turn."""
    styles: dict[str, TypeStyle] = {}
    spare = 0
    for name in ordered_types(types):
        if name in TYPE_STYLES:
            styles[name] = TYPE_STYLES[name]
        else:
            styles[name] = OTHER_STYLES[spare % len(OTHER_STYLES)]
            spare += 1
    return styles


@dataclass(frozen=True)
class KindStyle:
    shape: str  # vis-network shape
    background: str
    border: str
    font_color: str
    legend: str


# Node kinds stay neutral (black, grey, yellow) so that the Okabe–Ito hues belong to the types.
KIND_STYLES: dict[str, KindStyle] = {
    "level": KindStyle("box", "#000000", "#000000", "#FFFFFF", "Level"),
    "theme": KindStyle("dot", "#D9D9D9", "#4D4D4D", "#111111", "Theme (size = studies)"),
    "study": KindStyle("diamond", OKABE_ITO["yellow"], "#4D4D4D", "#111111", "Study"),
}

"""The PRISMA 2020 / PRISMA-ScR flow: counts from plain per-record data, their check, the diagram.

Every imported record ends in exactly one box (`assign_boxes`), and the counts are those boxes
added up, so the sums hold by construction; `prisma_problems` checks them again on any counts
(for example a JSON file read back):

    identified.total           = Σ identified.by_source
    identified.total           = duplicates_removed.automatic + duplicates_removed.manual + screened
    screened                   = excluded_screening + sought_for_retrieval + awaiting_screening
    sought_for_retrieval       = not_retrieved + assessed_full_text
    assessed_full_text         = excluded_full_text.total + included + awaiting_full_text
    excluded_full_text.total   = Σ excluded_full_text.by_reason
    excluded_by_automation     ≤ excluded_screening

Choices, documented because the diagram is only as honest as they are:

- **screened** counts every record left after deduplication, decided or not; the ones still
  without a final title/abstract decision (pending, or in conflict and unresolved) are
  **awaiting_screening**, an extra key beside the contract's keys, drawn as a dashed box.
  Likewise **awaiting_full_text**: sought, retrieved, no final full-text decision yet. Both are 0
  once screening is finished, and the diagram then looks like any PRISMA diagram.
- **excluded_by_automation** (records a prioritisation tool excluded without a person's decision)
  is part of ``excluded_screening`` and shown split out, as PRISMA 2020's footnote asks ("indicate
  how many records were excluded by a human and how many were excluded by automation tools").
  A record with a person's final decision is counted by that decision, never as automation.
- A full-text decision means the report was retrieved: a record marked not retrieved that has a
  full-text decision is counted as assessed.
- Decisions on records that are no longer primary (merged into another record as duplicates), and
  full-text decisions on records not included at title/abstract, are left out.
- A full-text exclusion without a reason is counted under "Reason not recorded".

>>> counts = compute_prisma(
...     sources={1: "PubMed", 2: "PubMed", 3: "Scopus", 4: "Scopus"},
...     removed_automatic=[3],
...     title_abstract={1: "include", 2: "exclude", 4: "include"},
...     full_text={1: "include", 4: "exclude"},
...     full_text_reasons={4: "wrong population"},
... )
>>> counts.to_dict()["excluded_full_text"], counts.included, prisma_problems(counts)
({'total': 1, 'by_reason': {'wrong population': 1}}, 1, [])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from xml.sax.saxutils import escape

from review.screening.model import Decision

UNKNOWN_SOURCE = "Source not recorded"
REASON_NOT_RECORDED = "Reason not recorded"


class Box(StrEnum):
    """The box of the flow diagram a record ends in (exactly one per record)."""

    DUPLICATE_AUTOMATIC = "duplicate_automatic"
    DUPLICATE_MANUAL = "duplicate_manual"
    AWAITING_SCREENING = "awaiting_screening"
    EXCLUDED_SCREENING = "excluded_screening"
    EXCLUDED_BY_AUTOMATION = "excluded_by_automation"
    NOT_RETRIEVED = "not_retrieved"
    AWAITING_FULL_TEXT = "awaiting_full_text"
    EXCLUDED_FULL_TEXT = "excluded_full_text"
    INCLUDED = "included"


def _ranked(counter: Mapping[str, int]) -> dict[str, int]:
    """Largest first, then by name: the order sources and reasons are listed in."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0].casefold(), item[0])))


@dataclass(frozen=True)
class PrismaCounts:
    """The numbers of the flow diagram."""

    identified_by_source: dict[str, int] = field(default_factory=dict)
    duplicates_automatic: int = 0
    duplicates_manual: int = 0
    screened: int = 0
    excluded_screening: int = 0
    """All records excluded at title/abstract, including those excluded by automation."""
    excluded_by_automation: int = 0
    awaiting_screening: int = 0
    sought_for_retrieval: int = 0
    not_retrieved: int = 0
    assessed_full_text: int = 0
    excluded_full_text_by_reason: dict[str, int] = field(default_factory=dict)
    awaiting_full_text: int = 0
    included: int = 0

    @property
    def identified_total(self) -> int:
        return sum(self.identified_by_source.values())

    @property
    def excluded_full_text_total(self) -> int:
        return sum(self.excluded_full_text_by_reason.values())

    def to_dict(self) -> dict[str, object]:
        """The contract's keys (DESIGN.md, `prisma --out FILE.json`), in its order, then the extras:
        awaiting_screening, awaiting_full_text, excluded_by_automation."""
        return {
            "identified": {"total": self.identified_total, "by_source": dict(self.identified_by_source)},
            "duplicates_removed": {"automatic": self.duplicates_automatic, "manual": self.duplicates_manual},
            "screened": self.screened,
            "excluded_screening": self.excluded_screening,
            "sought_for_retrieval": self.sought_for_retrieval,
            "not_retrieved": self.not_retrieved,
            "assessed_full_text": self.assessed_full_text,
            "excluded_full_text": {
                "total": self.excluded_full_text_total,
                "by_reason": dict(self.excluded_full_text_by_reason),
            },
            "included": self.included,
            "awaiting_screening": self.awaiting_screening,
            "awaiting_full_text": self.awaiting_full_text,
            "excluded_by_automation": self.excluded_by_automation,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PrismaCounts:
        """The counts of a `to_dict` object (the extras default to 0); ValueError if malformed."""

        def number(value: object, name: str) -> int:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"PRISMA counts: {name} must be a whole number, not {value!r}")
            return value

        def section(name: str) -> Mapping[str, object]:
            value = data.get(name)
            if not isinstance(value, Mapping):
                raise ValueError(f"PRISMA counts: {name} must be an object")
            return value

        def tally(value: object, name: str) -> dict[str, int]:
            if not isinstance(value, Mapping):
                raise ValueError(f"PRISMA counts: {name} must be an object")
            return {str(k): number(v, f"{name}[{k!r}]") for k, v in value.items()}

        identified = section("identified")
        duplicates = section("duplicates_removed")
        excluded_ft = section("excluded_full_text")
        return cls(
            identified_by_source=tally(identified.get("by_source"), "identified.by_source"),
            duplicates_automatic=number(duplicates.get("automatic"), "duplicates_removed.automatic"),
            duplicates_manual=number(duplicates.get("manual"), "duplicates_removed.manual"),
            screened=number(data.get("screened"), "screened"),
            excluded_screening=number(data.get("excluded_screening"), "excluded_screening"),
            excluded_by_automation=number(data.get("excluded_by_automation", 0), "excluded_by_automation"),
            awaiting_screening=number(data.get("awaiting_screening", 0), "awaiting_screening"),
            sought_for_retrieval=number(data.get("sought_for_retrieval"), "sought_for_retrieval"),
            not_retrieved=number(data.get("not_retrieved"), "not_retrieved"),
            assessed_full_text=number(data.get("assessed_full_text"), "assessed_full_text"),
            excluded_full_text_by_reason=tally(excluded_ft.get("by_reason"), "excluded_full_text.by_reason"),
            awaiting_full_text=number(data.get("awaiting_full_text", 0), "awaiting_full_text"),
            included=number(data.get("included"), "included"),
        )


def assign_boxes(
    *,
    sources: Mapping[int, str | None],
    removed_automatic: Iterable[int] = (),
    removed_manual: Iterable[int] = (),
    title_abstract: Mapping[int, str] | None = None,
    full_text: Mapping[int, str] | None = None,
    not_retrieved: Iterable[int] = (),
    excluded_by_automation: Iterable[int] = (),
) -> dict[int, Box]:
    """The one box each record of `sources` ends in (arguments as for `compute_prisma`)."""
    title_abstract = title_abstract or {}
    full_text = full_text or {}
    auto, manual = set(removed_automatic), set(removed_manual)
    for name, ids in (("removed_automatic", auto), ("removed_manual", manual)):
        unknown = sorted(ids - sources.keys())
        if unknown:
            raise ValueError(f"{name}: records {unknown[:10]} are not among the identified records")
    both = sorted(auto & manual)
    if both:
        raise ValueError(f"records {both[:10]} are removed as duplicates both automatically and manually")
    for name, decisions in (("title_abstract", title_abstract), ("full_text", full_text)):
        wrong = {d for d in decisions.values() if d not in (Decision.INCLUDE, Decision.EXCLUDE)}
        if wrong:
            raise ValueError(f"{name}: final decisions are include or exclude, not {sorted(wrong)}")
    automation, missing = set(excluded_by_automation), set(not_retrieved)
    boxes: dict[int, Box] = {}
    for record in sources:
        if record in auto:
            boxes[record] = Box.DUPLICATE_AUTOMATIC
        elif record in manual:
            boxes[record] = Box.DUPLICATE_MANUAL
        elif title_abstract.get(record) == Decision.EXCLUDE:
            boxes[record] = Box.EXCLUDED_SCREENING
        elif record not in title_abstract:
            boxes[record] = Box.EXCLUDED_BY_AUTOMATION if record in automation else Box.AWAITING_SCREENING
        elif full_text.get(record) == Decision.INCLUDE:
            boxes[record] = Box.INCLUDED
        elif full_text.get(record) == Decision.EXCLUDE:
            boxes[record] = Box.EXCLUDED_FULL_TEXT
        elif record in missing:
            boxes[record] = Box.NOT_RETRIEVED
        else:
            boxes[record] = Box.AWAITING_FULL_TEXT
    return boxes


def compute_prisma(
    *,
    sources: Mapping[int, str | None],
    removed_automatic: Iterable[int] = (),
    removed_manual: Iterable[int] = (),
    title_abstract: Mapping[int, str] | None = None,
    full_text: Mapping[int, str] | None = None,
    full_text_reasons: Mapping[int, str | None] | None = None,
    not_retrieved: Iterable[int] = (),
    excluded_by_automation: Iterable[int] = (),
) -> PrismaCounts:
    """The flow diagram's counts from per-record data.

    - `sources`: every imported record (record_id → its source database, e.g. "Scopus").
    - `removed_automatic` / `removed_manual`: records removed as duplicates (merged into another
      record automatically / by a person); the rest are the primary records, which are screened.
    - `title_abstract`, `full_text`: final decisions (include/exclude) per record, e.g.
      `review.screening.conflicts.final_decisions`; a record without one is awaiting a decision.
    - `full_text_reasons`: the reason of each full-text exclusion
      (`review.screening.conflicts.final_reasons`).
    - `not_retrieved`: records included at title/abstract whose full text could not be obtained.
    - `excluded_by_automation`: records an automation tool excluded at title/abstract.

    ValueError for inconsistent input (a duplicate that is not an identified record, a record
    removed both ways, a final decision other than include/exclude).
    """
    boxes = assign_boxes(
        sources=sources,
        removed_automatic=removed_automatic,
        removed_manual=removed_manual,
        title_abstract=title_abstract,
        full_text=full_text,
        not_retrieved=not_retrieved,
        excluded_by_automation=excluded_by_automation,
    )
    reasons = full_text_reasons or {}
    in_box = Counter(boxes.values())
    by_source = Counter((name or "").strip() or UNKNOWN_SOURCE for name in sources.values())
    by_reason = Counter(
        (reasons.get(record) or "").strip() or REASON_NOT_RECORDED
        for record, box in boxes.items()
        if box == Box.EXCLUDED_FULL_TEXT
    )
    excluded_ft = in_box[Box.EXCLUDED_FULL_TEXT]
    assessed = excluded_ft + in_box[Box.INCLUDED] + in_box[Box.AWAITING_FULL_TEXT]
    sought = assessed + in_box[Box.NOT_RETRIEVED]
    excluded_screening = in_box[Box.EXCLUDED_SCREENING] + in_box[Box.EXCLUDED_BY_AUTOMATION]
    return PrismaCounts(
        identified_by_source=_ranked(by_source),
        duplicates_automatic=in_box[Box.DUPLICATE_AUTOMATIC],
        duplicates_manual=in_box[Box.DUPLICATE_MANUAL],
        screened=excluded_screening + sought + in_box[Box.AWAITING_SCREENING],
        excluded_screening=excluded_screening,
        excluded_by_automation=in_box[Box.EXCLUDED_BY_AUTOMATION],
        awaiting_screening=in_box[Box.AWAITING_SCREENING],
        sought_for_retrieval=sought,
        not_retrieved=in_box[Box.NOT_RETRIEVED],
        assessed_full_text=assessed,
        excluded_full_text_by_reason=_ranked(by_reason),
        awaiting_full_text=in_box[Box.AWAITING_FULL_TEXT],
        included=in_box[Box.INCLUDED],
    )


def prisma_problems(counts: PrismaCounts) -> list[str]:
    """Every way the counts fail to put each record in exactly one box; empty when they add up."""
    c = counts
    problems: list[str] = []

    def same(left: int, right: int, what: str) -> None:
        if left != right:
            problems.append(f"{what}: {left} != {right}")

    same(
        c.identified_total,
        c.duplicates_automatic + c.duplicates_manual + c.screened,
        "identified.total != duplicates_removed.automatic + duplicates_removed.manual + screened",
    )
    same(
        c.screened,
        c.excluded_screening + c.sought_for_retrieval + c.awaiting_screening,
        "screened != excluded_screening + sought_for_retrieval + awaiting_screening",
    )
    same(
        c.sought_for_retrieval,
        c.not_retrieved + c.assessed_full_text,
        "sought_for_retrieval != not_retrieved + assessed_full_text",
    )
    same(
        c.assessed_full_text,
        c.excluded_full_text_total + c.included + c.awaiting_full_text,
        "assessed_full_text != excluded_full_text.total + included + awaiting_full_text",
    )
    if c.excluded_by_automation > c.excluded_screening:
        problems.append(
            f"excluded_by_automation ({c.excluded_by_automation}) "
            f"> excluded_screening ({c.excluded_screening})"
        )
    numbers = {
        "duplicates_removed.automatic": c.duplicates_automatic,
        "duplicates_removed.manual": c.duplicates_manual,
        "screened": c.screened,
        "excluded_screening": c.excluded_screening,
        "excluded_by_automation": c.excluded_by_automation,
        "awaiting_screening": c.awaiting_screening,
        "sought_for_retrieval": c.sought_for_retrieval,
        "not_retrieved": c.not_retrieved,
        "assessed_full_text": c.assessed_full_text,
        "awaiting_full_text": c.awaiting_full_text,
        "included": c.included,
        **{f"identified.by_source[{k!r}]": v for k, v in c.identified_by_source.items()},
        **{f"excluded_full_text.by_reason[{k!r}]": v for k, v in c.excluded_full_text_by_reason.items()},
    }
    problems.extend(f"{name} is negative ({value})" for name, value in numbers.items() if value < 0)
    return problems


def check_prisma(counts: PrismaCounts) -> None:
    """Raise ValueError naming every sum that does not hold (see `prisma_problems`)."""
    problems = prisma_problems(counts)
    if problems:
        raise ValueError("the PRISMA counts do not add up: " + "; ".join(problems))


# ---------------------------------------------------------------------------------------------
# The diagram: a hand-built standalone SVG (no external fonts, images or links).

FONT_FAMILY = "'Liberation Sans', Arial, Helvetica, sans-serif"
FONT_SIZE = 17
LINE_HEIGHT = 23
PADDING_X = 16
PADDING_Y = 13
INDENT = 18
INK = "#1f2937"
ACCENT = "#1f4e79"
STAGE_FILL = "#9dc3e6"
HEADER_FILL = "#ffd966"
MUTED = "#5b6470"
NBSP = "\xa0"

# Advance widths of Helvetica/Arial (Liberation Sans is metric-compatible), in 1/1000 em.
_WIDTHS = {
    **dict.fromkeys(" !,./:;I[\\]fijlt|", 278),
    **dict.fromkeys('"()*-`r{}', 333),
    **dict.fromkeys("ckszvxyJ", 500),
    **dict.fromkeys("#$0123456789?L_abdeghnopqu", 556),
    **dict.fromkeys("+<=>~", 584),
    **dict.fromkeys("ABEKPSVXY&", 667),
    **dict.fromkeys("CDHNRUw", 722),
    **dict.fromkeys("GOQ", 778),
    **dict.fromkeys("Mm", 833),
    "%": 889,
    "@": 1015,
    "W": 944,
    "F": 611,
    "T": 611,
    "Z": 611,
    "'": 191,
    "•": 350,
    "\xa0": 278,
}


def text_width(text: str, size: float = FONT_SIZE, bold: bool = False) -> float:
    """Estimated rendered width of `text` in pixels (wide glyphs outside the table count 1 em)."""
    units = sum(_WIDTHS.get(ch, 1000 if ord(ch) > 0x2E80 else 600) for ch in text)
    return units * size / 1000 * (1.06 if bold else 1.0)


def wrap_text(text: str, width: float, size: float = FONT_SIZE, bold: bool = False) -> list[str]:
    """`text` broken into lines no wider than `width` pixels; an over-long word is cut.

    Lines break at plain spaces only: a no-break space (U+00A0) holds "(n = 12)" together.

    >>> wrap_text("Records identified from databases", 150)
    ['Records identified', 'from databases']
    """
    words = [word for word in text.replace("\t", " ").replace("\n", " ").split(" ") if word]
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while text_width(word, size, bold) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut] + "-", size, bold) > width:
                cut -= 1
            lines.append(word[:cut] + "-")
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


@dataclass
class _Line:
    text: str
    bold: bool = False
    bullet: bool = False


@dataclass
class _Box:
    lines: list[_Line]
    dashed: bool = False
    emphasis: bool = False
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    wrapped: list[tuple[str, float, bool]] = field(default_factory=list)
    """(text, x offset, bold) per drawn line."""

    def layout(self, width: float) -> None:
        self.width = width
        self.wrapped = []
        inner = width - 2 * PADDING_X
        for line in self.lines:
            if line.bullet:
                parts = wrap_text(line.text, inner - INDENT, FONT_SIZE, line.bold)
                for i, part in enumerate(parts):
                    self.wrapped.append((("• " if i == 0 else "") + part, 4 if i == 0 else INDENT, line.bold))
            else:
                self.wrapped.extend(
                    (part, 0, line.bold) for part in wrap_text(line.text, inner, FONT_SIZE, line.bold)
                )
        self.height = 2 * PADDING_Y + LINE_HEIGHT * len(self.wrapped) - (LINE_HEIGHT - FONT_SIZE) + 4


def _n(value: int) -> str:
    """The count as drawn, held together by no-break spaces (drawn as plain spaces)."""
    return f"(n\xa0=\xa0{value:,})"


def _rows(c: PrismaCounts) -> list[tuple[str, _Box, list[_Box]]]:
    """(stage, main box, side boxes) from top to bottom."""
    identified = [_Line(f"Records identified from databases {_n(c.identified_total)}", bold=True)]
    identified += [
        _Line(f"{name} {_n(count)}", bullet=True) for name, count in c.identified_by_source.items()
    ]
    removed = [
        _Line("Records removed before screening:", bold=True),
        _Line(f"Duplicate records removed automatically {_n(c.duplicates_automatic)}", bullet=True),
        _Line(f"Duplicate records removed by a reviewer {_n(c.duplicates_manual)}", bullet=True),
    ]
    excluded = [_Line(f"Records excluded {_n(c.excluded_screening)}", bold=True)]
    if c.excluded_by_automation:
        excluded += [
            _Line(f"by reviewers {_n(c.excluded_screening - c.excluded_by_automation)}", bullet=True),
            _Line(f"by automation tools {_n(c.excluded_by_automation)}", bullet=True),
        ]
    screening_sides = [_Box(excluded)]
    if c.awaiting_screening:
        screening_sides.append(
            _Box([_Line(f"Records awaiting a screening decision {_n(c.awaiting_screening)}")], dashed=True)
        )
    reports_excluded = [
        _Line(
            f"Reports excluded {_n(c.excluded_full_text_total)}"
            + (":" if c.excluded_full_text_by_reason else ""),
            bold=True,
        )
    ]
    reports_excluded += [
        _Line(f"{reason} {_n(count)}", bullet=True)
        for reason, count in c.excluded_full_text_by_reason.items()
    ]
    eligibility_sides = [_Box(reports_excluded)]
    if c.awaiting_full_text:
        eligibility_sides.append(
            _Box([_Line(f"Reports awaiting a full-text decision {_n(c.awaiting_full_text)}")], dashed=True)
        )
    return [
        ("Identification", _Box(identified), [_Box(removed)]),
        ("Screening", _Box([_Line(f"Records screened {_n(c.screened)}", bold=True)]), screening_sides),
        (
            "Screening",
            _Box([_Line(f"Reports sought for retrieval {_n(c.sought_for_retrieval)}", bold=True)]),
            [_Box([_Line(f"Reports not retrieved {_n(c.not_retrieved)}", bold=True)])],
        ),
        (
            "Screening",
            _Box([_Line(f"Reports assessed for eligibility {_n(c.assessed_full_text)}", bold=True)]),
            eligibility_sides,
        ),
        (
            "Included",
            _Box([_Line(f"Studies included in review {_n(c.included)}", bold=True)], emphasis=True),
            [],
        ),
    ]


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: float = FONT_SIZE,
    bold: bool = False,
    fill: str = INK,
    anchor: str = "start",
    extra: str = "",
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}"{weight} fill="{fill}" '
        f'text-anchor="{anchor}"{extra}>{escape(content.replace(NBSP, " "))}</text>'
    )


def _draw_box(box: _Box) -> list[str]:
    stroke = ACCENT
    dash = ' stroke-dasharray="7 5"' if box.dashed else ""
    fill = "#eef4fb" if box.emphasis else "#ffffff"
    width = 3 if box.emphasis else 2
    out = [
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}" height="{box.height:.1f}" rx="6" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>'
    ]
    y = box.y + PADDING_Y + FONT_SIZE
    for text, offset, bold in box.wrapped:
        out.append(_text(box.x + PADDING_X + offset, y, text, bold=bold, fill=MUTED if box.dashed else INK))
        y += LINE_HEIGHT
    return out


def _arrow(x1: float, y1: float, x2: float, y2: float) -> str:
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{INK}" '
        'stroke-width="2" marker-end="url(#arrow)"/>'
    )


def render_prisma_svg(counts: PrismaCounts | Mapping[str, object], *, title: str | None = None) -> str:
    """The PRISMA 2020-style flow diagram as a standalone SVG document (a string).

    Boxes: records identified per database; duplicates removed (automatic / by a reviewer); records
    screened and excluded (by reviewers / automation); reports sought and not retrieved; reports
    assessed and excluded with their reasons; studies included. Records still awaiting a decision
    get dashed boxes. All user text (database names, reasons, `title`) is XML-escaped.
    `counts` may also be a `PrismaCounts.to_dict()` object (e.g. read back from JSON).
    """
    c = counts if isinstance(counts, PrismaCounts) else PrismaCounts.from_dict(counts)
    margin, stage_w, gap = 24, 46, 22
    main_x, main_w = margin + stage_w + gap, 430
    side_x = main_x + main_w + 64
    side_w = 450
    total_w = side_x + side_w + margin
    row_gap, side_gap = 44, 16

    parts: list[str] = []
    y: float = margin
    if title:
        for line in wrap_text(title, total_w - 2 * margin, 26, True):
            parts.append(_text(total_w / 2, y + 26, line, size=26, bold=True, anchor="middle"))
            y += 34
        y += 12
    header = "Identification of studies via databases and registers"
    header_h = 48
    parts.append(
        f'<rect x="{main_x}" y="{y}" width="{side_x + side_w - main_x}" height="{header_h}" rx="6" '
        f'fill="{HEADER_FILL}" stroke="{ACCENT}" stroke-width="2"/>'
    )
    parts.append(
        _text(
            (main_x + side_x + side_w) / 2, y + header_h / 2 + 7, header, size=19, bold=True, anchor="middle"
        )
    )
    y += header_h + 26

    stage_spans: list[tuple[str, float, float]] = []
    previous_main: _Box | None = None
    rows = _rows(c)
    row_stages = [stage for stage, _, _ in rows]
    for stage, main, sides in rows:
        main.layout(main_w)
        for side in sides:
            side.layout(side_w)
        stack_h = sum(s.height for s in sides) + side_gap * max(len(sides) - 1, 0)
        row_h = max(main.height, stack_h)
        if row_stages.count(stage) == 1:  # the rotated stage label must fit its bar
            row_h = max(row_h, text_width(stage, 19, True) + 32)
        top = y
        main.x, main.y = main_x, top + (row_h - main.height) / 2
        side_y = top + (row_h - stack_h) / 2
        for side in sides:
            side.x, side.y = side_x, side_y
            side_y += side.height + side_gap
        parts.extend(_draw_box(main))
        for side in sides:
            parts.extend(_draw_box(side))
        mid = main.y + main.height / 2
        if len(sides) == 1:
            parts.append(_arrow(main_x + main_w, mid, side_x - 2, mid))
        elif sides:
            spine = main_x + main_w + 28
            centres = [s.y + s.height / 2 for s in sides]
            low, high = min([*centres, mid]), max([*centres, mid])
            parts.append(
                f'<line x1="{main_x + main_w:.1f}" y1="{mid:.1f}" x2="{spine:.1f}" y2="{mid:.1f}" '
                f'stroke="{INK}" stroke-width="2"/>'
            )
            parts.append(
                f'<line x1="{spine:.1f}" y1="{low:.1f}" x2="{spine:.1f}" y2="{high:.1f}" '
                f'stroke="{INK}" stroke-width="2"/>'
            )
            parts.extend(_arrow(spine, centre, side_x - 2, centre) for centre in centres)
        if previous_main is not None:
            parts.append(
                _arrow(
                    main_x + main_w / 2,
                    previous_main.y + previous_main.height,
                    main_x + main_w / 2,
                    main.y - 2,
                )
            )
        previous_main = main
        bottom = top + row_h
        if stage_spans and stage_spans[-1][0] == stage:
            stage_spans[-1] = (stage, stage_spans[-1][1], bottom)
        else:
            stage_spans.append((stage, top, bottom))
        y = bottom + row_gap

    for stage, top, bottom in stage_spans:
        parts.append(
            f'<rect x="{margin}" y="{top:.1f}" width="{stage_w}" height="{bottom - top:.1f}" rx="8" '
            f'fill="{STAGE_FILL}" stroke="{ACCENT}" stroke-width="1.5"/>'
        )
        cx, cy = margin + stage_w / 2, (top + bottom) / 2
        parts.append(
            _text(
                cx,
                cy + 7,
                stage,
                size=19,
                bold=True,
                fill=INK,
                anchor="middle",
                extra=f' transform="rotate(-90 {cx:.1f} {cy:.1f})"',
            )
        )

    total_h = y - row_gap + 16
    parts.append(
        _text(
            total_w - margin,
            total_h + 4,
            "Flow diagram after PRISMA 2020 (Page et al., BMJ 2021) and PRISMA-ScR",
            size=13,
            fill=MUTED,
            anchor="end",
        )
    )
    total_h += 20
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
        f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" font-family="{FONT_FAMILY}" role="img">',
        f"<title>{escape(title or 'PRISMA flow diagram')}</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        f'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="{INK}"/></marker></defs>',
        f'<rect x="0" y="0" width="{total_w:.0f}" height="{total_h:.0f}" fill="#ffffff"/>',
    ]
    return "\n".join([*head, *parts, "</svg>"]) + "\n"


def render_prisma_png(svg: str, scale: float = 2.0) -> bytes:
    """The SVG rendered to PNG bytes with vl-convert (a self-contained wheel: no system libraries).

    `scale` 2 gives a sharp image for slides.
    """
    try:
        import vl_convert
    except ImportError as exc:  # pragma: no cover - it is in requirements.txt
        raise RuntimeError(
            "PNG export needs the vl-convert-python package (pip install -r requirements.txt)"
        ) from exc
    png = vl_convert.svg_to_png(svg, scale=scale)
    return bytes(png)

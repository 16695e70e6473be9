"""Agreement between two coders' findings of one study (pure functions).

Matching rule: two findings (one per coder) are candidates when they share at least one theme,
or have the same type and share at least one level. Candidates are paired greedily by score
(2 per shared theme + 1 for the same type + 1 per shared level; ties by finding order), each
finding used at most once. Unpaired findings are reported as "only coder A / only coder B".

Over the matched pairs: proportion agreement on type (same type), level (same set of levels) and
theme (same set of themes), and Cohen's kappa on type (categories: the types) and on each
level/theme treated as present/absent per pair (pooled 2×2).

Characteristics (`field_agreement`): per field of the form, over the studies both coders charted
(each gave at least one characteristic) where at least one of them filled the field, the share
where the two values are the same (case and blanks aside; a multiple choice as a set; a number as
a number), and Cohen's kappa for single-choice fields, a blank counting as a category of its own.

>>> a = [Coded(1, "barrier", frozenset({"client"}), frozenset({"time"}))]
>>> b = [Coded(7, "barrier", frozenset({"client"}), frozenset({"time"}))]
>>> match_findings(a, b).pairs
[(1, 7)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Coded:
    id: int
    type: str
    levels: frozenset[str]
    themes: frozenset[str]


@dataclass
class Matching:
    pairs: list[tuple[int, int]] = field(default_factory=list)
    only_a: list[int] = field(default_factory=list)
    only_b: list[int] = field(default_factory=list)


def _score(a: Coded, b: Coded) -> int:
    shared_themes = len(a.themes & b.themes)
    shared_levels = len(a.levels & b.levels)
    if not shared_themes and not (a.type == b.type and shared_levels):
        return 0
    return 2 * shared_themes + (a.type == b.type) + shared_levels


def match_findings(coder_a: Sequence[Coded], coder_b: Sequence[Coded]) -> Matching:
    candidates = sorted(
        ((_score(a, b), i, j) for i, a in enumerate(coder_a) for j, b in enumerate(coder_b) if _score(a, b)),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    matching = Matching()
    for _, i, j in candidates:
        if i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
            matching.pairs.append((coder_a[i].id, coder_b[j].id))
    matching.pairs.sort()
    matching.only_a = [a.id for i, a in enumerate(coder_a) if i not in used_a]
    matching.only_b = [b.id for j, b in enumerate(coder_b) if j not in used_b]
    return matching


def cohen_kappa(labels: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa over (a, b) label pairs; None when undefined (no pairs, or chance agreement 1)."""
    n = len(labels)
    if not n:
        return None
    observed = sum(a == b for a, b in labels) / n
    count_a = Counter(a for a, _ in labels)
    count_b = Counter(b for _, b in labels)
    expected = sum(count_a[c] * count_b[c] for c in set(count_a) | set(count_b)) / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)


@dataclass(frozen=True)
class CodingAgreement:
    matched: int
    only_a: int
    only_b: int
    type_agreement: float | None
    level_agreement: float | None
    theme_agreement: float | None
    type_kappa: float | None
    level_kappa: float | None
    theme_kappa: float | None


def coding_agreement(coder_a: Sequence[Coded], coder_b: Sequence[Coded]) -> CodingAgreement:
    """Match the two coders' findings of one study, then `pair_agreement`."""
    matching = match_findings(coder_a, coder_b)
    by_a = {c.id: c for c in coder_a}
    by_b = {c.id: c for c in coder_b}
    pairs = [(by_a[i], by_b[j]) for i, j in matching.pairs]
    return pair_agreement(pairs, len(matching.only_a), len(matching.only_b))


def pair_agreement(pairs: Sequence[tuple[Coded, Coded]], only_a: int = 0, only_b: int = 0) -> CodingAgreement:
    """Agreement over matched pairs (pooled over studies for a project figure)."""

    def share(same: Sequence[bool]) -> float | None:
        return sum(same) / len(same) if same else None

    def presence(attribute: str) -> list[tuple[str, str]]:
        labels: list[tuple[str, str]] = []
        for a, b in pairs:
            codes_a, codes_b = getattr(a, attribute), getattr(b, attribute)
            for code in sorted(codes_a | codes_b):
                labels.append((str(code in codes_a), str(code in codes_b)))
        return labels

    return CodingAgreement(
        matched=len(pairs),
        only_a=only_a,
        only_b=only_b,
        type_agreement=share([a.type == b.type for a, b in pairs]),
        level_agreement=share([a.levels == b.levels for a, b in pairs]),
        theme_agreement=share([a.themes == b.themes for a, b in pairs]),
        type_kappa=cohen_kappa([(a.type, b.type) for a, b in pairs]),
        level_kappa=cohen_kappa(presence("levels")),
        theme_kappa=cohen_kappa(presence("themes")),
    )


# -- study characteristics ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldAgreement:
    key: str
    label: str
    field_type: str
    #: Studies both coders charted where at least one of them filled the field.
    n: int
    agreed: int
    agreement: float | None
    #: Cohen's kappa: single-choice fields only, None where undefined.
    kappa: float | None


def _normal(field_type: str, text: str) -> object:
    words = " ".join(text.split()).casefold()
    if field_type == "multiple":
        return frozenset(part.strip() for part in words.split(";") if part.strip())
    if field_type == "number":
        try:
            return float(words.replace(",", "."))
        except ValueError:
            return words
    return words


def field_agreement(key: str, label: str, field_type: str, values: Sequence[tuple[str, str]]) -> FieldAgreement:
    """Agreement on one field over (coder A's value, coder B's value) per study ("" = not filled).

    >>> field_agreement("design", "Design", "single", [("RCT", "rct"), ("RCT", "cohort"), ("", "")]).agreement
    0.5
    """
    filled = [(a, b) for a, b in values if a.strip() or b.strip()]
    same = [_normal(field_type, a) == _normal(field_type, b) for a, b in filled]
    kappa = (cohen_kappa([(str(_normal(field_type, a)), str(_normal(field_type, b))) for a, b in filled])
             if field_type == "single" else None)
    return FieldAgreement(key, label, field_type, len(filled), sum(same),
                          sum(same) / len(same) if same else None, kappa)

"""The mapping input: one coded finding of one included study, and the filter over findings.

`MapFinding` is plain data on purpose: the extraction step's consensus findings are adapted to it,
and everything in `review.mapping` is a pure function over a sequence of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

CharacteristicValue = str | tuple[str, ...]


@dataclass(frozen=True)
class MapFinding:
    """One finding: a study reports a barrier/facilitator/mechanism at some levels, on some themes."""

    study_id: int
    study_label: str
    title: str
    year: int | None
    type: str
    levels: tuple[str, ...]
    themes: tuple[str, ...]
    quote: str = ""
    page: str = ""
    characteristics: Mapping[str, CharacteristicValue] = field(default_factory=dict, hash=False)

    def characteristic(self, name: str) -> tuple[str, ...]:
        """The values of one study characteristic, always as a tuple (empty when not coded)."""
        value = self.characteristics.get(name)
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else tuple(value)


@dataclass(frozen=True)
class MapFilter:
    """What to keep. An empty or None criterion keeps everything.

    Levels and themes narrow a finding rather than only select it: a finding coded at the therapist
    and organisation levels, filtered to the therapist level, keeps only its therapist level, so the
    map never shows an organisation edge the filter asked to hide.
    """

    types: Collection[str] | None = None
    levels: Collection[str] | None = None
    themes: Collection[str] | None = None
    year_from: int | None = None
    year_to: int | None = None
    characteristics: Mapping[str, Collection[str]] = field(default_factory=dict, hash=False)


def _keep(values: tuple[str, ...], wanted: Collection[str] | None) -> tuple[str, ...]:
    if not wanted:
        return values
    return tuple(value for value in values if value in wanted)


def apply_filter(findings: Iterable[MapFinding], map_filter: MapFilter) -> list[MapFinding]:
    """The findings that pass `map_filter`, with levels and themes narrowed to the selected ones.

    >>> f = MapFinding(1, "A 2020", "T", 2020, "barrier", ("therapist", "client"), ("time",))
    >>> [x.levels for x in apply_filter([f], MapFilter(levels={"client"}))]
    [('client',)]
    >>> apply_filter([f], MapFilter(year_from=2021))
    []
    """
    kept: list[MapFinding] = []
    for finding in findings:
        if map_filter.types and finding.type not in map_filter.types:
            continue
        if map_filter.year_from is not None or map_filter.year_to is not None:
            if finding.year is None:
                continue
            if map_filter.year_from is not None and finding.year < map_filter.year_from:
                continue
            if map_filter.year_to is not None and finding.year > map_filter.year_to:
                continue
        if any(
            wanted and not set(finding.characteristic(name)) & set(wanted)
            for name, wanted in map_filter.characteristics.items()
        ):
            continue
        levels = _keep(finding.levels, map_filter.levels)
        themes = _keep(finding.themes, map_filter.themes)
        if (map_filter.levels and not levels) or (map_filter.themes and not themes):
            continue
        if levels != finding.levels or themes != finding.themes:
            finding = dataclasses.replace(finding, levels=levels, themes=themes)
        kept.append(finding)
    return kept

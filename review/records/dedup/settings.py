"""The thresholds of the deduplication pipeline, declared once, with a help text for each.

The app lists them (`describe_settings`) and lets the owner change them; everything else in
`review.records.dedup` reads them from a `DedupSettings` value and never hard-codes a threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any


def _setting(default: Any, help: str) -> Any:
    """A dataclass field with a default and the help text the app shows beside it."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class DedupSettings:
    """Thresholds for blocking, scoring and deciding. Similarities are between 0 and 1.

    >>> DedupSettings().title_auto
    0.93
    >>> DedupSettings(title_auto=0.95).title_auto
    0.95
    """

    # -- titles -------------------------------------------------------------------------------
    title_auto: float = _setting(
        0.93,
        "Title similarity (0-1, after normalising case, accents, punctuation, HTML and LaTeX) from "
        "which two titles count as the same. A title never merges on its own: other fields must agree.",
    )
    title_review: float = _setting(
        0.80,
        "Title similarity from which a pair is worth showing to a person; below it the titles "
        "disagree. Titles between this and the automatic threshold need stronger support "
        "(same pages and identifiers) to merge automatically.",
    )
    title_related: float = _setting(
        0.60,
        "Title similarity from which a pair whose authors (two or more), year and journal all agree "
        "is still shown to a person: a title reworded between online and print versions.",
    )
    generic_title_words: int = _setting(
        3,
        "A title with fewer words than this, not counting words such as 'the', 'of', 'to' "
        "('Editorial', 'Letter to the editor', 'Reply to the authors'), says little: such pairs "
        "need one more agreeing field, both to merge and to be shown.",
    )
    specific_title_words: int = _setting(
        5,
        "A title with at least this many words besides 'the', 'of', 'to'… is specific: when two "
        "meeting abstracts share it word for word, with the same authors and year, they are shown "
        "to a person even though journal, volume and pages differ (one abstract printed in two "
        "journals' supplements).",
    )
    # -- other fields -------------------------------------------------------------------------
    author_agree: float = _setting(
        0.80,
        "Author similarity (surnames, order and truncated lists tolerated) from which the author "
        "lists agree.",
    )
    author_conflict: float = _setting(
        0.50,
        "Author similarity below which the author lists contradict each other.",
    )
    journal_agree: float = _setting(
        0.75,
        "Journal similarity from which two journal names agree. Abbreviations are matched word by "
        "word ('J Clin Psychol' = 'Journal of Clinical Psychology'), so no lookup table is needed.",
    )
    journal_conflict: float = _setting(
        0.40,
        "Journal similarity below which two journal names contradict each other.",
    )
    abstract_agree: float = _setting(
        0.90,
        "Abstract similarity from which two abstracts agree. Abstracts never count against a match "
        "(databases shorten and restructure them).",
    )
    max_year_gap: int = _setting(
        1,
        "Largest gap in publication year that still allows an automatic merge (online-first and "
        "print years often differ by one). A larger gap sends the pair to review.",
    )
    # -- decision -----------------------------------------------------------------------------
    auto_min_support: int = _setting(
        2,
        "Automatic merge: besides a matching title, at least this many fields must agree (authors, "
        "year, journal, volume, issue, pages, DOI, PMID, abstract), less one for each that "
        "contradicts. Authors and year alone never suffice: the journal, a volume, page, "
        "identifier or the abstract must agree too.",
    )
    review_min_support: int = _setting(
        1,
        "Review: a pair with a similar title is shown to a person when the agreeing fields less the "
        "contradicting ones (one more for a short title) reach this number. A pair whose volume, "
        "issue and pages all differ is two publications, and falls below it.",
    )
    # -- blocking -----------------------------------------------------------------------------
    window: int = _setting(
        6,
        "Sorted neighbourhood: each record is compared with this many neighbours in each sort order "
        "(by title, by reversed title). Larger finds more typo-ridden duplicates, more slowly.",
    )
    max_block: int = _setting(
        40,
        "A blocking key shared by more records than this (a common surname and year, a generic "
        "title) is not compared all against all: only neighbours sorted by title are. Keeps the "
        "run time linear.",
    )

    def with_values(self, **changes: Any) -> DedupSettings:
        """A copy with some thresholds changed (checked by `validate`)."""
        changed = replace(self, **changes)
        changed.validate()
        return changed

    def validate(self) -> None:
        """ValueError when a threshold is out of range or the pairs of thresholds are inverted."""
        for name in (
            "title_auto",
            "title_review",
            "title_related",
            "author_agree",
            "author_conflict",
            "journal_agree",
            "journal_conflict",
            "abstract_agree",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if not self.title_related <= self.title_review <= self.title_auto:
            raise ValueError("title thresholds must rise: title_related <= title_review <= title_auto")
        if self.author_conflict > self.author_agree:
            raise ValueError("author_conflict must not be above author_agree")
        if self.journal_conflict > self.journal_agree:
            raise ValueError("journal_conflict must not be above journal_agree")
        for name in (
            "generic_title_words",
            "specific_title_words",
            "max_year_gap",
            "auto_min_support",
            "window",
            "max_block",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.auto_min_support < 1:
            raise ValueError("auto_min_support must be at least 1: a title alone never merges")
        if self.window < 1 or self.max_block < 2:
            raise ValueError("window must be at least 1 and max_block at least 2")

    def __post_init__(self) -> None:
        self.validate()


@dataclass(frozen=True)
class SettingInfo:
    """One threshold as the app shows it."""

    name: str
    default: Any
    value: Any
    help: str


def describe_settings(settings: DedupSettings | None = None) -> list[SettingInfo]:
    """Every threshold with its default, its current value and its help text, in declared order.

    >>> [s.name for s in describe_settings()][:2]
    ['title_auto', 'title_review']
    """
    current = settings or DedupSettings()
    return [
        SettingInfo(f.name, f.default, getattr(current, f.name), str(f.metadata.get("help", "")))
        for f in fields(DedupSettings)
    ]

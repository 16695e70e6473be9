"""Records for the deduplication tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from review.records.dedup import DedupSettings, PairScore, compare, normalise_record
from review.records.model import Record

SETTINGS = DedupSettings()


def article(**changes: Any) -> Record:
    """A complete journal article; keyword arguments replace fields."""
    base = Record(
        title="Routine outcome monitoring and feedback in psychotherapy: a randomised trial",
        abstract=(
            "Background: Routine outcome monitoring gives therapists feedback on the progress of "
            "their clients. Methods: We randomised 312 outpatients to feedback or usual care. "
            "Results: Feedback reduced deterioration. Conclusions: Monitoring helps."
        ),
        authors=["Lambert, Michael J.", "Whipple, Jason L.", "Kleinstauber, Maria"],
        year=2018,
        journal="Journal of Clinical Psychology",
        volume="74",
        issue="3",
        pages="347-360",
        doi="10.1002/jclp.22541",
        publication_type="Journal Article",
    )
    return replace(base, **changes)


def other_export(record: Record, **changes: Any) -> Record:
    """The same article as another database exports it: other case, abbreviated journal,
    initials, page range shortened, no abstract. Keyword arguments replace fields afterwards."""
    exported = replace(
        record,
        title=(record.title or "").upper().rstrip(".") + ".",
        authors=["Lambert MJ", "Whipple JL", "Kleinstäuber M"],
        journal="J Clin Psychol",
        pages="347-60",
        abstract=None,
    )
    return replace(exported, **changes)


def score(a: Record, b: Record, settings: DedupSettings = SETTINGS) -> PairScore | None:
    return compare(normalise_record(a, 0, 1), normalise_record(b, 1, 2), settings)

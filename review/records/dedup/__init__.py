"""Deduplication as pure functions over Records: normalise → block → score → decide → cluster.

Public API (stable; the store, the app page and the CLI call these):

* `find_duplicates(records, ids, settings, not_duplicates, progress, only_new=...)` -> `DedupResult`
* `merge_values(records)` -> the canonical `Record` of a cluster
* `DedupSettings` (thresholds, each with a default and a help text) and `describe_settings`
* `PairScore` (one compared pair, each field's score, decision, reasons) and `REASONS`

>>> from review.records.model import Record
>>> a = Record(title="Feedback in psychotherapy: a meta-analysis", authors=["Lambert, Michael J."],
...            year=2018, journal="Psychotherapy", volume="55", pages="520-537")
>>> b = Record(title="Feedback in Psychotherapy. A Meta-Analysis.", authors=["Lambert MJ"],
...            year=2018, journal="Psychotherapy (Chic)", volume="55", pages="520-37")
>>> find_duplicates([a, b], [1, 2]).clusters
[frozenset({1, 2})]
"""

from review.records.dedup.merge import merge_values
from review.records.dedup.normalise import NormRecord, normalise_record, normalise_text
from review.records.dedup.pairs import REASONS, SCORED_FIELDS, Decision, PairScore, compare
from review.records.dedup.pipeline import DedupResult, find_duplicates
from review.records.dedup.settings import DedupSettings, SettingInfo, describe_settings

__all__ = [
    "REASONS",
    "SCORED_FIELDS",
    "Decision",
    "DedupResult",
    "DedupSettings",
    "NormRecord",
    "PairScore",
    "SettingInfo",
    "compare",
    "describe_settings",
    "find_duplicates",
    "merge_values",
    "normalise_record",
    "normalise_text",
]

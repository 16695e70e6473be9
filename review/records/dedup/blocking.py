"""Blocking: the candidate pairs worth scoring, found without comparing all pairs.

Keys (each record may sit in several blocks):

* exact: DOI, PMID, normalised title (every variant, spaces removed), year + first author's
  surname, volume + first page;
* sorted neighbourhood: records sorted by title and by reversed title (so that a typo or an
  extra word at either end still leaves the duplicate near), each compared with the next
  `window` records.

A block larger than `max_block` (a common surname in one year, a generic title such as
'Editorial') is not expanded all against all: its records are sorted by title and only
neighbours within `window` are paired. The number of pairs therefore grows linearly with the
number of records. The pairs are built with numpy, a handful of vector operations per offset.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt

from review.records.dedup.normalise import NormRecord
from review.records.dedup.settings import DedupSettings

IndexArray = npt.NDArray[np.int64]


def blocking_keys(record: NormRecord) -> list[str]:
    """The exact-match keys of one record; a prefix keeps the kinds of key apart."""
    keys = ["t" + title.replace(" ", "") for title in record.titles]
    if record.doi:
        keys.append("d" + record.doi)
    if record.pmid:
        keys.append("p" + record.pmid)
    if record.year is not None and record.authors:
        keys.append(f"a{record.year}|{record.authors[0]}")
    if record.volume and record.page:
        keys.append(f"v{record.volume}|{record.page}")
    return keys


def _sort_key(record: NormRecord) -> tuple[str, str, int]:
    return (record.title, record.authors_key, record.year or 0)


def candidate_pairs(
    records: Sequence[NormRecord],
    settings: DedupSettings,
    only: Collection[int] | None = None,
) -> tuple[IndexArray, IndexArray]:
    """Every candidate pair as two aligned arrays of positions in `records` (left < right),
    without repeats, ordered.

    `records[k].index` must be `k`. With `only` (a collection of positions), pairs in which
    neither record is in `only` are left out: newly imported records are checked against each
    other and against the existing ones.
    """
    n = len(records)
    empty = np.empty(0, dtype=np.int64)
    if n < 2:
        return empty, empty
    window, max_block = settings.window, settings.max_block
    order = sorted(range(n), key=lambda index: _sort_key(records[index]))
    rank = np.empty(n, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(n, dtype=np.int64)

    lefts: list[IndexArray] = []
    rights: list[IndexArray] = []

    # Exact keys: entries sorted by key, then by title; pairs at each offset within a key.
    key_ids: dict[str, int] = {}
    entry_keys: list[int] = []
    entry_records: list[int] = []
    for record in records:
        for key in blocking_keys(record):
            entry_keys.append(key_ids.setdefault(key, len(key_ids)))
            entry_records.append(record.index)
    keys = np.asarray(entry_keys, dtype=np.int64)
    members = np.asarray(entry_records, dtype=np.int64)
    sizes = np.bincount(keys)[keys]
    shared = sizes >= 2
    keys, members, sizes = keys[shared], members[shared], sizes[shared]
    ordering = np.lexsort((rank[members], keys))
    keys, members, sizes = keys[ordering], members[ordering], sizes[ordering]
    for offset in range(1, max(max_block, window + 1)):
        if offset >= len(keys):
            break
        same = keys[offset:] == keys[:-offset]
        if offset > window:
            same &= sizes[offset:] <= max_block
        if not same.any():
            break
        lefts.append(members[:-offset][same])
        rights.append(members[offset:][same])

    # Sorted neighbourhood over every title variant, forwards and reversed.
    forwards: list[tuple[str, int]] = []
    backwards: list[tuple[str, int]] = []
    for record in records:
        for title in record.titles:
            forwards.append((title, record.index))
            backwards.append((title[::-1], record.index))
    for entries in (forwards, backwards):
        entries.sort()
        ordered = np.asarray([index for _, index in entries], dtype=np.int64)
        for offset in range(1, window + 1):
            if offset >= len(ordered):
                break
            lefts.append(ordered[:-offset])
            rights.append(ordered[offset:])

    if not lefts:
        return empty, empty
    left = np.concatenate(lefts)
    right = np.concatenate(rights)
    low, high = np.minimum(left, right), np.maximum(left, right)
    distinct = low != high
    codes = np.unique(low[distinct] * n + high[distinct])
    low, high = codes // n, codes % n
    if only is not None:
        new = np.zeros(n, dtype=bool)
        new[np.asarray(list(only), dtype=np.int64)] = True
        keep = new[low] | new[high]
        low, high = low[keep], high[keep]
    return low, high

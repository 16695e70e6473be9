"""`merge_values`: the canonical record of a cluster, built from the most complete value of each
field. Pure: the input records are not changed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import TypeVar

from review.records.dedup.normalise import first_page, normalise_text, pre_title, words
from review.records.model import Record, normalise_doi

T = TypeVar("T")


def _present(values: Sequence[T | None]) -> list[T]:
    return [v for v in values if v is not None and v != "" and v != []]


def _most_common(values: Sequence[T | None], key: Callable[[T], object] = lambda v: v) -> T | None:
    """The most frequent present value (by `key`); ties go to the first seen."""
    present = _present(values)
    if not present:
        return None
    counts = Counter(key(v) for v in present)
    best = max(counts.values())
    return next(v for v in present if counts[key(v)] == best)


def _title_rank(title: str) -> tuple[bool, bool, int, int]:
    """Titles with more information rank higher: not a bracketed translation, not all capitals,
    more words once database tags are dropped, then the shorter raw text (no tags)."""
    stripped = title.strip()
    wrapped = stripped.startswith("[") and stripped.rstrip(". ").endswith("]")
    letters = [c for c in stripped if c.isalpha()]
    shouting = bool(letters) and all(c.isupper() for c in letters)
    return (not wrapped, not shouting, len(words(pre_title(stripped))), -len(stripped))


def _authors_rank(authors: list[str]) -> tuple[int, int]:
    """More authors first, then fuller names ('Lambert, Michael J.' over 'Lambert MJ')."""
    return (len(authors), sum(len(name) for name in authors))


def _union(lists: Sequence[list[str]]) -> list[str]:
    seen: set[str] = set()
    merged: list[str] = []
    for values in lists:
        for value in values or []:
            key = normalise_text(value)
            if value and key not in seen:
                seen.add(key)
                merged.append(value)
    return merged


def _join_distinct(values: Sequence[str | None]) -> str | None:
    distinct: list[str] = []
    for value in _present(values):
        for part in str(value).split(";"):
            part = part.strip()
            if part and part not in distinct:
                distinct.append(part)
    return "; ".join(distinct) or None


def merge_values(records: Sequence[Record]) -> Record:
    """One Record holding the best value of each field of `records` (a cluster of duplicates).

    Title: the one with most information (not a bracketed translation, not all capitals, most
    words). Abstract: the longest. Authors: the longest list, then the fullest names. Year, volume,
    issue, DOI, PMID, language, publication type: the most common present value. Journal: the
    longest name (full rather than abbreviated). Pages: the most common first page, written as the
    fullest range. Keywords: the union. ISSN and source databases: every distinct value.
    Provenance (source key, line, raw) comes from the first record.

    >>> merged = merge_values([Record(title="A trial", doi="10.1037/ccp0000123", keywords=["a"]),
    ...                        Record(title="A trial of X", abstract="Long", keywords=["b", "A"])])
    >>> merged.title, merged.doi, merged.abstract, merged.keywords
    ('A trial of X', '10.1037/ccp0000123', 'Long', ['a', 'b'])
    """
    if not records:
        raise ValueError("merge_values needs at least one record")
    first = records[0]
    titles = _present([r.title for r in records])
    abstracts = _present([r.abstract for r in records])
    author_lists: list[list[str]] = [r.authors for r in records if r.authors]
    best_authors: list[str] = max(author_lists, key=_authors_rank) if author_lists else []
    journals = _present([r.journal for r in records])
    page_values = _present([r.pages for r in records])
    common_page = _most_common(page_values, key=first_page)
    pages = (
        max((p for p in page_values if first_page(p) == first_page(common_page)), key=len)
        if common_page is not None
        else None
    )
    dois = [normalise_doi(r.doi) or r.doi for r in records]
    return Record(
        title=max(titles, key=_title_rank) if titles else None,
        abstract=max(abstracts, key=len) if abstracts else None,
        authors=list(best_authors),
        year=_most_common([r.year for r in records]),
        journal=max(journals, key=len) if journals else None,
        volume=_most_common([r.volume for r in records], key=lambda v: v.strip().lower()),
        issue=_most_common([r.issue for r in records], key=lambda v: v.strip().lower()),
        pages=pages,
        doi=_most_common(dois),
        pmid=_most_common([r.pmid for r in records], key=lambda v: v.strip()),
        isbn=_most_common([r.isbn for r in records]),
        issn=_join_distinct([r.issn for r in records]),
        url=next(iter(_present([r.url for r in records])), None),
        keywords=_union([r.keywords for r in records]),
        language=_most_common([r.language for r in records], key=lambda v: v.strip().lower()),
        publication_type=_most_common([r.publication_type for r in records]),
        source_key=first.source_key,
        source_line=first.source_line,
        source_database=_join_distinct([r.source_database for r in records]),
        raw=first.raw,
    )

"""The canonical Record that every reader produces and every step after import consumes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

#: Bibliographic fields, in the order exports and tables show them.
CANONICAL_FIELDS: tuple[str, ...] = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "isbn",
    "issn",
    "url",
    "keywords",
    "language",
    "publication_type",
)
#: Fields that hold a list of strings.
LIST_FIELDS: frozenset[str] = frozenset({"authors", "keywords"})
#: Provenance: where the record came from.
PROVENANCE_FIELDS: tuple[str, ...] = ("source_key", "source_line", "source_database", "raw")

_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:doi\.org/)|^doi:\s*", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"10\.\d{4,9}/\S+")
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")
_DIGIT = re.compile(r"\d")


@dataclass
class Record:
    """One bibliographic record, as read from one entry of one export.

    >>> Record(title="ROM", doi="https://doi.org/10.1037/A0022238").normalised().doi
    '10.1037/a0022238'
    """

    title: str | None = None
    abstract: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmid: str | None = None
    isbn: str | None = None
    issn: str | None = None
    url: str | None = None
    keywords: list[str] = field(default_factory=list)
    language: str | None = None
    publication_type: str | None = None
    # provenance
    source_key: str | None = None
    source_line: int | None = None
    source_database: str | None = None
    raw: str = ""

    def canonical(self) -> dict[str, Any]:
        """The bibliographic fields only, as a plain dict (provenance left out)."""
        return {name: getattr(self, name) for name in CANONICAL_FIELDS}

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def normalised(self) -> Record:
        """A copy with whitespace collapsed, empty values as None, DOI and year normalised."""
        current = self.__dict__
        # Missing fields (None) stay None without a call: a third of them on large imports.
        values: dict[str, Any] = {
            name: None if (value := current[name]) is None else clean_text(value)
            for name in _PLAIN_TEXT_FIELDS
        }
        for name in LIST_FIELDS:
            values[name] = [text for text in map(clean_text, current[name] or ()) if text]
        values["year"] = self.year if isinstance(self.year, int) else parse_year(self.year)
        values["doi"] = None if self.doi is None else normalise_doi(self.doi)
        values["abstract"] = None if self.abstract is None else clean_text(self.abstract, keep_newlines=True)
        # A shallow copy with the new values: `dataclasses.replace` re-runs __init__, a measured
        # tenth of the cost of normalising on large imports.
        normal = object.__new__(Record)
        normal.__dict__.update(self.__dict__)
        normal.__dict__.update(values)
        return normal


#: Fields cleaned as one line of text.
_PLAIN_TEXT_FIELDS: tuple[str, ...] = tuple(
    name for name in CANONICAL_FIELDS if name not in LIST_FIELDS and name not in {"year", "doi", "abstract"}
)


def clean_text(value: object, keep_newlines: bool = False) -> str | None:
    """Strip, collapse runs of white space; empty or whitespace-only becomes None.

    A value that reads "none" or "nan" is kept: it can be a real keyword or title word.

    >>> clean_text("  Routine   outcome\\n monitoring "), clean_text(" \\t")
    ('Routine outcome monitoring', None)
    """
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    # Fast path (imports of 50,000 records): printable text holds no white space but single ASCII
    # spaces (tabs, newlines, NBSP and other separators are not printable), so when it has no
    # double space and no space at either end it is clean already.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text or None
    if "\x00" in text:
        text = text.replace("\x00", "")
    if keep_newlines and "\n" in text:
        text = "\n".join(joined for line in text.splitlines() if (joined := " ".join(line.split())))
    else:
        text = " ".join(text.split())
    return text or None


def normalise_doi(value: object) -> str | None:
    """Lower case, no URL or `doi:` prefix; None when nothing DOI-like is there.

    >>> normalise_doi("http://dx.doi.org/10.1037/CCP0000123 ")
    '10.1037/ccp0000123'
    """
    text = clean_text(value)
    if not text:
        return None
    text = _DOI_PREFIX.sub("", text.strip())
    match = _DOI_SHAPE.search(text)
    if not match:
        return None
    return match.group(0).rstrip(".,;").lower()


def parse_year(value: object) -> int | None:
    """The first plausible four-digit year in a date-like value (`2019//`, `2019 Mar 4`)."""
    if value is None:
        return None
    if isinstance(value, int):
        return value if 1500 <= value <= 2199 else None
    match = _YEAR.search(str(value))
    return int(match.group(1)) if match else None


def checked_year(value: str) -> tuple[int | None, str | None]:
    """A year value read strictly: digits with no plausible year in them are a Problem.

    Words alone ("In press", "n.d.") leave the year missing without complaint.

    >>> checked_year("2019//"), checked_year("in press"), checked_year("10 15")
    ((2019, None), (None, None), (None, "year '10 15' is not a year"))
    """
    year = parse_year(value)
    if year is None and _DIGIT.search(value):
        return None, f"year {value.strip()!r} is not a year"
    return year, None

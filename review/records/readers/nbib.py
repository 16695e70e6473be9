"""PubMed/MEDLINE ("nbib", PubMed's "Save → PubMed format", `.nbib` or `.txt`).

Tags are up to four characters, padded, then `- ` (`PMID- 12345`, `TI  - title`); continuation
lines start with six spaces; records are separated by blank lines and start with `PMID-`. The
tables below map tags to canonical fields; a block of lines with no `PMID` line (a garbled or
cut file) becomes a Problem.

>>> text = b"PMID- 1\\nTI  - Collecting client\\n      feedback.\\nDP  - 2011 Mar\\nPG  - 72-9\\n"
>>> record = READER.read(SourceFile("x.nbib", text)).records[0]
>>> record.title, record.year, record.pages, record.source_key
('Collecting client feedback.', 2011, '72-79', '1')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from review.records.model import Record
from review.records.readers.base import Problem, ReadResult, SourceFile, decode
from review.records.readers.ris import checked_year, expand_page_range

#: Canonical field → MEDLINE tags that hold it, best first: the first tag with a value wins.
FIELD_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("TI", "BTI", "TT"),
    "abstract": ("AB",),
    # Full journal title before the abbreviation.
    "journal": ("JT", "TA"),
    "volume": ("VI",),
    "issue": ("IP",),
    "pages": ("PG",),
    "pmid": ("PMID",),
    "isbn": ("ISBN",),
    "issn": ("IS",),
    "language": ("LA",),
    "publication_type": ("PT",),
}
#: Authors: full names (`FAU`, "Lambert, Michael J") when there are any, else the short ones
#: (`AU`, "Lambert MJ"); collective names (`CN`) are authors too, kept whole.
AUTHOR_TAG_CHOICES: tuple[tuple[str, ...], ...] = (("FAU", "CN"), ("AU", "CN"))
#: Keywords: MeSH headings and other terms, with MeSH's major-topic stars removed.
KEYWORD_TAGS: tuple[str, ...] = ("MH", "OT")
YEAR_TAGS: tuple[str, ...] = ("DP",)
#: Article ids carrying a DOI: `10.7554/eLife.32822 [doi]` (`[pii]` and others are ignored).
DOI_TAGS: tuple[str, ...] = ("LID", "AID")
DOI_SUFFIX = "[doi]"
SOURCE_DATABASE = "PubMed"

_TAG_LINE = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,3}- ?(.*)")
_PMID_LINE = re.compile(r"^\ufeff?PMID- ", re.MULTILINE)
_ISSN_SUFFIX = re.compile(r"\s*\([^)]*\)\s*$")
_SAMPLE_BYTES = 8192


@dataclass(frozen=True)
class NbibReader:
    """Reads PubMed/MEDLINE exports."""

    name: str = "nbib"
    label: str = "PubMed/MEDLINE"

    def detect(self, source: SourceFile) -> bool:
        """The first line with text starts with `PMID- `, or a `PMID- ` line comes before any RIS `TY`."""
        sample = decode(source.data[:_SAMPLE_BYTES])
        first = next((line for line in sample.split("\n") if line.strip()), "")
        if first.startswith("PMID- "):
            return True
        pmid = _PMID_LINE.search(sample)
        return pmid is not None and "\nTY  - " not in sample[: pmid.start()]

    def read(self, source: SourceFile) -> ReadResult:
        """Every block of the file as a Record, or as a Problem when it has no PMID."""
        lines = source.text.split("\n")
        records: list[Record] = []
        problems: list[Problem] = []
        for start, end in blocks(lines):
            built = build_record(lines, start, end)
            if isinstance(built, Problem):
                problems.append(built)
            else:
                records.append(built)
        database = SOURCE_DATABASE if records else None
        return ReadResult(self.name, records, problems, database)


READER = NbibReader()


def blocks(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line indexes of each record: runs of non-blank lines, split again at `PMID-`."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for index, line in enumerate(lines):
        if not line.strip():
            if start is not None:
                spans.append((start, index - 1))
                start = None
        elif start is None:
            start = index
        elif line.startswith("PMID-"):
            spans.append((start, index - 1))
            start = index
    if start is not None:
        spans.append((start, len(lines) - 1))
    return spans


def parse_tags(lines: list[str]) -> list[tuple[str, str]]:
    """(tag, value) pairs in file order; indented lines continue the value above them."""
    pairs: list[tuple[str, str]] = []
    for line in lines:
        match = None if line[:1].isspace() else _TAG_LINE.fullmatch(line.rstrip().lstrip("\ufeff"))
        if match:
            pairs.append((match.group(1), match.group(2).strip()))
        elif pairs and line.strip():
            tag, value = pairs[-1]
            pairs[-1] = (tag, f"{value} {line.strip()}".strip())
    return pairs


def build_record(lines: list[str], start: int, end: int) -> Record | Problem:
    """The Record of the lines start..end (0-based, inclusive), or the Problem that keeps it out."""
    line = start + 1
    pairs = parse_tags(lines[start : end + 1])
    tags: dict[str, list[str]] = {}
    for tag, value in pairs:
        tags.setdefault(tag, []).append(value)
    text = {name: first(tags, names) for name, names in FIELD_TAGS.items()}
    if not text["pmid"]:
        return Problem(
            line,
            "record starting here has no PMID line: the file looks cut or garbled "
            "(PubMed records start with 'PMID- ')",
        )
    date = first(tags, YEAR_TAGS)
    year, reason = checked_year(date) if date else (None, None)
    if reason:
        return Problem(line, reason)
    return Record(
        title=text["title"],
        abstract=text["abstract"],
        authors=authors_of(pairs),
        year=year,
        journal=text["journal"],
        volume=text["volume"],
        issue=text["issue"],
        pages=expand_page_range(text["pages"]) if text["pages"] else None,
        doi=doi_of(tags),
        pmid=text["pmid"],
        isbn=text["isbn"],
        issn=_ISSN_SUFFIX.sub("", text["issn"]) if text["issn"] else None,
        keywords=[value.replace("*", "") for tag in KEYWORD_TAGS for value in tags.get(tag, ()) if value],
        language=text["language"],
        publication_type=text["publication_type"],
        source_key=text["pmid"],
        source_line=line,
        source_database=SOURCE_DATABASE,
        raw="\n".join(lines[start : end + 1]),
    )


def first(tags: dict[str, list[str]], names: tuple[str, ...]) -> str | None:
    """The first non-empty value of the first of `names` that has one."""
    for name in names:
        for value in tags.get(name, ()):
            if value:
                return value
    return None


def authors_of(pairs: list[tuple[str, str]]) -> list[str]:
    """Authors in file order from the first tag choice that has any personal names."""
    for choice in AUTHOR_TAG_CHOICES:
        names = [value for tag, value in pairs if tag in choice and value]
        if any(tag == choice[0] for tag, _ in pairs):
            return names
    return [value for tag, value in pairs if tag == "CN" and value]


def doi_of(tags: dict[str, list[str]]) -> str | None:
    """The DOI from the first `LID`/`AID` value marked `[doi]`."""
    for name in DOI_TAGS:
        for value in tags.get(name, ()):
            if value.lower().endswith(DOI_SUFFIX):
                return value[: -len(DOI_SUFFIX)].strip() or None
    return None

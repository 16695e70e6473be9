"""Web of Science exports: "Plain text" (tagged) and "Tab-delimited" (UTF-8 or UTF-16).

Plain text: a header (`FN Clarivate Analytics Web of Science`, `VR 1.0`), records from `PT J` to
`ER`, and `EF` at the end; a two-character tag, one space, the value; continuation lines start
with three spaces. Tab-delimited: a header row of the same two-letter tags (`PT<TAB>AU<TAB>…`),
one row per record, several values in one cell separated by `; `. Both layouts go through the
same tables, so the same export gives the same records whichever layout was chosen.

>>> text = b"FN Clarivate\\nVR 1.0\\nPT J\\nTI A long\\n   title\\nPY 2004\\nUT WOS:1\\nER\\nEF\\n"
>>> record = READER.read(SourceFile("savedrecs.txt", text)).records[0]
>>> record.title, record.year, record.source_key, record.source_line
('A long title', 2004, 'WOS:1', 3)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from review.records.model import Record, parse_year
from review.records.readers.base import Problem, ReadResult, SourceFile, decode
from review.records.readers.ris import checked_year, common_database, pages_of

#: Canonical field → WoS tags that hold it, best first: the first tag with a value wins.
FIELD_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("TI",),
    "abstract": ("AB",),
    # Full source title before the 29-character and ISO abbreviations.
    "journal": ("SO", "JI", "J9"),
    "volume": ("VL",),
    "issue": ("IS",),
    "doi": ("DI", "D2"),
    "pmid": ("PM",),
    "isbn": ("BN",),
    "issn": ("SN", "EI"),
    "language": ("LA",),
    "publication_type": ("DT", "PT"),
    "source_key": ("UT",),
}
#: Authors: full names (`AF`) when there are any, else the short ones (`AU`); group authors
#: (`CA`) are added whole.
AUTHOR_TAG_CHOICES: tuple[tuple[str, ...], ...] = (("AF", "CA"), ("AU", "CA"))
#: Author keywords and Keywords Plus, `;`-separated.
KEYWORD_TAGS: tuple[str, ...] = ("DE", "ID")
#: Publication year; early-access records have no PY, only an early-access date (`EA`).
YEAR_TAGS: tuple[str, ...] = ("PY",)
DATE_TAGS: tuple[str, ...] = ("EA",)
#: Begin and end page; the article number stands in when there is no begin page.
PAGE_TAGS: tuple[str, str] = ("BP", "EP")
ARTICLE_NUMBER_TAGS: tuple[str, ...] = ("AR",)
#: Tags holding one item per line (plain text) or per `;` (tab-delimited).
ITEM_TAGS: frozenset[str] = frozenset({"AU", "AF", "BA", "BF", "CA", "GP", "BE", "CR"})
#: File header and trailer tags of the plain-text layout.
FILE_TAGS: frozenset[str] = frozenset({"FN", "VR", "EF"})
SOURCE_DATABASE = "Web of Science"

_TAB_HEADER = re.compile(r"^\ufeff?PT\t")
_END_LINE = re.compile(r"^ER\s*$", re.MULTILINE)
_PLAIN_TAG = re.compile(r"[A-Z][A-Z0-9]")
_SAMPLE_BYTES = 8192


@dataclass(frozen=True)
class WosReader:
    """Reads Web of Science plain-text and tab-delimited exports."""

    name: str = "wos"
    label: str = "Web of Science"

    def detect(self, source: SourceFile) -> bool:
        """`FN `/`VR 1.0` header, or `PT ` with an `ER` line later, or a `PT<TAB>` header row."""
        sample = decode(source.data[:_SAMPLE_BYTES])
        return is_tab_delimited(sample) or is_plain_text(sample)

    def read(self, source: SourceFile) -> ReadResult:
        """Every record of the file as a Record, or as a Problem when it cannot be read."""
        text = source.text
        if is_tab_delimited(text[:_SAMPLE_BYTES]):
            records, problems = read_tab_delimited(text)
        else:
            records, problems = read_plain_text(text)
        return ReadResult(self.name, records, problems, common_database(records))


READER = WosReader()


def is_tab_delimited(sample: str) -> bool:
    """The first line is a header row of WoS tags: `PT<TAB>…` with a TI or AU column."""
    header = sample.split("\n", 1)[0]
    return bool(_TAB_HEADER.match(header)) and ("\tTI\t" in header or "\tAU\t" in header)


def is_plain_text(sample: str) -> bool:
    """The first line with text is `FN …` or `VR …`, or `PT …` with an `ER` line after it."""
    first = next((line.lstrip("\ufeff") for line in sample.split("\n") if line.strip()), "")
    if first.startswith(("FN ", "VR 1.0")):
        return True
    return first.startswith("PT ") and _END_LINE.search(sample) is not None


def read_plain_text(text: str) -> tuple[list[Record], list[Problem]]:
    """Records from `PT` to `ER`; a record cut off before its `ER` is a Problem."""
    lines = text.split("\n")
    records: list[Record] = []
    entries, problems = plain_entries(lines)
    for start, end, tags in entries:
        records_or_problem(records, problems, tags, start + 1, "\n".join(lines[start : end + 1]))
    problems.sort(key=lambda problem: problem.line or 0)
    return records, problems


def plain_entries(lines: list[str]) -> tuple[list[tuple[int, int, dict[str, list[str]]]], list[Problem]]:
    """(first line, last line, tag values) of each `PT`…`ER` record, 0-based, and Problems.

    A continuation line (three spaces) is another item for author-like tags and more text for
    the others; lines outside records (`FN`, `VR`, `EF`, blank lines) are skipped.
    """
    entries: list[tuple[int, int, dict[str, list[str]]]] = []
    problems: list[Problem] = []
    start: int | None = None
    tags: dict[str, list[str]] = {}
    last_tag: str | None = None
    for index, line in enumerate(lines):
        tag = line[:2]
        if tag == "PT" and line[2:3] == " ":
            if start is not None:
                problems.append(
                    Problem(
                        start + 1,
                        f"record starting here has no ER line before the next record starts on line "
                        f"{index + 1}: the file looks damaged",
                    )
                )
            start, tags, last_tag = index, {}, None
        if start is None:
            continue
        if tag == "  ":
            value = line.strip()
            if last_tag is not None and value:
                values = tags[last_tag]
                if last_tag in ITEM_TAGS:
                    values.append(value)
                else:
                    values[-1] = f"{values[-1]} {value}".strip()
        elif tag == "ER" and not line[2:].strip():
            entries.append((start, index, tags))
            start, last_tag = None, None
        elif _PLAIN_TAG.fullmatch(tag) and line[2:3] in (" ", "") and tag not in FILE_TAGS:
            last_tag = tag
            tags.setdefault(tag, []).append(line[3:].strip())
    if start is not None:
        problems.append(Problem(start + 1, "record starting here has no ER line: the file looks truncated"))
    return entries, problems


def read_tab_delimited(text: str) -> tuple[list[Record], list[Problem]]:
    """One record per row after the header row; a row's line number is its line in the file."""
    lines = text.split("\n")
    header = [name.strip().lstrip("\ufeff") for name in lines[0].split("\t")]
    records: list[Record] = []
    problems: list[Problem] = []
    for index, row in enumerate(lines[1:], start=2):
        if not row.strip():
            continue
        cells = row.split("\t")
        tags: dict[str, list[str]] = {}
        for name, cell in zip(header, cells, strict=False):
            value = cell.strip()
            if not name or not value:
                continue
            tags[name] = [part.strip() for part in value.split(";")] if name in ITEM_TAGS else [value]
        records_or_problem(records, problems, tags, index, row)
    return records, problems


def records_or_problem(
    records: list[Record], problems: list[Problem], tags: dict[str, list[str]], line: int, raw: str
) -> None:
    """Append the record built from `tags`, or the Problem that keeps it out."""
    built = build_record(tags, line, raw)
    if isinstance(built, Problem):
        problems.append(built)
    else:
        records.append(built)


def build_record(tags: dict[str, list[str]], line: int, raw: str) -> Record | Problem:
    """The Record of one WoS record's tag values, or the Problem that keeps it out."""
    if not any(value for values in tags.values() for value in values):
        return Problem(line, "record starting here is empty: none of its fields has a value")
    year_value = first(tags, YEAR_TAGS)
    if year_value:
        year, reason = checked_year(year_value)
        if reason:
            return Problem(line, reason)
    else:
        year = parse_year(first(tags, DATE_TAGS))
    text = {name: first(tags, names) for name, names in FIELD_TAGS.items()}
    pages = pages_of(first(tags, PAGE_TAGS[:1]), first(tags, PAGE_TAGS[1:]))
    return Record(
        title=text["title"],
        abstract=text["abstract"],
        authors=authors_of(tags),
        year=year,
        journal=text["journal"],
        volume=text["volume"],
        issue=text["issue"],
        pages=pages or first(tags, ARTICLE_NUMBER_TAGS),
        doi=text["doi"],
        pmid=text["pmid"],
        isbn=text["isbn"],
        issn=text["issn"],
        keywords=keywords_of(tags),
        language=text["language"],
        publication_type=text["publication_type"],
        source_key=text["source_key"],
        source_line=line,
        source_database=SOURCE_DATABASE,
        raw=raw,
    )


def first(tags: dict[str, list[str]], names: tuple[str, ...]) -> str | None:
    """The first non-empty value of the first of `names` that has one."""
    for name in names:
        for value in tags.get(name, ()):
            if value:
                return value
    return None


def authors_of(tags: dict[str, list[str]]) -> list[str]:
    """Full names when the record has any, else short names; group authors after them."""
    for choice in AUTHOR_TAG_CHOICES:
        if any(tags.get(choice[0], ())):
            return [value for tag in choice for value in tags.get(tag, ()) if value]
    return [value for value in tags.get("CA", ()) if value]


def keywords_of(tags: dict[str, list[str]]) -> list[str]:
    """Author keywords then Keywords Plus, split at `;` (plain text wraps them over lines)."""
    return [
        keyword.strip()
        for tag in KEYWORD_TAGS
        for value in tags.get(tag, ())
        for keyword in value.split(";")
        if keyword.strip()
    ]

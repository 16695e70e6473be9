"""RIS: the tagged format of EndNote, Zotero, Scopus, Embase, Ovid, ProQuest, Rayyan and many more.

A record runs from `TY  - ` to `ER  - `. One pass over the lines splits the text into entries (each
with its first line and its raw text) and collects tag values; the tables below then map tags to
the canonical fields. Differences between exports are data here, not code: synonyms are listed
in `FIELD_TAGS`, and a database's own tags (Embase keeps the PMID in `C5`) in `DATABASE_EXTRA_TAGS`.

What real exports do, and what this reader makes of it:

* a BOM in front of `TY` (at the start or in the middle), CRLF, `ER  -` with no trailing space,
  `TI - x` or `A1<TAB>- x` spacing: all read;
* text outside records (Ovid's `1.` lines and "Link to the Ovid Full Text", EndNote proxy headers
  "Record #1 of 2 / Provider: / Content:", tags after `ER`): ignored;
* untagged lines right under a tag continue it: another item for list tags (Rayyan puts one
  keyword a line under a single `KW`), more text otherwise (a wrapped abstract). After a blank
  line they are free text (Scopus' "Export Date: …" and "Article" lines) and never join the
  previous tag, so they cannot end up in a title;
* entries with no `TY` (tags up to an `ER`) are records too;
* a record with no `ER` (a truncated file), a year that is not a year (`PY  - 10 15`) and a
  record with no value at all become Problems, and the record is left out.

Large files can be read for import in two processes (`RisReader.parallel_min_records`, off by
default: on a two-core machine it measured slower, see `review.records.parallel`). No entry
refers to another, and the state of the reading loop right after an `ER` line is the state at
the start of a file, so the text is cut into chunks just after `ER` lines and each chunk is read
alone, knowing only the number of its first line. Line numbers (in records and in Problems) are
therefore those of the whole file; the one thing a chunk cannot know, how many entries came
before it, is added afterwards to the keys of records numbered by their position
(`join_chunks`), so the result is the same as a reading in one piece.

>>> result = READER.read(SourceFile("x.ris", b"1.\\nTY  - JOUR\\nTI  - ROM\\nPY  - 2019//\\nER  -\\n"))
>>> record = result.records[0]
>>> record.title, record.year, record.source_line, record.source_key
('ROM', 2019, 2, '1')
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain

from rispy import TAG_KEY_MAPPING

from review.memory import paused_gc
from review.records.model import Record, checked_year, normalise_doi, parse_year
from review.records.parallel import map_chunks
from review.records.readers.base import Problem, ReadResult, SourceFile, decode

#: Canonical field → the RIS tags that hold it, best first: the first tag with a value wins.
FIELD_TAGS: dict[str, tuple[str, ...]] = {
    "title": ("TI", "T1", "CT", "BT", "ST"),
    "abstract": ("AB", "N2"),
    # Full journal names before abbreviations (JA, J2).
    "journal": ("T2", "JF", "JO", "JA", "J2"),
    "volume": ("VL", "VO"),
    "issue": ("IS", "CP"),
    "language": ("LA",),
    "publication_type": ("TY",),
}
#: List fields: every value of every listed tag, tag by tag. A2 (editors) is not an author.
LIST_TAGS: dict[str, tuple[str, ...]] = {
    "authors": ("AU", "A1"),
    "keywords": ("KW",),
}
#: Tags whose untagged continuation lines are further items rather than more text.
ITEM_PER_LINE_TAGS: frozenset[str] = frozenset(
    {"AU", "A1", "A2", "A3", "A4", "KW", "UR", "L1", "L2", "L3", "L4", "SN"}
)
#: Year tags: a value with digits but no year in it is a Problem.
YEAR_TAGS: tuple[str, ...] = ("PY", "Y1")
#: Date tags, used when no year tag has a value; a bad value here just leaves the year missing.
DATE_TAGS: tuple[str, ...] = ("DA",)
#: Where the DOI is looked for, in order: DOI tags, tags that hold one only sometimes, URL tags.
DOI_TAGS: tuple[str, ...] = ("DO",)
DOI_SHAPED_TAGS: tuple[str, ...] = ("M3",)
DOI_URL_TAGS: tuple[str, ...] = ("UR", "L3", "L2")
#: Tags that may hold a PubMed link, which gives the PMID.
PUBMED_LINK_TAGS: tuple[str, ...] = ("UR", "L1", "L2", "L3", "L4")
URL_TAGS: tuple[str, ...] = ("UR",)
PAGE_TAGS: tuple[str, str] = ("SP", "EP")
SERIAL_TAGS: tuple[str, ...] = ("SN",)
#: The record's own id in its file, best first (else its 1-based number in the file).
KEY_TAGS: tuple[str, ...] = ("ID", "AN")
#: The database the export says it came from: name of database first, then provider.
DATABASE_TAGS: tuple[str, ...] = ("DB", "DP")
#: Spellings of database names seen in exports → the name ReviewMap shows.
DATABASE_NAMES: dict[str, str] = {
    "nlm": "PubMed",
    "pubmed": "PubMed",
    "medline": "MEDLINE",
    "scopus": "Scopus",
    "embase": "Embase",
    "web of science": "Web of Science",
    "ovid technologies": "Ovid",
}
#: Links to a database's own record page, in these tags, say where the record came from.
DATABASE_URL_TAGS: tuple[str, ...] = ("UR", "L2")
DATABASE_URLS: dict[str, str] = {
    r"scopus\.com/": "Scopus",
    r"embase\.com/": "Embase",
    r"ovidsp\.ovid\.com/|ovid\.com/ovidweb": "Ovid",
    r"proquest\.com/docview": "ProQuest",
    r"webofknowledge\.com|webofscience\.com|isiknowledge\.com": "Web of Science",
}
#: Accession number prefixes (in `AN`) that name the database.
DATABASE_ACCESSION_PREFIXES: dict[str, str] = {"WOS:": "Web of Science"}
#: Free text lines inside a record (or `N1` notes) that only one database writes.
DATABASE_TEXT_PREFIXES: dict[str, str] = {"Export Date:": "Scopus"}
#: A database's own tags, added after the general ones (a variant overrides data, not logic).
DATABASE_EXTRA_TAGS: dict[str, dict[str, tuple[str, ...]]] = {
    "PubMed": {"pmid": ("AN",)},
    "MEDLINE": {"pmid": ("AN",)},
    "Embase": {"pmid": ("C5",), "key": ("U2",)},
}
#: Page values that say there are no pages (Ovid splits "No Pagination Specified" over SP/EP).
NO_PAGES: frozenset[str] = frozenset({"no-specified", "no pagination specified", "no pagination", "n/a"})

#: RIS tags accepted with non-standard spacing (`TI - x`, `A1<TAB>- x`): rispy's tag list and every
#: tag named above. With the standard two spaces any two-character tag is read.
KNOWN_TAGS: frozenset[str] = frozenset(TAG_KEY_MAPPING).union(
    *FIELD_TAGS.values(),
    *LIST_TAGS.values(),
    ITEM_PER_LINE_TAGS,
    YEAR_TAGS,
    DATE_TAGS,
    DOI_TAGS,
    DOI_SHAPED_TAGS,
    DOI_URL_TAGS,
    PAGE_TAGS,
    SERIAL_TAGS,
    KEY_TAGS,
    DATABASE_TAGS,
    *(tags for extra in DATABASE_EXTRA_TAGS.values() for tags in extra.values()),
)

#: Every line: a standard tag line (tag, value) or anything else (the third group).
_LINE = re.compile(r"^(?:([A-Z][A-Z0-9])  -[ \t]?(.*)|(.*))$", re.MULTILINE)
_LOOSE_TAG_LINE = re.compile(r"([A-Z][A-Z0-9])[ \t]{1,2}-[ \t]?(.*)")
_TY_LINE = re.compile(r"^\ufeff?TY[ \t]{1,2}-", re.MULTILINE)
_DATABASE_URL = re.compile("|".join(f"({pattern})" for pattern in DATABASE_URLS), re.IGNORECASE)
_URL_DATABASES = tuple(DATABASE_URLS.values())
_DIGIT = re.compile(r"\d")
_PUBMED_LINK = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(\d+)", re.IGNORECASE)
_ISSN = re.compile(r"^(\d{4})-?(\d{3}[\dXx])$")
_ISBN = re.compile(r"^(?:\d[\s-]?){9}[\dXx]$|^(?:\d[\s-]?){12}\d$")
_SERIAL_SPLIT = re.compile(r"[,;]|\s+(?=\d)|\([^)]*\)")
_PAGE_RANGE = re.compile(r"^\s*([A-Za-z]*)(\d+)\s*[-–]\s*([A-Za-z]*)(\d+)\s*$")
_SAMPLE_BYTES = 8192
_CHUNK_CHARS = 1 << 18
#: Where a chunk for another process may end: after a standard `ER` line (see the module docstring).
_ER_LINE_START = "\nER  -"


@dataclass
class RisEntry:
    """One entry as split from the text: where it starts and ends, and its tag values."""

    start: int  # 0-based index of its first line
    has_type: bool
    end: int = -1  # 0-based index of its ER line
    number: int = 0  # 1-based number among the file's entries, counted when the entry ends
    fields: dict[str, list[str]] = field(default_factory=dict)
    free_text: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RisChunk:
    """A record-aligned piece of a file's text: the whole text, or a piece that starts at the
    file's start or right after an `ER` line and ends at the end of an `ER` line (or the file's)."""

    text: str
    #: 0-based index, in the whole file, of the chunk's first line.
    first_line: int = 0
    #: Normalise the records too (`Record.normalised`), so that a worker does that part as well.
    normalise: bool = False


@dataclass
class ChunkRead:
    """What one chunk gave: records and Problems located in the whole file, and the count that
    the next chunk's entry numbers continue from."""

    records: list[Record]
    problems: list[Problem]
    #: Entries counted in this chunk (`RisEntry.number` of its last one).
    entries: int = 0
    #: Positions in `records` whose `source_key` is the entry's number in this chunk (no ID/AN).
    numbered: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class RisReader:
    """Reads RIS exports; see the module docstring for the quirks it handles."""

    name: str = "ris"
    label: str = "RIS"
    #: `read_normalised` shares files of more records than this with a second process when a core
    #: is idle; None (the default): never. On the 2-core machine of bench/import_bench.py the
    #: second process made reading 50,000 records 20% slower, even with a third of the CPU idle
    #: (start-up, and pickling every record back); machines with more cores may gain.
    parallel_min_records: int | None = None
    #: About this many records per chunk handed between the two processes: small enough that
    #: neither waits long for the other's last chunk.
    chunk_records: int = 1_000

    def detect(self, source: SourceFile) -> bool:
        """A `TY  - ` line near the top, in a file that is not WoS tagged nor PubMed/MEDLINE."""
        sample = decode(source.data[:_SAMPLE_BYTES])
        return looks_like_ris(sample)

    def read(self, source: SourceFile) -> ReadResult:
        """Every entry of the file as a Record, or as a Problem when it cannot be read."""
        return self._result(join_chunks([read_chunk(RisChunk(source.text))]))

    def read_normalised(self, source: SourceFile) -> ReadResult:
        """`read`, with every record normalised: what an import needs.

        With `parallel_min_records` set, a larger file is read and normalised in chunks, shared
        with a second process when a core is idle (`review.records.parallel`); the result is
        the same.
        """
        text = source.text
        records = text.count(_ER_LINE_START) if self.parallel_min_records is not None else 0
        if self.parallel_min_records is None or records <= self.parallel_min_records:
            return self._result(join_chunks([read_chunk(RisChunk(text, normalise=True))]))
        pieces = max(2, records // max(1, self.chunk_records))
        return self._result(join_chunks(map_chunks(read_chunk, split_records(text, pieces, normalise=True))))

    def _result(self, read: ChunkRead) -> ReadResult:
        return ReadResult(self.name, read.records, read.problems, common_database(read.records))


READER = RisReader()


def looks_like_ris(sample: str) -> bool:
    """True when the text has a RIS `TY` line and does not start like WoS or PubMed/MEDLINE."""
    first = next((line.lstrip("\ufeff") for line in sample.split("\n") if line.strip()), "")
    if first.startswith(("FN ", "VR ", "PT ", "PMID-")):
        return False
    return _TY_LINE.search(sample) is not None


def split_records(text: str, pieces: int, normalise: bool = False) -> list[RisChunk]:
    """The text in about `pieces` chunks of about equal length, each ending with an `ER` line.

    Chunks are read alone (`read_chunk`) and joined (`join_chunks`) to the result of reading
    the text in one piece.

    >>> text = "TY  - A\\nER  -\\nTY  - B\\nER  -\\nTY  - C\\nER  -"
    >>> [(chunk.first_line, chunk.text) for chunk in split_records(text, 2)]
    [(0, 'TY  - A\\nER  -\\nTY  - B\\nER  -'), (4, 'TY  - C\\nER  -')]
    """
    chunks: list[RisChunk] = []
    start = 0
    first_line = 0
    for piece in range(1, pieces):
        found = text.find(_ER_LINE_START, max(start, len(text) * piece // pieces))
        end = text.find("\n", found + 1) if found >= 0 else -1
        if end < 0:
            break
        chunks.append(RisChunk(text[start:end], first_line, normalise))
        first_line += text.count("\n", start, end) + 1
        start = end + 1
    chunks.append(RisChunk(text[start:], first_line, normalise))
    return chunks


def read_chunk(chunk: RisChunk) -> ChunkRead:
    """Every entry of one chunk as a Record (normalised if asked) or a Problem, located in the file."""
    with paused_gc():
        lines = chunk.text.split("\n")
        records: list[Record] = []
        problems: list[Problem] = []
        numbered: list[int] = []
        entries = 0
        for entry in iter_entries(chunk.text, chunk.first_line):
            if isinstance(entry, Problem):
                problems.append(entry)
                continue
            entries = entry.number
            built = build_record(entry, lines, chunk.first_line)
            if isinstance(built, Problem):
                problems.append(built)
                continue
            if built.source_key is None:  # no ID/AN: its number in the file (join_chunks)
                built.source_key = str(entry.number)
                numbered.append(len(records))
            records.append(built.normalised() if chunk.normalise else built)
        # A chunk that is not the file's last ends with an `ER` line, which closes its last
        # entry: so the number of that entry is the chunk's count (a damaged entry, counted
        # without being yielded, is always followed by another that an `ER` closes).
        return ChunkRead(records, problems, entries, numbered)


def join_chunks(chunks: list[ChunkRead]) -> ChunkRead:
    """The reads of consecutive chunks as one read of the whole text: entry numbers (the keys
    of records without ID/AN) continue from the chunks before; Problems in line order."""
    joined = ChunkRead([], [])
    for chunk in chunks:
        for position in chunk.numbered:
            record = chunk.records[position]
            record.source_key = str(int(record.source_key or 0) + joined.entries)
            joined.numbered.append(len(joined.records) + position)
        joined.records += chunk.records
        joined.problems += chunk.problems
        joined.entries += chunk.entries
    joined.problems.sort(key=lambda problem: problem.line or 0)
    return joined


def iter_entries(text: str, first_line: int = 0) -> Iterator[RisEntry | Problem]:
    """One pass over the lines: entries ended by `ER`, and Problems for entries that never end.

    An entry starts at `TY`, or at any other tag outside a record (an entry with no `TY`). Such a
    TY-less start that meets a `TY` before an `ER` was stray text between records (Ovid writes a
    `NL` tag after `ER`) and is dropped without a Problem. A compiled regex splits every line into
    (tag, value) or untagged text in C; the loop only routes the pieces.

    `first_line` is the index of the text's first line in its file (a chunk: `split_records`):
    entries and Problems are located in the file. Entry numbers count from 1 within the text.
    """
    entry: RisEntry | None = None
    values: list[str] | None = None  # the values of the tag an untagged line would continue
    item_per_line = False
    count = 0
    index = first_line - 1
    for tag, value, other in tokenised_lines(text):
        index += 1
        if not tag:
            text_line = other.strip()
            if not text_line:
                values = None  # after a blank line, untagged text is free text, not a continuation
                continue
            loose = loose_tag(other)
            if loose is None:
                if values is not None:
                    if item_per_line:
                        values.append(text_line)
                    else:
                        values[-1] = f"{values[-1]}\n{text_line}" if values[-1] else text_line
                elif entry is not None:
                    entry.free_text.append(text_line)
                continue
            tag, value = loose
        if tag == "ER":
            if entry is not None:
                count += 1
                entry.end, entry.number = index, count
                yield entry
            entry, values = None, None
            continue
        if tag == "TY" or entry is None:
            if entry is not None and entry.has_type:
                count += 1
                yield Problem(
                    entry.start + 1,
                    f"record starting here has no ER line before the next record starts on line "
                    f"{index + 1}: the file looks damaged",
                )
            entry = RisEntry(index, tag == "TY")
        values = entry.fields.setdefault(tag, [])
        values.append(value.strip())
        item_per_line = tag in ITEM_PER_LINE_TAGS
    if entry is not None and entry.has_type:
        yield Problem(entry.start + 1, "record starting here has no ER line: the file looks truncated")


def tokenised_lines(text: str) -> Iterator[tuple[str, str, str]]:
    """(tag, value, "") or ("", "", text) for every line, tokenised by `_LINE` a chunk at a time.

    Chunks keep the lists of tuples short-lived: one list of a million tuples costs more in
    garbage collection than the tokenising itself. `chain` hands the tuples on in C (a
    generator's `yield from` cost a tenth of the time of `iter_entries`, measured).
    """
    return chain.from_iterable(_LINE.findall(text, start, end) for start, end in _line_spans(text))


def _line_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of pieces of about `_CHUNK_CHARS` characters, each ending at a line's end."""
    start = 0
    while True:
        end = text.find("\n", start + _CHUNK_CHARS)
        if end < 0:
            yield start, len(text)
            return
        yield start, end
        start = end + 1


def loose_tag(line: str) -> tuple[str, str] | None:
    """(tag, value) of a tag line written with a BOM or non-standard spacing, else None.

    >>> loose_tag("TI - A title"), loose_tag("\ufeffTY  - JOUR"), loose_tag("ER then more")
    (('TI', 'A title'), ('TY', 'JOUR'), None)
    """
    match = _LOOSE_TAG_LINE.fullmatch(line.lstrip("\ufeff").rstrip())
    if match is None or (match.group(1) not in KNOWN_TAGS and line.lstrip("\ufeff")[2:5] != "  -"):
        return None
    return match.group(1), match.group(2).strip()


def build_record(entry: RisEntry, lines: list[str], first_line: int = 0) -> Record | Problem:
    """The Record of one entry, or the Problem that keeps it out. `lines` are the lines of the
    text the entry was read from, whose first is line `first_line` of the file.

    `source_key` is None when the entry has no ID/AN; `read_chunk` then gives its number.
    """
    tags = entry.fields
    line = entry.start + 1
    if not any(map(any, tags.values())):
        return Problem(line, "record starting here is empty: none of its tags has a value")
    year, reason = year_of(tags)
    if reason:
        return Problem(line, reason)
    database = database_of(entry)
    extra = DATABASE_EXTRA_TAGS.get(database or "", {})
    text = {name: first(tags, names) for name, names in FIELD_TAGS.items()}
    issn, isbn = serial_numbers(every(tags, SERIAL_TAGS))
    return Record(
        title=text["title"],
        abstract=text["abstract"],
        authors=every(tags, LIST_TAGS["authors"]),
        year=year,
        journal=text["journal"],
        volume=text["volume"],
        issue=text["issue"],
        pages=pages_of(first(tags, PAGE_TAGS[:1]), first(tags, PAGE_TAGS[1:])),
        doi=doi_of(tags),
        pmid=pmid_of(tags, extra.get("pmid", ())),
        isbn=isbn,
        issn=issn,
        url=url_of(first(tags, URL_TAGS)),
        keywords=every(tags, LIST_TAGS["keywords"]),
        language=text["language"],
        publication_type=text["publication_type"],
        source_key=first(tags, KEY_TAGS + extra.get("key", ())),
        source_line=line,
        source_database=database,
        raw="\n".join(lines[entry.start - first_line : entry.end - first_line + 1]),
    )


def first(tags: dict[str, list[str]], names: tuple[str, ...]) -> str | None:
    """The first non-empty value of the first of `names` that has one."""
    for name in names:
        values = tags.get(name)
        if values:
            for value in values:
                if value:
                    return value
    return None


def every(tags: dict[str, list[str]], names: tuple[str, ...]) -> list[str]:
    """All non-empty values of all of `names`, tag by tag."""
    return [value for name in names for value in tags.get(name, ()) if value]


def year_of(tags: dict[str, list[str]]) -> tuple[int | None, str | None]:
    """The year and, when a year tag holds something that is not a year, the reason."""
    value = first(tags, YEAR_TAGS)
    if value is not None:
        return checked_year(value)
    date = first(tags, DATE_TAGS)
    return parse_year(date), None


def pages_of(start: str | None, end: str | None) -> str | None:
    """Start and end page as one range ("6-19"); a start page that holds a range is kept."""
    if not start and not end:
        return None
    joined = f"{start}-{end}" if start and end and not _PAGE_RANGE.match(start) else start or end or ""
    if joined.lower() in NO_PAGES or f"{start} {end}".lower() in NO_PAGES:
        return None
    return expand_page_range(joined)


def expand_page_range(pages: str) -> str:
    """Write out an abbreviated end page, as PubMed gives them: "72-9" → "72-79".

    >>> expand_page_range("72-9"), expand_page_range("1189-93"), expand_page_range("6-19")
    ('72-79', '1189-1193', '6-19')
    >>> expand_page_range("D561-5"), expand_page_range("e0815")
    ('D561-D565', 'e0815')
    """
    match = _PAGE_RANGE.match(pages)
    if not match:
        return pages
    prefix, begin, end_prefix, end = match.groups()
    if end_prefix and end_prefix != prefix:
        return pages
    if len(end) < len(begin):
        end = begin[: len(begin) - len(end)] + end
    return f"{prefix}{begin}-{prefix}{end}"


def doi_of(tags: dict[str, list[str]]) -> str | None:
    """The DOI as written (normalised later): `DO`, else a DOI-shaped `M3`, else a doi.org link."""
    for value in every(tags, DOI_TAGS) + every(tags, DOI_SHAPED_TAGS):
        if normalise_doi(value):
            return value
    for value in every(tags, DOI_URL_TAGS):
        if "doi.org/" in value.lower() and normalise_doi(value):
            return value
    return first(tags, DOI_TAGS)


def pmid_of(tags: dict[str, list[str]], names: tuple[str, ...]) -> str | None:
    """The PubMed id: from the tags this database keeps it in, when it is all digits, else from
    a PubMed link in any URL tag (Zotero and our own export write one), whatever the database."""
    value = first(tags, names)
    if value and value.isdigit():
        return value
    for link in every(tags, PUBMED_LINK_TAGS):
        match = _PUBMED_LINK.search(link)
        if match:
            return match.group(1)
    return None


def url_of(value: str | None) -> str | None:
    """The first URL of a `UR` value (some exports put several on one line, `;`-separated)."""
    if not value:
        return None
    return value.split(";")[0].strip() or None


def serial_numbers(values: list[str]) -> tuple[str | None, str | None]:
    """(ISSN, ISBN) from `SN` values such as "0894-9867, 0894-9867", "03064530 (ISSN)" or an ISBN.

    A value that is neither is kept as the ISBN, as written.
    """
    issn: str | None = None
    isbn: str | None = None
    for value in values:
        for part in _SERIAL_SPLIT.split(value):
            token = part.strip()
            issn_match = _ISSN.match(token)
            if issn_match and issn is None:
                issn = f"{issn_match.group(1)}-{issn_match.group(2).upper()}"
            elif _ISBN.match(token) and isbn is None:
                isbn = token
    if issn is None and isbn is None and values:
        isbn = values[0]
    return issn, isbn


def database_of(entry: RisEntry) -> str | None:
    """The database the record says it came from: DB/DP tags, record links, accession numbers."""
    tags = entry.fields
    named = first(tags, DATABASE_TAGS)
    if named:
        return DATABASE_NAMES.get(named.strip().lower(), named.strip())
    for url in every(tags, DATABASE_URL_TAGS):
        match = _DATABASE_URL.search(url)
        if match and match.lastindex:
            return _URL_DATABASES[match.lastindex - 1]
    for accession in tags.get("AN", ()):
        for prefix, database in DATABASE_ACCESSION_PREFIXES.items():
            if accession.startswith(prefix):
                return database
    for text in entry.free_text + tags.get("N1", []):
        for prefix, database in DATABASE_TEXT_PREFIXES.items():
            if text.startswith(prefix):
                return database
    return None


def common_database(records: list[Record]) -> str | None:
    """The source database when every record names the same one, else None."""
    databases = {record.source_database for record in records}
    return databases.pop() if len(databases) == 1 else None

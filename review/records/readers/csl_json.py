"""CSL-JSON reader: a JSON array of CSL items (or one item), as Zotero, Crossref, PubMed's
citation exporter, Manubot and pandoc write it.

>>> text = '[{"id": "b15", "type": "article-journal", "title": "ROM", "page": "6–19",'
>>> text += ' "author": [{"family": "Boswell", "given": "James F."}],'
>>> text += ' "issued": {"date-parts": [[2015, 1]]}, "container-title": ["Psychother Res"]}]'
>>> record = READER.read(SourceFile("refs.json", text.encode())).records[0]
>>> record.authors, record.year, record.journal, record.pages, record.source_line
(['Boswell, James F.'], 2015, 'Psychother Res', '6-19', 1)
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from review.records.model import Record, parse_year
from review.records.readers.base import BadInput, Problem, ReadResult, SourceFile, line_of

# --- mapping tables ------------------------------------------------------------------------

#: Canonical text field ← CSL variables, the first one present wins.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract",),
    "journal": ("container-title", "container-title-short", "journalAbbreviation"),
    "volume": ("volume",),
    "issue": ("issue",),
    "pages": ("page",),
    "doi": ("DOI",),
    "pmid": ("PMID",),
    "url": ("URL",),
    "language": ("language",),
    "publication_type": ("type",),
}
#: Fields that may hold several values (a list); all are kept, joined by "; ".
MULTI_FIELDS: dict[str, str] = {"isbn": "ISBN", "issn": "ISSN"}
#: Fields whose HTML-like markup (`<i>`, `<jats:p>`, `&amp;`) is removed.
MARKUP_FIELDS: frozenset[str] = frozenset({"title", "abstract", "journal"})
#: Date variables tried for the year, in order.
DATE_FIELDS: tuple[str, ...] = ("issued", "published-print", "published-online")
#: CSL name parts, in the order they make "Surname, Given".
SURNAME_PARTS: tuple[str, ...] = ("non-dropping-particle", "family")
GIVEN_PARTS: tuple[str, ...] = ("given", "dropping-particle")
#: Keys whose presence near the start of a JSON file says "CSL".
CSL_KEYS = re.compile(
    r'"(?:type|title|author|issued|container-title|DOI|URL|page|volume|issue|publisher|'
    r'editor|abstract|ISSN|ISBN|PMID|citation-key)"\s*:'
)

_NOTE_PMID = re.compile(r"^\s*PMID:\s*(\d+)", re.MULTILINE | re.IGNORECASE)
_BLOCK_TAG = re.compile(r"</?(?:jats:)?(?:p|sec|title|list-item|br)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>")
_DASHES = re.compile(r"\s*(?:--|\u2013|\u2014)\s*")
_KEYWORD_SEP = re.compile(r"[,;]")
_SAMPLE = 4096


@dataclass(frozen=True)
class CslJsonReader:
    """CSL-JSON reader (see the module docstring)."""

    name: str = "csl-json"
    label: str = "CSL-JSON"

    def detect(self, source: SourceFile) -> bool:
        """Starts with `[` or `{`, and CSL keys appear near the start (or the whole, small file
        is a list of empty or CSL-like objects, such as `[{}]`)."""
        text = source.text
        start = _skip(text, 0)
        if text[start : start + 1] not in ("[", "{"):
            return False
        if CSL_KEYS.search(text, start, start + _SAMPLE):
            return True
        if len(text) - start > _SAMPLE:
            return False
        try:
            data = json.loads(text)
        except ValueError:
            return False
        return isinstance(data, list) and all(_csl_like(item) for item in data)

    def read(self, source: SourceFile) -> ReadResult:
        """Every object in the array as a Record; anything else in it becomes a Problem.
        Invalid JSON refuses the whole file (BadInput, with the parser's line)."""
        records: list[Record] = []
        problems: list[Problem] = []
        for position, (item, start, end) in enumerate(_items(source), start=1):
            line = line_of(source.text, start)
            if not isinstance(item, dict):
                problems.append(Problem(line, f"item {position} is a JSON {_kind(item)}, not an object"))
                continue
            records.append(_record(item, position, line, source.text[start:end]))
        databases = {r.source_database for r in records}
        common = databases.pop() if len(databases) == 1 else None
        return ReadResult(self.name, records, problems, source_database=common)


READER = CslJsonReader()


def _csl_like(item: Any) -> bool:
    """An object that is empty or has at least one CSL key."""
    return isinstance(item, dict) and (not item or any(CSL_KEYS.match(f'"{key}":') for key in item))


# --- JSON walk -----------------------------------------------------------------------------


def _items(source: SourceFile) -> Iterator[tuple[Any, int, int]]:
    """Top-level items with the offsets where they start and end in the text."""
    text = source.text
    decoder = json.JSONDecoder()
    try:
        pos = _skip(text, 0)
        if text.startswith("[", pos):
            yield from _array_items(text, pos + 1, decoder)
            return
        item, end = decoder.raw_decode(text, pos)
        if _skip(text, end) != len(text):
            raise json.JSONDecodeError("Extra data after the item", text, _skip(text, end))
        yield item, pos, end
    except json.JSONDecodeError as error:
        raise BadInput(source.name, error.lineno, f"not valid JSON: {error.msg}") from error


def _array_items(text: str, pos: int, decoder: json.JSONDecoder) -> Iterator[tuple[Any, int, int]]:
    """The items of the top-level array whose `[` is just before `pos`."""
    pos = _skip(text, pos)
    if text.startswith("]", pos):
        pos += 1
    else:
        while True:
            item, end = decoder.raw_decode(text, pos)
            yield item, pos, end
            pos = _skip(text, end)
            if text.startswith(",", pos):
                pos = _skip(text, pos + 1)
            elif text.startswith("]", pos):
                pos += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' or ']' between items", text, pos)
    if _skip(text, pos) != len(text):
        raise json.JSONDecodeError("Extra data after the array", text, _skip(text, pos))


def _skip(text: str, pos: int) -> int:
    """Position of the next non-space character."""
    while pos < len(text) and text[pos] in " \t\n\r":
        pos += 1
    return pos


def _kind(value: Any) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(value), "number")


# --- values --------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A scalar as text; a list gives its first value (Crossref writes titles as lists)."""
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    if value is None or isinstance(value, (dict, list)):
        return None
    # A JSON string may spell NUL (\u0000); PostgreSQL cannot store it, and no field means it.
    return str(value).replace("\x00", "")


def _all_text(value: Any) -> str | None:
    """Every value of a scalar or list, joined by "; "."""
    values = value if isinstance(value, list) else [value]
    texts = [t for t in (_text(v) for v in values) if t]
    return "; ".join(dict.fromkeys(texts)) or None


def _plain(value: str | None) -> str | None:
    """Markup removed: block tags become line breaks, other tags vanish, entities decoded."""
    if value is None or ("<" not in value and "&" not in value):
        return value
    return html.unescape(_TAG.sub("", _BLOCK_TAG.sub("\n", value)))


def _author(person: Any) -> str | None:
    """`{family, given}` → "Surname, Given"; `{literal}` (organisations) kept whole."""
    if isinstance(person, str):
        return person
    if not isinstance(person, dict):
        return None
    literal = _text(person.get("literal"))
    if literal:
        return literal
    surname = " ".join(t for t in (_text(person.get(p)) for p in SURNAME_PARTS) if t)
    given = " ".join(t for t in (_text(person.get(p)) for p in GIVEN_PARTS) if t)
    suffix = _text(person.get("suffix"))
    parts = [p for p in (surname, given, suffix) if p]
    return ", ".join(parts) if surname else (given or None)


def _year(item: dict[str, Any]) -> int | None:
    """The year of the first date variable that has one (`date-parts`, `literal`, `raw`)."""
    for name in DATE_FIELDS:
        date = item.get(name)
        if isinstance(date, dict):
            year = _year_of_parts(date.get("date-parts"))
            year = year or parse_year(_text(date.get("literal")) or _text(date.get("raw")))
        else:
            year = parse_year(_text(date))
        if year:
            return year
    return None


def _year_of_parts(parts: Any) -> int | None:
    """`[[2018, 10, 21]]` → 2018; `[[]]`, `[[null]]` or a malformed value → None."""
    if not isinstance(parts, list) or not parts or not isinstance(parts[0], list):
        return None
    first = parts[0][0] if parts[0] else None
    return parse_year(first if isinstance(first, (int, str)) else None)


def _keywords(value: Any) -> list[str]:
    """`"a, b; c"` or `["a", "b"]` → a list."""
    values = value if isinstance(value, list) else [value]
    words: list[str] = []
    for text in (_text(v) for v in values):
        if text:
            words.extend(w.strip() for w in _KEYWORD_SEP.split(text) if w.strip())
    return words


def _pmid(item: dict[str, Any]) -> str | None:
    """`PMID`, else a `PMID: 123` line in `note`."""
    pmid = _text(item.get("PMID"))
    if pmid:
        return pmid
    match = _NOTE_PMID.search(_text(item.get("note")) or "")
    return match.group(1) if match else None


def _record(item: dict[str, Any], position: int, line: int, raw: str) -> Record:
    """The canonical Record for one CSL item."""
    values = {name: _first(item, sources) for name, sources in TEXT_FIELDS.items()}
    for name in MARKUP_FIELDS:
        values[name] = _plain(values[name])
    pages = values["pages"]
    values["pages"] = _DASHES.sub("-", pages) if pages else pages
    values["pmid"] = _pmid(item)
    values.update({name: _all_text(item.get(key)) for name, key in MULTI_FIELDS.items()})
    record = Record(
        authors=[a for a in (_author(p) for p in _list(item.get("author"))) if a],
        year=_year(item),
        keywords=_keywords(item.get("keyword")),
        source_key=_text(item.get("id")) or str(position),
        source_line=line,
        source_database=_text(item.get("source")),
        raw=raw,
    )
    for name, value in values.items():
        setattr(record, name, value)
    return record


def _first(item: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        text = _text(item.get(key))
        if text is not None and text.strip():
            return text
    return None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

"""BibTeX export that BibTeX, Biber, JabRef, Zotero and our own BibTeX reader read back as written.

* Entry type from `publication_type` in any vocabulary (`article` when unknown or empty).
* Key: the record's `source_key` when it is a valid BibTeX key not used before, else
  `surnameYEAR` from the first author (`boswell2015`, then `boswell2015a`, `boswell2015b`…).
* Text fields are LaTeX-escaped so that a LaTeX-decoding reader gets the same text back:
  `\\ { } % & # _ $ ~` are escaped, and `--`, ``` `` ```, `''`, ``!` `` and ``?` `` are broken
  up with `{}` so they do not turn into dashes or typographic quotes. Escaped braces (`\\{`) keep
  the entry's braces balanced for bibtexparser; BibTeX itself counts them, so a title with a
  lone `{` is only balanced for bibtexparser-based readers.
* Identifiers (DOI, URL, PMID, ISBN, ISSN) are written as they are (Biber reads them verbatim);
  braces in them are dropped.
* Authors: `Surname, Given` names as they are (`Surname, Given, Jr` as BibTeX's
  `Surname, Jr, Given`); a name without a comma (a corporate author, or `Liu R.`) in extra
  braces, so that BibTeX keeps it whole rather than splitting it into first and last name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from review.records.model import Record, clean_text

#: Publication types as other formats and databases name them → BibTeX entry type.
BIBTEX_TYPES: dict[str, str] = {
    "jour": "article",
    "ejour": "article",
    "journal article": "article",
    "journal": "article",
    "review": "article",
    "letter": "article",
    "editorial": "article",
    "note": "article",
    "erratum": "article",
    "article in press": "article",
    "j": "article",
    "book": "book",
    "b": "book",
    "edbook": "book",
    "ebook": "book",
    "chap": "incollection",
    "echap": "incollection",
    "book chapter": "incollection",
    "chapter": "incollection",
    "book section": "incollection",
    "cpaper": "inproceedings",
    "conference paper": "inproceedings",
    "proceedings paper": "inproceedings",
    "conference review": "inproceedings",
    "conf": "proceedings",
    "conference": "proceedings",
    "thes": "phdthesis",
    "thesis": "phdthesis",
    "dissertation": "phdthesis",
    "rprt": "techreport",
    "report": "techreport",
    "unpb": "unpublished",
    "preprint": "unpublished",
    "gen": "misc",
    "elec": "misc",
    "web page": "misc",
    "data": "misc",
}
#: BibTeX entry types (written as they are).
BIBTEX_ENTRY_TYPES: frozenset[str] = frozenset({
    "article", "book", "booklet", "inbook", "incollection", "inproceedings", "conference",
    "manual", "mastersthesis", "misc", "phdthesis", "proceedings", "techreport", "unpublished",
    "online", "report", "thesis", "dataset",
})  # fmt: skip
DEFAULT_TYPE = "article"
#: Entry types whose container is a `booktitle` rather than a `journal`.
BOOKTITLE_TYPES: frozenset[str] = frozenset({"incollection", "inproceedings", "inbook"})

_SPECIALS: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "$": r"\$",
    "~": r"\textasciitilde{}",
}
_SPECIAL = re.compile(r"[\\{}%&#_$~]")
_LIGATURE = re.compile(r"(?<=[!?])(?=`)|-(?=-)|`(?=`)|'(?=')")
_VALID_KEY = re.compile(r"[A-Za-z0-9][\w:.+/-]*", re.ASCII)
_AND = re.compile(r"\sand\s", re.IGNORECASE)
_SIMPLE_RANGE = re.compile(r"([^\s-]+)-([^\s-]+)")


def write_bibtex(records: Iterable[Record]) -> bytes:
    """Records as a UTF-8 BibTeX file."""
    records = list(records)
    keys = citation_keys(records)
    entries = (bibtex_entry(record, key) for record, key in zip(records, keys, strict=True))
    return "\n".join(entries).encode("utf-8")


def bibtex_entry(record: Record, key: str) -> str:
    """One record as a BibTeX entry with the given citation key."""
    entry_type = bibtex_type(record.publication_type)
    fields = "".join(f"  {name} = {{{value}}},\n" for name, value in _fields(record, entry_type))
    return f"@{entry_type}{{{key},\n{fields}}}\n"


def bibtex_type(publication_type: str | None) -> str:
    """The BibTeX entry type for a publication type in any vocabulary (`article` if unknown).

    >>> bibtex_type("JOUR"), bibtex_type("Conference Paper"), bibtex_type("book"), bibtex_type("")
    ('article', 'inproceedings', 'book', 'article')
    """
    text = (clean_text(publication_type) or "").lower()
    if text in BIBTEX_ENTRY_TYPES:
        return text
    return BIBTEX_TYPES.get(text, DEFAULT_TYPE)


def citation_keys(records: Sequence[Record]) -> list[str]:
    """A unique key per record: its valid, first-seen `source_key`, else `surnameYEAR[a-z]`."""
    keys: list[str | None] = []
    used: set[str] = set()
    for record in records:
        key = clean_text(record.source_key)
        if key is not None and _VALID_KEY.fullmatch(key) and key.lower() not in used:
            used.add(key.lower())
            keys.append(key)
        else:
            keys.append(None)
    return [key or _new_key(record, used) for key, record in zip(keys, records, strict=True)]


def _new_key(record: Record, used: set[str]) -> str:
    base = f"{_surname_key(record)}{record.year or 'nd'}"
    key, suffix = base, 0
    while key.lower() in used:
        key = f"{base}{_suffix(suffix)}"
        suffix += 1
    used.add(key.lower())
    return key


def _suffix(number: int) -> str:
    """a, b, … z, then 27, 28 …"""
    return chr(ord("a") + number) if number < 26 else str(number + 1)


def _surname_key(record: Record) -> str:
    """The first author's surname in ASCII letters and digits (`anon` when there is none)."""
    author = clean_text(record.authors[0]) if record.authors else None
    surname = (author or "").split(",")[0]
    ascii_text = unicodedata.normalize("NFKD", surname).encode("ascii", "ignore").decode()
    letters = re.sub(r"[^A-Za-z0-9]", "", ascii_text).lower()
    return letters[:30] or "anon"


def escape_latex(text: str) -> str:
    """Text as LaTeX that decodes back to the same text.

    >>> print(escape_latex("50% of {x} & y_1 -- ``z''"))
    50\\% of \\{x\\} \\& y\\_1 -{}- `{}`z'{}'
    """
    escaped = _SPECIAL.sub(lambda match: _SPECIALS[match.group()], text)
    return _LIGATURE.sub(lambda match: match.group() + "{}", escaped)


def _fields(record: Record, entry_type: str) -> Iterator[tuple[str, str]]:
    """(field name, value as written) for each non-empty field, in a conventional order."""
    container = "booktitle" if entry_type in BOOKTITLE_TYPES else "journal"
    names = bibtex_names(record.authors)
    text_fields = (
        ("title", clean_text(record.title)),
        ("author", names or None),
        ("year", str(record.year) if record.year is not None else None),
        (container, clean_text(record.journal)),
        ("volume", clean_text(record.volume)),
        ("number", clean_text(record.issue)),
    )
    for name, value in text_fields:
        if value is not None:
            yield name, value if name in {"author", "year"} else escape_latex(value)
    pages = _pages(record.pages)
    if pages is not None:
        yield "pages", pages
    for name in ("doi", "pmid", "isbn", "issn", "url"):
        literal = _literal(getattr(record, name))
        if literal is not None:
            yield name, literal
    keywords = [escape_latex(k) for k in (clean_text(k) for k in record.keywords) if k]
    if keywords:
        yield "keywords", ", ".join(keywords)
    for name in ("language", "abstract"):
        value = clean_text(getattr(record, name), keep_newlines=name == "abstract")
        if value is not None:
            yield name, escape_latex(value)


def bibtex_names(authors: Iterable[str]) -> str:
    """Authors joined with ` and `, each written so BibTeX parses it into the same name.

    >>> bibtex_names(["Boswell, J. F.", "World Health Organization", "King, M. L., Jr"])
    'Boswell, J. F. and {World Health Organization} and King, Jr, M. L.'
    """
    return " and ".join(n for n in (_bibtex_name(a) for a in authors) if n)


def _bibtex_name(author: str) -> str:
    name = clean_text(author)
    if name is None:
        return ""
    parts = [part.strip() for part in name.split(",")]
    if len(parts) < 2 or _AND.search(name) or not all(parts):
        return "{" + escape_latex(name) + "}"
    if len(parts) == 3:  # Surname, Given, Jr → BibTeX's Surname, Jr, Given
        parts = [parts[0], parts[2], parts[1]]
    if len(parts) > 3:
        return "{" + escape_latex(name) + "}"
    return ", ".join(escape_latex(part) for part in parts)


def _pages(pages: str | None) -> str | None:
    """`6-19` as `6--19`; anything else as it is (braces dropped)."""
    text = _literal(pages)
    if text is None:
        return None
    match = _SIMPLE_RANGE.fullmatch(text)
    return f"{match.group(1)}--{match.group(2)}" if match else text


def _literal(value: str | None) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    return clean_text(text.replace("{", "").replace("}", ""))

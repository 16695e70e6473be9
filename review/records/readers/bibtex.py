"""BibTeX and BibLaTeX (`.bib`) reader, on top of bibtexparser v2's splitter.

bibtexparser splits the file into blocks; everything after that is done here, because its
middlewares neither concatenate with `#` nor resolve `crossref`, and are slower than needed:

* `@string` macros and `#` concatenation are evaluated (`_evaluate`);
* `crossref` chains are resolved, BibLaTeX style (the parent's `title` becomes the child's
  `booktitle`); a cycle stops where it closes, a missing parent leaves the entry as it is;
* LaTeX is decoded to Unicode with pylatexenc, only for values that contain LaTeX, and never
  for identifiers (DOI, URL, ISBN, ISSN, PMID);
* a duplicated citation key is a second, legitimate entry and is imported;
* `@comment`, `@preamble`, `%` comments and `@set`/`@xdata` entries give no record.

>>> text = '@string{j = {Psychother. Res.}}\\n@article{b15, author = {Boswell, J. F. and '
>>> text += '{World Health Organization}}, journal = j, year = 2015, pages = {6--19}}'
>>> record = READER.read(SourceFile("refs.bib", text.encode())).records[0]
>>> record.authors, record.journal, record.year, record.pages
(['Boswell, J. F.', 'World Health Organization'], 'Psychother. Res.', 2015, '6-19')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

import bibtexparser
from bibtexparser.exceptions import BlockAbortedException
from bibtexparser.model import (
    Block,
    DuplicateBlockKeyBlock,
    DuplicateFieldKeyBlock,
    Entry,
    ParsingFailedBlock,
    String,
)
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
from pylatexenc.latexwalker import LatexWalker
from pylatexenc.latexwalker import get_default_latex_context_db as get_default_walker_context_db
from pylatexenc.macrospec import LatexContextDb

from review.records.model import Record, parse_year
from review.records.readers.base import BadInput, Problem, ReadResult, SourceFile

Fields = dict[str, str]

# --- mapping tables ------------------------------------------------------------------------

#: Canonical text field ← BibTeX/BibLaTeX fields (lower case), the first one present wins.
TEXT_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "abstract": ("abstract",),
    "journal": ("journaltitle", "journal", "booktitle"),
    "volume": ("volume",),
    "issue": ("number", "issue"),
    "language": ("language", "langid"),
}
#: Identifiers and links: copied literally (only `\\_`-style escapes and braces removed).
LITERAL_FIELDS: dict[str, tuple[str, ...]] = {
    "doi": ("doi",),
    "pmid": ("pmid",),
    "isbn": ("isbn",),
    "issn": ("issn",),
    "url": ("url", "link"),
}
YEAR_FIELDS: tuple[str, ...] = ("year", "date")
KEYWORD_FIELDS: tuple[str, ...] = ("keywords", "keyword")
#: BibLaTeX `eprinttype` → the canonical field its `eprint` fills when that field is empty.
EPRINT_TYPES: dict[str, str] = {"pubmed": "pmid", "doi": "doi"}
#: Entry types with no bibliographic content of their own: no record, no problem.
NON_RECORD_TYPES: frozenset[str] = frozenset({"set", "xdata"})
#: Fields a child never takes from its crossref parent (BibLaTeX's default inheritance).
NOT_INHERITED: frozenset[str] = frozenset(
    {
        "crossref", "xref", "xdata", "ids", "entryset", "options", "label", "related",
        "title", "subtitle", "titleaddon", "shorttitle", "sorttitle", "indextitle",
        "indexsorttitle",
    }
)  # fmt: skip
#: Parent field → child field it fills when inherited (the book's title is the chapter's
#: booktitle) unless the parent entry itself gives that field; the child's own field wins.
INHERITED_AS: dict[str, str] = {"title": "booktitle", "subtitle": "booksubtitle"}
#: bibtexparser's reasons for an aborted block → what a librarian is told.
ABORT_REASONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Unexpected block start"),
        "the entry is not closed (a brace or quote is missing) before the next entry starts",
    ),
    (
        re.compile(r"end of file"),
        "the entry is not closed before the end of the file (a closing brace is missing)",
    ),
    (
        re.compile(r"Expected a `=`|Expected equals sign"),
        "a field has no '=' between its name and its value",
    ),
    (re.compile(r"Expected comma after entry key"), "the citation key is not followed by a comma"),
    (re.compile(r"Expected either a `,`"), "a field value is not followed by a comma"),
)

# --- patterns ------------------------------------------------------------------------------

_ENTRY_LINE = re.compile(r"^[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t]*[{(]", re.MULTILINE)
_FOREIGN_START = re.compile(r"\s*[<\[{]")  # XML, JSON
_FOREIGN_LINE = re.compile(r"^(?:TY  -|PMID-|FN |PT J\b|ER  -)", re.MULTILINE)  # RIS/nbib/WoS
_DELIMS = re.compile(r'(?<!\\)[{}"]')
_BRACES = re.compile(r"(?<!\\)[{}]")
_WORD = re.compile(r'[^\s#{}",=]+')
_NEEDS_LATEX = re.compile(r"[\\{}~$%]|--|``|''")
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")
#: LaTeX accent command → Unicode combining mark (`\\'e`, `{\\"o}`, `\\c{c}`, `\\v s`).
_ACCENTS: dict[str, str] = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}  # fmt: skip
#: `\'e`, `\"{o}`, `\c{c}`, `\v s`: groups are the symbol or letter accent, then the letter.
_ACCENT = re.compile(r"\\(?:([.'`^\"~=])|([cvuHkrdb])(?=[\s{]))\s*(?:\{([A-Za-z])\}|([A-Za-z]))")
_ESCAPED = re.compile(r"\\([&%$#_])")
_MATH = re.compile(r"(?<!\\)\$")  # math: leave to pylatexenc
#: TeX ligatures and the tie, as pylatexenc reads them.
_LIGATURES: tuple[tuple[str, str], ...] = (
    ("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"), ("~", "\xa0"),
)  # fmt: skip
_LITERAL_ESCAPE = re.compile(r"\\([_%&#$~])")
_URL_MACRO = re.compile(r"^\\url\s*")
_DASHES = re.compile(r"\s*(?:-{1,3}|\u2013|\u2014)\s*")
_KEYWORD_SEP = re.compile(r"[,;]")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
_NAME_TOKENS = re.compile(r"(?<!\\)[{}]|\s+and\s+", re.IGNORECASE)
_COMMA_TOKENS = re.compile(r"(?<!\\)[{}]|,")
_SPACE_TOKENS = re.compile(r"(?<!\\)[{}]|\s+")
_ALPHA = re.compile(r"[^\W\d_]")
_LEADING_COMMAND = re.compile(r"^\{?\\([A-Za-z]+|.)\s*")
_NO_AUTHOR = "others"  # `and others` means "et al."
#: Macros pylatexenc would drop; their argument is the text.
_TEXT_MACROS: tuple[str, ...] = (
    "texttt", "textsf", "textrm", "textnormal", "textup", "textmd", "textsl", "mbox", "url",
    "textsubscript", "textsuperscript", "enquote", "mkbibquote", "mkbibemph", "mkbibitalic",
    "mkbibbold", "NoCaseChange", "nocase",
)  # fmt: skip
#: Logo macros pylatexenc drops; what they read as.
_LOGO_MACROS: dict[str, str] = {
    "TeX": "TeX", "LaTeX": "LaTeX", "LaTeXe": "LaTeX2e", "BibTeX": "BibTeX", "XeTeX": "XeTeX",
    "LuaTeX": "LuaTeX", "AmS": "AMS",
}  # fmt: skip


class _BadValue(ValueError):
    """A field value that is not `part # part # …` (usually a comma missing before it)."""


@dataclass(frozen=True)
class _Item:
    """One entry to import: its key, type, fields (evaluated, lower-case names) and origin."""

    key: str
    entry_type: str
    fields: Fields
    line: int | None
    raw: str


@dataclass(frozen=True)
class BibtexReader:
    """BibTeX/BibLaTeX reader (see the module docstring)."""

    name: str = "bibtex"
    label: str = "BibTeX"

    def detect(self, source: SourceFile) -> bool:
        """A line starting with `@type{` or `@type(`, and no sign of XML, JSON, RIS, nbib, WoS."""
        sample = source.text[:65536]
        if _FOREIGN_START.match(sample) or _FOREIGN_LINE.search(sample):
            return False
        return _ENTRY_LINE.search(sample) is not None

    def read(self, source: SourceFile) -> ReadResult:
        """All entries as Records; malformed entries become Problems."""
        try:
            library = bibtexparser.parse_string(source.text, parse_stack=[])
        except Exception as error:  # the splitter gave up on the whole file
            raise BadInput(source.name, None, f"not readable as BibTeX ({error})") from error
        problems: list[Problem] = []
        strings = _strings(library.blocks, problems)
        items = list(_items(library.blocks, strings, problems))
        index = _key_index(items)
        records = [
            _record(item, _inherited(item, index))
            for item in items
            if item.entry_type not in NON_RECORD_TYPES
        ]
        problems.sort(key=lambda p: p.line or 0)
        return ReadResult(format=self.name, records=records, problems=problems)


READER = BibtexReader()


# --- blocks → items ------------------------------------------------------------------------


def _strings(blocks: list[Block], problems: list[Problem]) -> dict[str, str]:
    """`@string` macros in file order (a later definition wins), keys in lower case."""
    strings: dict[str, str] = {}
    for block in blocks:
        if isinstance(block, DuplicateBlockKeyBlock) and isinstance(block.ignore_error_block, String):
            block = block.ignore_error_block
        if not isinstance(block, String):
            continue
        try:
            strings[block.key.lower()] = _evaluate(block.value, strings)
        except _BadValue as error:
            problems.append(Problem(_line(block), f"the @string {block.key!r} could not be read: {error}"))
    return strings


def _items(blocks: list[Block], strings: Mapping[str, str], problems: list[Problem]) -> Iterator[_Item]:
    """Entries (duplicated keys and repeated fields included) with their values evaluated."""
    for block in blocks:
        entry = _entry_of(block)
        if entry is None:
            if isinstance(block, ParsingFailedBlock) and not isinstance(block.ignore_error_block, String):
                problems.append(Problem(_line(block), _failure_reason(block)))
            continue
        try:
            fields = _evaluated_fields(entry, strings)
        except _BadValue as error:
            problems.append(Problem(_line(entry), f"BibTeX entry {entry.key!r} skipped: {error}"))
            continue
        yield _Item(entry.key, entry.entry_type.lower(), fields, _line(entry), entry.raw or "")


def _entry_of(block: Block) -> Entry | None:
    """The entry in a block: itself, or the one behind a duplicated key or repeated field."""
    if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
        block = block.ignore_error_block or block
    return block if isinstance(block, Entry) else None


def _line(block: Block) -> int | None:
    return block.start_line + 1 if block.start_line is not None else None


def _failure_reason(block: ParsingFailedBlock) -> str:
    """A plain reason for a block bibtexparser could not split."""
    error = block.error
    detail = error.abort_reason if isinstance(error, BlockAbortedException) else str(error)
    for pattern, reason in ABORT_REASONS:
        if pattern.search(detail):
            return f"BibTeX entry skipped: {reason}"
    return f"BibTeX entry skipped: it could not be read ({detail.strip()})"


def _evaluated_fields(entry: Entry, strings: Mapping[str, str]) -> Fields:
    """Field name (lower case) → evaluated value; a repeated field keeps its first value,
    as BibTeX does."""
    fields: Fields = {}
    for field in entry.fields:
        name = field.key.lower()
        if name in fields:
            continue
        try:
            fields[name] = _evaluate(str(field.value), strings)
        except _BadValue as error:
            raise _BadValue(f"field {field.key!r}: {error}") from None
    return fields


# --- values --------------------------------------------------------------------------------


def _evaluate(value: str, strings: Mapping[str, str]) -> str:
    """A raw value (`{…}`, `"…"`, a number, a macro, or parts joined by `#`) as text.

    >>> _evaluate('jean # " " # {Cesar}', {"jean": "Jean"})
    'Jean Cesar'
    """
    value = value.strip()
    if not value:
        return ""
    enclosed = value[0] == "{" and value[-1] == "}"
    if enclosed and (value.count("{") == 1 or _closing(value, 0, _BRACES) == len(value) - 1):
        return value[1:-1]  # the common case, fast
    parts: list[str] = []
    pos = 0
    while True:
        part, pos = _part(value, pos, strings)
        parts.append(part)
        pos = _skip_space(value, pos)
        if pos >= len(value):
            return "".join(parts)
        if value[pos] != "#":
            snippet = value[pos : pos + 30].split("\n")[0]
            raise _BadValue(f"unexpected text {snippet!r} after a value (is a comma missing before it?)")
        pos = _skip_space(value, pos + 1)


def _part(value: str, pos: int, strings: Mapping[str, str]) -> tuple[str, int]:
    """One part of a value at `pos`: its text and the position after it."""
    if pos >= len(value):
        raise _BadValue("a '#' has nothing after it")
    opener = value[pos]
    if opener in '{"':
        close = _closing(value, pos, _BRACES if opener == "{" else _DELIMS)
        if close < 0:
            raise _BadValue(f"a {opener!r} is never closed")
        return value[pos + 1 : close], close + 1
    match = _WORD.match(value, pos)
    if match is None:
        raise _BadValue(f"unexpected {opener!r}")
    word = match.group()
    return (word if word.isdigit() else strings.get(word.lower(), word)), match.end()


def _closing(value: str, start: int, delimiters: re.Pattern[str]) -> int:
    """Index of the delimiter closing the one at `start` (-1 if none): braces nest, and a
    quote only closes at brace depth 0."""
    depth = 0
    for match in delimiters.finditer(value, start + 1):
        char = match.group()
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return match.start() if value[start] == "{" else -1
            depth -= 1
        elif depth == 0:  # '"'
            return match.start()
    return -1


def _skip_space(value: str, pos: int) -> int:
    while pos < len(value) and value[pos].isspace():
        pos += 1
    return pos


def _decode(value: str | None) -> str | None:
    r"""LaTeX to Unicode text, only when the value contains LaTeX.

    >>> _decode(r"Jean C{\'e}sar and M\"{u}ller -- {WHO}")
    'Jean César and Müller – WHO'
    """
    if value is None or not _NEEDS_LATEX.search(value):
        return value
    return _decode_latex(value)


@lru_cache(maxsize=65536)
def _decode_latex(value: str) -> str:
    """Accents, escapes and braces by table (fast); anything else through pylatexenc."""
    text = _simple_latex(value)
    if text is None:
        try:
            text = _latex_text(value)
        except Exception:  # pylatexenc fails on some malformed macros: keep the letters
            text = _BRACES.sub("", value).replace("\\", "")
    return unicodedata.normalize("NFC", text)


def _simple_latex(value: str) -> str | None:
    """The text of values using only accent commands, escaped symbols, braces, `~` and dashes;
    None when anything else is there (math, other macros). A bare `%` is a percent sign."""
    if _MATH.search(value):
        return None
    text = _ESCAPED.sub(r"\1", _ACCENT.sub(_accented, value))
    if "\\" in text:
        return None
    # Ligatures before braces: in LaTeX `-{}-` is two plain hyphens, not a dash.
    for latex, unicode in _LIGATURES:
        text = text.replace(latex, unicode)
    return text.replace("{", "").replace("}", "")


def _accented(match: re.Match[str]) -> str:
    symbol, name, braced, bare = match.groups()
    return (braced or bare) + _ACCENTS[symbol or name]


def _latex_text(value: str) -> str:
    nodes = LatexWalker(
        _UNESCAPED_PERCENT.sub(r"\\%", value), latex_context=_walker_context()
    ).get_latex_nodes()[0]
    return str(_latex().nodelist_to_text(nodes))


@lru_cache(maxsize=1)
def _walker_context() -> LatexContextDb:
    """The parser's macro table, built once (pylatexenc otherwise rebuilds it per call)."""
    return get_default_walker_context_db()


@lru_cache(maxsize=1)
def _latex() -> LatexNodes2Text:
    """One shared converter; formatting macros keep their text, math stays as written."""
    context = get_default_latex_context_db()
    context.add_context_category(
        "reviewmap-text-macros",
        macros=[MacroTextSpec(name, discard=False) for name in _TEXT_MACROS]
        + [MacroTextSpec(name, simplify_repl=text) for name, text in _LOGO_MACROS.items()],
        prepend=True,
    )
    return LatexNodes2Text(latex_context=context, math_mode="verbatim")


def _literal(value: str | None) -> str | None:
    """An identifier or link as written: braces, `\\url` and `\\_`-style escapes removed."""
    if value is None:
        return None
    value = _URL_MACRO.sub("", value)
    return _LITERAL_ESCAPE.sub(r"\1", value.replace("{", "").replace("}", ""))


def _pages(value: str | None) -> str | None:
    """`55--65`, `55–65` → `55-65` (LaTeX decoded first)."""
    decoded = _decode(value)
    return None if decoded is None else _DASHES.sub("-", decoded)


# --- names ---------------------------------------------------------------------------------


def _authors(value: str | None) -> list[str]:
    """BibTeX `and`-separated names as `Surname, Given`; `{Corporate Names}` kept whole."""
    if not value:
        return []
    names = _split_top(value, _NAME_TOKENS) if "{" in value else _AND.split(value)
    authors: list[str] = []
    for name in names:
        name = name.strip()
        if name and name.lower() != _NO_AUTHOR:
            authors.append(_decode(_surname_first(name)) or name)
    return authors


def _surname_first(name: str) -> str:
    """`First von Last`, `von Last, First` or `von Last, Jr, First` → `von Last, First[, Jr]`."""
    parts = [p.strip() for p in _split_top(name, _COMMA_TOKENS)] if "," in name else [name]
    if len(parts) >= 2:
        surname, given = parts[0], parts[-1]
        junior = ", ".join(parts[1:-1])
        return ", ".join(p for p in (surname, given, junior) if p)
    words = [w for w in _split_top(name, _SPACE_TOKENS) if w] if "{" in name else name.split()
    if len(words) == 1:
        return words[0]
    # the surname starts at the first lower-case ("von") word, else it is the last word
    start = next((i for i, word in enumerate(words[:-1]) if _is_lower(word)), len(words) - 1)
    surname, given = " ".join(words[start:]), " ".join(words[:start])
    return f"{surname}, {given}" if given else surname


def _is_lower(word: str) -> bool:
    """BibTeX's test for a `von` word: its first letter is lower case. A word opening with a
    brace group is caseless unless the group starts with a command: then an accent counts its
    letter (`{\\"o}` lower) and a letter command its own case (`{\\AA}` upper, `{\\ss}` lower)."""
    if word.startswith("{") and not word.startswith("{\\"):
        return False
    command = _LEADING_COMMAND.match(word)
    if command:
        name = command.group(1)
        if name.isalpha() and name not in _ACCENTS:
            return name[0].islower()
        word = word[command.end() :]
    letter = _ALPHA.search(word)
    return letter is not None and letter.group().islower()


def _split_top(text: str, tokens: re.Pattern[str]) -> list[str]:
    """Split `text` at separator matches of `tokens` that are outside braces."""
    pieces: list[str] = []
    depth, start = 0, 0
    for match in tokens.finditer(text):
        mark = match.group()
        if mark == "{":
            depth += 1
        elif mark == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            pieces.append(text[start : match.start()])
            start = match.end()
    pieces.append(text[start:])
    return pieces


# --- crossref ------------------------------------------------------------------------------


def _key_index(items: list[_Item]) -> dict[str, _Item]:
    """Citation key → first entry with it; also by lower-case key and by BibLaTeX `ids`."""
    index: dict[str, _Item] = {}
    for item in items:
        aliases = [a.strip() for a in item.fields.get("ids", "").split(",") if a.strip()]
        for key in (item.key, *aliases):
            index.setdefault(key, item)
            index.setdefault(key.lower(), item)
    return index


def _parent(item: _Item, index: Mapping[str, _Item]) -> _Item | None:
    key = item.fields.get("crossref", "").strip()
    if not key:
        return None
    return index.get(key) or index.get(key.lower())


def _inherited(item: _Item, index: Mapping[str, _Item]) -> Fields:
    """The entry's fields completed from its crossref chain; a cycle stops where it closes."""
    chain: list[_Item] = []
    seen = {id(item)}
    parent = _parent(item, index)
    while parent is not None and id(parent) not in seen:
        seen.add(id(parent))
        chain.append(parent)
        parent = _parent(parent, index)
    if not chain:
        return item.fields
    resolved: Fields = {}
    parent_own: Fields = {}
    for node in [*reversed(chain), item]:
        resolved = _inherit(node.fields, resolved, parent_own)
        parent_own = node.fields
    return resolved


def _inherit(child: Fields, parent: Fields, parent_own: Fields) -> Fields:
    """The child's fields over what it inherits from its parent (`parent` resolved through the
    chain, `parent_own` as the parent entry writes them): the parent's own title becomes the
    child's booktitle unless the parent itself gives one."""
    merged = {name: value for name, value in parent.items() if name not in NOT_INHERITED}
    for name, target in INHERITED_AS.items():
        if name in parent_own and target not in parent_own:
            merged[target] = parent_own[name]
    merged.update(child)
    return merged


# --- record --------------------------------------------------------------------------------


def _first(fields: Fields, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = fields.get(name)
        if value is not None and value.strip():
            return value
    return None


def _title(fields: Fields) -> str | None:
    """Title, with a BibLaTeX `subtitle` joined after a colon."""
    title, subtitle = _decode(fields.get("title")), _decode(fields.get("subtitle"))
    if title and subtitle:
        return f"{title.rstrip()}{'' if title.rstrip()[-1:] in ':?!.' else ':'} {subtitle}"
    return title or subtitle


def _keywords(fields: Fields) -> list[str]:
    value = _first(fields, KEYWORD_FIELDS)
    if value is None:
        return []
    return [k for k in (_decode(part.strip()) for part in _KEYWORD_SEP.split(value)) if k]


def _record(item: _Item, fields: Fields) -> Record:
    """The canonical Record for one entry (fields already crossref-completed)."""
    values: dict[str, str | None] = {
        name: _decode(_first(fields, sources)) for name, sources in TEXT_FIELDS.items()
    }
    values.update({name: _literal(_first(fields, sources)) for name, sources in LITERAL_FIELDS.items()})
    eprint_target = EPRINT_TYPES.get(fields.get("eprinttype", "").strip().lower())
    if eprint_target and not values.get(eprint_target):
        values[eprint_target] = _literal(fields.get("eprint"))
    values["title"] = _title(fields)
    record = Record(
        authors=_authors(fields.get("author")),
        year=parse_year(_first(fields, YEAR_FIELDS)),
        pages=_pages(fields.get("pages")),
        keywords=_keywords(fields),
        publication_type=item.entry_type,
        source_key=item.key or None,
        source_line=item.line,
        raw=item.raw,
    )
    for name, value in values.items():
        setattr(record, name, value)
    return record

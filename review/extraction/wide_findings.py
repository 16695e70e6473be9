"""Findings in WIDE form: one row per study, a column per code, as systematic-map databases publish them.

The table:

    source_key, title, <type>: <level>: <theme>, ..., finding, quote

- A code column is named `type: level: theme` (split at the first two colons, so a theme may hold
  a colon but a type or a level may not). Only the combinations some finding uses get a column,
  ordered by type and level as in the codebook, then by theme.
- A cell names the study's findings that carry that type, level and theme: `#1`, or `#1; #3`.
  A finding with two levels and two themes is `#n` in four cells; the shared number is what
  groups the cells back into one finding, so `import(export(x))` keeps every finding's study,
  type, levels and themes, and how many findings a study has.
- Tables from elsewhere hold flags instead: a cell `1`, `x`, `yes`, `true` or the column's own
  name (as EviAtlas maps do) is one finding of that type, level and theme; `0`, `no`, `false` or a
  blank cell is none; any other text is one finding with that text as its quote.
- `finding` and `quote` carry the descriptions and quotes in one joined cell per study, a line
  each: `#1: description`, `#1 (p. 12): quote` (optional; an unnumbered line is an error).
- `title` (and year, authors, doi, journal) are read by people and ignored on import: the study
  is the `source_key` (a DOI or `#id` also do, as in the long table).

What a wide table cannot carry (the long table does): who coded a finding (imports are written
as the consensus, coded by the importer), the illustrative mark and note, the mechanism links,
second-axis codes, and line breaks inside a description or quote (they become spaces). Numbers
are per study and only group cells; they are given afresh on export.

Import is all or nothing: every header and every row is checked first, and `BadRows` lists each
bad one (`FILE:LINE: reason`; the header is line 1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from review.extraction.codebook import _insert_code, codebook_in, ensure_codebook, ensure_defaults
from review.extraction.findings import (
    FindingView,
    chartable_ids,
    consensus_findings,
    include_as_imported_coding,
    write_finding,
)
from review.extraction.long_table import FindingsImport, record_keys
from review.extraction.model import Codebook, CodebookError, FindingSpec, fold
from review.extraction.tables import BadRows, read_coding_table
from review.records.readers.base import Problem, SourceFile
from review.records.writers import write_table
from review.store.transactions import lock_project, write_session

STUDY_COLUMNS: tuple[str, ...] = ("source_key", "title")
#: Columns a person reads beside the codes; ignored on import.
IGNORED_COLUMNS = frozenset({"title", "year", "authors", "author", "doi", "journal"})
DETAIL_COLUMNS: tuple[str, ...] = ("finding", "quote")
CODE_SEPARATOR = ": "
TRUE_CELLS = frozenset({"1", "1.0", "x", "yes", "y", "true", "✓", "✔"})  # 1.0: a number cell of an XLSX
FALSE_CELLS = frozenset({"0", "0.0", "no", "n", "false"})
_MARKERS = re.compile(r"#(\d+)(\s*;\s*#(\d+))*")
_DETAIL_LINE = re.compile(r"#(\d+)(?: \(p\. (.*?)\))?:(?: (.*))?")


def code_column(type_name: str, level: str, theme: str) -> str:
    """>>> code_column("barrier", "client", "Time")
    'barrier: client: Time'
    """
    return CODE_SEPARATOR.join((type_name, level, theme))


def _one_line(text: str) -> str:
    return " ".join(text.splitlines()).strip()


def wide_finding_table(findings: Sequence[FindingView], book: Codebook) -> tuple[list[str], list[dict[str, object]]]:
    """(columns, one row per study) of the findings; pure, so the shape can be tested without a database."""
    type_rank = {fold(code.name): code.position for code in book.codes if code.kind == "type"}
    level_rank = {fold(code.name): code.position for code in book.codes if code.kind == "level"}
    per_study: dict[int, list[FindingView]] = {}
    for view in sorted(findings, key=lambda v: (v.record_id, v.id)):
        per_study.setdefault(view.record_id, []).append(view)
    order: dict[str, tuple[int, int, str]] = {}
    rows: list[dict[str, object]] = []
    for record_id, views in per_study.items():
        cells: dict[str, list[str]] = {}
        described: list[str] = []
        quoted: list[str] = []
        for position, view in enumerate(views, start=1):
            number = f"#{position}"
            for level in view.levels:
                for theme in view.themes:
                    column = code_column(view.type, level, theme)
                    order[column] = (type_rank.get(fold(view.type), 10**6), level_rank.get(fold(level), 10**6),
                                     fold(theme))
                    cells.setdefault(column, []).append(number)
            if view.description.strip():
                described.append(f"{number}: {_one_line(view.description)}")
            if view.quote.strip() or view.page.strip():
                page = f" (p. {_one_line(view.page)})" if view.page.strip() else ""
                quoted.append(f"{number}{page}: {_one_line(view.quote)}".rstrip())
        row: dict[str, object] = {"source_key": views[0].source_key or f"#{record_id}", "title": views[0].title}
        row.update({column: "; ".join(numbers) for column, numbers in cells.items()})
        row.update({"finding": "\n".join(described), "quote": "\n".join(quoted)})
        rows.append(row)
    columns = sorted(order, key=lambda column: (order[column], column))
    return [*STUDY_COLUMNS, *columns, *DETAIL_COLUMNS], rows


def export_wide_findings(engine: Engine, project_id: int, fmt: str) -> tuple[bytes, int]:
    """(the wide findings table as CSV/XLSX bytes, how many studies) of the consensus findings."""
    columns, rows = wide_finding_table(consensus_findings(engine, project_id), ensure_codebook(engine, project_id))
    return write_table(rows, columns, fmt), len(rows)


# -- import ---------------------------------------------------------------------------------------


@dataclass
class _Finding:
    type: str
    levels: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    description: str = ""
    quote: str = ""
    page: str = ""


def _code_columns(headers: list[str], book: Codebook, add_themes: bool,
                  problems: list[Problem]) -> dict[int, tuple[str, str, str]]:
    """Column index → (type, level, theme) as the codebook names them; header problems go to `problems`."""
    columns: dict[int, tuple[str, str, str]] = {}
    for index, header in enumerate(headers):
        name = fold(header)
        if name in IGNORED_COLUMNS or name in DETAIL_COLUMNS or name == "source_key":
            continue
        parts = [part.strip() for part in header.split(CODE_SEPARATOR.strip(), 2)]
        if len(parts) != 3 or not all(parts):
            problems.append(Problem(1, f"column {header!r} is neither a study column (source_key, title, finding, "
                                       "quote) nor a code column 'type: level: theme'"))
            continue
        found = [book.find(kind, part) for kind, part in zip(("type", "level", "theme"), parts, strict=True)]
        for kind, part, code in zip(("type", "level"), parts, found, strict=False):
            if code is None:
                known = ", ".join(c.name for c in book.active(kind))
                problems.append(Problem(1, f"column {header!r}: unknown {kind} {part!r} (known: {known})"))
        if found[2] is None and not add_themes:
            problems.append(Problem(1, f"column {header!r}: unknown theme {parts[2]!r}"))
        columns[index] = (found[0].name if found[0] else parts[0], found[1].name if found[1] else parts[1],
                          found[2].name if found[2] else parts[2])
    return columns


def _row_findings(cells: list[str], headers: list[str], columns: dict[int, tuple[str, str, str]]) -> list[_Finding]:
    """The findings of one study row; ValueError saying what is wrong with the row."""
    numbered: dict[int, _Finding] = {}
    flagged: list[_Finding] = []
    for index, (type_name, level, theme) in columns.items():
        cell = cells[index].strip() if index < len(cells) else ""
        if not cell or fold(cell) in FALSE_CELLS:
            continue
        if _MARKERS.fullmatch(cell.replace(" ", "")):
            for number in (int(part.strip()[1:]) for part in cell.split(";")):
                finding = numbered.setdefault(number, _Finding(type_name))
                if fold(finding.type) != fold(type_name):
                    raise ValueError(f"finding #{number} is a {finding.type} in one column and a {type_name} in "
                                     f"{headers[index]!r}")
                finding.levels += [level] if level not in finding.levels else []
                finding.themes += [theme] if theme not in finding.themes else []
        elif fold(cell) in TRUE_CELLS or fold(cell) in (fold(headers[index]), fold(theme)):
            flagged.append(_Finding(type_name, [level], [theme]))
        else:
            flagged.append(_Finding(type_name, [level], [theme], quote=cell))
    for column, name in ((c, n) for c, n in enumerate(headers) if fold(n) in DETAIL_COLUMNS):
        for text in (cells[column] if column < len(cells) else "").splitlines():
            if not text.strip():
                continue
            match = _DETAIL_LINE.fullmatch(text.strip())
            if match is None:
                raise ValueError(f"{name}: the line {text.strip()[:60]!r} does not start with a finding number "
                                 "('#1: ...')")
            number = int(match.group(1))
            if number not in numbered:
                raise ValueError(f"{name}: #{number} is in no code column of this row")
            if fold(name) == "finding":
                numbered[number].description = (match.group(3) or "").strip()
            else:
                numbered[number].quote = (match.group(3) or "").strip()
                numbered[number].page = (match.group(2) or "").strip()
    return [numbered[number] for number in sorted(numbered)] + flagged


def import_wide_findings(engine: Engine, project_id: int, source: SourceFile, *, imported_by: str = "",
                         include_unscreened: bool = False, add_themes: bool = False) -> FindingsImport:
    """Import a wide findings table as consensus findings, all or nothing (options as `import_findings`)."""
    table = read_coding_table(source)
    headers = table.headers
    key_column = next((i for i, h in enumerate(headers) if fold(h) == "source_key"), None)
    origin = f"import:{source.name.replace(chr(92), '/').rsplit('/', 1)[-1]}"
    with write_session(engine) as session:
        lock_project(session, project_id)
        ensure_defaults(session, project_id, imported_by)
        book = codebook_in(session, project_id)
        problems: list[Problem] = []
        if key_column is None:
            problems.append(Problem(1, "missing column: source_key"))
        columns = _code_columns(headers, book, add_themes, problems)
        if problems:
            raise BadRows(source.name, problems)
        assert key_column is not None
        keys = record_keys(session, project_id)
        chartable = chartable_ids(session, project_id)
        studies: list[tuple[int, int, list[_Finding]]] = []
        for line, cells in table.rows:
            key = cells[key_column].strip() if key_column < len(cells) else ""
            found = keys.get(key.casefold(), [])
            try:
                if len(found) != 1:
                    raise ValueError(f"no record with source_key {key!r} in this project" if not found
                                     else f"source_key {key!r} names {len(found)} records")
                if found[0] not in chartable and not include_unscreened:
                    raise ValueError(f"{key!r} is not an included study (only included studies are charted here)")
                studies.append((line, found[0], _row_findings(cells, headers, columns)))
            except ValueError as error:
                problems.append(Problem(line, str(error)))
        if problems:
            raise BadRows(source.name, problems)
        missing = {fold(theme): theme for _, _, theme in columns.values() if book.find("theme", theme) is None}
        added = list(missing.values())
        for theme in added:
            _insert_code(session, project_id, "theme", theme, imported_by or "import", f"new theme in {origin}")
        book = codebook_in(session, project_id)
        count = 0
        for line, record_id, findings in studies:
            for finding in findings:
                spec = FindingSpec(finding.type, finding.levels, finding.themes, finding.description,
                                   finding.quote, finding.page)
                try:
                    write_finding(session, project_id, book, record_id, spec, version="consensus", coder_id=None,
                                  coded_by=imported_by, origin=origin)
                except CodebookError as error:
                    raise BadRows(source.name, [Problem(line, str(error))]) from error
                count += 1
        newly = {record_id for _, record_id, _ in studies} - chartable
        include_as_imported_coding(session, project_id, newly, imported_by)
    return FindingsImport(source.name, count, len({record_id for _, record_id, _ in studies}), added, len(newly))

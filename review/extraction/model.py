"""The codebook as plain data, and the validation of a finding against it (pure functions).

A finding names its type, levels and themes by name (as a CSV or a form gives them); `resolve`
turns the names into code ids or says exactly which name is unknown. Names match without regard
to case or repeated blanks; a merged code's name resolves to the code it was merged into, so old
spreadsheets still import after a merge.

>>> book = Codebook([Code(1, "type", "barrier"), Code(2, "level", "client"), Code(3, "theme", "Time")])
>>> book.resolve(FindingSpec(type="Barrier", levels=["client"], themes=["time"]))
(1, [2], [3], [])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

KINDS: tuple[str, ...] = ("type", "level", "theme", "axis")
DEFAULT_TYPES: tuple[str, ...] = ("barrier", "facilitator", "mechanism")
DEFAULT_LEVELS: tuple[str, ...] = ("policy", "organisation", "therapist", "client")
#: Levels, themes and axis codes in one table cell are separated by ";".
CELL_SEPARATOR = ";"


class CodebookError(ValueError):
    """A codebook change that cannot be made, or a name the codebook does not know."""


def fold(name: str) -> str:
    """How names are compared: case and blanks do not matter."""
    return " ".join(name.split()).casefold()


def clean_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise CodebookError("a code needs a name")
    if len(cleaned) > 300:
        raise CodebookError("a code name has at most 300 characters")
    return cleaned


def split_cell(cell: str) -> list[str]:
    """`"policy; client"` → `["policy", "client"]` (empty parts dropped)."""
    return [part.strip() for part in cell.split(CELL_SEPARATOR) if part.strip()]


@dataclass(frozen=True)
class Code:
    id: int
    kind: str
    name: str
    axis: str = ""
    parent_id: int | None = None
    retired: bool = False
    merged_into: int | None = None
    description: str = ""
    position: int = 0


@dataclass(frozen=True)
class FindingSpec:
    """A finding as a person or a table gives it: codes by name."""

    type: str
    levels: Sequence[str]
    themes: Sequence[str]
    description: str = ""
    quote: str = ""
    page: str = ""
    axis_codes: Sequence[str] = ()
    illustrative: bool = False
    note: str = ""


@dataclass
class Codebook:
    codes: list[Code] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_id = {code.id: code for code in self.codes}

    def current(self, code_id: int) -> Code:
        """The code itself, or the code it was (transitively) merged into."""
        code = self.by_id[code_id]
        seen = {code.id}
        while code.merged_into is not None and code.merged_into in self.by_id:
            code = self.by_id[code.merged_into]
            if code.id in seen:  # pragma: no cover - merges into oneself are refused
                break
            seen.add(code.id)
        return code

    def active(self, kind: str, axis: str | None = None) -> list[Code]:
        """Codes of one list that can be used now, in their order."""
        return sorted(
            (
                code
                for code in self.codes
                if code.kind == kind
                and not code.retired
                and code.merged_into is None
                and (axis is None or code.axis == axis)
            ),
            key=lambda code: (code.position, code.id),
        )

    def axes(self) -> list[str]:
        return sorted({code.axis for code in self.codes if code.kind == "axis"})

    def find(self, kind: str, name: str) -> Code | None:
        """The usable code of `kind` called `name` (a merged-away name leads to its successor)."""
        wanted = fold(name)
        matches = [code for code in self.codes if code.kind == kind and fold(code.name) == wanted]
        live = [code for code in matches if not code.retired and code.merged_into is None]
        if live:
            return live[0]
        for code in matches:
            if code.merged_into is not None:
                successor = self.current(code.id)
                if not successor.retired:
                    return successor
        return None

    def path(self, code_id: int) -> str:
        """A theme with its parents: `"Resources > Time"`."""
        names: list[str] = []
        code: Code | None = self.current(code_id)
        while code is not None and len(names) < 20:
            names.append(code.name)
            code = self.by_id.get(code.parent_id) if code.parent_id is not None else None
        return " > ".join(reversed(names))

    def resolve(self, spec: FindingSpec) -> tuple[int, list[int], list[int], list[int]]:
        """(type id, level ids, theme ids, axis code ids); CodebookError naming what is unknown."""
        problems: list[str] = []
        type_code = self.find("type", spec.type) if spec.type.strip() else None
        if type_code is None:
            known = ", ".join(code.name for code in self.active("type"))
            problems.append(f"unknown type {spec.type.strip()!r} (known: {known})" if spec.type.strip()
                            else f"a finding needs a type ({known})")
        levels = self._ids("level", spec.levels, problems)
        if not spec.levels:
            problems.append("a finding needs at least one level")
        themes = self._ids("theme", spec.themes, problems)
        if not spec.themes:
            problems.append("a finding needs at least one theme")
        axis = self._ids("axis", spec.axis_codes, problems)
        if problems:
            raise CodebookError("; ".join(problems))
        assert type_code is not None
        return type_code.id, levels, themes, axis

    def _ids(self, kind: str, names: Sequence[str], problems: list[str]) -> list[int]:
        ids: list[int] = []
        for name in names:
            code = self.find(kind, name)
            if code is None:
                problems.append(f"unknown {kind} {name!r}")
            elif code.id not in ids:
                ids.append(code.id)
        return ids

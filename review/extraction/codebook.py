"""The project's codebook in the database: defaults, changes as versioned events, import/export.

Every change (add, rename, merge, retire, restore, move) writes a `codebook_events` row with the
project's next version number, who made it, when and why. Findings store their codes by id, so a
rename changes nothing in them; a merge re-points the merged code's findings to the target (the
event lists the findings it moved), so no finding is lost.

Who may change it: owners and reviewers add codes (a new theme while coding); renaming, merging,
retiring and importing are for the owner.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from review.extraction.model import (
    DEFAULT_LEVELS,
    DEFAULT_TYPES,
    KINDS,
    Code,
    Codebook,
    CodebookError,
    clean_name,
    fold,
)
from review.people import Actor, PermissionDenied
from review.store.engine import session_scope
from review.store.extraction_schema import CodebookEventRow, CodeRow, FindingCodeRow, FindingRow
from review.store.transactions import lock_project, write_session

CODEBOOK_COLUMNS: tuple[str, ...] = ("kind", "axis", "name", "parent", "description", "retired", "merged_into")


@dataclass(frozen=True)
class CodebookEvent:
    version: int
    action: str
    code_id: int
    target_id: int | None
    old_value: str
    new_value: str
    finding_ids: list[int]
    changed_by: str
    changed_at: datetime
    reason: str


def _code(row: CodeRow) -> Code:
    return Code(
        id=row.id,
        kind=row.kind,
        name=row.name,
        axis=row.axis,
        parent_id=row.parent_id,
        retired=row.retired,
        merged_into=row.merged_into,
        description=row.description,
        position=row.position,
    )


def codebook_in(session: Session, project_id: int) -> Codebook:
    rows = session.scalars(select(CodeRow).where(CodeRow.project_id == project_id).order_by(CodeRow.id))
    return Codebook([_code(row) for row in rows])


def load_codebook(engine: Engine, project_id: int) -> Codebook:
    """The project's codebook (every code, retired and merged ones too)."""
    with session_scope(engine) as session:
        return codebook_in(session, project_id)


def _event(session: Session, project_id: int, action: str, code_id: int, by: str, reason: str,
           **values: Any) -> None:
    version = (
        session.scalar(select(func.max(CodebookEventRow.version)).where(CodebookEventRow.project_id == project_id))
        or 0
    ) + 1
    session.add(CodebookEventRow(project_id=project_id, version=version, action=action, code_id=code_id,
                                 changed_by=by, reason=reason, **values))
    session.flush()


def ensure_defaults(session: Session, project_id: int, changed_by: str = "") -> None:
    """Give a project without codes the default types and levels (as versioned events)."""
    if session.scalar(select(func.count()).select_from(CodeRow).where(CodeRow.project_id == project_id)):
        return
    for kind, names in (("type", DEFAULT_TYPES), ("level", DEFAULT_LEVELS)):
        for position, name in enumerate(names):
            _insert_code(session, project_id, kind, name, changed_by or "defaults", "the default codebook",
                         position=position)


def ensure_codebook(engine: Engine, project_id: int) -> Codebook:
    """The codebook, with the defaults written on first use."""
    with write_session(engine) as session:
        lock_project(session, project_id)
        ensure_defaults(session, project_id)
        return codebook_in(session, project_id)


def _insert_code(session: Session, project_id: int, kind: str, name: str, by: str, reason: str, *,
                 axis: str = "", parent_id: int | None = None, description: str = "",
                 position: int | None = None) -> int:
    if kind not in KINDS:
        raise CodebookError(f"unknown code list {kind!r} (one of {', '.join(KINDS)})")
    name = clean_name(name)
    book = codebook_in(session, project_id)
    clash = [c for c in book.active(kind, axis if kind == "axis" else None) if fold(c.name) == fold(name)]
    if clash:
        raise CodebookError(f"the {kind} {name!r} exists already")
    if parent_id is not None and (parent_id not in book.by_id or book.by_id[parent_id].kind != kind):
        raise CodebookError(f"the parent of a {kind} must be a {kind} of this project")
    if position is None:
        position = len(book.active(kind, axis if kind == "axis" else None))
    row = CodeRow(project_id=project_id, kind=kind, axis=axis if kind == "axis" else "", name=name,
                  parent_id=parent_id, description=description, position=position)
    session.add(row)
    session.flush()
    _event(session, project_id, "add", row.id, by, reason, new_value=name)
    return row.id


def _who(actor: Actor, owner_only: bool, doing: str) -> str:
    if owner_only:
        actor.require_owner(doing)
    elif actor.role not in ("owner", "reviewer"):
        raise PermissionDenied(f"a {actor.role} cannot {doing}")
    return actor.username


def add_code(engine: Engine, project_id: int, actor: Actor, kind: str, name: str, *, parent_id: int | None = None,
             axis: str = "", description: str = "", reason: str = "") -> int:
    """Add a code (a theme while coding, a level the team needs, a code of a second axis); its id."""
    by = _who(actor, False, "change the codebook")
    with write_session(engine) as session:
        lock_project(session, project_id)
        ensure_defaults(session, project_id)
        return _insert_code(session, project_id, kind, name, by, reason, axis=axis, parent_id=parent_id,
                            description=description)


def _live(session: Session, project_id: int, code_id: int) -> CodeRow:
    row = session.get(CodeRow, code_id)
    if row is None or row.project_id != project_id:
        raise CodebookError(f"there is no code {code_id} in this project")
    if row.merged_into is not None:
        raise CodebookError(f"{row.name!r} was merged into another code")
    return row


def rename_code(engine: Engine, project_id: int, actor: Actor, code_id: int, new_name: str, reason: str = "") -> None:
    """Rename a code; findings keep it (they refer to it by id)."""
    by = _who(actor, True, "rename codes")
    with write_session(engine) as session:
        lock_project(session, project_id)
        row = _live(session, project_id, code_id)
        name = clean_name(new_name)
        book = codebook_in(session, project_id)
        if any(c.id != code_id and fold(c.name) == fold(name) for c in book.active(row.kind, row.axis)):
            raise CodebookError(f"the {row.kind} {name!r} exists already: merge instead")
        old = row.name
        row.name = name
        _event(session, project_id, "rename", code_id, by, reason, old_value=old, new_value=name)


def merge_codes(engine: Engine, project_id: int, actor: Actor, code_id: int, into_id: int, reason: str = "") -> int:
    """Merge `code_id` into `into_id`: its findings are re-pointed; returns how many findings moved."""
    by = _who(actor, True, "merge codes")
    with write_session(engine) as session:
        lock_project(session, project_id)
        source, target = _live(session, project_id, code_id), _live(session, project_id, into_id)
        if source.id == target.id or source.kind != target.kind:
            raise CodebookError("a code merges into another code of the same list")
        moved = sorted(set(session.scalars(select(FindingCodeRow.finding_id).where(FindingCodeRow.code_id == code_id))))
        type_moved = sorted(session.scalars(select(FindingRow.id).where(FindingRow.type_id == code_id)))
        for finding_id in moved:
            has_target = session.scalar(
                select(func.count()).select_from(FindingCodeRow).where(
                    FindingCodeRow.finding_id == finding_id, FindingCodeRow.code_id == into_id
                )
            )
            links = select(FindingCodeRow).where(FindingCodeRow.finding_id == finding_id,
                                                 FindingCodeRow.code_id == code_id)
            for link in session.scalars(links):
                if has_target:
                    session.delete(link)
                else:
                    link.code_id = into_id
        session.execute(update(FindingRow).where(FindingRow.type_id == code_id).values(type_id=into_id))
        session.execute(update(CodeRow).where(CodeRow.parent_id == code_id).values(parent_id=into_id))
        source.merged_into = into_id
        _event(session, project_id, "merge", code_id, by, reason, target_id=into_id, old_value=source.name,
               new_value=target.name, finding_ids=sorted(set(moved) | set(type_moved)))
        return len(set(moved) | set(type_moved))


def retire_code(engine: Engine, project_id: int, actor: Actor, code_id: int, reason: str = "",
                restore: bool = False) -> None:
    """Retire a code (no new findings use it; its findings keep it), or bring it back."""
    by = _who(actor, True, "retire codes")
    with write_session(engine) as session:
        lock_project(session, project_id)
        row = _live(session, project_id, code_id)
        row.retired = not restore
        _event(session, project_id, "restore" if restore else "retire", code_id, by, reason, old_value=row.name)


def move_code(engine: Engine, project_id: int, actor: Actor, code_id: int, parent_id: int | None,
              reason: str = "") -> None:
    """Put a theme under another parent (None: top level)."""
    by = _who(actor, True, "reorganise themes")
    with write_session(engine) as session:
        lock_project(session, project_id)
        row = _live(session, project_id, code_id)
        book = codebook_in(session, project_id)
        ancestor = parent_id
        while ancestor is not None:
            if ancestor == code_id:
                raise CodebookError("a theme cannot sit under itself")
            ancestor = book.by_id[ancestor].parent_id if ancestor in book.by_id else None
        old = book.path(code_id)
        row.parent_id = parent_id
        session.flush()
        _event(session, project_id, "move", code_id, by, reason, target_id=parent_id, old_value=old,
               new_value=codebook_in(session, project_id).path(code_id))


def codebook_history(engine: Engine, project_id: int) -> list[CodebookEvent]:
    """Every change of the codebook, oldest first."""
    with session_scope(engine) as session:
        rows = session.scalars(select(CodebookEventRow).where(CodebookEventRow.project_id == project_id)
                               .order_by(CodebookEventRow.version))
        return [
            CodebookEvent(r.version, r.action, r.code_id, r.target_id, r.old_value, r.new_value,
                          list(r.finding_ids or []), r.changed_by, r.changed_at, r.reason)
            for r in rows
        ]


# -- import and export --------------------------------------------------------------------------


def codebook_rows(book: Codebook) -> list[dict[str, str]]:
    """One row per code (`CODEBOOK_COLUMNS`), parents before children."""
    def depth(code: Code) -> int:
        return book.path(code.id).count(" > ") if code.kind == "theme" else 0

    ordered = sorted(book.codes, key=lambda c: (KINDS.index(c.kind), c.axis, depth(c), c.position, c.id))
    return [
        {
            "kind": code.kind,
            "axis": code.axis,
            "name": code.name,
            "parent": book.by_id[code.parent_id].name if code.parent_id in book.by_id else "",
            "description": code.description,
            "retired": "yes" if code.retired else "",
            "merged_into": book.current(code.id).name if code.merged_into is not None else "",
        }
        for code in ordered
    ]


def codebook_csv(book: Codebook) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CODEBOOK_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(codebook_rows(book))
    return out.getvalue()


def codebook_json(book: Codebook) -> str:
    return json.dumps({"codes": codebook_rows(book)}, ensure_ascii=False, indent=2)


def parse_codebook(text: str) -> list[dict[str, str]]:
    """Rows of a codebook CSV or JSON (`codebook_csv`/`codebook_json`); CodebookError naming the row."""
    stripped = text.lstrip("\ufeff").strip()
    if stripped.startswith(("{", "[")):
        data = json.loads(stripped)
        rows = data["codes"] if isinstance(data, dict) else data
    else:
        rows = list(csv.DictReader(io.StringIO(stripped)))
    cleaned: list[dict[str, str]] = []
    for number, row in enumerate(rows, start=1):
        values = {column: str(row.get(column) or "").strip() for column in CODEBOOK_COLUMNS}
        if values["kind"] not in KINDS:
            raise CodebookError(f"row {number}: kind must be one of {', '.join(KINDS)}, not {values['kind']!r}")
        if not values["name"]:
            raise CodebookError(f"row {number}: a code needs a name")
        cleaned.append(values)
    return cleaned


def import_codebook(engine: Engine, project_id: int, actor: Actor, text: str, reason: str = "imported codebook") -> int:
    """Add the codes of a codebook CSV/JSON the project lacks (by kind, axis and name); how many were added.

    Retired and merged codes of the file are skipped: an import grows a codebook, it never removes.
    """
    by = _who(actor, True, "import a codebook")
    rows = parse_codebook(text)
    added = 0
    with write_session(engine) as session:
        lock_project(session, project_id)
        ensure_defaults(session, project_id)
        for row in rows:
            if row["retired"] or row["merged_into"]:
                continue
            book = codebook_in(session, project_id)
            kind, axis = row["kind"], row["axis"] if row["kind"] == "axis" else ""
            if any(fold(c.name) == fold(row["name"]) for c in book.active(kind, axis if kind == "axis" else None)):
                continue
            parent = book.find(kind, row["parent"]) if row["parent"] else None
            _insert_code(session, project_id, kind, row["name"], by, reason, axis=axis,
                         parent_id=parent.id if parent else None, description=row["description"])
            added += 1
    return added

"""Findings in the database: write (one transaction, all or nothing), read with blinding, consensus.

Which studies are charted: the records finally included at full text
(`review.screening.service.included_records`) plus records made chartable by an imported coding
(`extraction_inclusions`: a published coding table, the demo). A finding for any other record
is refused unless the import says `include_unscreened=True`, which lists the record as
"imported coding" in the same transaction (so the reason a study is charted is always on record).

Dual extraction (project setting `settings["extraction"]["dual"]`): each coder's findings are
`version="coder"`; a reviewer sees only their own until the owner reconciles the study; the owner
sees all. Reconciled findings are `version="consensus"`. Imports write consensus findings (a
coding table imported from elsewhere is the team's agreed coding).

`consensus_findings(engine, project_id)` is what the map reads: for single coding the coders'
findings (and any consensus ones); for dual coding only the reconciled (consensus) ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from review.extraction.codebook import codebook_in, ensure_defaults
from review.extraction.model import Codebook, CodebookError, FindingSpec
from review.people import Actor, PermissionDenied
from review.store.engine import session_scope
from review.store.extraction_schema import (
    ExtractionInclusionRow,
    FindingCodeRow,
    FindingLinkRow,
    FindingRow,
    ReconciliationRow,
)
from review.store.schema import Project, RecordRow, utcnow
from review.store.screening_schema import User
from review.store.transactions import lock_project, write_session

SETTINGS_KEY = "extraction"


class FindingError(ValueError):
    """A finding that cannot be written; the message names the row or study and the reason."""


@dataclass(frozen=True)
class FindingView:
    """One finding as pages, exports and the map read it (codes by current name)."""

    id: int
    record_id: int
    source_key: str
    title: str
    year: int | None
    version: str
    type: str
    levels: list[str]
    themes: list[str]
    theme_paths: list[str]
    axis_codes: list[str]
    type_id: int
    level_ids: list[int]
    theme_ids: list[int]
    description: str
    quote: str
    page: str
    coded_by: str
    coder_id: int | None
    created_at: datetime
    illustrative: bool
    note: str
    explains: list[int] = field(default_factory=list)


# -- settings and chartable studies ---------------------------------------------------------------


def dual_extraction(session: Session, project_id: int) -> bool:
    project = session.get(Project, project_id)
    settings = (project.settings or {}) if project else {}
    return bool((settings.get(SETTINGS_KEY) or {}).get("dual", False))


def set_dual_extraction(engine: Engine, project_id: int, actor: Actor, dual: bool) -> None:
    actor.require_owner("change the extraction settings")
    with write_session(engine) as session:
        lock_project(session, project_id)
        project = session.get(Project, project_id)
        assert project is not None
        settings = dict(project.settings or {})
        settings[SETTINGS_KEY] = {**(settings.get(SETTINGS_KEY) or {}), "dual": dual}
        project.settings = settings


def chartable_ids(session: Session, project_id: int) -> set[int]:
    """Records included at full text, plus records listed by an imported coding."""
    from review.screening.service import _final_outcomes  # the screening rule, in one place
    from review.screening.state import load_settings

    _, full_text, _ = _final_outcomes(session, project_id, load_settings(session, project_id))
    included = {record_id for record_id, decision in full_text.items() if str(decision) == "include"}
    imported = set(session.scalars(select(ExtractionInclusionRow.record_id)
                                   .where(ExtractionInclusionRow.project_id == project_id)))
    return included | imported


def chartable_records(engine: Engine, project_id: int) -> list[tuple[int, str, str]]:
    """(record id, source key, title) of every study that may be charted, in import order."""
    with session_scope(engine) as session:
        ids = sorted(chartable_ids(session, project_id))
        rows = session.execute(select(RecordRow.id, RecordRow.source_key, RecordRow.title)
                               .where(RecordRow.id.in_(ids)).order_by(RecordRow.id)).all()
        return [(r.id, r.source_key or "", r.title or "") for r in rows]


def include_as_imported_coding(session: Session, project_id: int, record_ids: Iterable[int], by: str,
                               reason: str = "imported coding") -> None:
    present = set(session.scalars(select(ExtractionInclusionRow.record_id)
                                  .where(ExtractionInclusionRow.project_id == project_id)))
    for record_id in sorted(set(record_ids) - present):
        session.add(ExtractionInclusionRow(project_id=project_id, record_id=record_id, reason=reason, added_by=by))


# -- writing ----------------------------------------------------------------------------------------


def write_finding(session: Session, project_id: int, book: Codebook, record_id: int, spec: FindingSpec, *,
                  version: str, coder_id: int | None, coded_by: str, origin: str,
                  explains: Sequence[int] = ()) -> int:
    """Insert one finding (CodebookError if a code is unknown). The caller owns the transaction."""
    type_id, levels, themes, axis = book.resolve(spec)
    row = FindingRow(project_id=project_id, record_id=record_id, version=version, coder_id=coder_id,
                     coded_by=coded_by, type_id=type_id, description=spec.description.strip(),
                     quote=spec.quote.strip(), page=spec.page.strip(), illustrative=spec.illustrative,
                     note=spec.note, origin=origin)
    session.add(row)
    session.flush()
    for position, code_id in enumerate([*levels, *themes, *axis]):
        session.add(FindingCodeRow(project_id=project_id, finding_id=row.id, code_id=code_id, position=position))
    if explains:
        if book.by_id[type_id].name.casefold() != "mechanism":
            raise CodebookError("only a mechanism explains other findings")
        for explained in explains:
            target = session.get(FindingRow, explained)
            if target is None or target.project_id != project_id or target.record_id != record_id:
                raise CodebookError(f"finding {explained} is not a finding of the same study")
            session.add(FindingLinkRow(project_id=project_id, mechanism_id=row.id, explained_id=explained))
    return row.id


def add_finding(engine: Engine, project_id: int, actor: Actor, record_id: int, spec: FindingSpec,
                explains: Sequence[int] = ()) -> int:
    """A coder charts one finding of an included study; its id. FindingError/CodebookError say why not."""
    coder_id = actor.require_screener()
    with write_session(engine) as session:
        ensure_defaults(session, project_id)
        if record_id not in chartable_ids(session, project_id):
            raise FindingError(f"record {record_id} is not an included study: only included studies are charted")
        return write_finding(session, project_id, codebook_in(session, project_id), record_id, spec,
                             version="coder", coder_id=coder_id, coded_by=actor.username, origin="app",
                             explains=explains)


def retract_finding(engine: Engine, project_id: int, actor: Actor, finding_id: int) -> None:
    """Withdraw a finding (its row stays, marked retracted). Coders their own; the owner any."""
    with write_session(engine) as session:
        row = session.get(FindingRow, finding_id)
        if row is None or row.project_id != project_id:
            raise FindingError(f"there is no finding {finding_id}")
        if not actor.is_owner and row.coder_id != actor.user_id:
            raise PermissionDenied("a coder withdraws only their own findings")
        row.retracted_at = utcnow()


# -- reading ----------------------------------------------------------------------------------------


def _views(session: Session, project_id: int, rows: Sequence[FindingRow]) -> list[FindingView]:
    book = codebook_in(session, project_id)
    ids = [row.id for row in rows]
    codes: dict[int, list[int]] = {}
    links: dict[int, list[int]] = {}
    for part in _chunks(ids):
        for code in session.scalars(select(FindingCodeRow).where(FindingCodeRow.finding_id.in_(part))
                                    .order_by(FindingCodeRow.position, FindingCodeRow.id)):
            codes.setdefault(code.finding_id, []).append(code.code_id)
        for link in session.scalars(select(FindingLinkRow).where(FindingLinkRow.mechanism_id.in_(part))):
            links.setdefault(link.mechanism_id, []).append(link.explained_id)
    record_ids = sorted({row.record_id for row in rows})
    records = {}
    for part in _chunks(record_ids):
        records.update({r.id: r for r in session.execute(
            select(RecordRow.id, RecordRow.source_key, RecordRow.title, RecordRow.year).where(RecordRow.id.in_(part)))})
    coder_ids = sorted({row.coder_id for row in rows if row.coder_id is not None})
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(coder_ids))).all()) if coder_ids else {}
    views = []
    for row in rows:
        current = [book.current(code_id) for code_id in codes.get(row.id, [])]
        level_codes = [c for c in current if c.kind == "level"]
        theme_codes = [c for c in current if c.kind == "theme"]
        record = records[row.record_id]
        views.append(FindingView(
            id=row.id, record_id=row.record_id, source_key=record.source_key or "", title=record.title or "",
            year=record.year, version=row.version, type=book.current(row.type_id).name,
            levels=[c.name for c in level_codes], themes=[c.name for c in theme_codes],
            theme_paths=[book.path(c.id) for c in theme_codes],
            axis_codes=[f"{c.axis}: {c.name}" for c in current if c.kind == "axis"],
            type_id=book.current(row.type_id).id, level_ids=[c.id for c in level_codes],
            theme_ids=[c.id for c in theme_codes], description=row.description, quote=row.quote, page=row.page,
            coded_by=names.get(row.coder_id, row.coded_by) if row.coder_id is not None else row.coded_by,
            coder_id=row.coder_id, created_at=row.created_at, illustrative=row.illustrative, note=row.note,
            explains=sorted(links.get(row.id, [])),
        ))
    return views


def _chunks(ids: Sequence[int], size: int = 500) -> list[list[int]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def _active(project_id: int) -> object:
    return select(FindingRow).where(FindingRow.project_id == project_id, FindingRow.retracted_at.is_(None))


def reconciled_ids(session: Session, project_id: int) -> set[int]:
    return set(session.scalars(select(ReconciliationRow.record_id).where(ReconciliationRow.project_id == project_id)))


def findings_visible_to(engine: Engine, project_id: int, actor: Actor, record_id: int | None = None) -> list[FindingView]:
    """The findings the actor may see. Blinding: in dual extraction a reviewer sees only their own
    coder findings of a study until it is reconciled (then the consensus too); owners see all."""
    actor.require_member("see findings")
    with session_scope(engine) as session:
        query = select(FindingRow).where(FindingRow.project_id == project_id, FindingRow.retracted_at.is_(None))
        if record_id is not None:
            query = query.where(FindingRow.record_id == record_id)
        rows = list(session.scalars(query.order_by(FindingRow.record_id, FindingRow.id)))
        if not actor.is_owner and dual_extraction(session, project_id):
            done = reconciled_ids(session, project_id)
            rows = [
                row for row in rows
                if row.coder_id == actor.user_id or (row.version == "consensus" and row.record_id in done)
                or (row.version == "consensus" and row.origin != "reconciliation")
            ]
        return _views(session, project_id, rows)


def consensus_findings(engine: Engine, project_id: int) -> list[FindingView]:
    """The findings the map uses: of chartable studies only; single coding → every coder's findings
    and consensus ones; dual coding → consensus findings only (reconciled or imported)."""
    with session_scope(engine) as session:
        chartable = chartable_ids(session, project_id)
        dual = dual_extraction(session, project_id)
        query = select(FindingRow).where(FindingRow.project_id == project_id, FindingRow.retracted_at.is_(None))
        if dual:
            query = query.where(FindingRow.version == "consensus")
        rows = [row for row in session.scalars(query.order_by(FindingRow.record_id, FindingRow.id))
                if row.record_id in chartable]
        return _views(session, project_id, rows)

"""Dual extraction: compare two coders' findings of a study side by side, report agreement, and
let the owner reconcile them into the consensus findings the map uses.

Only the owner (or a reviewer named as third reviewer, as in screening) compares and reconciles;
coders stay blind to each other until then (`findings.findings_visible_to`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select

from review.extraction.agreement import (
    Coded,
    CodingAgreement,
    FieldAgreement,
    Matching,
    coding_agreement,
    field_agreement,
    match_findings,
    pair_agreement,
)
from review.extraction.codebook import codebook_in
from review.extraction.findings import FindingError, FindingView, _views, write_finding
from review.extraction.forms import current_values, form_fields
from review.extraction.model import FindingSpec
from review.people import Actor
from review.store.engine import session_scope
from review.store.extraction_schema import (
    CharacteristicFieldRow,
    FindingLinkRow,
    FindingRow,
    ReconciliationRow,
)
from review.store.schema import utcnow
from review.store.screening_schema import User
from review.store.transactions import write_session


@dataclass(frozen=True)
class Comparison:
    record_id: int
    coder_a: str
    coder_b: str
    findings_a: list[FindingView]
    findings_b: list[FindingView]
    matching: Matching
    agreement: CodingAgreement


def _coded(view: FindingView) -> Coded:
    return Coded(view.id, view.type, frozenset(view.levels), frozenset(view.themes))


def _coder_findings(engine: Engine, project_id: int, record_id: int | None) -> dict[str, list[FindingView]]:
    with session_scope(engine) as session:
        query = select(FindingRow).where(FindingRow.project_id == project_id, FindingRow.version == "coder",
                                         FindingRow.retracted_at.is_(None))
        if record_id is not None:
            query = query.where(FindingRow.record_id == record_id)
        views = _views(session, project_id, list(session.scalars(query.order_by(FindingRow.id))))
    by_coder: dict[str, list[FindingView]] = {}
    for view in views:
        by_coder.setdefault(view.coded_by, []).append(view)
    return by_coder


def compare_coding(engine: Engine, project_id: int, actor: Actor, record_id: int) -> Comparison:
    """The two coders' findings of a study side by side, paired by the matching rule."""
    actor.require_resolver()
    by_coder = _coder_findings(engine, project_id, record_id)
    names = sorted(by_coder)
    if len(names) < 2:
        raise FindingError(f"study {record_id} has findings of {len(names)} coder(s): a comparison needs two")
    a, b = names[0], names[1]
    coded_a, coded_b = [_coded(v) for v in by_coder[a]], [_coded(v) for v in by_coder[b]]
    return Comparison(record_id, a, b, by_coder[a], by_coder[b], match_findings(coded_a, coded_b),
                      coding_agreement(coded_a, coded_b))


def project_agreement(engine: Engine, project_id: int, actor: Actor) -> CodingAgreement:
    """Agreement over every study two coders charted (matched per study, pooled)."""
    actor.require_resolver()
    with session_scope(engine) as session:
        record_ids = sorted(set(session.scalars(select(FindingRow.record_id).where(
            FindingRow.project_id == project_id, FindingRow.version == "coder"))))
    pairs: list[tuple[Coded, Coded]] = []
    only_a = only_b = 0
    for record_id in record_ids:
        by_coder = _coder_findings(engine, project_id, record_id)
        names = sorted(by_coder)
        if len(names) < 2:
            continue
        coded_a = {v.id: _coded(v) for v in by_coder[names[0]]}
        coded_b = {v.id: _coded(v) for v in by_coder[names[1]]}
        matching = match_findings(list(coded_a.values()), list(coded_b.values()))
        pairs.extend((coded_a[i], coded_b[j]) for i, j in matching.pairs)
        only_a += len(matching.only_a)
        only_b += len(matching.only_b)
    return pair_agreement(pairs, only_a, only_b)


def characteristics_agreement(engine: Engine, project_id: int, actor: Actor) -> list[FieldAgreement]:
    """Agreement per field of the form (`agreement.field_agreement`) over every study two coders
    charted: the first two coders by name, as for findings."""
    actor.require_resolver()
    fields = form_fields(engine, project_id)
    with session_scope(engine) as session:
        field_keys = dict(session.execute(select(CharacteristicFieldRow.id, CharacteristicFieldRow.key)
                                          .where(CharacteristicFieldRow.project_id == project_id)).all())
        by_study: dict[int, dict[int, dict[str, str]]] = {}
        for value in current_values(session, project_id):
            if value.version == "coder" and value.coder_id is not None:
                by_study.setdefault(value.record_id, {}).setdefault(value.coder_id, {})[field_keys[value.field_id]] = \
                    value.text
        coder_ids = sorted({coder for coders in by_study.values() for coder in coders})
        names = dict(session.execute(select(User.id, User.username).where(User.id.in_(coder_ids))).all()) \
            if coder_ids else {}
    pairs: list[tuple[dict[str, str], dict[str, str]]] = []
    for coders in by_study.values():
        charted = sorted((names.get(coder, ""), values) for coder, values in coders.items() if any(values.values()))
        if len(charted) >= 2:
            pairs.append((charted[0][1], charted[1][1]))
    return [field_agreement(spec.key, spec.label, spec.field_type,
                            [(a.get(spec.key, ""), b.get(spec.key, "")) for a, b in pairs]) for spec in fields]


def reconcile(engine: Engine, project_id: int, actor: Actor, record_id: int, keep: Sequence[int],
              extra: Sequence[FindingSpec] = (), note: str = "") -> list[int]:
    """Write the consensus findings of a study: copies of the coder findings in `keep` plus `extra`
    (findings the owner writes themselves). An earlier consensus of the study is withdrawn (its rows
    stay). Returns the new consensus finding ids."""
    actor.require_resolver()
    with write_session(engine) as session:
        book = codebook_in(session, project_id)
        now = utcnow()
        for old in session.scalars(select(FindingRow).where(
                FindingRow.project_id == project_id, FindingRow.record_id == record_id,
                FindingRow.version == "consensus", FindingRow.retracted_at.is_(None))):
            old.retracted_at = now
        created: list[int] = []
        copies: dict[int, int] = {}
        source_views = {v.id: v for v in _views(session, project_id, list(session.scalars(
            select(FindingRow).where(FindingRow.id.in_(list(keep)), FindingRow.project_id == project_id))))}
        for finding_id in keep:
            view = source_views.get(finding_id)
            if view is None or view.record_id != record_id:
                raise FindingError(f"finding {finding_id} is not a finding of study {record_id}")
            spec = FindingSpec(view.type, view.levels, view.themes, view.description, view.quote, view.page,
                               axis_codes=[c.split(": ", 1)[1] for c in view.axis_codes],
                               illustrative=view.illustrative, note=view.note)
            copies[finding_id] = write_finding(session, project_id, book, record_id, spec, version="consensus",
                                               coder_id=None, coded_by=view.coded_by, origin="reconciliation")
            created.append(copies[finding_id])
        for finding_id, view in ((f, source_views[f]) for f in keep):
            explained = [copies[e] for e in view.explains if e in copies]
            if explained:
                for target in explained:
                    session.add(FindingLinkRow(project_id=project_id, mechanism_id=copies[finding_id],
                                               explained_id=target))
        for spec in extra:
            created.append(write_finding(session, project_id, book, record_id, spec, version="consensus",
                                         coder_id=actor.user_id, coded_by=actor.username, origin="reconciliation"))
        session.add(ReconciliationRow(project_id=project_id, record_id=record_id, reconciled_by=actor.user_id,
                                      note=note))
    return created

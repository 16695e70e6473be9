"""Screening in the database: what the pages and the command line call.

Every function takes the engine, the project id and an `Actor` (`review.people`), checks what
the actor may do (`PermissionDenied`) and never returns a decision the actor may not see
(`review.screening.visibility`). Writes are append-only events (`decisions_store`); the queue is
in `queue`; full texts in `fulltext`. The rules themselves are the pure functions of
`review.screening.model`, `conflicts`, `agreement` and `prisma`.

Re-exported here so that a page imports one module:
`record_decision`, `undo_last_decision`, `new_key`, `next_record`, `record_card`,
`attach_full_text`, `mark_not_retrievable`, `full_text_of`, `full_text_pdf`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select, true
from sqlalchemy.orm import Session

from review.people import Actor, PermissionDenied, current_actor
from review.records.model import Record
from review.screening.agreement import (
    BatchAgreement,
    PairAgreement,
    PilotResult,
    agreement_by_batch,
    pairwise_agreement,
    pilot_result,
)
from review.screening.conflicts import Resolution, final_decisions, final_reasons, validate_resolution
from review.screening.decisions_store import (
    DecisionReceipt,
    new_key,
    record_decision,
    undo_last_decision,
)
from review.screening.fulltext import (
    MAX_PDF_BYTES,
    FullTextInfo,
    attach_full_text,
    full_text_of,
    full_text_pdf,
    mark_not_retrievable,
    not_retrieved_ids,
)
from review.screening.model import STAGES, Decision, DecisionEvent, parse_stage
from review.screening.prisma import PrismaCounts, compute_prisma
from review.screening.queue import (
    RecordCard,
    eligible_records,
    next_record,
    pilot_record_ids,
    queue_size,
    record_card,
)
from review.screening.settings import SETTINGS_KEY, ProtocolSettings, project_settings
from review.screening.state import (
    FULL_TEXT,
    TITLE_ABSTRACT,
    ScreeningError,
    as_utc,
    chunks,
    classify,
    load_settings,
    lock_status,
    primary_record,
    rebuild_state,
    refresh,
    stage_events,
    sync_status_rows,
    to_event,
)
from review.screening.visibility import DecisionScope, decision_scope
from review.store.engine import session_scope
from review.store.records import to_record
from review.store.schema import Project, RecordRow, Source, utcnow
from review.store.screening_schema import (
    CurrentDecision,
    DecisionEventRow,
    Membership,
    ResolutionRow,
    ScreeningStatus,
    User,
)
from review.store.transactions import DatabaseUnavailable, retrying, write_session

__all__ = [
    "MAX_PDF_BYTES",
    "AgreementReport",
    "ConflictView",
    "DatabaseUnavailable",
    "DecisionReceipt",
    "FullTextInfo",
    "PilotStatus",
    "Progress",
    "RecordCard",
    "ScreeningError",
    "ShownDecision",
    "VisibleDecision",
    "agreement_report",
    "attach_full_text",
    "conflicts",
    "decision_rows",
    "decisions_visible_to",
    "full_text_of",
    "full_text_pdf",
    "included_records",
    "mark_not_retrievable",
    "new_key",
    "next_record",
    "pilot_status",
    "prisma_counts",
    "progress",
    "protocol",
    "record_card",
    "record_decision",
    "resolve_conflict",
    "retract_resolution",
    "undo_last_decision",
    "update_settings",
]


# -- protocol settings ------------------------------------------------------------------------


def protocol(engine: Engine, project_id: int) -> ProtocolSettings:
    """The project's screening protocol (any member may read it: it is shown beside each record)."""

    def attempt() -> ProtocolSettings:
        with session_scope(engine) as session:
            return load_settings(session, project_id)

    return retrying(attempt, what="the protocol", reads=True)


def update_settings(engine: Engine, project_id: int, actor: Actor, **changes: Any) -> ProtocolSettings:
    """Change protocol settings (owner only); ValueError for an unknown or out-of-range value.

    Changing the reviewers needed or the rule for Maybe re-derives every record's state from the
    decisions (a record agreed by two may become pending when three are needed).
    """
    with write_session(engine) as session:
        current_actor(session, project_id, actor).require_owner("change the screening protocol")
        project = session.get(Project, project_id)
        if project is None:
            raise ScreeningError(f"there is no project with id {project_id}")
        before = project_settings(project.settings)
        after = before.with_values(**changes)
        project.settings = {**(project.settings or {}), SETTINGS_KEY: after.to_stored()}
    rule_fields = ("reviewers_title_abstract", "reviewers_full_text", "maybe_counts_as_include")
    if any(getattr(before, name) != getattr(after, name) for name in rule_fields):
        rebuild_state(engine, project_id)
    return after


# -- reading decisions (the blinding rule) ----------------------------------------------------


@dataclass(frozen=True)
class VisibleDecision:
    event_id: int
    record_id: int
    stage: str
    reviewer_id: int
    reviewer: str
    decision: str
    reason: str | None
    note: str | None
    decided_at: datetime
    origin: str


def decisions_visible_to(
    engine: Engine, project_id: int, actor: Actor, stage: str | None = None, *, history: bool = False
) -> list[VisibleDecision]:
    """The decisions `actor` may see: the current ones (or every event, with `history`).

    THE BLINDING RULE: a reviewer while blinding is on gets only their own decisions; the owner
    gets everyone's; a viewer gets none.
    """
    with session_scope(engine) as session:
        actor = current_actor(session, project_id, actor)
        scope = decision_scope(actor, load_settings(session, project_id))
        if scope == DecisionScope.NONE:
            return []
        query = (
            select(DecisionEventRow, User.username)
            .join(User, User.id == DecisionEventRow.reviewer_id)
            .where(DecisionEventRow.project_id == project_id)
        )
        if not history:
            query = query.join(CurrentDecision, CurrentDecision.event_id == DecisionEventRow.id)
        if stage is not None:
            query = query.where(DecisionEventRow.stage == parse_stage(stage))
        if scope == DecisionScope.OWN:
            query = query.where(DecisionEventRow.reviewer_id == actor.user_id)
        query = query.order_by(DecisionEventRow.decided_at, DecisionEventRow.id)
        return [
            VisibleDecision(
                row.id,
                row.record_id,
                row.stage,
                row.reviewer_id,
                username,
                row.decision,
                row.reason,
                row.note,
                as_utc(row.decided_at),
                row.origin,
            )
            for row, username in session.execute(query).all()
        ]


# -- conflicts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownDecision:
    """One reviewer's decision as a resolver sees it: "Reviewer A" while blinding is on."""

    reviewer: str
    decision: str
    reason: str | None
    note: str | None


@dataclass(frozen=True)
class ConflictView:
    record_id: int
    stage: str
    title: str
    source_key: str
    kind: str
    """disagreement | all_maybe"""
    decisions: tuple[ShownDecision, ...]
    resolution: str | None = None
    resolution_reason: str | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None


def _conflict_ids(session: Session, project_id: int, stage: str, include_resolved: bool) -> list[int]:
    query = (
        select(ScreeningStatus.record_id)
        .join(RecordRow, RecordRow.id == ScreeningStatus.record_id)
        .where(
            ScreeningStatus.project_id == project_id,
            ScreeningStatus.stage == stage,
            ScreeningStatus.status == "conflict",
            RecordRow.duplicate_of.is_(None),
        )
        .order_by(ScreeningStatus.queue_rank, ScreeningStatus.record_id)
    )
    if not include_resolved:
        query = query.where(ScreeningStatus.final_decision.is_(None))
    return list(session.scalars(query))


def conflicts(
    engine: Engine, project_id: int, actor: Actor, stage: str, *, include_resolved: bool = False
) -> list[ConflictView]:
    """Records in conflict at `stage`, for the owner or a named third reviewer.

    With blinding on, decisions are shown as "Reviewer A", "Reviewer B" (in the order they were
    made), never with names. A third reviewer sees only conflicts on records they did not screen
    themselves (and no pilot record they still have to screen), so resolving never unblinds them.
    """
    stage = parse_stage(stage)
    with session_scope(engine) as session:
        actor = current_actor(session, project_id, actor)
        actor.require_resolver()
        settings = load_settings(session, project_id)
        ids = _conflict_ids(session, project_id, stage, include_resolved)
        if not actor.is_owner:
            ids = _hide_own_records(session, project_id, actor, stage, settings, ids)
        if not ids:
            return []
        states = classify(session, project_id, settings, stage, ids)
        events = {event.event_id: event for event in stage_events(session, project_id, stage, ids)}
        names = _names(
            session,
            {e.reviewer_id for e in events.values()}
            | {s.resolution.resolved_by for s in states.values() if s.resolution is not None},
        )
        records = _records(session, ids)
        views: list[ConflictView] = []
        for record_id in ids:
            state = states[record_id]
            if state.status != "conflict":
                continue  # changed since the status row was read
            current = sorted(
                (
                    e
                    for e in events.values()
                    if e.record_id == record_id and state.decisions.get(e.reviewer_id) == e.decision
                ),
                key=lambda e: e.order,
            )
            latest: dict[int, DecisionEvent] = {}
            for event in current:
                latest[event.reviewer_id] = event
            shown = tuple(
                ShownDecision(
                    f"Reviewer {chr(ord('A') + position)}"
                    if settings.blinding
                    else names.get(e.reviewer_id, "?"),
                    e.decision,
                    e.reason,
                    e.note,
                )
                for position, e in enumerate(sorted(latest.values(), key=lambda e: e.order))
            )
            resolution = state.resolution
            record = records[record_id]
            views.append(
                ConflictView(
                    record_id,
                    stage,
                    record.title or "",
                    record.source_key or "",
                    state.conflict_kind or "disagreement",
                    shown,
                    resolution.decision if resolution else None,
                    resolution.reason if resolution else None,
                    names.get(resolution.resolved_by) if resolution else None,
                    resolution.resolved_at if resolution else None,
                )
            )
        return views


def _hide_own_records(
    session: Session, project_id: int, actor: Actor, stage: str, settings: ProtocolSettings, ids: list[int]
) -> list[int]:
    mine = set(
        session.scalars(
            select(DecisionEventRow.record_id).where(
                DecisionEventRow.project_id == project_id,
                DecisionEventRow.stage == stage,
                DecisionEventRow.reviewer_id == actor.user_id,
            )
        )
    )
    pilot = set(pilot_record_ids(session, project_id, settings)) if stage == TITLE_ABSTRACT else set()
    return [record_id for record_id in ids if record_id not in mine and record_id not in pilot]


def resolve_conflict(
    engine: Engine,
    project_id: int,
    actor: Actor,
    record_id: int,
    stage: str,
    decision: str,
    reason: str | None = None,
) -> str:
    """Settle a conflict with include or exclude (a reason is needed for a full-text exclusion).

    Owner, or a named third reviewer who did not screen this record. Returns the final decision.
    Not repeated after a lost connection (a second resolution row would be stored if the first
    had committed): `DatabaseUnavailable` says so.
    """
    stage = parse_stage(stage)

    def attempt() -> str:
        with write_session(engine) as session:
            resolver = current_actor(session, project_id, actor)
            resolver.require_resolver()
            if resolver.user_id is None:
                raise PermissionDenied("a resolution belongs to a named person: resolve in the app")
            settings = load_settings(session, project_id)
            primary_record(session, project_id, record_id)
            lock_status(session, project_id, stage, [record_id])
            state = classify(session, project_id, settings, stage, [record_id])[record_id]
            resolution = Resolution(
                record_id,
                stage,
                decision.strip().lower(),
                (reason or "").strip() or None,
                resolver.user_id,
                utcnow(),
                0,
            )
            try:
                validate_resolution(resolution, state, resolver_must_be_independent=not resolver.is_owner)
            except ValueError as error:
                raise ScreeningError(str(error)) from None
            session.add(
                ResolutionRow(
                    project_id=project_id,
                    record_id=record_id,
                    stage=stage,
                    decision=resolution.decision,
                    reason=resolution.reason,
                    resolved_by=resolver.user_id,
                    resolved_at=resolution.resolved_at,
                )
            )
            session.flush()
            refresh(session, project_id, settings, stage, [record_id])
            return resolution.decision

    return retrying(attempt, what="the resolution", repeatable=False)


def retract_resolution(engine: Engine, project_id: int, actor: Actor, record_id: int, stage: str) -> None:
    """Undo a resolution: the record is an open conflict again (run once, like `resolve_conflict`)."""
    stage = parse_stage(stage)

    def attempt() -> None:
        with write_session(engine) as session:
            resolver = current_actor(session, project_id, actor)
            resolver.require_resolver()
            if resolver.user_id is None:
                raise PermissionDenied("a resolution belongs to a named person: resolve in the app")
            settings = load_settings(session, project_id)
            lock_status(session, project_id, stage, [record_id])
            session.add(
                ResolutionRow(
                    project_id=project_id,
                    record_id=record_id,
                    stage=stage,
                    decision=Decision.RETRACTED.value,
                    resolved_by=resolver.user_id,
                    resolved_at=utcnow(),
                )
            )
            session.flush()
            refresh(session, project_id, settings, stage, [record_id])

    retrying(attempt, what="taking back the resolution", repeatable=False)


# -- progress ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """Counts only. Outcome counts (agreed, conflicts, included) are None for a blinded reviewer:
    watching them change after one's own decision would tell what the other reviewer decided."""

    stage: str
    eligible: int
    """Records screened at this stage."""
    complete: int
    """Records with every required decision."""
    pending: int
    """Records still needing decisions (not those excluded by automation)."""
    mine_decided: int | None = None
    mine_remaining: int | None = None
    agreed_include: int | None = None
    agreed_exclude: int | None = None
    conflicts: int | None = None
    """Conflicts still waiting for a resolution."""
    resolved: int | None = None
    included: int | None = None
    excluded: int | None = None
    excluded_by_automation: int = 0
    """Records excluded by automation (`review.screening.automation`), neither complete nor pending."""


def progress(engine: Engine, project_id: int, actor: Actor, stage: str) -> Progress:
    """My progress (decided / still in my queue) and the team's (read again after a lost connection)."""
    stage = parse_stage(stage)
    return retrying(
        lambda: _progress(engine, project_id, actor, stage), what="the progress counts", reads=True
    )


def _progress(engine: Engine, project_id: int, actor: Actor, stage: str) -> Progress:
    sync_status_rows(engine, project_id)
    with session_scope(engine) as session:
        actor = current_actor(session, project_id, actor)
        settings = load_settings(session, project_id)
        required = settings.reviewers_required(stage)
        eligible = (
            eligible_records(project_id, stage)
            .add_columns(
                ScreeningStatus.decided,
                ScreeningStatus.status,
                ScreeningStatus.final_decision,
                ScreeningStatus.automation_excluded,
            )
            .subquery()
        )
        grouped = session.execute(
            select(
                eligible.c.status,
                eligible.c.final_decision,
                eligible.c.decided,
                eligible.c.automation_excluded,
                func.count(),
            ).group_by(
                eligible.c.status,
                eligible.c.final_decision,
                eligible.c.decided,
                eligible.c.automation_excluded,
            )
        ).all()
        automated = sum(n for *_, excluded, n in grouped if excluded)
        rows = [(status, final, decided >= required, n) for status, final, decided, excluded, n in grouped]
        total = sum(count for *_, count in rows)
        complete = sum(count for _, _, done, count in rows if done)
        mine_decided = mine_remaining = None
        if actor.can_screen and actor.user_id is not None:
            mine_decided = session.scalar(
                select(func.count())
                .select_from(CurrentDecision)
                .where(
                    CurrentDecision.project_id == project_id,
                    CurrentDecision.stage == stage,
                    CurrentDecision.reviewer_id == actor.user_id,
                    CurrentDecision.record_id.in_(select(eligible.c.record_id)),
                )
            )
            mine_remaining = queue_size(session, project_id, actor.user_id, stage, settings)
        base = Progress(
            stage,
            total,
            complete,
            total - complete - automated,
            mine_decided,
            mine_remaining,
            excluded_by_automation=automated,
        )
        if decision_scope(actor, settings) == DecisionScope.OWN:
            return base

        def count(status: str | None = None, final: str | None = None, open_only: bool = False) -> int:
            return sum(
                n
                for s, f, _, n in rows
                if (status is None or s == status)
                and (final is None or f == final)
                and (not open_only or f is None)
            )

        return Progress(
            stage,
            total,
            complete,
            total - complete - automated,
            mine_decided,
            mine_remaining,
            agreed_include=count("agreed_include"),
            agreed_exclude=count("agreed_exclude"),
            conflicts=count("conflict", open_only=True),
            resolved=count("conflict") - count("conflict", open_only=True),
            included=count(final="include"),
            excluded=count(final="exclude"),
            excluded_by_automation=automated,
        )


# -- agreement and the pilot ------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementReport:
    """Agreement per stage and reviewer pair, and per batch over time; `names` maps reviewer ids."""

    pairs: list[PairAgreement]
    batches: list[BatchAgreement]
    names: dict[int, str]

    def rows(self) -> list[dict[str, object]]:
        """The command-line JSON: the contract's keys, with reviewer names instead of ids."""
        out = []
        for pair in self.pairs:
            row = pair.to_dict()
            row["reviewer_a"] = self.names.get(pair.reviewer_a, str(pair.reviewer_a))
            row["reviewer_b"] = self.names.get(pair.reviewer_b, str(pair.reviewer_b))
            out.append(row)
        return out


def _current_events(session: Session, project_id: int, stage: str | None) -> list[DecisionEvent]:
    """Current decisions on primary records."""
    query = (
        select(DecisionEventRow)
        .join(CurrentDecision, CurrentDecision.event_id == DecisionEventRow.id)
        .join(RecordRow, RecordRow.id == DecisionEventRow.record_id)
        .where(DecisionEventRow.project_id == project_id, RecordRow.duplicate_of.is_(None))
    )
    if stage is not None:
        query = query.where(DecisionEventRow.stage == stage)
    return [to_event(row) for row in session.scalars(query)]


def _require_aggregate_view(actor: Actor, settings: ProtocolSettings) -> None:
    if decision_scope(actor, settings) == DecisionScope.OWN:
        raise PermissionDenied("while blinding is on, agreement between reviewers is for the owner to see")


def agreement_report(
    engine: Engine, project_id: int, actor: Actor, stage: str | None = None, *, batch_size: int | None = None
) -> AgreementReport:
    """n, percent agreement, Cohen's kappa, PABAK and prevalence per reviewer pair (and per batch).

    For the owner and viewers (and reviewers once blinding is off).
    """
    with session_scope(engine) as session:
        actor = current_actor(session, project_id, actor)
        settings = load_settings(session, project_id)
        _require_aggregate_view(actor, settings)
        chosen = parse_stage(stage) if stage is not None else None
        events = _current_events(session, project_id, chosen)
        pairs = pairwise_agreement(events, chosen, settings.maybe_counts_as_include)
        size = batch_size or settings.agreement_batch_size
        batches = [
            batch
            for each in (STAGES if chosen is None else (chosen,))
            for batch in agreement_by_batch(
                events, each, size, maybe_counts_as_include=settings.maybe_counts_as_include
            )
        ]
        names = _names(session, {e.reviewer_id for e in events})
        return AgreementReport(pairs, batches, names)


@dataclass(frozen=True)
class PilotStatus:
    """The calibration pilot: its records and, once anyone screened them, the result."""

    record_ids: list[int]
    result: PilotResult | None
    names: dict[int, str] = field(default_factory=dict)


def pilot_status(engine: Engine, project_id: int, actor: Actor) -> PilotStatus:
    """Pass or fail of the calibration pilot (every member may see it; a blinded reviewer sees the
    team's figures, not the reviewer pairs)."""
    sync_status_rows(engine, project_id)
    with session_scope(engine) as session:
        actor = current_actor(session, project_id, actor)
        settings = load_settings(session, project_id)
        ids = pilot_record_ids(session, project_id, settings)
        if not ids:
            return PilotStatus([], None)
        events = [e for e in _current_events(session, project_id, TITLE_ABSTRACT) if e.record_id in set(ids)]
        screeners = set(
            session.scalars(
                select(Membership.user_id).where(
                    Membership.project_id == project_id,
                    Membership.removed_at.is_(None),
                    Membership.role == "reviewer",
                )
            )
        ) | {e.reviewer_id for e in events}
        result = pilot_result(
            events,
            TITLE_ABSTRACT,
            ids,
            settings.pilot_pass_mark,
            maybe_counts_as_include=settings.maybe_counts_as_include,
            reviewer_ids=screeners,
        )
        if decision_scope(actor, settings) == DecisionScope.OWN:
            mine = {k: v for k, v in result.missing.items() if k == actor.user_id}
            result = PilotResult(
                result.complete,
                result.agreement if result.complete else None,
                result.kappa if result.complete else None,
                result.passed,
                result.measure,
                result.pass_mark,
                result.n_records,
                result.reviewers,
                mine,
                (),
            )
        return PilotStatus(ids, result, _names(session, set(result.reviewers)))


# -- PRISMA and exports -----------------------------------------------------------------------


def _final_outcomes(
    session: Session, project_id: int, settings: ProtocolSettings
) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    """Final title/abstract and full-text decisions of primary records, and full-text reasons."""
    primary = set(
        session.scalars(
            select(RecordRow.id).where(RecordRow.project_id == project_id, RecordRow.duplicate_of.is_(None))
        )
    )
    title_abstract = {
        r: d
        for r, d in final_decisions(classify(session, project_id, settings, TITLE_ABSTRACT)).items()
        if r in primary
    }
    full_text_states = classify(session, project_id, settings, FULL_TEXT)
    full_text_states = {
        r: s for r, s in full_text_states.items() if title_abstract.get(r) == Decision.INCLUDE
    }
    return title_abstract, final_decisions(full_text_states), final_reasons(full_text_states)


def prisma_counts(engine: Engine, project_id: int) -> PrismaCounts:
    """The PRISMA-ScR flow counts of the project, computed from the database.

    Identified per source database (the source file's database, else the record's, else the
    file name); duplicates removed automatically / by a person (the records' merge links);
    final decisions per stage from the events; not retrieved from the full-text log; excluded
    by automation from the owner's exclusions (`review.screening.automation`).
    """
    with session_scope(engine) as session:
        settings = load_settings(session, project_id)
        rows = session.execute(
            select(
                RecordRow.id,
                Source.source_database,
                RecordRow.source_database,
                Source.file_name,
                RecordRow.duplicate_of,
                RecordRow.merge_method,
            )
            .join(Source, Source.id == RecordRow.source_id)
            .where(RecordRow.project_id == project_id)
        ).all()
        sources = {row[0]: row[1] or row[2] or _base_name(row[3]) for row in rows}
        automatic = [row[0] for row in rows if row[4] is not None and row[5] == "auto"]
        manual = [row[0] for row in rows if row[4] is not None and row[5] != "auto"]
        title_abstract, full_text, reasons = _final_outcomes(session, project_id, settings)
        return compute_prisma(
            sources=sources,
            removed_automatic=automatic,
            removed_manual=manual,
            title_abstract=title_abstract,
            full_text=full_text,
            full_text_reasons=reasons,
            not_retrieved=not_retrieved_ids(session, project_id),
            excluded_by_automation=_excluded_by_automation(session, project_id),
        )


def _excluded_by_automation(session: Session, project_id: int) -> list[int]:
    """Records excluded by automation now (`state.derive_automation_flags`: covered by an
    exclusion not undone, and without any decision)."""
    return list(
        session.scalars(
            select(ScreeningStatus.record_id).where(
                ScreeningStatus.project_id == project_id,
                ScreeningStatus.stage == TITLE_ABSTRACT,
                ScreeningStatus.automation_excluded == true(),
            )
        )
    )


def _base_name(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def included_records(engine: Engine, project_id: int) -> list[Record]:
    """The records finally included at full text, in import order."""
    with session_scope(engine) as session:
        _, full_text, _ = _final_outcomes(session, project_id, load_settings(session, project_id))
        ids = sorted(r for r, d in full_text.items() if d == Decision.INCLUDE)
        return [to_record(row) for row in _records(session, ids).values()]


#: The columns of `export --what decisions`.
DECISION_COLUMNS: tuple[str, ...] = (
    "source_key",
    "record_id",
    "title",
    "reviewer",
    "stage",
    "decision",
    "reason",
    "note",
    "decided_at",
)


def decision_rows(engine: Engine, project_id: int, actor: Actor) -> list[dict[str, object]]:
    """Every decision event the actor may see, one row each (`DECISION_COLUMNS`), oldest first."""
    visible = decisions_visible_to(engine, project_id, actor, history=True)
    with session_scope(engine) as session:
        records = _records(session, sorted({d.record_id for d in visible}))
    return [
        {
            "source_key": records[d.record_id].source_key or "",
            "record_id": d.record_id,
            "title": records[d.record_id].title or "",
            "reviewer": d.reviewer,
            "stage": d.stage,
            "decision": d.decision,
            "reason": d.reason or "",
            "note": d.note or "",
            "decided_at": d.decided_at.isoformat(timespec="seconds"),
        }
        for d in visible
    ]


# -- helpers ----------------------------------------------------------------------------------


def _names(session: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(sorted(user_ids)))).all())


def _records(session: Session, record_ids: Sequence[int]) -> dict[int, RecordRow]:
    found: dict[int, RecordRow] = {}
    for part in chunks(list(record_ids)):
        for row in session.scalars(select(RecordRow).where(RecordRow.id.in_(part))):
            found[row.id] = row
    return {record_id: found[record_id] for record_id in record_ids if record_id in found}

"""Excluding the records still unscreened "by automation", once the stopping rule says it is safe.

PRISMA 2020 counts records "excluded by automation tools" apart from those a person excluded. A
team screening in prioritised order may stop when the stopping rule
(`prioritise.stopping_estimate`, Callaghan and Müller-Hansen) says the includes are very probably
found, and exclude the rest by that rule. This module is that step, as an owner's event:

- **apply** (owner only, confirmed, and only while the rule says "safe to stop" on the team's
  final decisions — the same figures the Progress & stopping page shows): one
  `automation_exclusions` row with the rule's figures, and one `automation_exclusion_records` row
  per record it covers: every primary record with no title/abstract decision event by anyone,
  outside the calibration pilot. A record someone included, excluded or marked Maybe (even if
  they took it back since) is never covered.
- **effect**, derived (`state.derive_automation_flags`): a covered record with no current
  decision is `automation_excluded`; it leaves every reviewer's queue and PRISMA counts it under
  "excluded by automation". A decision made on it later (a CSV import, a reviewer who still had
  it open) takes it out of that count and back into the normal flow.
- **undo** (owner only): the event is marked undone (kept, with who and when), its records go
  back into the queues.

Why only when the rule says it is safe: an exclusion against the rule is the one thing a PRISMA
reader cannot check afterwards, and a team that stops anyway loses nothing by leaving the rest
unscreened (PRISMA then shows them as awaiting screening, which is the honest account).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, false, func, insert, select
from sqlalchemy.orm import Session

from review.people import Actor, PermissionDenied, current_actor
from review.screening.prioritise import StoppingEstimate
from review.screening.priority_queue import records_fingerprint
from review.screening.queue import eligible_records, pilot_record_ids
from review.screening.state import (
    TITLE_ABSTRACT,
    ScreeningError,
    as_utc,
    chunks,
    derive_automation_flags,
    load_settings,
    sync_status_rows,
)
from review.screening.stopping_guidance import curve, final_labels
from review.store.engine import session_scope
from review.store.schema import utcnow
from review.store.screening_schema import (
    AutomationExclusion,
    AutomationExclusionRecord,
    DecisionEventRow,
    ResolutionRow,
    ScreeningStatus,
    User,
)
from review.store.transactions import lock_project, retrying, write_session

#: The rule an exclusion applies, as stored in `automation_exclusions.rule`.
RULE = "callaghan_mueller_hansen_2020"
RULE_NAME = "Callaghan & Müller-Hansen (2020) statistical stopping rule"

__all__ = [
    "RULE",
    "RULE_NAME",
    "ExclusionInfo",
    "ExclusionPreview",
    "apply_automation_exclusion",
    "automation_exclusions",
    "exclusion_preview",
    "undo_automation_exclusion",
]


@dataclass(frozen=True)
class ExclusionPreview:
    """What applying would do now: the records it would cover and the rule's verdict."""

    records: int
    estimate: StoppingEstimate

    @property
    def safe_to_stop(self) -> bool:
        return self.estimate.safe_to_stop


@dataclass(frozen=True)
class ExclusionInfo:
    """One automation exclusion as the Progress & stopping page lists it."""

    exclusion_id: int
    stage: str
    rule: str
    detail: dict[str, Any]
    records: int
    """Records it covered when applied."""
    still_excluded: int
    """Of those, the ones counted as excluded by automation now (0 once undone; fewer once some
    got a decision)."""
    applied_by: str
    applied_at: datetime
    undone_by: str | None
    undone_at: datetime | None

    @property
    def active(self) -> bool:
        return self.undone_at is None


def _team_estimate(session: Session, project_id: int) -> StoppingEstimate:
    """The stopping rule on the team's final decisions (the owner's view of the Progress page)."""
    total = (
        session.scalar(
            select(func.count()).select_from(eligible_records(project_id, TITLE_ABSTRACT).subquery())
        )
        or 0
    )
    return curve("Team (final decisions)", final_labels(session, project_id), total).estimate


def _candidates(session: Session, project_id: int, *, lock: bool) -> list[int]:
    """Primary records with no title/abstract decision event by anyone, not excluded already and
    not in the calibration pilot, in record order (the order their status rows are locked in)."""
    never_decided = ~(
        select(DecisionEventRow.id)
        .where(
            DecisionEventRow.project_id == project_id,
            DecisionEventRow.record_id == ScreeningStatus.record_id,
            DecisionEventRow.stage == TITLE_ABSTRACT,
        )
        .exists()
    )
    query = (
        eligible_records(project_id, TITLE_ABSTRACT)
        .where(
            ScreeningStatus.decided == 0,
            ScreeningStatus.final_decision.is_(None),
            ScreeningStatus.automation_excluded == false(),
            never_decided,
        )
        .order_by(ScreeningStatus.record_id)
    )
    if lock:
        query = query.with_for_update(of=ScreeningStatus)
    pilot = set(pilot_record_ids(session, project_id, load_settings(session, project_id)))
    return [record_id for record_id in session.scalars(query) if record_id not in pilot]


def exclusion_preview(
    engine: Engine, project_id: int, actor: Actor, estimate: StoppingEstimate | None = None
) -> ExclusionPreview:
    """How many records applying now would exclude, and whether the rule says it is safe (owner).

    `estimate`: the team's stopping estimate if the caller has it already (the Progress page
    does: `stopping_guidance(...).team.estimate`); computing it is the slow part."""
    sync_status_rows(engine, project_id)

    def attempt() -> ExclusionPreview:
        with session_scope(engine) as session:
            current_actor(session, project_id, actor).require_owner("exclude records by automation")
            records = len(_candidates(session, project_id, lock=False))
            return ExclusionPreview(records, estimate or _team_estimate(session, project_id))

    return retrying(attempt, what="the exclusion preview", reads=True)


def apply_automation_exclusion(engine: Engine, project_id: int, actor: Actor, *, confirmed: bool) -> int:
    """Exclude the records still unscreened at title/abstract by the stopping rule; returns the
    exclusion's id.

    PermissionDenied for anyone but the owner (signed in: the event names a person); ScreeningError,
    with nothing written, when not `confirmed`, when the rule does not say it is safe to stop, or
    when no record is left to exclude. Run once (not repeated after a lost connection).
    """
    if not confirmed:
        raise ScreeningError(
            "confirm first: excluding the unscreened records by automation needs an explicit yes"
        )
    sync_status_rows(engine, project_id)
    return retrying(
        lambda: _apply(engine, project_id, actor), what="the exclusion by automation", repeatable=False
    )


def _screening_mark(session: Session, project_id: int) -> tuple[int, int, str]:
    """Changes whenever the team's final decisions or the records could have changed: the latest
    title/abstract decision event and resolution, and the primary records."""
    last_event = session.scalar(
        select(func.max(DecisionEventRow.id)).where(
            DecisionEventRow.project_id == project_id, DecisionEventRow.stage == TITLE_ABSTRACT
        )
    )
    last_resolution = session.scalar(
        select(func.max(ResolutionRow.id)).where(
            ResolutionRow.project_id == project_id, ResolutionRow.stage == TITLE_ABSTRACT
        )
    )
    return last_event or 0, last_resolution or 0, records_fingerprint(session, project_id)


def _owner_id(session: Session, project_id: int, actor: Actor, doing: str) -> int:
    current = current_actor(session, project_id, actor)
    current.require_owner(doing)
    if current.user_id is None:
        raise PermissionDenied(f"to {doing} is for a named person: do it in the app")
    return current.user_id


def _not_safe(estimate: StoppingEstimate) -> ScreeningError:
    return ScreeningError(
        f"the stopping rule does not say it is safe to stop (p = {estimate.p_value:.3f}; "
        f"{estimate.includes_found} includes found in {estimate.screened} of {estimate.total} records): "
        "nothing was excluded"
    )


def _apply(engine: Engine, project_id: int, actor: Actor) -> int:
    # The rule is computed before the write transaction (seconds on a large project, and on SQLite
    # a write transaction holds every reviewer's decision back), and again inside it only if the
    # screening changed meanwhile.
    doing = "exclude records by automation"
    with session_scope(engine) as session:
        _owner_id(session, project_id, actor, doing)
        mark = _screening_mark(session, project_id)
        estimate = _team_estimate(session, project_id)
    if not estimate.safe_to_stop:
        raise _not_safe(estimate)
    with write_session(engine) as session:
        owner_id = _owner_id(session, project_id, actor, doing)
        lock_project(session, project_id)  # two owners at once: the second finds nothing left
        ids = _candidates(session, project_id, lock=True)
        if _screening_mark(session, project_id) != mark:
            estimate = _team_estimate(session, project_id)
            if not estimate.safe_to_stop:
                raise _not_safe(estimate)
        if not ids:
            raise ScreeningError(
                "no record is left without a decision (outside the pilot): nothing to exclude"
            )
        exclusion = AutomationExclusion(
            project_id=project_id,
            stage=TITLE_ABSTRACT,
            rule=RULE,
            detail=_figures(estimate, len(ids)),
            applied_by=owner_id,
            applied_at=utcnow(),
        )
        session.add(exclusion)
        session.flush()
        rows = [
            {"exclusion_id": exclusion.id, "record_id": record_id, "project_id": project_id}
            for record_id in ids
        ]
        for part in chunks(rows, 5_000):
            session.execute(insert(AutomationExclusionRecord), list(part))
        derive_automation_flags(session, project_id, ids)
        return exclusion.id


def _figures(estimate: StoppingEstimate, records: int) -> dict[str, Any]:
    """What the rule said when the exclusion was applied: kept with the event for the report."""
    return {
        "rule_name": RULE_NAME,
        "method": estimate.method,
        "records_excluded": records,
        "screened": estimate.screened,
        "includes_found": estimate.includes_found,
        "total": estimate.total,
        "estimated_remaining_includes": round(estimate.estimated_remaining_includes, 3),
        "low": estimate.low,
        "high": estimate.high,
        "p_value": estimate.p_value,
        "recall_target": estimate.recall_target,
        "confidence": estimate.confidence,
        "safe_to_stop": estimate.safe_to_stop,
    }


def undo_automation_exclusion(engine: Engine, project_id: int, actor: Actor, exclusion_id: int) -> None:
    """Take an exclusion back (owner only): its records return to the queues; the event is kept,
    marked undone. ScreeningError if it is not this project's, or undone already."""
    retrying(
        lambda: _undo(engine, project_id, actor, exclusion_id), what="undoing the exclusion", repeatable=False
    )


def _undo(engine: Engine, project_id: int, actor: Actor, exclusion_id: int) -> None:
    with write_session(engine) as session:
        owner_id = _owner_id(session, project_id, actor, "undo an exclusion by automation")
        lock_project(session, project_id)
        exclusion = session.get(AutomationExclusion, exclusion_id)
        if exclusion is None or exclusion.project_id != project_id:
            raise ScreeningError(f"there is no exclusion by automation {exclusion_id} in this project")
        if exclusion.undone_at is not None:
            raise ScreeningError(f"exclusion by automation {exclusion_id} is undone already")
        exclusion.undone_by = owner_id
        exclusion.undone_at = utcnow()
        session.flush()
        ids = list(
            session.scalars(
                select(AutomationExclusionRecord.record_id)
                .where(AutomationExclusionRecord.exclusion_id == exclusion_id)
                .order_by(AutomationExclusionRecord.record_id)
            )
        )
        for part in chunks(ids):  # lock in record order, as every writer does
            session.execute(
                select(ScreeningStatus.record_id)
                .where(
                    ScreeningStatus.project_id == project_id,
                    ScreeningStatus.stage == TITLE_ABSTRACT,
                    ScreeningStatus.record_id.in_(part),
                )
                .order_by(ScreeningStatus.record_id)
                .with_for_update()
            ).all()
        derive_automation_flags(session, project_id, ids)


def automation_exclusions(engine: Engine, project_id: int, actor: Actor) -> list[ExclusionInfo]:
    """Every exclusion by automation of the project, newest first (any member may see them: they
    are part of the PRISMA account, and say nothing about who decided what)."""

    def attempt() -> list[ExclusionInfo]:
        with session_scope(engine) as session:
            current_actor(session, project_id, actor)
            exclusions = list(
                session.scalars(
                    select(AutomationExclusion)
                    .where(AutomationExclusion.project_id == project_id)
                    .order_by(AutomationExclusion.applied_at.desc(), AutomationExclusion.id.desc())
                )
            )
            if not exclusions:
                return []
            covered = dict(
                session.execute(
                    select(AutomationExclusionRecord.exclusion_id, func.count())
                    .where(AutomationExclusionRecord.project_id == project_id)
                    .group_by(AutomationExclusionRecord.exclusion_id)
                ).all()
            )
            still = dict(
                session.execute(
                    select(AutomationExclusionRecord.exclusion_id, func.count())
                    .join(
                        ScreeningStatus,
                        (ScreeningStatus.project_id == AutomationExclusionRecord.project_id)
                        & (ScreeningStatus.record_id == AutomationExclusionRecord.record_id),
                    )
                    .join(
                        AutomationExclusion, AutomationExclusion.id == AutomationExclusionRecord.exclusion_id
                    )
                    .where(
                        AutomationExclusionRecord.project_id == project_id,
                        ScreeningStatus.stage == TITLE_ABSTRACT,
                        ScreeningStatus.automation_excluded.is_(True),
                        AutomationExclusion.undone_at.is_(None),
                    )
                    .group_by(AutomationExclusionRecord.exclusion_id)
                ).all()
            )
            people = {e.applied_by for e in exclusions} | {e.undone_by for e in exclusions if e.undone_by}
            names = dict(
                session.execute(select(User.id, User.username).where(User.id.in_(sorted(people)))).all()
            )
            return [
                ExclusionInfo(
                    e.id,
                    e.stage,
                    e.rule,
                    dict(e.detail or {}),
                    int(covered.get(e.id, 0)),
                    int(still.get(e.id, 0)),
                    names.get(e.applied_by, "?"),
                    as_utc(e.applied_at),
                    names.get(e.undone_by, "?") if e.undone_by is not None else None,
                    as_utc(e.undone_at) if e.undone_at is not None else None,
                )
                for e in exclusions
            ]

    return retrying(attempt, what="the exclusions by automation", reads=True)

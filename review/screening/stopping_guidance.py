"""Can we stop screening? Includes found against records screened, and the estimate of includes
still unscreened (`prioritise.stopping_estimate`), for the Progress page.

Two curves at title/abstract:

- mine: the actor's own current decisions in the order they made them (include 1, exclude 0, a
  Maybe as the protocol counts it);
- the team's: the final decisions (agreed or resolved), in the order records became final. A
  blinded reviewer does not get it: watching it move after one's own decision would tell what the
  other reviewer decided (the same rule as `service.Progress`).

Guidance only: nothing here stops a queue or excludes a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from review.people import Actor, current_actor
from review.screening.model import Decision
from review.screening.prioritise import StoppingEstimate, stopping_estimate
from review.screening.priority_queue import label_of
from review.screening.queue import eligible_records
from review.screening.settings import ProtocolSettings
from review.screening.state import TITLE_ABSTRACT, as_utc, load_settings, sync_status_rows
from review.screening.visibility import DecisionScope, decision_scope
from review.store.engine import session_scope
from review.store.schema import RecordRow
from review.store.screening_schema import (
    CurrentDecision,
    DecisionEventRow,
    ResolutionRow,
    ReviewerQueueModel,
    ScreeningStatus,
)

RECALL_TARGET = 0.95
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Curve:
    """Includes found against records screened: `includes[i]` after `i + 1` records."""

    name: str
    includes: tuple[int, ...]
    estimate: StoppingEstimate

    @property
    def screened(self) -> int:
        return len(self.includes)

    def points(self, most: int = 400) -> list[tuple[int, int]]:
        """(records screened, includes found), thinned to at most `most` points for a chart."""
        n = len(self.includes)
        if n == 0:
            return [(0, 0)]
        step = max(1, n // most)
        picked = list(range(step - 1, n, step))
        if picked[-1] != n - 1:
            picked.append(n - 1)
        return [(0, 0), *((index + 1, self.includes[index]) for index in picked)]


@dataclass(frozen=True)
class ModelInfo:
    """The actor's latest prioritised ranking (`reviewer_queue_models`)."""

    labels: int
    includes: int
    ranked: int
    ranked_at: datetime
    seconds: float


@dataclass(frozen=True)
class StoppingGuidance:
    total: int
    """Records to screen at title/abstract (primary records)."""
    order: str
    recall_target: float
    confidence: float
    mine: Curve | None
    """None for an actor who does not screen."""
    team: Curve | None
    """None for a blinded reviewer."""
    model: ModelInfo | None = None


def curve(name: str, labels: Sequence[int], total: int) -> Curve:
    """The cumulative includes of `labels` (0/1 in screening order) and the stopping estimate."""
    running = 0
    cumulative = []
    for label in labels:
        running += label
        cumulative.append(running)
    estimate = stopping_estimate(labels, total, recall_target=RECALL_TARGET, confidence=CONFIDENCE)
    return Curve(name, tuple(cumulative), estimate)


def stopping_guidance(engine: Engine, project_id: int, actor: Actor) -> StoppingGuidance:
    """My curve (if I screen), the team's (unless blinding hides it), the estimates, my model."""
    sync_status_rows(engine, project_id)
    with session_scope(engine) as session:
        actor = current_actor(session, project_id, actor)
        settings = load_settings(session, project_id)
        total = (
            session.scalar(
                select(func.count()).select_from(eligible_records(project_id, TITLE_ABSTRACT).subquery())
            )
            or 0
        )
        mine = model = None
        if actor.can_screen and actor.user_id is not None:
            mine = curve("Mine", own_labels(session, project_id, actor.user_id, settings), total)
            model = _model_info(session, project_id, actor.user_id)
        team = None
        if decision_scope(actor, settings) != DecisionScope.OWN:
            team = curve("Team (final decisions)", final_labels(session, project_id), total)
        return StoppingGuidance(total, settings.screening_order, RECALL_TARGET, CONFIDENCE, mine, team, model)


def own_labels(session: Session, project_id: int, reviewer_id: int, settings: ProtocolSettings) -> list[int]:
    """The reviewer's current title/abstract decisions on primary records, oldest first, as 0/1."""
    rows = session.execute(
        select(DecisionEventRow.decision)
        .join(CurrentDecision, CurrentDecision.event_id == DecisionEventRow.id)
        .join(RecordRow, RecordRow.id == CurrentDecision.record_id)
        .where(
            CurrentDecision.project_id == project_id,
            CurrentDecision.stage == TITLE_ABSTRACT,
            CurrentDecision.reviewer_id == reviewer_id,
            RecordRow.duplicate_of.is_(None),
        )
        .order_by(DecisionEventRow.decided_at, DecisionEventRow.id)
    ).scalars()
    return [label_of(decision, settings) or 0 for decision in rows]


def final_labels(session: Session, project_id: int) -> list[int]:
    """Final title/abstract decisions on primary records as 0/1, in the order they became final
    (the latest decision on the record, or its resolution if later)."""
    finals: dict[int, str] = {
        record_id: final
        for record_id, final in session.execute(
            eligible_records(project_id, TITLE_ABSTRACT)
            .add_columns(ScreeningStatus.final_decision)
            .where(ScreeningStatus.final_decision.is_not(None))
        )
    }
    if not finals:
        return []
    became: dict[int, datetime] = {}
    decided = (
        select(CurrentDecision.record_id, func.max(DecisionEventRow.decided_at))
        .join(DecisionEventRow, DecisionEventRow.id == CurrentDecision.event_id)
        .where(CurrentDecision.project_id == project_id, CurrentDecision.stage == TITLE_ABSTRACT)
        .group_by(CurrentDecision.record_id)
    )
    resolved = (
        select(ResolutionRow.record_id, func.max(ResolutionRow.resolved_at))
        .where(ResolutionRow.project_id == project_id, ResolutionRow.stage == TITLE_ABSTRACT)
        .group_by(ResolutionRow.record_id)
    )
    for query in (decided, resolved):
        for record_id, moment in session.execute(query):
            if record_id in finals and moment is not None:
                moment = as_utc(moment)
                became[record_id] = max(became.get(record_id, moment), moment)
    never = datetime.min.replace(tzinfo=UTC)
    order = sorted(finals, key=lambda record_id: (became.get(record_id, never), record_id))
    return [1 if finals[record_id] == Decision.INCLUDE else 0 for record_id in order]


def _model_info(session: Session, project_id: int, reviewer_id: int) -> ModelInfo | None:
    model = session.get(ReviewerQueueModel, (project_id, reviewer_id))
    if model is None:
        return None
    return ModelInfo(model.labels, model.includes, model.ranked, as_utc(model.ranked_at), model.seconds)

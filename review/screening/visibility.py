"""THE blinding rule: whose decisions an actor may see. Every read of decisions goes through it.

- the owner sees every decision;
- a reviewer sees only their own while blinding is on, everyone's when it is off;
- a viewer sees none (maps and reports only).

>>> from review.people import Actor
>>> from review.screening.settings import ProtocolSettings
>>> reviewer = Actor(1, 7, "alice", "reviewer")
>>> decision_scope(reviewer, ProtocolSettings()).value
'own'
>>> decision_scope(reviewer, ProtocolSettings(blinding=False)).value
'all'

"""

from __future__ import annotations

from enum import StrEnum

from review.people import Actor, Role
from review.screening.settings import ProtocolSettings


class DecisionScope(StrEnum):
    ALL = "all"
    OWN = "own"
    NONE = "none"


def decision_scope(actor: Actor, settings: ProtocolSettings) -> DecisionScope:
    """Which decisions `actor` may see in a project with `settings`."""
    if actor.role == Role.OWNER:
        return DecisionScope.ALL
    if actor.role == Role.REVIEWER:
        return DecisionScope.OWN if settings.blinding else DecisionScope.ALL
    return DecisionScope.NONE


def visible_reviewer(actor: Actor, settings: ProtocolSettings, reviewer_id: int) -> bool:
    """May `actor` see a decision made by `reviewer_id`?"""
    scope = decision_scope(actor, settings)
    return scope == DecisionScope.ALL or (scope == DecisionScope.OWN and reviewer_id == actor.user_id)

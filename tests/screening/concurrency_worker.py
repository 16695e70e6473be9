"""Reviewers screening at once, run in threads or in spawned processes: `screen` as fast as one
can; `race` in lock-step with the others, every action released by a shared barrier."""

from __future__ import annotations

import random
import time
from typing import Any

from review.people import actor_for
from review.screening.service import (
    ScreeningError,
    new_key,
    next_record,
    record_decision,
    resolve_conflict,
    undo_last_decision,
)
from review.store.engine import make_engine

TA = "title_abstract"


def screen(url: str, project_id: int, user_id: int, record_ids: list[int], start_at: float) -> int:
    """Decide every record once (in a shuffled order), retrying every fifth submit with the same
    key as a double-clicking browser would; returns how many submits said "stored"."""
    engine = make_engine(url)
    try:
        actor = actor_for(engine, project_id, user_id)
        rng = random.Random(user_id)
        order = list(record_ids)
        rng.shuffle(order)
        time.sleep(max(0.0, start_at - time.time()))
        stored = 0
        for index, record_id in enumerate(order):
            key = new_key()
            decision = rng.choice(["include", "exclude", "maybe"])
            receipt = record_decision(
                engine, project_id, actor, record_id, "title_abstract", decision, idempotency_key=key
            )
            stored += receipt.stored
            if index % 5 == 0:
                again = record_decision(
                    engine, project_id, actor, record_id, "title_abstract", decision, idempotency_key=key
                )
                stored += again.stored
            if index % 7 == 0:
                next_record(engine, project_id, actor, "title_abstract")
        return stored
    finally:
        engine.dispose()


#: One step of a race: (action, record_id, decision, idempotency key); actions: decide, undo,
#: resolve, idle. Every racer has as many steps; each step starts at a shared barrier.
Step = tuple[str, int, str, str]


def race(url: str, project_id: int, user_id: int, steps: list[Step], barrier: Any, results: Any) -> None:
    """Run `steps`, each released together with the other racers' by `barrier`; put
    (user_id, outcomes) on `results`: per step (action, record_id, event_id or decision, stored)."""
    engine = make_engine(url)
    try:
        actor = actor_for(engine, project_id, user_id)
        outcomes: list[tuple[str, int | None, object, bool]] = []
        for action, record_id, decision, key in steps:
            barrier.wait(timeout=120)
            if action == "decide":
                receipt = record_decision(
                    engine, project_id, actor, record_id, TA, decision, idempotency_key=key
                )
                outcomes.append((action, record_id, receipt.event_id, receipt.stored))
            elif action == "undo":
                outcomes.append((action, undo_last_decision(engine, project_id, actor, TA), None, True))
            elif action == "resolve":
                try:
                    final = resolve_conflict(engine, project_id, actor, record_id, TA, decision)
                except ScreeningError:  # not (or no longer) in conflict at that instant
                    outcomes.append((action, record_id, None, False))
                else:
                    outcomes.append((action, record_id, final, True))
        results.put((user_id, outcomes))
    finally:
        engine.dispose()

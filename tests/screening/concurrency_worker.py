"""One reviewer screening as fast as they can: run in a thread, or in a spawned process."""

from __future__ import annotations

import random
import time

from review.people import actor_for
from review.screening.service import new_key, next_record, record_decision
from review.store.engine import make_engine


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

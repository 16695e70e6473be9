"""Tags and notes a reviewer keeps on a record: append-only, the latest per (record, reviewer) counts.

They fall under the blinding rule like decisions (a note often says what one decided): a blinded
reviewer sees only their own, the owner everyone's, a viewer none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from review.people import Actor, PermissionDenied, current_actor
from review.screening.state import as_utc, load_settings, primary_record
from review.screening.visibility import DecisionScope, decision_scope
from review.store.engine import session_scope
from review.store.schema import utcnow
from review.store.screening_schema import RecordNoteRow, User
from review.store.transactions import write_session

MAX_TAGS = 20


@dataclass(frozen=True)
class RecordNote:
    record_id: int
    user_id: int
    username: str
    tags: tuple[str, ...]
    note: str
    created_at: datetime


def clean_tags(tags: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Blanks collapsed, empty and repeated tags dropped, order kept.

    >>> clean_tags([" key  paper ", "", "key paper", "RCT"])
    ('key paper', 'RCT')
    """
    seen: dict[str, str] = {}
    for tag in tags:
        cleaned = " ".join(tag.split())[:100]
        if cleaned and cleaned.casefold() not in seen:
            seen[cleaned.casefold()] = cleaned
    return tuple(seen.values())[:MAX_TAGS]


def save_note(
    engine: Engine,
    project_id: int,
    actor: Actor,
    record_id: int,
    note: str,
    tags: list[str] | tuple[str, ...] = (),
) -> RecordNote:
    """Replace the actor's tags and note on a record (the earlier ones stay in the log)."""
    with write_session(engine) as session:
        actor = current_actor(session, project_id, actor)
        if actor.user_id is None or not actor.can_screen:
            raise PermissionDenied("only reviewers and owners keep notes on records")
        primary_record(session, project_id, record_id)
        row = RecordNoteRow(
            project_id=project_id,
            record_id=record_id,
            user_id=actor.user_id,
            tags=list(clean_tags(tags)),
            note=note.strip(),
            created_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return RecordNote(
            record_id, actor.user_id, actor.username, tuple(row.tags), row.note, as_utc(row.created_at)
        )


def notes_visible_to(
    engine: Engine, project_id: int, actor: Actor, record_id: int | None = None
) -> list[RecordNote]:
    """The current notes the actor may see (of one record, or of the whole project)."""
    with session_scope(engine) as session:
        actor = current_actor(session, project_id, actor)
        scope = decision_scope(actor, load_settings(session, project_id))
        if scope == DecisionScope.NONE:
            return []
        latest = (
            select(func.max(RecordNoteRow.id))
            .where(RecordNoteRow.project_id == project_id)
            .group_by(RecordNoteRow.record_id, RecordNoteRow.user_id)
        )
        if record_id is not None:
            latest = latest.where(RecordNoteRow.record_id == record_id)
        if scope == DecisionScope.OWN:
            latest = latest.where(RecordNoteRow.user_id == actor.user_id)
        rows = session.execute(
            select(RecordNoteRow, User.username)
            .join(User, User.id == RecordNoteRow.user_id)
            .where(RecordNoteRow.id.in_(latest))
            .order_by(RecordNoteRow.record_id, RecordNoteRow.id)
        ).all()
        return [
            RecordNote(
                row.record_id, row.user_id, username, tuple(row.tags or ()), row.note, as_utc(row.created_at)
            )
            for row, username in rows
            if row.note or row.tags
        ]

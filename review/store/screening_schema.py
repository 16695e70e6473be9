"""Tables of people and screening (migration 0003).

- `users` belong to the installation (no project_id): one account signs in to every project it
  is a member of. Backup/restore carries the users a project refers to by their user name
  (`info={"natural_key": ...}`, see `review.store.backup`).
- `memberships`: a user's role in one project; removing a member ends the row (removed_at), so
  the history of who could do what stays.
- `decision_events`, `resolutions`, `full_texts`, `record_notes`: append-only events; the current
  state is derived from them.
- `current_decisions` and `screening_status` are that derived state, kept up to date in the same
  transaction as each event, so the reviewer's queue is one indexed query even with 50,000
  records. They can always be rebuilt from the events (`review.screening.state.rebuild_state`).
- `reviewer_queue_ranks` and `reviewer_queue_models` (migration 0005) are derived too: each
  reviewer's own prioritised order (`review.screening.priority_queue`), recomputed from the
  decisions whenever they are missing or stale. Backups carry them like the other derived tables;
  after a restore the ids they were computed from have changed, so they are recomputed at once.
- `automation_exclusions` and `automation_exclusion_records` (migration 0006): the owner's
  decision to exclude the records still unscreened once the stopping rule says it is safe
  (`review.screening.automation`); an event, undone by marking it, never by deleting it.
  `screening_status.automation_excluded` is its derived effect (covered by an active exclusion
  and still without any decision), so the queue skips those records on its index.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from review.store.schema import Base, utcnow


class User(Base):
    """An account of this installation."""

    __tablename__ = "users"
    #: Backup/restore match users across installations by this column.
    __table_args__ = {"info": {"natural_key": "username"}}  # noqa: RUF012 - SQLAlchemy's own attribute

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Lower case, blanks collapsed (`review.people.clean_username`).
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    #: An argon2 hash, or "!" for an account that cannot sign in (reviewers made by a CSV import).
    #: Never written to a backup; an account created by a restore cannot sign in until an
    #: administrator sets its password.
    password_hash: Mapped[str] = mapped_column(String(255), info={"not_backed_up": True, "restored_as": "!"})
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The account made at first start: administers the installation (acts as owner of any
    #: project it is not a member of).
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, info={"restored_as": False})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Membership(Base):
    """A user's role in a project: owner, reviewer or viewer. Ended, never deleted."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: owner | reviewer | viewer
    role: Mapped[str] = mapped_column(String(20))
    #: A named third reviewer who may resolve conflicts (owners always may).
    can_resolve: Mapped[bool] = mapped_column(Boolean, default=False)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_memberships_project_user", "project_id", "user_id"),)


class DecisionEventRow(Base):
    """One screening decision (or the retraction of one); never changed once written."""

    __tablename__ = "decision_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: title_abstract | full_text
    stage: Mapped[str] = mapped_column(String(20))
    #: include | exclude | maybe | retracted
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Made by the client before it submits: a retried submit is stored once.
    idempotency_key: Mapped[str] = mapped_column(String(64))
    #: Where the decision came from: "app", "undo", "csv:<file name>".
    origin: Mapped[str] = mapped_column(String(300), default="app")

    __table_args__ = (
        UniqueConstraint("project_id", "idempotency_key", name="uq_decision_events_idempotency"),
        Index("ix_decision_events_record", "project_id", "record_id", "stage"),
        Index("ix_decision_events_reviewer", "project_id", "stage", "reviewer_id", "decided_at"),
    )


class CurrentDecision(Base):
    """Derived: the current decision of one reviewer on one record at one stage."""

    __tablename__ = "current_decisions"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("decision_events.id", ondelete="CASCADE"))
    decision: Mapped[str] = mapped_column(String(20))

    __table_args__ = (
        # "My decisions" and "undo my last": by reviewer.
        Index("ix_current_decisions_reviewer", "project_id", "stage", "reviewer_id", "record_id"),
    )


class ScreeningStatus(Base):
    """Derived: where one record stands at one stage, and its place in the queue.

    `queue_rank` orders every reviewer's queue (`review.screening.queue`); `decided` counts the
    current decisions, so "still needs decisions" is an indexed comparison.
    """

    __tablename__ = "screening_status"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    queue_rank: Mapped[int] = mapped_column(BigInteger)
    decided: Mapped[int] = mapped_column(Integer, default=0)
    #: pending | agreed_include | agreed_exclude | conflict
    status: Mapped[str] = mapped_column(String(20), default="pending")
    #: include | exclude once agreed or resolved
    final_decision: Mapped[str | None] = mapped_column(String(20))
    final_reason: Mapped[str | None] = mapped_column(Text)
    #: Derived (title/abstract): excluded by automation, i.e. covered by an exclusion that is not
    #: undone and still without a decision by anyone (`state.derive_automation_flags`).
    automation_excluded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    __table_args__ = (
        # The queue: per count of decisions so far, the records in rank order; so serving the
        # next record never scans past the records that have all their decisions already, nor
        # past those excluded by automation (all of the undecided ones, once a team stops).
        Index(
            "ix_screening_status_queue",
            "project_id",
            "stage",
            "decided",
            "automation_excluded",
            "queue_rank",
            "record_id",
        ),
        # The whole order (the calibration pilot is its first records).
        Index("ix_screening_status_rank", "project_id", "stage", "queue_rank", "record_id"),
        Index("ix_screening_status_status", "project_id", "stage", "status"),
    )


class ResolutionRow(Base):
    """A person's decision that settles a conflict; append-only (``retracted`` undoes one)."""

    __tablename__ = "resolutions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20))
    #: include | exclude | retracted
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_resolutions_record", "project_id", "record_id", "stage"),)


class FullTextRow(Base):
    """The full text of a record: a PDF (its bytes in the database), a link, or "not retrievable".

    Append-only: the latest row per record is its current state.
    """

    __tablename__ = "full_texts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    #: pdf | link | not_retrievable
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str | None] = mapped_column(String(500))
    url: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The PDF itself (loaded only when asked for).
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    note: Mapped[str | None] = mapped_column(Text)
    added_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_full_texts_record", "project_id", "record_id"),)


class RecordNoteRow(Base):
    """A reviewer's tags and note on a record; append-only, the latest per (record, user) is current."""

    __tablename__ = "record_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    tags: Mapped[list[str]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_record_notes_record", "project_id", "record_id", "user_id"),)


class ReviewerQueueRank(Base):
    """Derived: a record's place in one reviewer's prioritised title/abstract queue (0 first).

    Per reviewer, because each reviewer's model learns only from their own decisions and the
    team's final ones: a shared rank would carry one reviewer's blind choices into another's order.
    """

    __tablename__ = "reviewer_queue_ranks"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        # The reviewer's queue in rank order: serving the next record walks this index.
        Index("ix_reviewer_queue_ranks_queue", "project_id", "reviewer_id", "rank"),
    )


class ReviewerQueueModel(Base):
    """Derived: what a reviewer's ranks were computed from, so the queue knows when they are stale."""

    __tablename__ = "reviewer_queue_models"

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    #: The project's primary records when ranked (`priority_queue.records_fingerprint`).
    records_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    #: The reviewer's latest title/abstract decision event, and the project's latest
    #: title/abstract resolution, when ranked (0: none).
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    last_resolution_id: Mapped[int] = mapped_column(Integer, default=0)
    #: Labels learnt from (own decisions and final decisions) and how many were includes.
    labels: Mapped[int] = mapped_column(Integer, default=0)
    includes: Mapped[int] = mapped_column(Integer, default=0)
    #: Records ranked; 0 while there is no model yet (it needs an include).
    ranked: Mapped[int] = mapped_column(Integer, default=0)
    ranked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Seconds the last retrain + re-rank + write took (shown on the Progress page).
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class AutomationExclusion(Base):
    """The owner's decision to exclude the records nobody has screened yet, by a stopping rule.

    An event: undone by setting `undone_by`/`undone_at`, never deleted, so the PRISMA record of
    what was excluded by automation, when, by whom and on what figures stays.
    """

    __tablename__ = "automation_exclusions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    #: title_abstract (the only stage a stopping rule applies to)
    stage: Mapped[str] = mapped_column(String(20))
    #: The rule's short name, e.g. "callaghan_mueller_hansen_2020".
    rule: Mapped[str] = mapped_column(String(100))
    #: The figures the rule gave when applied (screened, includes found, estimate, p-value...).
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    applied_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_automation_exclusions_project", "project_id", "stage"),)


class AutomationExclusionRecord(Base):
    """A record an automation exclusion covered (those without any decision when it was applied)."""

    __tablename__ = "automation_exclusion_records"

    exclusion_id: Mapped[int] = mapped_column(
        ForeignKey("automation_exclusions.id", ondelete="CASCADE"), primary_key=True
    )
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"), primary_key=True)
    #: So the row belongs to its project (backups; deleting a project).
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))

    __table_args__ = (
        # "Is this record covered?": looked up for each decision (`state.derive_automation_flags`).
        Index("ix_automation_exclusion_records_record", "project_id", "record_id"),
    )

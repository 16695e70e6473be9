"""Tables. Every row belongs to a project; nothing a reviewer did is ever deleted.

Migrations in `review/store/migrations/versions/` create these tables; a test checks that the
migrated database and this metadata agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, list[int]: JSON}  # noqa: RUF012


class Project(Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Source(Base):
    """One imported file."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(40))
    source_database: Mapped[str | None] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    imported_by: Mapped[str] = mapped_column(String(200), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[list[str]] = mapped_column(JSON, default=list)

    __table_args__ = (Index("ix_sources_project_sha", "project_id", "sha256"),)


class RecordRow(Base):
    """One entry of one imported file, with its canonical fields and its raw text."""

    __tablename__ = "records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"), index=True)
    source_key: Mapped[str | None] = mapped_column(String(500))
    source_line: Mapped[int | None] = mapped_column(Integer)
    source_database: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(Text)
    abstract: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    year: Mapped[int | None] = mapped_column(Integer)
    journal: Mapped[str | None] = mapped_column(Text)
    volume: Mapped[str | None] = mapped_column(String(100))
    issue: Mapped[str | None] = mapped_column(String(100))
    pages: Mapped[str | None] = mapped_column(String(100))
    doi: Mapped[str | None] = mapped_column(String(300))
    pmid: Mapped[str | None] = mapped_column(String(40))
    isbn: Mapped[str | None] = mapped_column(String(200))
    issn: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(100))
    publication_type: Mapped[str | None] = mapped_column(String(200))
    raw: Mapped[str] = mapped_column(Text, default="")
    #: The primary record of this record's duplicate cluster; None for a primary or unique record.
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("records.id", ondelete="SET NULL"))
    #: How the duplicate link was made: "auto" or "manual" (None while not a duplicate).
    merge_method: Mapped[str | None] = mapped_column(String(10))

    __table_args__ = (
        Index("ix_records_project_year", "project_id", "year"),
        Index("ix_records_project_duplicate_of", "project_id", "duplicate_of"),
        Index("ix_records_project_doi", "project_id", "doi"),
        Index("ix_records_project_key", "project_id", "source_key"),
    )


class DedupPair(Base):
    """A candidate duplicate pair and what became of it: waiting for a person, merged, or distinct.

    A pair a person called distinct is kept, so it is never proposed again.
    """

    __tablename__ = "dedup_pairs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_a: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    record_b: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    #: review | merged | distinct
    status: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(default=0.0)
    field_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("project_id", "record_a", "record_b", name="uq_dedup_pairs_records"),
        Index("ix_dedup_pairs_project_status", "project_id", "status"),
    )


class MergeEvent(Base):
    """Append-only history of deduplication: merges, undos and "not duplicates" decisions."""

    __tablename__ = "merge_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    #: merge | undo | distinct
    action: Mapped[str] = mapped_column(String(20))
    #: auto | manual
    method: Mapped[str] = mapped_column(String(10))
    primary_id: Mapped[int | None] = mapped_column(ForeignKey("records.id", ondelete="SET NULL"))
    #: `id_list_of` tells backup/restore that these are record ids to renumber.
    record_ids: Mapped[list[int]] = mapped_column(JSON, default=list, info={"id_list_of": "records"})
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


# People and screening live in their own module; importing it here keeps `Base.metadata` complete
# for everyone who imports this one (migrations, backup, tests).
import review.store.extraction_schema  # noqa: E402
import review.store.screening_schema  # noqa: E402,F401

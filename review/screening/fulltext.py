"""Full texts of the records included at title/abstract: a PDF, a link, or "not retrievable".

PDFs are stored in the database (`full_texts.content`), not in a folder. With PostgreSQL a team
may run the app on several machines against one database; a file written to one machine's disk
would be missing on the others, and a backup of the database would not carry it. In the database
the PDF is shared, transactional with its record, and part of every backup. The cost — a larger
database — is bounded by `MAX_PDF_BYTES` per file (env `REVIEW_MAX_PDF_MB`, default 50).

The log is append-only: the latest entry per record is its state, so a record marked not
retrievable and found later simply gets a PDF or a link.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, undefer

from review.people import Actor, PermissionDenied, current_actor
from review.screening.model import Decision
from review.screening.state import TITLE_ABSTRACT, ScreeningError, as_utc, primary_record
from review.store.engine import session_scope
from review.store.schema import utcnow
from review.store.screening_schema import FullTextRow, ScreeningStatus
from review.store.transactions import write_session

KINDS = ("pdf", "link", "not_retrievable")


def _max_pdf_bytes() -> int:
    try:
        megabytes = float(os.environ.get("REVIEW_MAX_PDF_MB", "50"))
    except ValueError:
        megabytes = 50.0
    return int(megabytes * 1024 * 1024)


MAX_PDF_BYTES = _max_pdf_bytes()


@dataclass(frozen=True)
class FullTextInfo:
    """The current full-text entry of a record (without the PDF bytes)."""

    full_text_id: int
    record_id: int
    kind: str
    file_name: str | None
    url: str | None
    sha256: str | None
    size_bytes: int
    note: str | None
    added_by: int
    added_at: datetime


def _info(row: FullTextRow) -> FullTextInfo:
    return FullTextInfo(
        row.id,
        row.record_id,
        row.kind,
        row.file_name,
        row.url,
        row.sha256,
        row.size_bytes,
        row.note,
        row.added_by,
        as_utc(row.added_at),
    )


def _writer(session: Session, project_id: int, actor: Actor, record_id: int) -> int:
    actor = current_actor(session, project_id, actor)
    if actor.user_id is None or not actor.can_screen:
        raise PermissionDenied("only reviewers and owners add full texts")
    primary_record(session, project_id, record_id)
    included = session.scalar(
        select(ScreeningStatus.final_decision).where(
            ScreeningStatus.project_id == project_id,
            ScreeningStatus.stage == TITLE_ABSTRACT,
            ScreeningStatus.record_id == record_id,
        )
    )
    if included != Decision.INCLUDE:
        raise ScreeningError(
            f"record {record_id} is not included at title/abstract: no full text is sought for it"
        )
    return actor.user_id


def attach_full_text(
    engine: Engine,
    project_id: int,
    actor: Actor,
    record_id: int,
    *,
    pdf: bytes | None = None,
    file_name: str | None = None,
    url: str | None = None,
    note: str | None = None,
) -> FullTextInfo:
    """Attach a PDF (its bytes) or a link (http/https) to a record included at title/abstract."""
    if (pdf is None) == (url is None):
        raise ScreeningError("attach either a PDF or a link")
    row = FullTextRow(
        project_id=project_id, record_id=record_id, note=(note or "").strip() or None, added_at=utcnow()
    )
    if pdf is not None:
        if len(pdf) > MAX_PDF_BYTES:
            raise ScreeningError(
                f"{file_name or 'the file'} has {len(pdf) / 1024 / 1024:.1f} MB; "
                f"the limit is {MAX_PDF_BYTES / 1024 / 1024:.0f} MB"
            )
        if not pdf.lstrip()[:5] == b"%PDF-":
            raise ScreeningError(f"{file_name or 'the file'} is not a PDF")
        row.kind = "pdf"
        row.file_name = os.path.basename(file_name or "full-text.pdf")[:500]
        row.content = pdf
        row.size_bytes = len(pdf)
        row.sha256 = hashlib.sha256(pdf).hexdigest()
    else:
        link = (url or "").strip()
        if urlparse(link).scheme not in ("http", "https") or not urlparse(link).netloc:
            raise ScreeningError(f"{link!r} is not a web address (http:// or https://)")
        row.kind = "link"
        row.url = link
        row.size_bytes = 0
    with write_session(engine) as session:
        row.added_by = _writer(session, project_id, actor, record_id)
        session.add(row)
        session.flush()
        return _info(row)


def mark_not_retrievable(
    engine: Engine, project_id: int, actor: Actor, record_id: int, note: str | None = None
) -> FullTextInfo:
    """Record that the full text could not be obtained (counted as "not retrieved" in PRISMA)."""
    with write_session(engine) as session:
        row = FullTextRow(
            project_id=project_id,
            record_id=record_id,
            kind="not_retrievable",
            size_bytes=0,
            note=(note or "").strip() or None,
            added_by=_writer(session, project_id, actor, record_id),
            added_at=utcnow(),
        )
        session.add(row)
        session.flush()
        return _info(row)


def _reader(session: Session, project_id: int, actor: Actor) -> None:
    actor = current_actor(session, project_id, actor)
    if not (actor.can_screen or actor.is_owner):
        raise PermissionDenied("full texts are for the reviewers and owners of the project")


def full_text_of(engine: Engine, project_id: int, actor: Actor, record_id: int) -> FullTextInfo | None:
    """The current full-text entry of a record, or None."""
    with session_scope(engine) as session:
        _reader(session, project_id, actor)
        row = session.scalar(
            select(FullTextRow)
            .where(FullTextRow.project_id == project_id, FullTextRow.record_id == record_id)
            .order_by(FullTextRow.id.desc())
            .limit(1)
        )
        return None if row is None else _info(row)


def full_text_pdf(engine: Engine, project_id: int, actor: Actor, full_text_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of a stored PDF."""
    with session_scope(engine) as session:
        _reader(session, project_id, actor)
        row = session.scalar(
            select(FullTextRow).options(undefer(FullTextRow.content)).where(FullTextRow.id == full_text_id)
        )
        if row is None or row.project_id != project_id or row.content is None:
            raise ScreeningError(f"there is no stored PDF {full_text_id} in this project")
        return row.file_name or "full-text.pdf", bytes(row.content)


def not_retrieved_ids(session: Session, project_id: int) -> set[int]:
    """Records whose latest full-text entry says not retrievable."""
    latest = (
        select(FullTextRow.record_id, func.max(FullTextRow.id).label("latest"))
        .where(FullTextRow.project_id == project_id)
        .group_by(FullTextRow.record_id)
        .subquery()
    )
    return set(
        session.scalars(
            select(FullTextRow.record_id)
            .join(latest, latest.c.latest == FullTextRow.id)
            .where(FullTextRow.kind == "not_retrievable")
        )
    )

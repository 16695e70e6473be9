"""Tables of extraction (migration 0004): the codebook, the study-characteristics form, findings.

- `codebook_codes`: one code of one list of a project's codebook: a finding type, a level, a
  theme (themes nest through `parent_id`) or a code of a second axis (`axis`, e.g. "CFIR").
  Codes are never deleted: a retired code keeps its findings; a merged code points at the code
  it was merged into (`merged_into`).
- `codebook_events`: append-only history of the codebook; `version` counts up per project.
- `characteristic_fields` / `characteristic_values`: the study-characteristics form, field by
  field, and the values per study per coder (append-only; the latest per study, field and coder
  is current).
- `findings` (+ `finding_codes` for its levels, themes and axis codes, `finding_links` from a
  mechanism to the barriers/facilitators it explains): a coder's findings (`version` "coder") or
  the project's agreed ones (`version` "consensus"). Withdrawn findings keep their row
  (`retracted_at`).
- `extraction_inclusions`: records made chartable without screening decisions (a coding table
  imported from elsewhere, the demo): "imported coding".
- `reconciliations`: the owner reconciled the dual coding of a study.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from review.store.schema import Base, utcnow


class CodeRow(Base):
    __tablename__ = "codebook_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    #: type | level | theme | axis
    kind: Mapped[str] = mapped_column(String(20))
    #: The second axis's name (kind "axis"), else "".
    axis: Mapped[str] = mapped_column(String(100), default="")
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("codebook_codes.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("codebook_codes.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_codebook_codes_project_kind", "project_id", "kind"),)


class CodebookEventRow(Base):
    __tablename__ = "codebook_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    #: add | rename | merge | retire | restore | move
    action: Mapped[str] = mapped_column(String(20))
    code_id: Mapped[int] = mapped_column(ForeignKey("codebook_codes.id", ondelete="CASCADE"))
    target_id: Mapped[int | None] = mapped_column(ForeignKey("codebook_codes.id", ondelete="SET NULL"))
    old_value: Mapped[str] = mapped_column(Text, default="")
    new_value: Mapped[str] = mapped_column(Text, default="")
    #: Findings a merge re-pointed (so the merge can be read back, and undone by hand).
    finding_ids: Mapped[list[int]] = mapped_column(default=list, info={"id_list_of": "findings"})
    changed_by: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_codebook_events_project_version", "project_id", "version"),)


class CharacteristicFieldRow(Base):
    __tablename__ = "characteristic_fields"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(300))
    label: Mapped[str] = mapped_column(String(300))
    #: text | number | single | multiple | year | country
    field_type: Mapped[str] = mapped_column(String(20))
    choices: Mapped[list[str]] = mapped_column(default=list)
    #: A record field this column fills on a coding-table import (title, year, ...), else "".
    record_field: Mapped[str] = mapped_column(String(40), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_characteristic_fields_project", "project_id", "key"),)


class CharacteristicValueRow(Base):
    __tablename__ = "characteristic_values"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    field_id: Mapped[int] = mapped_column(ForeignKey("characteristic_fields.id", ondelete="CASCADE"))
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: coder | consensus
    version: Mapped[str] = mapped_column(String(20), default="coder")
    #: The cell as entered (exported unchanged); `values` its parsed choices.
    text: Mapped[str] = mapped_column(Text, default="")
    values: Mapped[list[str]] = mapped_column(default=list)
    origin: Mapped[str] = mapped_column(String(300), default="app")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_characteristic_values_record", "project_id", "record_id", "field_id"),)


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    #: coder | consensus
    version: Mapped[str] = mapped_column(String(20), default="coder")
    coder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Who coded it, as written by an import (the coder's user name otherwise).
    coded_by: Mapped[str] = mapped_column(String(200), default="")
    type_id: Mapped[int] = mapped_column(ForeignKey("codebook_codes.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    quote: Mapped[str] = mapped_column(Text, default="")
    page: Mapped[str] = mapped_column(String(100), default="")
    #: Demo data the source does not attribute (shown as illustrative, never as evidence).
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    origin: Mapped[str] = mapped_column(String(300), default="app")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    retracted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_findings_project_record", "project_id", "record_id", "version"),)


class FindingCodeRow(Base):
    __tablename__ = "finding_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codebook_codes.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class FindingLinkRow(Base):
    __tablename__ = "finding_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    mechanism_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    explained_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"))


class ExtractionInclusionRow(Base):
    __tablename__ = "extraction_inclusions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text, default="imported coding")
    added_by: Mapped[str] = mapped_column(String(200), default="")
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_extraction_inclusions_record", "project_id", "record_id"),)


class ReconciliationRow(Base):
    __tablename__ = "reconciliations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id", ondelete="CASCADE"))
    reconciled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reconciled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_reconciliations_record", "project_id", "record_id"),)

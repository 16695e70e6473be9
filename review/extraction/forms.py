"""The study-characteristics form: fields declared as data, values per study per coder.

Field types: text, number, single (one of `choices`), multiple (any of `choices`, "; "-joined in
a cell), year, country. The ROM review's defaults are `DEFAULT_FIELDS`; a project adds its own.
Values are append-only: the latest per (study, field, coder) is current.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from review.extraction.findings import FindingError, chartable_ids
from review.extraction.model import fold, split_cell
from review.people import Actor
from review.store.engine import session_scope
from review.store.extraction_schema import CharacteristicFieldRow, CharacteristicValueRow
from review.store.transactions import lock_project, write_session

FIELD_TYPES: tuple[str, ...] = ("text", "number", "single", "multiple", "year", "country")


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    field_type: str
    choices: tuple[str, ...] = ()
    record_field: str = ""


#: The ROM/CFS review's form.
DEFAULT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("country", "Country", "country"),
    FieldSpec("setting", "Setting", "single", ("primary care", "secondary care", "university counselling",
                                               "private practice", "voluntary sector", "other")),
    FieldSpec("design", "Design", "single", ("RCT", "quasi-experimental", "cohort", "qualitative",
                                             "mixed methods", "review", "other")),
    FieldSpec("participants", "Participants", "text"),
    FieldSpec("rom_measures", "ROM measures used", "multiple", ("CORE-OM", "OQ-45", "PHQ-9", "GAD-7", "ORS", "SRS")),
    FieldSpec("feedback_system", "Feedback system used", "multiple", ("OQ-Analyst", "PCOMS", "CORE Net", "NORSE")),
)


def check_value(spec: FieldSpec, text: str) -> list[str]:
    """The parsed values of a cell for a field; ValueError saying why it does not fit."""
    text = text.strip()
    if not text:
        return []
    if spec.field_type == "number":
        float(text.replace(",", "."))
    if spec.field_type == "year" and not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"{spec.label}: {text!r} is not a year")
    values = split_cell(text) if spec.field_type == "multiple" else [text]
    if spec.field_type in ("single", "multiple") and spec.choices:
        allowed = {fold(choice) for choice in spec.choices}
        unknown = [v for v in values if fold(v) not in allowed]
        if unknown:
            raise ValueError(f"{spec.label}: {', '.join(map(repr, unknown))} is not one of the choices")
    return values


def _spec(row: CharacteristicFieldRow) -> FieldSpec:
    return FieldSpec(row.key, row.label, row.field_type, tuple(row.choices or ()), row.record_field)


def ensure_form(session: Session, project_id: int, fields: tuple[FieldSpec, ...] = DEFAULT_FIELDS) -> None:
    """Add the fields the project lacks (by key)."""
    present = {row.key for row in session.scalars(select(CharacteristicFieldRow)
                                                   .where(CharacteristicFieldRow.project_id == project_id))}
    position = len(present)
    for spec in fields:
        if spec.key in present:
            continue
        if spec.field_type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {spec.field_type!r}")
        session.add(CharacteristicFieldRow(project_id=project_id, key=spec.key, label=spec.label,
                                           field_type=spec.field_type, choices=list(spec.choices),
                                           record_field=spec.record_field, position=position))
        position += 1
    session.flush()


def form_fields(engine: Engine, project_id: int) -> list[FieldSpec]:
    """The project's form, the defaults written on first use."""
    with write_session(engine) as session:
        if not session.scalar(select(CharacteristicFieldRow.id).where(CharacteristicFieldRow.project_id == project_id)):
            ensure_form(session, project_id)
        rows = session.scalars(select(CharacteristicFieldRow).where(
            CharacteristicFieldRow.project_id == project_id, CharacteristicFieldRow.retired.is_(False))
            .order_by(CharacteristicFieldRow.position, CharacteristicFieldRow.id))
        return [_spec(row) for row in rows]


def add_field(engine: Engine, project_id: int, actor: Actor, spec: FieldSpec) -> None:
    actor.require_owner("change the characteristics form")
    with write_session(engine) as session:
        lock_project(session, project_id)
        ensure_form(session, project_id, (spec,))


def set_characteristic(engine: Engine, project_id: int, actor: Actor, record_id: int, key: str, text: str) -> None:
    """A coder's value of one field for one included study (ValueError if it does not fit the field)."""
    coder_id = actor.require_screener()
    with write_session(engine) as session:
        row = session.scalar(select(CharacteristicFieldRow).where(
            CharacteristicFieldRow.project_id == project_id, CharacteristicFieldRow.key == key))
        if row is None:
            raise ValueError(f"the form has no field {key!r}")
        if record_id not in chartable_ids(session, project_id):
            raise FindingError(f"record {record_id} is not an included study")
        values = check_value(_spec(row), text)
        session.add(CharacteristicValueRow(project_id=project_id, record_id=record_id, field_id=row.id,
                                           coder_id=coder_id, text=text.strip(), values=values))


def characteristics_of(engine: Engine, project_id: int, record_id: int, coder_id: int | None = None) -> dict[str, str]:
    """field key → current text for one study: of one coder, or (coder None) the consensus/imported values."""
    with session_scope(engine) as session:
        keys = dict(session.execute(select(CharacteristicFieldRow.id, CharacteristicFieldRow.key)
                                    .where(CharacteristicFieldRow.project_id == project_id)).all())
        query = select(CharacteristicValueRow).where(CharacteristicValueRow.project_id == project_id,
                                                     CharacteristicValueRow.record_id == record_id)
        query = (query.where(CharacteristicValueRow.coder_id == coder_id) if coder_id is not None
                 else query.where(CharacteristicValueRow.version == "consensus"))
        current: dict[str, str] = {}
        for value in session.scalars(query.order_by(CharacteristicValueRow.id)):
            current[keys[value.field_id]] = value.text
        return current

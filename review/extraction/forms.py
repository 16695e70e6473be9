"""The study-characteristics form: fields declared as data, values per study per coder.

Field types: text, number, single (one of `choices`), multiple (any of `choices`, "; "-joined in
a cell), year, country. The ROM review's defaults are `DEFAULT_FIELDS`; the owner adds fields
(`add_field`: the key, type and choices are checked first), edits a label or the choices
(`update_field`: never so that a value already given stops fitting) and retires a field
(`retire_field`): a retired field leaves the form and the exports, its values stay and come back
with it. Values are append-only: the latest per (study, field, coder) is current.

Country is checked loosely (letters, no digits): real coding tables write "USA", "The
Netherlands", "Not stated" or "Finland; Sweden", and no list of names would accept them all.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from review.extraction.findings import FindingError, chartable_ids
from review.extraction.model import CELL_SEPARATOR, fold, split_cell
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


FIELD_KEY = re.compile(r"[a-z][a-z0-9_]{0,59}")
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
_COUNTRY = re.compile(r"[^\W\d_][^\d]*", re.UNICODE)


def check_value(spec: FieldSpec, text: str) -> list[str]:
    """The parsed values of a cell for a field; ValueError saying why it does not fit.

    >>> check_value(FieldSpec("n", "N", "number"), "12,5"), check_value(FieldSpec("c", "C", "country"), "UK; USA")
    (['12,5'], ['UK; USA'])
    """
    text = text.strip()
    if not text:
        return []
    if spec.field_type == "number" and not _NUMBER.fullmatch(text):
        raise ValueError(f"{spec.label}: {text!r} is not a number")
    if spec.field_type == "year" and not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"{spec.label}: {text!r} is not a year (four digits)")
    if spec.field_type == "country" and not _COUNTRY.fullmatch(text):
        raise ValueError(f"{spec.label}: {text!r} is not a country name (letters, no digits)")
    values = split_cell(text) if spec.field_type == "multiple" else [text]
    if spec.field_type in ("single", "multiple") and spec.choices:
        allowed = {fold(choice) for choice in spec.choices}
        unknown = [v for v in values if fold(v) not in allowed]
        if unknown:
            raise ValueError(f"{spec.label}: {', '.join(map(repr, unknown))} is not one of the choices")
    return values


def field_spec(row: CharacteristicFieldRow) -> FieldSpec:
    """A stored field as plain data."""
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
        return [field_spec(row) for row in rows]


class FormError(ValueError):
    """A change of the characteristics form that cannot be made, and why."""


@dataclass(frozen=True)
class FieldInfo:
    """A field as the form editor lists it: retired ones too, with how many studies have a value."""

    spec: FieldSpec
    retired: bool
    studies: int


def checked_field(spec: FieldSpec, existing_keys: Collection[str] = ()) -> FieldSpec:
    """`spec` cleaned (blanks, label from the key), or FormError saying what is wrong with it.

    >>> checked_field(FieldSpec("sample_size", "", "number")).label
    'Sample size'
    >>> checked_field(FieldSpec("setting", "Setting", "single"))
    Traceback (most recent call last):
    ...
    review.extraction.forms.FormError: a single choice field needs its choices (one per line)
    """
    key = spec.key.strip()
    if not FIELD_KEY.fullmatch(key):
        raise FormError(f"the key {key!r} does not do: a key is lower-case letters, digits and _, starting with a "
                        "letter, at most 60 characters (e.g. sample_size)")
    if fold(key) in {fold(existing) for existing in existing_keys}:
        raise FormError(f"the form has a field {key!r} already (a retired field is restored, not added again)")
    if spec.field_type not in FIELD_TYPES:
        raise FormError(f"unknown field type {spec.field_type!r} (one of {', '.join(FIELD_TYPES)})")
    return FieldSpec(key, checked_label(spec.label, key), spec.field_type,
                     checked_choices(spec.field_type, spec.choices), spec.record_field)


def checked_label(label: str, key: str) -> str:
    cleaned = " ".join(label.split()) or key.replace("_", " ").capitalize()
    if len(cleaned) > 300:
        raise FormError("a label has at most 300 characters")
    return cleaned


def checked_choices(field_type: str, choices: Sequence[str]) -> tuple[str, ...]:
    cleaned = [" ".join(choice.split()) for choice in choices if choice.strip()]
    if field_type not in ("single", "multiple"):
        if cleaned:
            raise FormError(f"a {field_type} field has no choices (only single and multiple choice fields do)")
        return ()
    if not cleaned:
        raise FormError(f"a {field_type} choice field needs its choices (one per line)")
    seen: set[str] = set()
    for choice in cleaned:
        if CELL_SEPARATOR in choice:
            raise FormError(f"a choice cannot hold {CELL_SEPARATOR!r} (it separates the choices in a cell): {choice!r}")
        if len(choice) > 300:
            raise FormError("a choice has at most 300 characters")
        if fold(choice) in seen:
            raise FormError(f"the choice {choice!r} is listed twice")
        seen.add(fold(choice))
    return tuple(cleaned)


def field_rows(session: Session, project_id: int) -> list[CharacteristicFieldRow]:
    """Every field of the form, retired ones too, in form order."""
    return list(session.scalars(select(CharacteristicFieldRow).where(CharacteristicFieldRow.project_id == project_id)
                                .order_by(CharacteristicFieldRow.position, CharacteristicFieldRow.id)))


def _field_row(session: Session, project_id: int, key: str) -> CharacteristicFieldRow:
    for row in field_rows(session, project_id):
        if row.key == key:
            return row
    raise FormError(f"the form has no field {key!r}")


@dataclass(frozen=True, slots=True)
class CurrentValue:
    record_id: int
    field_id: int
    version: str
    coder_id: int | None
    text: str


def current_values(session: Session, project_id: int) -> list[CurrentValue]:
    """The current value of every (study, field, coder or consensus): the latest row of each."""
    latest: dict[tuple[int, int, str, int | None], CurrentValue] = {}
    v = CharacteristicValueRow
    for record_id, field_id, version, coder_id, text in session.execute(
            select(v.record_id, v.field_id, v.version, v.coder_id, v.text).where(v.project_id == project_id)
            .order_by(v.id)):
        latest[(record_id, field_id, version, coder_id)] = CurrentValue(record_id, field_id, version, coder_id, text)
    return list(latest.values())


def add_field(engine: Engine, project_id: int, actor: Actor, spec: FieldSpec) -> FieldSpec:
    """The owner adds a field to the form (after the default fields, written first if need be)."""
    actor.require_owner("change the characteristics form")
    with write_session(engine) as session:
        lock_project(session, project_id)
        if not field_rows(session, project_id):
            ensure_form(session, project_id)
        checked = checked_field(spec, [row.key for row in field_rows(session, project_id)])
        ensure_form(session, project_id, (checked,))
        return checked


def update_field(engine: Engine, project_id: int, actor: Actor, key: str, label: str,
                 choices: Sequence[str] = ()) -> None:
    """The owner changes a field's label or choices; refused when a value given already would stop
    fitting (a choice in use cannot be removed: merge the values first)."""
    actor.require_owner("change the characteristics form")
    with write_session(engine) as session:
        lock_project(session, project_id)
        row = _field_row(session, project_id, key)
        # The key is not checked: a coding table's columns are fields with keys of their own.
        spec = FieldSpec(row.key, checked_label(label, row.key), row.field_type,
                         checked_choices(row.field_type, choices), row.record_field)
        misfits = sorted({value.text for value in current_values(session, project_id)
                          if value.field_id == row.id and not fits_field(spec, value.text)})
        if misfits:
            raise FormError(f"values given already would no longer fit: {', '.join(map(repr, misfits[:5]))}")
        row.label, row.choices = spec.label, list(spec.choices)


def fits_field(spec: FieldSpec, text: str) -> bool:
    try:
        check_value(spec, text)
    except ValueError:
        return False
    return True


def retire_field(engine: Engine, project_id: int, actor: Actor, key: str, restore: bool = False) -> None:
    """Take a field off the form (its values stay, and come back when it is restored)."""
    actor.require_owner("change the characteristics form")
    with write_session(engine) as session:
        lock_project(session, project_id)
        _field_row(session, project_id, key).retired = not restore


def form_overview(engine: Engine, project_id: int) -> list[FieldInfo]:
    """Every field of the form, retired ones too, with the number of studies that have a value."""
    form_fields(engine, project_id)  # the defaults, on first use
    with session_scope(engine) as session:
        studies: dict[int, set[int]] = {}
        for value in current_values(session, project_id):
            if value.text:
                studies.setdefault(value.field_id, set()).add(value.record_id)
        return [FieldInfo(field_spec(row), row.retired, len(studies.get(row.id, ())))
                for row in field_rows(session, project_id)]


def set_characteristic(engine: Engine, project_id: int, actor: Actor, record_id: int, key: str, text: str) -> None:
    """A coder's value of one field for one included study (ValueError if it does not fit the field)."""
    coder_id = actor.require_screener()
    with write_session(engine) as session:
        if not field_rows(session, project_id):
            ensure_form(session, project_id)
        row = session.scalar(select(CharacteristicFieldRow).where(
            CharacteristicFieldRow.project_id == project_id, CharacteristicFieldRow.key == key))
        if row is None or row.retired:
            raise ValueError(f"the form has no field {key!r}" + (" (it is retired)" if row is not None else ""))
        if record_id not in chartable_ids(session, project_id):
            raise FindingError(f"record {record_id} is not an included study")
        values = check_value(field_spec(row), text)
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

"""Study characteristics in LONG form: one row per study × field (`source_key, field, value, coded_by`),
as CSV or XLSX, in and out.

Export: the current value of every field of the form (retired fields left out) for every charted
study, one row per study, field and coder: `coded_by` is blank for the team's agreed (consensus or
imported) value and the coder's user name for a coder's own value (dual extraction). Studies in
record order, fields in form order, the consensus before the coders.

Import: every row is checked first (the study exists and may be charted, the field is on the
form, the value fits the field's type: a number, a four-digit year, one or several of the
allowed choices, a country name), and every bad row is reported (`tables.BadRows`, one
`FILE:LINE: reason` each); one bad row and nothing is written. A blank `coded_by` writes the
agreed value; a user name writes that coder's value (the account is made a reviewer if need be,
as `screen import` does). A blank value clears the field. Importing an export gives the same
export again.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, insert, select

from review.extraction.findings import chartable_ids, include_as_imported_coding
from review.extraction.forms import (
    CurrentValue,
    FieldSpec,
    check_value,
    current_values,
    field_rows,
    field_spec,
    form_fields,
)
from review.extraction.long_table import record_keys
from review.extraction.model import fold
from review.extraction.tables import BadRows, read_coding_table
from review.people import PeopleError, clean_username, ensure_reviewer
from review.records.readers.base import BadInput, Problem, SourceFile
from review.records.writers import write_table
from review.store.engine import session_scope
from review.store.extraction_schema import CharacteristicFieldRow, CharacteristicValueRow
from review.store.schema import RecordRow
from review.store.screening_schema import User
from review.store.transactions import lock_project, write_session

CHARACTERISTIC_COLUMNS: tuple[str, ...] = ("source_key", "field", "value", "coded_by")
REQUIRED = ("source_key", "field", "value")
#: A `coded_by` that means the team's agreed value rather than a coder's.
CONSENSUS_WORDS = frozenset({"", "consensus"})


@dataclass(frozen=True)
class CharacteristicsImport:
    file_name: str
    values: int
    studies: int
    coders: list[str]
    studies_included: int

    def message(self) -> str:
        text = f"imported {self.values} characteristics of {self.studies} studies from {self.file_name}"
        if self.coders:
            text += f" (coders: {', '.join(self.coders)})"
        if self.studies_included:
            text += f"; {self.studies_included} studies charted as imported coding"
        return text


def characteristic_rows(engine: Engine, project_id: int) -> list[dict[str, object]]:
    """One row per charted study × active field × coder (`CHARACTERISTIC_COLUMNS`), blank values left out."""
    form_fields(engine, project_id)
    with session_scope(engine) as session:
        fields = [row for row in field_rows(session, project_id) if not row.retired]
        order = {row.id: position for position, row in enumerate(fields)}
        keys = {row.id: row.key for row in fields}
        chartable = chartable_ids(session, project_id)
        values = [v for v in current_values(session, project_id)
                  if v.text and v.field_id in order and v.record_id in chartable]
        record_ids = sorted({v.record_id for v in values})
        source_keys = dict(session.execute(select(RecordRow.id, RecordRow.source_key)
                                           .where(RecordRow.id.in_(record_ids))).all()) if record_ids else {}
        coder_ids = sorted({v.coder_id for v in values if v.coder_id is not None})
        names = dict(session.execute(select(User.id, User.username).where(User.id.in_(coder_ids))).all()) \
            if coder_ids else {}

    def coded_by(value: CurrentValue) -> str:
        return "" if value.version == "consensus" or value.coder_id is None else str(names.get(value.coder_id, ""))

    values.sort(key=lambda v: (v.record_id, order[v.field_id], coded_by(v)))
    return [
        {"source_key": source_keys.get(v.record_id) or f"#{v.record_id}", "field": keys[v.field_id],
         "value": v.text, "coded_by": coded_by(v)}
        for v in values
    ]


def export_characteristics(engine: Engine, project_id: int, fmt: str) -> bytes:
    """The long characteristics table as CSV or XLSX bytes (cells formula-safe, see `write_table`)."""
    return write_table(characteristic_rows(engine, project_id), CHARACTERISTIC_COLUMNS, fmt)


@dataclass(frozen=True)
class _Checked:
    line: int
    record_id: int
    field_id: int
    text: str
    values: list[str]
    coder: str


def import_characteristics(engine: Engine, project_id: int, source: SourceFile, *, imported_by: str = "",
                           include_unscreened: bool = False) -> CharacteristicsImport:
    """Import a long characteristics table, all or nothing; BadRows lists every bad row.

    `include_unscreened`: a study not included by screening is charted as "imported coding"
    (as `findings import` does); without it such a row is bad.
    """
    table = read_coding_table(source)
    headers = [h.strip().casefold() for h in table.headers]
    missing = [column for column in REQUIRED if column not in headers]
    if missing:
        raise BadInput(source.name, 1, f"missing column(s): {', '.join(missing)} "
                       f"(columns: {','.join(CHARACTERISTIC_COLUMNS)})")
    form_fields(engine, project_id)  # the default form, on first use
    with write_session(engine) as session:
        lock_project(session, project_id)
        keys = record_keys(session, project_id)
        chartable = chartable_ids(session, project_id)
        fields = _FieldLookup(field_rows(session, project_id))
        checked: list[_Checked] = []
        problems: list[Problem] = []
        seen: dict[tuple[int, int, str], int] = {}
        for line, cells in table.rows:
            # The value is kept as written (a coding table's cells come out as they went in).
            row = {h: (cells[i] if h == "value" else cells[i].strip()) if i < len(cells) else ""
                   for i, h in enumerate(headers)}
            try:
                item = _check_row(row, line, keys, fields, chartable, include_unscreened)
            except ValueError as error:
                problems.append(Problem(line, str(error)))
                continue
            earlier = seen.setdefault((item.record_id, item.field_id, item.coder), line)
            if earlier != line:
                problems.append(Problem(line, f"{row['source_key']!r} has a value of {row['field']!r} "
                                              f"by the same coder on line {earlier} already"))
                continue
            checked.append(item)
        if problems:
            raise BadRows(source.name, problems)
        origin = f"import:{source.name.replace(chr(92), '/').rsplit('/', 1)[-1]}"
        coders: dict[str, int] = {}
        values: list[dict[str, object]] = []
        for item in checked:
            coder_id = None
            if item.coder:
                if item.coder not in coders:
                    try:
                        coders[item.coder] = ensure_reviewer(session, project_id, item.coder).id
                    except PeopleError as error:
                        raise BadInput(source.name, item.line, str(error)) from error
                coder_id = coders[item.coder]
            values.append({"project_id": project_id, "record_id": item.record_id, "field_id": item.field_id,
                           "coder_id": coder_id, "version": "consensus" if coder_id is None else "coder",
                           "text": item.text, "values": item.values, "origin": origin})
        for start in range(0, len(values), 2000):  # one INSERT per batch, as the wide import does
            session.execute(insert(CharacteristicValueRow), values[start : start + 2000])
        newly = {item.record_id for item in checked} - chartable
        include_as_imported_coding(session, project_id, newly, imported_by)
    return CharacteristicsImport(source.name, len(checked), len({item.record_id for item in checked}),
                                 sorted(coders), len(newly))


def _check_row(row: dict[str, str], line: int, keys: dict[str, list[int]], fields: _FieldLookup,
               chartable: set[int], include_unscreened: bool) -> _Checked:
    """One row, checked; ValueError with the reason."""
    key = row["source_key"]
    found = keys.get(key.casefold(), [])
    if not found:
        raise ValueError(f"no record with source_key {key!r} in this project")
    if len(found) > 1:
        raise ValueError(f"source_key {key!r} names {len(found)} records")
    if found[0] not in chartable and not include_unscreened:
        raise ValueError(f"{key!r} is not an included study (only included studies are charted)")
    field, spec = fields.find(row["field"])
    coder = row.get("coded_by", "")
    if fold(coder) in CONSENSUS_WORDS:
        coder = ""
    else:
        try:
            coder = clean_username(coder)
        except PeopleError as error:
            raise ValueError(f"coded_by: {error}") from error
    text = row["value"]
    return _Checked(line, found[0], field.id, text, check_value(spec, text), coder)


class _FieldLookup:
    """The form's fields by key (exactly, else ignoring case and blanks) or by label."""

    def __init__(self, fields: list[CharacteristicFieldRow]) -> None:
        self.fields = fields
        self.specs = {row.id: field_spec(row) for row in fields}
        self.exact = {row.key: [row] for row in fields}
        self.folded: dict[str, list[CharacteristicFieldRow]] = {}
        self.labels: dict[str, list[CharacteristicFieldRow]] = {}
        for row in fields:
            self.folded.setdefault(fold(row.key), []).append(row)
            self.labels.setdefault(fold(row.label), []).append(row)

    def find(self, name: str) -> tuple[CharacteristicFieldRow, FieldSpec]:
        if not name:
            raise ValueError("the field is blank")
        matches = self.exact.get(name) or self.folded.get(fold(name)) or self.labels.get(fold(name)) or []
        if not matches:
            active = ", ".join(row.key for row in self.fields if not row.retired)
            raise ValueError(f"the form has no field {name!r} (fields: {active[:300]})")
        if len(matches) > 1:
            raise ValueError(f"{name!r} names {len(matches)} fields of the form: use its key")
        if matches[0].retired:
            raise ValueError(f"the field {name!r} is retired (restore it on the Extract page first)")
        return matches[0], self.specs[matches[0].id]

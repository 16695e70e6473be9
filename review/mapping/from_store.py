"""The map's input from the database: the extraction step's consensus findings as `MapFinding`s.

Study labels: the first author's surname and the year, as a reference list cites them —
"Boswell 2015" (one author), "Lambert & Shimokawa 2011" (two), "Boswell et al. 2015" (three or
more); "n.d." without a year; a record without authors is labelled by its title's first words.
Two studies with the same label get "a", "b"… after the year, in record order.

Characteristics (design, country, setting…): the consensus values (imported coding tables,
reconciliation) come first. With single coding a field that has no consensus value takes the
latest value any coder entered, so a study charted in the app filters at once; with dual coding
only consensus values count, as only reconciled findings do (`consensus_findings`). Multiple-choice
fields become tuples of their choices, every other field its text.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Engine, select

from review.extraction.findings import consensus_findings, dual_extraction
from review.mapping.model import CharacteristicValue, MapFinding
from review.store.engine import session_scope
from review.store.extraction_schema import CharacteristicFieldRow, CharacteristicValueRow
from review.store.schema import RecordRow

_INITIALS = re.compile(r"^(?:[A-Z\u00C0-\u00DE]\.?-?){1,4}$")


def surname(author: str) -> str:
    """The family name of an author as bibliographic exports write it: "Surname, Given",
    "Surname I.J." (Scopus, PubMed) or "Given Surname".

    >>> surname("Boswell, James F."), surname("Boswell J.F."), surname("James F. Boswell")
    ('Boswell', 'Boswell', 'Boswell')
    >>> surname("de Jong K."), surname("Østergård O.K."), surname("  ")
    ('de Jong', 'Østergård', '')
    """
    author = " ".join(author.split())
    if not author:
        return ""
    if "," in author:
        return author.split(",", 1)[0].strip()
    words = author.split(" ")
    while len(words) > 1 and _INITIALS.match(words[-1]):
        words.pop()
    if len(words) < len(author.split(" ")):
        return " ".join(words)  # "Surname I.J.": the initials came last
    return words[-1]


def study_label(authors: Sequence[str], year: int | None, title: str = "", record_id: int = 0) -> str:
    """How the map names a study.

    >>> study_label(["Boswell, J.", "Kraus, D.", "Miller, S."], 2015)
    'Boswell et al. 2015'
    >>> study_label(["Lambert, M. J.", "Shimokawa, K."], 2011)
    'Lambert & Shimokawa 2011'
    >>> study_label([], None, "Routine outcome monitoring in practice")
    'Routine outcome monitoring… n.d.'
    """
    names = [name for name in (surname(author) for author in authors) if name]
    when = str(year) if year else "n.d."
    if len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} & {names[1]}"
    elif names:
        who = f"{names[0]} et al."
    else:
        words = re.sub(r"\s+", " ", title or "").strip().split(" ")
        who = " ".join(words[:3]) + ("…" if len(words) > 3 else "") if words != [""] else f"Record {record_id}"
    return f"{who} {when}"


def _unique_labels(labels: dict[int, str]) -> dict[int, str]:
    """Same label for two studies → "2015a", "2015b"… in record order."""
    groups: dict[str, list[int]] = defaultdict(list)
    for record_id in sorted(labels):
        groups[labels[record_id]].append(record_id)
    unique = dict(labels)
    for label, ids in groups.items():
        if len(ids) > 1:
            for number, record_id in enumerate(ids):
                unique[record_id] = f"{label}{chr(ord('a') + number) if number < 26 else number + 1}"
    return unique


def study_characteristics(
    engine: Engine, project_id: int, record_ids: Iterable[int]
) -> dict[int, dict[str, CharacteristicValue]]:
    """record id → field key → value, by the rule in the module docstring."""
    wanted = set(record_ids)
    result: dict[int, dict[str, CharacteristicValue]] = {record_id: {} for record_id in wanted}
    if not wanted:
        return result
    with session_scope(engine) as session:
        dual = dual_extraction(session, project_id)
        fields = {
            row.id: row
            for row in session.scalars(
                select(CharacteristicFieldRow).where(
                    CharacteristicFieldRow.project_id == project_id, CharacteristicFieldRow.retired.is_(False)
                )
            )
        }
        consensus: dict[tuple[int, int], CharacteristicValueRow] = {}
        coder: dict[tuple[int, int], CharacteristicValueRow] = {}
        rows = session.scalars(
            select(CharacteristicValueRow)
            .where(CharacteristicValueRow.project_id == project_id)
            .order_by(CharacteristicValueRow.id)
        )
        for row in rows:
            if row.record_id not in wanted or row.field_id not in fields:
                continue
            (consensus if row.version == "consensus" else coder)[(row.record_id, row.field_id)] = row
        chosen = dict(consensus) if dual else {**coder, **consensus}
        for (record_id, field_id), row in chosen.items():
            spec = fields[field_id]
            if not row.text.strip():
                continue
            value: CharacteristicValue = (
                tuple(row.values or ()) if spec.field_type == "multiple" else row.text.strip()
            )
            result[record_id][spec.key] = value
    return result


def map_findings(engine: Engine, project_id: int) -> list[MapFinding]:
    """The project's consensus findings (`consensus_findings`) as the map reads them."""
    views = consensus_findings(engine, project_id)
    record_ids = {view.record_id for view in views}
    with session_scope(engine) as session:
        records = {
            record_id: (list(authors or ()), year, title or "")
            for record_id, authors, year, title in session.execute(
                select(RecordRow.id, RecordRow.authors, RecordRow.year, RecordRow.title).where(
                    RecordRow.id.in_(record_ids)
                )
            )
        } if record_ids else {}
    labels = _unique_labels(
        {
            record_id: study_label(authors, year, title, record_id)
            for record_id, (authors, year, title) in records.items()
        }
    )
    characteristics = study_characteristics(engine, project_id, record_ids)
    return [
        MapFinding(
            study_id=view.record_id,
            study_label=labels.get(view.record_id, f"Record {view.record_id}"),
            title=view.title,
            year=view.year,
            type=view.type,
            levels=tuple(view.levels),
            themes=tuple(view.themes),
            quote=view.quote,
            page=view.page,
            characteristics=characteristics.get(view.record_id, {}),
        )
        for view in views
    ]

"""Writers: records out as RIS, BibTeX, CSV or XLSX, each readable again by our readers.

>>> from review.records.model import Record
>>> write_records([Record(title="ROM in practice", year=2019)], "ris").decode().splitlines()[:3]
['TY  - JOUR', 'TI  - ROM in practice', 'PY  - 2019']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from review.records.model import Record
from review.records.writers.bibtex import write_bibtex
from review.records.writers.ris import write_ris
from review.records.writers.table import RECORD_COLUMNS, write_csv, write_table, write_xlsx

Writer = Callable[[Iterable[Record]], bytes]

#: Format name → writer; the names are the readers' format names.
WRITERS: dict[str, Writer] = {
    "ris": write_ris,
    "bibtex": write_bibtex,
    "csv": write_csv,
    "xlsx": write_xlsx,
}
#: Format name → file extension for downloads.
EXTENSIONS: dict[str, str] = {"ris": "ris", "bibtex": "bib", "csv": "csv", "xlsx": "xlsx"}

__all__ = ["EXTENSIONS", "RECORD_COLUMNS", "WRITERS", "Writer", "write_records", "write_table"]


def write_records(records: Iterable[Record], fmt: str) -> bytes:
    """Records in the format `fmt` (one of `WRITERS`); ValueError for an unknown format."""
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(WRITERS)}")
    return WRITERS[fmt](records)

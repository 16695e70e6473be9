r"""Readers, one module per format, registered in the order their detection is tried.

>>> from review.records.readers import read_source, SourceFile
>>> result = read_source(SourceFile("x.ris", b"TY  - JOUR\nTI  - A title\nER  - \n"))
>>> result.format, result.records[0].title
('ris', 'A title')
"""

from __future__ import annotations

from collections.abc import Mapping

from review.records.readers import table
from review.records.readers.base import BadInput, Problem, Reader, ReadResult, SourceFile, decode
from review.records.readers.bibtex import READER as BIBTEX_READER
from review.records.readers.csl_json import READER as CSL_JSON_READER
from review.records.readers.endnote_xml import READER as ENDNOTE_XML_READER
from review.records.readers.nbib import READER as NBIB_READER
from review.records.readers.ris import READER as RIS_READER
from review.records.readers.wos import READER as WOS_READER

#: Tried in this order by `detect_format`: the most specific signatures first, the table last.
READERS: tuple[Reader, ...] = (
    table.XLSX_READER,
    ENDNOTE_XML_READER,
    CSL_JSON_READER,
    WOS_READER,
    NBIB_READER,
    RIS_READER,
    BIBTEX_READER,
    table.CSV_READER,
)
FORMATS: dict[str, Reader] = {reader.name: reader for reader in READERS}

__all__ = [
    "FORMATS",
    "READERS",
    "BadInput",
    "Problem",
    "ReadResult",
    "Reader",
    "SourceFile",
    "decode",
    "detect_format",
    "read_source",
]


def detect_format(source: SourceFile) -> str:
    """The name of the format the content is in; BadInput when no reader recognises it."""
    if not source.data.strip():
        raise BadInput(source.name, 1, "the file is empty")
    for reader in READERS:
        if reader.detect(source):
            return reader.name
    raise BadInput(
        source.name,
        1,
        "unknown format: not BibTeX, RIS, PubMed/MEDLINE, Web of Science, CSV/TSV/XLSX, "
        "EndNote XML or CSL-JSON",
    )


def read_source(
    source: SourceFile,
    format: str = "auto",
    column_map: Mapping[str, str] | None = None,
) -> ReadResult:
    """Read one file in the given format (or the detected one). Bad entries become Problems.

    `column_map` maps canonical field names to table columns, overriding the automatic mapping
    of CSV/TSV/XLSX files.
    """
    name = detect_format(source) if format == "auto" else format
    if name not in FORMATS:
        raise BadInput(source.name, 1, f"unknown format {name!r}; choose one of {', '.join(FORMATS)}")
    if name in {"csv", "xlsx"}:
        return table.read_table(source, name, column_map)
    return FORMATS[name].read(source)

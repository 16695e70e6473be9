r"""Readers, one module per format, registered in the order their detection is tried.

>>> from review.records.readers import read_source, SourceFile
>>> result = read_source(SourceFile("x.ris", b"TY  - JOUR\nTI  - A title\nER  - \n"))
>>> result.format, result.records[0].title
('ris', 'A title')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from review.records.readers import table
from review.records.readers.base import (
    BadInput,
    NormalisingReader,
    Problem,
    Reader,
    ReadResult,
    SourceFile,
    decode,
)
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
    "read_normalised",
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
    name = _format_name(source, format)
    if name in {"csv", "xlsx"}:
        return table.read_table(source, name, column_map)
    return FORMATS[name].read(source)


def read_normalised(
    source: SourceFile,
    format: str = "auto",
    column_map: Mapping[str, str] | None = None,
) -> ReadResult:
    """`read_source` with every record normalised (`Record.normalised`): what an import stores.

    A reader that can share a large file with a second process (RIS) reads and normalises it
    there too; the records are the same.
    """
    name = _format_name(source, format)
    reader = FORMATS[name]
    if isinstance(reader, NormalisingReader):
        return reader.read_normalised(source)
    result = read_source(source, name, column_map)
    return replace(result, records=[record.normalised() for record in result.records])


def _format_name(source: SourceFile, format: str) -> str:
    name = detect_format(source) if format == "auto" else format
    if name not in FORMATS:
        raise BadInput(source.name, 1, f"unknown format {name!r}; choose one of {', '.join(FORMATS)}")
    return name

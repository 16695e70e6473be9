"""What every reader shares: the input file, the result, problems with line numbers, decoding."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol, runtime_checkable

from review.records.model import Record


class BadInput(Exception):
    """Input that cannot be imported. `str()` reads `FILE:LINE: reason`."""

    def __init__(self, file_name: str, line: int | None, reason: str) -> None:
        self.file_name = file_name
        self.line = line
        self.reason = reason
        super().__init__(f"{file_name}:{line if line is not None else 1}: {reason}")


@dataclass(frozen=True)
class Problem:
    """One entry that could not be read: where it starts and why."""

    line: int | None
    reason: str

    def located(self, file_name: str) -> str:
        return f"{file_name}:{self.line if self.line is not None else 1}: {self.reason}"


@dataclass
class SourceFile:
    """An uploaded or named export: its name and its bytes. Text is decoded on first use."""

    name: str
    data: bytes

    @cached_property
    def text(self) -> str:
        return decode(self.data)

    @property
    def extension(self) -> str:
        return self.name.rsplit(".", 1)[-1].lower() if "." in self.name else ""


@dataclass
class ReadResult:
    """What a reader made of one file."""

    format: str
    records: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: The database the export says it came from (PubMed, Scopus, Web of Science…), if it says.
    source_database: str | None = None


class Reader(Protocol):
    """One format. `detect` looks at content (the extension may lie); `read` never raises on a
    bad entry: it records a Problem and goes on, so the caller chooses to refuse or skip."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    def detect(self, source: SourceFile) -> bool: ...

    def read(self, source: SourceFile) -> ReadResult: ...


@runtime_checkable
class NormalisingReader(Reader, Protocol):
    """A reader that also normalises, faster than `read` then `Record.normalised` on every record
    (RIS shares a large file between two processes); the records are the same."""

    def read_normalised(self, source: SourceFile) -> ReadResult: ...


def decode(data: bytes) -> str:
    """Bytes to text: BOMs honoured, UTF-16 without BOM recognised, UTF-8, else cp1252/Latin-1.

    Line endings are normalised to `\\n` so that line numbers mean the same in every format.
    NUL characters are dropped: no bibliographic text holds one, a damaged file can, and
    PostgreSQL refuses to store text containing one (the raw entry is stored as read).
    """
    if data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    elif _looks_utf16(data):
        text = data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _looks_utf16(data: bytes) -> bool:
    sample = data[:400]
    if len(sample) < 4:
        return False
    zeros = sample.count(b"\x00")
    return zeros > len(sample) // 4


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, offset) + 1

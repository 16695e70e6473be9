"""Bad input, fuzzed: every reader and the format detection, fed arbitrary bytes, arbitrary text in
odd encodings and damaged real exports (bits flipped, cut short, NULs, BOMs and stray markup
inserted, re-encoded), give a ReadResult or a BadInput reading `FILE:LINE: reason`, never another
exception; and an import of any of them stores all its good records or none, on SQLite and on
PostgreSQL.

The per-format property tests next to each reader fuzz inside one entry; these fuzz whole files.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from review.records.importing import FileImport, commit_imports, load_source, read_file
from review.records.readers import FORMATS, BadInput, SourceFile, decode
from review.records.writers import write_records
from review.store.schema import Project, RecordRow, Source
from tests.conftest import DATA
from tests.conftest import FORMATS as FORMATS_DIR

#: Every real export the suite holds, by name.
REAL_EXPORTS: dict[str, bytes] = {
    path.name: path.read_bytes()
    for path in sorted([*FORMATS_DIR.rglob("*"), *(DATA / "endnote").iterdir(), *(DATA / "nbib").iterdir()])
    if path.is_file() and path.name != "SOURCE.md"
}
#: An XLSX written from a real export (the corpus has none): damaged zips reach the XLSX reader.
REAL_EXPORTS["scopus.xlsx"] = write_records(
    read_file(load_source(FORMATS_DIR / "ris_csv_asreview_test_exports" / "scopus.ris")).records, "xlsx"
)
FORMAT_CHOICES = ["auto", *FORMATS]
NAMES = ["export.ris", "export.bib", "export.nbib", "savedrecs.txt", "export.csv", "export.xlsx", "export"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1", "shift_jis"]
INSERTS = [
    b"\x00",
    b"\x00\x00\x00\x00",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\r",
    b"\r\n",
    b"\n\n",
    b"{",
    b"}",
    b"@article{",
    b'"',
    b"<",
    b"</record>",
    b"&#0;",
    b"]",
    b"\t",
    b",",
    b"TY  - ",
    b"ER  - \n",
    b"PMID- ",
    b"\nER\n",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xd8\x00",
]
BAD_INPUT = re.compile(r"^(?P<file>.+):(?P<line>\d+): \S")

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True, scope="module")
def quiet_bibtexparser() -> Iterator[None]:
    """bibtexparser logs every block it cannot parse; thousands of damaged files make a lot."""
    logger = logging.getLogger("bibtexparser")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@st.composite
def mutation(draw: st.DrawFn, data: bytearray) -> None:
    """Damage `data` in place, in one of the ways files get damaged."""
    kind = draw(st.sampled_from(["flip", "cut", "insert", "delete", "junk"]))
    at = int(draw(st.floats(0, 1, exclude_max=True)) * len(data)) if data else 0
    if kind == "flip" and data:
        data[at] ^= 1 << draw(st.integers(0, 7))
    elif kind == "cut":
        del data[at:]
    elif kind == "insert":
        data[at:at] = draw(st.sampled_from(INSERTS))
    elif kind == "delete":
        del data[at : at + draw(st.integers(1, 400))]
    else:
        data[at:at] = draw(st.binary(min_size=1, max_size=40))


@st.composite
def damaged_exports(draw: st.DrawFn) -> tuple[str, bytes]:
    """A real export, damaged a few times, maybe re-encoded."""
    name = draw(st.sampled_from(sorted(REAL_EXPORTS)))
    data = bytearray(REAL_EXPORTS[name])
    if draw(st.integers(0, 5)) == 0 and not name.endswith(".xlsx"):
        encoding = draw(st.sampled_from(ENCODINGS))
        data = bytearray(decode(bytes(data)).encode(encoding, errors="replace"))
    for _ in range(draw(st.integers(1, 4))):
        draw(mutation(data))
    return name, bytes(data)


def read_checked(name: str, data: bytes, format: str) -> FileImport | None:
    """Read as the app does; assert the outcome is one of the two allowed, and well formed."""
    try:
        plan = read_file(SourceFile(name, data), format)
    except BadInput as error:
        match = BAD_INPUT.match(str(error))
        assert match, f"not FILE:LINE: reason: {error}"
        assert match["file"] == name and int(match["line"]) >= 1
        assert error.reason.strip()
        return None
    lines = decode(data).count("\n") + 1
    for problem, located in zip(plan.problems, plan.problem_lines(), strict=True):
        assert BAD_INPUT.match(located), located
        assert problem.reason.strip()
        if plan.result.format != "xlsx":  # an XLSX problem names its row
            assert problem.line is None or 1 <= problem.line <= lines, (problem, lines)
    for record in plan.records:
        assert all(isinstance(author, str) and author for author in record.authors)
        assert record.year is None or isinstance(record.year, int)
        assert record.title is None or isinstance(record.title, str)
    return plan


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(NAMES), st.sampled_from(FORMAT_CHOICES))
def test_any_bytes_in_any_format_read_or_are_refused_clearly(data: bytes, name: str, format: str) -> None:
    read_checked(name, data, format)


@FUZZ
@given(st.text(max_size=600), st.sampled_from(ENCODINGS), st.sampled_from(FORMAT_CHOICES))
def test_any_text_in_any_encoding_reads_or_is_refused_clearly(text: str, encoding: str, format: str) -> None:
    read_checked("export.txt", text.encode(encoding, errors="replace"), format)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged_exports(), st.sampled_from(FORMAT_CHOICES))
def test_a_damaged_real_export_reads_or_is_refused_clearly(export: tuple[str, bytes], format: str) -> None:
    name, data = export
    read_checked(name, data, format)


# -- through the database: all or nothing ---------------------------------------------------


_projects = itertools.count()


def stored(engine: Engine, project: str) -> tuple[int, list[int]]:
    """(records stored in the project, record_count of each of its sources)."""
    with engine.connect() as connection:
        project_id = connection.scalar(select(Project.id).where(Project.name == project))
        if project_id is None:
            return 0, []
        records = connection.scalar(
            select(func.count()).select_from(RecordRow).where(RecordRow.project_id == project_id)
        )
        sources = connection.scalars(select(Source.record_count).where(Source.project_id == project_id))
        return records or 0, list(sources)


def check_all_or_nothing(engine: Engine, plan: FileImport, skip_bad: bool) -> None:
    project = f"fuzz {next(_projects)}"
    try:
        commit_imports(engine, project, [plan], skip_bad=skip_bad, force=True)
    except BadInput as error:
        assert BAD_INPUT.match(str(error)), str(error)
        assert stored(engine, project) == (0, [])
    else:
        count = len(plan.records)
        assert stored(engine, project) == (count, [count])
        assert skip_bad or not plan.problems


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(damaged_exports(), st.booleans())
def test_a_damaged_real_export_imports_whole_or_not_at_all(
    engine: Engine, export: tuple[str, bytes], skip_bad: bool
) -> None:
    name, data = export
    plan = read_checked(name, data, "auto")
    if plan is not None:
        check_all_or_nothing(engine, plan, skip_bad)


# -- crashes the fuzzing found, each kept as an example ---------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        pytest.param(
            "nul.ris", b"TY  - JOUR\nID  - k\x001\nTI  - A ti\x00tle\nAU  - X\x00, Y\nER  - \n", id="RIS"
        ),
        pytest.param("nul.bib", b"@article{k\x00e, title={A \x00 t}, author={Q\x00}}\n", id="BibTeX"),
        pytest.param("nul.csv", b"title,authors,abstract\nA\x00b,C\x00,ab\x00s\n", id="CSV"),
        pytest.param("nul.nbib", b"PMID- 1\x002\nTI  - a\x00b\n", id="MEDLINE"),
        pytest.param(
            "nul.json",
            b'[{"id": "k\\u0000", "title": "a\\u0000b", "source": "S\\u0000"}]',
            id="CSL-JSON escape",
        ),
    ],
)
def test_nul_characters_in_an_export_are_dropped_not_a_database_error(
    engine: Engine, name: str, data: bytes
) -> None:
    """PostgreSQL refused the raw entry text (and CSL-JSON ids) holding NUL with a DataError."""
    plan = read_checked(name, data, "auto")
    assert plan is not None and len(plan.records) == 1
    [record] = plan.records
    assert "\x00" not in record.raw + (record.source_key or "") + (record.source_database or "")
    check_all_or_nothing(engine, plan, skip_bad=False)
    assert stored(engine, f"fuzz {next(_projects) - 1}") == (1, [1])


def test_a_value_too_long_for_its_column_is_cut_and_the_raw_entry_keeps_it(engine: Engine) -> None:
    """A real Ovid/Zotero export puts a reference in IS (105 characters, the column holds 100):
    PostgreSQL refused the whole import with a DataError. The value is cut to fit instead."""
    plan = read_file(load_source(FORMATS_DIR / "ris_csv_asreview_test_exports" / "ovid_zotero.ris"))
    long_issue = next(record for record in plan.records if record.issue and record.issue.endswith("…"))
    assert len(long_issue.issue or "") == 100
    assert "Achenbach, T. (1991). Child Behavior Checklist/4-18" in long_issue.raw
    check_all_or_nothing(engine, plan, skip_bad=False)
    assert stored(engine, f"fuzz {next(_projects) - 1}") == (6, [6])


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        pytest.param(f"ID  - {'k' * 501}", "source key has 501 characters; at most 500 fit", id="entry key"),
        pytest.param(f"DO  - 10.1000/{'x' * 300}", "doi has 308 characters; at most 300 fit", id="DOI"),
    ],
)
def test_an_identifier_too_long_for_its_column_is_a_bad_entry(
    engine: Engine, entry: str, reason: str
) -> None:
    """Cut short, an identifier would name another work: the entry is refused, by its line."""
    data = f"TY  - JOUR\nTI  - Kept\nER  - \n\nTY  - JOUR\nTI  - Too long\n{entry}\nER  - \n".encode()
    plan = read_checked("long.ris", data, "auto")
    assert plan is not None and [record.title for record in plan.records] == ["Kept"]
    assert plan.problem_lines() == [f"long.ris:5: {reason}"]
    check_all_or_nothing(engine, plan, skip_bad=False)  # refused whole
    check_all_or_nothing(engine, plan, skip_bad=True)  # or the good entry alone
    assert stored(engine, f"fuzz {next(_projects) - 1}") == (1, [1])


def test_a_source_database_name_too_long_is_refused_by_name() -> None:
    with pytest.raises(
        BadInput, match=r"^x\.ris:1: the source database name has 201 characters; at most 200 fit$"
    ):
        read_file(SourceFile("x.ris", b"TY  - JOUR\nTI  - T\nER  - \n"), source_database="D" * 201)

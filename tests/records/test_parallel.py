"""Reading in two processes: `map_chunks`, and RIS files read in chunks exactly as in one piece."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import pytest

from review.records.importing import check_problems, read_file
from review.records.parallel import map_chunks
from review.records.readers import BadInput, SourceFile, decode
from review.records.readers.ris import READER, RisReader, join_chunks, read_chunk, split_records
from tests.records.parallel_helpers import fail_on_seven, slow_double

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"


def test_map_chunks_gives_the_results_in_order_and_the_worker_takes_a_share() -> None:
    results = map_chunks(slow_double, list(range(80)), only_if_idle=False)
    assert [value for value, _ in results] == [number * 2 for number in range(80)]
    pids = [pid for _, pid in results]
    # This process reads from the front, the worker from the back: one switch at most.
    assert pids[0] == os.getpid()
    assert sum(1 for a, b in itertools.pairwise(pids) if a != b) <= 1
    assert pids[-1] != os.getpid(), "the worker read none of 80 chunks of 50 ms (4 s)"


def test_an_error_in_a_chunk_is_raised_here_wherever_the_chunk_was_read() -> None:
    with pytest.raises(ValueError, match="seven"):
        map_chunks(fail_on_seven, list(range(20)), only_if_idle=False)


def test_with_no_worker_process_every_chunk_is_read_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert map_chunks(slow_double, list(range(5)), only_if_idle=False) == [
        (n * 2, os.getpid()) for n in range(5)
    ]


def mixed_ris() -> str:
    """Every RIS fixture one after the other: IDs and no IDs, BOMs, CRLF, free text between
    records, TY-less entries, an empty record, a bad year, and (cut) a record with no ER."""
    texts = [decode(path.read_bytes()) for path in sorted(DATA.rglob("*.ris"))]
    damaged = "TY  - JOUR\nTI  - A record whose ER line was lost\n"
    return "\n".join([*texts, damaged, *texts, "TY  - JOUR\nTI  - last, no ID\nER  - \n"])


@pytest.mark.parametrize("pieces", [2, 7, 50, 400])
def test_ris_chunks_read_alone_and_joined_equal_one_reading(pieces: int) -> None:
    text = mixed_ris()
    whole = read_chunk(split_records(text, 1)[0])
    chunks = split_records(text, pieces)
    assert len(chunks) > 1
    assert "\n".join(chunk.text for chunk in chunks) == text
    assert all(chunk.text.rsplit("\n", 1)[-1].startswith("ER  -") for chunk in chunks[:-1])
    joined = join_chunks([read_chunk(chunk) for chunk in chunks])
    assert [r.as_dict() for r in joined.records] == [r.as_dict() for r in whole.records]
    assert joined.problems == whole.problems
    assert joined.entries == whole.entries
    # the fallback keys run on over chunk borders: the last record is numbered among all entries
    assert joined.records[-1].source_key == str(whole.entries)


def test_ris_chunks_read_in_two_processes_equal_one_reading() -> None:
    text = mixed_ris()
    whole = read_chunk(split_records(text, 1, normalise=True)[0])
    two = join_chunks(map_chunks(read_chunk, split_records(text, 40, normalise=True), only_if_idle=False))
    assert [r.as_dict() for r in two.records] == [r.as_dict() for r in whole.records]
    assert two.problems == whole.problems and two.problems


def test_a_large_ris_file_reads_the_same_for_import_as_in_one_piece() -> None:
    source = SourceFile("mixed.ris", mixed_ris().encode())
    one = READER.read(source)
    two = RisReader(parallel_min_records=1, chunk_records=10).read_normalised(source)
    assert [r.as_dict() for r in two.records] == [record.normalised().as_dict() for record in one.records]
    assert two.problems == one.problems and two.problems
    assert (two.format, two.source_database) == (one.format, one.source_database)


def test_a_bad_record_deep_in_a_large_file_is_refused_with_its_line() -> None:
    entries = [f"TY  - JOUR\nTI  - Record {number}\nPY  - 2001\nER  - \n" for number in range(6_000)]
    entries[5_500] = "TY  - JOUR\nTI  - Record with a bad year\nPY  - 10 15\nER  - \n"
    source = SourceFile("big.ris", "".join(entries).encode())
    plan = read_file(source)
    assert len(plan.records) == 5_999
    assert plan.problem_lines() == ["big.ris:22001: year '10 15' is not a year"]
    assert plan.records[-1].source_key == "6000" and plan.records[-1].source_line == 23997
    with pytest.raises(BadInput, match=r"^big\.ris:22001: year"):
        check_problems([plan], skip_bad=False)

"""Replaying a labelled set (review.screening.simulate) and `python -m review simulate`."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from review.records.readers.base import BadInput, SourceFile
from review.screening.simulate import (
    prior_rows,
    read_labelled,
    simulate_order,
    simulation_metrics,
)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "data" / "screening" / "kitchenham2010_sample.csv"


def source(name: str, text: str) -> SourceFile:
    return SourceFile(name, text.encode("utf-8"))


@pytest.fixture(scope="module")
def sample() -> SourceFile:
    return SourceFile(str(SAMPLE), SAMPLE.read_bytes())


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "review", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


# --- the figures -------------------------------------------------------------------------------


def test_metrics_of_a_hand_built_order() -> None:
    # 20 records, 4 includes at places 1, 3, 6 and 15
    order = [0] * 20
    for place in (1, 3, 6, 15):
        order[place - 1] = 1
    metrics = simulation_metrics(order)
    assert (metrics.records, metrics.includes) == (20, 4)
    assert metrics.screened_to_95 == 15  # ceil(0.95 * 4) = 4 includes: all of them
    assert metrics.screened_to_100 == 15
    assert metrics.wss_95 == pytest.approx((20 - 15) / 20 - 0.05)
    assert metrics.recall_10 == pytest.approx(1 / 4)  # the first 2 records hold 1 include
    assert metrics.recall_25 == pytest.approx(2 / 4)  # the first 5 hold 2


def test_95_percent_of_many_includes_stops_before_the_last_one() -> None:
    order = [1] * 19 + [0] * 80 + [1]  # 20 includes: 19 of them are 95%
    metrics = simulation_metrics(order)
    assert metrics.screened_to_95 == 19
    assert metrics.screened_to_100 == 100
    assert metrics.wss_95 == pytest.approx(81 / 100 - 0.05)
    assert metrics.lines()[2] == "WSS@95: 0.760"


def test_an_order_without_includes_has_no_figures() -> None:
    with pytest.raises(ValueError, match="include"):
        simulation_metrics([0, 0, 0])


# --- the replay --------------------------------------------------------------------------------


def test_the_replay_finds_the_includes_far_sooner_than_random(sample: SourceFile) -> None:
    labelled = read_labelled(sample)
    assert (len(labelled.labels), labelled.includes, labelled.label_column) == (150, 15, "label_included")
    order = simulate_order(labelled.texts, labelled.labels, seed=1)
    assert sorted(order) == list(range(150))
    assert order[:2] == list(prior_rows(labelled.labels, 1))
    metrics = simulation_metrics([labelled.labels[row] for row in order])
    # a random order needs about 95% of the records for 95% of the includes (WSS@95 near 0)
    assert metrics.wss_95 > 0.25
    assert metrics.screened_to_100 < 110


def test_the_same_seed_replays_the_same_order(sample: SourceFile) -> None:
    labelled = read_labelled(sample)
    first = simulate_order(labelled.texts, labelled.labels, seed=4)
    assert simulate_order(labelled.texts, labelled.labels, seed=4) == first
    assert prior_rows(labelled.labels, 4) != prior_rows(labelled.labels, 5)


def test_the_prior_is_one_include_and_one_exclude() -> None:
    labels = [0, 0, 1, 0, 1, 0]
    for seed in range(10):
        include, exclude = prior_rows(labels, seed)
        assert (labels[include], labels[exclude]) == (1, 0)


def test_label_columns_and_values_are_read_like_the_importers_read_columns() -> None:
    labelled = read_labelled(source(
        "set.tsv",
        "ID\tTitle\tAbstract\tAuthor Keywords\tInclusion\n"
        "a7\tFeedback in therapy\tROM study\tROM; feedback\tyes\n"
        "b2\tSoil\tForest soil\t\tNo\n",
    ))
    assert labelled.source_keys == ("a7", "b2")
    assert labelled.labels == (1, 0)
    assert labelled.label_column == "Inclusion"
    assert "ROM; feedback" in labelled.texts[0]


def test_rows_without_an_id_column_are_numbered() -> None:
    labelled = read_labelled(source("set.csv", "title,included\nA,1\nB,0\nC,0\n"))
    assert labelled.source_keys == ("1", "2", "3")


def test_an_xlsx_set_is_read(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["record_id", "title", "abstract", "label_included"])
    sheet.append([1, "Feedback in therapy", "ROM", 1])
    sheet.append([2, "Forest soil", "Carbon", 0])
    path = tmp_path / "set.xlsx"
    workbook.save(path)
    labelled = read_labelled(SourceFile(str(path), path.read_bytes()))
    assert labelled.labels == (1, 0)
    assert labelled.source_keys == ("1", "2")


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        pytest.param("title,abstract\nA,x\n", "set.csv:1:", "no label column", id="no label column"),
        pytest.param("doi,label\n10.1/a,1\n10.1/b,0\n", "set.csv:1:", "no title or abstract", id="no text column"),
        pytest.param("title,label\nA,1\nB,maybe\n", "set.csv:3:", "'maybe'", id="a label that is not 0 or 1"),
        pytest.param("title,label\nA,1\nB,\n", "set.csv:3:", "empty", id="an empty label"),
        pytest.param("title,label\nA,1\nB,1\n", "set.csv:1:", "no row is labelled exclude", id="includes only"),
        pytest.param("title,label\nA,0\nB,0\n", "set.csv:1:", "no row is labelled include", id="excludes only"),
        pytest.param("title,label\nA,1,extra\nB,0\n", "set.csv:2:", "cells", id="a row longer than the header"),
        pytest.param("title,label\n", "set.csv:1:", "no data rows", id="a header and nothing else"),
    ],
)
def test_bad_sets_are_refused_with_file_line_and_reason(text: str, where: str, reason: str) -> None:
    with pytest.raises(BadInput) as caught:
        read_labelled(source("set.csv", text))
    assert str(caught.value).startswith(where)
    assert reason in str(caught.value)


# --- the command -------------------------------------------------------------------------------


def test_simulate_prints_the_figures_and_writes_the_order(tmp_path: Path) -> None:
    out = tmp_path / "order.csv"
    result = run("simulate", str(SAMPLE), "--seed", "3", "--out", str(out))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    names = [line.split(":")[0] for line in lines[:7]]
    assert names == ["records", "includes", "WSS@95", "recall@10%", "recall@25%", "screened to 95%",
                     "screened to 100%"]
    assert lines[0] == "records: 150" and lines[1] == "includes: 15"
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        truth = {row["record_id"]: int(row["label_included"]) for row in csv.DictReader(handle)}
    assert list(rows[0]) == ["source_key", "rank"]
    assert [int(row["rank"]) for row in rows] == list(range(1, 151))
    assert {row["source_key"] for row in rows} == set(truth)
    # the figures printed are those of the order written
    found = [truth[row["source_key"]] for row in rows]
    assert f"WSS@95: {simulation_metrics(found).wss_95:.3f}" in lines


def test_simulate_refuses_a_bad_set_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("title,label\nA,1\nB,perhaps\n", encoding="utf-8")
    out = tmp_path / "order.csv"
    result = run("simulate", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.startswith(f"{bad}:3: ")
    assert not out.exists()
    missing = run("simulate", str(tmp_path / "nowhere.csv"))
    assert missing.returncode == 2 and "no such file" in missing.stderr

"""Replaying a labelled set with prioritised screening: how much work would the model have saved?

`read_labelled` reads a CSV/TSV/XLSX whose rows carry a 0/1 label (the column names are guessed
like the importers guess them, `review.records.readers.table`). `simulate_order` replays the
screening: a prior of one random include and one random exclude (drawn from the seed), then over
and over the model is trained on what is labelled so far, the top-ranked record is "screened" and
its label revealed. `simulation_metrics` scores the resulting order.

Two shortcuts keep a replay quick, neither changes a figure:

- sets larger than `RETRAIN_EVERY_RECORD_UP_TO` records take the top `ceil(n / that)` records per
  retrain (about 2,000 retrains whatever the size); smaller sets retrain after every record;
- once the last include has been found, the records left are ranked once by the last model:
  every later record is an exclude, so the figures do not depend on their order.

The figures (Cohen et al. 2006 define WSS; recall@x% is the share of includes found after x% of
the records):

- ``WSS@95`` = (records not screened when 95% of the includes are found) / records − 0.05;
- ``recall@10%``, ``recall@25%``;
- ``screened to 95%``, ``screened to 100%``: records screened (the prior included) until
  ceil(0.95 × includes) and all includes are found.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from review.records.readers.base import BadInput, SourceFile
from review.records.readers.table import fold_header, guess_columns, read_table, table_cells
from review.records.writers.safe_cells import neutralise
from review.screening.prioritise import build_text_matrix, record_text, relevance_scores

RETRAIN_EVERY_RECORD_UP_TO = 2_000
#: Label column names, best first (compared after `fold_header`): ours, ASReview's and the
#: usual names of labelled screening sets.
LABEL_COLUMNS: tuple[str, ...] = (
    "label_included", "included", "label", "asreview_label", "final_included", "included_label",
    "included_final", "included_flag", "include", "inclusion", "final_decision", "decision",
    "label_abstract_screening", "relevant",
)  # fmt: skip
INCLUDE_VALUES = frozenset({"1", "1.0", "true", "yes", "y", "include", "included", "relevant"})
EXCLUDE_VALUES = frozenset({"0", "0.0", "false", "no", "n", "exclude", "excluded", "irrelevant"})


@dataclass(frozen=True)
class LabelledSet:
    """A labelled set, one entry per row: the row's id, its text and its label (1 include)."""

    source_keys: tuple[str, ...]
    texts: tuple[str, ...]
    labels: tuple[int, ...]
    label_column: str

    @property
    def includes(self) -> int:
        return sum(self.labels)


@dataclass(frozen=True)
class SimulationMetrics:
    """How early the includes came in one screening order."""

    records: int
    includes: int
    wss_95: float
    recall_10: float
    recall_25: float
    screened_to_95: int
    screened_to_100: int

    def lines(self) -> list[str]:
        """The figures as `simulate` prints them: one per line, stable names."""
        return [
            f"records: {self.records}",
            f"includes: {self.includes}",
            f"WSS@95: {self.wss_95:.3f}",
            f"recall@10%: {self.recall_10:.3f}",
            f"recall@25%: {self.recall_25:.3f}",
            f"screened to 95%: {self.screened_to_95}",
            f"screened to 100%: {self.screened_to_100}",
        ]


def read_labelled(source: SourceFile) -> LabelledSet:
    """The rows of a labelled table; BadInput (`FILE:LINE: reason`) for the first bad row.

    Needs a title or abstract column and a label column (`LABEL_COLUMNS`), a 0/1 label on every
    row (yes/no and include/exclude are read too), and at least one include and one exclude.
    """
    headers, header_line, rows = table_cells(source)
    label_index = _label_index(headers)
    if label_index is None:
        raise BadInput(
            source.name,
            header_line,
            "no label column (one of label_included, included, label, inclusion, final_decision, …); "
            "the header is: " + ", ".join(headers),
        )
    columns = guess_columns(headers)
    if "title" not in columns and "abstract" not in columns:
        raise BadInput(source.name, header_line, "no title or abstract column; the header is: " + ", ".join(headers))
    label_of_line: dict[int, int] = {}
    for line, cells in rows:
        cell = cells[label_index].strip() if label_index < len(cells) else ""
        value = cell.lower()
        if value in INCLUDE_VALUES:
            label_of_line[line] = 1
        elif value in EXCLUDE_VALUES:
            label_of_line[line] = 0
        else:
            shown = f"{cell!r}" if cell else "empty"
            raise BadInput(source.name, line, f"label {headers[label_index]!r} is {shown}: use 1 (include) or 0 (exclude)")
    result = read_table(source, "xlsx" if source.data.startswith(b"PK\x03\x04") else "csv", None)
    if result.problems:
        problem = result.problems[0]
        raise BadInput(source.name, problem.line, problem.reason)
    keys: list[str] = []
    texts: list[str] = []
    labels: list[int] = []
    for record in result.records:
        keys.append(record.source_key or str(len(keys) + 1))
        texts.append(record_text(record.title or "", record.abstract or "", record.keywords))
        labels.append(label_of_line[record.source_line or 0])
    if not labels:
        raise BadInput(source.name, header_line, "the table has no data rows")
    if 1 not in labels or 0 not in labels:
        missing = "include (1)" if 1 not in labels else "exclude (0)"
        raise BadInput(source.name, header_line, f"no row is labelled {missing}: a replay needs both")
    return LabelledSet(tuple(keys), tuple(texts), tuple(labels), headers[label_index])


def _label_index(headers: Sequence[str]) -> int | None:
    folded = [fold_header(header) for header in headers]
    for name in LABEL_COLUMNS:
        wanted = fold_header(name)
        if wanted in folded:
            return folded.index(wanted)
    return None


def prior_rows(labels: Sequence[int], seed: int) -> tuple[int, int]:
    """The prior: one random include and one random exclude (row indices), drawn from `seed`.

    >>> prior_rows([0, 1, 0, 0, 1], seed=3) == prior_rows([0, 1, 0, 0, 1], seed=3)
    True
    """
    rng = np.random.default_rng(seed)
    values = np.asarray(labels)
    include = int(rng.choice(np.flatnonzero(values == 1)))
    exclude = int(rng.choice(np.flatnonzero(values == 0)))
    return include, exclude


def simulate_order(texts: Sequence[str], labels: Sequence[int], seed: int = 42) -> list[int]:
    """The screening order (row indices, the prior first) of a replay with the model."""
    matrix = build_text_matrix(range(len(texts)), texts)
    truth = np.asarray(labels, dtype=np.int8)
    prior = prior_rows(labels, seed)
    order = list(prior)
    known = {row: int(truth[row]) for row in prior}
    includes_left = int(truth.sum()) - sum(known.values())
    step = max(1, math.ceil(len(texts) / RETRAIN_EVERY_RECORD_UP_TO))
    while len(order) < len(texts):
        scores = relevance_scores(matrix, known)
        rows = np.fromiter(scores, dtype=np.int64, count=len(scores))
        values = np.fromiter(scores.values(), dtype=np.float64, count=len(scores))
        ranked = rows[np.lexsort((rows, -values))].tolist()  # best first, ties by row
        taken = ranked if includes_left == 0 else ranked[:step]
        for row in taken:
            order.append(row)
            known[row] = int(truth[row])
            includes_left -= known[row]
    return order


def simulation_metrics(order_labels: Sequence[int]) -> SimulationMetrics:
    """The figures of one order, given the labels in screening order.

    >>> simulation_metrics([1, 0, 1, 0, 0, 0, 0, 0, 0, 0]).lines()[2:5]
    ['WSS@95: 0.650', 'recall@10%: 0.500', 'recall@25%: 0.500']
    """
    labels = np.asarray(order_labels, dtype=np.int64)
    records = int(labels.size)
    includes = int(labels.sum())
    if records == 0 or includes == 0:
        raise ValueError("the order needs at least one include")
    found = np.cumsum(labels)
    to_95 = _screened_until(found, math.ceil(0.95 * includes))
    return SimulationMetrics(
        records=records,
        includes=includes,
        wss_95=(records - to_95) / records - 0.05,
        recall_10=_recall_after(found, records, 0.10, includes),
        recall_25=_recall_after(found, records, 0.25, includes),
        screened_to_95=to_95,
        screened_to_100=_screened_until(found, includes),
    )


def _screened_until(found: npt.NDArray[np.int64], wanted: int) -> int:
    return int(np.searchsorted(found, wanted)) + 1


def _recall_after(found: npt.NDArray[np.int64], records: int, share: float, includes: int) -> float:
    screened = math.floor(share * records + 1e-9)
    return float(found[screened - 1]) / includes if screened else 0.0



ORDER_COLUMNS = ("source_key", "rank")


def write_order(path: Path, source_keys: Sequence[str], order: Sequence[int]) -> None:
    """The screening order as CSV: `source_key,rank`, rank 1 screened first (the prior's two).

    Keys are neutralised against spreadsheet formulas (`review.records.writers.safe_cells`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ORDER_COLUMNS)
        writer.writerows((neutralise(source_keys[row]), rank) for rank, row in enumerate(order, start=1))

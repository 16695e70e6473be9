"""Screening prioritisation against ASReview and a random order, on every labelled set in
../shared/fixtures/screening; and the time to retrain and re-rank a 20,000-record project.

For each set and seed the three orders start from the same prior (one include and one exclude,
`review.screening.simulate.prior_rows(labels, seed)`):

- ours: `review.screening.simulate.simulate_order` (what `python -m review simulate` runs);
- ASReview: its own `asreview simulate` with its default model (ELAS u4 in ASReview 2 and 3:
  TF-IDF 1-2-grams + linear SVM), `--prior-idx` the same two rows and `--seed` the same seed.
  ASReview runs in its own virtual environment (`.venv-asreview`, created on first use with the
  pinned `ASREVIEW`), so its dependencies never touch the app's;
- random: the rest in a random order drawn from the seed.

Printed: WSS@95, recall after 10% and 25% screened, records screened to 95% and 100% of the
includes, each averaged over the seeds, side by side; then the retrain + re-rank times.

    python bench/prioritise_bench.py [--seeds 1 2 3] [--no-asreview] [--no-speed | --no-compare] [--sets DIR]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import venv
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from anywhere: `review` is importable

from review.records.readers.base import SourceFile  # noqa: E402
from review.screening.prioritise import build_text_matrix, priority_ranks  # noqa: E402
from review.screening.simulate import (  # noqa: E402
    LabelledSet,
    SimulationMetrics,
    prior_rows,
    read_labelled,
    simulate_order,
    simulation_metrics,
)

SETS = ROOT.parent / "shared" / "fixtures" / "screening"
ASREVIEW = "asreview==3.0.8"
ASREVIEW_VENV = ROOT / ".venv-asreview"
FIGURES = (
    ("WSS@95", "wss_95", "{:.3f}"),
    ("recall@10%", "recall_10", "{:.3f}"),
    ("recall@25%", "recall_25", "{:.3f}"),
    ("to 95%", "screened_to_95", "{:.0f}"),
    ("to 100%", "screened_to_100", "{:.0f}"),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--sets", type=Path, default=SETS, help="folder of labelled sets (one per sub-folder)")
    parser.add_argument("--no-asreview", action="store_true", help="skip ASReview (no venv needed)")
    parser.add_argument("--no-speed", action="store_true", help="skip the 20,000-record timing")
    parser.add_argument("--no-compare", action="store_true", help="only the timing")
    parser.add_argument("--records", type=int, default=20_000, help="records of the timed project")
    args = parser.parse_args()

    files = sorted(path for path in args.sets.glob("*/*") if path.suffix.lower() in {".csv", ".tsv", ".xlsx"})
    if not files:
        print(f"no labelled sets: {args.sets} is absent or empty (see ../shared/fixtures/README.md); skipped")
    elif not args.no_compare:
        asreview = None if args.no_asreview else asreview_command()
        compare(files, args.seeds, asreview)
    if not args.no_speed:
        timing(files, args.records)
    return 0


# --- the three orders --------------------------------------------------------------------------


def compare(files: Sequence[Path], seeds: Sequence[int], asreview: Path | None) -> None:
    methods = ["ours", "random"] + (["ASReview"] if asreview else [])
    averages: dict[str, list[float]] = {method: [] for method in methods}
    for path in files:
        labelled = read_labelled(SourceFile(str(path), path.read_bytes()))
        print(f"\n== {path.parent.name}/{path.name}: {len(labelled.labels)} records, "
              f"{labelled.includes} includes (label column {labelled.label_column}), seeds {list(seeds)}")
        results: dict[str, list[SimulationMetrics]] = {method: [] for method in methods}
        seconds: dict[str, float] = dict.fromkeys(methods, 0.0)
        started = time.perf_counter()
        # ASReview's runs go on in the background (one process per seed) while ours run here
        running = [start_asreview(asreview, path, labelled, seed) for seed in seeds] if asreview else []
        for seed in seeds:
            began = time.perf_counter()
            order = simulate_order(labelled.texts, labelled.labels, seed=seed)
            seconds["ours"] += time.perf_counter() - began
            results["ours"].append(metrics_of(labelled, order))
            results["random"].append(metrics_of(labelled, random_order(labelled.labels, seed)))
        for seed, process in zip(seeds, running, strict=True):
            results["ASReview"].append(metrics_of(labelled, finish_asreview(process, labelled, seed)))
        if running:
            seconds["ASReview"] = time.perf_counter() - started  # wall time of the parallel runs
        print(table(results, seconds, len(seeds)))
        for method in methods:
            averages[method].append(statistics.fmean(m.wss_95 for m in results[method]))
    print("\nWSS@95 averaged over the sets: " + ", ".join(
        f"{method} {statistics.fmean(values):.3f}" for method, values in averages.items()))


def metrics_of(labelled: LabelledSet, order: Sequence[int]) -> SimulationMetrics:
    return simulation_metrics([labelled.labels[row] for row in order])


def random_order(labels: Sequence[int], seed: int) -> list[int]:
    prior = prior_rows(labels, seed)
    rest = [row for row in np.random.default_rng(seed).permutation(len(labels)).tolist() if row not in prior]
    return [*prior, *rest]


def table(results: dict[str, list[SimulationMetrics]], seconds: dict[str, float], runs: int) -> str:
    header = ["method", *(name for name, _, _ in FIGURES), "s/run"]
    rows = [header]
    for method, runs_metrics in results.items():
        cells = [method]
        for _, attribute, form in FIGURES:
            cells.append(form.format(statistics.fmean(getattr(m, attribute) for m in runs_metrics)))
        cells.append(f"{seconds[method] / runs:.0f}" if seconds[method] else "")  # ASReview: wall / runs
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in
                               enumerate(zip(row, widths, strict=True))) for row in rows)


# --- ASReview in its own venv ------------------------------------------------------------------


def asreview_command() -> Path | None:
    """The `asreview` executable of .venv-asreview, installed there on first use."""
    command = ASREVIEW_VENV / "bin" / "asreview"
    if command.exists():
        return command
    print(f"creating {ASREVIEW_VENV} with {ASREVIEW} (once)...", flush=True)
    venv.create(ASREVIEW_VENV, with_pip=True)
    installed = subprocess.run(
        [str(ASREVIEW_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", ASREVIEW], check=False
    )
    if installed.returncode != 0 or not command.exists():
        print(f"could not install {ASREVIEW}; ASReview left out (see pip's message above)")
        return None
    return command


class _Running:
    def __init__(self, process: subprocess.Popen[bytes], folder: tempfile.TemporaryDirectory[str]) -> None:
        self.process = process
        self.folder = folder


def start_asreview(command: Path, path: Path, labelled: LabelledSet, seed: int) -> _Running:
    folder = tempfile.TemporaryDirectory(prefix="asreview-sim-")
    include, exclude = prior_rows(labelled.labels, seed)
    process = subprocess.Popen(
        [str(command), "simulate", str(path), "--prior-idx", str(include), str(exclude),
         "--seed", str(seed), "-o", str(Path(folder.name) / "sim.asreview")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    return _Running(process, folder)


def finish_asreview(running: _Running, labelled: LabelledSet, seed: int) -> list[int]:
    """ASReview's screening order (dataset rows); the rows it left unscreened (all excludes: it
    stops after the last include) follow in row order."""
    _, error = running.process.communicate()
    with running.folder as folder:
        if running.process.returncode != 0:
            raise RuntimeError(f"asreview simulate failed: {error.decode(errors='replace')[-2000:]}")
        with zipfile.ZipFile(Path(folder) / "sim.asreview") as archive:
            archive.extract("results.db", folder)
        with sqlite3.connect(Path(folder) / "results.db") as database:
            screened = database.execute(
                "SELECT record.dataset_row, results.label FROM results "
                "JOIN record ON record.record_id = results.record_id ORDER BY results.rowid"
            ).fetchall()
    order = [int(row) for row, _ in screened]
    if [int(label) for _, label in screened] != [labelled.labels[row] for row in order]:
        raise RuntimeError("ASReview read other labels than ours: the comparison would be unfair")
    if order[:2] != list(prior_rows(labelled.labels, seed)):
        raise RuntimeError(f"ASReview's prior {order[:2]} is not ours")
    seen = set(order)
    return order + [row for row in range(len(labelled.labels)) if row not in seen]


# --- speed -------------------------------------------------------------------------------------


def timing(files: Sequence[Path], records: int) -> None:
    """Retrain + re-rank on a generated project: titles and abstract sentences of the fixtures
    resampled into `records` new records, so the vocabulary is realistic."""
    rng = np.random.default_rng(7)
    if files:
        pool = [text for path in files for text in read_labelled(SourceFile(str(path), path.read_bytes())).texts]
    else:
        pool = [f"routine outcome monitoring feedback study {i} therapist client barrier" for i in range(500)]
    sentences = [s.strip() for text in pool for s in text.replace("\n", ". ").split(". ") if len(s.strip()) > 20]
    texts = [
        ". ".join(sentences[i] for i in rng.integers(0, len(sentences), size=int(rng.integers(6, 14))))
        for _ in range(records)
    ]
    started = time.perf_counter()
    matrix = build_text_matrix(range(records), texts)
    built = time.perf_counter() - started
    print(f"\n== speed: {records:,} generated records; TF-IDF matrix {matrix.matrix.shape[1]:,} terms, "
          f"built once in {built:.1f} s")
    for labelled_count in (200, 2_000, 10_000, records - 1_000):
        rows = rng.choice(records, size=labelled_count, replace=False)
        labels = {int(row): int(rng.random() < 0.05) for row in rows}
        labels[int(rows[0])], labels[int(rows[1])] = 1, 0
        times, cpu = [], []
        for _ in range(5):
            started, started_cpu = time.perf_counter(), time.process_time()
            priority_ranks(matrix, labels, seed=1)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(f"retrain + re-rank with {labelled_count:,} decisions: median {statistics.median(times):.3f} s, "
              f"max {max(times):.3f} s (target < 1 s); CPU median {statistics.median(cpu):.3f} s")
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(f"(load average {load:.1f} on {os.cpu_count()} cores while timing: other work shared the CPU, "
              "so wall times overstate; the CPU times are what one retrain costs)")


if __name__ == "__main__":
    raise SystemExit(main())

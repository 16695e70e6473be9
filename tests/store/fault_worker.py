"""A process that imports or deduplicates through the functions the app calls, and stops dead
inside the write transaction so that a test can SIGKILL it there.

    python tests/store/fault_worker.py import URL PROJECT FILE [--pause-at-fraction F]
    python tests/store/fault_worker.py dedup URL PROJECT [--pause-at-fraction F]

With `--pause-at-fraction`, the progress callback that the app uses for its progress bar (called
inside the transaction, after rows have been written) prints ``PAUSED`` once the work is that far
along and then sleeps until it is killed: the kill lands at a known point, after some of the rows
of the transaction were written and before the commit. Without it the work runs to the end and
prints ``DONE``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: `review` importable

from review.records.dedup_store import run_dedup
from review.records.importing import commit_imports, load_source, read_file
from review.store.engine import make_engine
from review.store.projects import ensure_project


def pause_forever() -> None:
    print("PAUSED", flush=True)
    while True:  # the test kills the process here
        time.sleep(60)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["import", "dedup"])
    parser.add_argument("url")
    parser.add_argument("project")
    parser.add_argument("file", nargs="?")
    parser.add_argument("--pause-at-fraction", type=float, default=None)
    args = parser.parse_args()
    pause_at: float | None = args.pause_at_fraction
    engine = make_engine(args.url)

    if args.command == "import":
        plan = read_file(load_source(args.file))

        def import_progress(done: int, total: int) -> None:
            if pause_at is not None and done >= pause_at * total:
                pause_forever()

        commit_imports(engine, args.project, [plan], force=True, progress=import_progress)
    else:
        project_id = ensure_project(engine, args.project)

        def dedup_progress(fraction: float, _text: str) -> None:
            if pause_at is not None and fraction >= pause_at:
                pause_forever()

        run_dedup(engine, project_id, progress=dedup_progress)
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

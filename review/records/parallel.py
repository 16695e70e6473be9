"""Share the reading of one large file between this process and one worker process.

A file whose entries are independent (RIS: no entry refers to another) can be cut into
record-aligned chunks and read chunk by chunk anywhere. `map_chunks` does that with one worker
process (the machines ReviewMap targets have two cores or more): this process reads chunks from
the front while the worker reads them from the back, so whoever is faster does more. When the
worker is slow to start (a busy machine) this process simply reads more chunks itself; when it
cannot start at all, fails or dies, this process reads what it left. The result never depends on
who read which chunk.

The worker is started only when a core is idle (the load average leaves more than half a core
free). On a busy machine it gains nothing and costs its start-up and the copying of the records:
measured with 15 processes queued for 2 cores, reading 50,000 RIS records took 22% longer with
the worker, and still 20% longer with a third of the CPU idle; so the RIS reader leaves it off
unless asked (`RisReader.parallel_min_records`).

The worker is a plain `python` running `serve` (chunks and results are pickled over its stdin
and stdout), not a `multiprocessing` process: "fork" can deadlock in a multi-threaded process
(the Streamlit server), and "spawn" and "forkserver" re-run the caller's `__main__` script in the
worker, which a script without an `if __name__ == "__main__"` guard would not survive.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")

#: The folder that holds the `review` package: the worker imports `function` from there.
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
_WORKER_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); from review.records.parallel import serve; serve()"
)
_FAILED = "failed"
_READY = "ready"


def map_chunks(
    function: Callable[[Chunk], Result], chunks: Sequence[Chunk], *, only_if_idle: bool = True
) -> list[Result]:
    """`[function(chunk) for chunk in chunks]`, computed here and in one worker process (when a
    core is idle, unless `only_if_idle` is False).

    `function` must be a module-level function (the worker imports it by name), and chunks and
    results must pickle. An exception raised by `function` is raised here, as it would be in
    the plain list comprehension.

    >>> map_chunks(abs, [-1, 2, -3], only_if_idle=False)
    [1, 2, 3]
    """
    if len(chunks) < 2 or (only_if_idle and not core_idle()):
        return [function(chunk) for chunk in chunks]
    claims = _Claims(len(chunks))
    results: dict[int, Result] = {}
    helper = threading.Thread(target=_work_from_back, args=(function, chunks, claims, results), daemon=True)
    helper.start()
    try:
        while (index := claims.from_front()) is not None:
            results[index] = function(chunks[index])
    finally:  # no more chunks for the worker (on an error here too)
        claims.close()
    if claims.taken_from_back:  # wait for the worker's last chunk; a worker still starting is
        helper.join()  # left to stop on its own, holding none
    for index in range(len(chunks)):  # what the worker took but did not deliver
        if index not in results:
            results[index] = function(chunks[index])
    return [results[index] for index in range(len(chunks))]


def core_idle() -> bool:
    """True when the 1-minute load average, which counts this process too, leaves more than
    half a core of this machine free."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return False
    return load < (os.cpu_count() or 1) - 0.5


class _Claims:
    """Which chunks are taken: this process takes from the front, the worker from the back."""

    def __init__(self, count: int) -> None:
        self._lock = threading.Lock()
        self._front = 0
        self._back = count - 1
        self._count = count

    def from_front(self) -> int | None:
        with self._lock:
            if self._front > self._back:
                return None
            self._front += 1
            return self._front - 1

    @property
    def taken_from_back(self) -> int:
        with self._lock:
            return self._count - 1 - self._back

    def close(self) -> None:
        """Nothing more to take, for either."""
        with self._lock:
            self._front = self._back + 1

    def from_back(self) -> int | None:
        with self._lock:
            if self._front > self._back:
                return None
            self._back -= 1
            return self._back + 1


def _work_from_back(
    function: Callable[[Chunk], Result],
    chunks: Sequence[Chunk],
    claims: _Claims,
    results: dict[int, Result],
) -> None:
    """Feed the worker one chunk at a time from the back (a thread of this process).

    The worker first imports `function` and says it is ready: only then is a chunk taken for it,
    so a worker slow to start (a busy machine) holds no chunk that this process then waits for.
    Waiting for the worker releases the GIL, so this thread costs this process little. Any
    failure ends the worker's share; `map_chunks` reads the chunks it did not deliver.
    """
    try:
        worker = subprocess.Popen(
            [sys.executable, "-c", _WORKER_CODE, _PACKAGE_ROOT],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
    except OSError:
        return
    assert worker.stdin is not None and worker.stdout is not None
    try:
        _send(function, worker.stdin)
        # Our own child, answering what we sent: the one case where unpickling is safe.
        if pickle.load(worker.stdout) != _READY:  # noqa: S301
            return
        while (index := claims.from_back()) is not None:
            _send(chunks[index], worker.stdin)
            # Our own child, answering what we sent: the one case where unpickling is safe.
            status, result = pickle.load(worker.stdout)  # noqa: S301
            if status == _FAILED:
                return
            results[index] = result
    except (OSError, EOFError, pickle.PickleError):
        return
    finally:
        _stop(worker)


def _send(item: object, pipe: IO[bytes]) -> None:
    pickle.dump(item, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    pipe.flush()


def _stop(worker: subprocess.Popen[bytes]) -> None:
    try:
        if worker.stdin is not None:
            worker.stdin.close()
        worker.wait(timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        worker.kill()
        worker.wait()


def serve(tasks: IO[bytes] | None = None, answers: IO[bytes] | None = None) -> None:
    """The worker: read the function and answer "ready", then read a chunk and answer
    ("ok", function(chunk)), chunk after chunk, until stdin closes.

    A failing `function` answers ("failed", None): the caller then computes that chunk itself,
    which raises the error there, with its traceback.
    """
    # Ctrl-C in a terminal reaches the whole process group: the caller handles it, and its
    # closing our stdin ends this loop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    source = tasks or sys.stdin.buffer
    sink = answers or sys.stdout.buffer
    try:
        function = pickle.load(source)  # noqa: S301 - from the process that started us
    except EOFError:
        return
    _send(_READY, sink)
    while True:
        try:
            chunk = pickle.load(source)  # noqa: S301
        except EOFError:
            return
        answer: tuple[str, Any]
        try:
            answer = ("ok", function(chunk))
        except Exception:  # reported to the caller, who recomputes the chunk and so raises it
            answer = (_FAILED, None)
        _send(answer, sink)

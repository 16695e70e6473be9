"""Functions for `map_chunks` tests, in a module that imports nothing heavy: the worker process
imports it by name, and a light import lets the worker start quickly."""

from __future__ import annotations

import os
import time


def slow_double(number: int) -> tuple[int, int]:
    """Twice the number and the id of the process that computed it, slowly enough to share."""
    time.sleep(0.05)
    return number * 2, os.getpid()


def fail_on_seven(number: int) -> int:
    if number == 7:
        raise ValueError("seven")
    return number

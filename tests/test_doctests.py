"""The examples in docstrings of review/ are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import review

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(review.__path__, "review.")
    if ".migrations" not in info.name and info.name != "review.__main__"
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0

"""The examples in the arrival modules' docstrings stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["schedule", "pool", "split", "sizing", "report", "histogram", "wire", "current"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"loadlib.arrival.{name}")
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0

"""The examples in the indicator modules' docstrings run and show what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["catalogue", "uncertainty", "engine", "goals", "__main__"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(f"indicators.{module}"))
    assert result.failed == 0 and result.attempted > 0

"""Every module's docstring examples run and show what they say, and none is a comment posing as one."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The layers below the pages (a page module draws itself when imported, so it holds no examples).
PACKAGES = ("core", "loaders", "indicators", "dialogue", "reports", "access", "sample_data", "benchmarks")


def _sources() -> dict[str, str]:
    """Module name -> source, for every module below the pages that has an example."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            if ">>>" in text:
                parts = path.relative_to(ROOT).with_suffix("").parts
                found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = text
    return found


SOURCES = _sources()
MODULES = list(SOURCES)


def test_the_modules_with_examples_are_found():
    assert {"core.danish", "indicators.engine", "indicators.goals.status", "core.safe"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    # doctest passes over a line that is only a comment: such an "example" would show a call that never runs
    comments = [line.strip() for line in SOURCES[name].splitlines() if line.strip().startswith(">>> #")]
    assert not comments, f"{name}: examples that are only comments: {comments}"
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0

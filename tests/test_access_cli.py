"""Commands carry the viewer too: the § 55 b mark on confidential exports, nothing confidential for the public."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.test_browser_app import ROOT

MARK = "Fortroligt - folkeskolelovens § 55 b"


def _export(db, viewer: str):
    return subprocess.run(
        [sys.executable, "-m", "indicators", "export", "--db", str(db), "--as", viewer],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("viewer", "confidential"), [("administration", True), ("leader:999004", True), ("public", False)]
)
def test_export_is_marked_exactly_when_it_holds_test_results(sample_db, viewer, confidential):
    result = _export(sample_db, viewer)
    assert result.returncode == 0, result.stderr
    has_tests = any(line.startswith(("nt_", "tt_")) for line in result.stdout.splitlines())
    assert has_tests == confidential
    assert (MARK in result.stderr) == confidential

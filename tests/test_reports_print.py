"""The HTML reports printed to A4 PDF by a real Chromium, as a person would print them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import reports
from core import database
from core.viewer import Viewer
from tests.test_browser_app import CHROMIUM, _chromium_or_skip
from tests.test_reports import rdb  # noqa: F401  (the fixture: three schools with data)

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _chromium():
    """A missing browser skips these tests on a developer's machine and fails them in CI, as every browser test."""
    _chromium_or_skip()


def pdf_pages(html_file: Path) -> tuple[int, int]:
    """Print a file to A4 PDF; returns (pages, figures drawn)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            page = browser.new_page()
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(html_file.as_uri())
            page.wait_for_load_state("load")
            drawn = page.locator(".plotly-graph-div .main-svg").count()
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    # Nothing but the file itself was requested: the report is self-contained.
    assert requests == [html_file.as_uri()]
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)), drawn


def test_status_report_prints_one_section_per_page(rdb, tmp_path):
    out = tmp_path / "statusrapport.html"
    with database.read(rdb) as con:
        out.write_bytes(reports.status(con, Viewer.parse("administration"), kommune=999, year=2021, fmt="html"))
    pages, drawn = pdf_pages(out)
    # Cover with goals, national tests, well-being, assessments, definitions: one page each.
    assert pages == 5
    assert drawn >= 2  # both figures rendered offline from the inlined plotly.js


def test_dialogue_sheet_prints_on_one_or_two_pages(rdb, tmp_path):
    out = tmp_path / "dialog.html"
    with database.read(rdb) as con:
        out.write_bytes(reports.dialogue(con, Viewer.parse("leader:999001"), "999001", year=2021, fmt="html"))
    pages, _ = pdf_pages(out)
    assert pages in (1, 2)


def test_samtale_referat_prints_on_a4(sample_db_master, tmp_path):
    """Bøgehøj Skole's samtale 2024/25 on the sample: the referat with follow-up, agreements and test results."""
    out = tmp_path / "referat.html"
    with database.read(sample_db_master) as con:
        out.write_bytes(reports.samtale(con, Viewer.parse("leader:999006"), "999006", year=2024, fmt="html"))
    pages, drawn = pdf_pages(out)
    # Measured: two A4 pages (facts, frame, proposal, tests and follow-up; agreements and the referat).
    assert pages == 2 and drawn == 0

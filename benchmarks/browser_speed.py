"""Each page's time in headless Chromium against a real ``streamlit run app.py``, per viewer.

A page is timed from ``goto`` of its address until it is drawn: a heading, no
running indicator or placeholder, the main area's text unchanged for one poll
and every Plotly chart drawn (``tests.test_browser_app.DRAWN``, the condition
the browser tests wait for). "Cold" is the page's first visit after the
server started (its reads not cached yet), "warm" the median of later visits;
every visit is a new browser session, so both include loading Streamlit's
front end. Needs Debian's chromium at ``/usr/bin/chromium``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import pages_speed
from tests.test_browser_app import CHROMIUM, POLL_MS, TIMEOUT_MS, settle, streamlit_server

_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _visit(browser, url: str) -> float:
    """Seconds from opening ``url`` in a fresh context until the page is drawn."""
    context = browser.new_context(viewport={"width": 1440, "height": 2400}, locale="da-DK")
    try:
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS * 4)
        started = time.perf_counter()
        page.goto(url)
        settle(page)
        return time.perf_counter() - started - POLL_MS / 1000  # the last poll only confirms nothing changed
    finally:
        context.close()


def figures(db: Path, kommune: int, runs: int) -> list[tuple[str, str, float, float]]:
    """(viewer, page, cold s, warm median s) for every page of every viewer, one server per viewer."""
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="kvd-browser-") as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=_ARGS)
        try:
            for role, viewer in pages_speed.viewers(db, kommune).items():
                settings = {**pages_speed.app_environment(db, kommune), "KVALITETSDIALOG_VIEWER": viewer}
                with streamlit_server(db, Path(tmp) / f"{role}.log", settings=settings) as url:
                    for page in pages_speed.VIEWER_PAGES[role]:
                        cold = _visit(browser, f"{url}/{page}")
                        warm = statistics.median(_visit(browser, f"{url}/{page}") for _ in range(runs))
                        rows.append((viewer, page, cold, warm))
        finally:
            browser.close()
    return rows

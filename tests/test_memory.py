"""Bounded memory (issue 7): many page runs in a row do not make the process grow without bound."""

from __future__ import annotations

import contextlib
import gc
import os
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import database
from indicators.catalogue import CATALOGUE, SUBJECTS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = {
    "administration": ["overblik", "skoler", "institution", "dialogue_page", "maal", "data"],
    "council": ["overblik", "skoler", "dialogue_page"],
    "public": ["overblik"],
    "leader:999001": ["institution", "dialogue_page", "overblik"],
}
RUNS, WARM_UP = 500, 100
# The bound on growth from run 100 to run 500. The caches are capped (context._cached keeps at most
# 2,000 results, an hour each); on the sample municipality the steady state is reached within the
# warm-up, and what is left is allocator noise (measured: a few MiB). A leak of one page's result
# per run (>= 50 KiB) would pass it.
MAX_GROWTH_BYTES = 40 * 1024**2


def rss() -> int:
    """The process's resident set size now, in bytes."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def raw_options(box, candidates: list) -> list:
    """The values behind a selectbox's shown options (AppTest's ``select_index`` would set the label)."""
    shown = {}
    for c in candidates:
        with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError):
            shown.setdefault(str(box.format_func(c)), c)
    return [shown[o] for o in box.options if o in shown]


def step(at: AppTest, pages: list[str], k: int, candidates: list) -> str:
    """One page run: every other time a filter of the shown page changes, else the next page.

    Returns the changed filter's key, or "" after a page switch.
    """
    filters = [(box, raw_options(box, candidates)) for box in at.main.selectbox if box.key != "viewer_picker"]
    filters = [(box, values) for box, values in filters if values]
    if filters and (k // len(PAGES)) % 2:
        box, values = filters[k % len(filters)]
        box.set_value(values[(k // 8) % len(values)])
        at.run()
        return box.key
    at.session_state["_page_index"] = (at.session_state["_page_index"] + 1) % len(pages)
    at.switch_page(f"dashboards/{pages[at.session_state['_page_index']]}.py")
    at.run()
    return ""


@pytest.mark.slow
def test_500_page_runs_do_not_grow_the_process(sample_db, monkeypatch):
    monkeypatch.setenv("KVALITETSDIALOG_DB", str(sample_db))
    with database.read(sample_db) as con:
        ids = [r[0] for r in con.execute("SELECT institution_id FROM institutions ORDER BY 1").fetchall()]
    candidates = [None, "all", *range(0, 10), *range(2010, 2031), *CATALOGUE, *SUBJECTS, *ids]
    sessions = {}
    for viewer in PAGES:
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["viewer"] = viewer
        at.session_state["_page_index"] = 0
        at.run()
        sessions[viewer] = at
    viewers = list(PAGES)
    before, changed = None, []
    for k in range(RUNS):
        viewer = viewers[k % len(viewers)]
        at = sessions[viewer]
        changed.append(step(at, PAGES[viewer], k, candidates))
        assert not at.exception, (viewer, [e.value for e in at.exception])
        assert not at.error, (viewer, [e.value for e in at.error])
        if k + 1 == WARM_UP:
            gc.collect()
            before = rss()
    gc.collect()
    growth = rss() - before
    print(
        f"RSS after {WARM_UP} runs {before / 2**20:.0f} MiB, growth over the next {RUNS - WARM_UP}: "
        f"{growth / 2**20:.1f} MiB"
    )
    assert growth < MAX_GROWTH_BYTES
    # the runs did change filters, and many different ones
    assert sum(map(bool, changed)) > RUNS // 5
    assert len(set(changed)) > 8

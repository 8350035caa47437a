"""Each page's warm server-side run time, per viewer, measured with Streamlit's AppTest.

    python benchmarks/pages_speed.py                         # the sample municipality (built in a temp dir)
    python benchmarks/pages_speed.py --db PATH [--kommune N] # e.g. the national-scale database

"Warm" = the page has run once in the session, so cached reads are hits and
what is timed is the script itself: widgets, formatting, charts, tables.
The first (cold) run is printed too. Prints medians over ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from benchmarks import common  # noqa: E402
from core import database, settings  # noqa: E402

# Each role's pages by their address, the start page first (no switch needed): app.ROLE_PAGES (app.py runs
# the app when imported, so the lists are repeated here), with each page's script (app.PAGES).
VIEWER_PAGES = {
    "administration": ["overblik", "skoler", "institution", "samtale", "dialog", "maal", "data", "adgang"],
    "council": ["overblik", "skoler", "samtale", "dialog"],
    "public": ["overblik"],
    "leader": ["institution", "samtale", "dialog", "overblik"],
}
SCRIPTS = {"samtale": "samtale_page", "dialog": "dialogue_page", "adgang": "audit_page"}


def first_school(db: Path, kommune: int) -> str:
    with database.read(db) as con:
        return con.execute(
            "SELECT institution_id FROM institutions WHERE municipality_code = ? AND kind = 'skole' "
            "ORDER BY institution_id LIMIT 1",
            [kommune],
        ).fetchone()[0]


def time_page(viewer: str, page: str, start_page: bool, runs: int) -> tuple[float, float]:
    """(cold seconds, warm median seconds) for one page as one viewer."""
    os.environ["KVALITETSDIALOG_VIEWER"] = viewer  # used when the database is not the demo
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["viewer"] = viewer
    started = time.perf_counter()
    at.run()
    if not start_page:
        at.switch_page(f"dashboards/{SCRIPTS.get(page, page)}.py")
        started = time.perf_counter()
        at.run()
    cold = time.perf_counter() - started
    problems = [e.value for e in at.exception] + [e.value for e in at.error]
    if problems:
        raise SystemExit(f"{viewer} / {page} shows an error: {problems[0]}")
    warm = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    return cold, statistics.median(warm)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database to measure (default: build the sample)")
    parser.add_argument("--kommune", type=int, default=settings.SAMPLE_KOMMUNE)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pages-speed-") as tmp:
        db = args.db
        if db is None:
            from sample_data import build_database

            db = Path(tmp) / "sample.duckdb"
            started = time.perf_counter()
            build_database(db)
            print(f"sample database built in {time.perf_counter() - started:.1f} s")
        measure(db, args.kommune, args.runs)
    return 0


def viewers(db: Path, kommune: int) -> dict[str, str]:
    """Role -> the viewer measured for it (the leader of the municipality's first school)."""
    return {role: f"leader:{first_school(db, kommune)}" if role == "leader" else role for role in VIEWER_PAGES}


def app_environment(db: Path, kommune: int) -> dict[str, str]:
    """The settings the app runs with here: ``db``, ``kommune`` as the own municipality, demo mode."""
    # Demo mode: the viewer picker, without login, on any database.
    return {"KVALITETSDIALOG_DB": str(db), "KVALITETSDIALOG_KOMMUNE": str(kommune), "KVALITETSDIALOG_DEMO": "1"}


def figures(db: Path, kommune: int, runs: int) -> list[tuple[str, str, float, float]]:
    """(viewer, page, cold s, warm median s) for every page of every viewer."""
    os.environ.update(app_environment(db, kommune))
    rows = []
    for role, viewer in viewers(db, kommune).items():
        for i, page in enumerate(VIEWER_PAGES[role]):
            rows.append((viewer, page, *time_page(viewer, page, i == 0, runs)))
    return rows


def floor_seconds(runs: int) -> float:
    """The median warm AppTest run of a one-line script: Streamlit's own cost per run, the pages' floor."""
    at = AppTest.from_string("import streamlit as st\nst.title('x')")
    at.run()
    return common.median_time(at.run, runs)


def measure(db: Path, kommune: int, runs: int) -> None:
    """Print the table: every page of every viewer, cold and warm."""
    rows = figures(db, kommune, runs)
    print(f"{'viewer':<16} {'page':<14} {'cold s':>8} {'warm s':>8}")
    for viewer, page, cold, warm in rows:
        print(f"{viewer:<16} {page:<14} {cold:8.3f} {warm:8.3f}")
    print(f"slowest warm page: {max(r[3] for r in rows):.3f} s (median of {runs} runs)")


if __name__ == "__main__":
    raise SystemExit(main())

"""Concurrent users: 20 browser sessions read every page while ``python -m loaders import`` adds a school year.

One headless Chromium, 20 Playwright contexts (separate sessions), against a
real ``streamlit run`` server (``tests.test_browser_app.server``). While the
sessions walk the pages, a subprocess imports well-being for 2025/26 for every
sample school. The signal for "old or new, never a mix": the sidebar caption
"Data opdateret ... · dataversion G" comes from the same committed state as
the page, so a start page stamped with the old version must not show
what only the new batch brings (``NEW_DATA``), and one stamped with the new
version must show it. At the end every
session reloads and sees the new year without a server restart.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time

import pytest

from core import database
from tests.test_browser_app import CHROMIUM, POLL_MS, ROOT, STILL, server  # noqa: F401  (server is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SESSIONS = int(os.environ.get("KVALITETSDIALOG_TEST_SESSIONS", "20"))
PAGES = ("", "skoler", "institution", "data")
EXTRACT = "trivsel-2025-26.csv"
# What only the new batch puts on a page: the start page's goal sentence about the change into 2025/26
# (not the goal's target year, which the old data show too). The data page's import log would be
# another, but st.dataframe draws on a canvas, so its cells are not in the page's text.
NEW_DATA = {"": re.compile(r"til \S+ i 2025/26")}
SHOWS_LATEST_YEAR = tuple(NEW_DATA)
# The last section each checked page draws: Streamlit sends a page in pieces, so its text is read only
# once this is there (the sidebar's version arrives first and would otherwise meet a half-drawn page).
PAGE_END = {"": "Sammenligning med andre kommuner"}
TIMEOUT_MS = 90_000
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
VERSION = re.compile(r"dataversion (\d+)")
INDICATORS = ("Social trivsel", "Faglig trivsel", "Støtte og inspiration", "Ro og orden", "Generel skoletrivsel")


def write_new_year(path, school_ids: list[str]) -> None:
    lines = ["skoleår;institutionsnummer;klassetrin;trivselsindikator;indikatorsvar;antal besvarelser"]
    lines += [
        f"2025/2026;{inst};{grade};{indicator};4,{grade}" + ";24"
        for inst in school_ids
        for grade in range(4, 10)
        for indicator in INDICATORS
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


async def visit(page, url: str) -> tuple[int, str, int]:
    """Open ``url``, wait until the run has finished, and read version, main text and error count at one instant."""
    await page.goto(url)
    await page.locator('[data-testid="stMain"] h1').first.wait_for()
    path = url.rsplit("/", 1)[-1]
    if path in PAGE_END:
        await page.get_by_text(PAGE_END[path], exact=True).first.wait_for()
    await page.wait_for_function(
        "() => /dataversion \\d+/.test(document.querySelector('[data-testid=\"stSidebar\"]')?.innerText || '')",
        timeout=TIMEOUT_MS,
    )
    await page.wait_for_function(STILL, polling=POLL_MS, timeout=TIMEOUT_MS)
    sidebar, main, errors = await page.evaluate(
        "(sel) => [document.querySelector('[data-testid=\"stSidebar\"]').innerText,"
        " document.querySelector('[data-testid=\"stMain\"]').innerText,"
        " document.querySelectorAll(sel).length]",
        ERRORS,
    )
    return int(VERSION.search(sidebar).group(1)), main, errors


async def drive(db, url: str, extract) -> tuple[list[tuple], int, int, str]:
    from playwright.async_api import async_playwright

    observations: list[tuple] = []  # (session, path, version, main text, errors, phase)
    importing = asyncio.Event()
    imported = asyncio.Event()
    async with async_playwright() as p:
        browser = await p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )

        async def session(i: int) -> None:
            context = await browser.new_context(viewport={"width": 1280, "height": 1600}, locale="da-DK")
            page = await context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            order = PAGES[i % len(PAGES) :] + PAGES[: i % len(PAGES)]  # staggered, so every page runs at once
            visits = 0
            try:
                while not imported.is_set() or visits < 2 * len(PAGES):
                    path = order[visits % len(order)]
                    phase = "during" if importing.is_set() and not imported.is_set() else "other"
                    observations.append((i, path, *await visit(page, f"{url}/{path}"), phase))
                    visits += 1
                    if visits == len(PAGES):
                        ready.release()
            finally:
                if visits < len(PAGES):
                    ready.release()  # a failed session must not hold up the import; gather re-raises its error
            for path in SHOWS_LATEST_YEAR:  # a plain reload of the running server
                observations.append((i, path, *await visit(page, f"{url}/{path}"), "after"))
            await context.close()

        ready = asyncio.Semaphore(0)
        tasks = [asyncio.create_task(session(i)) for i in range(SESSIONS)]
        for _ in range(SESSIONS):  # every session has seen every page once: start the import
            await ready.acquire()
        importing.set()
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "loaders",
            "import",
            "--db",
            str(db),
            str(extract),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await proc.communicate()
        imported.set()
        try:
            await asyncio.gather(*tasks)
        finally:
            await browser.close()
    return observations, proc.returncode, database.current_generation(db), (out + err).decode()


def test_twenty_sessions_see_old_or_new_data_never_a_mix_while_an_import_runs(server, tmp_path):
    url, db = server
    with database.read(db) as con:
        schools = [
            r[0]
            for r in con.execute("SELECT institution_id FROM institutions WHERE kind = 'skole' ORDER BY 1").fetchall()
        ]
        assert con.execute("SELECT count(*) FROM wellbeing WHERE school_year = 2025").fetchall() == [(0,)]
    extract = tmp_path / EXTRACT
    write_new_year(extract, schools)
    old = database.current_generation(db)

    started = time.monotonic()
    observations, returncode, new, output = asyncio.run(drive(db, url, extract))
    elapsed = time.monotonic() - started

    assert returncode == 0, output
    assert new > old
    versions = {o[2] for o in observations}
    assert versions <= {old, new}, f"pages stamped with versions {versions}, expected only {old} and {new}"
    for session, path, version, text, errors, phase in observations:
        where = f"session {session}, page /{path}, version {version}, {phase} the import"
        assert errors == 0 and "Traceback" not in text and "uventet fejl" not in text, where
        if path not in NEW_DATA:
            continue
        if version == old:
            assert not NEW_DATA[path].search(text), f"{where}: old version but new data (a mix)"
        else:
            assert NEW_DATA[path].search(text), f"{where}: new version but old data (a mix)"
    after = [o for o in observations if o[5] == "after"]
    assert len(after) == SESSIONS * len(SHOWS_LATEST_YEAR)
    assert all(o[2] == new for o in after)  # the new year without a restart, in every session
    during = [o for o in observations if o[5] == "during"]
    print(f"{len(observations)} page views in {elapsed:.0f} s, {len(during)} while the import ran")

"""End to end: a real ``streamlit run app.py`` on a copy of the sample database, in headless Chromium.

Needs Debian's chromium (never ``playwright install``). Without it these tests
skip, except in CI (``CI=true``) where a missing browser is a failure.
Screenshots of every page land in ``test-output/screenshots/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from core import database
from tests.test_app_data import GOOD

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
# A page run waits for the machine: on a shared 2-core CI runner a leader's page can take tens of seconds.
TIMEOUT_MS = 60_000
# True once a page has finished its run: no running indicator, no placeholder skeleton, and the main
# area's text what it was at the previous poll (nothing still arriving). Polled every POLL_MS by
# ``wait_for_function``: a condition, not a fixed sleep.
STILL = """() => {
    if (document.querySelector('[data-testid="stStatusWidget"], [data-testid^="stSkeleton"]')) return false;
    const text = document.querySelector('[data-testid="stMain"]')?.innerText ?? '';
    const same = window.__kvalitetsdialogText === text;
    window.__kvalitetsdialogText = text;
    return same;
}"""
# STILL, and every Plotly chart drawn (before a screenshot).
DRAWN = f"""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every((chart) => chart.querySelector('.main-svg')) && ({STILL})()"""
POLL_MS = 100
# A leader's start page: the institution (its title is the institution's name), the default page at the root.
LEADER_STARTED = """() => {
    const title = document.querySelector('[data-testid="stMain"] h1')?.innerText;
    return location.pathname.endsWith('/') && !!title && !title.startsWith('Overblik');
}"""


def _chromium_or_skip() -> None:
    if Path(CHROMIUM).exists():
        return
    reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "; in CI the browser tests must run")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(
    db: Path,
    log_path: Path,
    *extra_args: str,
    port: int | None = None,
    host: str = "127.0.0.1",
    settings: dict[str, str] | None = None,
):
    """Run ``streamlit run app.py`` against ``db`` (on a free port unless given, with environment ``settings``
    added); yields its URL."""
    port = port or _free_port()
    env = {**os.environ, "KVALITETSDIALOG_DB": str(db)}
    env.pop("KVALITETSDIALOG_VIEWER", None)
    env.update(settings or {})
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--browser.gatherUsageStats",
                "false",
                *extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://{host}:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"streamlit did not start; see {log_path}")
            time.sleep(0.3)
        try:
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:  # busy with a long script run: not left behind either way
                proc.kill()
                proc.wait()


@pytest.fixture(scope="module")
def server(sample_db_master, tmp_path_factory):
    """The app served on a free port, reading its own copy of the sample database."""
    _chromium_or_skip()
    db = tmp_path_factory.mktemp("browser") / "sample.duckdb"
    shutil.copy(sample_db_master, db)
    shutil.copy(f"{sample_db_master}.generation", f"{db}.generation")
    log = tmp_path_factory.mktemp("browser-log") / "streamlit.log"
    with streamlit_server(db, log, "--server.address", "127.0.0.1") as url:
        yield url, db


@pytest.fixture(scope="module")
def browser():
    _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 2400}, locale="da-DK")
    p = context.new_page()
    p.set_default_timeout(TIMEOUT_MS)
    yield p
    context.close()


def settle(page, text: str | None = None) -> None:
    """Wait until the page shows a heading (and ``text``) and the script run has finished."""
    page.locator('[data-testid="stMain"] h1').first.wait_for()
    if text:
        page.get_by_test_id("stMain").get_by_text(text, exact=False).first.wait_for()
    page.wait_for_function(DRAWN, polling=POLL_MS, timeout=TIMEOUT_MS)


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def main_text_when(page, shows: list[str], hides: list[str] = ()) -> str:
    """The main area's text once it shows every text in ``shows`` and none in ``hides`` (the latter case-blind)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # the caller's asserts say what is missing
        page.wait_for_function(
            """([shows, hides]) => {
                const text = document.querySelector('[data-testid="stMain"]')?.innerText ?? '';
                return shows.every((s) => text.includes(s))
                    && !hides.some((h) => text.toLowerCase().includes(h.toLowerCase()));
            }""",
            arg=[list(shows), list(hides)],
            polling=POLL_MS,
            timeout=TIMEOUT_MS,
        )
    return page.get_by_test_id("stMain").inner_text()


def choose_viewer(page, label: str) -> None:
    """Pick a viewer in the demo's sidebar picker, as a person would (typing filters the list).

    A leader starts on their institution: app.py switches there in a second run, and a click on another page
    before that switch has landed is overtaken by it, so wait for the institution page at the app's root."""
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    page.keyboard.type(label)
    page.get_by_role("option", name=label, exact=True).click()
    if label.startswith("Leder: "):
        page.wait_for_function(LEADER_STARTED, polling=POLL_MS, timeout=TIMEOUT_MS)


def heading(page) -> str:
    return page.locator("h1").first.inner_text()


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("", ["Overblik – Eksempelby", "Mål: mindst 80,0 %", "Demo – syntetiske data"]),  # the start page
        ("skoler", ["Skoler og dagtilbud", "Mål pr. institution", "Sammenligning på én indikator"]),
        ("institution", ["Udvikling", "Trivsel pr. klassetrin", "Klasser"]),
        # the latest school year with data is 2026/27 (the sample's færdighedstest): its samtale is still to be
        # prepared, and follows up the school's last one, 2024/25
        ("samtale", ["Skoleudviklingssamtale", "Forbered samtalen", "Opfølgning på aftalerne fra samtalen i 2024/25"]),
        ("dialog", ["Dialog"]),
        ("klynge", ["Klynge – Eksempelby", "bedst af 7", "Landsplan", "Ret klyngen", "Ret et landsplan-tal"]),
        ("maal", ["Mål", "Opret eller ret et mål", "Ændringshistorik"]),
        ("data", ["Data", "Importlog", "Dækning", "Institutioner"]),
    ],
)
def test_administration_pages_render(server, page, path, expected):
    url, _ = server
    page.goto(f"{url}/{path}")
    body = main_text_when(page, expected)
    settle(page)
    for text in expected:
        assert text in body
    assert "Traceback" not in body and "uventet fejl" not in body
    shoot(page, f"forvaltning-{path or 'overblik'}")


@pytest.mark.parametrize(
    ("label", "shot", "expected", "forbidden"),
    [
        ("Byråd/udvalg", "byraad-overblik", ["Overblik – Eksempelby", "§ 55 b"], []),
        (
            "Offentligheden",
            "offentlig-overblik",
            ["Overblik – Eksempelby", "Social trivsel"],
            ["nationale test", "overgangstest", "§ 55 b"],
        ),
        (
            "Leder: Nørrevangsskolen",
            "leder-institution",
            ["Klasser", "Nørrevangsskolen"],
            ["Kærgårdsskolen", "Lærkely"],
        ),
    ],
)
def test_other_viewers_see_their_start_page(server, page, label, shot, expected, forbidden):
    url, _ = server
    page.goto(url)
    settle(page)
    choose_viewer(page, label)
    body = main_text_when(page, expected, forbidden)
    settle(page)
    for text in expected:
        assert text in body
    for text in forbidden:
        assert text.lower() not in body.lower()
    shoot(page, shot)


def test_a_goal_row_leads_to_its_institution(server, page):
    url, _ = server
    page.goto(f"{url}/skoler")
    settle(page)
    grid = page.get_by_test_id("stDataFrame").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # The first data row's selection cell: left edge of the grid, one header row down.
    page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
    page.wait_for_url("**/institution", timeout=TIMEOUT_MS)
    settle(page)
    assert heading(page) not in ("", "Skoler og dagtilbud")
    assert "Udvikling" in page.locator('[data-testid="stMain"]').inner_text()
    shoot(page, "forvaltning-institution-fra-matrix")


def test_upload_through_the_browser_loads(server, page, tmp_path):
    url, db = server
    upload = tmp_path / "trivsel-2025.csv"
    upload.write_bytes(GOOD)
    before = database.current_generation(db)
    page.goto(f"{url}/data")
    settle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(upload))
    page.get_by_text("prøvekørsel uden fejl").wait_for()
    shoot(page, "forvaltning-data-kontrol")
    page.get_by_role("button", name="Indlæs").click()
    page.get_by_text("indlæst: 2 rækker").wait_for()
    settle(page)
    assert database.current_generation(db) == before + 1
    shoot(page, "forvaltning-data-indlaest")


# After the upload above, which gives Eksempelby alone 2025/26 well-being: the page stays on the year the
# whole cluster has (comparison.default_year).
def test_the_council_compares_with_its_cluster_and_never_on_test_results(server, page):
    url, _ = server
    page.goto(url)
    settle(page)
    choose_viewer(page, "Byråd/udvalg")
    main_text_when(page, ["Overblik – Eksempelby", "§ 55 b"])
    settle(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Klynge", exact=True).click()
    body = main_text_when(page, ["Klynge – Eksempelby", "bedst af 7", "Landsplan", "i klyngen"])
    settle(page)
    for text in ("Nordlund", "Fjordby", "bedst af 7", "Landsplan"):
        assert text in body
    for text in ("Andel gode", "nationale test", "overgangstest", "Ret klyngen"):
        assert text.lower() not in body.lower()
    assert page.get_by_test_id("stPlotlyChart").count() == 1  # the small multiples, with a sentence and a table
    shoot(page, "byraad-klynge")

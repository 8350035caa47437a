"""Accessibility (docs/accessibility.md): WCAG 2.1 A and AA by axe-core on every page for every viewer,
and every action by keyboard alone.

A real ``streamlit run`` on the sample in Debian's Chromium (the server helper of
``tests.test_browser_app``), one server and one browser for the module. The pages
are app.py's navigation (``PAGES`` and ``ROLE_PAGES``, read from its source), so a
page added there is checked here without a change to this file; every role there
must have a viewer here. On each page, once drawn: every expander opened (forms
included), every tab shown in turn, and on the start page the sidebar's viewer
picker opened; axe-core (bundled by ``axe-playwright-python``) runs in each state.
Every chart must carry an accessible name and a "Se tallene" table, and the page must say it is Danish.

The keyboard tests reach and operate, with Tab, Shift+Tab, Enter, Space, arrow keys and typing and no
mouse, the viewer picker, the navigation, the goal form, the upload (its file chooser opened by Enter)
and the downloads, and check on each element they operate that focus is visible: the element looks
different focused than not.
"""

from __future__ import annotations

import ast
import contextlib
import json

import pytest

from core import database
from indicators import units
from tests.test_app_data import GOOD
from tests.test_browser_app import (  # noqa: F401  (server, browser and page are fixtures)
    DRAWN,
    POLL_MS,
    ROOT,
    browser,
    page,
    server,
)

pytestmark = pytest.mark.browser

# Generous: this module walks every page several times on a machine that other test runs share.
TIMEOUT_MS = 90_000


@pytest.fixture(autouse=True)
def _patient(request):
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(TIMEOUT_MS)


# The rule sets of WCAG 2.0 and 2.1, levels A and AA (axe-core's tags).
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def navigation() -> tuple[dict[str, tuple[str, str, str]], dict[str, tuple[str, ...]]]:
    """app.py's ``PAGES`` and ``ROLE_PAGES``, read as literals from its source (importing app.py runs the app)."""
    found = {}
    for node in ast.parse((ROOT / "app.py").read_text(encoding="utf-8")).body:
        target = (
            node.target
            if isinstance(node, ast.AnnAssign)
            else (node.targets[0] if isinstance(node, ast.Assign) else None)
        )
        if isinstance(target, ast.Name) and target.id in ("PAGES", "ROLE_PAGES"):
            found[target.id] = ast.literal_eval(node.value)
    assert set(found) == {"PAGES", "ROLE_PAGES"}, "app.py no longer defines PAGES and ROLE_PAGES as literals"
    return found["PAGES"], found["ROLE_PAGES"]


PAGES, ROLE_PAGES = navigation()


def viewers(db) -> dict[str, tuple[str, str]]:
    """Every kind of viewer, by the demo picker's label: a leader of a school and of a daycare."""
    from core import database
    from core.viewer import ADMINISTRATION

    with database.read(db) as con:
        listed = units.institutions(con, ADMINISTRATION, 999)
    school = listed[listed["kind"] == "skole"].iloc[0]["name"]
    daycare = listed[listed["kind"] == "dagtilbud"].iloc[0]["name"]
    return {
        "forvaltning": ("administration", "Forvaltning"),
        "byraad": ("council", "Byråd/udvalg"),
        "offentlig": ("public", "Offentligheden"),
        "leder-skole": ("leader", f"Leder: {school}"),
        "leder-dagtilbud": ("leader", f"Leder: {daycare}"),
    }


VIEWER_KEYS = ("forvaltning", "byraad", "offentlig", "leder-skole", "leder-dagtilbud")


def test_every_role_in_the_navigation_has_a_viewer_here(sample_db_master):
    assert {role for role, _ in viewers(sample_db_master).values()} == set(ROLE_PAGES)
    assert set(VIEWER_KEYS) == set(viewers(sample_db_master))


def drawn(page) -> None:
    """The run has finished and the page is drawn, with no element left faded from the run before."""
    page.wait_for_function(DRAWN, polling=POLL_MS, timeout=TIMEOUT_MS)
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=TIMEOUT_MS)


def settled(page) -> None:
    """Wait until the script run has finished and the page is drawn (a condition, polled)."""
    page.locator('[data-testid="stMain"] h1').first.wait_for()
    drawn(page)


def as_viewer(page, url: str, role: str, label: str) -> None:
    """Open the app and pick the viewer; done when the sidebar offers that role's pages and the page is drawn."""
    page.goto(url)
    settled(page)
    if role != "administration":
        picker = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
        picker.click()
        page.keyboard.type(label)
        page.get_by_role("option", name=label, exact=True).click()
    titles = [PAGES[name][1] for name in ROLE_PAGES[role]]
    page.wait_for_function(
        """(titles) => {
            const shown = [...document.querySelectorAll('[data-testid="stSidebarNav"] a span[label]')]
                .map((span) => span.getAttribute('label'));
            return JSON.stringify(titles.length > 1 ? shown : []) === JSON.stringify(titles.length > 1 ? titles : []);
        }""",
        arg=titles,
        polling=POLL_MS,
        timeout=TIMEOUT_MS,
    )
    settled(page)


def go_to(page, name: str) -> None:
    """Follow the sidebar's link to a page; done when the main area shows another page, drawn."""
    before = page.get_by_test_id("stMain").inner_text()
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=PAGES[name][1], exact=True).click()
    page.wait_for_url(f"**/{name}", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "(before) => (document.querySelector('[data-testid=\"stMain\"]')?.innerText ?? before) !== before",
        arg=before,
        polling=POLL_MS,
        timeout=TIMEOUT_MS,
    )
    settled(page)


def axe_violations(page) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it is now, one line per rule with its first elements."""
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for v in Axe().run(page, options=AXE_OPTIONS).response["violations"]:
        nodes = "; ".join(
            f"{n['html'][:160]} ({' '.join(c['message'] for c in n['any'] + n['all'] + n['none'])})"
            for n in v["nodes"][:3]
        )
        found.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}): {v['help']} — {nodes}")
    return found


def open_expanders(page) -> None:
    """Open every visible closed expander (the note forms, "Se tallene")."""
    for summary in page.query_selector_all(
        '[data-testid="stMain"] [data-testid="stExpander"] details:not([open]) > summary:visible'
    ):
        summary.click()
    drawn(page)


_CHARTS_WITHOUT_TEXT = """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .filter((chart) => chart.offsetParent !== null)
    .flatMap((chart) => {
        const name = chart.getAttribute('aria-label')?.trim();
        const block = chart.closest('[data-testid="stElementContainer"]')?.nextElementSibling;
        const table = block?.querySelector('[data-testid="stExpander"] summary')?.innerText.includes('Se tallene');
        return name && table ? [] : [`${name ? '' : 'no name'} ${table ? '' : 'no table'}: ${chart.outerHTML.slice(0, 80)}`];
    })"""


def charts_without_text(page) -> list[str]:
    """Charts that lack an accessible name, or a "Se tallene" table after them in their block.

    Waited for as a condition: on a loaded machine a chart may be drawn a moment before the expander under it.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # still some after the wait: they are returned
        page.wait_for_function(f"() => ({_CHARTS_WITHOUT_TEXT})().length === 0", polling=POLL_MS, timeout=10_000)
    return page.evaluate(_CHARTS_WITHOUT_TEXT)


@pytest.mark.parametrize("who", VIEWER_KEYS)
def test_every_page_meets_wcag_21_aa(server, page, sample_db_master, who):
    url, _ = server
    role, label = viewers(sample_db_master)[who]
    as_viewer(page, url, role, label)
    problems: dict[str, list[str]] = {}

    # The sidebar with the viewer picker open (its list of options).
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
    page.get_by_role("listbox").wait_for()
    problems["viewer picker open"] = axe_violations(page)
    page.keyboard.press("Escape")

    for i, name in enumerate(ROLE_PAGES[role]):
        if i:
            go_to(page, name)
        problems[name] = axe_violations(page)
        if page.evaluate("() => document.documentElement.lang") != "da":
            problems[name].append("the page does not say it is Danish (html lang)")
        open_expanders(page)
        problems[f"{name}, expanders open"] = axe_violations(page) + charts_without_text(page)
        tabs = page.locator('[data-testid="stMain"] [role="tab"]')
        for t in range(1, tabs.count()):
            tab = tabs.nth(t)
            tab.click()
            drawn(page)
            problems[f"{name}, tab {tab.inner_text()}"] = axe_violations(page) + charts_without_text(page)
    problems = {state: found for state, found in problems.items() if found}
    assert not problems, f"{label}:\n" + json.dumps(problems, indent=1, ensure_ascii=False)


# --- by keyboard alone ---------------------------------------------------------------------------------


def tab_to(page, target, *, backwards: bool = False, limit: int = 150) -> None:
    """Press Tab (Shift+Tab) until ``target`` (a locator) has the focus, then check the focus is visible."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if target.evaluate("(el) => el === document.activeElement || el.contains(document.activeElement)"):
            focus_is_visible(page)
            return
    pytest.fail(f"{key} never reached {target}")


def focus_is_visible(page) -> None:
    """The focused element (and a margin around it, where rings are drawn) looks different without the focus."""
    focused = page.evaluate_handle("() => document.activeElement")
    box = focused.bounding_box()
    assert box, "the focused element is not on screen"
    clip = {
        "x": max(box["x"] - 6, 0),
        "y": max(box["y"] - 6, 0),
        "width": box["width"] + 12,
        "height": box["height"] + 12,
    }
    with_focus = page.screenshot(clip=clip, animations="disabled")
    focused.evaluate("(el) => el.blur()")
    without = page.screenshot(clip=clip, animations="disabled")
    focused.evaluate("(el) => el.focus()")
    name = focused.evaluate("(el) => el.getAttribute('aria-label') || el.innerText")
    assert with_focus != without, f"focus is not visible on {name!r}"


def test_viewer_picker_and_navigation_by_keyboard(server, page):
    url, _ = server
    page.goto(url)
    settled(page)
    sidebar = page.get_by_test_id("stSidebar")
    tab_to(page, sidebar.get_by_role("combobox", name="Se som"))
    page.keyboard.press("ArrowDown")  # opens the list
    page.get_by_role("listbox").wait_for()
    page.keyboard.type("Byråd")
    page.keyboard.press("Enter")
    titles = [PAGES[name][1] for name in ROLE_PAGES["council"]]
    page.wait_for_function(
        """(titles) => JSON.stringify([...document.querySelectorAll('[data-testid="stSidebarNav"] a span[label]')]
            .map((span) => span.getAttribute('label'))) === JSON.stringify(titles)""",
        arg=titles,
        polling=POLL_MS,
        timeout=TIMEOUT_MS,
    )
    settled(page)
    # back up the sidebar to the council's second page, and follow it with Enter
    second = ROLE_PAGES["council"][1]
    tab_to(page, sidebar.get_by_role("link", name=PAGES[second][1], exact=True), backwards=True)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/{second}", timeout=TIMEOUT_MS)
    settled(page)


def test_goal_form_by_keyboard(server, page):
    url, db = server
    page.goto(url)
    settled(page)
    main = page.get_by_test_id("stMain")
    tab_to(page, page.get_by_test_id("stSidebarNav").get_by_role("link", name="Mål", exact=True))
    page.keyboard.press("Enter")
    page.wait_for_url("**/maal", timeout=TIMEOUT_MS)
    main.get_by_role("textbox", name="Mål-id").wait_for()
    settled(page)
    tab_to(page, main.get_by_role("textbox", name="Mål-id"))
    page.keyboard.type("T1")
    page.keyboard.press("Tab")
    page.keyboard.type("Trivsel på tastaturet")
    tab_to(page, main.get_by_role("combobox", name="Indikator"))
    page.keyboard.type("Generel skoletrivsel")
    page.keyboard.press("Enter")
    tab_to(page, main.get_by_role("spinbutton", name="Målværdi (andele i %)"))
    page.keyboard.press("Control+A")
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    page.keyboard.type("2026/27")
    tab_to(page, main.get_by_role("button", name="Gem mål"))
    page.keyboard.press("Space")
    main.get_by_text("Målet 'Trivsel på tastaturet' er gemt.").wait_for()
    with database.read(db) as con:
        saved = con.execute(
            "SELECT indicator, direction, target, target_year FROM goals WHERE goal_id = 'T1'"
        ).fetchall()
    assert saved == [("wb_general", ">=", 4.0, 2026)]


def test_upload_by_keyboard(server, page, tmp_path):
    url, db = server
    upload = tmp_path / "trivsel-tastatur.csv"
    upload.write_bytes(GOOD)
    before = database.current_generation(db)
    page.goto(f"{url}/data")
    settled(page)
    main = page.get_by_test_id("stMain")
    button = main.get_by_test_id("stFileUploaderDropzone").get_by_role("button", name="Upload", exact=True)
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # On a loaded machine a late rerun may redraw the button after it took the focus: then reach it again by
    # keyboard and press again (three tries; a chooser that never opens by Enter fails the test).
    chooser = None
    for _ in range(3):
        tab_to(page, button)
        try:
            with page.expect_file_chooser(timeout=20_000) as opened:
                page.keyboard.press("Enter")
            chooser = opened.value
            break
        except PlaywrightTimeout:
            continue
    assert chooser is not None, "Enter on the upload button never opened the file chooser"
    chooser.set_files(str(upload))
    main.get_by_text("prøvekørsel uden fejl").wait_for()
    tab_to(page, main.get_by_role("button", name="Indlæs"))
    page.keyboard.press("Enter")
    main.get_by_text("indlæst: 2 rækker").wait_for()
    assert database.current_generation(db) == before + 1


def test_downloads_by_keyboard(server, page, tmp_path):
    url, db = server
    page.goto(f"{url}/dialog")
    settled(page)
    main = page.get_by_test_id("stMain")
    with database.read(db) as con:
        exports = con.execute("SELECT count(*) FROM audit_log WHERE action = 'export'").fetchone()[0]
    tab_to(page, main.get_by_role("button", name="Dialogark (XLSX)"))
    with page.expect_download() as sheet:
        page.keyboard.press("Enter")
    tab_to(page, main.get_by_label("Statusrapport for kommunen"))
    page.keyboard.press("Space")
    report_button = main.get_by_role("button", name="(XLSX)").filter(has_text="Statusrapport")
    report_button.wait_for()
    drawn(page)
    tab_to(page, report_button)
    with page.expect_download() as report:
        page.keyboard.press("Enter")
    for download in (sheet.value, report.value):
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
        assert saved.read_bytes()[:2] == b"PK"  # an XLSX workbook
    with database.read(db) as con:
        after = con.execute("SELECT count(*) FROM audit_log WHERE action = 'export'").fetchone()[0]
    assert after == exports + 2  # both downloads are in the audit log

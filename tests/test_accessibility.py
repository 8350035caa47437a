"""Accessibility (docs/accessibility.md): WCAG 2.1 A and AA by axe-core on every page for every viewer.

A real ``streamlit run`` on the sample in Debian's Chromium (the server helper of
``tests.test_browser_app``), one server and one browser for the module. The pages
are app.py's navigation (``PAGES`` and ``ROLE_PAGES``, read from its source), so a
page added there is checked here without a change to this file; every role there
must have a viewer here. On each page, once drawn: every expander opened (forms
included), every tab shown in turn, and on the start page the sidebar's viewer
picker opened; axe-core (bundled by ``axe-playwright-python``) runs in each state.
Every chart must carry an accessible name and a "Se tallene" table.
"""

from __future__ import annotations

import ast
import json

import pytest

from indicators import units
from tests.test_browser_app import (  # noqa: F401  (server, browser and page are fixtures)
    DRAWN,
    POLL_MS,
    ROOT,
    TIMEOUT_MS,
    browser,
    page,
    server,
)

pytestmark = pytest.mark.browser

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
        "offentlig": ("public", "Offentlig"),
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


def charts_without_text(page) -> list[str]:
    """Charts that lack an accessible name, or a "Se tallene" table after them in their block."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
            .filter((chart) => chart.offsetParent !== null)
            .flatMap((chart) => {
                const name = chart.getAttribute('aria-label')?.trim();
                const block = chart.closest('[data-testid="stElementContainer"]')?.nextElementSibling;
                const table = block?.querySelector('[data-testid="stExpander"] summary')?.innerText.includes('Se tallene');
                return name && table ? [] : [`${name ? '' : 'no name'} ${table ? '' : 'no table'}: ${chart.outerHTML.slice(0, 80)}`];
            })"""
    )


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

"""No text a user wrote or a file brought is ever rendered as HTML or markup, in a real browser.

A goal's title and note, an institution's name (from the municipality's own list), a dialogue
note and its author, a samtale's participants, areas, referat, agreement and frame carry script, an image, a link and markup; every page is visited as every
kind of viewer, and the page must hold no element they created, no script may have run, and
the text must read as written.
"""

from __future__ import annotations

import re
import shutil

import pytest

from core import database
from core.viewer import ADMINISTRATION
from dialogue import add_note, samtale
from indicators import goals as goal_store
from loaders import coverage, import_files
from tests.fixtures_files import write_csv
from tests.test_browser_app import (
    _chromium_or_skip,
    browser,  # noqa: F401
    choose_viewer,
    main_text_when,
    page,  # noqa: F401
    settle,
    shoot,
    streamlit_server,
)

pytestmark = pytest.mark.browser

SCRIPT = '<img src=x onerror="window.__xss=1">'
TITLE = f"{SCRIPT} Læsning **XFED** [XLINK](javascript:window.__xss=2)"
NAME = (
    '<img src=x onerror="window.__xss=3">Nørrevangsskolen <b>XBOLD</b> <a href="javascript:window.__xss=4">XANCHOR</a>'
)
NOTE = '<script>window.__xss=5</script> ![XIMG](http://127.0.0.1:9/x.png) `XCODE` <img src=x onerror="window.__xss=6">'
AUTHOR = '<img src=x onerror="window.__xss=7">@kommune.dk'
# What such text could make: an element holding one of its marked words, its images, inline
# handlers, a script of its own; and whether any of it ran.
PLANTED = """() => {
  const marked = /^X(FED|LINK|BOLD|ANCHOR|CODE)$/;
  const made = Array.from(document.querySelectorAll('#root a, #root strong, #root b, #root em, #root code, #root img, #root script'))
    .filter(e => marked.test(e.textContent.trim()) || e.alt === 'XIMG' || /^x$|127\\.0\\.0\\.1:9/.test(e.getAttribute('src') || '')
                 || (e.tagName === 'SCRIPT' && e.textContent.includes('__xss')));
  const handlers = Array.from(document.querySelectorAll('[onerror], a[href^="javascript"]'));
  const found = made.concat(handlers).map(e => e.outerHTML.slice(0, 120));
  if (window.__xss !== undefined) found.push('window.__xss = ' + window.__xss);
  return found;
}"""


@pytest.fixture(scope="module")
def hostile(sample_db_master, tmp_path_factory):
    """The app on a copy of the sample where users and files put hostile text everywhere they can."""
    _chromium_or_skip()
    tmp = tmp_path_factory.mktemp("hostile")
    db = tmp / "sample.duckdb"
    shutil.copy(sample_db_master, db)
    shutil.copy(f"{sample_db_master}.generation", f"{db}.generation")
    own_list = write_csv(
        tmp / "liste.csv", [["institution_id", "navn", "type", "kommunekode"], ["999001", NAME, "skole", "999"]]
    )
    import_files(db, [own_list], user="drift")
    with database.read(db) as con:
        year = coverage.latest_year(con, ADMINISTRATION)
    goal_store.save_goal(
        db,
        {
            "goal_id": "X1",
            "title": TITLE,
            "indicator": "wb_general",
            "scope": "skoler",
            "direction": ">=",
            "target": "3,8",
            "target_year": f"{year}/{year + 1}",
            "note": NOTE,
        },
        AUTHOR,
    )
    for kind in ("assessment", "action"):
        add_note(
            db,
            ADMINISTRATION,
            institution_id="999001",
            school_year=year,
            note_kind=kind,
            text=NOTE,
            action_owner=AUTHOR if kind == "action" else None,
            action_due=f"{year + 1}-06-30" if kind == "action" else None,
            shared_with_council=True,
            author=AUTHOR,
        )
    # The school's samtale, shared with the council: hostile participants, areas, referat, agreement, frame.
    samtale_id = samtale.create_samtale(
        db, ADMINISTRATION, institution_id="999001", school_year=year, leader_names=AUTHOR, author=AUTHOR
    )
    samtale.edit_samtale(
        db, ADMINISTRATION, samtale_id, development_areas=TITLE, summary=NOTE, shared_with_council=True
    )
    samtale.add_agreement(db, ADMINISTRATION, samtale_id, text=NOTE, owner=AUTHOR, due=f"{year + 1}-06-30")
    samtale.save_strategic_frame(db, ADMINISTRATION, kommune=999, school_year=year, topics=TITLE)
    with streamlit_server(db, tmp / "streamlit.log", "--server.address", "127.0.0.1") as url:
        yield url


VISITS = [
    ("Forvaltning", path, shows)
    for path, shows in [
        ("", ["Overblik", "Læsning"]),
        ("skoler", ["Skoler og dagtilbud"]),
        ("institution", ["Udvikling", "Nørrevangsskolen"]),
        ("dialog", ["Hvad viser tallene", "window.__xss=5", "XFED"]),
        ("samtale", ["Referat af drøftelsen", "window.__xss=5", "XFED"]),
        ("maal", ["Opret eller ret et mål"]),
        ("data", ["Importlog"]),
        ("adgang", ["Revisionslog"]),
    ]
] + [
    ("Byråd/udvalg", "", ["Overblik"]),
    ("Byråd/udvalg", "skoler", ["Skoler og dagtilbud"]),
    ("Byråd/udvalg", "dialog", ["Hvad viser tallene", "window.__xss=5"]),
    ("Byråd/udvalg", "samtale", ["Referat af drøftelsen", "window.__xss=5", "XFED"]),
    ("Offentligheden", "", ["Overblik"]),
    (f"Leder: {NAME}", "", ["Udvikling"]),  # the leader's start page: their institution
    (f"Leder: {NAME}", "dialog", ["Hvad viser tallene", "window.__xss=5"]),
    (f"Leder: {NAME}", "samtale", ["Referat af drøftelsen", "window.__xss=5", "XFED"]),
]


@pytest.mark.parametrize(("viewer", "path", "shows"), VISITS, ids=[f"{v[:8]}-{p or 'start'}" for v, p, _ in VISITS])
def test_hostile_text_stays_text(hostile, page, viewer, path, shows):
    url = hostile
    page.goto(url)
    settle(page)
    if viewer != "Forvaltning":
        choose_viewer(page, viewer)
        settle(page)
    if path:
        page.get_by_test_id("stSidebarNav").locator(f'a[href$="/{path}"]').click()
    body = main_text_when(page, shows)
    settle(page)
    for text in shows:
        assert text in body, (viewer, path, text)
    shoot(page, f"fjendtlig-{re.sub(r'[^a-z]', '', viewer.lower())[:12]}-{path or 'start'}")
    assert page.evaluate(PLANTED) == [], (viewer, path)
    if path == "dialog":
        # Shown as written: the note and its author, the goal's title.
        assert "<script>window.__xss=5</script>" in body and "![XIMG](http://127.0.0.1:9/x.png)" in body
        assert AUTHOR in body and "`XCODE`" in body
        if viewer != "Byråd/udvalg":  # the goal's title in "Hvad viser tallene" (the council sees no such column)
            assert "**XFED** [XLINK](javascript:window.__xss=2)" in body

"""Every file the app offers is built and served only on an audited request, in a real browser.

Streamlit serves a download button's file at ``/media/<hash>`` from the moment the page draws
it; whoever has the URL gets the file, with no click and so no audit row. Here every page is
drawn as every kind of viewer (with the status report shown and a rejected upload), every media
URL the server sends the browser is collected from the websocket and fetched, and each file
that can be fetched must have its row in the audit log. Then each download is clicked: it
arrives, and the audit log has one more row for it.
"""

from __future__ import annotations

import re
import shutil

import pytest

from core import database
from core.viewer import ADMINISTRATION
from dialogue import samtale
from indicators import units
from loaders import coverage
from tests.fixtures_files import query
from tests.test_app_data import BAD
from tests.test_browser_app import (
    _chromium_or_skip,
    browser,  # noqa: F401
    choose_viewer,
    main_text_when,
    settle,
    streamlit_server,
)

pytestmark = pytest.mark.browser

# A media file's URL in the server's (protobuf) messages: the id and the extension Streamlit gives it.
MEDIA = re.compile(rb"/media/[0-9a-f]{16,}\.(?:xlsx|html|csv|txt|json|bin|pdf|zip)")
AUDITED = "SELECT count(*) FROM audit_log WHERE action IN ('export', 'download')"
PAGES = {
    "Forvaltning": ["", "skoler", "institution", "samtale", "dialog", "maal", "data", "adgang"],
    "Byråd/udvalg": ["", "skoler", "samtale", "dialog"],
    "Leder: Nørrevangsskolen": ["", "samtale", "dialog", "overblik"],
    "Offentligheden": [""],
}
# What a page shows once its downloads are drawn.
SHOWS = {"dialog": "Hent", "samtale": "Hent referatet"}


@pytest.fixture(scope="module")
def app(sample_db_master, tmp_path_factory):
    _chromium_or_skip()
    tmp = tmp_path_factory.mktemp("downloads")
    db = tmp / "sample.duckdb"
    shutil.copy(sample_db_master, db)
    shutil.copy(f"{sample_db_master}.generation", f"{db}.generation")
    # The school the samtale page opens on (the first school for the administration and the council, the
    # leader's own, Nørrevangsskolen, for its leader) gets a samtale in the year the page starts on, shared
    # with the council: its referat is offered to all three viewers.
    with database.read(db) as con:
        year = coverage.latest_year(con, ADMINISTRATION)
        listed = units.institutions(con, ADMINISTRATION, 999)
    first = listed.loc[listed["kind"] == "skole", "institution_id"].iloc[0]
    for school in sorted({first, "999001"}):
        samtale_id = samtale.create_samtale(db, ADMINISTRATION, institution_id=school, school_year=year)
        samtale.edit_samtale(db, ADMINISTRATION, samtale_id, shared_with_council=True)
    with streamlit_server(db, tmp / "streamlit.log", "--server.address", "127.0.0.1") as url:
        yield url, db, tmp


@pytest.fixture
def watched(browser):
    """A page whose websocket frames are searched for media URLs (the set fills as the server sends them)."""
    context = browser.new_context(viewport={"width": 1440, "height": 2400}, locale="da-DK", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    urls: set[str] = set()

    def on_websocket(ws):
        def received(payload):
            data = payload if isinstance(payload, bytes) else payload.encode()
            urls.update(m.decode() for m in MEDIA.findall(data))

        ws.on("framereceived", received)

    page.on("websocket", on_websocket)
    yield page, urls
    context.close()


def open_page(page, path: str, shows: str) -> None:
    if path:
        page.get_by_test_id("stSidebarNav").locator(f'a[href$="/{path}"]').click()
    main_text_when(page, [shows])
    settle(page)


def fetchable(page, url: str, media: set[str]) -> list[str]:
    """The media URLs sent so far that serve a file now (Streamlit drops a page's files when it moves on)."""
    return [m for m in sorted(media) if page.request.get(url + m).ok]


def test_no_file_is_served_without_its_audit_row(app, watched, tmp_path):
    url, db, _ = app
    page, media = watched
    before = query(db, AUDITED)[0][0]
    bad = tmp_path / "trivsel-fejl.csv"
    bad.write_bytes(BAD)
    served: set[str] = set()
    page.goto(url)
    settle(page)
    for viewer, paths in PAGES.items():
        if viewer != "Forvaltning":
            choose_viewer(page, viewer)
            settle(page)
        for path in paths:
            open_page(page, path, SHOWS.get(path, ""))
            served.update(fetchable(page, url, media))
            if path == "dialog" and viewer in ("Forvaltning", "Byråd/udvalg"):
                page.get_by_text("Statusrapport for kommunen").click()  # the toggle that offers the report
                main_text_when(page, ["Statusrapport 20"])
                settle(page)
            if path == "data":
                page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
                main_text_when(page, ["kan ikke indlæses", "Hent de afviste rækker"])
                settle(page)
            served.update(fetchable(page, url, media))
    audited = query(db, AUDITED)[0][0] - before
    assert len(served) <= audited, f"{len(served)} files served without a click, {audited} audit rows: {sorted(served)}"


@pytest.mark.parametrize(
    ("path", "label", "what"),
    [
        ("dialog", "Dialogark (XLSX)", "report:dialogue"),
        ("dialog", "Dialogark til udskrift (HTML)", "report:dialogue"),
        ("samtale", "Referat (XLSX)", "report:samtale"),
        ("samtale", "Referat til udskrift (HTML, A4)", "report:samtale"),
        ("maal", "Hent målarket (XLSX)", "målark"),
        ("adgang", "Hent loggen (CSV)", "revisionslog"),
    ],
)
def test_a_download_is_audited_before_it_is_served(app, watched, path, label, what):
    url, db, _ = app
    page, media = watched
    before = query(db, "SELECT count(*) FROM audit_log WHERE object = ?", [what])[0][0]
    page.goto(url)
    settle(page)
    open_page(page, path, label)
    assert fetchable(page, url, media) == []  # drawn, not yet asked for
    with page.expect_download() as download:
        page.get_by_role("button", name=label).click()
    assert download.value.path().stat().st_size > 0
    assert query(db, "SELECT count(*) FROM audit_log WHERE object = ?", [what])[0][0] == before + 1
    assert len(fetchable(page, url, media)) == 1  # the file the click asked for, and nothing else

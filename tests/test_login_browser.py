"""A real login end to end: oidc-provider-mock on localhost, ``[auth]`` pointing at it, headless Chromium.

A leader, an officer of the administration and a user without a role log in
through the provider's form; each sees what their role allows (or "Ingen
adgang"), logs out, and every step is in the audit log.
"""

from __future__ import annotations

import json
import shutil
import urllib.request

import pytest

from access import roles
from core.viewer import ADMINISTRATION
from tests.fixtures_files import query
from tests.test_browser_app import (
    TIMEOUT_MS,
    _chromium_or_skip,
    _free_port,
    browser,  # noqa: F401
    main_text_when,
    shoot,
    streamlit_server,
)

pytestmark = pytest.mark.browser

LEADER, OFFICER, STRANGER = "leder@eksempelby.dk", "forvaltning@eksempelby.dk", "ukendt@eksempelby.dk"


@pytest.fixture(scope="module")
def provider():
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread(port=_free_port()) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def app(sample_db_master, tmp_path_factory, provider):
    """The app with login configured (its own secrets file), on a copy of the sample with three users known."""
    _chromium_or_skip()
    tmp = tmp_path_factory.mktemp("login")
    db = tmp / "sample.duckdb"
    shutil.copy(sample_db_master, db)
    shutil.copy(f"{sample_db_master}.generation", f"{db}.generation")
    roles.assign(db, OFFICER, "forvaltning", "", ADMINISTRATION, "opsætning")
    roles.assign(db, LEADER, "skoleleder", "999004", ADMINISTRATION, "opsætning")  # Åbyskolen
    port = _free_port()
    url = f"http://localhost:{port}"
    secrets = tmp / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        'cookie_secret = "test-cookie-secret-0123456789abcdef"\n'
        'client_id = "kvalitetsdialog"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
    )
    with streamlit_server(
        db, tmp / "streamlit.log", "--secrets.files", str(secrets), port=port, host="localhost"
    ) as app_url:
        yield app_url, db


def log_in(browser, url: str, who: str):
    context = browser.new_context(viewport={"width": 1440, "height": 1800}, locale="da-DK")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    page.get_by_role("button", name="Log ind").click()
    page.locator('input[name="sub"]').fill(who)  # the provider's own login form
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{url}/**")
    return context, page


def log_out(page) -> None:
    page.get_by_role("button", name="Log ud").click()
    page.get_by_role("button", name="End session").click()  # the provider asks to end its session too
    page.get_by_role("button", name="Log ind").wait_for()


def test_leader_officer_and_stranger(app, browser):
    url, db = app

    context, page = log_in(browser, url, LEADER)
    body = main_text_when(page, ["Åbyskolen"])
    shoot(page, "login-leder")
    assert "Åbyskolen" in body
    assert not any(other in body for other in ("Fjordskolen", "Bøgehøj Skole", "Nørrevangsskolen"))
    assert f"Logget ind som {LEADER}" in page.get_by_test_id("stSidebar").inner_text()
    assert "Se som" not in page.content()  # no demo picker once login is configured
    log_out(page)
    context.close()

    context, page = log_in(browser, url, OFFICER)
    body = main_text_when(page, ["Overblik"])
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "Adgang og log" in nav and "Data" in nav
    page.get_by_test_id("stSidebarNav").get_by_text("Adgang og log").click()
    body = main_text_when(page, ["Revisionslog", "Hent loggen (CSV)"])
    shoot(page, "login-forvaltning-adgang")  # the tables are drawn on a canvas; their rows are checked below
    assert "Roller" in body and "Hent loggen (CSV)" in body
    log_out(page)
    context.close()

    context, page = log_in(browser, url, STRANGER)
    body = main_text_when(page, ["Ingen adgang", "Kontakt forvaltningen"])
    shoot(page, "login-ingen-adgang")
    assert STRANGER in body and "Kontakt forvaltningen" in body
    assert page.get_by_test_id("stSidebarNav").count() == 0  # no pages at all
    log_out(page)
    context.close()

    entries = query(
        db,
        "SELECT who, role, action FROM audit_log WHERE action IN ('login', 'logout', 'login_denied') ORDER BY audit_id",
    )
    assert entries == [
        (LEADER, "leader", "login"),
        (LEADER, "leader", "logout"),
        (OFFICER, "administration", "login"),
        (OFFICER, "administration", "logout"),
        (STRANGER, None, "login_denied"),
        (STRANGER, None, "logout"),
    ]
    origins = {o for (o,) in query(db, "SELECT DISTINCT origin FROM audit_log WHERE action = 'login'")}
    assert origins and all(o.startswith("app") for o in origins)


def set_claims(provider: str, sub: str, claims: dict) -> None:
    """Register a user with the provider, with the claims its ID token will carry."""
    request = urllib.request.Request(
        f"{provider}/users/{sub}",
        data=json.dumps(claims).encode(),
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204


def test_a_role_is_matched_on_the_subject_or_a_verified_email_only(app, browser, provider):
    """A guest whose e-mail claim names the leader, unverified, gets "Ingen adgang"; a verified one gets in."""
    url, db = app
    set_claims(provider, "gaest-1", {"email": LEADER, "email_verified": False})
    set_claims(provider, "medarbejder-2", {"email": OFFICER, "email_verified": True})

    context, page = log_in(browser, url, "gaest-1")
    body = main_text_when(page, ["Ingen adgang", "ikke bekræftet"])
    shoot(page, "login-ubekraeftet-email")
    assert "Du er logget ind som gaest-1" in body and "Åbyskolen" not in body
    assert page.get_by_test_id("stSidebarNav").count() == 0
    log_out(page)
    context.close()

    context, page = log_in(browser, url, "medarbejder-2")
    main_text_when(page, ["Overblik"])
    assert f"Logget ind som {OFFICER}" in page.get_by_test_id("stSidebar").inner_text()
    log_out(page)
    context.close()

    assert query(
        db, "SELECT who, role, action, details FROM audit_log WHERE who IN ('gaest-1', ?) ORDER BY audit_id", [OFFICER]
    )[-4:] == [
        ("gaest-1", None, "login_denied", '{"ubekræftet e-mail": "leder@eksempelby.dk"}'),
        ("gaest-1", None, "logout", None),
        (OFFICER, "administration", "login", "administration"),
        (OFFICER, "administration", "logout", None),
    ]

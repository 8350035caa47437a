"""Which OIDC claims a role is matched on: the subject, or the e-mail only when the provider vouches for it.

With multi-tenant or guest accounts the ``email`` claim can be chosen by the user; a role given
to an e-mail address must not go to whoever claims it. (End to end against a real provider:
``tests/test_login_browser.py``.)
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from access import roles
from core.viewer import ADMINISTRATION
from tests.fixtures_files import query
from tests.test_app_pages import APP, shown
from tests.test_demo import AUTH

LEADER = "leder@eksempelby.dk"


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({"sub": "s1", "email": LEADER, "email_verified": True}, [LEADER, "s1"]),
        ({"sub": "s1", "email": LEADER, "email_verified": "true"}, [LEADER, "s1"]),  # some providers send text
        ({"sub": "s1", "email": LEADER, "xms_edov": True}, [LEADER, "s1"]),  # Entra ID's optional claim
        ({"sub": "s1", "email": LEADER}, ["s1"]),  # Entra ID by default: no email_verified at all
        ({"sub": "s1", "email": LEADER, "email_verified": False}, ["s1"]),
        ({"sub": "s1", "email": LEADER, "email_verified": "false", "xms_edov": False}, ["s1"]),
        ({"sub": "s1", "email": LEADER, "email_verified": 1}, ["s1"]),  # only a real yes counts
        ({"email": LEADER, "email_verified": True}, [LEADER]),
    ],
)
def test_identities(claims, expected):
    assert roles.identities(claims) == expected


def logged_in(db, monkeypatch, claims: dict) -> AppTest:
    monkeypatch.setenv("KVALITETSDIALOG_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, **claims}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_an_unverified_email_gets_no_role(sample_db, monkeypatch):
    roles.assign(sample_db, LEADER, "leder", "999004", ADMINISTRATION, "opsætning")
    at = logged_in(sample_db, monkeypatch, {"sub": "gaest-7", "email": LEADER, "email_verified": False})
    assert [t.value for t in at.main.title] == ["Ingen adgang"]
    assert "Du er logget ind som **gaest-7**" in shown(at.main.info[0].value)
    assert "ikke bekræftet" in shown(at.main.info[0].value)
    assert query(sample_db, "SELECT who, role, action, details FROM audit_log WHERE action LIKE 'login%'") == [
        ("gaest-7", None, "login_denied", '{"ubekræftet e-mail": "leder@eksempelby.dk"}')
    ]


def test_a_verified_email_or_the_subject_gets_the_role(sample_db, monkeypatch):
    roles.assign(sample_db, "chef@eksempelby.dk", "forvaltning", "", ADMINISTRATION, "opsætning")
    roles.assign(sample_db, LEADER, "leder", "999004", ADMINISTRATION, "opsætning")
    roles.assign(sample_db, "sub-42", "byråd", "", ADMINISTRATION, "opsætning")
    at = logged_in(sample_db, monkeypatch, {"sub": "s9", "email": LEADER, "email_verified": True})
    assert at.main.title[0].value == "Åbyskolen"  # the leader's start page: their institution
    at = logged_in(sample_db, monkeypatch, {"sub": "sub-42", "email": "x@andet.dk"})
    assert at.main.title[0].value.startswith("Overblik")
    assert query(sample_db, "SELECT who, role FROM audit_log WHERE action = 'login' ORDER BY audit_id") == [
        (LEADER, "leader"),
        ("sub-42", "council"),
    ]

"""Refused requests are refused the same way everywhere and written to the audit log; the command
line records the operating-system account beside whoever ``--user``/``--as`` claims to be.

Two municipalities share the database, as when a municipality loads national figures: Eksempelby
(999, the own one) with school A 999001 and B 999002, and København (101) with school K 101001.
Each school has grade-4 reading results for 2020/21; a goal asks for 70 % good readers.
"""

from __future__ import annotations

import os
import pwd
import re

import pytest
from streamlit.testing.v1 import AppTest

from access.__main__ import main as access_main
from core import database
from core.errors import AccessDenied
from core.viewer import Viewer
from indicators.__main__ import main as indicators_main
from loaders.__main__ import main as loaders_main
from reports.__main__ import main as reports_main
from tests.fixtures_files import query, write_csv
from tests.test_app_data import GOOD
from tests.test_app_pages import shown
from tests.test_indicators_data import add_aggregate_year, add_institutions, insert

ACCOUNT = pwd.getpwuid(os.getuid()).pw_name
CLI = f"command line (OS account {ACCOUNT})"


@pytest.fixture
def two_db(db, monkeypatch):
    monkeypatch.delenv("KVALITETSDIALOG_KOMMUNE", raising=False)  # the own municipality is 999
    monkeypatch.setenv("USER", "mallory")  # what a caller can claim; the audit log must not believe it
    monkeypatch.setenv("LOGNAME", "mallory")
    add_institutions(
        db,
        [
            ("999001", "Skole A", "skole", 999, "Nord"),
            ("999002", "Skole B", "skole", 999, "Nord"),
            ("101001", "Skole K", "skole", 101, "Nord"),
        ],
    )
    add_aggregate_year(db, "999001", 2020, (1, 1, 2, 4, 1, 1))  # good 6 of 10
    add_aggregate_year(db, "999002", 2020, (1, 1, 2, 4, 1, 1))
    add_aggregate_year(db, "101001", 2020, (0, 0, 2, 4, 2, 2))  # good 8 of 10
    insert(
        db,
        "INSERT INTO goal_versions (goal_id, version, title, indicator, subject, scope, direction, target, "
        "target_year) VALUES (?, 1, ?, 'nt_share_good', 'dansk_laesning', 'skoler', '>=', 0.7, 2020)",
        [("L1", "Flere gode læsere")],
    )
    return db


def refusals(db):
    return query(
        db, "SELECT who, role, object, details, origin FROM audit_log WHERE action = 'denied' ORDER BY who, object"
    )


def test_council_gets_no_dialogue_sheet_of_another_municipality(two_db, tmp_path, capsys):
    """``python -m reports dialogue --institution 101001 --as council`` showed K's 80 % good readers."""
    out = tmp_path / "k.html"
    argv = ["dialogue", "--db", str(two_db), "--institution", "101001", "--as", "council", "--year", "2020/21"]
    assert reports_main([*argv, "--out", str(out)]) == 1
    assert not out.exists()
    err = capsys.readouterr().err
    assert "Ingen adgang" in err and "hører ikke til kommunen (999)" in err
    assert refusals(two_db) == [("council", "council", "dialogark 101001", err.split(": ", 1)[1].strip(), CLI)]
    # The own school's sheet is made, with its own result (6 of 10 good = 60,0 %), and the export is audited.
    own = tmp_path / "a.html"
    assert reports_main([*argv[:4], "999001", *argv[5:], "--out", str(own)]) == 0
    assert "60,0 %" in own.read_text(encoding="utf-8") and "80,0 %" not in own.read_text(encoding="utf-8")
    assert query(two_db, "SELECT object, origin FROM audit_log WHERE action = 'export'") == [("report:dialogue", CLI)]


def test_a_leader_asking_for_another_school_is_refused_and_audited(two_db, tmp_path, capsys):
    argv = ["dialogue", "--db", str(two_db), "--institution", "999002", "--as", "leader:999001"]
    assert reports_main([*argv, "--out", str(tmp_path / "b.xlsx")]) == 1
    assert "Institution 999002 findes ikke eller er ikke din." in capsys.readouterr().err
    assert refusals(two_db) == [
        ("leader:999001", "leader", "dialogark 999002", "Institution 999002 findes ikke eller er ikke din.", CLI)
    ]


def test_no_samtale_with_another_municipalitys_school(two_db, tmp_path, capsys):
    """The samtale's test results came from the engine with the school's own municipality as the own one:
    as the council of 999, Skole K's 80 % good readers (8 of 10). A samtale is held with the own schools only."""
    from dialogue import samtale
    from dialogue.mandatory_tests import mandatory_tests

    refused = "Institution 101001 hører ikke til kommunen (999)"
    with database.read(two_db) as con, pytest.raises(AccessDenied, match=re.escape(refused)):
        mandatory_tests(con, Viewer.parse("council"), "101001", 2020)
    with pytest.raises(AccessDenied, match="hører ikke til kommunen"):
        samtale.create_samtale(
            two_db, Viewer.parse("administration"), institution_id="101001", school_year=2020, author="chef"
        )
    out = tmp_path / "k.html"
    argv = ["samtale", "--db", str(two_db), "--institution", "101001", "--year", "2020/21", "--as", "council"]
    assert reports_main([*argv, "--out", str(out)]) == 1
    assert not out.exists() and refused in capsys.readouterr().err
    assert [(who, obj, origin) for who, _, obj, _, origin in refusals(two_db)] == [
        ("chef", "samtale:101001:2020", None),
        ("council", "samtale:101001:2020", CLI),
    ]
    # The own school's results, as before: 6 of 10 good readers.
    with database.read(two_db) as con:
        own = mandatory_tests(con, Viewer.parse("council"), "999001", 2020)
    good = next(r for r in own.rows if r.indicator.id == "nt_share_good")
    assert good.school[2020].value == pytest.approx(0.6)


def _samtale_page_refusals(db: str) -> None:
    """As app.py runs a page for a leader of A: a read of B's samtale, and a note for B, each refused and shown."""
    from pathlib import Path

    from core import database
    from core.errors import KvalitetsdialogError
    from core.viewer import Viewer
    from dashboards import widgets
    from dashboards.context import Context, set_current
    from dialogue import add_note, samtale

    generation = database.current_generation(Path(db))
    ctx = Context(Path(db), Viewer.parse("leader:999001"), generation, 999, False, "leder@x.dk", "app 10.0.0.4")
    set_current(ctx)
    try:
        ctx.read(samtale.school_samtale, "999002", 2020)
    except KvalitetsdialogError as e:
        widgets.show_error(e)
    widgets.write(
        ctx, add_note, institution_id="999002", school_year=2020, note_kind="assessment", text="x", success="gemt"
    )


def test_a_refusal_on_a_page_is_audited_once(two_db):
    """Context.read recorded a refused read and the page's error display recorded it again; a refused
    write (recorded by the layer that refuses it) was shown and recorded by the display only."""
    at = AppTest.from_function(_samtale_page_refusals, args=(str(two_db),), default_timeout=30).run()
    assert not at.exception
    assert len(at.error) == 2
    assert refusals(two_db) == [
        (
            "leder@x.dk",
            "leader",
            "note: Institutionens vurdering, institution 999002",
            "Du kan ikke skrive notater for institution 999002.",
            "app 10.0.0.4",
        ),
        (
            "leder@x.dk",
            "leader",
            "samtale:999002:2020",
            "Du har ikke adgang til skoleudviklingssamtalen for institution 999002.",
            "app 10.0.0.4",
        ),
    ]


def _page_that_catches_a_refusal(db: str) -> None:
    """A page as the council: it tries an upload (only the administration may) and shows the error."""
    from pathlib import Path

    from core.errors import KvalitetsdialogError
    from core.viewer import Viewer
    from dashboards import importing
    from dashboards.context import Context, set_current
    from dashboards.widgets import show_error

    ctx = Context(Path(db), Viewer.parse("council"), 1, 999, demo=False, user="byraad@x.dk", origin="app 10.0.0.3")
    set_current(ctx)
    try:
        importing.import_upload(ctx.db, ctx.viewer, "trivsel.csv", b"x", dry_run=True, user=ctx.who, origin=ctx.origin)
    except KvalitetsdialogError as e:
        show_error(e)


def test_a_refusal_in_the_app_is_audited(two_db):
    """A page shows a refusal and records it with the session's user and origin (app.py does the same)."""
    at = AppTest.from_function(_page_that_catches_a_refusal, args=(str(two_db),), default_timeout=30).run()
    assert not at.exception
    assert [shown(e.value) for e in at.error] == ["**Ingen adgang**\n\nKun forvaltningen kan indlæse data."]
    assert refusals(two_db) == [
        ("byraad@x.dk", "council", "indlæsning: trivsel.csv", "Kun forvaltningen kan indlæse data.", "app 10.0.0.3")
    ]


def test_every_command_records_the_os_account(two_db, tmp_path):
    extract = tmp_path / "trivsel.csv"
    extract.write_bytes(GOOD.replace(b"2025/2026", b"2024/2025"))
    roles_file = write_csv(tmp_path / "roller.csv", [["bruger", "rolle"], ["chef@x.dk", "forvaltning"]])
    assert loaders_main(["import", "--db", str(two_db), "--user", "chef", str(extract)]) == 0
    assert indicators_main(["export", "--db", str(two_db), "--as", "public", "--out", str(tmp_path / "e.csv")]) == 0
    assert reports_main(["status", "--db", str(two_db), "--out", str(tmp_path / "s.xlsx"), "--as", "council"]) == 0
    assert access_main(["--db", str(two_db), "--user", "chef", "roles", str(roles_file)]) == 0
    assert access_main(["--db", str(two_db), "--user", "chef", "audit", "--out", str(tmp_path / "log.csv")]) == 0
    got = query(two_db, "SELECT who, action, object, origin FROM audit_log ORDER BY audit_id")
    assert got == [
        ("chef", "import", "trivsel.csv", CLI),
        ("cli:public", "export", "indicators export", CLI),
        ("council", "export", "report:status", CLI),
        ("chef", "role_change", "chef@x.dk", CLI),
        ("chef", "export", "revisionslog", CLI),
    ]
    assert "mallory" not in ACCOUNT


def test_refusals_are_one_kind_of_error(two_db):
    """Every "Ingen adgang" below the pages is an AccessDenied. A refused change is recorded where it is
    refused (once); a refused read where it is caught (Context.read, a command)."""
    from access import auditlog, roles
    from dashboards import importing
    from dialogue import add_note
    from indicators.goals import store
    from loaders import import_log
    from reports import data

    council = Viewer.parse("council")
    with database.read(two_db) as con:
        for call in (
            lambda: auditlog.entries(con, council),
            lambda: roles.assignments(con, council),
            lambda: import_log.batches(con, council),
            lambda: store.changes(con, council),
            lambda: data.dialogue_sheet(con, Viewer.parse("public"), "999001"),
        ):
            with pytest.raises(AccessDenied):
                call()
    assert refusals(two_db) == []  # reads: the caller records them
    with pytest.raises(AccessDenied):
        importing.import_upload(two_db, council, "x.csv", b"x", dry_run=True, user="byraad", origin="app a")
    with pytest.raises(AccessDenied):
        add_note(
            two_db,
            Viewer.parse("leader:999001"),
            institution_id="999002",
            school_year=2020,
            note_kind="assessment",
            text="x",
            author="leder",
            origin="app b",
        )
    with pytest.raises(AccessDenied):
        roles.assign(two_db, "y@x.dk", "forvaltning", "", council, "byraad", "app c")
    assert refusals(two_db) == [
        ("byraad", "council", "indlæsning: x.csv", "Kun forvaltningen kan indlæse data.", "app a"),
        ("byraad", "council", "roller", "Kun forvaltningen kan se og rette rollerne.", "app c"),
        (
            "leder",
            "leader",
            "note: Institutionens vurdering, institution 999002",
            "Du kan ikke skrive notater for institution 999002.",
            "app b",
        ),
    ]

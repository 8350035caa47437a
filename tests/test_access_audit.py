"""The audit log: filtered and exported by the administration only, formula-safe; uploads cannot inject SQL."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from access import __main__ as cli
from access import auditlog, roles
from core import audit, database
from core.errors import KvalitetsdialogError
from core.viewer import ADMINISTRATION, Viewer
from dashboards import importing
from loaders import ImportRejected, import_files
from tests.fixtures_files import query, write_csv
from tests.test_app_pages import APP

FORMULA = "=cmd|'/c calc'!A1"
INJECTION = '"; DROP TABLE institutions; --'


def _entries(db, **filters):
    with database.read(db) as con:
        return auditlog.entries(con, ADMINISTRATION, **filters)


def test_filters_by_action_person_and_day(db):
    audit.record(db, Viewer.parse("council"), "export", "indikatorer", who="b@x.dk", origin="app 10.0.0.1")
    audit.record(db, ADMINISTRATION, "login", "session", who="a@x.dk", origin="app 10.0.0.2")
    audit.record(db, ADMINISTRATION, "download", "målark", who="a@x.dk", origin="app 10.0.0.2")
    assert list(_entries(db)["action"]) == ["download", "login", "export"]  # newest first
    assert list(_entries(db, actions=("login", "export"))["who"]) == ["a@x.dk", "b@x.dk"]
    assert list(_entries(db, who="B@X")["object"]) == ["indikatorer"]
    today = date.today()
    assert len(_entries(db, since=today, until=today)) == 3
    assert _entries(db, until=today - timedelta(days=1)).empty


@pytest.mark.parametrize("viewer", ["council", "public", "leader:999001"])
def test_only_the_administration_reads_the_log(db, viewer):
    with database.read(db) as con, pytest.raises(KvalitetsdialogError, match="Kun forvaltningen"):
        auditlog.entries(con, Viewer.parse(viewer))


def test_the_export_cannot_run_a_formula(db):
    audit.record(db, ADMINISTRATION, "note_change", FORMULA, who="@SUM(A1)", origin="app")
    rows = list(csv.reader(io.StringIO(auditlog.to_csv(_entries(db)).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Tidspunkt", "Hvem", "Rolle", "Handling", "Hvad", "Detaljer", "Hvorfra"]
    assert rows[1][1:6] == ["'@SUM(A1)", "administration", "Noteændring", "'" + FORMULA, ""]


def test_command_line_export_is_itself_recorded(db, tmp_path):
    audit.record(db, ADMINISTRATION, "login", "session", who="a@x.dk")
    out = tmp_path / "log.csv"
    assert cli.main(["--db", str(db), "audit", "--action", "login", "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").count("a@x.dk") == 1
    assert query(db, "SELECT action, object, details FROM audit_log ORDER BY audit_id DESC LIMIT 1") == [
        ("export", "revisionslog", f"1 rækker til {out}")
    ]


def test_imports_from_the_app_and_the_command_line_are_recorded(sample_db, tmp_path):
    from tests.test_app_data import BAD, GOOD

    importing.import_upload(
        sample_db, ADMINISTRATION, "trivsel.csv", GOOD, dry_run=False, user="chef@x.dk", origin="app 10.0.0.9"
    )
    with pytest.raises(ImportRejected):
        importing.import_upload(
            sample_db, ADMINISTRATION, "fejl.csv", BAD, dry_run=False, user="chef@x.dk", origin="app 10.0.0.9"
        )
    path = tmp_path / "trivsel.csv"
    path.write_bytes(GOOD)
    import_files(sample_db, [path], user="drift")
    got = query(
        sample_db,
        "SELECT who, object, json_extract_string(details, '$.status'), origin FROM audit_log "
        "WHERE action = 'import' AND who IN ('chef@x.dk', 'drift') ORDER BY audit_id",
    )
    assert got == [
        ("chef@x.dk", "trivsel.csv", "indlæst", "app 10.0.0.9"),
        ("chef@x.dk", "fejl.csv", "afvist", "app 10.0.0.9"),
        ("drift", "trivsel.csv", "uændret", audit.command_line()),
    ]


def test_a_hostile_header_and_cell_stay_data(sample_db, tmp_path):
    # Upload hardening: column names and cells never reach SQL as code, and a formula stays text.
    extract = write_csv(
        tmp_path / "trivsel.csv",
        [
            [
                "skoleår",
                "institutionsnummer",
                "klassetrin",
                "trivselsindikator",
                "indikatorsvar",
                "antal besvarelser",
                INJECTION,
            ],
            ["2025/2026", "999001", "5", "Social trivsel", "4,1", "20", FORMULA],
        ],
    )
    import_files(sample_db, [extract], user=FORMULA)
    assert query(sample_db, "SELECT count(*) FROM institutions")[0][0] > 0
    assert query(sample_db, "SELECT imported_by FROM import_batches ORDER BY batch_id DESC LIMIT 1") == [(FORMULA,)]
    bad = write_csv(
        tmp_path / "trivsel2.csv",
        [
            ["skoleår", "institutionsnummer", "klassetrin", "trivselsindikator", "indikatorsvar", "antal besvarelser"],
            ["2025/2026", INJECTION, "5", FORMULA, "4,1", "20"],
        ],
    )
    with pytest.raises(ImportRejected) as e:
        import_files(sample_db, [bad])
    assert INJECTION in e.value.message and FORMULA in e.value.message  # reported as data, verbatim
    roles_file = write_csv(tmp_path / "roller.csv", [["bruger", "rolle", INJECTION], [FORMULA, "forvaltning", ""]])
    roles.load_file(sample_db, roles_file, ADMINISTRATION, "test")
    assert query(sample_db, "SELECT user_id FROM role_assignments") == [(FORMULA,)]
    assert query(sample_db, "SELECT count(*) FROM institutions")[0][0] > 0


def test_the_page_shows_roles_and_log_to_the_administration(sample_db, monkeypatch):
    roles.assign(sample_db, "chef@x.dk", "forvaltning", "", ADMINISTRATION, "opsætning")
    monkeypatch.setenv("KVALITETSDIALOG_DB", str(sample_db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = "administration"
    at.run()
    at.switch_page("dashboards/audit_page.py").run()
    assert not at.exception and not at.error
    assert at.main.dataframe[0].value["Bruger"].tolist() == ["chef@x.dk"]
    assert "Rolleændring" in at.main.dataframe[1].value["Handling"].tolist()
    at.main.text_input[0].input("ny@x.dk")
    at.main.selectbox[0].select("council")
    at.main.button[0].click().run()  # the form's "Gem rolle"
    assert not at.exception and not at.error
    assert query(sample_db, "SELECT role FROM role_assignments WHERE user_id = 'ny@x.dk'") == [("council",)]
    assert query(sample_db, "SELECT who, origin FROM audit_log WHERE object = 'ny@x.dk'") == [
        ("app:administration", "app (localhost)")
    ]

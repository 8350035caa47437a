"""The demo never holds real data, and the sample is never built into a database that exists.

The demo database (the sample municipality, Eksempelby, code 999) opens with a viewer picker
where anyone chooses who to see as; so nothing of a real municipality may be imported into it,
and a real database must never turn into a demo, not even when its sidecar files are lost.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import database
from core.errors import KvalitetsdialogError
from core.viewer import ADMINISTRATION
from dashboards import importing
from loaders import ImportRejected, import_files
from loaders.__main__ import main as loaders_main
from sample_data import build_database, sample_files
from tests.fixtures_files import query, snapshot, write_csv
from tests.test_app_data import GOOD
from tests.test_app_pages import APP, main_text

AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-0123456789abcdef",
    "client_id": "kvalitetsdialog",
    "client_secret": "test-secret",
    "server_metadata_url": "http://localhost:9/.well-known/openid-configuration",
}
# An institution of København (101) from the municipality's own list, and its well-being.
COPENHAGEN = [["institution_id", "navn", "type", "kommunekode"], ["101001", "Skole K", "skole", "101"]]
COPENHAGEN_WELLBEING = [
    ["skoleår", "institutionsnummer", "klassetrin", "trivselsindikator", "indikatorsvar", "antal besvarelser"],
    ["2024/2025", "101001", "5", "Social trivsel", "4,1", "20"],
]


def demo_flag(db: Path) -> list[tuple]:
    return query(db, "SELECT value FROM meta WHERE key = 'demo'")


@pytest.fixture
def real_db(tmp_path) -> Path:
    """A real (non-demo) database: the register, the own list, well-being and the goal sheet."""
    db = tmp_path / "kommune.duckdb"
    files = [f for f in sample_files() if f.name[:2] in ("01", "02", "12", "14")]
    import_files(db, files, user="drift")
    return db


def start_app(db: Path, monkeypatch, *, login: bool) -> AppTest:
    monkeypatch.setenv("KVALITETSDIALOG_DB", str(db))
    monkeypatch.delenv("KVALITETSDIALOG_DEMO", raising=False)
    monkeypatch.delenv("KVALITETSDIALOG_VIEWER", raising=False)
    at = AppTest.from_file(APP, default_timeout=120)
    if login:
        at.secrets["auth"] = AUTH
        at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("login", [False, True])
def test_losing_the_sidecar_files_changes_nothing_in_a_real_database(real_db, monkeypatch, login):
    """A database restored from a backup without <db>.generation, .gate and .lock is the same database."""
    before = snapshot(real_db)
    goals = query(real_db, "SELECT goal_id, version, title FROM goal_versions ORDER BY 1, 2")
    assert goals and demo_flag(real_db) == []
    for suffix in (".generation", ".gate", ".lock"):
        Path(f"{real_db}{suffix}").unlink(missing_ok=True)
    at = start_app(real_db, monkeypatch, login=login)
    assert snapshot(real_db) == before  # every data table, the goals among them, row for row
    assert query(real_db, "SELECT goal_id, version, title FROM goal_versions ORDER BY 1, 2") == goals
    assert demo_flag(real_db) == []
    assert not at.sidebar.selectbox  # no viewer picker
    text = main_text(at)
    assert "Demo" not in text and "syntetiske" not in text
    if login:
        assert [b.label for b in at.main.button] == ["Log ind"]
    else:
        assert "Login er ikke sat op endnu" in text
    assert database.current_generation(real_db) > 0  # the mirror file is back


def test_with_login_configured_the_demo_has_no_picker(sample_db, monkeypatch):
    at = start_app(sample_db, monkeypatch, login=True)
    assert not at.sidebar.selectbox and "Se som" not in main_text(at)
    assert [b.label for b in at.main.button] == ["Log ind"]


def test_the_sample_is_built_only_into_a_new_file(real_db):
    before = snapshot(real_db)
    with pytest.raises(KvalitetsdialogError, match="findes allerede; eksempeldata bygges kun i en ny databasefil"):
        build_database(real_db)
    assert snapshot(real_db) == before and demo_flag(real_db) == []


def test_no_real_municipality_is_imported_into_the_demo(sample_db, tmp_path, capsys):
    own_list = write_csv(tmp_path / "liste.csv", COPENHAGEN)
    wellbeing = write_csv(tmp_path / "trivsel.csv", COPENHAGEN_WELLBEING)
    before = snapshot(sample_db)
    # From the command line, the institution and its data in one import: both files are refused.
    assert loaders_main(["import", "--db", str(sample_db), str(own_list), str(wellbeing)]) == 1
    err = capsys.readouterr().err
    assert "liste.csv" in err and "trivsel.csv" in err  # each file says why
    # The message names the whole sample, Eksempelby and its six fictional neighbours, which may be imported.
    assert (
        f"Databasen {sample_db} er demodatabasen med eksempeldata for de fiktive kommuner Eksempelby (999), "
        "Nordlund (991), Sønderå (992), Vesterhede (993), Østermark (994), Skovbjerg (995) og Fjordby (996), "
        "og filen har data for institutioner uden for dem (fx 101001)."
    ) in " ".join(err.split())
    assert "python -m loaders import --db data/kommune.duckdb FIL" in err and "KVALITETSDIALOG_DB" in err
    # From the app's upload, even a dry run says so.
    with pytest.raises(ImportRejected, match="demodatabasen"):
        importing.import_upload(sample_db, ADMINISTRATION, "liste.csv", own_list.read_bytes(), dry_run=True)
    # An institution register row of another municipality (BEL_KOMMUNE) is refused the same way.
    register = sample_files()[0].read_text(encoding="utf-8").splitlines()
    foreign = register[1].replace("999001;", "101001;", 1).replace(";999;Eksempelby Kommune;", ";101;København;")
    path = tmp_path / "register.csv"
    path.write_text("\n".join([register[0], foreign]) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected, match="demodatabasen"):
        import_files(sample_db, [path])
    assert snapshot(sample_db) == before
    statuses = query(sample_db, "SELECT file_name, status FROM import_batches WHERE status = 'afvist' ORDER BY 1")
    assert statuses == [("liste.csv", "afvist"), ("register.csv", "afvist"), ("trivsel.csv", "afvist")]
    # What the message says may be imported is: a school of the fictional neighbour Fjordby (996) and its data.
    fjordby = [COPENHAGEN[0], ["996001", "Fjordskolen", "skole", "996"]]
    fjordby_wellbeing = [
        COPENHAGEN_WELLBEING[0],
        [*COPENHAGEN_WELLBEING[1][:1], "996001", *COPENHAGEN_WELLBEING[1][2:]],
    ]
    files = [
        write_csv(tmp_path / "fjordby.csv", fjordby),
        write_csv(tmp_path / "fjordby_trivsel.csv", fjordby_wellbeing),
    ]
    assert [r.rows_loaded for r in import_files(sample_db, files)] == [1, 1]


def test_the_sample_municipality_itself_may_be_added_to_the_demo(sample_db, tmp_path):
    extract = tmp_path / "trivsel-2025.csv"
    extract.write_bytes(GOOD)  # a new school year for Nørrevangsskolen (999001)
    assert import_files(sample_db, [extract])[0].rows_loaded == 2


def test_a_real_database_takes_any_municipality(real_db, tmp_path):
    files = [write_csv(tmp_path / "liste.csv", COPENHAGEN), write_csv(tmp_path / "trivsel.csv", COPENHAGEN_WELLBEING)]
    assert [r.rows_loaded for r in import_files(real_db, files)] == [1, 1]
    assert query(real_db, "SELECT municipality_code FROM institutions WHERE institution_id = '101001'") == [(101,)]

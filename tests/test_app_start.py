"""Starting the app: first start builds the sample, real data without login, empty states, new data."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core import database
from loaders import import_files
from tests.test_app_data import GOOD
from tests.test_app_pages import APP, main_text, open_page


def run(db: Path, monkeypatch, viewer_env: str | None = None) -> AppTest:
    monkeypatch.setenv("KVALITETSDIALOG_DB", str(db))
    if viewer_env is None:
        monkeypatch.delenv("KVALITETSDIALOG_VIEWER", raising=False)
        monkeypatch.delenv("KVALITETSDIALOG_DEMO", raising=False)
    else:  # real data is shown without login only in demo mode, with its picker and banner
        monkeypatch.setenv("KVALITETSDIALOG_DEMO", "1")
        monkeypatch.setenv("KVALITETSDIALOG_VIEWER", viewer_env)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_first_start_builds_the_sample_database(tmp_path, monkeypatch):
    db = tmp_path / "new" / "kvalitetsdialog.duckdb"
    at = run(db, monkeypatch)
    assert db.exists() and database.current_generation(db) > 0
    assert "Demo – syntetiske data (fiktiv kommune)" in main_text(at)
    assert at.main.title[0].value == "Overblik – Eksempelby Kommune"


def test_real_data_without_login_shows_a_danish_message(db, monkeypatch):
    at = run(db, monkeypatch)
    assert "Login er ikke sat op endnu" in at.main.info[0].value
    assert not at.main.title  # no page is offered


def test_empty_database_says_what_to_import(db, monkeypatch):
    at = run(db, monkeypatch, viewer_env="administration")
    text = main_text(at)
    assert "Kommunen har ingen mål endnu" in text
    assert "python -m loaders import" in text
    assert "Demotilstand" in text and "syntetiske" not in text  # demo mode on real data, not the sample's banner


def test_an_import_from_the_command_line_shows_without_a_restart(sample_db, monkeypatch, tmp_path):
    at = open_page(sample_db, monkeypatch, "administration", "data")
    assert "2025/26" not in main_text(at)
    extract = tmp_path / "trivsel-2025.csv"
    extract.write_bytes(GOOD)
    import_files(sample_db, [extract], user="kommandolinje")  # what python -m loaders import does
    at.run()
    assert not at.exception
    assert "2025/26" in main_text(at)  # the coverage table moved to the new generation
    assert at.main.dataframe[0].value.iloc[0]["Fil"] == "trivsel-2025.csv"

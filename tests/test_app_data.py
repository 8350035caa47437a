"""The Data page: an upload is checked without writing, loaded on "Indlæs", and logged."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import database
from core.viewer import Viewer
from dashboards import importing
from loaders import ImportRejected
from tests.test_app_pages import main_text, open_page, shown

# Well-being in the ministry's long shape, Windows-1252, decimal commas: a new school year for one school.
GOOD = (
    "skoleår;institutionsnummer;institution;klassetrin;trivselsindikator;indikatorsvar;antal besvarelser\n"
    "2025/2026;999001;Nørrevangsskolen;5;Social trivsel;4,1;20\n"
    "2025/2026;999001;Nørrevangsskolen;5;Ro og orden;3,6;20\n"
).encode("cp1252")
# Row 3 (the spreadsheet row, header = row 1) has a value outside 1-5.
BAD = (
    "skoleår;institutionsnummer;institution;klassetrin;trivselsindikator;indikatorsvar;antal besvarelser\n"
    "2025/2026;999001;Nørrevangsskolen;5;Social trivsel;4,1;20\n"
    "2025/2026;999001;Nørrevangsskolen;5;Ro og orden;7,2;20\n"
).encode("cp1252")


def wellbeing_rows(db: Path, year: int) -> list[tuple]:
    with database.read(db) as con:
        return con.execute(
            "SELECT indicator, value, respondents FROM wellbeing WHERE school_year = ? ORDER BY indicator", [year]
        ).fetchall()


def test_upload_is_checked_then_loaded_and_logged(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "administration", "data")
    at.file_uploader(key="data_upload").upload("trivsel-2025.csv", GOOD, "text/csv").run()
    assert not at.exception
    assert any("prøvekørsel uden fejl" in shown(i.value) for i in at.main.info)
    assert wellbeing_rows(sample_db, 2025) == []  # the check wrote nothing

    at.button(key="data_load").click().run()
    assert not at.exception and not at.error
    assert any("indlæst: 2 rækker" in shown(s.value) for s in at.main.success)
    assert wellbeing_rows(sample_db, 2025) == [("order", 3.6, 20), ("social", 4.1, 20)]
    log = at.main.dataframe[0].value
    assert log.iloc[0]["Fil"] == "trivsel-2025.csv" and log.iloc[0]["Status"] == "indlæst"
    assert "2025/26" in main_text(at)  # the coverage table has the new year
    assert not [b for b in at.main.button if b.key == "data_load"]  # the loaded file left the uploader


def test_rejected_upload_shows_row_column_and_reason_and_writes_nothing(sample_db, monkeypatch):
    generation = database.current_generation(sample_db)
    at = open_page(sample_db, monkeypatch, "administration", "data")
    at.file_uploader(key="data_upload").upload("trivsel-fejl.csv", BAD, "text/csv").run()
    assert "kan ikke indlæses" in shown(at.main.error[0].value)
    report = at.main.dataframe[0].value
    assert list(report.columns) == ["Fil", "Række", "Kolonne", "Besked", "Type"]
    assert report.iloc[0]["Række"] == 3 and report.iloc[0]["Kolonne"] == "indikatorsvar"
    assert not [b for b in at.main.button if b.key == "data_load"]
    assert database.current_generation(sample_db) == generation


def test_import_upload_is_for_the_administration_only(sample_db):
    with pytest.raises(Exception, match="Kun forvaltningen"):
        importing.import_upload(sample_db, Viewer.parse("council"), "x.csv", GOOD, dry_run=True)


def test_problems_csv_opens_in_danish_excel(sample_db):
    with pytest.raises(ImportRejected) as caught:
        importing.import_upload(sample_db, Viewer.parse("administration"), "trivsel-fejl.csv", BAD, dry_run=True)
    problems, truncated = importing.rejected_problems(caught.value)
    text = importing.problems_csv(problems).decode("utf-8-sig")
    assert text.splitlines()[0] == "Fil;Række;Kolonne;Besked;Type"
    assert text.splitlines()[1].startswith("trivsel-fejl.csv;3;indikatorsvar;")
    assert truncated == 0

"""Pages that explain themselves: they open on an institution with data, and say why a goal has none.

The Institution, Dialog and Skoleudviklingssamtale pages open on the leader's own institution, else
the first one with any figure, on the sample and on a register shaped like the ministry's real export
(whose first institution by name has no data). A goal or a test result that cannot be followed says
why on the pages and in the reports (the reasons themselves: ``tests/test_goal_reasons.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

import reports
from core import database
from core.viewer import Viewer
from dialogue import samtale as samtaler
from indicators import save_goal, units
from loaders.importer import import_files
from tests.fixtures_files import write_csv, write_register
from tests.test_app_pages import open_page
from tests.test_goals import goal
from tests.test_loaders_register import WELLBEING

ADMIN = Viewer.parse("administration")
# The sample's transition tests (2022/23-2024/25) carry the ministry's performance levels, so the level goals
# are followed in those years; its færdighedstest (the first, 2026/27) gives points only, no levels.
SKILLS_YEAR = 2026
NO_LEVELS = "testene i 2026/27 (færdighedstest) kun giver point og ingen præstationsniveauer"


@pytest.fixture
def register_db(tmp_path: Path) -> Path:
    """Aarhus (751) from a register export as the ministry writes it, and well-being for two of its schools:
    Lystrup Skole (727009) and Åbyskolen's department (751051). Frijsenborg Friskole and Kærgårdsskolen,
    first by name, have nothing."""
    db = tmp_path / "aarhus.duckdb"
    import_files(db, [write_register(tmp_path / "Folkeskoler.csv")])
    import_files(db, [write_csv(tmp_path / "trivsel.csv", WELLBEING, encoding="cp1252")])
    return db


def test_the_first_institution_with_data_on_a_real_shaped_register(register_db):
    with database.read(register_db) as con:
        listed = list(units.institutions(con, ADMIN, 751)["name"])
        opens = units.first_with_data(con, ADMIN, 751)
        leader = units.first_with_data(con, Viewer.parse("leader:751050"), 751)
    assert listed[:3] == ["Frijsenborg Friskole", "Kærgårdsskolen", "Lystrup Skole"]  # the first two have no data
    assert opens == "727009"  # Lystrup Skole: the first with a figure
    # a leader opens on their own (Åbyskolen has no figure of its own; it is all the leader may see)
    assert leader == "751050"


@pytest.mark.parametrize("page", ["institution", "dialogue_page", "samtale_page"])
def test_the_pages_open_on_an_institution_with_data_on_a_real_shaped_register(register_db, monkeypatch, page):
    monkeypatch.setenv("KVALITETSDIALOG_KOMMUNE", "751")
    monkeypatch.setenv("KVALITETSDIALOG_DEMO", "1")
    at = open_page(register_db, monkeypatch, "administration", page)
    assert at.session_state["institution"] == "727009"
    assert at.main.selectbox(key="institution").value == "727009"
    if page == "institution":
        assert at.title[0].value == "Lystrup Skole"


def test_the_institution_page_opens_with_data_on_the_sample(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "administration", "institution")
    with database.read(sample_db) as con:
        expected = units.first_with_data(con, ADMIN, 999)
        name = units.institutions(con, ADMIN, 999).set_index("institution_id").loc[expected, "name"]
    assert at.title[0].value == name
    assert at.main.get("plotly_chart"), "the first screen has a chart"
    assert not [i.value for i in at.main.info if "ingen tal" in i.value.lower()]


def test_the_goal_card_says_why_a_goal_has_no_data(register_db, monkeypatch):
    """Aarhus has well-being figures but no absence figures: the absence goal's card says so."""
    save_goal(register_db, goal("F1", "abs_mean_pct", "<=", 5, "2026/27"), "test")
    monkeypatch.setenv("KVALITETSDIALOG_KOMMUNE", "751")
    monkeypatch.setenv("KVALITETSDIALOG_DEMO", "1")
    at = open_page(register_db, monkeypatch, "administration", "overblik")
    assert any("ingen data, fordi der ikke er indlæst nogen fraværstal endnu" in m.value for m in at.main.markdown)


def test_the_matrix_and_the_dialog_page_say_why_a_goal_has_no_data(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "administration", "skoler")
    at.selectbox(key="skoler_year").set_value(2024).run()
    # 2024/25: transition tests with levels, so only the daycares' suppressed language goal lacks data
    assert list(at.main.table[0].value["Mål"]) == ["L2: 90 % af børnene i generel indsats"]
    at.selectbox(key="skoler_year").set_value(SKILLS_YEAR).run()
    why = set(at.main.table[0].value["Hvorfor ingen data"])
    assert f"Ingen data, fordi {NO_LEVELS}." in why
    at = open_page(sample_db, monkeypatch, "administration", "dialogue_page")
    at.selectbox(key="dialogue_year").set_value(2024).run()
    followed = re.compile(r"Andel gode \(nationale test\) \w+ fra [\d,]+ % i 2023/24 til [\d,]+ % i 2024/25")
    assert any(followed.search(m.value) for m in at.main.markdown)
    assert not any("præstationsniveauer" in m.value for m in at.main.markdown)
    at.selectbox(key="dialogue_year").set_value(SKILLS_YEAR).run()
    assert any(f"fordi {NO_LEVELS}" in m.value for m in at.main.markdown)


def test_the_reports_say_why_a_goal_has_no_data(sample_db, tmp_path):
    with database.read(sample_db) as con:
        followed = reports.status(con, ADMIN, kommune=999, year=2024, fmt="html").decode("utf-8")
        status = reports.status(con, ADMIN, kommune=999, year=SKILLS_YEAR, fmt="html").decode("utf-8")
        sheet = reports.dialogue(con, ADMIN, "999001", year=SKILLS_YEAR, kommune=999, fmt="html").decode("utf-8")
        workbook = reports.status(con, ADMIN, kommune=999, year=SKILLS_YEAR, fmt="xlsx")
    assert "præstationsniveauer" not in followed  # 2024/25: transition tests with levels
    assert f"fordi {NO_LEVELS}" in status  # the municipality's goals
    assert "Hvorfor ingen data" in status and f"Ingen data, fordi {NO_LEVELS}." in status  # the matrix
    assert f"fordi {NO_LEVELS}" in sheet
    path = tmp_path / "status.xlsx"
    path.write_bytes(workbook)
    cells = [str(c.value) for r in load_workbook(path)["Mål"].iter_rows() for c in r if c.value]
    assert any(f"fordi {NO_LEVELS}" in c for c in cells)


def test_the_samtale_says_why_a_test_result_is_missing(sample_db, tmp_path):
    """The level indicators were shown for 2022/23-2024/25 (transition tests with levels); in 2026/27 the
    færdighedstest gives points only. 2024/25 itself is followed: no such reason."""
    samtaler.create_samtale(sample_db, ADMIN, institution_id="999001", school_year=2024, held_on="2024-11-10")
    samtaler.create_samtale(sample_db, ADMIN, institution_id="999001", school_year=SKILLS_YEAR, held_on="2026-11-10")
    expected = (
        "Andel gode (nationale test) (Dansk, læsning og Matematik); "
        "Andel fremragende (nationale test) (Dansk, læsning og Matematik); "
        "Andel med dårlige resultater (nationale test) (Dansk, læsning og Matematik)"
        f": ingen værdi for 2026/27, fordi {NO_LEVELS}."
    )
    with database.read(sample_db) as con:
        followed = reports.samtale(con, ADMIN, "999001", year=2024, fmt="html").decode("utf-8")
        html = reports.samtale(con, ADMIN, "999001", year=SKILLS_YEAR, fmt="html").decode("utf-8")
        workbook = reports.samtale(con, ADMIN, "999001", year=SKILLS_YEAR, fmt="xlsx")
    assert "Andel gode (nationale test)" in followed and "præstationsniveauer" not in followed
    assert expected in html
    path = tmp_path / "referat.xlsx"
    path.write_bytes(workbook)
    cells = [str(c.value) for ws in load_workbook(path) for r in ws.iter_rows() for c in r if c.value]
    assert any(expected in c for c in cells)

"""The færdighedstest's profile areas in the skoleudviklingssamtale: its mandatory test results, the page and the
referat (HTML, XLSX), withheld by the engine's rules like every other value (§ 55 b)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

import reports
from core import database
from core.errors import AccessDenied
from core.viewer import Viewer
from dialogue import samtale as s
from dialogue.mandatory_tests import mandatory_tests
from loaders.importer import import_files
from tests.fixtures_files import write_csv
from tests.test_law2026 import schools  # noqa: F401  (the fixture: Nordskolen, Sydskolen and two daycares of 999)
from tests.test_samtale_page import page, texts

ADMIN = Viewer.parse("administration")
HEADER = ["elev_id", "institutionsnummer", "skoleår", "klassetrin", "fag", "profilområde", "point", "maks point"]
NORD_AFKODNING = [6, 9, 12, 3, 6]  # of 12: 0.5 + 0.75 + 1 + 0.25 + 0.5 = 3.0; / 5 pupils = 0.6


@pytest.fixture
def profile_db(schools, tmp_path: Path) -> Path:
    """2026/27 færdighedstest, grade 4 reading, whole test and profile areas; a samtale with Nordskolen that year.

    Nordskolen (999001): 5 pupils, whole test 20/40 each; Afkodning 0.6 (above); Sprogforståelse 2 pupils only.
    Sydskolen (999002): 5 pupils, whole test 40/40; Afkodning 12/12 each = 1.0.
    The municipality's Afkodning: (3.0 + 5 x 1.0) / 10 pupils = 0.8; its Sprogforståelse: Nordskolen's 2 pupils.
    """
    rows = [HEADER]
    for i, points in enumerate(NORD_AFKODNING):
        rows.append([f"n{i}", "999001", "2026/27", "4", "Dansk, læsning", "", "20", "40"])
        rows.append([f"n{i}", "999001", "2026/27", "4", "Dansk, læsning", "Afkodning", str(points), "12"])
    rows += [[f"n{i}", "999001", "2026/27", "4", "Dansk, læsning", "Sprogforståelse", "5", "10"] for i in range(2)]
    for i in range(5):
        rows.append([f"s{i}", "999002", "2026/27", "4", "Dansk, læsning", "", "40", "40"])
        rows.append([f"s{i}", "999002", "2026/27", "4", "Dansk, læsning", "Afkodning", "12", "12"])
    import_files(schools, [write_csv(tmp_path / "færdighedstest.csv", rows)])
    s.create_samtale(schools, ADMIN, institution_id="999001", school_year=2026, held_on="2026-11-10")
    return schools


def samtale_tests(db: Path, viewer: str):
    with database.read(db) as con:
        return mandatory_tests(con, Viewer.parse(viewer), "999001", 2026)


def test_the_samtale_has_the_profile_areas_of_its_year_withheld_like_any_value(profile_db):
    tests = samtale_tests(profile_db, "administration")
    assert tests.confidential
    # the whole test: 0.5 at the school, (5 x 0.5 + 5 x 1.0) / 10 = 0.75 in the municipality
    [whole] = tests.rows
    assert (whole.indicator.id, whole.school[2026].value, whole.municipality.value) == ("ft_mean_correct", 0.5, 0.75)
    areas = {a.profile_area: a for a in tests.profile_areas}
    assert list(areas) == ["Afkodning", "Sprogforståelse"]
    afkodning, sprog = areas["Afkodning"], areas["Sprogforståelse"]
    assert afkodning.indicator.id == "ft_mean_correct" and afkodning.subject == "dansk_laesning"
    assert (afkodning.school.value, afkodning.school.n) == (pytest.approx(0.6), 5)
    assert (afkodning.municipality.value, afkodning.municipality.n) == (pytest.approx(0.8), 10)
    # two pupils: withheld at the school and in the municipality (which has only them), value and n alike
    assert sprog.school.suppression == "small" and sprog.school.value is None and sprog.school.n is None
    assert sprog.municipality.suppression == "small"


def test_a_leader_gets_no_municipality_value_that_gives_another_school_away(profile_db):
    """Nordskolen's leader knows the school's 0.6 of 5 pupils: the municipality's 0.8 of 10 would give Sydskolen's
    1.0 back (a test result of another school, § 55 b), so the engine withholds it from the leader."""
    areas = {a.profile_area: a for a in samtale_tests(profile_db, "leader:999001").profile_areas}
    assert areas["Afkodning"].school.value == pytest.approx(0.6)
    assert areas["Afkodning"].municipality.suppression == "complementary"
    assert areas["Afkodning"].municipality.value is None
    with pytest.raises(AccessDenied):
        samtale_tests(profile_db, "public")


def test_the_referat_prints_the_profile_areas_in_html_and_xlsx(profile_db):
    with database.read(profile_db) as con:
        html = reports.samtale(con, ADMIN, "999001", year=2026, fmt="html").decode("utf-8")
        xlsx = reports.samtale(con, ADMIN, "999001", year=2026, fmt="xlsx")
    assert "<h3>Profilområder 2026/27</h3>" in html
    assert '<td>Afkodning</td><td class="num">60,0 %</td><td class="num">80,0 %</td>' in html
    assert '<td>Sprogforståelse</td><td class="num">&lt;5</td><td class="num">&lt;5</td>' in html
    assert "Gennemsnitlig andel korrekte svar i hvert profilområde, alle klassetrin under ét." in html
    ws = load_workbook(io.BytesIO(xlsx))["Samtale"]
    rows = {r[1]: r for r in ws.iter_rows(values_only=True) if r[1] in ("Afkodning", "Sprogforståelse")}
    assert rows["Afkodning"][:4] == ("Dansk, læsning", "Afkodning", pytest.approx(0.6), pytest.approx(0.8))
    assert rows["Sprogforståelse"][2:4] == ("<5", "<5")
    assert any(r[0] == "Profilområder 2026/27" for r in ws.iter_rows(values_only=True))


def test_the_samtale_page_shows_the_profile_areas(profile_db):
    at = page(profile_db, "administration", year=2026, school="999001")
    [table] = [df.value for df in at.dataframe if "Profilområde" in df.value.columns]
    assert table.to_dict("records") == [
        {"Fag": "Dansk, læsning", "Profilområde": "Afkodning", "Skolen": "60,0 %", "Kommunen": "80,0 %"},
        {
            "Fag": "Dansk, læsning",
            "Profilområde": "Sprogforståelse",
            "Skolen": "færre end 5",
            "Kommunen": "færre end 5",
        },
    ]
    assert "Profilområder 2026/27: gennemsnitlig andel korrekte svar i hvert profilområde" in texts(at)

"""Issue 16: the law as it stands in 2026. Skills tests from 2026/27, levels in transition tests (goal 1.1 followed
again), well-being for grades 4-9 only, the language assessment's coverage and calendar years, and the wording.
Golden values are worked out by hand in the comments."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import indicators
from core import database
from core.viewer import Viewer
from dashboards import widgets
from indicators import engine, language, profile_areas
from indicators.catalogue import CATALOGUE, CAUTION, caution
from loaders.importer import import_files
from tests.fixtures_files import write_csv

ADMIN = Viewer.parse("administration")
APP = str(Path(__file__).resolve().parent.parent / "app.py")
INSTITUTIONS = [
    ["institution_id", "navn", "type", "kommunekode", "distrikt"],
    ["999001", "Nordskolen", "skole", "999", "Nord"],
    ["999002", "Sydskolen", "skole", "999", "Syd"],
    ["D1", "Solsikken", "dagtilbud", "999", "Nord"],
    ["D2", "Mælkebøtten", "dagtilbud", "999", "Syd"],
]


@pytest.fixture
def schools(db: Path, tmp_path: Path) -> Path:
    import_files(db, [write_csv(tmp_path / "institutioner.csv", INSTITUTIONS)])
    return db


def one(db: Path, indicator: str, **kw):
    with database.read(db) as con:
        return engine.compute(con, ADMIN, indicator, kommune=999, min_n=5, **kw)


def value_of(df, level: str, unit: str, year: int) -> tuple[float, int]:
    row = df[(df["level"] == level) & (df["unit_id"] == unit) & (df["school_year"] == year)].iloc[0]
    return row["value"], row["n"]


# ------------------------------------------------------------------ færdighedstest


SKILLS = [
    # As a municipality's extract might be: Danish headers, the test kind left out (2026/27 defaults to it).
    ["Elev ID", "Institutionsnummer", "Skoleår", "Klassetrin", "Fag", "Profilområde", "Antal korrekte", "Maks point"],
    ["p1", "999001", "2026/27", "2. klasse", "Dansk, læsning", "", "20", "40"],
    ["p1", "999001", "2026/27", "2. klasse", "Dansk, læsning", "Sprogforståelse", "2", "14"],
    ["p1", "999001", "2026/27", "2. klasse", "Dansk, læsning", "Afkodning", "13", "13"],
    ["p2", "999001", "2026/27", "2. klasse", "Dansk, læsning", "", "30", "40"],
    ["p3", "999001", "2026/27", "2. klasse", "Matematik", "", "10", "20"],
    ["p4", "999001", "2026/27", "2. klasse", "Matematik", "", "15", "20"],
    ["p5", "999001", "2026/27", "2. klasse", "Matematik", "", "36", "40"],
]


def test_a_2026_27_skills_test_extract_loads_and_gives_ft_mean_correct(schools, tmp_path):
    # cp1252, semicolons, Danish headers: the loaders refused every 2026/27 test row before.
    [result] = import_files(schools, [write_csv(tmp_path / "færdighedstest.csv", SKILLS, encoding="cp1252")])
    assert result.rows_loaded == 7
    with database.read(schools) as con:
        kinds = con.execute("SELECT DISTINCT test_kind FROM test_pupil_results").fetchall()
        areas = con.execute(
            "SELECT profile_area, points FROM test_pupil_results WHERE profile_area IS NOT NULL ORDER BY 1"
        ).fetchall()
    assert kinds == [("faerdighedstest",)]
    assert areas == [("Afkodning", 13.0), ("Sprogforståelse", 2.0)]
    df = one(schools, "ft_mean_correct", subjects="all", grades="all")
    # Whole-test rows only: 20/40, 30/40, 10/20, 15/20, 36/40 = 0.5 + 0.75 + 0.5 + 0.75 + 0.9 = 3.4; / 5 = 0.68.
    # The profile-area rows (2/14, 13/13) do not move it.
    value, n = value_of(df, "municipality", "999", 2026)
    assert value == pytest.approx(0.68) and n == 5
    assert set(df["comparable_group"]) == {"faerdighedstest"}
    # Its own scale: neither the transition-test indicator nor the old tests' indicators have a 2026/27 value.
    assert one(schools, "tt_mean_correct").empty and one(schools, "nt_mean_score").empty
    assert CATALOGUE["ft_mean_correct"].confidential  # § 55 b like the other tests
    with database.read(schools) as con:
        assert engine.compute(con, Viewer.parse("public"), "ft_mean_correct", kommune=999).empty


def test_mean_correct_per_profile_area_is_computed_and_withheld_like_any_value(schools, tmp_path):
    header = ["elev_id", "institutionsnummer", "skoleår", "klassetrin", "fag", "delområde", "point", "maks point"]
    afkodning = [6, 9, 12, 3, 6]  # of 12 each: 0.5 + 0.75 + 1 + 0.25 + 0.5 = 3.0; / 5 = 0.6
    rows = [header] + [
        [f"p{i}", "999001", "2026/27", "4", "Dansk, læsning", "Afkodning", str(p), "12"]
        for i, p in enumerate(afkodning)
    ]
    rows += [[f"p{i}", "999001", "2026/27", "4", "Dansk, læsning", "Sprogforståelse", "5", "10"] for i in range(2)]
    import_files(schools, [write_csv(tmp_path / "profil.csv", rows)])
    with database.read(schools) as con:
        df = profile_areas.profile_areas(con, ADMIN, "999001", kommune=999, min_n=5)
        public = profile_areas.profile_areas(con, Viewer.parse("public"), "999001", kommune=999)
        other_leader = profile_areas.profile_areas(con, Viewer.parse("leader:999002"), "999001", kommune=999)
    own = df[df["level"] == "institution"].set_index("profile_area")
    assert own.loc["Afkodning", "value"] == pytest.approx(0.6) and own.loc["Afkodning", "n"] == 5
    # two pupils: withheld, value and n alike
    assert own.loc["Sprogforståelse", "suppressed"] and pd.isna(own.loc["Sprogforståelse", "value"])
    assert pd.isna(own.loc["Sprogforståelse", "n"])
    assert public.empty and other_leader.empty
    # the whole-test indicator has no value: the file has profile areas only
    assert one(schools, "ft_mean_correct").empty


def test_a_profile_area_on_an_old_national_test_row_is_refused(schools, tmp_path):
    rows = [
        ["elev_id", "institutionsnummer", "skoleår", "klassetrin", "fag", "profilområde", "score"],
        ["p1", "999001", "2020/21", "4", "Matematik", "Tal og algebra", "50"],
    ]
    with pytest.raises(Exception, match="profilområdet 'Tal og algebra' hører til en overgangstest"):
        import_files(schools, [write_csv(tmp_path / "nt.csv", rows)])


def test_skills_test_page_shows_ft_mean_correct(sample_db, monkeypatch):
    # The sample's færdighedstest 2026/27 on the Institution page, as the administration opens it.
    monkeypatch.setenv("KVALITETSDIALOG_DB", str(sample_db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["viewer"] = "administration"
    at.run()
    at.switch_page("dashboards/institution.py").run()
    at.selectbox(key="inst_indicator").set_value("ft_mean_correct").run()
    assert not at.exception, [e.value for e in at.exception]
    chart = at.get("plotly_chart")[0]  # the Udvikling chart comes first
    traces = json.loads(chart.proto.spec)["data"]
    lines = [t for t in traces if t.get("mode") in ("lines+markers", "markers")]
    assert lines and all(t["x"] == ["2026/27"] for t in lines)
    assert "§ 55 b" in "\n".join(c.value for c in at.main.caption)


# ------------------------------------------------------------------ levels in the transition tests


def test_level_shares_for_a_transition_test_year_from_a_small_extract(schools, tmp_path):
    rows = [["elev_id", "institutionsnummer", "skoleår", "klassetrin", "fag", "point", "maks point", "niveau"]]
    levels = ["God", "Jævn", "5", "Fremragende", "Mangelfuld", "Ikke tilstrækkelig"]
    rows += [[f"p{i}", "999001", "2023/24", "4", "Matematik", "20", "40", lv] for i, lv in enumerate(levels)]
    import_files(schools, [write_csv(tmp_path / "overgangstest.csv", rows)])
    # Six pupils: good = God, Rigtig god (5), Fremragende = 3/6; top = Fremragende = 1/6;
    # poor = Mangelfuld, Ikke tilstrækkelig = 2/6.
    for indicator, expected in (("nt_share_good", 3 / 6), ("nt_share_top", 1 / 6), ("nt_share_poor", 2 / 6)):
        df = one(schools, indicator, subjects="all", grades="all")
        value, n = value_of(df, "institution", "999001", 2023)
        assert value == pytest.approx(expected) and n == 6
        assert set(df["comparable_group"]) == {"overgangstest"}


def test_points_only_gives_the_level_indicators_no_value(schools, tmp_path):
    rows = [["elev_id", "institutionsnummer", "skoleår", "klassetrin", "fag", "point", "maks point"]]
    rows += [[f"p{i}", "999001", "2023/24", "4", "Matematik", "20", "40"] for i in range(6)]
    import_files(schools, [write_csv(tmp_path / "overgangstest.csv", rows)])
    assert one(schools, "nt_share_good").empty
    assert not one(schools, "tt_mean_correct").empty


def test_goal_1_1_is_followed_in_every_transition_test_year_of_the_sample(sample_db):
    with database.read(sample_db) as con:
        for year in (2022, 2023, 2024):
            goals = indicators.evaluate_goals(con, ADMIN, kommune=999, year=year)
            reading = goals[(goals["goal_id"] == "1.1a") & (goals["level"] == "municipality")].iloc[0]
            assert reading["status"] != "no_data" and reading["value"] == reading["value"], year
            assert 0.5 < reading["value"] < 0.8  # the sample's cut points give about 65 % good


def test_no_trend_line_joins_two_scales():
    # nt_share_good in 2020/21, 2021/22 (national tests) and 2022/23, 2023/24 (transition tests with levels).
    ind = CATALOGUE["nt_share_good"]
    frame = pd.DataFrame(
        {
            "school_year": [2020, 2021, 2022, 2023],
            "value": [0.6, 0.62, 0.7, 0.68],
            "comparable_group": [engine.comparable_group(ind, y) for y in (2020, 2021, 2022, 2023)],
        }
    )
    fig = widgets.trend_figure([frame], "nt_share_good", names=["Kommunen"], colours=["#000000"])
    lines = [list(t.x) for t in fig.data if t.mode == "lines+markers"]
    assert lines == [["2020/21", "2021/22"], ["2022/23", "2023/24"]]  # two lines, none across the break


def test_2022_23_against_2023_24_carries_the_caution(db):
    tt = CATALOGUE["tt_mean_correct"]
    assert caution(tt, 2022, 2023) == CAUTION and caution(tt, 2023, 2024) is None
    assert caution(CATALOGUE["wb_general"], 2022, 2023) is None  # not a test
    with database.write(db) as con:
        con.execute(
            "INSERT INTO institutions (institution_id, name, kind, municipality_code) "
            "VALUES ('999001', 'Nordskolen', 'skole', 999)"
        )
        con.executemany(
            "INSERT INTO test_pupil_results (batch_id, pupil_key, institution_id, school_year, grade, subject, "
            "test_kind, points, max_points) VALUES (0, ?, '999001', ?, 4, 'matematik', 'overgangstest', ?, 40)",
            [(f"{y}-{i}", y, 20 + (y - 2022) * 4) for y in (2022, 2023) for i in range(10)],
        )
    indicators.save_goal(
        db,
        {
            "goal_id": "T",
            "title": "Flere rigtige svar",
            "indicator": "tt_mean_correct",
            "scope": "kommune",
            "direction": "stigende",
        },
        "test",
    )
    with database.read(db) as con:
        goals = indicators.evaluate_goals(con, ADMIN, kommune=999)
    # 20/40 = 50,0 % in 2022/23, 24/40 = 60,0 % in 2023/24: rose, with the caution after the sentence.
    [sentence] = goals["sentence"]
    assert sentence.startswith("Andel korrekte svar (overgangstest) steg fra 50,0 % i 2022/23 til 60,0 % i 2023/24")
    assert sentence.endswith(CAUTION)


# ------------------------------------------------------------------ well-being 4-9


def test_wellbeing_pools_grades_4_to_9_and_a_grade_0_3_row_does_not_move_it(schools, tmp_path):
    rows = [["skoleår", "institutionsnummer", "klassetrin", "trivselsindikator", "indikatorsvar", "antal besvarelser"]]
    rows += [
        ["2024/25", "999001", "2", "Generel skoletrivsel", "4,5", "50"],
        ["2024/25", "999001", "4", "Generel skoletrivsel", "3,5", "10"],
        ["2024/25", "999001", "5", "Generel skoletrivsel", "4,0", "30"],
    ]
    import_files(schools, [write_csv(tmp_path / "trivsel.csv", rows)])
    df = one(schools, "wb_general")
    # Grades 4-9: (3.5 x 10 + 4.0 x 30) / 40 = 155 / 40 = 3.875, n = 40; the grade 2 row (4.5, 50) stays out.
    for level, unit in (("institution", "999001"), ("municipality", "999")):
        row = df[(df["level"] == level) & (df["unit_id"] == unit) & (df["grade"] == "all")].iloc[0]
        assert row["value"] == pytest.approx(3.875) and row["n"] == 40
    # ... and is shown apart, as its own row.
    young = df[(df["level"] == "institution") & (df["grade"] == 2)].iloc[0]
    assert young["value"] == pytest.approx(4.5) and young["n"] == 50
    assert widgets.grade_label(CATALOGUE["wb_general"], 2) == "2. klasse (indskoling)"


def test_sample_general_and_social_wellbeing_agree_in_n(sample_db):
    with database.read(sample_db) as con:
        n = {
            i: engine.compute(con, ADMIN, i, kommune=999, levels=("municipality",), grades="all", years=[2024])
            .iloc[0]
            .n
            for i in ("wb_general", "wb_social")
        }
    assert n["wb_general"] == n["wb_social"]  # was 4,233 against 2,574: grades 0-3 pooled into the general one


# ------------------------------------------------------------------ language assessment


def test_language_assessment_coverage_and_calendar_years(schools, tmp_path):
    rows = [
        [
            "år",
            "institutions_id",
            "antal vurderede",
            "generel indsats",
            "fokuseret indsats",
            "særlig indsats",
            "antal indskrevne",
        ],
        ["2025", "D1", "31", "26", "3", "2", "48"],
        ["2025", "D2", "12", "10", "1", "1", ""],
    ]
    import_files(schools, [write_csv(tmp_path / "sprog.csv", rows)])
    with database.read(schools) as con:
        cov = language.coverage(con, ADMIN, kommune=999, min_n=5)
    by_unit = {r.unit_id: r for r in cov.itertuples()}
    assert language.assessed_text(by_unit["D1"].assessed, by_unit["D1"].enrolled) == "vurderet: 31 af 48 børn"
    assert language.assessed_text(by_unit["D2"].assessed, by_unit["D2"].enrolled) == (
        "vurderet: 12 børn (antal indskrevne ukendt)"
    )
    # The municipality: 31 + 12 = 43 assessed; enrolled unknown for D2, so not summed.
    assert by_unit["999"].assessed == 43 and by_unit["999"].enrolled is pd.NA
    assert {language.year_text(r.school_year, r.period) for r in cov.itertuples()} == {"2025"}
    # 26 / 31 in general effort
    value, _ = value_of(one(schools, "la_share_general"), "institution", "D1", 2025)
    assert value == pytest.approx(26 / 31)


def test_a_file_mixing_calendar_and_school_years_is_refused(schools, tmp_path):
    rows = [
        ["år", "institutions_id", "antal vurderede", "generel indsats", "fokuseret indsats", "særlig indsats"],
        ["2025", "D1", "31", "26", "3", "2"],
        ["2024/25", "D2", "12", "10", "1", "1"],
    ]
    with pytest.raises(Exception, match="blander kalenderår og skoleår"):
        import_files(schools, [write_csv(tmp_path / "sprog.csv", rows)])


def test_daycare_page_shows_coverage_and_what_the_shares_mean(sample_db, monkeypatch):
    monkeypatch.setenv("KVALITETSDIALOG_DB", str(sample_db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["viewer"] = "administration"
    at.run()
    at.switch_page("dashboards/institution.py").run()
    at.selectbox(key="institution").set_value("DT01").run()  # Børnehuset Mælkebøtten
    assert not at.exception, [e.value for e in at.exception]
    text = "\n".join([c.value for c in at.main.caption] + [d.value.to_string() for d in at.main.dataframe])
    assert language.MEANING in text
    assert "vurderet: " in text and " af " in text and "børn" in text
    assert "elever" not in "\n".join(c.value for c in at.main.caption)


# ------------------------------------------------------------------ wording


def test_wording_in_the_app(sample_db, monkeypatch):
    monkeypatch.setenv("KVALITETSDIALOG_DB", str(sample_db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["viewer"] = "administration"
    at.run()
    at.switch_page("dashboards/maal.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = "\n".join(d.value.to_string() for d in at.main.dataframe)
    # L1 (social well-being at least 4,0 by 2025/26) is not met in 2024/25, before its target year.
    assert "Ikke på vej" in table
    with database.read(sample_db) as con:
        goals = indicators.evaluate_goals(con, ADMIN, kommune=999)
    muni = goals[goals["level"] == "municipality"].set_index("goal_id")
    assert "uanset social baggrund" in muni.loc["2.1", "title"]
    assert muni.loc["L1", "status"] == "not_met" and muni.loc["L1", "shown"] == "not_on_track"
    sidebar = "\n".join(o for box in at.sidebar.selectbox for o in box.options)
    assert "Offentligheden" in sidebar

"""The national level, the school counts and the socio-economic verdict, computed by hand and seen on the pages and in
the status report; and no path that shows another municipality's test results."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core import danish, database
from core.viewer import Viewer
from indicators import comparison, engine, evaluate_goals, save_goal
from indicators.__main__ import export_table
from indicators.goals import institution_counts
from loaders import import_files
from reports import data as report_data
from tests.fixtures_files import write_csv
from tests.test_app_pages import main_text, open_page
from tests.test_indicators_data import add_aggregate_year, add_institutions, insert

COUNCIL = Viewer.parse("council")


@pytest.fixture
def schools_db(db, tmp_path):
    """Three schools of 999. Social well-being 2024: A 4.2 (40 respondents), B 3.8 (30), C none.
    Exams 2024: A 20 pupils, 7.5 against a reference of 7.1 (+0.4, Over niveau); B 4 pupils (no reference: fewer
    than 5); C 30 pupils, -0.1, På niveau. The country's social well-being 2024: 4.05."""
    add_institutions(
        db,
        [("999001", "Skole A", "skole", 999, None), ("999002", "Skole B", "skole", 999, None)]
        + [("999003", "Skole C", "skole", 999, None)],
    )
    insert(
        db,
        "INSERT INTO wellbeing VALUES (0, ?, 2024, NULL, 'social', ?, ?)",
        [("999001", 4.2, 40), ("999002", 3.8, 30)],
    )
    insert(
        db,
        "INSERT INTO exam_grades VALUES (0, ?, 2024, ?, ?, ?, ?, ?)",
        [
            ("999001", 20, 7.5, 7.1, 0.4, "Over niveau"),
            ("999002", 4, 6.0, None, None, None),
            ("999003", 30, 7.0, 7.1, -0.1, "På niveau"),
        ],
    )
    save_goal(
        db,
        {
            "goal_id": "L1",
            "title": "Social trivsel mindst 4,0",
            "indicator": "wb_social",
            "scope": "skoler",
            "direction": ">=",
            "target": "4,0",
            "target_year": "2024/25",
        },
        "test",
    )
    import_files(
        db, [write_csv(tmp_path / "l.csv", [["skoleår", "indikator", "værdi"], ["2024/25", "wb_social", "4,05"]])]
    )
    return db


def test_school_counts_by_hand(schools_db):
    with database.read(schools_db) as con:
        evaluated = evaluate_goals(con, COUNCIL, kommune=999)
    # A 4.2 >= 4.0 met; B 3.8 not met in the target year; C has no value: 1 of the 2 with data, 1 apart
    [row] = institution_counts(evaluated).to_dict("records")
    assert (row["met"], row["of"], row["no_data"]) == (1, 2, 1)
    assert row["words"] == "1 af 2 skoler opfylder målet (1 uden data)"


def test_the_socioeconomic_verdict_only_where_the_ministry_computed_it(schools_db):
    with database.read(schools_db) as con:
        rows = comparison.socioeconomic(con, COUNCIL, 999)
        leader = comparison.socioeconomic(con, Viewer.parse("leader:999003"), 999)
    assert rows[["institution_id", "difference", "verdict"]].values.tolist() == [
        ["999001", 0.4, "Over niveau"],
        ["999003", -0.1, "På niveau"],
    ]  # B: 4 pupils, no reference
    assert comparison.socioeconomic_words(rows.iloc[0]) == (
        "Over niveau (+0,4): karaktergennemsnittet ligger signifikant over det, elevernes baggrund lader forvente"
    )
    assert list(leader["institution_id"]) == ["999003"]  # a leader: their own school only


def test_the_status_report_has_the_country_the_counts_and_the_verdicts(schools_db):
    with database.read(schools_db) as con:
        report = report_data.status_report(con, COUNCIL, kommune=999, year=2024)
    wellbeing = next(a for a in report.areas if any(i.id == "wb_social" for i in a.indicators))
    assert [u.name for u in wellbeing.units][-2:] == ["Eksempelby Kommune", "Landsplan"]
    assert wellbeing.get("landsplan", "wb_social").value == 4.05
    # the municipality: (4.2 x 40 + 3.8 x 30) / 70 = 282 / 70 = 4.0286
    assert math.isclose(wellbeing.get("999", "wb_social").value, 282 / 70)
    goal = report.goals[(report.goals["goal_id"] == "L1") & (report.goals["level"] == "municipality")].iloc[0]
    assert goal["sentence"].endswith("1 af 2 skoler opfylder målet (1 uden data).")
    assert list(report.socioeconomic["unit_name"]) == ["Skole A", "Skole C"]


def test_a_leader_gets_no_school_counts_in_the_report(schools_db):
    with database.read(schools_db) as con:
        report = report_data.status_report(con, Viewer.parse("leader:999001"), kommune=999, year=2024)
    assert not report.goals["sentence"].str.contains("opfylder målet").any()


def test_the_pages_show_the_country_the_counts_and_the_verdict(sample_db, monkeypatch):
    with database.read(sample_db) as con:
        evaluated = evaluate_goals(con, COUNCIL, kommune=999)
        counts = institution_counts(evaluated).set_index("goal_id")["words"]
        reading = evaluated[(evaluated["goal_id"] == "1.1a") & (evaluated["level"] == "municipality")].iloc[0]
        verdicts = comparison.socioeconomic(con, COUNCIL, 999)
    overblik = main_text(open_page(sample_db, monkeypatch, "council"))
    assert counts["L1"] in overblik and counts["1.1a"] in overblik
    # 1.1a's year is 2024/25, the latest year whose tests carry levels (the sample's transition tests); the
    # sample's national figures for the level shares end with 2021/22, so the country is shown beside the
    # well-being goals of 2024/25 only
    assert int(reading["school_year"]) == 2024 and "Landsplan 2021/22" not in overblik
    assert "Landsplan 2024/25" in overblik

    at = open_page(sample_db, monkeypatch, "administration", "skoler")
    matrix = at.main.dataframe[0].value
    latest = verdicts.sort_values("school_year").groupby("institution_id").tail(1)
    shown = set(matrix["Karakterer ift. baggrund"]) - {""}
    assert shown == {f"{v} ({danish.change(d, 'grade')})" for v, d in zip(latest["verdict"], latest["difference"])}

    at = open_page(sample_db, monkeypatch, "administration", "institution")
    at.selectbox(key="institution").set_value("999004").run()
    text = main_text(at)
    assert "socioøkonomisk reference" in text.lower() and "elevernes baggrund lader forvente" in text
    at.selectbox(key="inst_indicator").set_value("wb_social").run()
    chart = at.main.get("plotly_chart")[0]
    assert '"name":"Landsplan"' in chart.proto.spec  # the country's line in the trend


def test_no_path_shows_another_municipalitys_test_results(sample_db, monkeypatch):
    """A neighbour's school with national test results in the database (as if loaded by mistake)."""
    add_aggregate_year(sample_db, "800000", 2020, (0, 0, 0, 0, 5, 5))
    with database.read(sample_db) as con:
        neighbour = con.execute("SELECT municipality_code FROM institutions WHERE institution_id = '800000'").fetchone()
        assert neighbour[0] != 999
        for viewer in (COUNCIL, Viewer.parse("administration")):
            exported = export_table(con, viewer)
            tests = exported[exported["indicator"].str.startswith(("nt_", "tt_"))]
            assert not tests["unit_id"].isin(["800000", str(neighbour[0])]).any()
            report = report_data.status_report(con, viewer, kommune=999, year=2020)
            assert all(u.unit_id != "800000" for a in report.areas for u in a.units)
            with pytest.raises(Exception, match="§ 55 b"):
                comparison.cluster(con, viewer, "Klynge Midt", "nt_share_good", 999)
    text = main_text(open_page(sample_db, monkeypatch, "council", "klynge"))
    assert "Andel gode" not in text and "nationale test" not in text.lower()
    # the administration's page: the comparison's tables hold no test indicator (its national-figure editor
    # offers every indicator: the country's test results are published and public)
    at = open_page(sample_db, monkeypatch, "administration", "klynge")
    tables = "\n".join(df.value.to_string() for df in at.main.dataframe)
    assert "Andel gode" not in tables and "nationale test" not in tables.lower()


def test_coverage_of_pooled_values_by_hand(schools_db):
    """999: A and B have social well-being, C none -> 2 of 3 schools. 147: two schools, one with a value and
    no respondent count -> the municipality's figure is that one school's, and says so."""
    add_institutions(schools_db, [("147001", "Skole F", "skole", 147, None), ("147002", "Skole G", "skole", 147, None)])
    insert(schools_db, "INSERT INTO wellbeing VALUES (0, '147001', 2024, NULL, 'social', 3.7, NULL)", [()])
    with database.read(schools_db) as con:
        values = engine.compute(con, COUNCIL, "wb_social", levels=("municipality", "institution"), grades="all")
        evaluated = evaluate_goals(con, COUNCIL, kommune=999)
        report = report_data.status_report(con, COUNCIL, kommune=999, year=2024)
    rows = {r["unit_id"]: r for r in values.to_dict("records")}
    assert (rows["999"]["covered"], rows["999"]["units"]) == (2, 3)
    assert comparison.coverage_words(2, 3, rows["999"]["n"]) == "2 af 3 skoler"
    assert pd.isna(rows["999001"]["covered"]) and pd.isna(rows["999001"]["units"])  # an institution is whole
    one = rows["147"]
    assert (one["value"], one["covered"], one["units"]) == (3.7, 1, 2) and pd.isna(one["n"])
    assert comparison.coverage_words(one["covered"], one["units"], one["n"]).startswith("kun 1 af 2 skoler, med ukendt")
    goal = evaluated[(evaluated["goal_id"] == "L1") & (evaluated["level"] == "municipality")].iloc[0]
    assert (goal["covered"], goal["units"]) == (2, 3)
    wellbeing = next(a for a in report.areas if any(i.id == "wb_social" for i in a.indicators))
    assert wellbeing.coverage == ["Social trivsel: 2 af 3 skoler"]


def test_the_export_gains_no_column(schools_db):
    with database.read(schools_db) as con:
        exported = export_table(con, COUNCIL)
    # docs/formats.md fixes the export's columns; coverage is in the engine's frame and the reports only
    assert list(exported.columns) == [
        "indicator",
        "level",
        "unit_id",
        "school_year",
        "subject",
        "grade",
        "value",
        "n",
        "suppressed",
    ]


def test_overblik_says_when_the_municipality_figure_covers_part_of_it(sample_db, monkeypatch):
    insert(sample_db, "DELETE FROM wellbeing WHERE institution_id = ? AND school_year = 2024", [("999009",)])
    text = main_text(open_page(sample_db, monkeypatch, "council"))
    assert "Kommunens tal dækker 11 af 12 skoler." in text  # the well-being goals, now without Fjordskolen

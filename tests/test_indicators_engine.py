"""The indicator engine on a small extract whose values are worked out by hand (tests/test_indicators_data.py)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core import database
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from indicators import CATALOGUE, compute, level_distribution, trend
from indicators.uncertainty import t975, wilson
from tests.test_indicators_data import add_aggregate_year, extract_db, insert  # noqa: F401 (fixture)

ADMIN = Viewer.parse("administration")


def one(df: pd.DataFrame, level: str, unit, subject=None, grade=None, year=None) -> dict:
    """The single row for a unit, subject and grade (None = the column is empty)."""
    sel = (df["level"] == level) & (df["unit_id"] == str(unit))
    sel &= df["subject"].isna() if subject is None else df["subject"] == subject
    sel &= df["grade"].isna() if grade is None else df["grade"] == grade
    if year is not None:
        sel &= df["school_year"] == year
    rows = df[sel]
    assert len(rows) == 1, rows
    return rows.iloc[0].to_dict()


def close(a, b) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.fixture
def run(extract_db):
    def _run(indicator_id, viewer=ADMIN, **kw):
        with database.read(extract_db) as con:
            return compute(con, viewer, indicator_id, **kw)

    return _run


def test_share_good_per_cell_and_pooled(run):
    df = run("nt_share_good")
    # A, grade 4, reading: levels 4,5,6,3,2,4 -> 4 good of 6
    r = one(df, "institution", "999001", "dansk_laesning", 4)
    assert close(r["value"], 4 / 6) and r["n"] == 6 and not r["suppressed"]
    lo, hi = wilson([4], [6])
    assert close(r["lower"], lo[0]) and close(r["upper"], hi[0])
    # A, grade 4, maths: 4 pupils -> withheld, interval and n too
    r = one(df, "institution", "999001", "matematik", 4)
    assert r["suppressed"] and r["suppression"] == "small"
    assert math.isnan(r["value"]) and math.isnan(r["lower"]) and pd.isna(r["n"])
    # A, grade 4, pooled over subjects ((4 + 2) good of 10 results, 6 pupils) would give maths back as
    # all subjects minus reading (both published): withheld as well ...
    r = one(df, "institution", "999001", "all", 4)
    assert r["suppressed"] and r["suppression"] == "complementary" and pd.isna(r["n"])
    # ... and so is A over all subjects and grades, which minus grade 6 would give grade 4 back
    assert one(df, "institution", "999001", "all", "all")["suppression"] == "complementary"
    # A, grade 6, reading (aggregated 0,1,1,2,1,0): 3 of 5
    r = one(df, "institution", "999001", "dansk_laesning", 6)
    assert close(r["value"], 0.6) and r["n"] == 5
    # A, reading over grades: (4 + 3) / (6 + 5)
    r = one(df, "institution", "999001", "dansk_laesning", "all")
    assert close(r["value"], 7 / 11) and r["n"] == 11
    # B has 3 pupils: withheld everywhere ...
    assert one(df, "institution", "999002", "all", "all")["suppression"] == "small"
    # ... and the municipality's grade 4 reading (A + B), which minus A's would give B back
    assert one(df, "municipality", 999, "dansk_laesning", 4)["suppression"] == "complementary"
    # but B is counted in the pools: municipality, everything: good 6 (A4) + 2 (B4) + 3 (A6) of 10 + 3 + 5
    # results; n = 6 + 3 + 5
    r = one(df, "municipality", 999, "all", "all")
    assert close(r["value"], 11 / 18) and r["n"] == 14
    # district Nord = A + B = the municipality here (C has no tests)
    r = one(df, "district", "999:Nord", "all", "all")
    assert close(r["value"], 11 / 18) and r["unit_name"] == "Nord"
    assert set(df["comparable_group"]) == {"national_test"}


def test_share_poor_and_top_pooled(run):
    # poor: A4 reading 1 (level 2), A4 maths 1 (level 1), B4 1 (level 1), A6 aggregated 0 + 1 -> 4 of 18
    assert close(one(run("nt_share_poor"), "municipality", 999, "all", "all")["value"], 4 / 18)
    # top: A4 reading 1 (level 6), nobody else -> 1 of 18
    assert close(one(run("nt_share_top"), "municipality", 999, "all", "all")["value"], 1 / 18)


def test_mean_score_t_interval_only_from_pupil_rows(run):
    df = run("nt_mean_score")
    r = one(df, "institution", "999001", "dansk_laesning", 4)
    # scores 60,70,80,40,20,50: mean 320/6; variance (19400 - 320^2/6) / 5 = 466.67; t(5) = 2.5706
    half = 2.5706 * math.sqrt((19400 - 320**2 / 6) / 5 / 6)
    assert close(r["value"], 320 / 6)
    assert abs(r["lower"] - (320 / 6 - half)) < 1e-3 and abs(r["upper"] - (320 / 6 + half)) < 1e-3
    # over grades, the aggregated grade 6 (mean 50, 5 pupils) has no spread: (320 + 250) / 11, no interval
    r = one(df, "institution", "999001", "dansk_laesning", "all")
    assert close(r["value"], 570 / 11) and math.isnan(r["lower"])


def test_wellbeing_grade_rows_unknown_respondents_and_pool(run):
    df = run("wb_general")
    # A: grade rows (4.0 x 10 + 3.5 x 10) / 20 are used, not its all-grades row (3.8)
    r = one(df, "institution", "999001", grade="all")
    assert close(r["value"], 3.75) and r["n"] == 20
    # B: one row without a respondent count: shown, n unknown, never suppressed
    r = one(df, "institution", "999002", grade="all")
    assert close(r["value"], 3.0) and pd.isna(r["n"]) and not r["suppressed"]
    # C: 4 respondents: withheld
    assert one(df, "institution", "999003", grade="all")["suppressed"]
    # the municipality pool contains B's unknown count: not computed, and not "suppressed" either
    r = one(df, "municipality", 999, grade="all")
    assert math.isnan(r["value"]) and pd.isna(r["n"]) and not r["suppressed"]
    # grade 4 in the municipality: only A's grade row
    r = one(df, "municipality", 999, grade=4)
    assert close(r["value"], 4.0) and r["n"] == 10
    # every municipality in the data, when kommune is not given
    assert close(one(df, "municipality", 101, grade="all")["value"], 3.9)
    # No spread in the extract: an approximate interval from the assumed pupil sd 0.6 where n is known.
    # A: 3.75 ± 1.959964 x 0.6 / sqrt(20) = 3.75 ± 0.262956 -> 3.487044 .. 4.012956
    r = one(df, "institution", "999001", grade="all")
    assert close(r["lower"], 3.75 - 1.959963984540054 * 0.6 / math.sqrt(20)) and abs(r["upper"] - 4.012956) < 1e-6
    assert r["interval_kind"] == "assumed_sd"
    # B: respondents unknown, so no interval at all
    r = one(df, "institution", "999002", grade="all")
    assert math.isnan(r["lower"]) and math.isnan(r["upper"]) and pd.isna(r["interval_kind"])


def test_wellbeing_sd_is_configurable(run, monkeypatch):
    # one number (Danish decimal comma accepted) for every well-being indicator
    monkeypatch.setenv("KVALITETSDIALOG_WB_SD", "0,3")
    r = one(run("wb_general"), "institution", "999001", grade=4)
    # grade 4 alone: 4.0 ± 1.959964 x 0.3 / sqrt(10) = 4.0 ± 0.587989 / 3.162278 = ± 0.185939
    assert abs(r["lower"] - 3.814061) < 1e-6 and abs(r["upper"] - 4.185939) < 1e-6
    # per indicator: wb_general gets 0.9, so 4.0 ± 1.959964 x 0.9 / sqrt(10) = ± 0.557816
    monkeypatch.setenv("KVALITETSDIALOG_WB_SD", "wb_social=0.2, wb_general=0.9")
    r = one(run("wb_general"), "institution", "999001", grade=4)
    assert abs(r["lower"] - 3.442184) < 1e-6 and abs(r["upper"] - 4.557816) < 1e-6
    # an interval never leaves the 1-5 scale: 4.0 + 1.959964 x 3.9 / sqrt(10) = 6.42 -> 5
    monkeypatch.setenv("KVALITETSDIALOG_WB_SD", "3.9")
    assert one(run("wb_general"), "institution", "999001", grade=4)["upper"] == 5.0


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "wb_nonsense=0.5", "abs_mean_pct=0.5"])
def test_wellbeing_sd_setting_rejected(run, monkeypatch, raw):
    monkeypatch.setenv("KVALITETSDIALOG_WB_SD", raw)
    with pytest.raises(KvalitetsdialogError, match="KVALITETSDIALOG_WB_SD"):
        run("wb_general")


def test_only_wellbeing_gets_an_assumed_interval(run):
    # exam grades and absence means have no spread in the extract and get no assumed one
    for indicator_id in ("exam_mean", "abs_mean_pct"):
        df = run(indicator_id)
        assert df["lower"].isna().all() and df["interval_kind"].isna().all()
    shares = run("la_share_general")
    assert set(shares.loc[shares["value"].notna(), "interval_kind"]) == {"wilson"}


def test_other_sources(run):
    # absence, pupil-weighted: (0.05 x 100 + 0.20 x 3) / 103; B (3 pupils) withheld but counted
    r = one(run("abs_mean_pct"), "municipality", 999, grade="all")
    assert close(r["value"], 5.6 / 103) and r["n"] == 103
    assert one(run("abs_mean_pct"), "institution", "999002", grade="all")["suppressed"]
    # over 10 %: (0.10 x 100 + 1/3 x 3) / 103 = 11 / 103, Wilson on 11 of 103
    r = one(run("abs_share_over_10"), "municipality", 999, grade="all")
    assert close(r["value"], 11 / 103) and close(r["lower"], wilson([11], [103])[0][0])
    # language: municipality (17 + 2) / (20 + 4); D2 (4 children) withheld, and D1 (17/20) with it: the
    # municipality minus D1 would give D2 back (D1 is the part, so it goes before the total)
    df = run("la_share_general")
    assert close(one(df, "municipality", 999)["value"], 19 / 24) and one(df, "institution", "D2")["suppressed"]
    assert one(df, "institution", "D1")["suppression"] == "complementary"
    assert close(one(run("la_share_special"), "municipality", 999)["value"], 2 / 24)
    # exams: (7.0 x 20 + 5.0 x 4) / 24
    assert close(one(run("exam_mean"), "municipality", 999)["value"], 160 / 24)
    # the social reference difference is never pooled: institution rows only
    df = run("exam_socref_diff")
    assert set(df["level"]) == {"institution"} and close(one(df, "institution", "999001")["value"], 0.5)
    # transition, school year 2023/24: 0.9 of 20
    r = one(run("tr_share_3m"), "institution", "999001")
    assert r["school_year"] == 2023 and close(r["value"], 0.9) and close(r["upper"], wilson([18], [20])[1][0])
    # competence: the subject rows (90 + 100) / (100 + 100), not the row without a subject; hours have no n
    r = one(run("comp_coverage"), "institution", "999001")
    assert close(r["value"], 0.95) and pd.isna(r["n"]) and not r["suppressed"]


def test_missing_count_never_becomes_zero(extract_db, run):
    insert(
        extract_db,
        "INSERT INTO test_aggregates VALUES (0, '999003', 2020, 4, 'dansk_laesning', "
        "'national_test', 6, 1, 1, NULL, 2, 1, 1, NULL)",
        [()],
    )
    df = run("nt_share_good")
    r = one(df, "institution", "999003", "dansk_laesning", 4)
    assert math.isnan(r["value"]) and not r["suppressed"]
    # the pool that contains the incomplete cell is not computed (not computed as if the count were 0)
    assert math.isnan(one(df, "municipality", 999, "dansk_laesning", 4)["value"])


def test_filters_subjects_grades_years_kommune(run):
    df = run("nt_share_good", subjects="all", grades="all", levels=("municipality",))
    assert len(df) == 1 and close(df.iloc[0]["value"], 11 / 18)
    df = run("nt_share_good", subjects=["matematik"], grades=[4], levels=("municipality",))
    assert list(df["subject"]) == ["matematik"] and list(df["grade"]) == [4]
    assert run("nt_share_good", years=[2019]).empty
    assert set(run("wb_general", kommune=101)["unit_id"]) == {"101", "101001"}
    with pytest.raises(KvalitetsdialogError, match="faget engelsk"):
        run("nt_share_good", subjects=["engelsk"])
    with pytest.raises(KvalitetsdialogError, match="Ukendt indikator"):
        run("nt_share_great")


def test_min_n_override(run):
    # with a threshold of 3, B (3 pupils) is shown: 2 good of 3
    r = one(run("nt_share_good", min_n=3), "institution", "999002", "dansk_laesning", 4)
    assert close(r["value"], 2 / 3) and not r["suppressed"]
    # a threshold of 1 is raised to 2: nobody ever gets one pupil's value (class 4.B's maths is p4 alone)
    df = run("nt_share_good", min_n=1, by_class=True)
    shown = df[~df["suppressed"]]
    assert not shown.empty and (shown["n"] >= 2).all()


def test_classes(run):
    df = run("nt_share_good", by_class=True, min_n=3)
    # class 4.A: p1..p3, reading levels 4,5,6 -> 3 of 3; maths 4,4,1 -> 2 of 3; pooled 5 of 6, n = 3
    r = one(df, "class", "4.A", "all", 4)
    assert close(r["value"], 5 / 6) and r["n"] == 3 and r["institution_id"] == "999001"
    assert not ((df["level"] == "class") & (df["grade"] == "all")).any()


@pytest.mark.parametrize("viewer", ["public"])
def test_public_sees_no_test_indicator(run, viewer):
    for ind in CATALOGUE.values():
        df = run(ind.id, Viewer.parse(viewer), by_class=True)
        if ind.confidential:
            assert df.empty
        else:
            assert "class" not in set(df["level"])
    assert not run("wb_general", Viewer.parse("public")).empty


def test_council_sees_everything_but_classes(run):
    df = run("nt_share_good", Viewer.parse("council"), by_class=True)
    assert set(df["level"]) == {"municipality", "district", "institution"}


def test_leader_sees_own_institution_and_municipality_only(run):
    leader = Viewer.parse("leader:999001")
    for ind in CATALOGUE.values():
        df = run(ind.id, leader, by_class=True)
        own = df[df["level"].isin(["institution", "class"])]
        assert set(own["institution_id"]) <= {"999001"}
        assert set(df.loc[df["level"] == "municipality", "unit_id"]) <= {"999"}
        # district Nord also holds B: a leader of A alone must not see it
        assert "district" not in set(df["level"])
    df = run("nt_share_good", leader, by_class=True, min_n=3)
    assert "class" in set(df["level"])
    # a district made up only of the leader's institutions is visible
    assert set(run("wb_general", Viewer.parse("leader:999003"))["level"]) == {"municipality", "district", "institution"}


def test_trend_and_comparable_groups(extract_db):
    for year, levels in [(2018, (1, 1, 2, 4, 1, 1)), (2019, (0, 0, 1, 5, 2, 2)), (2022, (0, 0, 2, 6, 1, 1))]:
        add_aggregate_year(extract_db, "999001", year, levels, kind="national_test")
    with database.read(extract_db) as con:
        df = trend(con, ADMIN, "nt_share_good", "municipality", 999, subject="dansk_laesning")
    assert list(df["school_year"]) == [2018, 2019, 2020, 2022]
    # A year belongs to the test kind of its time: 2022/23 is on the transition tests' scale, whatever a row says.
    assert list(df["comparable_group"]) == ["national_test", "national_test_2019", "national_test", "overgangstest"]
    # 2018: 6 good of 10; 2020 (grades 4 and 6, schools A and B: (6 + 3) / (9 + 5)) is withheld: minus A's
    # published reading it would give B's 3 pupils
    assert close(df.iloc[0]["value"], 0.6) and df.iloc[2]["suppression"] == "complementary"


def test_level_distribution(extract_db):
    with database.read(extract_db) as con:
        df = level_distribution(con, ADMIN, "999001", subject="dansk_laesning")
        hidden = level_distribution(con, Viewer.parse("leader:999002"), "999001")
        public = level_distribution(con, Viewer.parse("public"), None)
    grade4 = df[df["grade"] == 4].set_index("level")["share"]
    # levels 4,5,6,3,2,4: one each at 2, 3, 5, 6; two at 4
    assert [round(v * 6) for v in grade4] == [0, 1, 1, 2, 1, 1]
    pooled = df[df["grade"] == "all"].set_index("level")["share"]
    # grades 4 and 6 together: level 4 = 2 + 2 of 11
    assert close(pooled[4], 4 / 11) and (df["n"][df["grade"] == "all"] == 11).all()
    assert hidden.empty and public.empty


def test_t_quantiles_against_tables():
    assert [round(float(x), 3) for x in t975([1, 5, 29, 31, 60, 120])] == [12.706, 2.571, 2.045, 2.04, 2.0, 1.98]


@pytest.mark.parametrize(
    "call",
    [
        lambda con: compute(con, "administration", "wb_general"),
        lambda con: trend(con, None, "wb_general", "municipality", 999),
        lambda con: level_distribution(con, "public", None),
    ],
)
def test_a_read_without_a_viewer_fails(extract_db, call):
    with database.read(extract_db) as con, pytest.raises(TypeError, match="Viewer"):
        call(con)


def test_missing_hours_are_not_zero(extract_db, run):
    # B: 100 planned hours with 80 covered, and 50 planned whose covered hours are missing
    insert(
        extract_db,
        "INSERT INTO competence VALUES (0, '999002', 2024, ?, ?, ?)",
        [("dansk", 100, 80), ("engelsk", 50, None)],
    )
    df = run("comp_coverage")
    # not 80 / 150 = 0.53: B is unknown, and so is the municipality that contains it
    assert math.isnan(one(df, "institution", "999002")["value"])
    assert math.isnan(one(df, "municipality", 999)["value"])
    assert close(one(df, "institution", "999001")["value"], 0.95)

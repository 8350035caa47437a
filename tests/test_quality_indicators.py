"""Quality-report indicators, golden values: small extracts written here, loaded by the real loaders.

Each expected value is worked out by hand in a comment. The extracts are spelled
the way real ones are: Danish percentages with and without ``%``, an XLSX with a
title row, a comma-delimited CSV with quoted decimal commas, Windows-1252.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import indicators
from core import database
from core.viewer import Viewer
from loaders import import_files
from tests.fixtures_files import query, write_csv, write_xlsx

ADMIN = Viewer.parse("administration")

INSTITUTIONS = [
    ["institution_id", "navn", "type", "kommunekode", "distrikt"],
    ["999001", "Skole A", "skole", "999", "Nord"],
    ["999002", "Skole B", "skole", "999", "Nord"],
    ["999003", "Skole C", "skole", "999", "Syd"],
    # D, the smallest school beside B in district Nord, is what gets withheld with B (docs/domain.md, rule 3):
    # without it, Nord minus A would give B's few pupils back, and A would be withheld instead
    ["999004", "Skole D", "skole", "999", "Nord"],
]
ABSENCE = [
    [
        "skoleår",
        "institutionsnummer",
        "klassetrin",
        "antal elever",
        "fravær i alt",
        "sygefravær",
        "fravær med tilladelse",
        "ulovligt fravær",
        "andel over 10 % fravær",
    ],
    ["2023/24", "999001", "9", "50", "7,0 %", "4,0", "2,0", "1,0", "16,0 %"],
    ["2024/25", "999001", "8", "40", "5,0 %", "3,0", "1,5", "0,5", "20,0 %"],
    ["2024/25", "999001", "9", "60", "10,0 %", "6,0", "3,0", "1,0", "30,0 %"],
    # A's all-grades row: its grade rows are used instead, so these 100 pupils are not counted twice
    ["2024/25", "999001", "", "100", "9,9 %", "", "", "", "50,0 %"],
    ["2024/25", "999002", "9", "4", "12,5 %", "..", "..", "..", "25,0 %"],
    ["2024/25", "999003", "", "100", "6,0 %", "4,0", "1,0", "1,0", "15,0 %"],
    ["2024/25", "999004", "9", "20", "5,0 %", "3,0", "1,0", "1,0", "10,0 %"],
]
EXAMS = [
    [
        "skoleår",
        "institutionsnummer",
        "institution",
        "antal elever",
        "karaktergennemsnit",
        "socioøkonomisk reference",
        "forskel",
        "signifikant forskel",
    ],
    ["2024/25", "999001", "Skole A", 20, 7.0, 6.5, 0.5, "På niveau"],
    # fewer than 5 pupils: the ministry computes no reference
    ["2024/25", "999002", "Skole B", 4, "9,0", None, None, None],
    ["2024/25", "999003", "Skole C", 30, 6.0, 6.8, -0.8, "Under niveau"],
    ["2024/25", "999004", "Skole D", 12, 8.0, 7.5, 0.5, "På niveau"],
]
TRANSITION = [
    ["skoleår", "institutionsnummer", "antal elever", "i gang efter 3 mdr.", "i gang efter 15 mdr."],
    ["2023/24", "999001", "50", "90,0", "86,0"],
    ["2023/24", "999002", "3", "100,0", ".."],
    ["2023/24", "999003", "50", "80,0", "82,0"],
    ["2023/24", "999004", "20", "85,0", "80,0"],
]
COMPETENCE = [
    ["skoleår", "institutionsnummer", "fag", "planlagte timer", "timer med undervisningskompetence"],
    ["2024/25", "999001", "Dansk", "1000", "950"],
    ["2024/25", "999001", "Matematik", "600", "540"],
    # a school total beside the subject rows: the subject rows are used
    ["2024/25", "999001", "", "2000", "1000"],
    ["2024/25", "999002", "Dansk", "1.200,5", "1.100,5"],
    ["2024/25", "999003", "Musik", "100", "50"],
]


@pytest.fixture(scope="module")
def quality_db(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("quality")
    db = tmp / "quality.duckdb"
    database.ensure(db)
    files = [
        write_csv(tmp / "institutioner.csv", INSTITUTIONS),
        write_csv(tmp / "fravaer.csv", ABSENCE, encoding="cp1252"),
        write_xlsx(tmp / "karakterer.xlsx", EXAMS, title="Karaktergennemsnit ved 9.-klasseprøverne"),
        write_csv(tmp / "overgang.csv", TRANSITION, encoding="utf-8-sig", delimiter=","),
        write_csv(tmp / "kompetence.csv", COMPETENCE),
    ]
    results = import_files(db, files)
    assert [r.kind for r in results] == ["institutions", "absence", "exam_grades", "transition", "competence"]
    return db


def _compute(db: Path, indicator_id: str, viewer: Viewer = ADMIN, **kw) -> pd.DataFrame:
    with database.read(db) as con:
        return indicators.compute(con, viewer, indicator_id, kommune=999, **kw)


def _one(df: pd.DataFrame, level: str, unit_id, year: int = 2024, grade="all") -> dict:
    rows = df[(df["level"] == level) & (df["unit_id"] == str(unit_id)) & (df["school_year"] == year)]
    if "grade" in rows and grade is not None:
        rows = rows[rows["grade"] == grade] if not rows["grade"].isna().all() else rows
    assert len(rows) == 1, rows
    return rows.iloc[0].to_dict()


def _close(a, b) -> bool:
    return a is not None and not pd.isna(a) and math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def test_percentages_are_stored_as_shares(quality_db):
    # "5,0 %" and "16,0 %" -> 0.05 and 0.16; "4,0" without the sign is a percentage too -> 0.04
    assert query(
        quality_db,
        "SELECT n_pupils, absence_pct, sick_pct, share_over_10 FROM absence "
        "WHERE institution_id = '999001' AND school_year = 2023",
    ) == [(50, 0.07, 0.04, 0.16)]
    # ".." is missing, never zero
    assert query(quality_db, "SELECT sick_pct, permitted_pct FROM absence WHERE institution_id = '999002'") == [
        (None, None)
    ]
    assert query(quality_db, "SELECT share_3m, share_15m FROM youth_transition ORDER BY institution_id") == [
        (0.9, 0.86),
        (1.0, None),
        (0.8, 0.82),
        (0.85, 0.8),
    ]


def test_absence_is_pupil_weighted_over_grades_and_schools(quality_db):
    df = _compute(quality_db, "abs_mean_pct", levels=("institution", "district", "municipality"))
    # A: grade rows (0.05 x 40 + 0.10 x 60) / 100 = 8 / 100; its all-grades row (9.9 %) is not used
    r = _one(df, "institution", "999001")
    assert _close(r["value"], 0.08) and r["n"] == 100
    # B: 4 pupils, withheld (value and n gone) but counted below; D (20) is withheld with it, as
    # district Nord minus A minus D would give B back
    r = _one(df, "institution", "999002")
    assert r["suppression"] == "small" and pd.isna(r["value"]) and pd.isna(r["n"])
    assert _one(df, "institution", "999004")["suppression"] == "complementary"
    # C has only an all-grades row: used as it stands
    assert _close(_one(df, "institution", "999003")["value"], 0.06)
    # municipality: (2 + 6 + 0.125 x 4 + 0.06 x 100 + 0.05 x 20) / (100 + 4 + 100 + 20) = 15.5 / 224,
    # not a mean of means
    r = _one(df, "municipality", 999)
    assert _close(r["value"], 15.5 / 224) and r["n"] == 224 and not r["suppressed"]
    # grade 9 alone: only grade rows, (0.10 x 60 + 0.125 x 4 + 0.05 x 20) / 84 = 7.5 / 84
    r = _one(df, "municipality", 999, grade=9)
    assert _close(r["value"], 7.5 / 84) and r["n"] == 84
    # district Nord = A, B and D: (8 + 0.5 + 1) / 124
    nord = df[(df["level"] == "district") & df["unit_id"].str.endswith("Nord")]
    assert _close(_one(nord, "district", nord["unit_id"].iloc[0])["value"], 9.5 / 124)
    # the year before: A's grade 9 only
    assert _close(_one(df, "institution", "999001", year=2023)["value"], 0.07)


def test_share_over_10_percent(quality_db):
    df = _compute(quality_db, "abs_share_over_10")
    # A: (0.20 x 40 + 0.30 x 60) / 100 = 26 / 100
    assert _close(_one(df, "institution", "999001")["value"], 0.26)
    # municipality: (8 + 18 + 0.25 x 4 + 0.15 x 100 + 0.10 x 20) / 224 = 44 / 224
    r = _one(df, "municipality", 999)
    assert _close(r["value"], 44 / 224) and r["lower"] < 44 / 224 < r["upper"]


def test_exam_mean_is_pupil_weighted_and_small_schools_withheld(quality_db):
    df = _compute(quality_db, "exam_mean")
    # municipality: (7.0 x 20 + 9.0 x 4 + 6.0 x 30 + 8.0 x 12) / 66 = 452 / 66; B's 4 pupils count
    r = _one(df, "municipality", 999, grade=None)
    assert _close(r["value"], 452 / 66) and r["n"] == 66
    assert _close(_one(df, "institution", "999001", grade=None)["value"], 7.0)
    r = _one(df, "institution", "999002", grade=None)
    assert r["suppressed"] and pd.isna(r["value"])
    # D (12 pupils), the smallest school beside B in district Nord, is withheld with it
    assert _one(df, "institution", "999004", grade=None)["suppression"] == "complementary"


def test_socref_difference_is_institution_level_only_and_never_pooled(quality_db):
    df = _compute(quality_db, "exam_socref_diff", levels=("institution", "district", "municipality"))
    assert set(df["level"]) == {"institution"}
    values = dict(zip(df["unit_id"], df["value"]))
    # as the extract gives it: A 7.0 - 6.5 = 0.5, C 6.0 - 6.8 = -0.8; B has no reference, so no row
    assert values.keys() == {"999001", "999003", "999004"}
    assert _close(values["999001"], 0.5) and _close(values["999003"], -0.8)
    assert query(quality_db, "SELECT socref_verdict FROM exam_grades ORDER BY institution_id") == [
        ("På niveau",),
        (None,),
        ("Under niveau",),
        ("På niveau",),
    ]


def test_transition_missing_is_never_zero(quality_db):
    df = _compute(quality_db, "tr_share_3m")
    # A: 0.90 of 50; municipality (45 + 3 + 40 + 17) / 123
    assert _close(_one(df, "institution", "999001", year=2023, grade=None)["value"], 0.9)
    r = _one(df, "municipality", 999, year=2023, grade=None)
    assert _close(r["value"], 105 / 123) and r["n"] == 123
    assert _one(df, "institution", "999002", year=2023, grade=None)["suppressed"]
    df = _compute(quality_db, "tr_share_15m")
    # B's 15-month share is missing: left out, so (43 + 41 + 16) / 120 and not 100 / 123
    r = _one(df, "municipality", 999, year=2023, grade=None)
    assert _close(r["value"], 100 / 120) and r["n"] == 120
    assert "999002" not in set(df["unit_id"])


def test_competence_coverage_pools_hours_and_has_no_pupil_count(quality_db):
    df = _compute(quality_db, "comp_coverage")
    # A: subject rows (950 + 540) / (1000 + 600) = 1490 / 1600; its school total row is not added
    r = _one(df, "institution", "999001", grade=None)
    assert _close(r["value"], 1490 / 1600) and pd.isna(r["n"]) and not r["suppressed"]
    # B in Danish thousands: 1100.5 / 1200.5
    assert _close(_one(df, "institution", "999002", grade=None)["value"], 1100.5 / 1200.5)
    # municipality: (1490 + 1100.5 + 50) / (1600 + 1200.5 + 100) = 2640.5 / 2900.5
    assert _close(_one(df, "municipality", 999, grade=None)["value"], 2640.5 / 2900.5)


@pytest.mark.parametrize("indicator_id", ["abs_mean_pct", "exam_mean", "tr_share_3m", "comp_coverage"])
def test_public_and_leaders_see_the_same_numbers_within_their_scope(quality_db, indicator_id):
    admin = _compute(quality_db, indicator_id)
    public = _compute(quality_db, indicator_id, Viewer.parse("public"))
    pd.testing.assert_frame_equal(admin.reset_index(drop=True), public.reset_index(drop=True))
    leader = _compute(quality_db, indicator_id, Viewer.parse("leader:999001"))
    assert set(leader.loc[leader["level"] == "institution", "unit_id"]) == {"999001"}
    assert set(leader["level"]) <= {"institution", "municipality"}
    # the municipality pool still holds every school's pupils
    key = ["level", "unit_id", "school_year", "grade"]
    merged = leader[leader["level"] == "municipality"].merge(admin, on=key, suffixes=("", "_admin"))
    assert len(merged) and (merged["value"].fillna(-1) == merged["value_admin"].fillna(-1)).all()


def test_trend_gives_the_institution_year_by_year(quality_db):
    with database.read(quality_db) as con:
        df = indicators.trend(con, ADMIN, "abs_mean_pct", "institution", "999001", kommune=999)
    # 2023/24: grade 9 only, 7 %; 2024/25: 8 % (above)
    assert df["school_year"].tolist() == [2023, 2024]
    assert _close(df["value"][0], 0.07) and _close(df["value"][1], 0.08)

"""Cohort progression: the same pupils' change in norm-based score between two comparable tests."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core import database
from core.viewer import Viewer
from indicators import cohort_progression
from tests.test_indicators_data import add_institutions, insert

# (pupil, institution, school year, grade, score); reading throughout
ROWS = [
    ("c1", "999001", 2018, 2, 40),
    ("c2", "999001", 2018, 2, 50),
    ("c3", "999001", 2018, 2, 60),
    ("c4", "999001", 2018, 2, 30),
    ("c5", "999001", 2018, 2, 45),
    ("c6", "999002", 2018, 2, 35),
    ("c1", "999001", 2019, 3, 90),  # the sample year 2019/20: never paired
    ("c1", "999001", 2020, 4, 50),
    ("c2", "999001", 2020, 4, 55),
    ("c3", "999001", 2020, 4, 70),
    ("c4", "999001", 2020, 4, 30),
    ("c5", "999001", 2020, 4, 50),
    ("c6", "999002", 2020, 4, 55),
]
# C: two pupils (changes +10 and -5), so that the municipality minus A gives B and C together, not B alone
C_ROWS = [
    ("c7", "999003", 2018, 2, 40),
    ("c8", "999003", 2018, 2, 60),
    ("c7", "999003", 2020, 4, 50),
    ("c8", "999003", 2020, 4, 55),
]


def add_scores(db, rows) -> None:
    insert(
        db,
        "INSERT INTO test_pupil_results (batch_id, pupil_key, institution_id, school_year, grade, subject, "
        "test_kind, score) VALUES (0, ?, ?, ?, ?, 'dansk_laesning', 'national_test', ?)",
        rows,
    )


@pytest.fixture
def cohort_db(db):
    add_institutions(db)
    add_scores(db, ROWS + C_ROWS)
    return db


def progression(db, viewer="administration", **kw):
    with database.read(db) as con:
        return cohort_progression(con, Viewer.parse(viewer), kommune=999, **kw)


def test_mean_change_by_institution_and_municipality(cohort_db):
    df = progression(cohort_db)
    a = df[(df["unit_id"] == "999001") & (df["grade"] == 4)].iloc[0]
    # A: changes 2018 -> 2020 (2019 skipped) 10, 5, 10, 0, 5: mean 6; variance (250 - 30^2/5) / 4 = 17.5
    half = 2.7764 * math.sqrt(17.5 / 5)
    assert a["school_year"] == 2020 and a["value"] == 6 and a["n"] == 5
    assert abs(a["lower"] - (6 - half)) < 1e-3 and abs(a["upper"] - (6 + half)) < 1e-3
    # B (one pupil) and C (two) are withheld, but counted for the municipality: (30 + 20 + 5) / 8
    for small in ("999002", "999003"):
        b = df[(df["unit_id"] == small) & (df["grade"] == 4)].iloc[0]
        assert b["suppressed"] and math.isnan(b["value"]) and pd.isna(b["n"])
    m = df[(df["level"] == "municipality") & (df["grade"] == "all")].iloc[0]
    assert math.isclose(m["value"], 55 / 8) and m["n"] == 8
    assert set(df["school_year"]) == {2020}


def test_a_mean_that_would_give_a_small_one_back_is_withheld(db):
    # without C, the municipality (A + B) minus A would give B's one pupil: A is withheld as well
    add_institutions(db)
    add_scores(db, ROWS)
    df = progression(db)
    a = df[(df["unit_id"] == "999001") & (df["grade"] == 4)].iloc[0]
    assert a["suppressed"] and math.isnan(a["value"]) and pd.isna(a["n"])
    m = df[(df["level"] == "municipality") & (df["grade"] == 4)].iloc[0]
    assert math.isclose(m["value"], 50 / 6) and m["n"] == 6


def test_viewers(cohort_db):
    assert progression(cohort_db, "public").empty
    leader = progression(cohort_db, "leader:999002")
    assert set(leader["unit_id"]) == {"999", "999002"}
    # B's leader knows B's pupil: the municipality minus B gives A + C, two schools, so it stays shown
    assert not leader.loc[leader["level"] == "municipality", "suppressed"].any()
    assert progression(cohort_db, years=[2018]).empty

"""Comparisons: the municipality against the others (median), an institution against its municipality."""

from __future__ import annotations

import math

import pytest

from core import database
from core.viewer import Viewer
from indicators import comparison
from tests.test_indicators_data import add_aggregate_year, add_institutions, insert


@pytest.fixture
def four_municipalities(db):
    """One daycare in each of four municipalities; 2024 language assessments, general share:
    999 17/20 = 0.85, 101 10/20 = 0.50, 147 15/20 = 0.75, 151 12/20 = 0.60 (and 151 0.95 in 2023)."""
    add_institutions(
        db,
        [(f"D{code}", f"Dagtilbud {code}", "dagtilbud", code, None) for code in (999, 101, 147, 151)]
        + [("999001", "Skole A", "skole", 999, None)],
    )
    general = {(999, 2024): 17, (101, 2024): 10, (147, 2024): 15, (151, 2024): 12, (151, 2023): 19}
    rows = [(f"D{code}", year, 20, n, 20 - n, 0) for (code, year), n in general.items()]
    insert(db, "INSERT INTO language_assessments VALUES (0, ?, ?, ?, ?, ?, ?, NULL, DEFAULT)", rows)
    add_aggregate_year(db, "999001", 2020, (1, 1, 2, 4, 1, 1))
    return db


def test_the_median_of_the_other_municipalities(four_municipalities):
    with database.read(four_municipalities) as con:
        table = comparison.other_municipalities(con, Viewer.parse("public"), ("la_share_general", "nt_share_good"), 999)
    [row] = table.to_dict("records")  # the public sees no test indicator at all
    # 2024, the latest year: own 0.85; others 0.50, 0.75, 0.60 -> median 0.60 (151's 2023 is another year)
    assert (row["indicator"], row["school_year"], row["others"]) == ("la_share_general", 2024, 3)
    assert math.isclose(row["value"], 0.85) and math.isclose(row["others_median"], 0.60)


def test_a_test_indicator_has_no_other_municipalities(four_municipalities):
    with database.read(four_municipalities) as con:
        table = comparison.other_municipalities(con, Viewer.parse("council"), ("nt_share_good",), 999)
    [row] = table.to_dict("records")
    # § 55 b: the engine computes test results for the own municipality only; 6 of 10 are good
    assert row["others"] == 0 and math.isnan(row["others_median"]) and math.isclose(row["value"], 0.6)

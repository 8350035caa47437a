"""Why a goal cannot be followed: ``reasons.reason_no_data`` through ``evaluate_goals``, on real DuckDB files.

Golden reasons, worked out from the rows each test inserts; each is also in the goal's sentence, which
the goal card, the Dialog page, the dialogue sheet and the status report show.
"""

from __future__ import annotations

import pandas as pd
import pytest

from core import database
from core.viewer import Viewer
from indicators import evaluate_goals, save_goal, why_no_data
from tests.test_goals import goal
from tests.test_indicators_data import add_aggregate_year, add_institutions, insert

ADMIN = Viewer.parse("administration")
COMPLEMENTARY = "tallet er skjult, så en mindre gruppes tal ikke kan regnes ud"
NO_LEVELS = "testene i 2024/25 (nationale overgangstest) kun giver point og ingen præstationsniveauer"


def evaluate(db, **kw):
    with database.read(db) as con:
        return evaluate_goals(con, ADMIN, kommune=999, **kw)


def row(df, goal_id, unit="999"):
    return df[(df["goal_id"] == goal_id) & (df["unit_id"] == unit)].iloc[0]


def transition_tests(db, year: int, levels=None) -> None:
    """Six pupils of Skole A, grade 4, maths, points out of 40 (and a level where given)."""
    insert(
        db,
        "INSERT INTO test_pupil_results (batch_id, pupil_key, institution_id, school_year, grade, subject, "
        "test_kind, level, points, max_points) VALUES (0, ?, '999001', ?, 4, 'matematik', 'overgangstest', ?, ?, 40)",
        [(f"t{i}", year, None if levels is None else levels[i], 20 + i) for i in range(6)],
    )


@pytest.fixture
def reasons_db(db):
    """Skole A: old national tests 2020/21 (20 pupils), transition tests 2024/25 with points only;
    well-being 2023/24 and 2024/25 for A (40 respondents) and 2024/25 for B (3 respondents: too few, so A is hidden with it);
    goals on the share of good readers, well-being at least 4.0 and rising well-being."""
    add_institutions(db)
    add_aggregate_year(db, "999001", 2020, (1, 1, 5, 8, 3, 2), subject="matematik")
    transition_tests(db, 2024)
    insert(
        db,
        "INSERT INTO wellbeing VALUES (0, ?, ?, NULL, 'general', ?, ?)",
        [("999001", 2023, 3.7, 40), ("999001", 2024, 3.8, 40), ("999002", 2024, 4.1, 3)],
    )
    save_goal(db, goal("NT", "nt_share_good", ">=", 80, "2025/26", subject="matematik", scope="skoler"), "test")
    save_goal(db, goal("WB", "wb_general", ">=", 4, "2025/26", scope="skoler"), "test")
    save_goal(db, goal("WBUP", "wb_general", "stigende", scope="skoler"), "test")
    return db


def test_a_level_goal_in_a_year_of_points_only_says_the_tests_have_no_levels(reasons_db):
    df = evaluate(reasons_db, year=2024)
    r = row(df, "NT")
    assert r["status"] == "no_data" and r["reason"] == NO_LEVELS
    assert r["sentence"] == (
        f"Andel gode (nationale test): ingen værdi for 2024/25, fordi {NO_LEVELS}; målet er mindst 80,0 % i 2025/26."
    )
    # only that reason, for the school too (it has the same transition tests)
    assert set(df.loc[(df["goal_id"] == "NT") & (df["unit_id"] == "999001"), "reason"]) == {NO_LEVELS}


def test_the_no_levels_reason_comes_from_the_data_not_the_year(reasons_db):
    """Transition tests that do carry levels are not 'points only', whatever the year: the goal is followed."""
    transition_tests(reasons_db, 2025, levels=[4, 4, 5, 3, 2, 6])
    r = row(evaluate(reasons_db, year=2025), "NT")
    # levels 4, 4, 5 and 6 are "gode" (4 and up): 4 of 6 pupils, on the transition tests' own scale
    assert r["status"] != "no_data" and r["value"] == pytest.approx(4 / 6)
    assert r["reason"] != r["reason"]  # NaN: a goal with a value needs no reason


def test_a_year_without_a_survey_says_so(reasons_db):
    df = evaluate(reasons_db, year=2025)
    for goal_id in ("WB", "WBUP"):
        assert row(df, goal_id)["reason"] == "der ikke er indlæst nogen trivselsmåling for 2025/26"
    assert (
        "Generel skoletrivsel: ingen værdi for 2025/26, fordi der ikke er indlæst nogen trivselsmåling"
        in (row(df, "WB")["sentence"])
    )


def test_a_small_school_is_withheld_and_says_so(reasons_db):
    df = evaluate(reasons_db, year=2024)
    b = row(df, "WB", "999002")  # 3 respondents < 5
    assert b["status"] == "no_data" and b["reason"] == "færre end 5 indgår, så tallet vises ikke"
    assert "værdien for 2024/25 er skjult, fordi færre end 5 indgår" in b["sentence"]
    # Skole C has no survey while A and B have
    c = row(df, "WB", "999003")
    assert c["reason"] == "der ikke er indlæst nogen trivselsmåling for institutionen i 2024/25"
    # Skole A (40) is shown in the municipality's 43 with B: A's value would give B's back (rule 3)
    a = row(df, "WB", "999001")
    assert a["status"] == "no_data" and a["reason"] == COMPLEMENTARY
    assert "værdien for 2024/25 er skjult, så en mindre gruppes tal ikke kan regnes ud" in a["sentence"]
    # met or not met: no reason (2023/24: A's 3.7 alone)
    a = row(evaluate(reasons_db, year=2023), "WB", "999001")
    assert a["status"] == "not_met" and pd.isna(a["reason"])


def test_a_rising_goal_with_nothing_earlier_to_compare_with(reasons_db):
    # B's first survey is 2024/25 (withheld); A's 2023/24 (3.7) is the earliest year of the survey
    r = row(evaluate(reasons_db, year=2023), "WBUP", "999001")
    assert r["status"] == "no_data"
    assert r["reason"] == "der ikke er en tidligere sammenlignelig værdi at sammenligne med"


def test_nothing_loaded_says_so(db):
    add_institutions(db)
    save_goal(db, goal("WB", "wb_general", ">=", 4, "2025/26"), "test")
    r = row(evaluate(db), "WB")
    assert pd.isna(r["school_year"]) and r["reason"] == "der ikke er indlæst nogen trivselsmåling endnu"
    assert r["sentence"] == (
        "Generel skoletrivsel: ingen data, fordi der ikke er indlæst nogen trivselsmåling endnu; "
        "målet er mindst 4,0 i 2025/26."
    )


def test_why_no_data_names_the_institutions_only_when_not_all(reasons_db):
    df = evaluate(reasons_db, year=2024)
    why = why_no_data(df[df["level"] == "institution"])
    # NT: all three schools lack levels (B and C have no tests at all that year, but the municipality's
    # tests have no levels, which comes first)
    assert why["NT"] == f"Ingen data, fordi {NO_LEVELS}."
    assert why["WB"] == (
        f"Ingen data, fordi {COMPLEMENTARY} (Skole A). "
        "Ingen data, fordi færre end 5 indgår, så tallet vises ikke (Skole B). "
        "Ingen data, fordi der ikke er indlæst nogen trivselsmåling for institutionen i 2024/25 (Skole C)."
    )

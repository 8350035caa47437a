"""Test results stay inside the own municipality (§ 55 b), and districts of the same name in two
municipalities stay apart.

Two municipalities, each with one school in a district called "Nord": Eksempelby (999) school A
999001, and København (101) school K 101001. Both have an aggregated reading test in grade 4,
2020/21, and a well-being value for 2024/25.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core import database, settings
from core.viewer import Viewer
from indicators import compute, latest_year, level_distribution
from indicators.__main__ import export_table
from tests.test_indicators_data import add_aggregate_year, add_institutions, insert

ADMIN = Viewer.parse("administration")
TEST_INDICATORS = ("nt_share_good", "nt_share_top", "nt_share_poor", "nt_mean_score", "tt_mean_correct")


@pytest.fixture
def two_db(db: Path) -> Path:
    add_institutions(db, [("999001", "Skole A", "skole", 999, "Nord"), ("101001", "Skole K", "skole", 101, "Nord")])
    add_aggregate_year(db, "999001", 2020, (1, 1, 2, 4, 1, 1))  # good 6 of 10
    add_aggregate_year(db, "101001", 2020, (0, 0, 2, 4, 2, 2))  # good 8 of 10
    add_aggregate_year(db, "101001", 2021, (0, 0, 2, 4, 2, 2))  # a later year, only in 101
    insert(
        db,
        "INSERT INTO wellbeing VALUES (0, ?, 2024, NULL, 'general', ?, ?)",
        [("999001", 3.8, 40), ("101001", 3.5, 60)],
    )
    return db


def units(df) -> set[tuple[str, str]]:
    return set(zip(df["level"], df["unit_id"]))


@pytest.mark.parametrize("viewer", ["administration", "council", "leader:999001"])
def test_test_values_only_for_the_own_municipality(two_db, viewer, monkeypatch):
    monkeypatch.delenv("KVALITETSDIALOG_KOMMUNE", raising=False)  # the own municipality is the sample's, 999
    with database.read(two_db) as con:
        df = compute(con, Viewer.parse(viewer), "nt_share_good", subjects="all", grades="all")
    assert units(df) <= {("municipality", "999"), ("district", "999:Nord"), ("institution", "999001")}
    assert ("institution", "999001") in units(df)
    assert df["value"].tolist() == [0.6] * len(df)  # 6 good of 10, A's own value at every level


def test_own_municipality_from_argument_or_environment(two_db, monkeypatch):
    monkeypatch.setenv("KVALITETSDIALOG_KOMMUNE", "101")
    with database.read(two_db) as con:
        from_env = compute(con, ADMIN, "nt_share_good", subjects="all", grades="all", years=[2020])
        from_arg = compute(con, ADMIN, "nt_share_good", kommune=999, subjects="all", grades="all", years=[2020])
    assert units(from_env) == {("municipality", "101"), ("district", "101:Nord"), ("institution", "101001")}
    assert set(from_env["value"]) == {0.8}  # K: 8 good of 10
    assert units(from_arg) == {("municipality", "999"), ("district", "999:Nord"), ("institution", "999001")}


def test_a_leader_of_another_municipality_sees_no_test_values(two_db, monkeypatch):
    monkeypatch.delenv("KVALITETSDIALOG_KOMMUNE", raising=False)
    with database.read(two_db) as con:
        assert compute(con, Viewer.parse("leader:101001"), "nt_share_good").empty
        assert level_distribution(con, ADMIN, "101001").empty
        assert not level_distribution(con, ADMIN, "999001").empty


def test_public_indicators_for_every_municipality_with_distinct_districts(two_db):
    with database.read(two_db) as con:
        df = compute(con, ADMIN, "wb_general", grades="all")
    by_unit = dict(zip(zip(df["level"], df["unit_id"]), df["value"]))
    assert by_unit == {
        ("municipality", "101"): 3.5,
        ("municipality", "999"): 3.8,
        ("district", "101:Nord"): 3.5,
        ("district", "999:Nord"): 3.8,
        ("institution", "101001"): 3.5,
        ("institution", "999001"): 3.8,
    }
    assert set(df.loc[df["level"] == "district", "unit_name"]) == {"Nord"}


def test_latest_year_of_a_test_indicator_is_the_own_municipalitys(two_db):
    with database.read(two_db) as con:
        assert latest_year(con, "nt_share_good", kommune=999) == 2020  # 101's 2021/22 is not ours
        assert latest_year(con, "nt_share_good", kommune=101) == 2021
        assert latest_year(con, "wb_general", kommune=999) == 2024


def test_export_has_other_municipalities_only_for_public_indicators(two_db):
    with database.read(two_db) as con:
        table = export_table(con, ADMIN, 999)
    tests = table[table["indicator"].isin(TEST_INDICATORS)]
    assert not tests.empty and set(tests["unit_id"]) == {"999", "999001"}
    wellbeing = table[table["indicator"] == "wb_general"]
    assert set(wellbeing["unit_id"]) == {"999", "999001", "101", "101001"}


def test_export_command_uses_kommune(two_db):
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        [sys.executable, "-m", "indicators", "export", "--db", str(two_db), "--kommune", "101"],
        cwd=settings.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    rows = [line.split(",") for line in out.stdout.splitlines()[1:]]
    assert {r[2] for r in rows if r[0].startswith("nt_")} == {"101", "101001"}
    assert {r[2] for r in rows if r[0] == "wb_general"} == {"999", "999001", "101", "101001"}

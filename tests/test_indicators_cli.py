"""``python -m indicators export|goals``: the whole CSV text compared, as a user's shell sees it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core import database, settings
from indicators import save_goal
from tests.test_indicators_data import add_aggregate_year, add_institutions, insert

ROOT = settings.PROJECT_ROOT


def cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "KVALITETSDIALOG_KOMMUNE": "999", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "indicators", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def small_db(db: Path) -> Path:
    """Daycares D1 (20 children: 17/2/1) and D2 (4: 2/1/1); school A: well-being 3.8 without a
    respondent count, and one aggregated reading test in grade 4 (levels 1,1,2,4,1,1)."""
    add_institutions(
        db,
        [
            ("999001", "Skole A", "skole", 999, None),
            ("D1", "Dagtilbud 1", "dagtilbud", 999, None),
            ("D2", "Dagtilbud 2", "dagtilbud", 999, None),
        ],
    )
    insert(
        db,
        "INSERT INTO language_assessments VALUES (0, ?, 2024, ?, ?, ?, ?, NULL, DEFAULT)",
        [("D1", 20, 17, 2, 1), ("D2", 4, 2, 1, 1)],
    )
    insert(db, "INSERT INTO wellbeing VALUES (0, '999001', 2024, NULL, 'general', 3.8, NULL)", [()])
    add_aggregate_year(db, "999001", 2020, (1, 1, 2, 4, 1, 1))
    return db


# good 6/10, top 1/10, poor 2/10; one school, so the municipality equals it.
NT_ROWS = """\
{ind},municipality,999,2020/2021,dansk_laesning,4,{v},10,false
{ind},municipality,999,2020/2021,dansk_laesning,all,{v},10,false
{ind},municipality,999,2020/2021,all,4,{v},10,false
{ind},municipality,999,2020/2021,all,all,{v},10,false
{ind},institution,999001,2020/2021,dansk_laesning,4,{v},10,false
{ind},institution,999001,2020/2021,dansk_laesning,all,{v},10,false
{ind},institution,999001,2020/2021,all,4,{v},10,false
{ind},institution,999001,2020/2021,all,all,{v},10,false
"""
# well-being: a single unit with unknown respondents keeps its value, n empty.
# language: municipality (17 + 2) / 24 = 0.791667, (2 + 1) / 24 = 0.125, (1 + 1) / 24 = 0.083333; D2 withheld
# (4 children), and D1 with it, as the municipality minus D1 would give D2 back; neither shows its n.
OTHER_ROWS = """\
wb_general,municipality,999,2024/2025,,all,3.8,,false
wb_general,institution,999001,2024/2025,,all,3.8,,false
la_share_general,municipality,999,2024/2025,,,0.791667,24,false
la_share_general,institution,D1,2024/2025,,,,,true
la_share_general,institution,D2,2024/2025,,,,,true
la_share_focused,municipality,999,2024/2025,,,0.125,24,false
la_share_focused,institution,D1,2024/2025,,,,,true
la_share_focused,institution,D2,2024/2025,,,,,true
la_share_special,municipality,999,2024/2025,,,0.083333,24,false
la_share_special,institution,D1,2024/2025,,,,,true
la_share_special,institution,D2,2024/2025,,,,,true
"""
HEADER = "indicator,level,unit_id,school_year,subject,grade,value,n,suppressed\n"


def test_export_as_administration(small_db):
    result = cli("export", "--db", str(small_db))
    assert result.returncode == 0, result.stderr
    expected = HEADER + "".join(
        NT_ROWS.format(ind=i, v=v)
        for i, v in [("nt_share_good", "0.6"), ("nt_share_top", "0.1"), ("nt_share_poor", "0.2")]
    )
    assert result.stdout == expected + OTHER_ROWS


def test_export_public_has_no_test_values(small_db, tmp_path):
    out = tmp_path / "public.csv"
    result = cli("export", "--db", str(small_db), "--as", "public", "--out", str(out))
    assert result.returncode == 0 and result.stdout == ""
    assert out.read_text(encoding="utf-8") == HEADER + OTHER_ROWS
    with database.read(small_db) as con:
        audit = con.execute("SELECT who, action FROM audit_log").fetchall()
    assert audit == [("cli:public", "export")]


def test_export_as_leader(small_db):
    result = cli("export", "--db", str(small_db), "--as", "leader:D1")
    assert result.returncode == 0
    units = {tuple(line.split(",")[1:3]) for line in result.stdout.splitlines()[1:]}
    assert units == {("municipality", "999"), ("institution", "D1")}


def test_goals_command(small_db):
    save_goal(
        small_db,
        {
            "goal_id": "G1",
            "title": "Sprog",
            "indicator": "la_share_general",
            "scope": "dagtilbud",
            "direction": ">=",
            "target": "80 %",
            "target_year": "2026/27",
        },
        "test",
    )
    result = cli("goals", "--db", str(small_db))
    # municipality 0.791667 < 0.8 and a single year gives no line: not met; D2 withheld, and D1 with it
    assert result.stdout == (
        "goal_id,level,unit_id,school_year,indicator,value,target,status\n"
        "G1,municipality,999,2024/2025,la_share_general,0.791667,0.8,not_met\n"
        "G1,institution,D1,2024/2025,la_share_general,,0.8,no_data\n"
        "G1,institution,D2,2024/2025,la_share_general,,0.8,no_data\n"
    )
    # a year without data
    result = cli("goals", "--db", str(small_db), "--year", "2023/2024", "--as", "council")
    assert result.stdout.splitlines()[1] == "G1,municipality,999,2023/2024,la_share_general,,0.8,no_data"
    # another municipality has no institutions in the goal's scope, only its municipality row
    result = cli("goals", "--db", str(small_db), "--kommune", "101")
    assert result.stdout.splitlines()[1:] == ["G1,municipality,101,2024/2025,la_share_general,,0.8,no_data"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--as", "rektor"], "Ukendt seer 'rektor'"),
        (["goals", "--year", "2024"], "Skoleåret '2024' skal skrives som 2024/2025 eller 2024/25."),
        (["export", "--bogus"], "Ugyldige argumenter"),
        (["goals", "--kommune", "abc"], "Ugyldig kommunekode 'abc'."),
    ],
)
def test_user_errors(small_db, args, message):
    result = cli(*args, "--db", str(small_db))
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_missing_database(tmp_path):
    result = cli("export", "--db", str(tmp_path / "none.duckdb"))
    assert result.returncode == 1 and "findes ikke" in result.stderr and "Traceback" not in result.stderr


def test_sample_municipality_per_viewer(sample_db):
    """On the whole sample: public never gets a test value; a leader only their school and the municipality."""
    public = cli("export", "--db", str(sample_db), "--as", "public").stdout.splitlines()
    assert len(public) > 100
    assert not [line for line in public if line.startswith(("nt_", "tt_"))]
    leader = cli("export", "--db", str(sample_db), "--as", "leader:999001").stdout.splitlines()[1:]
    assert {tuple(line.split(",")[1:3]) for line in leader} == {("municipality", "999"), ("institution", "999001")}
    goals = cli("goals", "--db", str(sample_db), "--as", "public")
    assert goals.returncode == 0
    assert {line.split(",")[4] for line in goals.stdout.splitlines()[1:]}.isdisjoint(
        {"nt_share_good", "nt_share_top", "nt_share_poor", "nt_mean_score", "tt_mean_correct"}
    )

"""``python -m loaders import``: exit codes, stdout and stderr, through a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.settings import PROJECT_ROOT
from tests.fixtures_files import query, snapshot, write_csv

REGISTER = [["INST_NR", "INST_NAVN", "BEL_KOMMUNE"], ["999001", "Nordskolen", "999"]]
WELLBEING = [
    ["skoleår", "institutionsnummer", "trivselsindikator", "indikatorsvar"],
    ["2024/25", "999001", "Faglig trivsel", "3,8"],
]


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loaders", "import", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def test_cli_loads_and_prints_one_line_per_file(tmp_path: Path):
    db = tmp_path / "cli.duckdb"
    files = [write_csv(tmp_path / "reg.csv", REGISTER), write_csv(tmp_path / "trivsel.csv", WELLBEING)]
    done = _run("--db", str(db), *map(str, files))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("reg.csv: institutioner") and "indlæst" in lines[1]
    assert query(db, "SELECT indicator, value FROM wellbeing") == [("academic", 3.8)]
    again = _run("--db", str(db), str(files[1]))
    assert again.returncode == 0 and "uændret" in again.stdout


def test_cli_rejects_with_danish_report_and_exit_1(tmp_path: Path):
    db = tmp_path / "cli.duckdb"
    _run("--db", str(db), str(write_csv(tmp_path / "reg.csv", REGISTER)))
    before = snapshot(db)
    bad = write_csv(
        tmp_path / "trivsel.csv",
        [WELLBEING[0], ["2024/25", "999001", "Faglig trivsel", "8"], ["2024", "999001", "Ro og orden", "3"]],
    )
    # The database comes from KVALITETSDIALOG_DB when --db is left out.
    done = _run(str(bad), env={"KVALITETSDIALOG_DB": str(db)})
    assert done.returncode == 1 and done.stdout == ""
    assert "trivsel.csv, række 2, kolonne 'indikatorsvar': '8' ligger ikke mellem 1 og 5" in done.stderr
    assert "trivsel.csv, række 3, kolonne 'skoleår': '2024' er ikke et skoleår" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(db) == before


def test_cli_dry_run_and_kind(tmp_path: Path):
    db = tmp_path / "cli.duckdb"
    _run("--db", str(db), str(write_csv(tmp_path / "reg.csv", REGISTER)))
    before = snapshot(db)
    done = _run("--db", str(db), "--dry-run", "--kind", "wellbeing", str(write_csv(tmp_path / "t.csv", WELLBEING)))
    assert done.returncode == 0 and "prøvekørsel" in done.stdout
    assert snapshot(db) == before


def test_cli_missing_file_and_unknown_sheet_are_user_errors(tmp_path: Path):
    db = tmp_path / "cli.duckdb"
    done = _run("--db", str(db), str(tmp_path / "findes_ikke.csv"))
    assert done.returncode == 1 and "kan ikke læses" in done.stderr and "Traceback" not in done.stderr

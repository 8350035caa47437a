"""Crash safety: an import killed with SIGKILL at any point leaves the earlier data intact and nothing of its batch.

``python -m loaders import`` runs in a subprocess through ``tests/pause_import.py``,
which wraps the importer's functions from outside so that it stops at a named
phase and says so on stderr; the test then kills it. The
killed import is a new school year of well-being for every sample school
*and* a corrected 2024/25 extract for one school, so an interrupted batch
could both add rows and have deleted the rows it replaces.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core import database

ROOT = Path(__file__).resolve().parent.parent
# Every table a data import or its log may touch; compared whole, row for row.
TABLES = (
    "institutions",
    "municipalities",
    "import_batches",
    "test_pupil_results",
    "test_aggregates",
    "wellbeing",
    "language_assessments",
    "absence",
    "exam_grades",
    "youth_transition",
    "competence",
    "goal_versions",
)
INDICATORS = ("Social trivsel", "Faglig trivsel", "Støtte og inspiration", "Ro og orden", "Generel skoletrivsel")


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every data table, in a stable order."""
    with database.read(db) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def schools(db: Path) -> list[str]:
    with database.read(db) as con:
        return [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT institution_id FROM wellbeing WHERE school_year = 2024 ORDER BY 1"
            ).fetchall()
        ]


def write_extract(path: Path, school_ids: list[str]) -> int:
    """2025/26 for every school (grades 4-9, five indicators) plus a corrected 2024/25 for the first; rows written."""
    lines = ["skoleår;institutionsnummer;klassetrin;trivselsindikator;indikatorsvar;antal besvarelser"]
    for inst in school_ids:
        for grade in range(4, 10):
            for i, indicator in enumerate(INDICATORS):
                lines.append(f"2025/2026;{inst};{grade};{indicator};{3 + i / 10:.1f}".replace(".", ",") + ";21")
    for grade in range(4, 10):
        lines.append(f"2024/2025;{school_ids[0]};{grade};Social trivsel;4,9;30")
    path.write_text("\n".join(lines) + "\n", encoding="cp1252")
    return len(lines) - 1


def start_import(db: Path, extract: Path, phase: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.pause_import", phase, "import", "--db", str(db), str(extract)],
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_phase(proc: subprocess.Popen, phase: str, timeout: float = 60) -> None:
    """Read the import's stderr until it says it is paused at ``phase``."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            proc.kill()
            pytest.fail(f"the import ended before reaching {phase}: {''.join(seen)}")
        seen.append(line)
        if line.strip() == f"PAUSED={phase}":
            return
    proc.kill()
    pytest.fail(f"the import did not reach {phase} in {timeout} s")


def kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    proc.stdout.close()
    proc.stderr.close()


def assert_locks_free(db: Path) -> None:
    """Both lock files can be taken exclusively at once: flock locks died with the killed process."""
    for lock in (Path(f"{db}.gate"), Path(f"{db}.lock")):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)  # absent if killed before its first lock
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises BlockingIOError if still held
        finally:
            os.close(fd)


def reimport(db: Path, extract: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loaders", "import", "--db", str(db), str(extract)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
@pytest.mark.parametrize("phase", ["validating", "begun", "written"])
def test_a_kill_before_commit_leaves_the_earlier_data_and_nothing_of_the_batch(sample_db, tmp_path, phase):
    extract = tmp_path / "trivsel-2025.csv"
    ids = schools(sample_db)
    rows = write_extract(extract, ids)
    before = snapshot(sample_db)
    generation = database.current_generation(sample_db)

    proc = start_import(sample_db, extract, phase)
    wait_for_phase(proc, phase)
    kill(proc)

    assert_locks_free(sample_db)
    assert snapshot(sample_db) == before  # opens, earlier data intact, no rows and no log entry of the batch
    assert database.current_generation(sample_db) == generation
    with database.write(sample_db) as con:  # a writer gets in at once and the file takes writes
        assert con.execute("SELECT count(*) FROM wellbeing WHERE school_year = 2025").fetchall() == [(0,)]

    done = reimport(sample_db, extract)
    assert done.returncode == 0, done.stderr
    # The corrected 2024/25 replaces every earlier 2024/25 row of the first school (scope: year, institution).
    replaced = sum(r[1] == ids[0] and r[2] == 2024 for r in before["wellbeing"])
    assert replaced > 6
    assert f"{rows} rækker, {replaced} tidligere rækker erstattet" in done.stdout
    after = snapshot(sample_db)
    # 6 grades x 5 indicators for every school in 2025/26: the whole batch, once.
    assert sum(r[2] == 2025 for r in after["wellbeing"]) == len(ids) * 6 * 5
    assert [r[8] for r in after["import_batches"][len(before["import_batches"]) :]] == ["indlæst"]


@pytest.mark.slow
def test_a_kill_after_commit_keeps_the_whole_batch_and_a_rerun_changes_nothing(sample_db, tmp_path):
    """Killed between COMMIT and the checkpoint: the committed batch is replayed from DuckDB's WAL, all of it."""
    extract = tmp_path / "trivsel-2025.csv"
    ids = schools(sample_db)
    rows = write_extract(extract, ids)
    reference = tmp_path / "reference.duckdb"  # the same import, not interrupted, on a copy
    reference.write_bytes(sample_db.read_bytes())
    Path(f"{reference}.generation").write_text(Path(f"{sample_db}.generation").read_text())
    assert reimport(reference, extract).returncode == 0

    proc = start_import(sample_db, extract, "committed")
    wait_for_phase(proc, "committed")
    kill(proc)

    assert_locks_free(sample_db)
    killed, expected = snapshot(sample_db), snapshot(reference)
    # Identical data; the log differs only in when and by whom the batch ran.
    assert {t: v for t, v in killed.items() if t != "import_batches"} == {
        t: v for t, v in expected.items() if t != "import_batches"
    }
    assert sum(r[2] == 2025 for r in killed["wellbeing"]) == len(ids) * 6 * 5
    assert [r[8] for r in killed["import_batches"]][-1] == "indlæst"

    again = reimport(sample_db, extract)
    assert again.returncode == 0, again.stderr
    assert "er uændret" in again.stdout and str(rows) not in again.stdout.split("er uændret")[1]


@pytest.mark.slow
def test_a_kill_at_any_moment_leaves_either_the_old_or_the_whole_new_data(sample_db, tmp_path):
    """No hook: kills spread over an uninterrupted import's duration (so also inside CHECKPOINT) never show a part."""
    extract = tmp_path / "trivsel-2025.csv"
    write_extract(extract, schools(sample_db))
    reference = tmp_path / "reference.duckdb"
    reference.write_bytes(sample_db.read_bytes())
    Path(f"{reference}.generation").write_text(Path(f"{sample_db}.generation").read_text())
    started = time.monotonic()
    assert reimport(reference, extract).returncode == 0
    duration = time.monotonic() - started

    def data(snap: dict) -> dict:
        return {t: v for t, v in snap.items() if t != "import_batches"}

    old, new = data(snapshot(sample_db)), data(snapshot(reference))
    outcomes = []
    for fraction in (0.4, 0.7, 0.85, 0.95):
        db = tmp_path / f"killed-{fraction}.duckdb"
        db.write_bytes(sample_db.read_bytes())
        Path(f"{db}.generation").write_text(Path(f"{sample_db}.generation").read_text())
        proc = subprocess.Popen(
            [sys.executable, "-m", "loaders", "import", "--db", str(db), str(extract)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        assert_locks_free(db)
        state = data(snapshot(db))
        assert state in (old, new), f"killed at {fraction:.0%} of the import: a partial batch"
        outcomes.append("new" if state == new else "old")
        assert reimport(db, extract).returncode == 0
        assert data(snapshot(db)) == new
    assert "old" in outcomes  # the early kills did interrupt the import (the sweep is not vacuous)

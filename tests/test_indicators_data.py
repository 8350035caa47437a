"""A small extract, inserted into a real DuckDB file, whose indicator values the tests work out by hand.

Eksempelby (999): schools A 999001 and B 999002 in district Nord, school C 999003 in district
Syd, daycares D1 and D2 (no district). København (101): school K 101001.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core import database

INSTITUTIONS = [
    ("999001", "Skole A", "skole", 999, "Nord"),
    ("999002", "Skole B", "skole", 999, "Nord"),
    ("999003", "Skole C", "skole", 999, "Syd"),
    ("D1", "Dagtilbud 1", "dagtilbud", 999, None),
    ("D2", "Dagtilbud 2", "dagtilbud", 999, None),
    ("101001", "Skole K", "skole", 101, None),
]

# National tests 2020/21, pupil level: (pupil, institution, grade, class, subject, level, score)
PUPILS = [
    ("p1", "999001", 4, "4.A", "dansk_laesning", 4, 60),
    ("p2", "999001", 4, "4.A", "dansk_laesning", 5, 70),
    ("p3", "999001", 4, "4.A", "dansk_laesning", 6, 80),
    ("p4", "999001", 4, "4.B", "dansk_laesning", 3, 40),
    ("p5", "999001", 4, "4.B", "dansk_laesning", 2, 20),
    ("p6", "999001", 4, "4.B", "dansk_laesning", 4, 50),
    ("p1", "999001", 4, "4.A", "matematik", 4, 55),
    ("p2", "999001", 4, "4.A", "matematik", 4, 65),
    ("p3", "999001", 4, "4.A", "matematik", 1, 15),
    ("p4", "999001", 4, "4.B", "matematik", 3, 45),
    ("q1", "999002", 4, None, "dansk_laesning", 4, 50),
    ("q2", "999002", 4, None, "dansk_laesning", 4, 60),
    ("q3", "999002", 4, None, "dansk_laesning", 1, 10),
]
# National tests 2020/21, aggregated: (institution, grade, subject, n_tested, level counts 1-6, mean score)
AGGREGATES = [("999001", 6, "dansk_laesning", 5, (0, 1, 1, 2, 1, 0), 50.0)]


def insert(db: Path, sql: str, rows: list[tuple]) -> None:
    """Insert rows into a real database file through the one writer."""
    with database.write(db) as con:
        con.executemany(sql, rows)


def add_institutions(db: Path, rows=INSTITUTIONS) -> None:
    insert(
        db,
        "INSERT INTO institutions (institution_id, name, kind, municipality_code, district) VALUES (?, ?, ?, ?, ?)",
        rows,
    )


def add_tests(db: Path, year: int = 2020, kind: str = "national_test") -> None:
    insert(
        db,
        "INSERT INTO test_pupil_results (batch_id, pupil_key, institution_id, school_year, grade, class, "
        f"subject, test_kind, level, score) VALUES (0, ?, ?, {year}, ?, ?, ?, '{kind}', ?, ?)",
        PUPILS,
    )
    insert(
        db,
        "INSERT INTO test_aggregates (batch_id, institution_id, school_year, grade, subject, test_kind, "
        "n_tested, level_1, level_2, level_3, level_4, level_5, level_6, mean_score) "
        f"VALUES (0, ?, {year}, ?, ?, '{kind}', ?, ?, ?, ?, ?, ?, ?, ?)",
        [(i, g, s, n, *levels, m) for i, g, s, n, levels, m in AGGREGATES],
    )


def add_aggregate_year(
    db: Path, institution: str, year: int, levels: tuple, subject="dansk_laesning", grade=4, kind="national_test"
) -> None:
    """One aggregated test cell: counts at levels 1-6."""
    insert(
        db,
        "INSERT INTO test_aggregates (batch_id, institution_id, school_year, grade, subject, test_kind, "
        "n_tested, level_1, level_2, level_3, level_4, level_5, level_6) "
        "VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(institution, year, grade, subject, kind, sum(levels), *levels)],
    )


def add_others(db: Path) -> None:
    """Well-being, absence, language, exams, transition and competence for 2024/25 (transition 2023/24)."""
    insert(
        db,
        "INSERT INTO wellbeing VALUES (0, ?, 2024, ?, 'general', ?, ?)",
        [
            ("999001", 4, 4.0, 10),
            ("999001", 5, 3.5, 10),
            ("999001", None, 3.8, 20),
            ("999002", None, 3.0, None),
            ("999003", None, 3.6, 4),
            ("101001", None, 3.9, 50),
        ],
    )
    insert(
        db,
        "INSERT INTO absence (batch_id, institution_id, school_year, n_pupils, absence_pct, share_over_10) "
        "VALUES (0, ?, 2024, ?, ?, ?)",
        [("999001", 100, 0.05, 0.10), ("999002", 3, 0.20, 1 / 3)],
    )
    insert(
        db,
        "INSERT INTO language_assessments VALUES (0, ?, 2024, ?, ?, ?, ?, NULL, DEFAULT)",
        [("D1", 20, 17, 2, 1), ("D2", 4, 2, 1, 1)],
    )
    insert(
        db,
        "INSERT INTO exam_grades (batch_id, institution_id, school_year, n_pupils, mean_grade, socref, "
        "socref_diff) VALUES (0, ?, 2024, ?, ?, ?, ?)",
        [("999001", 20, 7.0, 6.5, 0.5), ("999002", 4, 5.0, 6.0, -1.0)],
    )
    insert(db, "INSERT INTO youth_transition VALUES (0, '999001', 2023, 20, 0.9, 0.95)", [()])
    insert(
        db,
        "INSERT INTO competence VALUES (0, '999001', 2024, ?, ?, ?)",
        [("dansk", 100, 90), ("matematik", 100, 100), (None, 200, 150)],
    )


@pytest.fixture
def extract_db(db: Path) -> Path:
    """The whole small extract."""
    add_institutions(db)
    add_tests(db)
    add_others(db)
    return db


def test_extract_loads(extract_db):
    with database.read(extract_db) as con:
        assert con.execute("SELECT count(*) FROM test_pupil_results").fetchone()[0] == len(PUPILS)

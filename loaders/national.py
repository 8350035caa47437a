"""Checking a national-levels file row by row: the value by the goal target's rule, the subject and grade by the indicator.

A national figure is written as a goal's target is (``78,3 %``, ``78,3`` or ``0,783`` for a share) and read by
the same function (``indicators.goals.normalise_target``), so the two cannot drift. The file-level checks
(columns, types, a key given twice) stay set-wise in the staged SQL (``loaders.kinds.NATIONAL_LEVELS``).
"""

from __future__ import annotations

import duckdb

from core.errors import KvalitetsdialogError, Problem
from indicators.catalogue import CATALOGUE, SUBJECTS
from indicators.goals import normalise_target
from loaders import staging
from loaders.kinds import NATIONAL_CLEANED
from loaders.staging import Match


def _row_problems(indicator_id: str, subject: str | None, grade: int | None, text: str) -> tuple[float | None, list]:
    """The value as stored and the (column, message) problems of one row whose indicator is known."""
    ind = CATALOGUE[indicator_id]
    problems = []
    if subject is not None and subject not in ind.subjects:
        has = ", ".join(SUBJECTS[s] for s in ind.subjects) if ind.subjects else "ingen fag"
        problems.append(("subject", f"indikatoren {ind.id} har ikke faget {SUBJECTS[subject]} ({has})"))
    if grade is not None and not ind.has_grades:
        problems.append(("grade", f"indikatoren {ind.id} kan ikke opdeles på klassetrin"))
    try:
        value = normalise_target(ind, text, "Værdien")
    except KvalitetsdialogError as e:
        problems.append(("value", e.message[0].lower() + e.message[1:].rstrip(".")))
        value = None
    return value, problems


def check(
    stage: duckdb.DuckDBPyConnection, m: Match, display: str, problems: list[Problem], more: int
) -> tuple[list[Problem], int]:
    """Add each row's problems to the staged file-level ones (a file-level one on the same cell wins) and write
    the values to ``NATIONAL_CLEANED``, which the shape's output reads.

    Returns the problems in row and column order, the first ``MAX_PROBLEMS``, and how many more.
    """
    rows = stage.execute(
        "SELECT _row, v_indicator, v_subject, v_grade, value FROM clean WHERE v_indicator IS NOT NULL ORDER BY _row"
    ).fetchall()
    found, cleaned = [], []
    for row, indicator_id, subject, grade, text in rows:
        if text is None:
            continue  # a missing value is a file-level problem already
        value, row_problems = _row_problems(indicator_id, subject, grade, text)
        cleaned.append((row, value))
        found += [Problem(display, row, m.label(c), message) for c, message in row_problems]
    stage.execute(f"CREATE OR REPLACE TABLE {NATIONAL_CLEANED} (_row BIGINT, value DOUBLE)")
    if cleaned:
        stage.executemany(f"INSERT INTO {NATIONAL_CLEANED} VALUES (?, ?)", cleaned)
    return staging.merge(m, problems, found, more)

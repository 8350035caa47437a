"""Loading the goal sheet: the sheet is the whole goal list, kept as versions.

Each row is checked and normalised by ``indicators.goals.check_goal``, the same
rules the app's goal form uses, so the two cannot drift (``check``); only
file-level checks (a goal id given twice, a missing id) stay set-wise in the
staged SQL (``loaders.kinds.GOALS``).

A goal that is new or changed gets a new version (who, when, which batch); an
unchanged goal gets nothing; a goal missing from the sheet gets a ``deleted``
version, so the history of every goal stays readable. The versions are written
by ``indicators.goals.replace_all``, the form's own path, with an audit entry
for each goal.
"""

from __future__ import annotations

import duckdb

from core.errors import Problem
from indicators.goals import FIELDS as ALL_FIELDS
from indicators.goals import check_goal, replace_all
from loaders import staging
from loaders.kinds import GOALS_CLEANED
from loaders.staging import Match

_TYPES = {"grade": "TINYINT", "target": "DOUBLE", "target_year": "SMALLINT"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check(
    stage: duckdb.DuckDBPyConnection, m: Match, display: str, institutions: set[str], problems: list[Problem], more: int
) -> tuple[list[Problem], int]:
    """Add every row's per-goal problems to the staged file-level ones (one problem per cell: a
    file-level one wins), and write the normalised goals to ``GOALS_CLEANED``, which the shape's
    output reads.

    Returns the problems in row and column order, the first ``MAX_PROBLEMS``, and how many more.
    """
    present = [f for f in ALL_FIELDS if f in m.index]
    rows = stage.execute(f"SELECT _row, {', '.join(_q(f) for f in present)} FROM clean ORDER BY _row").fetchall()
    found, cleaned = [], []
    for row, *cells in rows:
        goal, goal_problems = check_goal(dict(zip(present, cells)), institutions)
        cleaned.append([row] + [goal[f] for f in ALL_FIELDS])
        found += [Problem(display, row, m.label(field), message) for field, message in goal_problems]
    columns = ", ".join(f"{f} {_TYPES.get(f, 'VARCHAR')}" for f in ALL_FIELDS)
    stage.execute(f"CREATE OR REPLACE TABLE {GOALS_CLEANED} (_row BIGINT, {columns})")
    if cleaned:
        stage.executemany(f"INSERT INTO {GOALS_CLEANED} VALUES ({', '.join('?' * (len(ALL_FIELDS) + 1))})", cleaned)
    return staging.merge(m, problems, found, more)


def load(con: duckdb.DuckDBPyConnection, source: str, batch_id: int, user: str) -> tuple[int, int]:
    """Make the stored goal list the sheet staged in ``source`` (a table name), through the same versioning
    (and audit entry per goal) as the app's goal form.

    Returns (new versions written, earlier versions they supersede).
    """
    rows = con.execute(f"SELECT {', '.join(ALL_FIELDS)} FROM {source} ORDER BY goal_id").fetchall()
    return replace_all(con, [dict(zip(ALL_FIELDS, row)) for row in rows], user, batch_id)

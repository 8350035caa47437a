"""Loading the goal sheet: the sheet is the whole goal list, kept as versions.

A goal that is new or changed gets a new version (who, when, which batch); an
unchanged goal gets nothing; a goal missing from the sheet gets a ``deleted``
version, so the history of every goal stays readable.
"""

from __future__ import annotations

import duckdb

FIELDS = ("title", "indicator", "subject", "grade", "scope", "direction", "target", "target_year", "adopted",
          "note")

_LATEST = """(SELECT * FROM goal_versions
              QUALIFY row_number() OVER (PARTITION BY goal_id ORDER BY version DESC) = 1)"""


def load(con: duckdb.DuckDBPyConnection, batch_id: int, user: str) -> tuple[int, int]:
    """Version the goals in ``incoming`` against the stored list.

    Returns (new versions written, earlier versions they supersede).
    """
    changed = " OR ".join(f"i.{f} IS DISTINCT FROM c.{f}" for f in FIELDS)
    fields = ", ".join(FIELDS)
    added = con.execute(f"""
        INSERT INTO goal_versions (goal_id, version, {fields}, deleted, changed_by, batch_id)
        SELECT i.goal_id, coalesce(c.version, 0) + 1, {', '.join(f'i.{f}' for f in FIELDS)}, false, ?, ?
        FROM incoming i LEFT JOIN {_LATEST} c USING (goal_id)
        WHERE c.goal_id IS NULL OR c.deleted OR {changed}""", [user, batch_id]).fetchall()[0][0]
    deleted = con.execute(f"""
        INSERT INTO goal_versions (goal_id, version, {fields}, deleted, changed_by, batch_id)
        SELECT c.goal_id, c.version + 1, {', '.join(f'c.{f}' for f in FIELDS)}, true, ?, ?
        FROM {_LATEST} c
        WHERE NOT c.deleted AND c.goal_id NOT IN (SELECT goal_id FROM incoming)""", [user, batch_id]).fetchall()[0][0]
    superseded = con.execute("SELECT count(*) FROM goal_versions WHERE batch_id = ? AND version > 1",
                             [batch_id]).fetchall()[0][0]
    return added + deleted, superseded

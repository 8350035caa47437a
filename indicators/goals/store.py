"""Goals as stored: every change is a new version, and every version is audited.

A goal is never overwritten: a change adds a version to ``goal_versions``, and
deleting adds a version marked deleted (the view ``goals`` shows the current,
undeleted versions). ``add_version`` is the one way a version is written: the
app's goal form (``save_goal``, ``delete_goal``) and the goal sheet loader
(``replace_all``, the sheet being the whole list) both go through it, so both
write the same audit entry for each goal they change.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from core import audit, danish, database, schoolyear
from core.errors import AccessDenied, KvalitetsdialogError
from core.viewer import Viewer
from indicators.catalogue import CATALOGUE
from indicators.goals.rules import FIELDS, clean_goal


def _current_version(con: duckdb.DuckDBPyConnection, goal_id: str) -> tuple | None:
    rows = con.execute(
        f"SELECT {', '.join(FIELDS)}, deleted, version FROM goal_versions WHERE goal_id = ? "
        "ORDER BY version DESC LIMIT 1",
        [goal_id],
    ).fetchall()  # not fetchone(): it would leave the result open, and DuckDB then refuses the caller's next step
    return rows[0] if rows else None


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-12
    return str(a) == str(b)


def add_version(
    con: duckdb.DuckDBPyConnection, goal: dict, user: str, *, deleted: bool = False, batch_id: int | None = None
) -> int | None:
    """Add a version of a cleaned goal, and its audit entry, inside the caller's transaction.

    Returns the new version, or None when the goal is unchanged (so saving or loading the same
    goal twice changes nothing).
    """
    current = _current_version(con, goal["goal_id"])
    values = [goal.get(k) for k in FIELDS]
    if current is not None:
        same = all(_same(a, b) for a, b in zip(current[: len(FIELDS)], values)) and current[-2] == deleted
        if same:
            return None
    version = (current[-1] if current else 0) + 1
    con.execute(
        f"INSERT INTO goal_versions ({', '.join(FIELDS)}, version, deleted, changed_by, batch_id) "
        f"VALUES ({', '.join('?' * (len(FIELDS) + 4))})",
        values + [version, deleted, user, batch_id],
    ).fetchall()
    details = f"version {version}" + (" (slettet)" if deleted else "")
    if batch_id is not None:
        details += f", målark (indlæsning {batch_id})"
    audit.insert(con, user, None, "goal_change", goal["goal_id"], details)
    return version


def _in_transaction(db: Path, change) -> int | None:
    with database.write(Path(db)) as con:
        con.execute("BEGIN")
        try:
            version = change(con)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return version


def save_goal(db: Path, goal: dict, user: str) -> int | None:
    """Validate a goal and add it as a new version; raises KvalitetsdialogError listing every problem.

    Returns the new version number (None when nothing changed).
    """

    def change(con):
        known = {r[0] for r in con.execute("SELECT institution_id FROM institutions").fetchall()}
        cleaned, problems = clean_goal(goal, known)
        if problems:
            raise KvalitetsdialogError("\n".join(problems), "Målet blev ikke gemt")
        return add_version(con, cleaned, user)

    return _in_transaction(db, change)


def delete_goal(db: Path, goal_id: str, user: str) -> int | None:
    """Mark a goal deleted (as a new version; its history stays)."""

    def change(con):
        row = con.execute(f"SELECT {', '.join(FIELDS)} FROM goals WHERE goal_id = ?", [goal_id]).fetchone()
        if row is None:
            raise KvalitetsdialogError(f"Målet '{goal_id}' findes ikke.", "Ukendt mål")
        return add_version(con, dict(zip(FIELDS, row)), user, deleted=True)

    return _in_transaction(db, change)


def replace_all(con: duckdb.DuckDBPyConnection, goals: list[dict], user: str, batch_id: int) -> tuple[int, int]:
    """Make the goal list exactly ``goals`` (cleaned), inside the caller's transaction: a new or
    changed goal gets a version, an unchanged one nothing, a goal missing from the list a deleted one.

    Returns (new versions written, earlier versions they supersede).
    """
    listed = {g["goal_id"] for g in goals}
    gone = [
        dict(zip(FIELDS, row))
        for row in con.execute(f"SELECT {', '.join(FIELDS)} FROM goals ORDER BY goal_id").fetchall()
        if row[0] not in listed
    ]
    versions = [add_version(con, g, user, batch_id=batch_id) for g in goals]
    versions += [add_version(con, g, user, deleted=True, batch_id=batch_id) for g in gone]
    written = [v for v in versions if v is not None]
    return len(written), sum(v > 1 for v in written)


def goal_history(con: duckdb.DuckDBPyConnection, goal_id: str | None = None) -> pd.DataFrame:
    """Every version of one goal (or of all goals), oldest first: who changed what, when."""
    where, params = ("WHERE goal_id = ?", [goal_id]) if goal_id is not None else ("", [])
    return con.execute(
        f"SELECT goal_id, version, {', '.join(FIELDS[1:])}, deleted, changed_by, changed_at, batch_id "
        f"FROM goal_versions {where} ORDER BY goal_id, version",
        params,
    ).df()


def _visible(viewer: Viewer, indicator_id: str) -> bool:
    return indicator_id in CATALOGUE and (viewer.sees_national_tests or not CATALOGUE[indicator_id].confidential)


def current_goals(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """The current goals as adopted (subject, grade, scope ...); test goals only for those who see tests."""
    df = con.execute(f"SELECT {', '.join(FIELDS)} FROM goals ORDER BY goal_id").df()
    return df[df["indicator"].map(lambda i: _visible(viewer, i))].reset_index(drop=True)


def changes(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """Every goal version, newest first, with Danish column names (administration only)."""
    if viewer.role != "administration":
        raise AccessDenied("Kun forvaltningen kan se målenes historik.", "målhistorik")
    h = goal_history(con).sort_values(["changed_at", "goal_id"], ascending=[False, True])
    return pd.DataFrame(
        {
            "Tidspunkt": h["changed_at"].map(danish.timestamp),
            "Mål": h["title"],
            "Version": h["version"],
            "Indikator": h["indicator"].map(lambda i: CATALOGUE[i].label if i in CATALOGUE else i),
            "Retning": h["direction"],
            "Målværdi": [
                danish.value(t, CATALOGUE[i].unit) if i in CATALOGUE else t for t, i in zip(h["target"], h["indicator"])
            ],
            "Målår": [schoolyear.short(int(y)) if pd.notna(y) else "" for y in h["target_year"]],
            "Ændring": [
                "slettet" if d else ("oprettet" if v == 1 else "rettet") for d, v in zip(h["deleted"], h["version"])
            ],
            "Af": h["changed_by"].fillna(""),
        }
    )

"""Reads that are not indicators: settings, the institution list, the import log, coverage.

Every function takes ``(con, viewer, ...)`` like the indicator engine, so pages
call them through ``Context.read`` and the viewer scopes what comes back.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core import danish, schoolyear
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from indicators.catalogue import CATALOGUE

# Source tables and their Danish names, in the order the coverage table shows them.
SOURCES = {
    "institutions": "Institutionsregister",
    "test_pupil_results": "Nationale test (elevniveau)",
    "test_aggregates": "Nationale test (aggregeret)",
    "wellbeing": "Trivselsmåling",
    "language_assessments": "Sprogvurdering",
    "absence": "Elevfravær",
    "exam_grades": "Karakterer",
    "youth_transition": "Overgang til ungdomsuddannelse",
    "competence": "Kompetencedækning",
    "goal_versions": "Mål",
}
_CONFIDENTIAL_SOURCES = ("test_pupil_results", "test_aggregates")
_YEARLESS_SOURCES = ("institutions", "goal_versions")


def _require_administration(viewer: Viewer) -> None:
    if viewer.role != "administration":
        raise KvalitetsdialogError("Kun forvaltningen kan se importerne.", "Ingen adgang")


def meta(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> dict[str, str]:
    """The database's settings (``demo`` etc.); nothing here is confidential."""
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


def municipality_name(con: duckdb.DuckDBPyConnection, viewer: Viewer, code: int) -> str:
    row = con.execute("SELECT name FROM municipalities WHERE code = ?", [code]).fetchone()
    return f"{row[0]} Kommune" if row else f"Kommune {code}"


def institutions(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommune: int) -> pd.DataFrame:
    """The municipality's institutions the viewer may see: schools, then daycares, by name."""
    df = con.execute(
        """
        SELECT i.institution_id, i.name, i.kind, i.district, i.parent_id, p.name AS parent_name
        FROM institutions i LEFT JOIN institutions p ON p.institution_id = i.parent_id
        WHERE i.municipality_code = ?
        ORDER BY i.kind DESC, i.name  -- schools first
        """,
        [kommune],
    ).df()
    return df[df["institution_id"].map(viewer.sees_institution)].reset_index(drop=True)


def import_log(con: duckdb.DuckDBPyConnection, viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    """The latest import batches, newest first (administration only)."""
    _require_administration(viewer)
    return con.execute(
        """
        SELECT batch_id, imported_at, file_name, kind, status, rows_read, rows_loaded,
               rows_rejected, replaced, scope, imported_by, messages
        FROM import_batches ORDER BY batch_id DESC LIMIT ?
        """,
        [limit],
    ).df()


def coverage(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """Rows and institutions per source and school year (what is loaded, not what it says)."""
    parts = []
    for table in SOURCES:
        if table in _YEARLESS_SOURCES or (table in _CONFIDENTIAL_SOURCES and not viewer.sees_national_tests):
            continue
        parts.append(
            f"SELECT '{table}' AS source, school_year, count(DISTINCT institution_id) AS institutions, "
            f"count(*) AS rows FROM {table} GROUP BY school_year"
        )
    df = con.execute(" UNION ALL ".join(parts) + " ORDER BY source, school_year").df()
    df["source"] = df["source"].map(SOURCES)
    return df


def counts(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> dict[str, int]:
    """How many institutions and goals the database holds (for empty states)."""
    row = con.execute("SELECT (SELECT count(*) FROM institutions), (SELECT count(*) FROM goals)").fetchone()
    return {"institutions": row[0], "goals": row[1]}


def goal_definitions(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """The current goals as adopted (subject, grade, scope ...); test goals only for those who see tests."""
    df = con.execute(
        "SELECT goal_id, title, indicator, subject, grade, scope, direction, target, target_year, adopted, note "
        "FROM goals ORDER BY goal_id"
    ).df()
    visible = df["indicator"].map(
        lambda i: i in CATALOGUE and (viewer.sees_national_tests or not CATALOGUE[i].confidential)
    )
    return df[visible].reset_index(drop=True)


def school_years(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> list[int]:
    """Every school year that has results the viewer may see, newest first."""
    return sorted(set(coverage(con, viewer)["school_year"].astype(int)), reverse=True)


def goal_history(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """Every goal version, newest first, with Danish column names (administration only)."""
    from indicators import goals

    if viewer.role != "administration":
        raise KvalitetsdialogError("Kun forvaltningen kan se målenes historik.", "Ingen adgang")
    h = goals.goal_history(con).sort_values(["changed_at", "goal_id"], ascending=[False, True])
    return pd.DataFrame(
        {
            "Tidspunkt": h["changed_at"].dt.strftime("%d-%m-%Y %H:%M"),
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

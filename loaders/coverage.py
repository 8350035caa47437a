"""What is loaded: rows and institutions per source and school year, and the school years with data."""

from __future__ import annotations

import duckdb
import pandas as pd

from core.viewer import Viewer

# The source tables that have a school year, with their Danish names.
SOURCES = {
    "test_pupil_results": "Nationale test (elevniveau)",
    "test_aggregates": "Nationale test (aggregeret)",
    "wellbeing": "Trivselsmåling",
    "language_assessments": "Sprogvurdering",
    "absence": "Elevfravær",
    "exam_grades": "Karakterer",
    "youth_transition": "Overgang til ungdomsuddannelse",
    "competence": "Kompetencedækning",
}
_CONFIDENTIAL_SOURCES = ("test_pupil_results", "test_aggregates")


def _sources(viewer: Viewer) -> list[str]:
    """The source tables whose rows the viewer may know of (test results are § 55 b confidential)."""
    return [t for t in SOURCES if viewer.sees_national_tests or t not in _CONFIDENTIAL_SOURCES]


def coverage(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """Rows and institutions per source and school year (what is loaded, not what it says)."""
    tables = _sources(viewer)
    parts = [
        f"SELECT ? AS source, school_year, count(DISTINCT institution_id) AS institutions, count(*) AS rows "
        f"FROM {table} GROUP BY school_year"
        for table in tables
    ]
    return con.execute(" UNION ALL ".join(parts) + " ORDER BY source, school_year", [SOURCES[t] for t in tables]).df()


def school_years(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> list[int]:
    """Every school year that has data the viewer may see, newest first."""
    union = " UNION ".join(f"SELECT DISTINCT school_year FROM {table}" for table in _sources(viewer))
    return [r[0] for r in con.execute(f"SELECT school_year FROM ({union}) ORDER BY 1 DESC").fetchall()]


def latest_year(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> int | None:
    """The latest school year with data the viewer may see (None: no data)."""
    years = school_years(con, viewer)
    return years[0] if years else None

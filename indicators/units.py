"""The units indicators are shown for: the municipality and its institutions, as a viewer may see them."""

from __future__ import annotations

import duckdb
import pandas as pd

from core.viewer import Viewer


def municipality_name(con: duckdb.DuckDBPyConnection, viewer: Viewer, code: int) -> str:
    """``Eksempelby Kommune`` (``Kommune 123`` for a code the database does not know)."""
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

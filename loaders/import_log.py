"""The import log: every import attempt, as ``loaders.importer`` records it."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from core.errors import AccessDenied
from core.viewer import Viewer


def batches(con: duckdb.DuckDBPyConnection, viewer: Viewer, limit: int = 200) -> pd.DataFrame:
    """The latest import batches, newest first (administration only)."""
    if viewer.role != "administration":
        raise AccessDenied("Kun forvaltningen kan se importerne.", "importlog")
    return con.execute(
        """
        SELECT batch_id, imported_at, file_name, kind, status, rows_read, rows_loaded,
               rows_rejected, replaced, scope, imported_by, messages
        FROM import_batches ORDER BY batch_id DESC LIMIT ?
        """,
        [limit],
    ).df()


def last_import(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> dt.datetime | None:
    """When data were last loaded (None: never); tells everyone how fresh the numbers are."""
    [(when,)] = con.execute("SELECT max(imported_at) FROM import_batches WHERE status = 'indlæst'").fetchall()
    return when

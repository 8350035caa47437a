"""Reports for the council, the dialogue and the skoleudviklingssamtale: XLSX and self-contained HTML, no Streamlit.

>>> import tempfile; from pathlib import Path; from core import database; from core.viewer import Viewer
>>> db = Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
>>> with database.write(db) as con:
...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) "
...                     "VALUES ('D1', 'Solsikken', 'dagtilbud', 999)")
...     _ = con.execute("INSERT INTO language_assessments VALUES (1, 'D1', 2024, 20, 17, 2, 1, NULL, DEFAULT)")
>>> with database.read(db) as con:
...     page = status(con, Viewer.parse("council"), kommune=999, fmt="html").decode()
>>> "<h1>Statusrapport 2024/25 – Eksempelby Kommune</h1>" in page, "Solsikken" in page
(True, True)
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from core import audit
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from reports import data, html, xlsx

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "html": "text/html"}


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise KvalitetsdialogError(f"Ukendt filformat '{fmt}'. Brug .xlsx eller .html.", "Ukendt format")


def status(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    *,
    kommune: int | None = None,
    year: int | None = None,
    fmt: str = "xlsx",
) -> bytes:
    """The status report for one school year (default: the latest with data) as XLSX or HTML bytes."""
    _check_format(fmt)
    report = data.status_report(con, viewer, kommune, year)
    return xlsx.status_xlsx(report) if fmt == "xlsx" else html.status_html(report).encode("utf-8")


def dialogue(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    institution_id: str,
    *,
    year: int | None = None,
    kommune: int | None = None,
    fmt: str = "xlsx",
) -> bytes:
    """The dialogue sheet of one institution and school year as XLSX or HTML bytes."""
    _check_format(fmt)
    sheet = data.dialogue_sheet(con, viewer, institution_id, year, kommune)
    return xlsx.dialogue_xlsx(sheet) if fmt == "xlsx" else html.dialogue_html(sheet).encode("utf-8")


def samtale(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    institution_id: str,
    *,
    year: int | None = None,
    kommune: int | None = None,
    fmt: str = "xlsx",
) -> bytes:
    """The referat of one school's skoleudviklingssamtale as XLSX or HTML bytes (HTML prints on A4)."""
    _check_format(fmt)
    referat = data.samtale_referat(con, viewer, institution_id, year, kommune)
    return xlsx.referat_xlsx(referat) if fmt == "xlsx" else html.referat_html(referat).encode("utf-8")


def record_export(
    db: Path, viewer: Viewer, what: str, details: dict, *, who: str | None = None, origin: str | None = None
) -> None:
    """Write the export to the audit log (docs/domain.md: every export is recorded)."""
    audit.record(db, viewer, "export", what, details, who=who, origin=origin)

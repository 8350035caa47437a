"""What the administration edits on the Klynge page (a cluster's members, a national figure) goes through the
loader, as a file would: the same checks, all or nothing, the import log and the audit log.

Each edit writes the whole unit the loader replaces (a cluster; a school year's national figures) as a small CSV
and imports it, so an edit and a corrected file cannot differ in what they accept or what they replace.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from core import database, schoolyear
from core.errors import AccessDenied, KvalitetsdialogError
from core.viewer import Viewer
from loaders.importer import ImportResult, import_files


def _allowed(viewer: Viewer, what: str) -> None:
    if viewer.role != "administration":
        raise AccessDenied("Kun forvaltningen kan rette klynger og landsplan.", what)


def _import(db: Path, kind: str, name: str, rows: list[list], author: str, origin: str | None) -> ImportResult:
    with tempfile.TemporaryDirectory(prefix="kvalitetsdialog-edit-") as tmp:
        path = Path(tmp) / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter=";").writerows(rows)
        [result] = import_files(db, [path], kind=kind, names=[name], user=author, origin=origin or "app")
    return result


def save_cluster(
    db: Path, viewer: Viewer, name: str, codes: list[int], *, author: str, origin: str | None = None
) -> ImportResult:
    """Make the cluster ``name`` exactly ``codes`` (a new name makes a new cluster)."""
    _allowed(viewer, f"klynge:{name}")
    if not name.strip():
        raise KvalitetsdialogError("Klyngen skal have et navn.", "Klyngen mangler et navn")
    if not codes:
        raise KvalitetsdialogError("En klynge skal have mindst én kommune.", "Klyngen er tom")
    rows = [["klynge", "kommunekode"]] + [[name.strip(), str(int(c))] for c in dict.fromkeys(codes)]
    return _import(db, "clusters", f"klynge '{name.strip()}' (rettet i appen)", rows, author, origin)


def save_national_level(
    db: Path,
    viewer: Viewer,
    year: int,
    indicator: str,
    subject: str | None,
    grade: int | None,
    value: str,
    *,
    author: str,
    origin: str | None = None,
) -> ImportResult:
    """Set one national figure (``value`` as a person writes it, e.g. ``78,3 %``); the school year's other figures
    stay as they are (the loader replaces a year at a time, so they are written along)."""
    _allowed(viewer, f"landsplan:{year}:{indicator}")
    key = (indicator, subject, grade)
    with database.read(db) as con:
        kept = con.execute(
            "SELECT indicator, subject, grade, value, n FROM national_levels WHERE school_year = ? ORDER BY ALL",
            [int(year)],
        ).fetchall()
    header = ["skoleår", "indikator", "fag", "klassetrin", "værdi", "antal"]
    written = schoolyear.short(int(year))
    rows = [header, [written, indicator, subject or "", "" if grade is None else str(grade), value, ""]]
    # Stored values are in the indicator's unit (shares as 0-1): written back as fractions, they read the same.
    rows += [
        [written, i, s or "", "" if g is None else str(g), repr(v), "" if n is None else str(n)]
        for i, s, g, v, n in kept
        if (i, s, g) != key
    ]
    return _import(db, "national_levels", f"landsplan {written} (rettet i appen)", rows, author, origin)

"""Uploads from the Data page go through the same loader as ``python -m loaders import``.

Kept apart from the page so tests can call it directly with real files.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

import loaders
from core import audit, danish, safe, settings
from core.errors import AccessDenied, KvalitetsdialogError, Problem
from core.viewer import Viewer
from loaders import ImportRejected, ImportResult


def import_upload(
    db: Path, viewer: Viewer, name: str, data: bytes, *, dry_run: bool, user: str | None = None, origin: str = "app"
):
    """Validate (``dry_run``) or load one uploaded file; raises ``ImportRejected`` when rejected.

    ``user`` is who the import log and the audit log name (the logged-in user; default ``app:<viewer>``).
    """
    if viewer.role != "administration":
        refusal = AccessDenied("Kun forvaltningen kan indlæse data.", f"indlæsning: {name}")
        audit.refused(db, viewer, refusal, who=user or f"app:{viewer}", origin=origin)
        raise refusal
    if len(data) > settings.MAX_FILE_BYTES:
        raise KvalitetsdialogError(
            f"{name} fylder {danish.integer(len(data) / 1024 / 1024)} MB; grænsen er "
            f"{danish.integer(settings.MAX_FILE_BYTES / 1024 / 1024)} MB. Brug kommandoen "
            "python -m loaders import til større filer.",
            "Filen er for stor",
        )
    with tempfile.TemporaryDirectory(prefix="kvalitetsdialog-upload-") as tmp:
        # Only the base name: an upload's name must not choose where it is written.
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        return loaders.import_files(
            db, [path], dry_run=dry_run, names=[name], user=user or f"app:{viewer}", origin=origin
        )


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The validation report as the page shows and downloads it (row, column, message)."""
    return pd.DataFrame(
        {
            "Fil": [p.file for p in problems],
            "Række": [p.row for p in problems],
            "Kolonne": [p.column or "" for p in problems],
            "Besked": [p.message for p in problems],
            "Type": [p.severity for p in problems],
        }
    ).astype({"Række": "Int64"})


def rejected_problems(rejection: ImportRejected) -> tuple[list[Problem], int]:
    """Every problem of every rejected file, and how many more the loader left out."""
    problems = [p for e in rejection.errors for p in e.problems]
    return problems, sum(e.truncated for e in rejection.errors)


def problems_csv(problems: list[Problem]) -> bytes:
    """The rejected rows' report as CSV for Excel (semicolon, UTF-8 with BOM); file names and cells stay text."""
    return safe.to_csv(problems_frame(problems), sep=";").encode("utf-8-sig")


def summary(results: list[ImportResult]) -> str:
    """What the loader reported, one line per file (as the command line prints it)."""
    return "\n\n".join(r.summary() for r in results)

"""Command line: ``python -m indicators export|goals`` (FORMATS.md, "Command line").

Both write CSV (UTF-8, comma, ``.`` decimal point, header row) to ``--out`` or
stdout. A user error prints a Danish message on stderr and exits 1.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from pathlib import Path

import pandas as pd

from core import database, schoolyear, settings
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from indicators.catalogue import CATALOGUE
from indicators.engine import compute
from indicators.goals import evaluate_goals

EXPORT_COLUMNS = ["indicator", "level", "unit_id", "school_year", "subject", "grade", "value", "n", "suppressed"]
GOALS_COLUMNS = ["goal_id", "level", "unit_id", "school_year", "indicator", "value", "target", "status"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit code 2 and English text are not our contract
        raise KvalitetsdialogError(f"Ugyldige argumenter: {message}", "Ugyldige argumenter")


def number(value) -> str:
    """A number for CSV: ``.`` decimal point, up to 6 decimals, no trailing zeros; empty when missing.

    >>> number(0.75), number(52.0), number(float("nan")), number(1/3)
    ('0.75', '52', '', '0.333333')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _blank(value) -> str:
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def export_rows(con, viewer: Viewer) -> list[list[str]]:
    """Every indicator value the viewer may see, at institution and municipality level."""
    rows = []
    for ind in CATALOGUE.values():
        df = compute(con, viewer, ind.id, levels=("municipality", "institution"))
        for r in df.itertuples(index=False):
            rows.append([
                r.indicator, r.level, r.unit_id, schoolyear.long(r.school_year), _blank(r.subject),
                _blank(r.grade), number(r.value), _blank(r.n), "true" if r.suppressed else "false",
            ])
    return rows


def goal_rows(con, viewer: Viewer, kommune: int, year: int | None) -> list[list[str]]:
    """One row per goal and unit of the own municipality, with its status."""
    df = evaluate_goals(con, viewer, kommune=kommune, year=year)
    return [[
        r.goal_id, r.level, r.unit_id, "" if r.school_year is pd.NA else schoolyear.long(int(r.school_year)),
        r.indicator, number(r.value), number(r.target), r.status,
    ] for r in df.itertuples(index=False)]


def _write(header: list[str], rows: list[list[str]], out: str | None) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if out:
        try:
            Path(out).write_text(buffer.getvalue(), encoding="utf-8")
        except OSError as e:
            raise KvalitetsdialogError(f"Kan ikke skrive {out}: {e.strerror}.", "Kan ikke skrive filen") from e
    else:
        sys.stdout.write(buffer.getvalue())


def _audit(db: Path, viewer: Viewer, what: str, out: str | None, rows: int) -> None:
    """Every export is recorded: who, when, what (DOMAIN.md, rule 5)."""
    with database.write(db) as con:
        con.execute(
            "INSERT INTO audit_log (who, role, action, object, details, origin) "
            "VALUES (?, ?, 'export', ?, ?, 'command line')",
            [f"cli:{viewer}", viewer.role, what, f"{rows} rækker til {out or 'stdout'}"])


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m indicators", description="Indikatorer og mål som CSV.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("export", "goals"):
        p = sub.add_parser(name)
        p.add_argument("--db")
        p.add_argument("--out")
        p.add_argument("--as", dest="viewer")
        p.add_argument("--kommune")
        if name == "goals":
            p.add_argument("--year")
    try:
        args = parser.parse_args(argv)
        viewer = Viewer.parse(args.viewer)
        try:
            kommune = settings.kommune(args.kommune)
        except ValueError:
            raise KvalitetsdialogError(f"Ugyldig kommunekode '{args.kommune}'.", "Ugyldig kommunekode") from None
        db = settings.db_path(args.db)
        if args.command == "export":
            # Values are computed for every institution and municipality in the data (FORMATS.md);
            # --kommune is accepted for symmetry with the goals command.
            header = EXPORT_COLUMNS
            with database.read(db) as con:
                rows = export_rows(con, viewer)
        else:
            year = None
            if args.year:
                year = schoolyear.parse(args.year)
                if year is None:
                    raise KvalitetsdialogError(
                        f"Skoleåret '{args.year}' skal skrives som 2024/2025 eller 2024/25.", "Ugyldigt skoleår")
            header = GOALS_COLUMNS
            with database.read(db) as con:
                rows = goal_rows(con, viewer, kommune, year)
        _write(header, rows, args.out)
        _audit(db, viewer, f"indicators {args.command}", args.out, len(rows))
    except KvalitetsdialogError as e:
        print(f"{e.title}: {e.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

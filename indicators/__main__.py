"""Command line: ``python -m indicators export|goals|prepare`` (docs/formats.md, "Command line").

Both write CSV (UTF-8, comma, ``.`` decimal point, header row) to ``--out`` or
stdout. A user error prints a Danish message on stderr and exits 1.

``export`` computes the non-confidential indicators for every municipality and
institution in the data (so a municipality can compare itself with others), but
the confidential test indicators (folkeskoleloven § 55 b) only for the own
municipality (``--kommune``, else ``KVALITETSDIALOG_KOMMUNE``, else the sample
municipality) and its institutions: another municipality's test results are
never exported, whoever runs it. ``goals`` evaluates the own municipality's goals. ``prepare`` decides and
keeps every indicator's suppression for the data as they are (``engine.prepare``), for a schedule to run after
an import.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from core import audit, database, safe, schoolyear, settings
from core.errors import AccessDenied, KvalitetsdialogError
from core.viewer import Viewer
from indicators import engine
from indicators.catalogue import CATALOGUE
from indicators.engine import compute
from indicators.goals import evaluate_goals

EXPORT_COLUMNS = ["indicator", "level", "unit_id", "school_year", "subject", "grade", "value", "n", "suppressed"]
GOALS_COLUMNS = ["goal_id", "level", "unit_id", "school_year", "indicator", "value", "target", "status"]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit code 2 and English text are not our contract
        raise KvalitetsdialogError(f"Ugyldige argumenter: {message}", "Ugyldige argumenter")


def numbers(values: pd.Series) -> pd.Series:
    """Numbers as CSV text: ``.`` decimal point, up to 6 decimals, no trailing zeros; empty when missing.

    >>> numbers(pd.Series([0.75, 52.0, float("nan"), 1 / 3, -0.0000001])).tolist()
    ['0.75', '52', '', '0.333333', '0']
    """
    return _texts(values.astype("float64"), _number)


def _number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _texts(values: pd.Series, write: Callable[[Any], str] = str) -> pd.Series:
    """Ids, grades, years and counts as CSV text (``write``); empty when missing. Each distinct value is written
    once (a million rows, a few thousand ids), and the column is Arrow text, not a Python string per row."""
    codes, distinct = pd.factorize(values)  # missing: -1
    texts = pa.array([*(write(v) for v in distinct), ""], pa.large_string())
    return pd.Series(pd.array(texts.take(np.where(codes < 0, len(distinct), codes)), dtype="str"), index=values.index)


def export_table(con, viewer: Viewer, kommune: int | None = None) -> pd.DataFrame:
    """Every indicator value the viewer may see, at institution and municipality level, as CSV text.

    ``kommune`` is the own municipality (None = ``settings.kommune()``): the only one whose
    confidential test indicators are exported; the others are exported for every municipality.
    """
    parts = []
    for ind in CATALOGUE.values():
        # compute() keeps a confidential indicator to the own municipality; the others are not restricted
        df = compute(
            con,
            viewer,
            ind.id,
            levels=("municipality", "institution"),
            kommune=settings.kommune(kommune) if ind.confidential else None,
        )
        if df.empty:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "indicator": _texts(pd.Series(ind.id, index=df.index, dtype="str")),
                    "level": _texts(df["level"]),
                    "unit_id": _texts(df["unit_id"]),
                    "school_year": _texts(df["school_year"], schoolyear.long),
                    "subject": _texts(df["subject"]),
                    "grade": _texts(df["grade"]),
                    "value": numbers(df["value"]),
                    "n": _texts(df["n"]),
                    "suppressed": _texts(df["suppressed"], lambda s: "true" if s else "false"),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=EXPORT_COLUMNS)


def goals_table(con, viewer: Viewer, kommune: int, year: int | None) -> pd.DataFrame:
    """One row per goal and unit of the own municipality, with its status, as CSV text."""
    df = evaluate_goals(con, viewer, kommune=kommune, year=year)
    return pd.DataFrame(
        {
            "goal_id": df["goal_id"],
            "level": df["level"],
            "unit_id": df["unit_id"],
            "school_year": df["school_year"].map(lambda y: "" if y is pd.NA else schoolyear.long(int(y))),
            "indicator": df["indicator"],
            "value": numbers(df["value"]),
            "target": numbers(df["target"]),
            "status": df["status"],
        },
        columns=GOALS_COLUMNS,
    )


def _write(table: pd.DataFrame, out: str | None) -> None:
    # Ids come from the municipality's files (a daycare's id is free text); the numbers are ours.
    data = safe.csv_bytes(table, text_columns=[c for c in ("goal_id", "unit_id") if c in table.columns])
    if out:
        try:
            Path(out).write_bytes(data)
        except OSError as e:
            raise KvalitetsdialogError(f"Kan ikke skrive {out}: {e.strerror}.", "Kan ikke skrive filen") from e
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


def _audit(db: Path, viewer: Viewer, what: str, out: str | None, rows: int) -> None:
    """Every export is recorded: who, when, what (docs/domain.md, rule 5)."""
    audit.record(
        db,
        viewer,
        "export",
        what,
        f"{rows} rækker til {out or 'stdout'}",
        who=f"cli:{viewer}",
        origin=audit.command_line(),
    )


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m indicators", description="Indikatorer og mål som CSV.")
    sub = parser.add_subparsers(dest="command", required=True)
    helps = {
        "export": "Alle indikatorværdier, som brugeren må se. Ikke-fortrolige indikatorer for alle kommuner "
        "i data; nationale test, overgangstest og færdighedstest (fortrolige, folkeskolelovens § 55 b) kun for "
        "egen kommune (--kommune) og dens institutioner.",
        "goals": "Målenes status for egen kommune (--kommune) og dens institutioner.",
        "prepare": "Beregn og gem alle indikatorers diskretionering for de indlæste data (efter en indlæsning), "
        "så den første side og det første udtræk bagefter ikke skal beregne den. Skriver intet ud.",
    }
    for name, text in helps.items():
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--db", help="databasefilen (ellers KVALITETSDIALOG_DB)")
        if name != "prepare":  # it shows nobody anything
            p.add_argument("--out", help="CSV-fil (ellers standardoutput)")
            p.add_argument("--as", dest="viewer", help="administration, council, public eller leader:ID[,ID...]")
        p.add_argument(
            "--kommune",
            help="egen kommunekode (ellers KVALITETSDIALOG_KOMMUNE, ellers 999); "
            "de fortrolige testresultater vises kun for den",
        )
        if name == "goals":
            p.add_argument("--year")
    try:
        args = parser.parse_args(argv)
        viewer = Viewer.parse(getattr(args, "viewer", None))
        try:
            kommune = settings.kommune(args.kommune)
        except ValueError:
            raise KvalitetsdialogError(f"Ugyldig kommunekode '{args.kommune}'.", "Ugyldig kommunekode") from None
        db = settings.db_path(args.db)
        if args.command == "prepare":
            with database.read(db) as con:
                con.execute("SET enable_progress_bar = false")
                engine.prepare(con, kommune)
            return 0
        if args.command == "export":
            with database.read(db) as con:
                con.execute("SET enable_progress_bar = false")
                table = export_table(con, viewer, kommune)
        else:
            year = schoolyear.parse(args.year) if args.year else None
            with database.read(db) as con:
                con.execute("SET enable_progress_bar = false")
                table = goals_table(con, viewer, kommune, year)
        _write(table, args.out)
        if any(i in CATALOGUE and CATALOGUE[i].confidential for i in table["indicator"].unique()):
            # docs/formats.md fixes the CSV's columns, so the § 55 b mark goes beside it, not into it.
            print(
                "Fortroligt - folkeskolelovens § 55 b: udtrækket indeholder resultater fra de nationale test, "
                "overgangstestene eller færdighedstestene og må ikke offentliggøres.",
                file=sys.stderr,
            )
        _audit(db, viewer, f"indicators {args.command}", args.out, len(table))
    except KvalitetsdialogError as e:
        if isinstance(e, AccessDenied):
            audit.refused(db, viewer, e, who=f"cli:{viewer}", origin=audit.command_line())
        print(f"{e.title}: {e.message}", file=sys.stderr)
        return 1
    except Exception:
        logging.exception("Uventet fejl; intet er skrevet.")  # the trace goes to the log, not as the answer
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

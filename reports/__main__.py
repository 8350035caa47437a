"""``python -m reports status|dialogue|samtale --out FILE.xlsx|FILE.html ...`` (see docs/formats.md and the README).

``quality`` is the old name of ``status`` and still works.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import reports
from core import audit, danish, database, schoolyear, settings
from core.errors import AccessDenied, KvalitetsdialogError
from core.viewer import Viewer

# command, its other names, help; what the output line calls the file
_COMMANDS: tuple[tuple[str, list[str], str], ...] = (
    ("status", ["quality"], "statusrapporten for kommunen (quality er det gamle navn)"),
    ("dialogue", [], "dialogarket for én institution"),
    ("samtale", [], "referatet af skoleudviklingssamtalen med én skole"),
)
_WRITTEN = {"status": "Statusrapport", "dialogue": "Dialogark", "samtale": "Referat"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m reports", description="Statusrapport og dialogark.")
    sub = p.add_subparsers(dest="command", required=True)
    for name, aliases, help_text in _COMMANDS:
        s = sub.add_parser(name, aliases=aliases, help=help_text)
        s.set_defaults(report=name)
        s.add_argument("--out", required=True, help="FILE.xlsx eller FILE.html")
        s.add_argument("--year", help="skoleår, fx 2024/25 (standard: det seneste med data)")
        s.add_argument("--as", dest="viewer", help="administration, council, public eller leader:ID")
        s.add_argument("--db", help="databasefilen")
        s.add_argument("--kommune", help="kommunekode")
        if name in ("dialogue", "samtale"):
            s.add_argument("--institution", required=True, help="institutionens id")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        viewer = Viewer.parse(args.viewer)
        db = settings.db_path(args.db)
        out = Path(args.out)
        fmt = out.suffix.lower().lstrip(".")
        reports._check_format(fmt)
        year = schoolyear.parse(args.year) if args.year else None
        kommune = settings.kommune(args.kommune) if args.kommune else None
        with database.read(db) as con:
            if args.report == "status":
                content = reports.status(con, viewer, kommune=kommune, year=year, fmt=fmt)
            elif args.report == "samtale":
                content = reports.samtale(con, viewer, args.institution, year=year, kommune=kommune, fmt=fmt)
            else:
                content = reports.dialogue(con, viewer, args.institution, year=year, kommune=kommune, fmt=fmt)
        out.write_bytes(content)
        details = {"file": str(out), "year": schoolyear.short(year) if year else "seneste"}
        if args.report != "status":
            details["institution"] = args.institution
        reports.record_export(db, viewer, f"report:{args.report}", details, origin=audit.command_line())
    except KvalitetsdialogError as e:
        if isinstance(e, AccessDenied):
            audit.refused(db, viewer, e, origin=audit.command_line())
        print(f"{e.title}: {e.message}", file=sys.stderr)
        return 1
    except Exception:
        logging.exception("Unexpected error")
        return 2
    print(f"{_WRITTEN[args.report]} skrevet til {out} ({danish.integer(len(content))} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

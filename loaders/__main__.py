"""``python -m loaders import [--db PATH] [--kind KIND] [--sheet NAME] [--dry-run] FILE...``

Exit 0: every file loaded (one line per file on stdout). Exit 1: a file was
rejected (the Danish report on stderr; no data changed). Exit 2: an
unexpected error (logged with its traceback). After a load, every indicator's
suppression is decided for the new data (``indicators.engine.prepare``), so the
first page and export after the import read it instead of computing it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from core import database, settings
from core.errors import KvalitetsdialogError
from indicators import engine
from loaders.importer import import_files
from loaders.kinds import KINDS

log = logging.getLogger("loaders")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description="Indlæs udtræk i databasen.")
    commands = parser.add_subparsers(dest="command", required=True)
    imp = commands.add_parser("import", help="indlæs en eller flere filer (CSV eller XLSX)")
    imp.add_argument("--db", help="databasefil (ellers KVALITETSDIALOG_DB, ellers standard)")
    imp.add_argument("--kind", choices=list(KINDS), help="slags udtræk (ellers ses det af kolonnerne)")
    imp.add_argument("--sheet", help="arket i en XLSX-fil (ellers det første)")
    imp.add_argument("--dry-run", action="store_true", help="kontrollér uden at indlæse")
    imp.add_argument("--user", default="kommandolinje", help="hvem der indlæser (til importloggen)")
    imp.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    try:
        results = import_files(
            settings.db_path(args.db),
            args.files,
            kind=args.kind,
            sheet=args.sheet,
            dry_run=args.dry_run,
            user=args.user,
        )
    except KvalitetsdialogError as e:
        print(f"{e.title}\n{e.message}", file=sys.stderr)
        return 1
    except Exception:
        log.exception("Uventet fejl under indlæsningen; intet er indlæst.")
        return 2
    for r in results:
        print(r.summary())
    if not args.dry_run:
        _prepare(settings.db_path(args.db))
    return 0


def _prepare(db: Path) -> None:
    """Decide the indicators' suppression for the new data now, so that the first page after the import (and the
    export) reads it; the import is committed, so a failure here only leaves the work to the first reader."""
    try:
        with database.read(db) as con:
            con.execute("SET enable_progress_bar = false")  # the command's output is its summary lines
            engine.prepare(con)
    except Exception:
        log.exception("Indikatorerne kunne ikke forberedes; de beregnes ved første visning.")


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main())

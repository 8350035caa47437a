"""``python -m loaders import [--db PATH] [--kind KIND] [--sheet NAME] [--dry-run] FILE...``

Exit 0: every file loaded (one line per file on stdout). Exit 1: a file was
rejected (the Danish report on stderr; no data changed). Exit 2: an
unexpected error (logged with its traceback).
"""

from __future__ import annotations

import argparse
import logging
import sys

from core import settings
from core.errors import KvalitetsdialogError
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
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(main())

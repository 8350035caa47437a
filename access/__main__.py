"""``python -m access roles FILE`` (replace the role list) and ``python -m access audit`` (export the log).

Both act as the administration: whoever can run commands on the server can
already open the database. Exit 0 on success, 1 with a Danish message on stderr.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date
from pathlib import Path

from access import auditlog, roles
from core import audit, database, settings
from core.errors import KvalitetsdialogError
from core.viewer import ADMINISTRATION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m access", description="Roller og revisionslog.")
    parser.add_argument("--db", help="databasefil (ellers KVALITETSDIALOG_DB, ellers standard)")
    parser.add_argument("--user", default="kommandolinje", help="hvem der udfører kommandoen (til loggen)")
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("roles", help="erstat rollelisten med en fil (bruger; rolle; institutioner)")
    r.add_argument("file", metavar="FILE")
    a = commands.add_parser("audit", help="skriv revisionsloggen som CSV")
    a.add_argument("--since", type=date.fromisoformat, help="fra og med dato (ÅÅÅÅ-MM-DD)")
    a.add_argument("--until", type=date.fromisoformat, help="til og med dato (ÅÅÅÅ-MM-DD)")
    a.add_argument("--action", action="append", choices=list(auditlog.ACTIONS), default=[])
    a.add_argument("--out", help="fil (ellers standardoutput)")
    args = parser.parse_args(argv)
    db = settings.db_path(args.db)
    try:
        database.ensure(db)
        if args.command == "roles":
            changed = roles.load_file(db, Path(args.file), ADMINISTRATION, args.user, audit.command_line())
            print(f"Rollelisten er indlæst: {changed} bruger(e) fik en ny eller ændret rolle.")
            return 0
        with database.read(db) as con:
            df = auditlog.entries(
                con, ADMINISTRATION, since=args.since, until=args.until, actions=tuple(args.action), limit=10_000_000
            )
        data = auditlog.to_csv(df)
        if args.out:
            Path(args.out).write_bytes(data)
        else:
            sys.stdout.write(data.decode("utf-8-sig"))
        audit.record(
            db,
            ADMINISTRATION,
            "export",
            "revisionslog",
            f"{len(df)} rækker til {args.out or 'stdout'}",
            who=args.user,
            origin=audit.command_line(),
        )
        return 0
    except KvalitetsdialogError as e:
        print(f"{e.title}\n{e.message}", file=sys.stderr)
        return 1
    except Exception:
        logging.exception("Uventet fejl; intet er ændret.")  # the trace goes to the log, not as the answer
        return 2


if __name__ == "__main__":
    sys.exit(main())

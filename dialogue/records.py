"""What every versioned record of the dialogue shares (notes, samtaler, their agreements, the strategic frame).

A change is one transaction: the new version and its audit entry commit
together or not at all. A refusal is recorded in the audit log on its own
and then raised, so the log shows who tried what even though nothing changed.

>>> date_or_none("2025-06-30", "Fristen", "Ugyldigt notat"), date_or_none("", "Fristen", "Ugyldigt notat")
(datetime.date(2025, 6, 30), None)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core import audit, database, settings
from core.errors import AccessDenied, KvalitetsdialogError
from core.viewer import Viewer


@contextmanager
def transaction(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A write connection inside BEGIN ... COMMIT (ROLLBACK on any error)."""
    with database.write(Path(db)) as con:
        con.execute("BEGIN")
        try:
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def insert(con: duckdb.DuckDBPyConnection, table: str, row: dict, columns: list[str]) -> None:
    """Insert one version; ``table`` and ``columns`` are the caller's constants, the values are bound."""
    con.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [row[c] for c in columns],
    )


def append(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    table: str,
    columns: list[str],
    row: dict,
    *,
    op: str,
    action: str,
    object: str,
    details: dict,
    author: str | None,
    origin: str | None,
) -> None:
    """Insert ``row`` (with its ``version``) as a new version of a record, and its audit entry.

    The author, their role and the deleted flag (``op == "delete"``) are set here.
    """
    who = author or str(viewer)
    insert(con, table, dict(row, author=who, author_role=viewer.role, deleted=op == "delete"), columns)
    audit.insert(con, who, viewer.role, action, object, {"op": op, "version": row["version"], **details}, origin)


def date_or_none(value, what: str, title: str) -> dt.date | None:
    """A date as a person or a form gives it (date, datetime or ``YYYY-MM-DD``); empty = None.

    ``what`` names the field in the message (``Fristen``), ``title`` is the error's title.
    """
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise KvalitetsdialogError(f"{what} '{value}' er ikke en dato (skriv fx 2025-06-30).", title) from None


def write(db: Path, viewer: Viewer, author: str | None, origin: str | None, change):
    """Run ``change(con)`` in one transaction and return its result; a refusal is recorded in the audit log
    on its own (who tried what, though nothing changed) and raised."""
    try:
        with transaction(db) as con:
            return change(con)
    except AccessDenied as e:
        audit.refused(Path(db), viewer, e, who=author, origin=origin)
        raise


def check_own_municipality(municipality_code: int | None, institution_id: str, what: str, kommune=None) -> None:
    """Raise ``AccessDenied`` unless the institution is the own municipality's (``kommune``, else
    ``settings.kommune()``): the dialogue and the samtale are the municipality's with its own
    institutions, and test results are confidential outside it (folkeskoleloven § 55 b)."""
    own = settings.kommune(kommune)
    if municipality_code != own:
        raise AccessDenied(
            f"Institution {institution_id} hører ikke til kommunen ({own}); dialogen og "
            "skoleudviklingssamtalen gælder kun kommunens egne institutioner.",
            what,
        )

"""The audit log: who did what, when and from where (docs/domain.md, rule 5). Append-only."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import duckdb

from core import database
from core.errors import AccessDenied
from core.viewer import Viewer


def insert(
    con: duckdb.DuckDBPyConnection,
    who: str,
    role: str | None,
    action: str,
    object: str | None = None,
    details=None,
    origin: str | None = None,
) -> None:
    """Append one entry inside the caller's transaction (so a change and its record commit together).

    ``details`` may be text or anything JSON can write.
    """
    if details is not None and not isinstance(details, str):
        details = json.dumps(details, ensure_ascii=False, default=str)
    con.execute(
        "INSERT INTO audit_log (who, role, action, object, details, origin) VALUES (?, ?, ?, ?, ?, ?)",
        [who, role, action, object, details, origin],
    ).fetchall()  # finished, so the caller's connection can go on (DuckDB refuses work beside an open result)


def record(
    db: Path,
    viewer: Viewer,
    action: str,
    object: str | None = None,
    details=None,
    *,
    who: str | None = None,
    origin: str | None = None,
) -> None:
    """Append one entry on its own (exports, downloads, logins)."""
    with database.write(Path(db), changes_data=False) as con:
        insert(con, who or str(viewer), viewer.role, action, object, details, origin)


def refused(
    db: Path, viewer: Viewer, error: AccessDenied, *, who: str | None = None, origin: str | None = None
) -> None:
    """Record a refused request: who asked for what, and why they were refused."""
    record(db, viewer, "denied", error.what, error.message, who=who, origin=origin)


def command_line() -> str:
    """Where a command-line action comes from: the operating-system account that ran it.

    ``--user`` and ``--as`` are claims anyone can type; the account is what the server knows.
    It is read from the process's user id, not from ``$USER`` (which the caller sets).
    """
    try:
        account = pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a user id without a passwd entry (e.g. in a container)
        account = f"uid {os.getuid()}"
    return f"command line (OS account {account})"

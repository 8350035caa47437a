"""Reading the audit log (administration only). There is no function that changes or deletes an entry.

DuckDB has no per-table permissions or triggers, so the file itself cannot
refuse an UPDATE from someone who opens it directly with write access; the
guarantee is that no code path in the product writes anything but INSERT
(``core.audit``), and that the database file is writable only by the service.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from core import danish
from core.errors import AccessDenied
from core.safe import to_csv as safe_csv
from core.viewer import Viewer

ACTIONS = {
    "login": "Login",
    "logout": "Log ud",
    "login_denied": "Login uden adgang",
    "import": "Indlæsning",
    "export": "Eksport",
    "download": "Download",
    "goal_change": "Målændring",
    "note_change": "Noteændring",
    "role_change": "Rolleændring",
    "samtale_change": "Ændring i skoleudviklingssamtale",
    "denied": "Afvist: ingen adgang",
}
COLUMNS = {
    "occurred_at": "Tidspunkt",
    "who": "Hvem",
    "role": "Rolle",
    "action": "Handling",
    "object": "Hvad",
    "details": "Detaljer",
    "origin": "Hvorfra",
}


def entries(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    *,
    since: date | None = None,
    until: date | None = None,
    actions: tuple[str, ...] = (),
    who: str | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Entries newest first, filtered by day range (inclusive), actions and a part of who."""
    if viewer.role != "administration":
        raise AccessDenied("Kun forvaltningen kan se revisionsloggen.", "revisionslog")
    where: list[str] = []
    params: list = []
    if since:
        where.append("occurred_at >= ?")
        params.append(since)
    if until:
        where.append("occurred_at < ?")
        params.append(until + timedelta(days=1))
    if actions:
        where.append("list_contains(?, action)")
        params.append(list(actions))
    if who:
        where.append("contains(lower(who), lower(?))")
        params.append(who)
    sql = (
        "SELECT audit_id, occurred_at, who, role, action, object, details, origin FROM audit_log"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY audit_id DESC LIMIT ?"
    )
    return con.execute(sql, [*params, limit]).df()


def danish_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The entries as the page shows and exports them (Danish column names and action names)."""
    out = df.drop(columns=["audit_id"]).assign(
        occurred_at=df["occurred_at"].map(lambda t: danish.timestamp(t, seconds=True)),
        action=df["action"].map(lambda a: ACTIONS.get(a, a)),
    )
    return out.rename(columns=COLUMNS).fillna("")


def to_csv(df: pd.DataFrame) -> bytes:
    """The entries as CSV for Excel (semicolon, UTF-8 with BOM); user-written text cannot become a formula."""
    return safe_csv(danish_frame(df), sep=";").encode("utf-8-sig")

"""Role assignments: which viewer (role + institutions) a logged-in user is.

The administration keeps the list as a file (``bruger; rolle; institutioner``,
CSV or XLSX, Danish or English column names) or edits it on the Adgang page.
A file replaces the whole list; every change is written to the audit log in the
same transaction as the change itself.

>>> parse_role("Skoleleder"), parse_role("byråd"), parse_role("chef")
('leader', 'council', None)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from core import audit, danish, database
from core.errors import AccessDenied, KvalitetsdialogError, Problem, ValidationError
from core.viewer import Viewer
from loaders.reading import name_key, open_source

COLUMNS = {
    "user": ("bruger", ("bruger", "brugernavn", "user", "e-mail", "email", "mail", "subject", "sub")),
    "role": ("rolle", ("rolle", "role")),
    "institutions": (
        "institutioner",
        ("institutioner", "institutions", "institution", "institutionsnummer", "inst_nr"),
    ),
}
ROLE_NAMES = {
    "administration": ("administration", "forvaltning", "forvaltningen", "admin"),
    "council": ("council", "byråd", "byraad", "udvalg", "kommunalbestyrelse", "politiker"),
    "leader": ("leader", "leder", "skoleleder", "dagtilbudsleder", "institutionsleder"),
    "public": ("public", "offentlig", "offentligheden"),
}
ROLE_LABELS = {
    "administration": "Forvaltning",
    "council": "Byråd/udvalg",
    "leader": "Leder",
    "public": "Offentligheden",
}
_ROLE_KEYS = {name_key(alias): role for role, aliases in ROLE_NAMES.items() for alias in aliases}
_SPLIT = re.compile(r"[\s,;/]+")


@dataclass(frozen=True)
class Assignment:
    user: str
    viewer: Viewer


def normalise_user(text: str) -> str:
    """E-mail addresses match whatever their case; a subject is kept as written (trimmed)."""
    text = (text or "").strip()
    return text.lower() if "@" in text else text


def parse_role(text: str) -> str | None:
    """The role a cell names (Danish or English), or None."""
    return _ROLE_KEYS.get(name_key(text))


def _institution_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT institution_id FROM institutions").fetchall()}


def check(
    user: str, role_text: str, institutions_text: str | None, known: set[str]
) -> tuple[Assignment | None, list[tuple[str, str]]]:
    """One assignment from its three cells, or the problems as (column label, Danish message)."""
    problems = []
    user = normalise_user(user)
    if not user:
        problems.append(("bruger", "brugeren mangler (e-mail eller OIDC-subject)"))
    role = parse_role(role_text or "")
    if role is None:
        problems.append(
            ("rolle", f"'{role_text or ''}' er ikke en rolle; brug forvaltning, byråd, leder eller offentlig")
        )
    ids = sorted({i for i in _SPLIT.split(institutions_text or "") if i})
    if role == "leader":
        if not ids:
            problems.append(("institutioner", "en leder skal have mindst én institution"))
        for unknown in (i for i in ids if i not in known):
            problems.append(("institutioner", f"institutionen '{unknown}' findes ikke i institutionstabellen"))
    elif role is not None and ids:
        problems.append(("institutioner", "kun ledere har institutioner; lad feltet stå tomt"))
    if problems or role is None:
        return None, problems
    return Assignment(user, Viewer(role, frozenset(ids) if role == "leader" else frozenset())), []


def read_file(db: Path, path: Path, display: str | None = None) -> list[Assignment]:
    """Read and validate a role file; raises ``ValidationError`` naming row and column of every problem."""
    path = Path(path)
    display = display or path.name
    known_names = {name_key(a) for _, aliases in COLUMNS.values() for a in aliases}
    source = open_source(path, known_names, display=display)
    index = {}
    for key, (label, aliases) in COLUMNS.items():
        keys = {name_key(a) for a in aliases}
        found = [i for i, h in enumerate(source.header) if name_key(h) in keys]
        if found:
            index[key] = found[0]
        elif key != "institutions":
            raise ValidationError(
                display,
                [
                    Problem(
                        display,
                        source.header_row,
                        label,
                        f"kolonnen '{label}' mangler; fundne kolonner: "
                        + (", ".join(h for h in source.header if h) or "ingen"),
                    )
                ],
            )
    stage = duckdb.connect()
    try:
        source.load(stage)
        # Only canonical column names (c0, c1 ...) reach SQL; the file's own names never do.
        cols = ", ".join(f"c{index[k]}" if k in index else "NULL" for k in COLUMNS)
        rows = stage.execute(f"SELECT {source.row_sql.format(t='raw')} AS _row, {cols} FROM raw ORDER BY 1").fetchall()
    finally:
        stage.close()
    with database.read(db) as con:
        known = _institution_ids(con)
    assignments, problems, first_row = [], [], dict[str, int]()
    for row, user, role, institutions in rows:
        if not any(v and str(v).strip() for v in (user, role, institutions)):
            continue  # blank lines are allowed
        assignment, cell_problems = check(user or "", role or "", institutions, known)
        problems += [Problem(display, row, column, message) for column, message in cell_problems]
        if assignment is None:
            continue
        if assignment.user in first_row:
            problems.append(
                Problem(
                    display,
                    row,
                    "bruger",
                    f"brugeren '{assignment.user}' står også i række {first_row[assignment.user]}",
                )
            )
            continue
        first_row[assignment.user] = row
        assignments.append(assignment)
    if problems:
        raise ValidationError(display, problems)
    if not any(a.viewer.role == "administration" for a in assignments):
        raise ValidationError(
            display,
            [
                Problem(
                    display,
                    None,
                    "rolle",
                    "listen skal give mindst én bruger rollen forvaltning, ellers kan ingen rette den bagefter",
                )
            ],
        )
    return assignments


def _require_administration(viewer: Viewer, change: tuple[Path, str, str | None] | None = None) -> None:
    """Only the administration reads or changes roles. A refused change ``(db, who, origin)`` is
    recorded in the audit log here; a refused read where it is caught (the page, the command)."""
    if viewer.role != "administration":
        refusal = AccessDenied("Kun forvaltningen kan se og rette rollerne.", "roller")
        if change is not None:
            db, who, origin = change
            audit.refused(Path(db), viewer, refusal, who=who, origin=origin)
        raise refusal


def _current(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return {
        u: str(_viewer(r, i))
        for u, r, i in con.execute("SELECT user_id, role, institutions FROM role_assignments").fetchall()
    }


def _viewer(role: str, institutions: str | None) -> Viewer:
    return Viewer(role, frozenset(i for i in (institutions or "").split(",") if i))


def _put(con: duckdb.DuckDBPyConnection, a: Assignment, who: str) -> None:
    con.execute(
        "INSERT OR REPLACE INTO role_assignments (user_id, role, institutions, changed_by) VALUES (?, ?, ?, ?)",
        [a.user, a.viewer.role, ",".join(sorted(a.viewer.institutions)) or None, who],
    )


def _change(db: Path, by: Viewer, who: str, origin: str | None, apply) -> int:
    """Run ``apply(con, before)`` -> {user: new viewer text or None}; audit each real change; count them."""
    _require_administration(by, (db, who, origin))
    with database.write(Path(db), changes_data=False) as con:
        con.execute("BEGIN")
        try:
            before = _current(con)
            after = apply(con, before)
            if before and not any(Viewer.parse(v).role == "administration" for v in after.values() if v):
                raise KvalitetsdialogError(
                    "Mindst én bruger skal have rollen forvaltning; ellers kan ingen rette rollerne bagefter.",
                    "Rollen kan ikke fjernes",
                )
            changed = 0
            for user in sorted(set(before) | set(after)):
                old, new = before.get(user), after.get(user)
                if old != new:
                    audit.insert(con, who, by.role, "role_change", user, {"før": old, "efter": new}, origin)
                    changed += 1
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return changed


def load_file(db: Path, path: Path, by: Viewer, who: str, origin: str | None = None, display: str | None = None) -> int:
    """Replace every assignment with the file's (validated first); returns how many users changed."""
    _require_administration(by, (db, who, origin))
    assignments = read_file(db, path, display)

    def apply(con, before):
        con.execute("DELETE FROM role_assignments")
        for a in assignments:
            _put(con, a, who)
        return {a.user: str(a.viewer) for a in assignments}

    return _change(db, by, who, origin, apply)


def assign(
    db: Path, user: str, role_text: str, institutions_text: str | None, by: Viewer, who: str, origin: str | None = None
) -> int:
    """Give one user a role (added or changed); raises ``KvalitetsdialogError`` with the problems."""
    _require_administration(by, (db, who, origin))
    with database.read(Path(db)) as con:
        known = _institution_ids(con)
    assignment, problems = check(user, role_text, institutions_text, known)
    if assignment is None:
        raise KvalitetsdialogError("; ".join(f"{c}: {m}" for c, m in problems), "Rollen kan ikke gemmes")

    def apply(con, before):
        _put(con, assignment, who)
        return {**before, assignment.user: str(assignment.viewer)}

    return _change(db, by, who, origin, apply)


def remove(db: Path, user: str, by: Viewer, who: str, origin: str | None = None) -> int:
    """Take a user's role away (they then see "Ingen adgang")."""
    user = normalise_user(user)

    def apply(con, before):
        con.execute("DELETE FROM role_assignments WHERE user_id = ?", [user])
        return {u: v for u, v in before.items() if u != user}

    return _change(db, by, who, origin, apply)


def _vouched(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def identities(claims: Mapping) -> list[str]:
    """The identities a logged-in user's role can be assigned to, from the OIDC ID token's claims.

    The subject (``sub``) always; the e-mail address only when the provider vouches for it:
    ``email_verified`` true, or Entra ID's ``xms_edov`` (the e-mail's domain is verified by the
    user's tenant). Otherwise a guest or another tenant's user could choose an e-mail claim that
    matches someone's role.

    >>> identities({"sub": "s1", "email": "a@kommune.dk", "email_verified": True})
    ['a@kommune.dk', 's1']
    >>> identities({"sub": "s1", "email": "a@kommune.dk"})
    ['s1']
    """
    email, subject = claims.get("email"), claims.get("sub")
    vouched = _vouched(claims.get("email_verified")) or _vouched(claims.get("xms_edov"))
    return [str(i) for i in ((email if vouched else None), subject) if i]


def viewer_for(con: duckdb.DuckDBPyConnection, identities: list[str | None]) -> tuple[str, Viewer] | None:
    """The first of a user's identities (e-mail, subject) that has an assignment, and its viewer."""
    for identity in identities:
        user = normalise_user(identity or "")
        if not user:
            continue
        row = con.execute("SELECT role, institutions FROM role_assignments WHERE user_id = ?", [user]).fetchone()
        if row:
            return user, _viewer(*row)
    return None


def assignments(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """Every assignment with Danish column names (administration only)."""
    _require_administration(viewer)
    df = con.execute(
        "SELECT user_id, role, institutions, changed_by, changed_at FROM role_assignments ORDER BY role, user_id"
    ).df()
    return pd.DataFrame(
        {
            "Bruger": df["user_id"],
            "Rolle": df["role"].map(ROLE_LABELS),
            "Institutioner": df["institutions"].fillna("").str.replace(",", ", "),
            "Ændret af": df["changed_by"].fillna(""),
            "Ændret": df["changed_at"].map(danish.timestamp),
        }
    )


def count(con: duckdb.DuckDBPyConnection) -> int:
    """How many users have a role (the app explains how to begin when there are none)."""
    [(n,)] = con.execute("SELECT count(*) FROM role_assignments").fetchall()
    return n

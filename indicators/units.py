"""The units indicators are shown for: the municipality and its institutions, as a viewer may see them."""

from __future__ import annotations

import duckdb
import pandas as pd

from core.viewer import Viewer
from indicators.catalogue import CATALOGUE

# Official names that are not "<name> Kommune": the genitive of København, Bornholm's regional
# municipality, and Christiansø, which the register carries but which is no municipality at all.
_OFFICIAL_NAMES = {101: "Københavns Kommune", 400: "Bornholms Regionskommune", 411: "Christiansø"}


def municipality_name(con: duckdb.DuckDBPyConnection, viewer: Viewer, code: int) -> str:
    """The official name: ``Eksempelby Kommune`` (``Kommune 123`` for a code the database does not know).

    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE municipalities AS SELECT * FROM (VALUES (411, 'Christiansø'), (751, 'Aarhus'), (101, 'København')) t(code, name)")
    >>> [municipality_name(con, Viewer("public"), c) for c in (751, 411, 101, 999)]
    ['Aarhus Kommune', 'Christiansø', 'Københavns Kommune', 'Kommune 999']
    """
    row = con.execute("SELECT name FROM municipalities WHERE code = ?", [code]).fetchone()
    if not row:
        return f"Kommune {code}"
    return _OFFICIAL_NAMES.get(code, f"{row[0]} Kommune")


def institutions(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommune: int) -> pd.DataFrame:
    """The municipality's institutions the viewer may see: schools, then daycares, by name."""
    df = con.execute(
        """
        SELECT i.institution_id, i.name, i.kind, i.district, i.parent_id, p.name AS parent_name
        FROM institutions i LEFT JOIN institutions p ON p.institution_id = i.parent_id
        WHERE i.municipality_code = ?
        ORDER BY i.kind DESC, i.name  -- schools first
        """,
        [kommune],
    ).df()
    # a bool mask even when there is no institution: an empty mask of objects would select columns, not rows
    return df[df["institution_id"].map(viewer.sees_institution).astype(bool)].reset_index(drop=True)


def municipalities(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """Every municipality the database knows (code, name), by name: public, for choosing a cluster's members."""
    return con.execute("SELECT code, name FROM municipalities ORDER BY name").df()


# The tables each catalogue source is read from.
_SOURCE_TABLES = {"tests": ("test_pupil_results", "test_aggregates")}


def first_with_data(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommune: int, kind: str | None = None
) -> str | None:
    """The institution a page opens on: the first (in ``institutions``' order, of ``kind`` if given) that
    the viewer may see and that has any figure the viewer may see; else the first; None when there is none.

    A register lists every institution, also those no extract covers (on the real Aarhus register the
    first by name is a business college): a page should not open on an empty one.
    """
    listed = institutions(con, viewer, kommune)
    if kind:
        listed = listed[listed["kind"] == kind]
    ids = list(listed["institution_id"])
    sources = {i.source for i in CATALOGUE.values() if viewer.sees_national_tests or not i.confidential}
    tables = sorted(t for s in sources for t in _SOURCE_TABLES.get(s, (s,)))
    if not ids:
        return None
    # table names come from the catalogue (constants), the ids are bound
    having = {
        row[0]
        for row in con.execute(
            " UNION ".join(f"SELECT institution_id FROM {t} WHERE list_contains(?, institution_id)" for t in tables),
            [ids] * len(tables),
        ).fetchall()
    }
    return next((i for i in ids if i in having), ids[0])

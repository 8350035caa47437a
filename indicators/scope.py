"""Who sees what (docs/domain.md, "Who sees what"): the one rule every read applies to the values it returns.

- ``public``: no national or transition test data at all (folkeskoleloven § 55 b);
- ``council``: everything but class level;
- ``administration``: everything;
- ``leader:ID``: their own institutions (with classes), the municipality of those institutions for
  comparison, and a district only where it is made up of their own institutions alone.

Test results are confidential at every level below the whole country, another municipality's included:
a confidential indicator is shown for the deployment's own municipality only (``kommune``), whoever asks.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from core.viewer import Viewer
from indicators.catalogue import Indicator

OWN_LEVELS = ("institution", "class")


def visible(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, ind: Indicator, rows: pd.DataFrame, kommune: int
) -> np.ndarray:
    """Which of ``rows`` (columns ``level``, ``institution_id``, ``mun``, ``district``) this viewer may see.

    ``kommune``: the deployment's own municipality, the only one whose confidential values are shown.
    """
    level = rows["level"].to_numpy(dtype=object)
    keep = np.ones(len(rows), dtype=bool)
    if ind.confidential:
        if not viewer.sees_national_tests:
            return ~keep
        keep &= rows["mun"].to_numpy() == kommune
    if not viewer.sees_class_level:
        keep &= level != "class"
    own_level = np.flatnonzero(np.isin(level, OWN_LEVELS))
    # each institution asked once: a national lattice has tens of thousands of rows, a few thousand institutions
    ids, each = np.unique(rows["institution_id"].to_numpy(dtype=object)[own_level].astype(str), return_inverse=True)
    keep[own_level] &= np.array([viewer.sees_institution(i) for i in ids], dtype=bool)[each]
    if viewer.role == "leader":
        municipalities, districts = _leader_units(con, viewer)
        keep &= (level != "municipality") | rows["mun"].isin(list(municipalities)).to_numpy()
        district = np.flatnonzero(level == "district")
        mun, name = rows["mun"].to_numpy()[district], rows["district"].to_numpy(dtype=object)[district]
        keep[district] &= np.array([(m, d) in districts for m, d in zip(mun, name)], dtype=bool)
    return keep


def _leader_units(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> tuple[set[int], set[tuple[int, str]]]:
    """A leader's municipalities, and the districts made up of their own institutions alone."""
    own = sorted(viewer.institutions)
    # the (municipality, district) groups that hold one of them, and whether they hold nothing else
    rows = con.execute(
        "SELECT municipality_code, district, bool_and(list_contains(?, institution_id)) FROM institutions "
        "GROUP BY ALL HAVING bool_or(list_contains(?, institution_id))",
        [own, own],
    ).fetchall()
    return {m for m, _, _ in rows}, {(m, d) for m, d, only in rows if d is not None and only}

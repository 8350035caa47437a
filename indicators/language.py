"""The language assessment's coverage: how many children were assessed out of how many enrolled, by year.

The assessment around age 3 is selective in daycare (docs/domain.md, "Daycare"): children are assessed where
there is reason to think they need it, so the shares describe the assessed children, not all children. Pages
and reports therefore show "vurderet: 31 af 48 børn" beside the shares, and say what the shares mean. The
number assessed is the engine's ``n`` (withheld with the value); the number enrolled is not about any child
and is shown where the extract has it (pooled only where every institution in the pool has it).

A year is a school year or, where the extract gave one, a calendar year (the ministry reports daycare
assessments by calendar year): ``year_text`` writes it as the extract did.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core import danish, schoolyear
from core.viewer import Viewer
from indicators import engine

MEANING = (
    "Sprogvurderingen i dagtilbud er selektiv: børnene vurderes, hvor der er grund til at tro, at de har brug "
    "for sprogstøtte. Andelene beskriver derfor de vurderede børn, ikke alle børn i alderen."
)
COLUMNS = ["level", "unit_id", "school_year", "assessed", "enrolled", "suppressed", "period"]


def coverage(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    *,
    kommune: int | None = None,
    levels=("institution", "municipality"),
    institutions: list[str] | None = None,
    min_n: int | None = None,
) -> pd.DataFrame:
    """Per unit and year the viewer may see: children assessed (None where withheld), children enrolled (None
    where unknown), whether the value is withheld, and the period kind (``school_year`` | ``calendar_year``).

    >>> from core import database; import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
    >>> with database.write(db) as con:
    ...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) VALUES "
    ...                     "('D1', 'Solsikken', 'dagtilbud', 999), ('D2', 'Mælkebøtten', 'dagtilbud', 999)")
    ...     _ = con.execute("INSERT INTO language_assessments VALUES (1, 'D1', 2025, 31, 26, 3, 2, 48, "
    ...                     "'calendar_year'), (1, 'D2', 2025, 12, 10, 1, 1, 30, 'calendar_year')")
    >>> with database.read(db) as con:
    ...     df = coverage(con, Viewer.parse("public"), kommune=999)
    >>> [(r.unit_id, assessed_text(r.assessed, r.enrolled), year_text(r.school_year, r.period))
    ...  for r in df.itertuples()]  # the municipality: 31 + 12 = 43 of 48 + 30 = 78
    [('999', 'vurderet: 43 af 78 børn', '2025'), ('D1', 'vurderet: 31 af 48 børn', '2025'), ('D2', 'vurderet: 12 af 30 børn', '2025')]
    """
    values = engine.compute(
        con, viewer, "la_share_general", kommune=kommune, levels=levels, institutions=institutions, min_n=min_n
    )
    if values.empty:
        return pd.DataFrame(columns=COLUMNS)
    where, params = "n_assessed > 0", []
    if kommune is not None:
        where += " AND i.municipality_code = ?"
        params.append(int(kommune))
    rows = con.execute(
        "SELECT la.institution_id, CAST(i.municipality_code AS VARCHAR) AS mun, la.school_year, la.n_enrolled, "
        f"la.period FROM language_assessments la JOIN institutions i USING (institution_id) WHERE {where}",
        params,
    ).df()
    own = rows.rename(columns={"institution_id": "unit_id", "n_enrolled": "enrolled"}).assign(level="institution")
    pooled = (
        rows.groupby(["mun", "school_year"])
        .agg(enrolled=("n_enrolled", lambda s: s.sum() if s.notna().all() else None), period=("period", "max"))
        .reset_index()
        .rename(columns={"mun": "unit_id"})
        .assign(level="municipality")
    )
    known = pd.concat([own, pooled])[["level", "unit_id", "school_year", "enrolled", "period"]]
    out = values[["level", "unit_id", "school_year", "n", "suppressed"]].merge(
        known, on=["level", "unit_id", "school_year"], how="left"
    )
    out = out.rename(columns={"n": "assessed"})
    out["assessed"] = out["assessed"].where(~out["suppressed"].astype(bool)).astype("Int64")
    out["enrolled"] = pd.to_numeric(out["enrolled"]).astype("Int64")
    out["period"] = out["period"].fillna("school_year")
    return out[COLUMNS].reset_index(drop=True)


def assessed_text(assessed, enrolled) -> str:
    """``vurderet: 31 af 48 børn``; ``vurderet: 31 børn`` where the number enrolled is unknown; the number
    assessed withheld with the value where few were assessed.

    >>> assessed_text(31, None), assessed_text(None, 48)
    ('vurderet: 31 børn (antal indskrevne ukendt)', 'vurderet: – af 48 børn (antallet vises ikke)')
    """
    enrolled_known = enrolled is not None and not pd.isna(enrolled)
    if assessed is None or pd.isna(assessed):
        return f"vurderet: – af {danish.integer(enrolled)} børn (antallet vises ikke)" if enrolled_known else ""
    if not enrolled_known:
        return f"vurderet: {danish.integer(assessed)} børn (antal indskrevne ukendt)"
    return f"vurderet: {danish.integer(assessed)} af {danish.integer(enrolled)} børn"


def year_texts(cov: pd.DataFrame):
    """A year formatter for a page that shows this coverage frame's years (calendar years as ``2025``)."""
    calendar = set(cov.loc[cov["period"] == "calendar_year", "school_year"].astype(int))
    return lambda year: year_text(year, "calendar_year" if int(year) in calendar else "school_year")


def year_text(year, period: str | None) -> str:
    """A year as the extract gave it: ``2025`` (calendar year) or ``2024/25`` (school year)."""
    return str(int(year)) if period == "calendar_year" else schoolyear.short(int(year))

"""Comparisons: an institution against its municipality, the municipality against the other municipalities.

Whether a difference is more than noise is ``uncertainty.significant``'s to say, here as everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from core.viewer import Viewer
from indicators import engine, uncertainty


@dataclass(frozen=True)
class Difference:
    """A unit's value against a reference value in the same school year."""

    year: int
    value: float  # NaN: no value (or withheld)
    suppression: str | None  # why the value is withheld ("small", "complementary"; engine.compute), None if not
    reference: float  # NaN: no reference value (or withheld)
    reference_suppression: str | None
    significant: bool | None  # None: the uncertainty of either value is unknown

    @property
    def difference(self) -> float:
        """The unit's value minus the reference (NaN when either is missing)."""
        return self.value - self.reference


def _row(frame: pd.DataFrame, year: int) -> dict:
    rows = frame[frame["school_year"] == year].to_dict("records")
    return rows[0] if rows else {"value": math.nan, "suppression": None, "lower": math.nan, "upper": math.nan}


def latest_difference(own: pd.DataFrame, reference: pd.DataFrame) -> Difference | None:
    """The latest school year in which either the unit or the reference has a value (shown or withheld),
    compared; None when neither has any. Both frames are ``engine.compute`` rows of one unit.

    >>> own = pd.DataFrame({"school_year": [2024], "value": [0.30], "suppressed": [False],
    ...                     "lower": [0.25], "upper": [0.35]})
    >>> municipality = own.assign(value=0.20, lower=0.19, upper=0.21)
    >>> d = latest_difference(own, municipality); d.year, round(d.difference, 2), d.significant
    (2024, 0.1, True)
    >>> latest_difference(own.assign(lower=float("nan"), upper=float("nan")), municipality).significant is None
    True
    """
    shown = pd.concat([own, reference])
    years = shown.loc[shown["value"].notna() | shown["suppressed"].astype(bool), "school_year"]
    if years.empty:
        return None
    year = int(years.max())
    mine, theirs = _row(own, year), _row(reference, year)
    return Difference(
        year=year,
        value=float(mine["value"]) if pd.notna(mine["value"]) else math.nan,
        suppression=mine.get("suppression"),
        reference=float(theirs["value"]) if pd.notna(theirs["value"]) else math.nan,
        reference_suppression=theirs.get("suppression"),
        significant=uncertainty.significant(mine["lower"], mine["upper"], theirs["lower"], theirs["upper"]),
    )


def other_municipalities(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, indicator_ids: tuple[str, ...], kommune: int
) -> pd.DataFrame:
    """For each indicator, in the latest school year any municipality has a value: the own municipality's
    value, the median of the other municipalities' values and how many they are.

    Confidential (test) indicators have no other municipalities: the engine keeps them to the own one.
    """
    rows = []
    for indicator_id in indicator_ids:
        values = engine.compute(con, viewer, indicator_id, levels=("municipality",), subjects="all", grades="all")
        values = values[values["value"].notna() & ~values["suppressed"].astype(bool)]
        if values.empty:
            continue
        year = int(values["school_year"].max())
        values = values[values["school_year"] == year]
        own = values["unit_id"].astype(str) == str(kommune)
        others = values.loc[~own, "value"]
        rows.append(
            {
                "indicator": indicator_id,
                "school_year": year,
                "value": values.loc[own, "value"].iloc[0] if own.any() else math.nan,
                "others_median": others.median() if not others.empty else math.nan,
                "others": len(others),
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "school_year", "value", "others_median", "others"])

"""The goal sheet as XLSX: what the Mål page offers for download and the goals loader reads back."""

from __future__ import annotations

import pandas as pd

from core import schoolyear
from core.safe import xlsx_table
from indicators.catalogue import CATALOGUE
from indicators.goals import FIELDS

COLUMNS = list(FIELDS)  # the sheet's columns are a goal's fields, in order


def target_as_typed(goal: dict) -> float | None:
    """A stored target in the unit a person types: shares as percentages (0.8 -> 80)."""
    target = goal.get("target")
    if target is None or pd.isna(target):
        return None
    return float(target) * 100 if CATALOGUE[goal["indicator"]].unit == "share" else float(target)


def to_xlsx(goals: pd.DataFrame) -> bytes:
    """The current goals as one sheet (docs/formats.md, ``goals``): shares as percentages, years as 2025/2026."""
    sheet = goals[COLUMNS].copy()
    sheet["target"] = [target_as_typed(g) for g in goals.to_dict("records")]
    sheet["target_year"] = [schoolyear.long(int(y)) if pd.notna(y) else None for y in sheet["target_year"]]
    sheet["grade"] = [None if pd.isna(g) else int(g) for g in sheet["grade"]]
    return xlsx_table("Mål", sheet)

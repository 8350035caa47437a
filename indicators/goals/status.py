"""Goal status: each current goal evaluated for the municipality and every institution in its scope.

The rules are docs/formats.md's ("Goal status"): a level goal is met, on track (the
least-squares line through the latest comparable years reaches the target by the
target year) or not met; a year-on-year goal compares with the nearest earlier
comparable year. Missing or withheld values are ``no_data``, never zero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import duckdb
import numpy as np
import pandas as pd

from core import settings
from core.viewer import Viewer
from indicators import engine, scope, uncertainty
from indicators.catalogue import CATALOGUE, Indicator, comparable
from indicators.goals.reasons import SourceRows, reason_no_data
from indicators.goals.rules import FIELDS, LEVEL_DIRECTIONS
from indicators.goals.sentences import sentence

# ``not_on_track`` is how ``not_met`` reads before the target year ("Ikke på vej": the goal is not yet missed);
# the status itself (the command line's ``status``) stays ``not_met``. Pages and reports show ``shown``.
STATUS_LABELS = {
    "met": "Opfyldt",
    "on_track": "På vej",
    "not_on_track": "Ikke på vej",
    "not_met": "Ikke opfyldt",
    "no_data": "Ingen data",
}
EVAL_COLUMNS = [
    "goal_id",
    "title",
    "indicator",
    "subject",
    "grade",
    "scope",
    "level",
    "unit_id",
    "unit_name",
    "school_year",
    "value",
    "n",
    "target",
    "target_year",
    "direction",
    "status",
    "shown",
    "previous_year",
    "previous_value",
    "change_significant",
    "sentence",
    "reason",
    "distance",
    "covered",
    "units",
]


@dataclass(frozen=True)
class UnitStatus:
    """One unit's standing against one goal in school year ``year`` (None: the indicator has no data)."""

    status: str
    year: int | None
    value: float = math.nan
    n: int | None = None
    withheld: str | None = None  # why the year's value is withheld: "small" or "complementary" (engine.compute)
    previous_year: int | None = None  # the nearest earlier comparable year with a value
    previous_value: float = math.nan
    change_significant: bool | None = None  # None: the uncertainty of either value is unknown
    approximate: bool = False  # the significance rests on an assumed spread (catalogue.assumed_sd)
    distance: float = math.nan  # positive when the goal is met


def shown_status(status: str, year: int | None, target_year: int | None) -> str:
    """The status as pages and reports word it: ``not_met`` before the target year is ``not_on_track``.

    >>> shown_status("not_met", 2024, 2026), shown_status("not_met", 2026, 2026), shown_status("not_met", 2024, None)
    ('not_on_track', 'not_met', 'not_met')
    """
    if status == "not_met" and year is not None and target_year is not None and int(year) < int(target_year):
        return "not_on_track"
    return status


def _meets(value: float, direction: str, target: float) -> bool:
    return value >= target if direction == ">=" else value <= target


def _line_at(points: list[tuple[int, float]], year: int) -> float:
    """The least-squares line through (year, value) points, evaluated at ``year``."""
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points], dtype=float)
    slope = ((xs - xs.mean()) * (ys - ys.mean())).sum() / ((xs - xs.mean()) ** 2).sum()
    return float(ys.mean() + slope * (year - xs.mean()))


def unit_status(ind: Indicator, goal: dict, series: dict[int, dict], y: int | None) -> UnitStatus:
    """Status, previous value, significance and distance for one unit in school year ``y``.

    ``series``: school year -> {"value", "n", "lower", "upper", "suppressed", "interval_kind"} for that unit.
    """
    direction, target, target_year = goal["direction"], goal["target"], goal["target_year"]
    s = standing(ind, series, y)
    if s.year is None or s.value != s.value:  # no year, or no value shown in it
        return s
    v, has = s.value, _shown(series)
    earlier = sorted(yy for yy in has if yy < s.year and comparable(ind, yy, s.year))
    if direction in LEVEL_DIRECTIONS:
        if _meets(v, direction, target):
            status = "met"
        elif target_year is not None and s.year < target_year:
            points = [(yy, float(has[yy]["value"])) for yy in earlier + [s.year]][-3:]
            reaches = len(points) >= 2 and _meets(_line_at(points, target_year), direction, target)
            status = "on_track" if reaches else "not_met"
        else:
            status = "not_met"
        distance = v - target if direction == ">=" else target - v
    elif s.previous_year is None:
        return s
    else:
        p = s.previous_value
        status = "met" if (v > p if direction == "stigende" else v < p) else "not_met"
        distance = v - p if direction == "stigende" else p - v
    return replace(s, status=status, distance=distance)


def _shown(series: dict[int, dict]) -> dict[int, dict]:
    """The years with a value a reader is shown (neither missing nor withheld)."""
    return {yy: r for yy, r in series.items() if not r["suppressed"] and pd.notna(r["value"])}


def standing(ind: Indicator, series: dict[int, dict], y: int | None = None) -> UnitStatus:
    """A unit's value in school year ``y`` (None: its latest year) and the change since the nearest
    earlier comparable year, without a goal (status ``no_data``): what a chart of the series says.

    ``series``: as for ``unit_status``.
    """
    if y is None:
        y = max(_shown(series) or series, default=None)
    if y is None:
        return UnitStatus("no_data", None)
    row = series.get(y)
    n = None if row is None or pd.isna(row["n"]) else int(row["n"])
    has = _shown(series)
    if y not in has:
        withheld = row.get("suppression") if row is not None and row["suppressed"] else None
        return UnitStatus("no_data", y, n=n, withheld=withheld)
    earlier = sorted(yy for yy in has if yy < y and comparable(ind, yy, y))
    if not earlier:
        return UnitStatus("no_data", y, value=float(has[y]["value"]), n=n)
    p_year = earlier[-1]
    return UnitStatus(
        "no_data",
        y,
        value=float(has[y]["value"]),
        n=n,
        previous_year=p_year,
        previous_value=float(has[p_year]["value"]),
        change_significant=uncertainty.significant(
            has[p_year]["lower"], has[p_year]["upper"], has[y]["lower"], has[y]["upper"]
        ),
        approximate="assumed_sd" in (has[p_year].get("interval_kind"), has[y].get("interval_kind")),
    )


def _scope_units(con, goal: dict, kommune: int) -> list[str]:
    scope = goal["scope"]
    if scope == "kommune":
        return []
    if scope in ("skoler", "dagtilbud"):
        kind = "skole" if scope == "skoler" else "dagtilbud"
        return [
            r[0]
            for r in con.execute(
                "SELECT institution_id FROM institutions WHERE kind = ? AND municipality_code = ? ORDER BY 1",
                [kind, kommune],
            ).fetchall()
        ]
    return sorted(i for i in scope.split(",") if i)


def _visible(con, viewer: Viewer, ind: Indicator, code: int, units: list[str]) -> list[tuple[str, str]]:
    """The goal's units (the municipality, if the indicator is pooled, and the institutions) this viewer may see."""
    levels = ([("municipality", str(code))] if ind.pooled else []) + [("institution", u) for u in units]
    rows = pd.DataFrame(
        {
            "level": [level for level, _ in levels],
            "institution_id": [u if level == "institution" else None for level, u in levels],
            "mun": code,
            "district": None,
        }
    )
    return [unit for unit, keep in zip(levels, scope.visible(con, viewer, ind, rows, code)) if keep]


def evaluate_goals(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    *,
    kommune: int | None = None,
    year: int | None = None,
    goal_ids: list[str] | None = None,
    min_n: int | None = None,
) -> pd.DataFrame:
    """Every current goal's status for the municipality and each institution in its scope.

    ``year`` None = for each goal, the latest school year in which its indicator has any value.
    Rows the viewer may not see are left out (``public``: no goal on a test indicator;
    a leader: the municipality and their own institutions only).

    >>> import tempfile; from pathlib import Path; from core import database; from core.viewer import Viewer
    >>> from indicators.goals.store import save_goal
    >>> db = Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
    >>> with database.write(db) as con:
    ...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) "
    ...                     "VALUES ('D1', 'Dagtilbud 1', 'dagtilbud', 999)")
    ...     _ = con.execute("INSERT INTO language_assessments VALUES (1, 'D1', 2023, 20, 16, 3, 1, NULL, DEFAULT), "
    ...                     "(1, 'D1', 2024, 20, 17, 2, 1, NULL, DEFAULT)")
    >>> _ = save_goal(db, {"goal_id": "S1", "title": "Sprog", "indicator": "la_share_general",
    ...                    "scope": "kommune", "direction": "stigende"}, "doc")
    >>> with database.read(db) as con:
    ...     row = evaluate_goals(con, Viewer.parse("council"), kommune=999).iloc[0]
    >>> row["status"], row["sentence"]
    ('met', 'Andel i generel indsats (sprogvurdering) steg fra 80,0 % i 2023/24 til 85,0 % i 2024/25 (ikke signifikant); målet er, at den stiger fra år til år.')
    """
    engine.require_viewer(viewer)
    code = settings.kommune(kommune)
    threshold = engine.threshold(min_n)
    goals = con.execute(f"SELECT {', '.join(FIELDS)} FROM goals ORDER BY goal_id").df()
    if goal_ids is not None:
        goals = goals[goals["goal_id"].isin(list(goal_ids))]
    names = dict(con.execute("SELECT institution_id, name FROM institutions").fetchall())
    mun_name = (con.execute("SELECT name FROM municipalities WHERE code = ?", [code]).fetchone() or [str(code)])[0]
    sources = SourceRows(con, code)
    rows = []
    for rec in goals.to_dict("records"):
        goal = {k: (None if pd.isna(v) else v) for k, v in rec.items()}
        goal["grade"] = None if goal["grade"] is None else int(goal["grade"])
        goal["target_year"] = None if goal["target_year"] is None else int(goal["target_year"])
        ind = CATALOGUE.get(str(goal["indicator"]))
        if ind is None:
            continue
        units = _scope_units(con, goal, code)
        units_levels = _visible(con, viewer, ind, code, units)
        if not units_levels:
            continue
        y = year if year is not None else engine.latest_year(con, ind.id, kommune=code)
        values = engine.compute(
            con,
            viewer,
            ind.id,
            kommune=code,
            levels=("institution", "municipality"),
            institutions=units,
            subjects=[goal["subject"]] if goal["subject"] else "all",
            grades=[goal["grade"]] if goal["grade"] is not None else "all",
            min_n=threshold,
        )
        if y is not None:
            values = values[values["school_year"] <= y]
        series: dict[tuple[str, str], dict[int, dict]] = {}
        for r in values.to_dict("records"):
            series.setdefault((r["level"], r["unit_id"]), {})[r["school_year"]] = r
        for level, unit in units_levels:
            s = unit_status(ind, goal, series.get((level, unit), {}), y)
            shown = series.get((level, unit), {}).get(s.year, {}) if s.year is not None else {}
            unit_name = mun_name if level == "municipality" else names.get(unit, unit)
            reason = reason_no_data(
                con, ind, goal, (level, unit), s, kommune=code, threshold=threshold, sources=sources
            )
            rows.append(
                {
                    "goal_id": goal["goal_id"],
                    "title": goal["title"],
                    "indicator": ind.id,
                    "subject": goal["subject"],
                    "grade": goal["grade"],
                    "scope": goal["scope"],
                    "level": level,
                    "unit_id": unit,
                    "unit_name": unit_name,
                    "school_year": y,
                    "value": s.value,
                    "n": s.n,
                    "target": goal["target"],
                    "target_year": goal["target_year"],
                    "direction": goal["direction"],
                    "status": s.status,
                    "shown": shown_status(s.status, y, goal["target_year"]),
                    "previous_year": s.previous_year,
                    "previous_value": s.previous_value,
                    "change_significant": pd.NA if s.change_significant is None else s.change_significant,
                    "sentence": sentence(ind, goal, s, threshold, reason),
                    "reason": reason,
                    "distance": s.distance,
                    # the year's coverage of a pooled value ("7 af 9 skoler"; engine.compute)
                    "covered": shown.get("covered"),
                    "units": shown.get("units"),
                }
            )
    out = pd.DataFrame(rows, columns=EVAL_COLUMNS)
    for col in ("n", "school_year", "target_year", "previous_year", "covered", "units"):
        out[col] = out[col].astype("Int64")
    for col in ("value", "target", "previous_value", "distance"):
        out[col] = out[col].astype("float64")
    out["change_significant"] = out["change_significant"].astype("boolean")
    out["grade"] = out["grade"].astype(object)
    return out


_SCOPE_WORDS = {"skoler": "skoler", "dagtilbud": "dagtilbud"}


def institution_counts(evaluated: pd.DataFrame) -> pd.DataFrame:
    """For each goal with institutions in its scope, from ``evaluate_goals`` rows: how many institutions meet it
    ("5 af 12 skoler opfylder målet"), of those with data; those without data (missing or withheld) apart.

    Computed from the rows the viewer was given, so it tells nothing they could not count themselves; a page
    shows it only to a viewer who sees every institution in the scope. Columns: goal_id, met, of, no_data, words.

    >>> rows = pd.DataFrame({"goal_id": ["A"] * 5, "scope": ["skoler"] * 5, "level": ["institution"] * 5,
    ...                      "status": ["met", "met", "not_met", "on_track", "no_data"]})
    >>> institution_counts(rows)["words"].tolist()
    ['2 af 4 skoler opfylder målet (1 uden data)']
    >>> institution_counts(rows.assign(status="no_data"))["words"].tolist()
    ['ingen af de 5 skoler har data']
    """
    columns = ["goal_id", "met", "of", "no_data", "words"]
    rows = evaluated[evaluated["level"] == "institution"]
    out = []
    for goal_id, goal in rows.groupby("goal_id", sort=True):
        met = int((goal["status"] == "met").sum())
        no_data = int((goal["status"] == "no_data").sum())
        of = len(goal) - no_data
        what = _SCOPE_WORDS.get(str(goal["scope"].iloc[0]), "institutioner")
        if of:
            words = f"{met} af {of} {what} opfylder målet" + (f" ({no_data} uden data)" if no_data else "")
        else:
            words = f"ingen af de {no_data} {what} har data"
        out.append({"goal_id": goal_id, "met": met, "of": of, "no_data": no_data, "words": words})
    return pd.DataFrame(out, columns=columns)

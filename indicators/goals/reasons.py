"""Why a goal cannot be followed for a unit in a school year: the reason behind a "no data" status.

Computed from the data, never from the calendar: a year whose tests carry no
performance levels is found by looking at that year's test rows, so an extract
of transition tests that does carry levels is followed like any other. The
first reason that holds is given, as a Danish clause that follows "fordi":

1. the value is withheld: fewer than the threshold took part (the unit is too small), or it would give
   a smaller group's value back (complementary suppression);
2. nothing of the indicator's source is loaded for the municipality at all;
3. a level indicator, and that year's tests carry no performance levels (points only);
4. that year's tests are another generation than the scale the indicator is defined on;
5. the source has nothing for the municipality that year (e.g. no well-being survey);
6. the unit has nothing that year, while others have;
7. a year-on-year goal with a value but no earlier comparable year to compare it with.

Otherwise there is no reason to give (e.g. the goal's grade was not tested that year) and the
sentence says only that there is no value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from core import schoolyear
from indicators.catalogue import TEST_KINDS, Indicator
from indicators.goals.rules import LEVEL_DIRECTIONS
from indicators.lattice import LEVEL_SETS

if TYPE_CHECKING:
    from indicators.goals.status import UnitStatus

# What each source holds, as the reason names it.
_SOURCE_WORDS = {
    "tests": "testresultater",
    "wellbeing": "trivselsmåling",
    "language_assessments": "sprogvurderinger",
    "absence": "fraværstal",
    "exam_grades": "prøvekarakterer",
    "youth_transition": "tal for overgang til ungdomsuddannelse",
    "competence": "tal for kompetencedækning",
}
# A level column of an aggregated test row is NULL where the test gives no levels.
_AGG_LEVELS = "coalesce(level_1, level_2, level_3, level_4, level_5, level_6) IS NOT NULL"


Found = dict[str, tuple[int, int]] | int  # tests: test kind -> (rows, rows with a level); other sources: rows


def _test_rows(con, where: str, params: list) -> dict[str, dict[str, tuple[int, int]]]:
    """institution -> test kind -> (rows, rows with a performance level), pupil and aggregated rows together."""
    rows = con.execute(
        f"""
        SELECT institution_id, test_kind, sum(n), sum(with_level) FROM (
            SELECT institution_id, test_kind, count(*) AS n, count(level) AS with_level FROM test_pupil_results
            WHERE {where} GROUP BY ALL
            UNION ALL
            SELECT institution_id, test_kind, count(*), count(*) FILTER ({_AGG_LEVELS}) FROM test_aggregates
            WHERE {where} GROUP BY ALL
        ) GROUP BY ALL
        """,
        params + params,
    ).fetchall()
    out: dict[str, dict[str, tuple[int, int]]] = {}
    for institution, kind, n, with_level in rows:
        out.setdefault(institution, {})[kind] = (int(n), int(with_level))
    return out


def _source_rows(con, ind: Indicator, goal: dict, kommune: int, year: int | None) -> Mapping[str, Found]:
    """The indicator's source rows per institution of the municipality in ``year`` (None: any year).

    Tests: per test kind (rows, rows with a level), in the goal's subject and grade (else the indicator's
    subjects). Other sources: the number of rows.
    """
    where = ["institution_id IN (SELECT institution_id FROM institutions WHERE municipality_code = ?)"]
    params: list = [kommune]
    if year is not None:
        where.append("school_year = ?")
        params.append(year)
    if ind.source != "tests":
        # ind.source is a catalogue constant (a table name), never user input
        sql = f"SELECT institution_id, count(*) FROM {ind.source} WHERE {' AND '.join(where)} GROUP BY ALL"
        return {institution: int(n) for institution, n in con.execute(sql, params).fetchall()}
    where.append("list_contains(?, subject)")
    params.append([goal["subject"]] if goal.get("subject") else list(ind.subjects))
    if goal.get("grade") is not None:
        where.append("grade = ?")
        params.append(int(goal["grade"]))
    return _test_rows(con, " AND ".join(where), params)


class SourceRows:
    """The source rows ``reason_no_data`` looks at, each query run once per municipality, indicator, subject,
    grade and year (an evaluation asks the same of hundreds of units: a query per unit took seconds)."""

    def __init__(self, con, kommune: int):
        self._con, self._kommune = con, kommune
        self._seen: dict[tuple, tuple[Mapping[str, Found], Found]] = {}

    def found(self, ind: Indicator, goal: dict, year: int | None, unit: str | None = None) -> Found:
        """As the municipality (``unit`` None) or one of its institutions has them in ``year`` (None: any year)."""
        key = (ind.id, goal.get("subject"), goal.get("grade"), year)
        if key not in self._seen:
            per_unit = _source_rows(self._con, ind, goal, self._kommune, year)
            self._seen[key] = (per_unit, _together(ind, per_unit.values()))
        per_unit, total = self._seen[key]
        return total if unit is None else per_unit.get(unit, _together(ind, []))


def _together(ind: Indicator, found) -> Found:
    """Several institutions' rows as one unit's."""
    if ind.source != "tests":
        return sum(found)
    out: dict[str, tuple[int, int]] = {}
    for kinds in found:
        for kind, (n, with_level) in kinds.items():
            had = out.get(kind, (0, 0))
            out[kind] = (had[0] + n, had[1] + with_level)
    return out


def _rows(found: Found) -> int:
    return sum(n for n, _ in found.values()) if isinstance(found, dict) else int(found)


def reason_no_data(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    goal: dict,
    unit: tuple[str, str],
    status: UnitStatus,
    *,
    kommune: int,
    threshold: int,
    sources: SourceRows | None = None,
) -> str | None:
    """Why ``goal`` has no status for ``unit`` (level, id) in ``status.year``; None when it has one or no reason is known.
    ``sources``: the source rows already looked up for ``kommune`` (one ``SourceRows`` per evaluation of many units).

    >>> import tempfile; from pathlib import Path; from core import database
    >>> from indicators.catalogue import CATALOGUE
    >>> db = Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
    >>> with database.write(db) as con:
    ...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) "
    ...                     "VALUES ('999001', 'Skole A', 'skole', 999)")
    ...     _ = con.execute("INSERT INTO test_pupil_results VALUES (1, 'p1', '999001', 2024, 4, NULL, 'matematik', "
    ...                     "'overgangstest', NULL, NULL, 30, 40, NULL)")
    >>> goal = {"subject": "matematik", "grade": None, "direction": ">="}
    >>> from indicators.goals.status import UnitStatus
    >>> with database.read(db) as con:
    ...     reason_no_data(con, CATALOGUE["nt_share_good"], goal, ("municipality", "999"), UnitStatus("no_data", 2024),
    ...                    kommune=999, threshold=5)
    'testene i 2024/25 (nationale overgangstest) kun giver point og ingen præstationsniveauer'
    """
    if status.status != "no_data":
        return None
    y = status.year
    words = _SOURCE_WORDS[ind.source]
    if status.withheld == "complementary":  # docs/domain.md, rule 3
        return "tallet er skjult, så en mindre gruppes tal ikke kan regnes ud"
    if status.withheld:
        return f"færre end {threshold} indgår, så tallet vises ikke"
    sources = sources or SourceRows(con, kommune)
    if not _rows(sources.found(ind, goal, None)):
        return f"der ikke er indlæst nogen {words} endnu"
    if y is None:
        if ind.id in LEVEL_SETS:
            return "ingen af de indlæste testresultater har præstationsniveauer"
        return None
    found = sources.found(ind, goal, y)
    if isinstance(found, dict) and found:
        with_level = {kind for kind, (_, levels) in found.items() if levels}
        if ind.id in LEVEL_SETS and not with_level:
            kinds = " og ".join(TEST_KINDS[k].label.lower() if k in TEST_KINDS else k for k in sorted(found))
            return f"testene i {schoolyear.short(y)} ({kinds}) kun giver point og ingen præstationsniveauer"
        if not set(ind.test_kinds) & set(found):
            kinds = " og ".join(TEST_KINDS[k].label.lower() if k in TEST_KINDS else k for k in sorted(found))
            own = " og ".join(TEST_KINDS[k].label.lower() for k in ind.test_kinds)
            return f"testene i {schoolyear.short(y)} er {kinds}, og indikatoren er målt på {own}"
    if not _rows(found):
        return f"der ikke er indlæst nogen {words} for {schoolyear.short(y)}"
    level, unit_id = unit
    if level == "institution" and not _rows(sources.found(ind, goal, y, unit_id)):
        return f"der ikke er indlæst nogen {words} for institutionen i {schoolyear.short(y)}"
    if status.value == status.value and goal.get("direction") not in LEVEL_DIRECTIONS:
        return "der ikke er en tidligere sammenlignelig værdi at sammenligne med"
    return None


def why_no_data(goals: pd.DataFrame) -> dict[str, str]:
    """Per goal with "no data" rows in ``goals`` (``evaluate_goals``'s frame): why, each reason once,
    naming the units when it concerns only some of them.

    >>> goals = pd.DataFrame({"goal_id": ["G"] * 3, "unit_name": ["A", "B", "C"], "status": ["no_data", "no_data", "met"],
    ...                       "reason": ["færre end 5 indgår, så tallet vises ikke"] * 2 + [None]})
    >>> why_no_data(goals)
    {'G': 'Ingen data, fordi færre end 5 indgår, så tallet vises ikke (A, B).'}
    """
    out = {}
    for goal_id, rows in goals[goals["status"] == "no_data"].groupby("goal_id", sort=False):
        total = int((goals["goal_id"] == goal_id).sum())
        parts = []
        for reason, part in rows.groupby(rows["reason"].fillna(""), sort=False):
            who = "" if len(part) == total else f" ({', '.join(part['unit_name'])})"
            parts.append(f"Ingen data{', fordi ' + reason if reason else ''}{who}.")
        out[str(goal_id)] = " ".join(parts)
    return out

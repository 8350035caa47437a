"""Cells and pooling: the full lattice of one indicator, every value any viewer could be shown.

1. **Cells.** Each source is reduced to cells at its finest grain (institution,
   school year, grade, class, subject) carrying additive counts: ``num`` and
   ``den`` (value = num / den), ``s2`` (sum of squares, for a t interval; only
   pupil-level data have it), ``n`` (distinct pupils, children or respondents)
   and ``known`` (whether the cell's weight is known, so it may be pooled).
   National tests come from pupil rows and aggregated rows alike. Within one
   subject a pupil has one result a year (the loader rejects a second), so
   there n = results. Pooled over subjects, n is the distinct pupils (pupil
   rows) or the largest per-subject count (aggregated rows), as docs/formats.md
   says: each cell carries its share of that in ``n_pool`` (a pupil counts in
   the first of their subjects), so it adds up like ``n``. Pooling over grades,
   classes and institutions sums ``n``: a pupil is in one institution, grade
   and class in a school year.
2. **Pooling.** Cells are summed into every unit (class, institution, district,
   municipality), every grade and ``all``, every subject and ``all``. A pool is a
   ratio of sums, never a mean of means. If any cell of a pool has an unknown
   weight (well-being without a respondent count) the pooled value is not
   computed; a pool of one such cell shows the source's value with ``n`` unknown.
   Each pooled value keeps the ids of the cells it sums (``members``), so that
   ``indicators.suppression`` can tell what a reader could work out by
   subtracting published values from each other.

Tables whose grade may be NULL (well-being, absence: NULL = all grades
together) could count pupils twice. Rule: for each institution and year, the
grade rows are used when there are any (to pool over grades as well), else the
all-grades row, which then counts in ``all`` only. Competence rows per subject
are used likewise in preference to a row without a subject.

Missing is never zero: a missing source value is left out of the cell, and a
missing count makes every pool that holds it not computable.

The lattice is built for whole groups (one municipality and school year) even
when a caller asks for less: suppression is decided on the whole group, so a
value is withheld or shown alike on every page and for every viewer.

District rows have ``unit_id`` ``<municipality code>:<district>`` (e.g.
``999:Nord``), always, so that districts of the same name in different
municipalities never collide; ``unit_name`` is the district's name.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from indicators.catalogue import GOOD_LEVELS, LEVELS, POOR_LEVELS, TOP_LEVELS, Indicator

# DuckDB warns that Arrow output of ``execute`` copies the rows once more. ``con.sql`` would not, but it refuses
# a connection that holds an unread result, as a caller's may; the copy costs milliseconds.
warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)

WELLBEING = {
    "wb_social": "social",
    "wb_academic": "academic",
    "wb_support": "support",
    "wb_order": "order",
    "wb_general": "general",
}
LEVEL_SETS = {"nt_share_good": GOOD_LEVELS, "nt_share_top": TOP_LEVELS, "nt_share_poor": POOR_LEVELS}
MEAN_CORRECT = ("tt_mean_correct", "ft_mean_correct")  # points / max points, each on its test kind's scale
# Weighted source values: indicator -> (table, value column, weight column).
WEIGHTED = {
    "abs_mean_pct": ("absence", "absence_pct", "n_pupils"),
    "abs_share_over_10": ("absence", "share_over_10", "n_pupils"),
    "exam_mean": ("exam_grades", "mean_grade", "n_pupils"),
    "exam_socref_diff": ("exam_grades", "socref_diff", "n_pupils"),
    "tr_share_3m": ("youth_transition", "share_3m", "n_pupils"),
    "tr_share_15m": ("youth_transition", "share_15m", "n_pupils"),
    **dict.fromkeys(WELLBEING, ("wellbeing", "value", "respondents")),
}
_LANGUAGE = {"la_share_general": "n_general", "la_share_focused": "n_focused", "la_share_special": "n_special"}


def _where(kommune: int | None, years: list[int] | None) -> tuple[list[str], dict]:
    """Conditions on a source table that keep the groups asked for."""
    where: list[str] = []
    params: dict = {}
    if years is not None:
        where.append("list_contains($years, school_year)")
        params["years"] = [int(y) for y in years]
    if kommune is not None:
        where.append("institution_id IN (SELECT institution_id FROM institutions WHERE municipality_code = $kommune)")
        params["kommune"] = int(kommune)
    return where, params


def _test_cells(ind: Indicator, where: list[str], profile_area: str | None = None) -> tuple[str, dict]:
    """Cells of a test indicator, one per subject, from pupil rows and aggregated rows of the test kinds it is
    computed for: whole tests, or the rows of one profile area (``profile_area``; pupil rows only). Level shares
    also count the pupils at each performance level (``level_1`` .. ``level_6``)."""
    params: dict = {"test_kinds": list(ind.test_kinds), "subjects": list(ind.subjects)}
    filters = [*where, "list_contains($test_kinds, test_kind)", "list_contains($subjects, subject)"]
    area = "profile_area IS NULL"
    if profile_area is not None:
        area = "profile_area = $profile_area"
        params["profile_area"] = profile_area
    counts = ""
    if ind.id in LEVEL_SETS:
        x, has = "CAST(list_contains($levels, level) AS DOUBLE)", "level IS NOT NULL"
        params["levels"] = list(LEVEL_SETS[ind.id])
        counts = "".join(f", count(*) FILTER (level = {i}) AS level_{i}" for i in LEVELS)
    elif ind.id == "nt_mean_score":
        x, has = "score", "score IS NOT NULL"
    elif ind.id in MEAN_CORRECT:
        x, has = "points / max_points", "points IS NOT NULL AND max_points > 0"
    else:
        raise AssertionError(ind.id)
    # A pupil counts towards n pooled over subjects in the first of their subjects only.
    pupil = f"""
        SELECT inst, yr, grade, class, subject, sum(x) AS num, count(*)::DOUBLE AS den, sum(x * x) AS s2,
               count(*) AS n, count(*) FILTER (first) AS n_pool, true AS known{counts}
        FROM (SELECT institution_id AS inst, school_year AS yr, grade, class, subject, level, {x} AS x,
                     row_number() OVER (PARTITION BY institution_id, school_year, grade, class, pupil_key
                                        ORDER BY subject) = 1 AS first
              FROM test_pupil_results WHERE {" AND ".join([*filters, has, area])})
        GROUP BY ALL"""
    if ind.id in MEAN_CORRECT or profile_area is not None:
        return pupil, params  # aggregated extracts carry no points
    if ind.id in LEVEL_SETS:
        counted = " + ".join(f"level_{i}" for i in LEVEL_SETS[ind.id])
        total = " + ".join(f"level_{i}" for i in LEVELS)
        agg_row = (
            f"({counted}) AS num, ({total})::DOUBLE AS den, ({total}) AS n, ({total}) IS NOT NULL AS known, "
            + ", ".join(f"level_{i}" for i in LEVELS)
        )
        agg_has = "true"
    else:
        agg_row = "mean_score * n_tested AS num, n_tested::DOUBLE AS den, n_tested AS n, n_tested > 0 AS known"
        agg_has = "mean_score IS NOT NULL"
    # Aggregated rows know no pupils: pooled over subjects, n is the largest subject's count (carried by one row).
    aggregated = f"""
        SELECT inst, yr, grade, class, subject, num, den, NULL::DOUBLE AS s2, n,
               CASE WHEN row_number() OVER w = 1 THEN max(n) OVER (PARTITION BY inst, yr, grade) ELSE 0 END AS n_pool,
               known{counts and "".join(f", level_{i}" for i in LEVELS)}
        FROM (SELECT institution_id AS inst, school_year AS yr, grade, NULL::VARCHAR AS class, subject, {agg_row}
              FROM test_aggregates WHERE {" AND ".join([*filters, agg_has])})
        WINDOW w AS (PARTITION BY inst, yr, grade ORDER BY n DESC NULLS LAST, subject)"""
    return f"{pupil} UNION ALL {aggregated}", params


def _other_cells(ind: Indicator, where: list[str]) -> tuple[str, dict]:
    """Cells of a non-test indicator (no subject, no class)."""
    params: dict = {}
    cond = " AND ".join(where) or "true"
    if ind.id in WEIGHTED:
        table, value, weight = WEIGHTED[ind.id]
        if table == "wellbeing":
            cond += " AND indicator = $wellbeing"
            params["wellbeing"] = WELLBEING[ind.id]
        grade = "grade" if ind.has_grades else "NULL::TINYINT"
        # A row with an unknown weight keeps its own value (num = value, den = 1) but cannot be pooled.
        sql = f"""
            SELECT institution_id AS inst, school_year AS yr, {grade} AS grade, NULL::VARCHAR AS class,
                   NULL::VARCHAR AS subject,
                   CASE WHEN {weight} IS NULL THEN {value} ELSE {value} * {weight} END AS num,
                   coalesce({weight}, 1)::DOUBLE AS den, NULL::DOUBLE AS s2, {weight} AS n, {weight} AS n_pool,
                   {weight} IS NOT NULL AS known
            FROM {table} WHERE {cond} AND {value} IS NOT NULL AND ({weight} IS NULL OR {weight} > 0)"""
        return sql, params
    if ind.id in _LANGUAGE:
        count = _LANGUAGE[ind.id]
        sql = f"""
            SELECT institution_id AS inst, school_year AS yr, NULL::TINYINT AS grade, NULL::VARCHAR AS class,
                   NULL::VARCHAR AS subject, {count}::DOUBLE AS num, n_assessed::DOUBLE AS den,
                   NULL::DOUBLE AS s2, n_assessed AS n, n_assessed AS n_pool, {count} IS NOT NULL AS known
            FROM language_assessments WHERE {cond} AND n_assessed > 0"""
        return sql, params
    if ind.id == "comp_coverage":
        # Hours, not pupils: n is not applicable (NULL) and the value is never suppressed.
        sql = f"""
            SELECT inst, yr, NULL::TINYINT AS grade, NULL::VARCHAR AS class, NULL::VARCHAR AS subject,
                   CASE WHEN count(covered_hours) = count(*) THEN sum(covered_hours) END AS num,
                   sum(planned_hours) AS den, NULL::DOUBLE AS s2, NULL::BIGINT AS n, NULL::BIGINT AS n_pool,
                   true AS known
            FROM (SELECT institution_id AS inst, school_year AS yr, *,
                         bool_or(subject IS NOT NULL) OVER (PARTITION BY institution_id, school_year) AS detail
                  FROM competence WHERE {cond} AND planned_hours > 0)
            WHERE subject IS NOT NULL OR NOT detail
            GROUP BY inst, yr"""
        return sql, params
    raise AssertionError(ind.id)


def cells(
    ind: Indicator, kommune: int | None, years: list[int] | None, profile_area: str | None = None
) -> tuple[str, dict]:
    """SQL (and its parameters) for the indicator's cells in one municipality (None = all) and the years asked
    for (None = all), of one profile area of a test (None: whole tests): columns inst, yr, grade, class,
    subject, num, den, s2, n, n_pool, known."""
    where, params = _where(kommune, years)
    sql, more = _test_cells(ind, where, profile_area) if ind.source == "tests" else _other_cells(ind, where)
    return sql, {**params, **more}


@dataclass
class Lattice:
    """Every value of one indicator in the groups asked for, and the cells each one sums.

    ``values``: one row per pooled value (level, unit_id, unit_name, institution_id, mun, district, school_year,
    subject, grade, value, num, den, s2, n, covered: the institutions with a cell in it; level shares also ``level_1`` .. ``level_6``, the pupils at each
    performance level). The cells summed by row ``i`` are
    ``members[offsets[i]:offsets[i + 1]]`` (cell ids, unique within the lattice, numbered without gaps within a
    municipality and school year). ``parents``: for each margin (units, grades, subjects), the row of each
    value's total along it, -1 where none: a class is part of its institution, an institution of its district
    (else the municipality), a district of the municipality; a grade is part of ``all``, a subject of ``all``.
    """

    values: pd.DataFrame
    offsets: np.ndarray
    members: np.ndarray
    parents: list[np.ndarray]


def build(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    *,
    kommune: int | None = None,
    years: list[int] | None = None,
    profile_area: str | None = None,
) -> Lattice:
    """The full lattice of ``ind`` for one municipality (None = every one) and the years asked for (None = all);
    of one profile area of a test (``profile_area``), a lattice of its own."""
    return of_table(table(con, ind, kommune=kommune, years=years, profile_area=profile_area))


def table(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    *,
    kommune: int | None = None,
    years: list[int] | None = None,
    profile_area: str | None = None,
) -> pa.Table:
    """``build``'s lattice as the Arrow table ``pool_table`` returns (``of_table`` makes it a ``Lattice``)."""
    cell_sql, params = cells(ind, kommune, years, profile_area)
    units = ("institution", "district", "municipality") if ind.pooled else ("institution",)
    return pool_table(
        con,
        cell_sql,
        params,
        units=units + (("class",) if ind.source == "tests" else ()),
        grades=ind.has_grades,
        # only sources whose grade may be NULL (all grades together) need to know whether grade rows exist
        grade_rows_first=ind.has_grades and ind.source != "tests",
        grades_from=ind.grades_from,
        subjects=bool(ind.subjects),
        counts=ind.id in LEVEL_SETS,
    )


def pool(con: duckdb.DuckDBPyConnection, cell_sql: str, params: dict, **how) -> Lattice:
    """``pool_table`` (the same arguments) as a ``Lattice``."""
    return of_table(pool_table(con, cell_sql, params, **how))


def pool_table(
    con: duckdb.DuckDBPyConnection,
    cell_sql: str,
    params: dict,
    *,
    units: tuple[str, ...],
    grades: bool,
    grade_rows_first: bool = False,
    grades_from: int = 0,
    subjects: bool = False,
    counts: bool = False,
) -> pa.Table:
    """Sum cells (columns inst, yr, grade, class, subject, num, den, s2, n, n_pool, known) into every value of
    the lattice: each of ``units`` (institution, district, municipality, class), each grade and ``all``
    (``grades``), each subject and ``all`` (``subjects``; else each subject alone). ``grade_rows_first``: an
    institution's all-grades row (grade NULL) counts only when it has no grade rows that year. ``grades_from``:
    ``all`` pools the grades from this one up; a lower grade is a value of its own, part of no total (well-being:
    grades 0-3 answer another survey). ``counts``: the cells carry ``level_1`` .. ``level_6``, summed alike.
    One row per value, in order (``row``), with the cells it sums (``members``) and its totals' rows
    (``unit_total``, ``grade_total``, ``subject_total``)."""
    params = {**params, "grades_from": int(grades_from)}
    detail = (
        "coalesce(bool_or(cells.grade >= $grades_from) OVER (PARTITION BY cells.inst, cells.yr, cells.subject), false)"
        if grade_rows_first
        else "true"
    )
    if grades:
        grade_sql = """SELECT *, CAST(grade AS VARCHAR) AS gkey FROM c WHERE grade IS NOT NULL
                       UNION ALL SELECT *, 'all' AS gkey FROM c
                       WHERE grade >= $grades_from OR (grade IS NULL AND NOT detail)"""
    else:
        grade_sql = "SELECT *, NULL::VARCHAR AS gkey FROM c"
    subject_sql = "SELECT *, subject AS skey, n AS nn FROM g"
    if subjects:
        subject_sql += " UNION ALL SELECT *, 'all' AS skey, n_pool AS nn FROM g"
    unit_sql = {
        "institution": "SELECT 'institution' AS level, inst AS unit_id, inst AS institution_id, * FROM s",
        "district": "SELECT 'district' AS level, CAST(mun AS VARCHAR) || ':' || district AS unit_id, "
        "NULL AS institution_id, * FROM s WHERE district IS NOT NULL",
        "municipality": "SELECT 'municipality' AS level, CAST(mun AS VARCHAR) AS unit_id, NULL AS institution_id, * "
        "FROM s",
        "class": "SELECT 'class' AS level, class AS unit_id, inst AS institution_id, * FROM s WHERE class IS NOT NULL",
    }
    sums = "".join(
        f"CASE WHEN count(level_{i}) = count(*) THEN sum(level_{i}) END AS level_{i}, " for i in LEVELS if counts
    )
    # an institution is part of its district only where districts are pooled
    district = "i.district" if "district" in units else "NULL::VARCHAR"
    sql = f"""
        WITH cells AS ({cell_sql}),
        c AS (
            -- cells are numbered by municipality and school year (so a group's cells have no gaps), then by key
            SELECT (row_number() OVER (ORDER BY i.municipality_code, cells.yr, cells.inst, cells.grade, cells.class, cells.subject)) - 1 AS cid, cells.*,
                   i.municipality_code AS mun, {district} AS district, {detail} AS detail
            FROM cells JOIN institutions i ON i.institution_id = cells.inst
        ),
        g AS ({grade_sql}),
        s AS ({subject_sql}),
        u AS ({" UNION ALL ".join(unit_sql[u] for u in units)}),
        p AS (
            SELECT level, unit_id, institution_id, mun, yr AS school_year, skey AS subject, gkey AS grade,
                   -- a missing count makes the pool missing; an unknown weight only allows a pool of one
                   CASE WHEN count(num) = count(*) AND (bool_and(known) OR count(*) = 1)
                        THEN sum(num) / sum(den) END AS value,
                   CASE WHEN count(nn) = count(*) THEN sum(nn) END::BIGINT AS n,
                   sum(num) AS num, sum(den) AS den,
                   CASE WHEN count(s2) = count(*) THEN sum(s2) END AS s2,{sums}
                   CASE WHEN level <> 'municipality' THEN any_value(district) END AS district,
                   count(DISTINCT inst) AS covered,
                   list(cid ORDER BY cid) AS members
            FROM u
            GROUP BY level, unit_id, institution_id, mun, yr, skey, gkey
        ),
        q AS (
            SELECT p.*,
                   CASE level WHEN 'institution' THEN i.name WHEN 'municipality' THEN m.name
                              WHEN 'class' THEN i.name || ', ' || unit_id ELSE p.district END AS unit_name,
                   row_number() OVER (ORDER BY CASE level WHEN 'municipality' THEN 0 WHEN 'district' THEN 1
                                                          WHEN 'institution' THEN 2 ELSE 3 END,
                                      unit_id, p.institution_id NULLS FIRST, school_year, subject = 'all', subject,
                                      grade = 'all', TRY_CAST(grade AS INTEGER)) - 1 AS row,
                   -- the total each value is a part of, along units, grades and subjects
                   CASE level WHEN 'class' THEN 'institution'
                              WHEN 'institution' THEN CASE WHEN p.district IS NULL THEN 'municipality' ELSE 'district' END
                              WHEN 'district' THEN 'municipality' END AS up_level,
                   CASE level WHEN 'class' THEN p.institution_id
                              WHEN 'institution' THEN CASE WHEN p.district IS NULL THEN CAST(mun AS VARCHAR)
                                                           ELSE CAST(mun AS VARCHAR) || ':' || p.district END
                              ELSE CAST(mun AS VARCHAR) END AS up_unit,
                   coalesce(p.institution_id, '') AS inst_key, coalesce(subject, '') AS subject_key,
                   coalesce(grade, '') AS grade_key
            FROM p
            LEFT JOIN institutions i ON i.institution_id = p.institution_id
            LEFT JOIN municipalities m ON level = 'municipality' AND m.code = p.mun
        )
        SELECT q.* EXCLUDE (up_level, up_unit, inst_key, subject_key, grade_key),
               coalesce(unit_total.row, -1) AS unit_total, coalesce(grade_total.row, -1) AS grade_total,
               coalesce(subject_total.row, -1) AS subject_total
        FROM q
        LEFT JOIN q AS unit_total
            ON unit_total.level = q.up_level AND unit_total.unit_id = q.up_unit
           AND unit_total.inst_key = CASE WHEN q.level = 'class' THEN q.inst_key ELSE '' END
           AND unit_total.school_year = q.school_year AND unit_total.subject_key = q.subject_key
           AND unit_total.grade_key = q.grade_key
        LEFT JOIN q AS grade_total
            ON q.grade <> 'all' AND TRY_CAST(q.grade AS INTEGER) >= $grades_from
           AND grade_total.grade = 'all' AND grade_total.level = q.level
           AND grade_total.unit_id = q.unit_id AND grade_total.inst_key = q.inst_key
           AND grade_total.school_year = q.school_year AND grade_total.subject_key = q.subject_key
        LEFT JOIN q AS subject_total
            ON q.subject <> 'all' AND subject_total.subject = 'all' AND subject_total.level = q.level
           AND subject_total.unit_id = q.unit_id AND subject_total.inst_key = q.inst_key
           AND subject_total.school_year = q.school_year AND subject_total.grade_key = q.grade_key
        ORDER BY q.row
    """
    result = con.execute(sql, params).to_arrow_table()
    assert result is not None  # a query always has a result (maybe empty)
    return result


TOTALS = ("unit_total", "grade_total", "subject_total")


def of_table(table: pa.Table) -> Lattice:
    """The ``Lattice`` of ``pool_table``'s rows, or of any whole groups of them (a municipality and school year
    holds each value's totals): totals are found by their ``row``."""
    members = table.column("members").combine_chunks()
    row = table.column("row").to_numpy()
    parents = []
    for total in TOTALS:
        parent = table.column(total).to_numpy()
        parents.append(np.where(parent >= 0, np.searchsorted(row, parent), -1))
    values = table.drop_columns(["members", "row", *TOTALS]).to_pandas()
    offsets = members.offsets.to_numpy()
    return Lattice(values, offsets - offsets[0], members.values.to_numpy()[offsets[0] : offsets[-1]], parents)

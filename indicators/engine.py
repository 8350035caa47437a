"""The one function that computes any indicator for any units, years, subjects and grades.

How a value comes about, in two steps, both in DuckDB SQL:

1. **Cells.** Each source is reduced to cells at its finest grain (institution,
   school year, grade, class, subject) carrying additive counts: ``num`` and
   ``den`` (value = num / den), ``s2`` (sum of squares, for a t interval; only
   pupil-level data have it), ``n`` (distinct pupils, children or respondents)
   and ``known`` (whether the cell's weight is known, so it may be pooled).
   National tests come from pupil rows and aggregated rows alike; each test
   cell also exists pooled over subjects (``subject = 'all'``), whose ``n`` is
   the distinct pupils across subjects (pupil rows) or the largest per-subject
   count (aggregated rows), as docs/formats.md says. Within one subject a pupil has
   one result a year (the loader rejects a second), so there n = results.
   Pooling cells over grades, classes and institutions sums their ``n``: a
   pupil is in one institution, grade and class in a school year.
2. **Pooling.** Cells are summed into units (class, institution, district,
   municipality) and grades (each grade and ``all``). A pool is a ratio of
   sums, never a mean of means. If any cell of a pool has an unknown weight
   (well-being without a respondent count) the pooled value is not computed;
   a pool of one such cell shows the source's value with ``n`` unknown.

Tables whose grade may be NULL (well-being, absence: NULL = all grades
together) could count pupils twice. Rule: for each institution and year, the
grade rows are used when there are any (to pool over grades as well), else the
all-grades row; a grade filter uses grade rows only. Competence rows per
subject are used likewise in preference to a row without a subject.

Small numbers: a value whose ``n`` is below the threshold is withheld (value
and interval NULL, ``suppressed`` true); its counts still go into every pool.
Unknown ``n`` is never suppressed. Missing is never zero: a missing source
value is left out of the cell (and a missing count makes the pool unknown).

Intervals (95 %): Wilson for shares, t for means from pupil rows, and for
well-being an approximate normal interval from an assumed pupil-level standard
deviation (``catalogue.assumed_sd``); the column ``interval_kind`` says which
('wilson', 't', 'assumed_sd', or None where there is no interval), so a page
can call an ``assumed_sd`` interval "omtrentlig".

Viewer scoping (docs/domain.md, "Who sees what") happens here, not in pages.
Confidentiality across municipalities (folkeskoleloven § 55 b): a test result
is confidential at every level below the whole country, including another
municipality's. Confidential indicators are therefore computed only for the
deployment's own municipality (``kommune``, else ``settings.kommune()``) and its
institutions and districts, for every viewer; other indicators for every
municipality in the data (or ``kommune``'s only, when given).

District rows have ``unit_id`` ``<municipality code>:<district>`` (e.g.
``999:Nord``), always, so that districts of the same name in different
municipalities never collide; ``unit_name`` is the district's name.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import numpy as np
import pandas as pd

from core import settings
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from indicators import uncertainty
from indicators.catalogue import (
    CATALOGUE,
    GOOD_LEVELS,
    LEVELS,
    POOR_LEVELS,
    TOP_LEVELS,
    Indicator,
    assumed_sd,
    comparable_group,
)

LEVEL_ORDER = ("municipality", "district", "institution", "class")
ALL_LEVELS = ("institution", "district", "municipality")
COLUMNS = [
    "indicator",
    "level",
    "unit_id",
    "unit_name",
    "institution_id",
    "school_year",
    "subject",
    "grade",
    "value",
    "n",
    "lower",
    "upper",
    "interval_kind",
    "suppressed",
    "comparable_group",
]
# Well-being intervals stay on the survey's 1-5 scale.
_SCALE = {"scale5": (1.0, 5.0)}
# Nobody may ever see one pupil's value, whatever threshold a caller passes.
ABSOLUTE_MIN_N = 2

_WELLBEING = {
    "wb_social": "social",
    "wb_academic": "academic",
    "wb_support": "support",
    "wb_order": "order",
    "wb_general": "general",
}
_LEVEL_SETS = {"nt_share_good": GOOD_LEVELS, "nt_share_top": TOP_LEVELS, "nt_share_poor": POOR_LEVELS}
# Weighted source values: indicator -> (table, value column, weight column).
_WEIGHTED = {
    "abs_mean_pct": ("absence", "absence_pct", "n_pupils"),
    "abs_share_over_10": ("absence", "share_over_10", "n_pupils"),
    "exam_mean": ("exam_grades", "mean_grade", "n_pupils"),
    "exam_socref_diff": ("exam_grades", "socref_diff", "n_pupils"),
    "tr_share_3m": ("youth_transition", "share_3m", "n_pupils"),
    "tr_share_15m": ("youth_transition", "share_15m", "n_pupils"),
    **dict.fromkeys(_WELLBEING, ("wellbeing", "value", "respondents")),
}
_LANGUAGE = {"la_share_general": "n_general", "la_share_focused": "n_focused", "la_share_special": "n_special"}


def indicator(indicator_id: str) -> Indicator:
    """The catalogue entry, or a Danish error naming the unknown id."""
    try:
        return CATALOGUE[indicator_id]
    except KeyError:
        raise KvalitetsdialogError(f"Ukendt indikator '{indicator_id}'.", "Ukendt indikator") from None


def require_viewer(viewer) -> Viewer:
    """Every read takes the viewer: a caller that passes anything else fails loudly, never leaks."""
    if not isinstance(viewer, Viewer):
        raise TypeError(f"expected a core.viewer.Viewer as the viewer, got {type(viewer).__name__}")
    return viewer


def _in_list(column: str, values: Iterable) -> str:
    """``column IN (...)`` with literal values quoted for SQL (values are ids, years, grades)."""
    quoted = []
    for v in values:
        if isinstance(v, (int, np.integer)):
            quoted.append(str(int(v)))
        else:
            quoted.append("'" + str(v).replace("'", "''") + "'")
    return f"{column} IN ({', '.join(quoted)})" if quoted else "false"


def _test_cells(
    ind: Indicator, where: list[str], subjects: list[str] | None, by_class: bool, each: bool = True, pooled: bool = True
) -> str:
    """Cells of a test indicator from pupil rows and aggregated rows, per subject (``each``) and
    pooled over subjects (``pooled``, subject 'all')."""
    subs = subjects if subjects is not None else list(ind.subjects)
    filters = where + [f"test_kind = '{ind.test_kind}'", _in_list("subject", subs)]
    if ind.id in _LEVEL_SETS:
        x, has = f"CAST({_in_list('level', _LEVEL_SETS[ind.id])} AS DOUBLE)", "level IS NOT NULL"
    elif ind.id == "nt_mean_score":
        x, has = "score", "score IS NOT NULL"
    elif ind.id == "tt_mean_correct":
        x, has = "points / max_points", "points IS NOT NULL AND max_points > 0"
    else:
        raise AssertionError(ind.id)
    cls = "class" if by_class else "NULL::VARCHAR"
    rows = (
        f"SELECT institution_id AS inst, school_year AS yr, grade, {cls} AS class, subject, pupil_key, "
        f"{x} AS x FROM test_pupil_results WHERE {' AND '.join(filters + [has])}"
    )
    parts = []
    if each:
        # A pupil has one result per subject and year (the loader rejects a second), so count(*) is n.
        parts.append(f"""SELECT inst, yr, grade, class, subject, sum(x) AS num, count(*)::DOUBLE AS den,
                                sum(x * x) AS s2, count(*) AS n, true AS known
                         FROM ({rows}) GROUP BY inst, yr, grade, class, subject""")
    if pooled:
        parts.append(f"""SELECT inst, yr, grade, class, 'all' AS subject, sum(x) AS num, count(*)::DOUBLE AS den,
                                sum(x * x) AS s2, count(DISTINCT pupil_key) AS n, true AS known
                         FROM ({rows}) GROUP BY inst, yr, grade, class""")
    pupil = " UNION ALL ".join(parts)
    if ind.id == "tt_mean_correct":
        return pupil  # aggregated extracts carry no points
    if ind.id in _LEVEL_SETS:
        all_levels = " + ".join(f"level_{i}" for i in range(1, 7))
        agg_row = (
            f"{' + '.join(f'level_{i}' for i in _LEVEL_SETS[ind.id])} AS num, "
            f"({all_levels})::DOUBLE AS den, ({all_levels}) AS n, ({all_levels}) IS NOT NULL AS known"
        )
        agg_has = "true"
    else:
        agg_row = "mean_score * n_tested AS num, n_tested::DOUBLE AS den, n_tested AS n, n_tested > 0 AS known"
        agg_has = "mean_score IS NOT NULL"
    aggregated = f"""
        SELECT institution_id AS inst, school_year AS yr, grade, NULL::VARCHAR AS class, subject, {agg_row}
        FROM test_aggregates WHERE {" AND ".join(filters + [agg_has])}"""
    agg_parts = parts
    if each:
        agg_parts.append(
            f"SELECT inst, yr, grade, class, subject, num, den, NULL::DOUBLE AS s2, n, known FROM ({aggregated})"
        )
    if pooled:
        # pooled over subjects: distinct pupils unknown, so n = the largest per-subject count
        agg_parts.append(
            f"SELECT inst, yr, grade, class, 'all' AS subject, "
            f"CASE WHEN count(num) = count(*) THEN sum(num) END AS num, sum(den) AS den, "
            f"NULL::DOUBLE AS s2, max(n) AS n, bool_and(known) AS known "
            f"FROM ({aggregated}) GROUP BY inst, yr, grade, class"
        )
    return " UNION ALL ".join(agg_parts)


def _other_cells(ind: Indicator, where: list[str]) -> str:
    """Cells of a non-test indicator (no subject, no class)."""
    cond = " AND ".join(where) or "true"
    if ind.id in _WEIGHTED:
        table, value, weight = _WEIGHTED[ind.id]
        if table == "wellbeing":
            cond += f" AND indicator = '{_WELLBEING[ind.id]}'"
        grade = "grade" if ind.has_grades else "NULL::TINYINT"
        # A row with an unknown weight keeps its own value (num = value, den = 1) but cannot be pooled.
        return f"""
            SELECT institution_id AS inst, school_year AS yr, {grade} AS grade, NULL::VARCHAR AS class,
                   NULL::VARCHAR AS subject,
                   CASE WHEN {weight} IS NULL THEN {value} ELSE {value} * {weight} END AS num,
                   coalesce({weight}, 1)::DOUBLE AS den, NULL::DOUBLE AS s2, {weight} AS n,
                   {weight} IS NOT NULL AS known
            FROM {table} WHERE {cond} AND {value} IS NOT NULL AND ({weight} IS NULL OR {weight} > 0)"""
    if ind.id in _LANGUAGE:
        count = _LANGUAGE[ind.id]
        return f"""
            SELECT institution_id AS inst, school_year AS yr, NULL::TINYINT AS grade, NULL::VARCHAR AS class,
                   NULL::VARCHAR AS subject, {count}::DOUBLE AS num, n_assessed::DOUBLE AS den,
                   NULL::DOUBLE AS s2, n_assessed AS n, {count} IS NOT NULL AS known
            FROM language_assessments WHERE {cond} AND n_assessed > 0"""
    if ind.id == "comp_coverage":
        # Hours, not pupils: n is not applicable (NULL) and the value is never suppressed.
        return f"""
            SELECT inst, yr, NULL::TINYINT AS grade, NULL::VARCHAR AS class, NULL::VARCHAR AS subject,
                   CASE WHEN count(covered_hours) = count(*) THEN sum(covered_hours) END AS num,
                   sum(planned_hours) AS den, NULL::DOUBLE AS s2, NULL::BIGINT AS n, true AS known
            FROM (SELECT institution_id AS inst, school_year AS yr, *,
                         bool_or(subject IS NOT NULL) OVER (PARTITION BY institution_id, school_year) AS detail
                  FROM competence WHERE {cond} AND planned_hours > 0)
            WHERE subject IS NOT NULL OR NOT detail
            GROUP BY inst, yr"""
    raise AssertionError(ind.id)


def _grade_spec(grades) -> tuple[bool, bool, list[int] | None]:
    """(each grade rows, an 'all' row, restrict to these grades)."""
    if grades == "each+all":
        return True, True, None
    if grades == "all":
        return False, True, None
    wanted = [int(g) for g in grades if g != "all"]
    return bool(wanted), "all" in grades, wanted or None


def _subject_spec(ind: Indicator, subjects) -> tuple[bool, bool, list[str] | None]:
    """(each subject rows, an 'all' row, restrict to these subjects) for an indicator with subjects."""
    if subjects == "each+all":
        return True, True, None
    if subjects == "all":
        return False, True, None
    wanted = [s for s in subjects if s != "all"]
    unknown = [s for s in wanted if s not in ind.subjects]
    if unknown:
        raise KvalitetsdialogError(f"Indikatoren '{ind.id}' findes ikke for faget {', '.join(unknown)}.", "Ukendt fag")
    return bool(wanted), "all" in subjects, wanted or None


def _leader_districts(con, viewer: Viewer) -> set[tuple[int, str]]:
    """Districts a leader may see: those made up only of the leader's own institutions."""
    rows = con.execute(
        "SELECT municipality_code, district, list(institution_id) FROM institutions "
        "WHERE district IS NOT NULL GROUP BY ALL"
    ).fetchall()
    return {(m, d) for m, d, ids in rows if set(ids) <= viewer.institutions}


def _leader_municipalities(con, viewer: Viewer) -> set[int]:
    rows = con.execute(
        f"SELECT DISTINCT municipality_code FROM institutions WHERE {_in_list('institution_id', viewer.institutions)}"
    ).fetchall()
    return {r[0] for r in rows}


def compute(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    indicator_id: str,
    *,
    kommune: int | None = None,
    levels=ALL_LEVELS,
    institutions: list[str] | None = None,
    years: list[int] | None = None,
    subjects="each+all",
    grades="each+all",
    by_class: bool = False,
    min_n: int | None = None,
) -> pd.DataFrame:
    """One indicator for the units, years, subjects and grades asked for, as this viewer may see it.

    ``subjects``/``grades``: ``"each+all"`` (a row per subject/grade and one pooled over all),
    ``"all"`` (pooled only) or a list (those only; add ``"all"`` to the list for the pooled row too).
    ``kommune`` restricts to one municipality's institutions (None = every municipality); a
    confidential (test) indicator is always restricted to the own one (``kommune``, else
    ``settings.kommune()``), whoever the viewer.
    ``institutions`` restricts the institution and class rows (pools are unaffected).

    >>> from core import database; from core.viewer import Viewer
    >>> import tempfile, pathlib; db = pathlib.Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
    >>> with database.write(db) as con:
    ...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) "
    ...                     "VALUES ('999001', 'Skole A', 'skole', 999)")
    ...     _ = con.execute("INSERT INTO language_assessments VALUES (1, '999001', 2024, 20, 17, 2, 1)")
    >>> with database.read(db) as con:
    ...     df = compute(con, Viewer.parse("public"), "la_share_general", levels=("municipality",))
    >>> df[["unit_id", "school_year", "value", "n", "suppressed"]].to_dict("records")
    [{'unit_id': '999', 'school_year': 2024, 'value': 0.85, 'n': 20, 'suppressed': False}]
    """
    require_viewer(viewer)
    ind = indicator(indicator_id)
    threshold = max(settings.min_n() if min_n is None else int(min_n), ABSOLUTE_MIN_N)
    if ind.confidential and not viewer.sees_national_tests:
        return _empty()
    if ind.confidential:
        kommune = settings.kommune(kommune)  # § 55 b: never another municipality's test results
    levels = tuple(levels)
    unknown_levels = set(levels) - set(LEVEL_ORDER)
    if unknown_levels:
        raise KvalitetsdialogError(f"Ukendt niveau: {', '.join(sorted(unknown_levels))}.", "Ukendt niveau")
    if not ind.pooled:
        levels = tuple(lv for lv in levels if lv == "institution")
    by_class = bool(by_class and viewer.sees_class_level and ind.source == "tests")
    if by_class:
        levels = levels + ("class",)
    if not levels:
        return _empty()

    where = []
    if years is not None:
        where.append(_in_list("school_year", [int(y) for y in years]))
    if kommune is not None:
        where.append(
            f"institution_id IN (SELECT institution_id FROM institutions WHERE municipality_code = {int(kommune)})"
        )
    if viewer.role == "leader" and not ({"municipality", "district"} & set(levels)):
        where.append(_in_list("institution_id", viewer.institutions))  # only own rows can be returned

    each_grade, all_grade, grade_list = _grade_spec(grades)
    if ind.subjects:
        each_subject, all_subject, subject_list = _subject_spec(ind, subjects)
        cells = _test_cells(ind, where, subject_list, by_class, each_subject, all_subject)
    else:
        cells = _other_cells(ind, where)

    # Only sources whose grade may be NULL (all grades together) need to know whether grade rows exist.
    detail = (
        "bool_or(cells.grade IS NOT NULL) OVER (PARTITION BY cells.inst, cells.yr, cells.subject)"
        if ind.has_grades and ind.source != "tests"
        else "true"
    )
    grade_parts = []
    if not ind.has_grades:
        grade_parts.append("SELECT *, NULL::VARCHAR AS gkey FROM c")
    else:
        gcond = "grade IS NOT NULL" + (f" AND {_in_list('grade', grade_list)}" if grade_list else "")
        if each_grade:
            grade_parts.append(f"SELECT *, CAST(grade AS VARCHAR) AS gkey FROM c WHERE {gcond}")
        if all_grade:
            # grade rows when the institution has any that year, else its all-grades row
            grade_parts.append(
                f"SELECT *, 'all' AS gkey FROM c WHERE ({gcond}) OR (grade IS NULL AND NOT detail "
                f"AND {'false' if grade_list else 'true'})"
            )
    if not grade_parts:
        return _empty()

    unit_parts = {
        "institution": "SELECT 'institution' AS level, inst AS unit_id, inst AS institution_id, mun, * "
        "EXCLUDE (mun, inst) FROM g",
        "district": "SELECT 'district' AS level, CAST(mun AS VARCHAR) || ':' || district AS unit_id, "
        "NULL AS institution_id, mun, * EXCLUDE (mun, inst) FROM g WHERE district IS NOT NULL",
        "municipality": "SELECT 'municipality' AS level, CAST(mun AS VARCHAR) AS unit_id, NULL AS institution_id, mun, * EXCLUDE (mun, inst) FROM g",
        "class": "SELECT 'class' AS level, class AS unit_id, inst AS institution_id, mun, * EXCLUDE (mun, inst) FROM g "
        f"WHERE class IS NOT NULL AND {'gkey <> ' + repr('all') if each_grade else 'true'}",
    }
    sql = f"""
        WITH cells AS ({cells}),
        c AS (
            SELECT cells.*, i.municipality_code AS mun, i.district, {detail} AS detail
            FROM cells JOIN institutions i ON i.institution_id = cells.inst
        ),
        g AS ({" UNION ALL ".join(grade_parts)}),
        u AS ({" UNION ALL BY NAME ".join(unit_parts[lv] for lv in levels)}),
        p AS (
            SELECT level, unit_id, institution_id, mun, yr AS school_year,
                   subject, gkey AS grade,
                   -- a missing count makes the pool missing; an unknown weight only allows a pool of one
                   CASE WHEN count(num) = count(*) AND (bool_and(known) OR count(*) = 1)
                        THEN sum(num) / sum(den) END AS value,
                   CASE WHEN count(n) = count(*) THEN sum(n) END AS n,
                   sum(num) AS num, sum(den) AS den,
                   CASE WHEN count(s2) = count(*) THEN sum(s2) END AS s2,
                   CASE WHEN level = 'district' THEN any_value(district) END AS district
            FROM u
            GROUP BY level, unit_id, institution_id, mun, yr, subject, gkey
        )
        SELECT p.*,
               CASE level WHEN 'institution' THEN i.name WHEN 'municipality' THEN m.name
                          WHEN 'class' THEN i.name || ', ' || unit_id ELSE p.district END AS unit_name
        FROM p
        LEFT JOIN institutions i ON i.institution_id = p.institution_id
        LEFT JOIN municipalities m ON level = 'municipality' AND m.code = p.mun
        ORDER BY CASE level WHEN 'municipality' THEN 0 WHEN 'district' THEN 1 WHEN 'institution' THEN 2 ELSE 3 END,
                 unit_id, p.institution_id NULLS FIRST, school_year, subject = 'all', subject,
                 grade = 'all', TRY_CAST(grade AS INTEGER)
    """
    df = con.execute(sql).df()
    df = _scope(con, viewer, df, institutions)
    return _finish(con, ind, df, threshold)


def _scope(con, viewer: Viewer, df: pd.DataFrame, institutions: list[str] | None) -> pd.DataFrame:
    """Keep only the rows this viewer may see (and the institutions asked for)."""
    own_rows = df["level"].isin(("institution", "class"))
    keep = pd.Series(True, index=df.index)
    if institutions is not None:
        keep &= ~own_rows | df["institution_id"].isin(list(institutions))
    if viewer.role == "leader":
        keep &= ~own_rows | df["institution_id"].isin(list(viewer.institutions))
        municipalities = _leader_municipalities(con, viewer)
        keep &= (df["level"] != "municipality") | df["mun"].isin(municipalities)
        districts = _leader_districts(con, viewer)
        in_district = [(m, d) in districts for m, d in zip(df["mun"], df["district"])]
        keep &= (df["level"] != "district") | pd.Series(in_district, index=df.index, dtype=bool)
    if not viewer.sees_class_level:
        keep &= df["level"] != "class"
    return df[keep]


def _finish(con, ind: Indicator, df: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Suppression, intervals and types (rows arrive named and in order from SQL)."""
    if df.empty:
        return _empty()
    n = df["n"].astype("Int64")
    suppressed = (n.notna() & (n < threshold)).fillna(False).to_numpy(dtype=bool)
    value = df["value"].to_numpy(dtype="float64", na_value=np.nan)
    if ind.interval == "wilson":
        lower, upper = uncertainty.wilson(df["num"], df["den"])
    elif ind.interval == "t":
        lower, upper = uncertainty.t_interval(df["num"], df["s2"].to_numpy(dtype="float64", na_value=np.nan), df["den"])
    elif ind.interval == "assumed_sd":
        low, high = _SCALE.get(ind.unit, (-np.inf, np.inf))
        sd = assumed_sd(ind)
        assert sd is not None  # an assumed_sd interval always has a spread
        lower, upper = uncertainty.normal_interval(value, sd, n.to_numpy(dtype="float64", na_value=np.nan), low, high)
    else:
        lower = upper = np.full(len(df), np.nan)
    no_value = suppressed | np.isnan(value)
    has_interval = ~no_value & ~np.isnan(np.asarray(lower, dtype="float64"))
    grade = df["grade"].to_numpy(dtype=object, na_value=None).copy()
    numeric = pd.to_numeric(df["grade"], errors="coerce")
    is_number = numeric.notna().to_numpy()
    grade[is_number] = numeric[is_number].astype(int).astype(object).to_numpy()
    years = df["school_year"].astype(int)
    groups = {y: comparable_group(ind, y) for y in years.unique().tolist()}
    out = pd.DataFrame(
        {
            "indicator": ind.id,
            "level": df["level"].to_numpy(dtype=object),
            "unit_id": df["unit_id"].astype(str).to_numpy(dtype=object),
            "unit_name": df["unit_name"].to_numpy(dtype=object, na_value=None),
            "institution_id": df["institution_id"].to_numpy(dtype=object, na_value=None),
            "school_year": years.to_numpy(),
            "subject": df["subject"].to_numpy(dtype=object, na_value=None) if ind.subjects else None,
            "grade": grade,
            "value": np.where(no_value, np.nan, value),
            "n": n.to_numpy(),
            "lower": np.where(no_value, np.nan, lower),
            "upper": np.where(no_value, np.nan, upper),
            "interval_kind": np.where(has_interval, ind.interval or "", None),  # type: ignore[call-overload]
            "suppressed": suppressed,
            "comparable_group": years.map(groups).to_numpy(dtype=object),
        }
    )
    out["n"] = out["n"].astype("Int64")
    return out[COLUMNS]


def _empty() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    df["school_year"] = df["school_year"].astype(int)
    df["value"] = df["value"].astype("float64")
    df["lower"] = df["lower"].astype("float64")
    df["upper"] = df["upper"].astype("float64")
    df["n"] = df["n"].astype("Int64")
    df["suppressed"] = df["suppressed"].astype(bool)
    return df


def trend(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    indicator_id: str,
    unit_level: str,
    unit_id,
    *,
    subject: str | None = None,
    grade: int | None = None,
    kommune: int | None = None,
    min_n: int | None = None,
) -> pd.DataFrame:
    """One row per school year for one unit, with interval and comparable group (a chart breaks
    its line where the group changes). ``subject``/``grade`` None = pooled over all.

    >>> from core import database; import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
    >>> with database.write(db) as con:
    ...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) "
    ...                     "VALUES ('999001', 'Skole A', 'skole', 999)")
    ...     _ = con.executemany("INSERT INTO test_aggregates VALUES (1, '999001', ?, 4, 'matematik', "
    ...                         "'national_test', 10, 1, 1, 2, 4, 1, 1, NULL)", [[2018], [2019], [2020]])
    >>> with database.read(db) as con:
    ...     df = trend(con, Viewer.parse("council"), "nt_share_good", "municipality", 999, subject="matematik")
    >>> df[["school_year", "value", "comparable_group"]].values.tolist()
    [[2018, 0.6, 'national_test'], [2019, 0.6, 'national_test_2019'], [2020, 0.6, 'national_test']]
    """
    ind = indicator(indicator_id)
    df = compute(
        con,
        viewer,
        indicator_id,
        kommune=kommune,
        levels=(unit_level,),
        subjects=[subject] if subject else "all",
        grades=[grade] if grade is not None else "all",
        min_n=min_n,
    )
    if not ind.subjects:
        df = df[df["subject"].isna()]
    df = df[df["unit_id"] == str(unit_id)]
    return df.sort_values("school_year").reset_index(drop=True)


def latest_year(con: duckdb.DuckDBPyConnection, indicator_id: str, *, kommune: int | None = None) -> int | None:
    """The latest school year in which the indicator has any value in the database (any unit; for a
    confidential indicator any unit of the own municipality, ``kommune`` else ``settings.kommune()``)."""
    ind = indicator(indicator_id)
    where = []
    if ind.confidential:
        where.append(
            f"institution_id IN (SELECT institution_id FROM institutions "
            f"WHERE municipality_code = {settings.kommune(kommune)})"
        )
    # per-subject cells suffice (and are cheap: no distinct count)
    cells = _test_cells(ind, where, None, False, pooled=False) if ind.subjects else _other_cells(ind, where)
    row = con.execute(f"SELECT max(yr) FROM ({cells}) WHERE num IS NOT NULL AND den > 0").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def level_distribution(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    institution_id: str | None,
    *,
    kommune: int | None = None,
    years: list[int] | None = None,
    subject: str | None = None,
    min_n: int | None = None,
) -> pd.DataFrame:
    """Shares of pupils at each performance level 1-6, by school year, subject and grade (and ``all``).

    ``institution_id`` None = the municipality (``kommune``, else the deployment's own); an
    institution of another municipality gives no rows (test results are confidential). A whole
    grade's distribution is withheld when fewer than the threshold were tested (then every share
    is NULL and ``suppressed`` true); counts are never returned, only shares and n.
    ``subject`` None = each level subject and ``all`` pooled.

    >>> from core import database; import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
    >>> with database.write(db) as con:  # ten pupils of grade 4 at levels 1-6: 1, 1, 2, 4, 1, 1
    ...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) VALUES "
    ...                     "('999001', 'Skole A', 'skole', 999); INSERT INTO test_aggregates VALUES "
    ...                     "(1, '999001', 2020, 4, 'matematik', 'national_test', 10, 1, 1, 2, 4, 1, 1, NULL)")
    >>> with database.read(db) as con:
    ...     df = level_distribution(con, Viewer.parse("leader:999001"), "999001", subject="matematik")
    >>> df[df["grade"] == 4][["level_label", "share", "n"]].values.tolist()[2:4]
    [['Jævn', 0.2, 10], ['God', 0.4, 10]]
    """
    require_viewer(viewer)
    threshold = max(settings.min_n() if min_n is None else int(min_n), ABSOLUTE_MIN_N)
    columns = ["school_year", "subject", "grade", "level", "level_label", "share", "n", "suppressed"]
    if not viewer.sees_national_tests:
        return pd.DataFrame(columns=columns)
    code = settings.kommune(kommune)
    own = f"institution_id IN (SELECT institution_id FROM institutions WHERE municipality_code = {code})"
    if institution_id is None:
        if viewer.role == "leader" and code not in _leader_municipalities(con, viewer):
            return pd.DataFrame(columns=columns)
        unit = own
    else:
        if not viewer.sees_institution(institution_id):
            return pd.DataFrame(columns=columns)
        # § 55 b: an institution of another municipality has no visible test results here
        unit = f"{_in_list('institution_id', [institution_id])} AND {own}"
    subjects = [subject] if subject else ["dansk_laesning", "matematik"]
    where = [unit, "test_kind = 'national_test'", _in_list("subject", subjects)]
    if years is not None:
        where.append(_in_list("school_year", [int(y) for y in years]))
    cond = " AND ".join(where)
    counts = ", ".join(f"count(*) FILTER (level = {i}) AS level_{i}" for i in LEVELS)
    sql = f"""
        WITH rows AS (
            SELECT school_year, grade, subject, {counts}, count(DISTINCT pupil_key) AS n
            FROM test_pupil_results WHERE {cond} AND level IS NOT NULL GROUP BY ALL
            UNION ALL
            SELECT school_year, grade, subject, level_1, level_2, level_3, level_4, level_5, level_6,
                   level_1 + level_2 + level_3 + level_4 + level_5 + level_6
            FROM test_aggregates WHERE {cond}
        )
        SELECT school_year, CASE WHEN grouping(subject) = 1 THEN 'all' ELSE subject END AS subject,
               CASE WHEN grouping(grade) = 1 THEN 'all' ELSE CAST(grade AS VARCHAR) END AS grade,
               {", ".join(f"sum(level_{i}) AS level_{i}" for i in LEVELS)},
               CASE WHEN grouping(subject) = 1 THEN NULL ELSE sum(n) END AS n
        FROM rows
        GROUP BY GROUPING SETS ((school_year, subject, grade), (school_year, subject), (school_year, grade), (school_year))
    """
    wide = con.execute(sql).df()
    if subject:
        wide = wide[wide["subject"] != "all"]  # one subject: pooling over subjects adds nothing
    if wide.empty:
        return pd.DataFrame(columns=columns)
    # Pooled over subjects, n = distinct pupils is not at hand here: take the largest subject's count
    # for each grade and sum over grades, as docs/formats.md prescribes for aggregated data.
    per_subject = wide[wide["subject"] != "all"]
    by_grade = per_subject[per_subject["grade"] != "all"].groupby(["school_year", "grade"])["n"].max()
    pooled_n = by_grade.groupby("school_year").sum()
    for idx in wide.index[wide["subject"] == "all"]:
        y, g = wide.at[idx, "school_year"], wide.at[idx, "grade"]
        wide.at[idx, "n"] = pooled_n.get(y) if g == "all" else by_grade.get((y, g))
    rows = []
    for rec in wide.to_dict("records"):
        total = sum(rec[f"level_{i}"] for i in LEVELS)
        n = None if pd.isna(rec["n"]) else int(rec["n"])
        hidden = n is None or n < threshold or total <= 0
        for i, label in LEVELS.items():
            rows.append(
                {
                    "school_year": int(rec["school_year"]),
                    "subject": rec["subject"],
                    "grade": rec["grade"] if rec["grade"] == "all" else int(rec["grade"]),
                    "level": i,
                    "level_label": label,
                    "share": np.nan if hidden else rec[f"level_{i}"] / total,
                    "n": n,
                    "suppressed": hidden and n is not None and n < threshold,
                }
            )
    out = pd.DataFrame(rows, columns=columns)
    out["n"] = out["n"].astype("Int64")
    out["grade"] = out["grade"].astype(object)
    out["_g"] = [99 if g == "all" else g for g in out["grade"]]
    out["_s"] = ["~" if s == "all" else s for s in out["subject"]]
    out = out.sort_values(["school_year", "_s", "_g", "level"])
    return out.drop(columns=["_g", "_s"]).reset_index(drop=True)

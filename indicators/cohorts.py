"""Cohort progression: how the same pupils' norm-based scores moved between two tests.

For every pupil tested in a subject in two comparable school years (the old
national tests; 2019/20 is left out, so a 2018/19 test pairs with 2020/21),
the change is the later score minus the pupil's previous score in that
subject. Changes are averaged by the institution and grade of the later test
(and for the municipality), with n = distinct pupils and a t interval.

The changes are cells like an indicator's (``indicators.lattice.pool``), so
suppression is decided the same way (``indicators.suppression``): small
averages are withheld, and so is every average that would give one back.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from core import settings
from core.viewer import Viewer
from indicators import engine, lattice, scope, suppression, uncertainty
from indicators.catalogue import CATALOGUE, TEST_KINDS

COLUMNS = [
    "level",
    "unit_id",
    "unit_name",
    "school_year",
    "subject",
    "grade",
    "value",
    "n",
    "lower",
    "upper",
    "suppressed",
    "suppression",
]
# The scores whose changes these are: confidential, like the tests themselves.
_SCORES = CATALOGUE["nt_mean_score"]


def _cells(kommune: int) -> tuple[str, dict]:
    """Cells of score changes (columns as ``lattice.cells``) for one municipality, by the later test."""
    kind = TEST_KINDS["national_test"]
    sql = """
        WITH tests AS (
            SELECT pupil_key, subject, school_year, grade, institution_id, score,
                   lag(score) OVER w AS prev_score, lag(school_year) OVER w AS prev_year
            FROM test_pupil_results
            WHERE test_kind = $test_kind AND score IS NOT NULL AND NOT list_contains($skipped, school_year)
              AND institution_id IN (SELECT institution_id FROM institutions WHERE municipality_code = $kommune)
            WINDOW w AS (PARTITION BY pupil_key, subject ORDER BY school_year)
        )
        SELECT institution_id AS inst, school_year AS yr, grade, NULL::VARCHAR AS class, subject,
               sum(score - prev_score) AS num, count(*)::DOUBLE AS den, sum((score - prev_score) ** 2) AS s2,
               count(DISTINCT pupil_key) AS n, count(DISTINCT pupil_key) AS n_pool, true AS known
        FROM tests WHERE prev_score IS NOT NULL AND prev_year < school_year
        GROUP BY ALL"""
    return sql, {"test_kind": kind.id, "skipped": list(kind.non_comparable_years), "kommune": kommune}


def cohort_progression(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    *,
    kommune: int | None = None,
    institutions: list[str] | None = None,
    years: list[int] | None = None,
    subject: str | None = None,
    min_n: int | None = None,
) -> pd.DataFrame:
    """Mean change in norm-based score per institution (and municipality), later school year,
    subject and grade of the later test (each grade and ``all``).

    ``years`` filters the later test's school year; ``subject`` None = each subject.

    >>> from core import database; import tempfile, pathlib
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
    >>> scores = [("p1", 2018, 4, 50), ("p1", 2020, 6, 54), ("p2", 2018, 4, 60), ("p2", 2020, 6, 62),
    ...           ("p3", 2018, 4, 40), ("p3", 2020, 6, 46)]  # changes +4, +2, +6: mean 4
    >>> with database.write(db) as con:
    ...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) "
    ...                     "VALUES ('999001', 'Skole A', 'skole', 999)")
    ...     _ = con.executemany("INSERT INTO test_pupil_results (batch_id, pupil_key, institution_id, school_year, "
    ...                         "grade, subject, test_kind, score) VALUES (1, ?, '999001', ?, ?, 'matematik', "
    ...                         "'national_test', ?)", scores)
    >>> with database.read(db) as con:
    ...     df = cohort_progression(con, Viewer.parse("administration"), kommune=999, subject="matematik", min_n=2)
    >>> df[(df["level"] == "institution") & (df["grade"] == "all")][["school_year", "value", "n"]].to_dict("records")
    [{'school_year': 2020, 'value': 4.0, 'n': 3}]
    """
    if not engine.require_viewer(viewer).sees_national_tests:
        return pd.DataFrame(columns=COLUMNS)
    code = settings.kommune(kommune)
    sql, params = _cells(code)
    changes = lattice.pool(con, sql, params, units=("institution", "municipality"), grades=True)
    reason = suppression.decide(changes, engine.threshold(min_n))
    df = changes.values.assign(reason=engine.for_reader(con, viewer, _SCORES, changes, reason, code))
    keep = np.ones(len(df), dtype=bool)
    if years is not None:
        keep &= df["school_year"].isin([int(y) for y in years]).to_numpy()
    if subject:
        keep &= (df["subject"] == subject).to_numpy()
    if institutions is not None:
        keep &= (df["level"] != "institution").to_numpy() | df["unit_id"].isin(list(institutions)).to_numpy()
    df = df[keep]
    df = df[scope.visible(con, viewer, _SCORES, df, code)]
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    suppressed = (df["reason"] != suppression.SHOWN).to_numpy()
    lower, upper = uncertainty.t_interval(df["num"], df["s2"], df["den"])
    out = pd.DataFrame(
        {
            "level": df["level"].to_numpy(),
            "unit_id": df["unit_id"].to_numpy(),
            "unit_name": df["unit_name"].to_numpy(),
            "school_year": df["school_year"].astype(int).to_numpy(),
            "subject": df["subject"].to_numpy(),
            "grade": [g if g == "all" else int(g) for g in df["grade"]],
            "value": np.where(suppressed, np.nan, df["num"] / df["den"]),
            "n": df["n"].astype("Int64").mask(suppressed).to_numpy(),
            "lower": np.where(suppressed, np.nan, lower),
            "upper": np.where(suppressed, np.nan, upper),
            "suppressed": suppressed,
            "suppression": [engine.REASONS.get(r) for r in df["reason"]],
        }
    )
    out["n"] = out["n"].astype("Int64")
    out["grade"] = out["grade"].astype(object)
    out["_lv"] = (out["level"] == "institution").astype(int)
    out["_g"] = [99 if g == "all" else g for g in out["grade"]]
    out = out.sort_values(["_lv", "unit_id", "school_year", "subject", "_g"])
    return out.drop(columns=["_lv", "_g"]).reset_index(drop=True)[COLUMNS]

"""Cohort progression: how the same pupils' norm-based scores moved between two tests.

For every pupil tested in a subject in two comparable school years (the old
national tests; 2019/20 is left out, so a 2018/19 test pairs with 2020/21),
the change is the later score minus the pupil's previous score in that
subject. Changes are averaged by the institution and grade of the later test
(and for the municipality), with n = distinct pupils, a t interval, and
suppression below the threshold.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from core import settings
from core.viewer import Viewer
from indicators import uncertainty
from indicators.catalogue import TEST_KINDS
from indicators.engine import ABSOLUTE_MIN_N, _in_list, _leader_municipalities, require_viewer

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
]


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
    if not require_viewer(viewer).sees_national_tests:
        return pd.DataFrame(columns=COLUMNS)
    threshold = max(settings.min_n() if min_n is None else int(min_n), ABSOLUTE_MIN_N)
    kind = TEST_KINDS["national_test"]
    code = settings.kommune(kommune)
    where = [
        f"test_kind = '{kind.id}'",
        "score IS NOT NULL",
        f"institution_id IN (SELECT institution_id FROM institutions WHERE municipality_code = {code})",
    ]
    if kind.non_comparable_years:
        where.append(f"NOT {_in_list('school_year', kind.non_comparable_years)}")
    if subject:
        where.append(_in_list("subject", [subject]))
    later = _in_list("school_year", [int(y) for y in years]) if years is not None else "true"
    sql = f"""
        WITH tests AS (
            SELECT pupil_key, subject, school_year, grade, institution_id, score,
                   lag(score) OVER w AS prev_score, lag(school_year) OVER w AS prev_year
            FROM test_pupil_results WHERE {" AND ".join(where)}
            WINDOW w AS (PARTITION BY pupil_key, subject ORDER BY school_year)
        ),
        changes AS (
            SELECT *, score - prev_score AS d FROM tests
            WHERE prev_score IS NOT NULL AND prev_year < school_year AND {later}
        )
        SELECT CASE WHEN grouping(institution_id) = 1 THEN 'municipality' ELSE 'institution' END AS level,
               coalesce(institution_id, '{code}') AS unit_id, school_year, subject,
               CASE WHEN grouping(grade) = 1 THEN 'all' ELSE CAST(grade AS VARCHAR) END AS grade,
               sum(d) AS total, sum(d * d) AS total_sq, count(*) AS cnt, count(DISTINCT pupil_key) AS n
        FROM changes
        GROUP BY GROUPING SETS ((institution_id, school_year, subject, grade), (institution_id, school_year, subject),
                                (school_year, subject, grade), (school_year, subject))
    """
    df = con.execute(sql).df()
    inst_rows = df["level"] == "institution"
    keep = ~inst_rows | df["unit_id"].map(viewer.sees_institution).astype(bool)
    if institutions is not None:
        keep &= ~inst_rows | df["unit_id"].isin(list(institutions))
    if viewer.role == "leader" and code not in _leader_municipalities(con, viewer):
        keep &= inst_rows
    df = df[keep]
    if df.empty:
        return pd.DataFrame(columns=COLUMNS)
    n = df["n"].astype("Int64")
    suppressed = (n < threshold).to_numpy(dtype=bool)
    lower, upper = uncertainty.t_interval(df["total"], df["total_sq"], df["cnt"])
    names = dict(con.execute("SELECT institution_id, name FROM institutions").fetchall())
    names.update({str(k): v for k, v in con.execute("SELECT code, name FROM municipalities").fetchall()})
    out = pd.DataFrame(
        {
            "level": df["level"].to_numpy(),
            "unit_id": df["unit_id"].to_numpy(),
            "unit_name": [names.get(u, u) for u in df["unit_id"]],
            "school_year": df["school_year"].astype(int).to_numpy(),
            "subject": df["subject"].to_numpy(),
            "grade": [g if g == "all" else int(g) for g in df["grade"]],
            "value": np.where(suppressed, np.nan, df["total"] / df["cnt"]),
            "n": n.to_numpy(),
            "lower": np.where(suppressed, np.nan, lower),
            "upper": np.where(suppressed, np.nan, upper),
            "suppressed": suppressed,
        }
    )
    out["grade"] = out["grade"].astype(object)
    out["_lv"] = (out["level"] == "institution").astype(int)
    out["_g"] = [99 if g == "all" else g for g in out["grade"]]
    out = out.sort_values(["_lv", "unit_id", "school_year", "subject", "_g"])
    return out.drop(columns=["_lv", "_g"]).reset_index(drop=True)[COLUMNS]

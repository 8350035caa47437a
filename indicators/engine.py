"""The one function that computes any indicator for any units, years, subjects and grades, as a viewer may see it.

``compute`` takes four steps, each in its own module:

1. **cells and pooling** (``indicators.lattice``): the full lattice of the indicator for the municipalities
   and school years asked for: every value any viewer could be shown, at every level (municipality,
   district, institution, class), every grade and ``all``, every subject and ``all``;
2. **suppression** (``indicators.suppression``): small values are withheld, and so is every value that would
   give one back by subtraction (docs/domain.md, rule 3), decided on the whole lattice, so that a value is shown
   or withheld alike on every page and for every viewer;
3. **the caller's filters**: levels, subjects, grades, institutions;
4. **scope** (``indicators.scope``): the rows this viewer may see (docs/domain.md, "Who sees what").

A withheld value comes out with value, interval and ``n`` NULL, ``suppressed`` true and ``suppression``
saying why: ``small`` (n below the threshold) or ``complementary`` (it would give a small one back). Unknown
``n`` is never suppressed.

Intervals (95 %): Wilson for shares, t for means from pupil rows, and for
well-being an approximate normal interval from an assumed pupil-level standard
deviation (``catalogue.assumed_sd``); the column ``interval_kind`` says which
('wilson', 't', 'assumed_sd', or None where there is no interval), so a page
can call an ``assumed_sd`` interval "omtrentlig".

Confidentiality across municipalities (folkeskoleloven § 55 b): a test result
is confidential at every level below the whole country, including another
municipality's. Confidential indicators are therefore computed only for the
deployment's own municipality (``kommune``, else ``settings.kommune()``) and its
institutions and districts, for every viewer; other indicators for every
municipality in the data (or ``kommune``'s only, when given).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core import settings
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from indicators import decisions, lattice, scope, suppression, uncertainty
from indicators.catalogue import CATALOGUE, LEVELS, Indicator, assumed_sd, comparable_group

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
    "suppression",
    "comparable_group",
    "covered",
    "units",
]
# Well-being intervals stay on the survey's 1-5 scale.
_SCALE = {"scale5": (1.0, 5.0)}
# Nobody may ever see one pupil's value, whatever threshold a caller passes.
ABSOLUTE_MIN_N = 2
# Why a value is withheld, as the ``suppression`` column says it (the cohorts say it the same way).
REASONS = {suppression.SMALL: "small", suppression.COMPLEMENTARY: "complementary"}
_REASON_NAMES = np.array([REASONS.get(code) for code in range(max(REASONS) + 1)], dtype=object)  # by reason code


@dataclass(frozen=True)
class Value:
    """One value of ``compute`` as its reader may see it: a withheld value has neither number nor n."""

    value: float | None
    n: int | None
    suppression: str | None = None  # why it is withheld: "small" or "complementary"; None: it is not

    @classmethod
    def of(cls, row) -> Value:
        """A row of ``compute`` (NaN and pandas' NA are missing)."""
        return cls(
            None if pd.isna(row.value) else float(row.value),
            None if pd.isna(row.n) else int(row.n),
            row.suppression if row.suppressed else None,
        )

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    @property
    def shown(self) -> float | None:
        """The value, where the reader is shown one (None: missing or withheld)."""
        return None if self.suppressed else self.value

    def mark(self, min_n: int) -> str | None:
        """What a table shows for a withheld value: ``<5`` (small) or ``x`` (it would give a small one back)."""
        if self.suppression == "complementary":
            return "x"
        return f"<{min_n}" if self.suppressed else None


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


def threshold(min_n: int | None = None) -> int:
    """The small-number threshold: ``min_n``, else the setting; never below ``ABSOLUTE_MIN_N``."""
    return max(settings.min_n() if min_n is None else int(min_n), ABSOLUTE_MIN_N)


def decided(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    ind: Indicator,
    kommune: int | None,
    years,
    min_n: int | None,
    profile_area: str | None = None,
    levels: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The full lattice of ``ind`` (``lattice.build``) with the suppression decided on it for this viewer
    (column ``reason``); the lattice and its pattern are kept per data generation (``indicators.decisions``).
    ``levels``: only the values at these levels are wanted (None = all)."""
    years = None if years is None else [int(y) for y in years]
    if viewer.role != "leader":  # reads the pattern as decided (``for_reader``): the values alone will do
        values, reason = decisions.values(con, ind, kommune, years, threshold(min_n), profile_area, levels)
        return values.assign(reason=reason)
    own = settings.kommune(kommune)
    values, reason = decisions.for_reader(
        con,
        ind,
        kommune,
        years,
        threshold(min_n),
        profile_area,
        levels,
        (str(viewer), own),
        lambda full, reason: for_reader(con, viewer, ind, full, reason, own),
    )
    return values.assign(reason=reason)


def prepare(con: duckdb.DuckDBPyConnection, kommune: int | None = None) -> None:
    """Decide and keep every indicator's whole lattice for the data as they are (``indicators.decisions``), so that
    the first page or export after an import reads the pattern instead of computing it. ``kommune``: the own
    municipality (None = ``settings.kommune()``)."""
    for ind in CATALOGUE.values():
        decisions.decided(con, ind, settings.kommune(kommune) if ind.confidential else None, None, threshold())


def for_reader(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    ind: Indicator,
    full: lattice.Lattice,
    reason: np.ndarray,
    kommune: int,
) -> np.ndarray:
    """The suppression as this viewer reads it. A leader knows their own institutions' data, so a municipality
    value minus their own could give away another institution's value, or a withheld one: such municipality
    values are withheld from them too (``complementary``). Test results of another institution count as
    withheld for a leader (§ 55 b): its institution values (a class of it could only be isolated where it is
    the institution's whole grade, the same value). Other viewers see a subset of the same published values,
    which cannot reveal more."""
    if viewer.role != "leader":
        return reason
    values = full.values
    visible = scope.visible(con, viewer, ind, values, kommune)
    ours = values["institution_id"].isin(list(viewer.institutions)).to_numpy()
    own = (values["level"] == "institution").to_numpy() & ours
    others = (values["level"] == "institution").to_numpy() & ~ours & ind.confidential
    extra = suppression.for_reader(full, reason, visible, own, others)
    return np.where(extra, suppression.COMPLEMENTARY, reason)


def _asked(ind: Indicator, spec, known: tuple[str, ...] | None = None) -> list[str] | None:
    """The subjects or grades asked for, as the lattice writes them (None = each and ``all``): ``"each+all"``,
    ``"all"`` (pooled only) or a list (those only; add ``"all"`` to the list for the pooled row too).
    ``known``: the subjects the indicator has (a Danish error names any other)."""
    if spec == "each+all":
        return None
    asked = ["all"] if spec == "all" else [str(v) for v in spec]
    unknown = [v for v in asked if known is not None and v != "all" and v not in known]
    if unknown:
        raise KvalitetsdialogError(f"Indikatoren '{ind.id}' findes ikke for faget {', '.join(unknown)}.", "Ukendt fag")
    return asked


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
    profile_area: str | None = None,
) -> pd.DataFrame:
    """One indicator for the units, years, subjects and grades asked for, as this viewer may see it.

    ``subjects``/``grades``: ``"each+all"`` (a row per subject/grade and one pooled over all),
    ``"all"`` (pooled only) or a list (those only; add ``"all"`` to the list for the pooled row too).
    ``kommune`` restricts to one municipality's institutions (None = every municipality); a
    confidential (test) indicator is always restricted to the own one (``kommune``, else
    ``settings.kommune()``), whoever the viewer.
    ``institutions`` restricts the institution and class rows (pools are unaffected).
    ``by_class`` adds class rows (test indicators, for viewers who see classes).
    ``profile_area``: a mean-correct test indicator in one profile area of the test (None: the whole test).

    >>> from core import database; from core.viewer import Viewer
    >>> import tempfile, pathlib; db = pathlib.Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
    >>> with database.write(db) as con:
    ...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) "
    ...                     "VALUES ('999001', 'Skole A', 'skole', 999)")
    ...     _ = con.execute("INSERT INTO language_assessments VALUES (1, '999001', 2024, 20, 17, 2, 1, NULL, DEFAULT)")
    >>> with database.read(db) as con:
    ...     df = compute(con, Viewer.parse("public"), "la_share_general", levels=("municipality",))
    >>> df[["unit_id", "school_year", "value", "n", "suppressed"]].to_dict("records")
    [{'unit_id': '999', 'school_year': 2024, 'value': 0.85, 'n': 20, 'suppressed': False}]
    """
    require_viewer(viewer)
    ind = indicator(indicator_id)
    if ind.confidential and not viewer.sees_national_tests:
        return _empty()
    own = settings.kommune(kommune)
    if ind.confidential:
        kommune = own  # § 55 b: never another municipality's test results
    levels = tuple(levels)
    unknown_levels = set(levels) - set(LEVEL_ORDER)
    if unknown_levels:
        raise KvalitetsdialogError(f"Ukendt niveau: {', '.join(sorted(unknown_levels))}.", "Ukendt niveau")
    if by_class and viewer.sees_class_level and ind.source == "tests":
        levels += ("class",)
    subject_list = _asked(ind, subjects, ind.subjects) if ind.subjects else None
    grade_list = _asked(ind, grades) if ind.has_grades else None
    df = decided(con, viewer, ind, kommune, years, min_n, profile_area, levels)
    keep = df["level"].isin(levels).to_numpy().copy()
    if subject_list is not None:
        keep &= df["subject"].isin(subject_list).to_numpy()
    if grade_list is not None:
        keep &= df["grade"].isin(grade_list).to_numpy()
    if ind.has_grades and grades != "all":
        keep &= (df["level"] != "class").to_numpy() | (df["grade"] != "all").to_numpy()  # a class is in one grade
    if institutions is not None:
        keep &= (
            ~df["level"].isin(scope.OWN_LEVELS).to_numpy() | df["institution_id"].isin(list(institutions)).to_numpy()
        )
    df = df[keep]
    df = df[scope.visible(con, viewer, ind, df, own)]
    return _finish(ind, df, _units(con, ind, df))


def _units(con: duckdb.DuckDBPyConnection, ind: Indicator, df: pd.DataFrame) -> np.ndarray:
    """For each pooled row (district, municipality): the institutions of the indicator's kind in its unit, the
    denominator of its coverage ("7 af 9 skoler"); NaN for an institution or a class."""
    kind = ind.institution_kind
    counts = con.execute(
        """SELECT 'municipality' AS level, CAST(municipality_code AS VARCHAR) AS unit_id, count(*) AS units
           FROM institutions WHERE kind = ? AND municipality_code IS NOT NULL GROUP BY ALL
           UNION ALL
           SELECT 'district', CAST(municipality_code AS VARCHAR) || ':' || district, count(*)
           FROM institutions WHERE kind = ? AND municipality_code IS NOT NULL AND district IS NOT NULL GROUP BY ALL""",
        [kind, kind],
    ).fetchall()
    units = {(level, unit): n for level, unit, n in counts}
    out = np.full(len(df), np.nan)
    pooled = np.flatnonzero(df["level"].isin(("municipality", "district")).to_numpy())
    level, unit = df["level"].to_numpy(dtype=object)[pooled], df["unit_id"].to_numpy(dtype=object)[pooled]
    out[pooled] = [units.get((lv, str(u)), np.nan) for lv, u in zip(level, unit)]
    return out


def _finish(ind: Indicator, df: pd.DataFrame, units: np.ndarray) -> pd.DataFrame:
    """Withheld values, intervals and types (rows arrive named and in order from the lattice)."""
    if df.empty:
        return _empty()
    reason = df["reason"].to_numpy()
    suppressed = reason != suppression.SHOWN
    n = df["n"].astype("Int64").mask(suppressed)
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
    codes, grades = pd.factorize(df["grade"])  # a few distinct grades: each read once
    grade = np.array([*(int(g) if str(g).isdigit() else g for g in grades), None], dtype=object)[codes]
    years = df["school_year"].astype(int)
    year_codes, distinct_years = pd.factorize(years)
    out = pd.DataFrame(
        {
            "indicator": ind.id,
            # text columns never missing as they come (Arrow-backed): no copy to Python objects and back
            "level": df["level"].array,
            "unit_id": df["unit_id"].astype(str).array,
            "unit_name": _text(df["unit_name"]),
            "institution_id": _text(df["institution_id"]),
            "school_year": years.to_numpy(),
            "subject": _text(df["subject"]) if ind.subjects else None,
            "grade": grade,
            "value": np.where(no_value, np.nan, value),
            "n": n.to_numpy(),
            "lower": np.where(no_value, np.nan, lower),
            "upper": np.where(no_value, np.nan, upper),
            "interval_kind": _texts_of(has_interval.astype(np.intp), [None, ind.interval or ""]),
            "suppressed": suppressed,
            "suppression": _texts_of(reason, list(_REASON_NAMES)),
            "comparable_group": _texts_of(year_codes, [comparable_group(ind, int(y)) for y in distinct_years]),
            # Coverage of a pooled value: the institutions in it, of those of the kind in the unit. The structure of
            # the lattice, which the suppression already assumes a reader knows; withheld with the value.
            "covered": pd.array(df["covered"], dtype="Int64").to_numpy(dtype=object),
            "units": units,
        }
    )
    pooled = out["level"].isin(("municipality", "district")).to_numpy()
    out["covered"] = pd.array(np.where(pooled & ~suppressed, out["covered"], None), dtype="Int64")
    out["units"] = pd.array(np.where(pooled, out["units"], None), dtype="Int64")
    out["n"] = out["n"].astype("Int64")
    return out[COLUMNS]


def _text(column: pd.Series):
    """A text column as a frame infers it from its Python objects (``str``; object where every value is missing),
    without making them: an Arrow-backed column is taken as it is."""
    if isinstance(column.dtype, pd.StringDtype) and column.notna().any():
        return column.array
    return column.to_numpy(dtype=object, na_value=None)


def _texts_of(codes: np.ndarray, texts: list[str | None]):
    """``texts[code]`` for each code, as a frame infers it (see ``_text``), each text made once."""
    present = [t is not None for t in texts]
    if not any(present[c] for c in np.unique(codes)):
        return np.full(len(codes), None, dtype=object)
    array = pa.array(texts, pa.large_string()).take(pa.array(codes))
    return pd.array(array, dtype="str")


def _empty() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    df["school_year"] = df["school_year"].astype(int)
    df["value"] = df["value"].astype("float64")
    df["lower"] = df["lower"].astype("float64")
    df["upper"] = df["upper"].astype("float64")
    for column in ("n", "covered", "units"):
        df[column] = df[column].astype("Int64")
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
    cells, params = lattice.cells(ind, settings.kommune(kommune) if ind.confidential else None, None)
    row = con.execute(f"SELECT max(yr) FROM ({cells}) WHERE num IS NOT NULL AND den > 0", params).fetchone()
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
    institution of another municipality gives no rows (test results are confidential). The shares
    are the counts behind ``nt_share_good`` on the same lattice, so a distribution is withheld (every
    share NULL, ``suppressed`` true, n NULL) exactly where ``nt_share_good`` is. Counts are never
    returned, only shares and n. ``subject`` None = each level subject and ``all`` pooled.

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
    columns = ["school_year", "subject", "grade", "level", "level_label", "share", "n", "suppressed", "suppression"]
    ind = CATALOGUE["nt_share_good"]
    code = settings.kommune(kommune)
    if not viewer.sees_national_tests:
        return pd.DataFrame(columns=columns)
    df = decided(
        con, viewer, ind, code, years, min_n, levels=("municipality",) if institution_id is None else ("institution",)
    )
    unit = (df["level"] == "municipality") if institution_id is None else (df["level"] == "institution")
    unit &= df["unit_id"] == (str(code) if institution_id is None else str(institution_id))
    if subject:
        unit &= df["subject"] == subject  # one subject: pooling over subjects adds nothing
    df = df[unit.to_numpy()]
    df = df[scope.visible(con, viewer, ind, df, code)]
    if df.empty:
        return pd.DataFrame(columns=columns)
    counts = df[[f"level_{i}" for i in LEVELS]].to_numpy(dtype="float64", na_value=np.nan)
    hidden = (df["reason"] != suppression.SHOWN).to_numpy()
    shares = np.where(hidden[:, None], np.nan, counts / counts.sum(axis=1, keepdims=True))
    n = df["n"].astype("Int64").mask(hidden)
    grade = [g if g == "all" else int(g) for g in df["grade"]]
    out = pd.DataFrame(
        {
            "school_year": np.repeat(df["school_year"].astype(int).to_numpy(), len(LEVELS)),
            "subject": np.repeat(df["subject"].to_numpy(dtype=object), len(LEVELS)),
            "grade": np.repeat(np.array(grade, dtype=object), len(LEVELS)),
            "level": np.tile(list(LEVELS), len(df)),
            "level_label": np.tile(list(LEVELS.values()), len(df)),
            "share": shares.ravel(),
            "n": np.repeat(n.to_numpy(), len(LEVELS)),
            "suppressed": np.repeat(hidden, len(LEVELS)),
            "suppression": np.repeat(np.array([REASONS.get(r) for r in df["reason"]], dtype=object), len(LEVELS)),
        },
        columns=columns,
    )
    out["n"] = out["n"].astype("Int64")
    return out.reset_index(drop=True)

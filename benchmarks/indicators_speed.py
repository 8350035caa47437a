"""How fast are every indicator (the export) and every goal, against a plain pandas version?

    python benchmarks/indicators_speed.py                     # the sample municipality
    python benchmarks/indicators_speed.py --national          # generate + load the national-scale sample
    python benchmarks/indicators_speed.py --db PATH           # an already-built database

The pandas baseline loads the tables into DataFrames and computes the same
values (institution and municipality level, each subject and grade and all)
the straightforward way; its results are checked against the engine's before
timing, so the two do the same work. Prints medians over ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import median_time, peak_rss
from core import database, settings
from core.viewer import ADMINISTRATION
from indicators import decisions, engine, lattice, suppression
from indicators.__main__ import export_table
from indicators.catalogue import CATALOGUE, GOOD_LEVELS, POOR_LEVELS, TOP_LEVELS
from indicators.goals import evaluate_goals

TABLES = (
    "institutions",
    "test_pupil_results",
    "test_aggregates",
    "wellbeing",
    "language_assessments",
    "absence",
    "exam_grades",
    "youth_transition",
    "competence",
)


# ------------------------------------------------------------------ pandas baseline


def load_tables(con) -> dict[str, pd.DataFrame]:
    return {t: con.execute(f"SELECT * FROM {t}").df() for t in TABLES}


def _pool(cells: pd.DataFrame, inst: pd.DataFrame, grades: bool, min_n: int, grades_from: int = 0) -> pd.DataFrame:
    """Sum cells into institution and municipality, each grade and all; value = num / den. ``all`` pools the
    grades from ``grades_from`` up (well-being: grades 0-3 answer another survey)."""
    cells = cells.merge(inst, on="institution_id")
    parts = []
    grade_views = [("each", cells[cells["grade"].notna()])] if grades else []
    if grades:
        pooled = cells["grade"] >= grades_from  # False for no grade
        detail = pooled.groupby([cells["institution_id"], cells["school_year"], cells["subject"]], dropna=False)
        grade_views.append(("all", cells[pooled | (cells["grade"].isna() & ~detail.transform("any"))]))
    else:
        grade_views.append(("none", cells))
    for mode, view in grade_views:
        view = view.copy()
        view["gkey"] = view["grade"].astype("Int64").astype(str) if mode == "each" else mode
        for level, key in (("institution", "institution_id"), ("municipality", "municipality_code")):
            g = view.groupby([key, "school_year", "subject", "gkey"], dropna=False)
            out = g.agg(
                num=("num", "sum"),
                den=("den", "sum"),
                n=("n", lambda s: s.sum(min_count=len(s))),
                known=("known", "all"),
                cnt=("num", "size"),
                cnt_num=("num", "count"),
            ).reset_index()
            out = out.rename(columns={key: "unit_id"})
            out["unit_id"] = out["unit_id"].astype(str)
            out["level"] = level
            parts.append(out)
    out = pd.concat(parts, ignore_index=True)
    computable = (out["cnt_num"] == out["cnt"]) & (out["known"] | (out["cnt"] == 1))
    out["value"] = np.where(computable, out["num"] / out["den"], np.nan)
    out["suppressed"] = out["n"].notna() & (out["n"] < min_n)
    out.loc[out["suppressed"], "value"] = np.nan
    return out


def pandas_indicator(t: dict[str, pd.DataFrame], ind_id: str, min_n: int, kommune: int) -> pd.DataFrame:
    """As ``engine.compute``: a confidential (test) indicator for the own municipality ``kommune`` only."""
    ind = CATALOGUE[ind_id]
    inst = t["institutions"][["institution_id", "municipality_code"]]
    if ind.confidential:
        inst = inst[inst["municipality_code"] == kommune]
    if ind.source == "tests":
        p = t["test_pupil_results"]
        p = p[p["test_kind"].isin(ind.test_kinds) & p["subject"].isin(ind.subjects) & p["profile_area"].isna()]
        a = t["test_aggregates"]
        a = a[a["test_kind"].isin(ind.test_kinds) & a["subject"].isin(ind.subjects)]
        if ind_id.startswith("nt_share"):
            chosen = {"nt_share_good": GOOD_LEVELS, "nt_share_top": TOP_LEVELS, "nt_share_poor": POOR_LEVELS}[ind_id]
            p = p[p["level"].notna()].assign(x=lambda d: d["level"].isin(chosen).astype(float))
            levels = a[[f"level_{i}" for i in range(1, 7)]]
            a = a.assign(
                num=a[[f"level_{i}" for i in chosen]].sum(axis=1, min_count=len(chosen)),
                den=levels.sum(axis=1, min_count=6),
                known=levels.notna().all(axis=1),
            )
            a["n"] = a["den"]
        elif ind_id == "nt_mean_score":
            p = p[p["score"].notna()].assign(x=lambda d: d["score"])
            a = a[a["mean_score"].notna()]
            a = a.assign(
                num=a["mean_score"] * a["n_tested"],
                den=a["n_tested"].astype(float),
                n=a["n_tested"],
                known=a["n_tested"] > 0,
            )
        else:
            p = p[p["points"].notna() & (p["max_points"] > 0)].assign(x=lambda d: d["points"] / d["max_points"])
            a = a.iloc[0:0].assign(num=[], den=[], n=[], known=[])
        keys = ["institution_id", "school_year", "grade"]
        per_subject = (
            p.groupby(keys + ["subject"])
            .agg(num=("x", "sum"), den=("x", "size"), n=("pupil_key", "nunique"))
            .reset_index()
        )
        pooled = p.groupby(keys).agg(num=("x", "sum"), den=("x", "size"), n=("pupil_key", "nunique")).reset_index()
        pooled["subject"] = "all"
        agg_all = (
            a.groupby(keys)
            .agg(
                num=("num", lambda v: v.sum(min_count=len(v))),
                den=("den", "sum"),
                n=("n", "max"),
                known=("known", "all"),
            )
            .reset_index()
        )
        agg_all["subject"] = "all"
        cells = pd.concat(
            [
                per_subject.assign(known=True),
                pooled.assign(known=True),
                a[keys + ["subject", "num", "den", "n", "known"]],
                agg_all,
            ],
            ignore_index=True,
        )
        return _pool(cells, inst, True, min_n)
    if ind.source == "language_assessments":
        la = t["language_assessments"]
        col = {"la_share_general": "n_general", "la_share_focused": "n_focused", "la_share_special": "n_special"}[
            ind_id
        ]
        la = la[la["n_assessed"] > 0]
        cells = pd.DataFrame(
            {
                "institution_id": la["institution_id"],
                "school_year": la["school_year"],
                "grade": np.nan,
                "subject": None,
                "num": la[col].astype(float),
                "den": la["n_assessed"].astype(float),
                "n": la["n_assessed"],
                "known": la[col].notna(),
            }
        )
        return _pool(cells, inst, False, min_n)
    if ind.source == "competence":
        c = t["competence"]
        c = c[c["planned_hours"] > 0]
        detail = c.groupby(["institution_id", "school_year"])["subject"].transform(lambda s: s.notna().any())
        c = c[c["subject"].notna() | ~detail.astype(bool)]
        cells = (
            c.groupby(["institution_id", "school_year"])
            .agg(num=("covered_hours", lambda v: v.sum(min_count=len(v))), den=("planned_hours", "sum"))
            .reset_index()
        )
        cells = cells.assign(grade=np.nan, subject=None, n=np.nan, known=True)
        return _pool(cells, inst, False, min_n)
    table, value, weight = lattice.WEIGHTED[ind_id]
    d = t[table]
    if table == "wellbeing":
        d = d[d["indicator"] == lattice.WELLBEING[ind_id]]
    d = d[d[value].notna() & (d[weight].isna() | (d[weight] > 0))]
    known = d[weight].notna()
    cells = pd.DataFrame(
        {
            "institution_id": d["institution_id"],
            "school_year": d["school_year"],
            "grade": d["grade"] if ind.has_grades else np.nan,
            "subject": None,
            "num": np.where(known, d[value] * d[weight], d[value]),
            "den": np.where(known, d[weight], 1.0),
            "n": d[weight],
            "known": known,
        }
    )
    out = _pool(cells, inst, ind.has_grades, min_n, ind.grades_from)
    return out if ind.pooled else out[out["level"] == "institution"]


def pandas_all(t: dict[str, pd.DataFrame], min_n: int, kommune: int) -> dict[str, pd.DataFrame]:
    return {i: pandas_indicator(t, i, min_n, kommune) for i in CATALOGUE}


def engine_indicator(con, ind_id: str, min_n: int, kommune: int) -> pd.DataFrame:
    """The engine's values as the export computes them, ``kommune`` being the own municipality."""
    return engine.compute(
        con,
        ADMINISTRATION,
        ind_id,
        levels=("institution", "municipality"),
        min_n=min_n,
        kommune=kommune if CATALOGUE[ind_id].confidential else None,
    )


# ------------------------------------------------------------------ checks and timing


def check_same(con, t, min_n: int, kommune: int) -> float:
    """Largest absolute difference between engine and pandas values (they must agree). The baseline pools and
    withholds small values; the engine also withholds the values that would give a small one back
    (complementary suppression), so it may show fewer values, never more."""
    worst = 0.0
    for ind_id, base in pandas_all(t, min_n, kommune).items():
        ours = engine_indicator(con, ind_id, min_n, kommune)
        ours = ours.assign(
            gkey=ours["grade"].map(lambda g: "none" if g is None else str(g)), subject=ours["subject"].fillna("-")
        )
        base = base.assign(subject=base["subject"].astype(object).fillna("-"))
        key = ["level", "unit_id", "school_year", "subject", "gkey"]
        merged = ours.merge(base, on=key, how="outer", suffixes=("", "_pd"), indicator=True)
        if (merged["_merge"] != "both").any():
            raise SystemExit(
                f"{ind_id}: engine and pandas produce different rows:\n"
                f"{merged[merged['_merge'] != 'both'][key + ['_merge']].head()}"
            )
        a, b = merged["value"].to_numpy(float), merged["value_pd"].to_numpy(float)
        if (~np.isnan(a) & np.isnan(b)).any():
            raise SystemExit(f"{ind_id}: the engine shows a value that pandas leaves out")
        both = ~np.isnan(a) & ~np.isnan(b)
        if both.any():
            worst = max(worst, float(np.abs(a[both] - b[both]).max()))
    return worst


def with_goals(db: Path, folder: Path) -> Path:
    """The database itself if it holds goals, else a copy with the sample municipality's goal sheet."""
    with database.read(db) as con:
        if con.execute("SELECT count(*) FROM goals").fetchone()[0]:
            return db
    from loaders import import_files
    from sample_data import sample_files

    copy = folder / "with_goals.duckdb"
    shutil.copy(db, copy)
    shutil.copy(f"{db}.generation", f"{copy}.generation")
    import_files(copy, [f for f in sample_files() if "maal" in f.name])
    return copy


def export_process_seconds(db: Path, kommune: int, runs: int) -> tuple[list[float], list[float]]:
    """Wall seconds of ``python -m indicators export`` (every indicator as CSV, process start included),
    and of the floor: a process that only imports what the export imports. Alternating, ``runs`` each."""
    root = Path(__file__).resolve().parent.parent
    export = [sys.executable, "-m", "indicators", "export", "--db", str(db), "--kommune", str(kommune)]
    floor = [sys.executable, "-c", "import indicators.__main__"]
    times: dict[int, list[float]] = {0: [], 1: []}
    for _ in range(runs):
        for i, command in enumerate((export, floor)):
            started = time.perf_counter()
            subprocess.run(command, cwd=root, check=True, stdout=subprocess.DEVNULL)
            times[i].append(time.perf_counter() - started)
    return times[0], times[1]


def _afresh(fn, *args):
    """``fn(*args)`` computing every lattice and suppression afresh."""
    with decisions.uncached():
        suppression.forget()
        return fn(*args)


def prepare_seconds(db: Path) -> float:
    """Seconds of deciding and keeping every indicator's pattern from scratch (``engine.prepare``, what
    ``python -m indicators prepare`` does after an import)."""
    shutil.rmtree(f"{db}.decided", ignore_errors=True)
    started = time.perf_counter()
    with database.read(db) as con:
        engine.prepare(con)
    return time.perf_counter() - started


def figures(db: Path, runs: int) -> dict:
    """Median seconds of each indicator and goal (engine) and of each indicator (pandas), and more.

    The engine is timed before any table is loaded into pandas, so ``engine_peak_rss`` is the
    engine's own peak memory (this process's, in bytes); the pandas baseline's comes after.
    """
    min_n = settings.min_n()
    with database.read(db) as con:
        con.execute("SET enable_progress_bar = false")
        counts = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("test_pupil_results", "institutions")
        }
        # the own municipality: the one with most institutions (its test results, its goals)
        kommune = con.execute(
            "SELECT municipality_code FROM institutions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ).fetchone()[0]
        goal_ids = [r[0] for r in con.execute("SELECT goal_id FROM goals ORDER BY 1").fetchall()]
        # computed afresh: nothing kept is read, and the decisions the suppression keeps are forgotten first
        engine_s = {
            i: median_time(lambda i=i: _afresh(engine_indicator, con, i, min_n, kommune), runs) for i in CATALOGUE
        }
        export_s = median_time(lambda: _afresh(export_table, con, ADMINISTRATION, kommune), runs)
        # read from the kept patterns (as after ``python -m indicators prepare``), as a new process does
        engine.prepare(con)
        kept_s = {
            i: median_time(lambda i=i: (decisions.forget(), engine_indicator(con, i, min_n, kommune)), runs)
            for i in CATALOGUE
        }
        export_kept_s = median_time(lambda: (decisions.forget(), export_table(con, ADMINISTRATION, kommune)), runs)
        rows = len(export_table(con, ADMINISTRATION, kommune))
        goals_s = median_time(lambda: evaluate_goals(con, ADMINISTRATION, kommune=kommune), runs)
        goal_s = {
            g: median_time(lambda g=g: evaluate_goals(con, ADMINISTRATION, kommune=kommune, goal_ids=[g]), runs)
            for g in goal_ids
        }
        engine_peak = peak_rss()
        load_s = median_time(lambda: load_tables(con), runs)
        tables = load_tables(con)
        worst = check_same(con, tables, min_n, kommune)
    pandas_s = {i: median_time(lambda i=i: pandas_indicator(tables, i, min_n, kommune), runs) for i in CATALOGUE}
    return {
        "pupil_rows": counts["test_pupil_results"],
        "institutions": counts["institutions"],
        "export_rows": rows,
        "worst_difference": worst,
        "kommune": kommune,
        "engine": engine_s,
        "pandas": pandas_s,
        "export": export_s,
        "kept": kept_s,
        "export_kept": export_kept_s,
        "goals": goals_s,
        "goal": goal_s,
        "load": load_s,
        "engine_peak_rss": engine_peak,
        "peak_rss": peak_rss(),
    }


def report(f: dict, label: str) -> None:
    """Print ``figures`` as a table."""
    print(
        f"\n{label}: {f['pupil_rows']:,} pupil test rows, {f['institutions']:,} institutions, "
        f"{f['export_rows']:,} export rows; engine and pandas agree to {f['worst_difference']:.1e}"
    )
    print(f"  {'indicator':28} {'engine s':>9} {'pandas s':>9} {'ratio':>7}")
    for i, seconds in f["engine"].items():
        print(f"  {i:28} {seconds:9.3f} {f['pandas'][i]:9.3f} {f['pandas'][i] / seconds:6.1f}x")
    engine_total, pandas_total = sum(f["engine"].values()), sum(f["pandas"].values())
    print(f"  {'every indicator':28} {engine_total:9.3f} {pandas_total:9.3f} {pandas_total / engine_total:6.1f}x")
    print(f"  {'the export (CSV text)':28} {f['export']:9.3f}")
    print(f"  {'loading tables into pandas':28} {'':9} {f['load']:9.3f}")
    print(
        f"  every goal ({len(f['goal'])} goals, municipality {f['kommune']}): {f['goals']:.3f} s; "
        f"slowest single goal {max(f['goal'].values(), default=0):.3f} s"
    )


def build_national(folder: Path, n_schools: int) -> Path:
    from loaders import import_files
    from sample_data import generate

    db = folder / "national.duckdb"
    start = time.perf_counter()
    files = generate(folder / "files", scale="national", n_schools=n_schools)
    import_files(db, files)
    print(f"built the national-scale sample in {time.perf_counter() - start:.0f} s")
    return db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an already-built database to measure")
    parser.add_argument("--national", action="store_true", help="build and measure the national-scale sample")
    parser.add_argument("--schools", type=int, default=1400)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            report(figures(with_goals(Path(args.db), Path(tmp)), args.runs), "database")
            return
        from sample_data import build_database

        sample = Path(tmp) / "sample.duckdb"
        build_database(sample)
        report(figures(sample, args.runs), "sample municipality (Eksempelby)")
        if args.national:
            national = build_national(Path(tmp), args.schools)
            report(figures(with_goals(national, Path(tmp)), args.runs), "national scale")


if __name__ == "__main__":
    main()

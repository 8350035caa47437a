"""An attacker's audit: from everything one viewer can get, can any withheld value be worked out?

The attacker (this file, independent of the engine's own algorithm) takes every value a viewer can
get (``compute`` at every level, subject, grade and class the viewer may see, the level distributions,
the cohort progression, the status report), and knows what docs/domain.md (rule 3) grants a determined
reader: which institutions make up each district and municipality, which classes each grade has,
every count (as if every n were shown), and how values add up. So every value is a sum of *base
cells* (institution x grade x class x subject, the finest grain of the source) that the attacker
writes down from the institution table and the raw rows' keys, and every published value is an
equation: the sum of its base cells is known. A withheld value is worked out exactly when its sum
of base cells is a linear combination of the published ones; numpy's SVD tells (rank of the
published equations with and without it). A leader also knows their own institutions' base cells
(their own pupils' results), and must not work out another institution's test results (§ 55 b).

The audit runs on the sample, on a generated municipality, on the issue's two-school municipality,
and (Hypothesis) on random small municipalities and thresholds. It fails on the engine before
complementary suppression (issue 11): e.g. as council, ``nt_mean_score`` of Ravnsbjergskolen
(999012), 2018/19, maths, grade 3, one pupil, is 21.875 x 16 - 23 x 6 - 21.555556 x 9 = 18.0.
"""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import database
from core.viewer import Viewer
from indicators import CATALOGUE, cohort_progression, compute, level_distribution
from reports.data import status_report
from tests.test_indicators_data import add_institutions, insert

KOMMUNE = 999
VIEWERS = ("public", "council", "administration", "leader")
_TOL = 1e-6

# Where each indicator's base cells come from: (table, condition for a present value, has grades, has classes).
# Level shares are computed for every test kind whose rows carry a level, each year on its own scale.
_LEVEL_KINDS = ("national_test", "overgangstest", "faerdighedstest")
_TESTS = {
    "nt_share_good": (_LEVEL_KINDS, "level IS NOT NULL", "level_1 IS NOT NULL"),
    "nt_share_top": (_LEVEL_KINDS, "level IS NOT NULL", "level_1 IS NOT NULL"),
    "nt_share_poor": (_LEVEL_KINDS, "level IS NOT NULL", "level_1 IS NOT NULL"),
    "nt_mean_score": (("national_test",), "score IS NOT NULL", "mean_score IS NOT NULL"),
    "tt_mean_correct": (("overgangstest",), "points IS NOT NULL AND max_points > 0", "false"),
    "ft_mean_correct": (("faerdighedstest",), "points IS NOT NULL AND max_points > 0", "false"),
}
_OTHERS = {
    **{
        f"wb_{name}": (
            "wellbeing",
            f"indicator = '{name}' AND value IS NOT NULL AND coalesce(respondents, 1) > 0",
            True,
        )
        for name in ("social", "academic", "support", "order", "general")
    },
    "la_share_general": ("language_assessments", "n_assessed > 0", False),
    "la_share_focused": ("language_assessments", "n_assessed > 0", False),
    "la_share_special": ("language_assessments", "n_assessed > 0", False),
    "abs_mean_pct": ("absence", "absence_pct IS NOT NULL AND coalesce(n_pupils, 1) > 0", True),
    "abs_share_over_10": ("absence", "share_over_10 IS NOT NULL AND coalesce(n_pupils, 1) > 0", True),
    "exam_mean": ("exam_grades", "mean_grade IS NOT NULL AND coalesce(n_pupils, 1) > 0", False),
    "tr_share_3m": ("youth_transition", "share_3m IS NOT NULL AND coalesce(n_pupils, 1) > 0", False),
    "tr_share_15m": ("youth_transition", "share_15m IS NOT NULL AND coalesce(n_pupils, 1) > 0", False),
}
AUDITED = list(_TESTS) + list(_OTHERS)


def base_cells(con: duckdb.DuckDBPyConnection, indicator_id: str) -> pd.DataFrame:
    """The finest cells a value of the indicator sums: inst, yr, grade (None = all grades together), class,
    subject; with the institution's municipality and district."""
    if indicator_id in _TESTS:
        kinds, pupil_has, aggregate_has = _TESTS[indicator_id]
        kind = "test_kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"
        # whole tests only: a row of one profile area is not a result of its own
        sql = f"""
            SELECT DISTINCT institution_id AS inst, school_year AS yr, grade, class, subject
            FROM test_pupil_results WHERE {kind} AND {pupil_has} AND profile_area IS NULL
            UNION
            SELECT DISTINCT institution_id, school_year, grade, NULL, subject
            FROM test_aggregates WHERE {kind} AND {aggregate_has}"""
    else:
        table, has, grades = _OTHERS[indicator_id]
        grade = "grade" if grades else "NULL::TINYINT"
        sql = f"""SELECT DISTINCT institution_id AS inst, school_year AS yr, {grade} AS grade,
                         NULL::VARCHAR AS class, NULL::VARCHAR AS subject FROM {table} WHERE {has}"""
    cells = con.execute(
        f"""SELECT c.*, i.municipality_code AS mun, i.district
            FROM ({sql}) c JOIN institutions i ON i.institution_id = c.inst"""
    ).df()
    cells["grade"] = cells["grade"].astype("Int64")
    # DOMAIN/FORMATS: an institution's grade rows make its 'all'; its all-grades row only where it has none.
    # Well-being's 'all' is grades 4-9: a grade 0-3 row is part of no total.
    grade = cells["grade"].to_numpy(dtype="float64", na_value=np.nan)
    pooled = grade >= CATALOGUE[indicator_id].grades_from  # NaN (all grades together) compares False
    graded = cells[pooled].groupby(["inst", "yr"]).size()
    cells["in_all"] = pooled | (np.isnan(grade) & ~cells.set_index(["inst", "yr"]).index.isin(graded.index))
    return cells.reset_index(drop=True)


def cohort_cells(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Base cells of the cohort progression: institution, later school year, grade and subject of a test whose
    pupil had a test in the subject in an earlier comparable year (2019/20 was a sample: never paired)."""
    cells = con.execute(
        """SELECT DISTINCT t.institution_id AS inst, t.school_year AS yr, t.grade, NULL::VARCHAR AS class,
                  t.subject, i.municipality_code AS mun, NULL::VARCHAR AS district
           FROM test_pupil_results t JOIN institutions i USING (institution_id)
           WHERE t.test_kind = 'national_test' AND t.score IS NOT NULL AND t.school_year <> 2019
             AND EXISTS (SELECT 1 FROM test_pupil_results p
                         WHERE p.pupil_key = t.pupil_key AND p.subject = t.subject AND p.test_kind = 'national_test'
                           AND p.score IS NOT NULL AND p.school_year < t.school_year AND p.school_year <> 2019)"""
    ).df()
    return cells.assign(in_all=True, grade=cells["grade"].astype("Int64"))


def sums(rows: pd.DataFrame, cells: pd.DataFrame) -> np.ndarray:
    """Which base cells each row sums (rows x cells, 0/1), from the row's keys alone: its unit (all of the
    municipality's institutions, a district's, one institution, one class), its grade (or ``all``) and its
    subject (or ``all``)."""
    matrix = np.zeros((len(rows), len(cells)))
    if not len(rows):
        return matrix
    r = rows[["level", "unit_id", "institution_id", "grade", "subject"]].reset_index(drop=True)
    pairs = r.assign(row=np.arange(len(r))).merge(cells.assign(cell=np.arange(len(cells))), how="cross")
    level = pairs["level"]
    district = pairs["unit_id"].astype(str).str.split(":", n=1).str[-1]
    keep = (level == "municipality") | ((level == "district") & (pairs["district"] == district))
    keep |= level.isin(["institution", "class"]) & (pairs["inst"] == pairs["institution_id"])
    keep &= (level != "class") | (pairs["class"] == pairs["unit_id"])
    grade = pairs["grade_x"]
    keep &= grade.isna() | ((grade == "all") & pairs["in_all"]) | (grade == pairs["grade_y"].astype("string"))
    subject = pairs["subject_x"]
    keep &= subject.isna() | (subject == "all") | (subject == pairs["subject_y"])
    hit = pairs[keep.fillna(False).astype(bool)]
    matrix[hit["row"].to_numpy(), hit["cell"].to_numpy()] = 1.0
    return matrix


def worked_out(published: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Which target rows lie in the row space of the published rows: they equal their projection on it (an
    orthonormal basis of the row space from the eigenvectors of the published rows' Gram matrix)."""
    if not len(targets):
        return np.zeros(0, dtype=bool)
    if not len(published):
        return np.zeros(len(targets), dtype=bool)
    eigenvalues, eigenvectors = np.linalg.eigh(published.T @ published)
    basis = eigenvectors[:, eigenvalues > 1e-9 * max(1.0, eigenvalues.max())]
    residual = targets - (targets @ basis) @ basis.T
    return np.abs(residual).max(axis=1) < _TOL


def viewer_of(role: str, leader_of: str) -> Viewer:
    return Viewer.parse(f"leader:{leader_of}" if role == "leader" else role)


class Audit:
    """Everything viewers can get from one database, and the attack on it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, reports: bool = True):
        self.con = con
        self.reports = reports  # the status reports too (slow: every indicator for each viewer and year)
        self.cache: dict = {}
        self.mun_of = dict(con.execute("SELECT institution_id, municipality_code FROM institutions").fetchall())

    def _once(self, make, *args):
        """``make(*args)``, computed once per audit."""
        key = (make.__name__, *args)
        if key not in self.cache:
            self.cache[key] = make(*args)
        return self.cache[key]

    def rows(self, viewer: Viewer, indicator_id: str) -> pd.DataFrame:
        """Every value of the indicator the viewer can get from compute, at every level, subject, grade, class."""
        return self._once(self._rows, viewer, indicator_id)

    def _rows(self, viewer: Viewer, indicator_id: str) -> pd.DataFrame:
        df = compute(
            self.con,
            viewer,
            indicator_id,
            kommune=KOMMUNE,
            levels=("municipality", "district", "institution"),
            by_class=viewer.sees_class_level,
        )
        return self._with_municipality(df)

    def _with_municipality(self, df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        mun = []
        for r in df.itertuples():
            if r.level == "municipality":
                mun.append(int(r.unit_id))
            elif r.level == "district":
                mun.append(int(str(r.unit_id).split(":")[0]))
            else:
                mun.append(self.mun_of[r.institution_id])
        df["mun"] = mun
        df["grade"] = [None if g is None or (isinstance(g, float) and np.isnan(g)) else str(g) for g in df["grade"]]
        return df

    def check(self, role: str, leader_of: str, indicator_id: str) -> list[str]:
        """Withheld values (and, for a leader, other institutions' test results) this viewer can work out."""
        viewer = viewer_of(role, leader_of)
        everything = self.rows(Viewer.parse("administration"), indicator_id)
        seen = self.rows(viewer, indicator_id)
        if indicator_id.startswith("nt_share"):
            seen = pd.concat([seen, self.distributions(viewer, indicator_id)], ignore_index=True)
        if self.reports and (role != "public" or not CATALOGUE[indicator_id].confidential):
            seen = pd.concat([seen, self.report_rows(viewer, indicator_id)], ignore_index=True)
        return self._attack(viewer, everything, seen, base_cells(self.con, indicator_id), indicator_id)

    def check_cohorts(self, role: str, leader_of: str) -> list[str]:
        viewer = viewer_of(role, leader_of)
        everything = cohort_progression(self.con, Viewer.parse("administration"), kommune=KOMMUNE)
        seen = cohort_progression(self.con, viewer, kommune=KOMMUNE)
        for df in (everything, seen):
            df["institution_id"] = np.where(df["level"] == "institution", df["unit_id"], None)
        return self._attack(
            viewer,
            self._with_municipality(everything),
            self._with_municipality(seen),
            cohort_cells(self.con),
            "cohorts",
        )

    def _levels(self, viewer: Viewer, unit: str | None) -> pd.DataFrame:
        return level_distribution(self.con, viewer, unit, kommune=KOMMUNE)

    def _report(self, viewer: Viewer, year: int):
        return status_report(self.con, viewer, KOMMUNE, year)

    def distributions(self, viewer: Viewer, indicator_id: str) -> pd.DataFrame:
        """The level distributions, as rows of nt_share_good's lattice: a shown distribution gives the shares."""
        parts = []
        for unit in [None, *sorted(i for i, m in self.mun_of.items() if m == KOMMUNE)]:
            d = self._once(self._levels, viewer, unit)
            if d.empty:
                continue
            d = d[d["level"] == 1].assign(
                level="municipality" if unit is None else "institution",
                unit_id=str(KOMMUNE) if unit is None else unit,
                institution_id=unit,
                value=lambda x: np.where(x["suppressed"], np.nan, 1.0),
            )
            parts.append(
                d[["level", "unit_id", "institution_id", "school_year", "subject", "grade", "value", "n", "suppressed"]]
            )
        return self._with_municipality(pd.concat(parts, ignore_index=True)) if parts else pd.DataFrame()

    def report_rows(self, viewer: Viewer, indicator_id: str) -> pd.DataFrame:
        """The status report's values (all subjects, all grades): the two latest school years, and 2018/19 (the
        issue's year), to keep the audit's time in bounds."""
        years = self.con.execute(
            "SELECT DISTINCT school_year FROM (SELECT school_year FROM wellbeing UNION ALL "
            "SELECT school_year FROM test_pupil_results) ORDER BY 1 DESC LIMIT 2"
        ).fetchall()
        parts = []
        for year in sorted({y for (y,) in years} | {2018}):
            report = self._once(self._report, viewer, year)
            for area in report.areas:
                # the country's published figure (Landsplan) is loaded, not computed from the lattice
                for unit in (u for u in area.units if u.level != "national"):
                    v = area.get(unit.unit_id, indicator_id)
                    if any(i.id == indicator_id for i in area.indicators) and (v.value is not None or v.suppressed):
                        parts.append(
                            {
                                "level": unit.level,
                                "unit_id": unit.unit_id,
                                "institution_id": unit.unit_id if unit.level == "institution" else None,
                                "school_year": int(year),
                                "subject": "all" if CATALOGUE[indicator_id].subjects else None,
                                "grade": "all" if CATALOGUE[indicator_id].has_grades else None,
                                "value": np.nan if v.value is None else v.value,
                                "n": v.n,
                                "suppressed": v.suppressed,
                            }
                        )
        return self._with_municipality(pd.DataFrame(parts)) if parts else pd.DataFrame()

    def _attack(self, viewer, everything: pd.DataFrame, seen: pd.DataFrame, cells: pd.DataFrame, what: str):
        found = []
        if everything.empty:
            return found
        own = viewer.institutions if viewer.role == "leader" else frozenset()
        confidential = what == "cohorts" or CATALOGUE[what].confidential
        for (mun, year), part in everything.groupby(["mun", "school_year"]):
            group = cells[(cells["mun"] == mun) & (cells["yr"] == year)].reset_index(drop=True)
            if group.empty:
                continue
            mine = seen[(seen["mun"] == mun) & (seen["school_year"] == year)] if not seen.empty else seen
            shown = mine[~mine["suppressed"].astype(bool) & mine["value"].notna()] if not mine.empty else mine
            # no withheld value may carry its value or its n
            if not mine.empty:
                hidden = mine[mine["suppressed"].astype(bool) & (mine["n"].notna() | mine["value"].notna())]
                found += [
                    f"{what} {r.level} {r.unit_id} {year} {r.subject} {r.grade} (n shown)" for r in hidden.itertuples()
                ]
            published = sums(shown, group) if len(shown) else np.zeros((0, len(group)))
            own_cells = group["inst"].isin(list(own)).to_numpy()
            if own_cells.any():  # a leader knows their own pupils' results
                published = np.vstack([published, np.eye(len(group))[own_cells]])
            withheld = part[part["suppressed"].astype(bool)]
            targets = [withheld]
            if own and confidential:  # § 55 b: no other institution's test results for a leader
                others = part[part["level"].isin(["institution", "class"]) & ~part["institution_id"].isin(list(own))]
                targets.append(others)
            targets = pd.concat(targets, ignore_index=True)
            vectors = sums(targets, group)
            mixed = vectors[:, ~own_cells].any(axis=1)  # what is made of own cells alone, a leader knows anyway
            targets, vectors = targets[mixed], vectors[mixed]
            for r, out in zip(targets.itertuples(), worked_out(published, vectors)):
                if out:
                    found.append(
                        f"{what} {r.level} {r.unit_id} {r.school_year} {r.subject} {r.grade}"
                        + (" (withheld)" if r.suppressed else "")
                    )
        return found


@pytest.fixture(scope="module")
def audits(sample_db_master, generated_db_master):
    """An audit of the sample and one of the generated municipality, shared by the viewers (the
    administration's values are computed once per database)."""
    with database.read(sample_db_master) as sample, database.read(generated_db_master) as other:
        yield {"sample": Audit(sample), "generated": Audit(other)}


@pytest.mark.slow
@pytest.mark.parametrize("where", ["sample", "generated"])
@pytest.mark.parametrize("role", VIEWERS)
def test_no_withheld_value_can_be_worked_out(audits, where, role):
    audit = audits[where]
    leader_of = audit.con.execute("SELECT min(institution_id) FROM institutions WHERE kind = 'skole'").fetchone()[0]
    found = []
    for indicator_id in AUDITED:
        if role == "public" and CATALOGUE[indicator_id].confidential:
            continue
        found += audit.check(role, leader_of, indicator_id)
    if role != "public":
        found += audit.check_cohorts(role, leader_of)
    assert not found, f"{len(found)} worked out, e.g. {found[:10]}"


def test_the_issues_single_pupil_stays_hidden(sample_db_master):
    """Council: nt_mean_score, Ravnsbjergskolen 2018/19, maths, grade 3, one pupil (issue 11)."""
    with database.read(sample_db_master) as con:
        audit = Audit(con)
        rows = audit.rows(Viewer.parse("council"), "nt_mean_score")
        pupil = rows[
            (rows["unit_id"] == "999012")
            & (rows["school_year"] == 2018)
            & (rows["subject"] == "matematik")
            & (rows["grade"] == "3")
        ]
        assert pupil["suppressed"].all() and pupil["value"].isna().all() and pupil["n"].isna().all()
        assert not [f for f in audit.check("council", "999012", "nt_mean_score") if "999012" in f]
        # wb_social, Hyldager Skole 2017/18, grade 4 (3 respondents) for the public
        rows = audit.rows(Viewer.parse("public"), "wb_social")
        cell = rows[(rows["unit_id"] == "999011") & (rows["school_year"] == 2017) & (rows["grade"] == "4")]
        assert cell["suppressed"].all()
        assert not [f for f in audit.check("public", "999012", "wb_social") if "999011 2017" in f]


def test_two_school_municipality_gives_a_leader_nothing_of_the_other_school(db):
    """Municipality minus own school = the other school: a leader of A must not get B's test results, whether
    B's values are small (withheld) or not (another institution's, § 55 b), nor B's withheld well-being."""
    add_institutions(db, [("999001", "Skole A", "skole", 999, "Nord"), ("999002", "Skole B", "skole", 999, "Syd")])
    rng = random.Random(11)
    pupils = []
    for school, sizes in (("999001", {4: 22, 6: 19}), ("999002", {4: 3, 6: 12})):
        for grade, size in sizes.items():
            for p in range(size):
                for subject in ("dansk_laesning", "matematik"):
                    pupils.append(
                        (
                            f"{school}-{grade}-{p}",
                            school,
                            grade,
                            f"{grade}.A",
                            subject,
                            rng.randint(1, 6),
                            rng.randint(1, 100),
                        )
                    )
    _insert_pupils(db, pupils, 2020)
    insert(
        db,
        "INSERT INTO wellbeing VALUES (0, ?, 2024, ?, 'general', ?, ?)",
        [("999001", 4, 3.9, 20), ("999001", 5, 3.7, 18), ("999002", 4, 3.1, 3), ("999002", 5, 4.1, 9)],
    )
    with database.read(db) as con:
        audit = Audit(con)
        found = []
        for indicator_id in ("nt_share_good", "nt_mean_score", "wb_general"):
            for role in VIEWERS:
                if role == "public" and CATALOGUE[indicator_id].confidential:
                    continue
                found += audit.check(role, "999001", indicator_id)
        leader = audit.rows(Viewer.parse("leader:999001"), "nt_share_good")
    assert not found, found
    # what is left for the leader: their own school; the municipality only where it does not reveal B
    assert set(leader.loc[leader["level"] == "institution", "unit_id"]) == {"999001"}


def _insert_pupils(db: Path, pupils: list[tuple], year: int) -> None:
    insert(
        db,
        "INSERT INTO test_pupil_results (batch_id, pupil_key, institution_id, school_year, grade, class, subject, "
        f"test_kind, level, score) VALUES (0, ?, ?, {year}, ?, ?, ?, 'national_test', ?, ?)",
        pupils,
    )


@st.composite
def municipalities(draw):
    """A small municipality: institutions (in districts or none), grades, classes, subjects, pupils (1-9 a class)."""
    count = draw(st.integers(1, 4))
    districts = draw(st.lists(st.sampled_from(["Nord", "Syd", None]), min_size=count, max_size=count))
    institutions = [(f"99900{i + 1}", f"Skole {i + 1}", "skole", 999, d) for i, d in enumerate(districts)]
    pupils, wellbeing = [], []
    subjects = draw(st.sampled_from([("dansk_laesning",), ("dansk_laesning", "matematik")]))
    for inst, *_ in institutions:
        grades = draw(st.lists(st.sampled_from([2, 4, 6, 8]), min_size=1, max_size=3, unique=True))
        for grade in grades:
            for c in range(draw(st.integers(1, 2))):
                size = draw(st.integers(1, 9))
                for p in range(size):
                    for subject in subjects:
                        if draw(st.integers(0, 9)) == 0:
                            continue  # a pupil who missed one test
                        pupils.append(
                            (
                                f"{inst}-{grade}{c}-{p}",
                                inst,
                                grade,
                                f"{grade}.{'AB'[c]}",
                                subject,
                                draw(st.integers(1, 6)),
                                draw(st.integers(1, 100)),
                            )
                        )
        if draw(st.booleans()):
            wellbeing.append((inst, None, 3.5, draw(st.integers(1, 30))))  # all grades together only
        else:
            for grade in grades:
                wellbeing.append((inst, grade, 3.8, draw(st.integers(1, 30))))
    return institutions, pupils, wellbeing, draw(st.sampled_from([3, 5, 10]))


@pytest.mark.slow
def test_random_municipalities_give_nothing_away(tmp_path, monkeypatch):
    runs = iter(range(1000))

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(municipalities())
    def check(case):
        institutions, pupils, wellbeing, threshold = case
        monkeypatch.setenv("KVALITETSDIALOG_MIN_N", str(threshold))
        db = tmp_path / f"m{next(runs)}.duckdb"
        database.ensure(db)
        add_institutions(db, institutions)
        if pupils:
            _insert_pupils(db, pupils, 2020)
        insert(db, "INSERT INTO wellbeing VALUES (0, ?, 2024, ?, 'general', ?, ?)", wellbeing)
        with database.read(db) as con:
            audit = Audit(con, reports=False)
            found = []
            for indicator_id in ("nt_share_good", "nt_mean_score", "wb_general"):
                for role in VIEWERS:
                    if role == "public" and CATALOGUE[indicator_id].confidential:
                        continue
                    found += audit.check(role, institutions[0][0], indicator_id)
        assert not found, (threshold, found)

    check()

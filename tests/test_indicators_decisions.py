"""Decided lattices kept per data generation (indicators.decisions) give exactly what computing afresh gives.

For every indicator and every kind of viewer (public, council, administration, a school leader, a daycare
leader) on the sample and on a generated municipality, ``compute`` (all levels, classes, every subject and grade)
and ``level_distribution`` give the same values and withhold the same cells whether the lattice is computed
afresh (``decisions.uncached``), computed and kept, read back from the files in a new process's state, or taken
for one municipality or some years out of the whole. A data write makes them follow the new data.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from core import database
from core.viewer import Viewer
from indicators import decisions
from indicators.catalogue import CATALOGUE
from indicators.engine import compute, level_distribution

KOMMUNE = 999


def _viewers(con) -> list[Viewer]:
    school, daycare = (
        con.execute(
            "SELECT min(institution_id) FROM institutions WHERE municipality_code = ? AND kind = ?", [KOMMUNE, kind]
        ).fetchone()[0]
        for kind in ("skole", "dagtilbud")
    )
    return [Viewer.parse(v) for v in ("public", "council", "administration", f"leader:{school}", f"leader:{daycare}")]


def _everything(con, viewer: Viewer, **kwargs) -> pd.DataFrame:
    """Every indicator at every level with classes, as ``viewer`` sees it, in one table (and one distribution)."""
    parts = [
        compute(
            con,
            viewer,
            ind.id,
            kommune=KOMMUNE,
            levels=("municipality", "district", "institution"),
            by_class=True,
            **kwargs,
        )
        for ind in CATALOGUE.values()
    ]
    distribution = level_distribution(con, viewer, None, kommune=KOMMUNE, years=kwargs.get("years"))
    return pd.concat([*parts, distribution.assign(indicator="levels")], ignore_index=True)


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    # DuckDB sums in parallel, so a value may differ in its last bits between two computations (not between two reads)
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
    assert got["suppressed"].tolist() == expected["suppressed"].tolist()


@pytest.fixture(params=["sample", "generated"])
def copy(request, sample_db_master: Path, generated_db_master: Path, tmp_path: Path) -> Path:
    """A private copy of the database (with no kept lattices yet)."""
    source = sample_db_master if request.param == "sample" else generated_db_master
    path = tmp_path / "copy.duckdb"
    shutil.copy(source, path)
    shutil.copy(f"{source}.generation", f"{path}.generation")
    decisions.forget()
    return path


def test_kept_lattices_equal_computing_afresh_for_every_viewer(copy: Path):
    with database.read(copy) as con:
        viewers = _viewers(con)
        with decisions.uncached():
            afresh = {str(v): _everything(con, v) for v in viewers}
        assert not Path(f"{copy}.decided").exists()  # computing afresh keeps nothing
        for v in viewers:  # the first viewer computes and keeps each lattice, the others read it from memory
            _same(_everything(con, v), afresh[str(v)])
        kept = list(Path(f"{copy}.decided").glob("*/*.arrow"))
        assert len(kept) >= len(CATALOGUE) - 1  # one per indicator (and threshold); none computed twice
        decisions.forget()  # a new process: read from the files
        for v in viewers:
            _same(_everything(con, v), afresh[str(v)])
        year = int(con.execute("SELECT max(school_year) FROM test_pupil_results").fetchone()[0])
        for v in viewers:  # one year out of the whole lattice, as a page asks
            with decisions.uncached():
                expected = _everything(con, v, years=[year - 1, year])
            _same(_everything(con, v, years=[year - 1, year]), expected)


def test_each_leaders_kept_protection_equals_computing_it_afresh(copy: Path):
    """A leader's extra protection (``engine.for_reader``) is decided once per leader on the municipality's whole
    lattice and kept: every school leader's test results and levels, all years and the last two, the first time
    (computed and kept), the second (kept) and in a new process's state equal computing afresh on what was asked.
    Grade 8's tests are left at two schools only, so that leaders are denied municipality values (of grade 8, and of
    all grades minus the others) that would give the other school's away."""
    with database.write(copy) as con:
        for table in ("test_pupil_results", "test_aggregates"):
            con.execute(
                f"DELETE FROM {table} WHERE grade = 8 AND institution_id NOT IN (SELECT institution_id FROM "
                "institutions WHERE municipality_code = ? AND kind = 'skole' ORDER BY 1 LIMIT 2)",
                [KOMMUNE],
            )
    with database.read(copy) as con:
        schools = [
            r[0]
            for r in con.execute(
                "SELECT institution_id FROM institutions WHERE municipality_code = ? AND kind = 'skole' ORDER BY 1",
                [KOMMUNE],
            ).fetchall()
        ]
        year = int(con.execute("SELECT max(school_year) FROM test_pupil_results").fetchone()[0])

        def tests(school: str, years=None) -> pd.DataFrame:
            viewer = Viewer.parse(f"leader:{school}")
            parts = [
                compute(con, viewer, i, kommune=KOMMUNE, by_class=True, years=years)
                for i in ("nt_share_good", "nt_mean_score", "wb_general")
            ]
            distribution = level_distribution(con, viewer, school, kommune=KOMMUNE, years=years)
            return pd.concat([*parts, distribution.assign(indicator="levels")], ignore_index=True)

        with decisions.uncached():
            afresh = {school: (tests(school), tests(school, [year - 1, year])) for school in schools}
        for state in ("computed and kept", "kept", "read in a new process"):
            if state == "read in a new process":
                decisions.forget()
            for school in schools:
                whole, recent = afresh[school]
                _same(tests(school), whole)
                _same(tests(school, [year - 1, year]), recent)
        pattern = compute(con, Viewer.parse("council"), "nt_share_good", kommune=KOMMUNE, levels=("municipality",))
    # Not two empty sets: leaders are denied municipality values that the pattern shows (the council sees them).
    shown = {(r.school_year, r.subject, r.grade) for r in pattern.itertuples() if not r.suppressed}
    denied = [
        (r.school_year, r.subject, r.grade)
        for whole, _ in afresh.values()
        for r in whole[(whole["indicator"] == "nt_share_good") & (whole["level"] == "municipality")].itertuples()
        if r.suppression == "complementary"
    ]
    assert [key for key in denied if key in shown]


def test_a_data_write_replaces_the_kept_lattices(sample_db: Path):
    admin = Viewer.parse("administration")
    with database.read(sample_db) as con:
        before = compute(con, admin, "la_share_general", levels=("institution",))
        first = database.generation_id(con)
    folder = Path(f"{sample_db}.decided")
    assert [p.name for p in folder.iterdir()] == [first]
    row = before[before["n"] > 0].iloc[0]
    with database.write(sample_db) as con:  # one institution's language assessment doubles its general share
        con.execute(
            "UPDATE language_assessments SET n_general = n_general + 1 WHERE institution_id = ? AND school_year = ?",
            [row["institution_id"], int(row["school_year"])],
        )
    with database.read(sample_db) as con:
        after = compute(con, admin, "la_share_general", levels=("institution",))
        with decisions.uncached():
            expected = compute(con, admin, "la_share_general", levels=("institution",))
        second = database.generation_id(con)
    assert second != first
    _same(after, expected)
    changed = after[(after["institution_id"] == row["institution_id"]) & (after["school_year"] == row["school_year"])]
    assert changed["value"].iloc[0] > row["value"]  # the new data, not the kept lattice of the old
    assert [p.name for p in folder.iterdir()] == [second]  # the old generation's files are gone


def test_a_database_built_again_at_the_same_path_is_not_read_from_the_old_files(tmp_path: Path):
    from sample_data import build_database

    path = tmp_path / "again.duckdb"
    build_database(path)
    admin = Viewer.parse("administration")
    with database.read(path) as con:
        assert not compute(con, admin, "la_share_general").empty
        first = database.generation_id(con)
    count = database.current_generation(path)
    for leftover in (path, Path(f"{path}.generation")):
        leftover.unlink()
    while database.current_generation(path) < count:  # an empty database at the same generation count
        with database.write(path):
            pass
    with database.read(path) as con:
        assert database.generation_id(con) != first
        assert compute(con, admin, "la_share_general").empty  # no data, whatever was kept before


def test_an_unwritable_folder_only_means_computing_again(sample_db: Path):
    Path(f"{sample_db}.decided").write_text("not a folder")  # nothing can be kept there
    admin = Viewer.parse("administration")
    with database.read(sample_db) as con:
        got = compute(con, admin, "nt_share_good", by_class=True)
        with decisions.uncached():
            expected = compute(con, admin, "nt_share_good", by_class=True)
    _same(got, expected)


def test_prepare_keeps_every_indicator_for_the_readers_after_it(sample_db: Path):
    from indicators.__main__ import main

    assert main(["prepare", "--db", str(sample_db), "--kommune", str(KOMMUNE)]) == 0
    assert len(list(Path(f"{sample_db}.decided").glob("*/*.arrow"))) == len(CATALOGUE)  # one per indicator
    decisions.forget()
    admin = Viewer.parse("administration")
    with database.read(sample_db) as con:
        got = _everything(con, admin)
        with decisions.uncached():
            expected = _everything(con, admin)
    _same(got, expected)
    assert len(list(Path(f"{sample_db}.decided").glob("*/*.arrow"))) == len(CATALOGUE)  # read, none computed again

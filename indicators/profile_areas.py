"""Mean correct per profile area of the transition and skills tests (docs/domain.md, "The national tests").

A test extract may give each pupil's points per profile area (``profilområde``, e.g. Sprogforståelse,
Afkodning, Tekstforståelse) beside the whole test. Each profile area is computed like the whole test's mean
correct (``tt_mean_correct``, ``ft_mean_correct``: the test kind of the year) on a lattice of its own, so a
value is withheld, and complementary values with it, exactly as the engine withholds any other; the viewer's
scope is the engine's. Confidential (folkeskoleloven § 55 b) like every test result.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core import settings
from core.viewer import Viewer
from indicators import engine
from indicators.catalogue import CATALOGUE, default_test_kind

# The indicator of a test kind's mean correct, whose definition a profile area shares.
_MEAN_CORRECT = {i.test_kinds[0]: i.id for i in CATALOGUE.values() if i.id in ("tt_mean_correct", "ft_mean_correct")}
# What a profile area's value is, as every page and report says it.
MEANING = "gennemsnitlig andel korrekte svar i hvert profilområde, alle klassetrin under ét"
COLUMNS = [
    "indicator",
    "school_year",
    "subject",
    "profile_area",
    "level",
    "unit_id",
    "value",
    "n",
    "suppressed",
    "suppression",
]


def profile_areas(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    institution_id: str,
    *,
    kommune: int | None = None,
    min_n: int | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """The institution's and the municipality's mean correct per subject and profile area (grades pooled), in
    school year ``year`` (default: the latest whose tests have profile areas at the institution); empty where
    there are none or the viewer may not see test results."""
    engine.require_viewer(viewer)
    code = settings.kommune(kommune)
    if not viewer.sees_national_tests or not viewer.sees_institution(str(institution_id)):
        return pd.DataFrame(columns=COLUMNS)
    found = con.execute(
        "SELECT school_year, list(DISTINCT profile_area ORDER BY profile_area) FROM test_pupil_results "
        "WHERE institution_id = ? AND profile_area IS NOT NULL AND school_year = coalesce(?, school_year) "
        "GROUP BY school_year ORDER BY school_year DESC LIMIT 1",
        [str(institution_id), year],
    ).fetchone()
    if found is None:
        return pd.DataFrame(columns=COLUMNS)
    year, areas = int(found[0]), found[1]
    indicator = _MEAN_CORRECT.get(default_test_kind(year) or "")
    if indicator is None:
        return pd.DataFrame(columns=COLUMNS)
    frames = []
    for area in areas:
        df = engine.compute(
            con,
            viewer,
            indicator,
            kommune=code,
            levels=("institution", "municipality"),
            institutions=[str(institution_id)],
            years=[year],
            grades="all",
            min_n=min_n,
            profile_area=area,
        )
        df = df[(df["subject"] != "all") & df["unit_id"].isin([str(institution_id), str(code)])]
        frames.append(df.assign(profile_area=area))
    out = pd.concat(frames) if frames else pd.DataFrame(columns=COLUMNS)
    return out[COLUMNS].sort_values(["subject", "profile_area", "level"]).reset_index(drop=True)

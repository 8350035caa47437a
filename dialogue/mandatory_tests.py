"""The mandatory test results of a skoleudviklingssamtale, from the indicator engine (confidential, § 55 b).

Folkeskoleloven § 40 a makes the results of the mandatory tests part of the
samtale. They are the school's test indicators (every confidential indicator
of the catalogue: national tests, transition tests and any test kind added
later), per subject with the grades pooled, for the samtale's school year and
the years before it on the same scale (a trend never crosses a scale change
or a year that cannot be compared), beside the municipality's value for the
year. Every value comes from ``indicators.compute`` with the viewer, so
suppression and scope are the engine's; the public gets nothing. A test
indicator with no value for the year says why (``reason_no_data``: e.g. the
transition tests give points only, no performance levels). Where the year's
transition or skills tests give points per profile area, the school's mean
correct in each, beside the municipality's, comes from
``indicators.profile_areas`` and is withheld by the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

import indicators
from core import danish, schoolyear, settings
from core.viewer import Viewer
from dialogue import records
from dialogue.samtale import check_read
from indicators import profile_areas
from indicators.catalogue import CATALOGUE, SUBJECTS, Indicator
from indicators.engine import Value
from indicators.goals import reason_no_data
from indicators.goals.status import UnitStatus

TREND_YEARS = 5  # the samtale's year and up to four before it


MISSING = Value(None, None)


@dataclass(frozen=True)
class TestRow:
    """One indicator and subject: the school's values on one scale up to the year, and the municipality's."""

    indicator: Indicator
    subject: str
    school: dict[int, Value]  # school year -> value, only years on the same scale as the samtale's year
    municipality: Value  # the samtale's year


@dataclass(frozen=True)
class ProfileAreaRow:
    """One subject's profile area in the samtale's year: the school's mean correct and the municipality's."""

    indicator: Indicator  # the year's mean correct (transition or skills test), whose unit the values have
    subject: str
    profile_area: str
    school: Value
    municipality: Value


@dataclass(frozen=True)
class MandatoryTests:
    institution_id: str
    school_year: int
    years: tuple[int, ...]  # every year a row has a value for, oldest first (the columns of a table)
    rows: tuple[TestRow, ...]
    # a sentence per reason for the indicators and subjects shown in the years before but not this year
    not_followed: tuple[str, ...] = ()
    profile_areas: tuple[ProfileAreaRow, ...] = ()  # the samtale's year only, by subject and profile area

    @property
    def confidential(self) -> bool:
        """Test results below the whole country are confidential (folkeskoleloven § 55 b)."""
        return bool(self.rows or self.profile_areas)


def mandatory_tests(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    institution_id: str,
    school_year: int,
    own_kommune: int | None = None,
) -> MandatoryTests:
    """The school's test results for the samtale's year, with their trend, as this viewer may see them
    (``own_kommune``: the own municipality, else the configured one)."""
    institution_id, school_year = str(institution_id), int(school_year)
    check_read(viewer, institution_id, school_year)
    found = con.execute("SELECT municipality_code FROM institutions WHERE institution_id = ?", [institution_id])
    kommune = (found.fetchone() or [None])[0]
    if kommune is not None:  # the engine keeps test results to the municipality it is given: it must be ours
        records.check_own_municipality(kommune, institution_id, f"samtale:{institution_id}:{school_year}", own_kommune)
    rows: list[TestRow] = []
    missing: dict[str, dict[str, list[str]]] = {}  # reason -> indicator label -> subjects
    for ind in CATALOGUE.values():
        if not ind.confidential or kommune is None:
            continue
        df = indicators.compute(
            con,
            viewer,
            ind.id,
            kommune=kommune,
            levels=("institution", "municipality"),
            institutions=[institution_id],
            years=list(range(school_year - TREND_YEARS + 1, school_year + 1)),
            subjects=list(ind.subjects),
            grades="all",
        )
        school = df[(df["level"] == "institution") & (df["unit_id"] == institution_id)]
        municipality = df[(df["level"] == "municipality") & (df["school_year"] == school_year)]
        for subject in ind.subjects:
            own = school[school["subject"] == subject]
            this_year = own[own["school_year"] == school_year]
            if this_year.empty and not own.empty:  # shown in the years before: say why not this year
                goal = {"subject": subject, "grade": None, "direction": None}
                status = UnitStatus("no_data", school_year)
                why = reason_no_data(
                    con, ind, goal, ("institution", institution_id), status, kommune=kommune, threshold=settings.min_n()
                )
                if why:
                    missing.setdefault(why, {}).setdefault(ind.label, []).append(SUBJECTS.get(subject, subject))
            if this_year.empty:
                continue
            same_scale = own[own["comparable_group"] == this_year["comparable_group"].iloc[0]]
            muni = municipality[municipality["subject"] == subject]
            rows.append(
                TestRow(
                    ind,
                    subject,
                    {int(r.school_year): Value.of(r) for r in same_scale.itertuples()},
                    Value.of(next(muni.itertuples())) if len(muni) else MISSING,
                )
            )
    years = tuple(sorted({y for r in rows for y in r.school}))
    not_followed = tuple(
        "; ".join(f"{label} ({danish.listing(subjects)})" for label, subjects in labels.items())
        + f": ingen værdi for {schoolyear.short(school_year)}, fordi {why}."
        for why, labels in missing.items()
    )
    areas = _profile_areas(con, viewer, institution_id, school_year, kommune) if kommune is not None else ()
    return MandatoryTests(institution_id, school_year, years, tuple(rows), not_followed, areas)


def _profile_areas(con, viewer: Viewer, institution_id: str, school_year: int, kommune: int) -> tuple:
    """The school's profile areas in the samtale's year beside the municipality's, as the engine gives them."""
    df = profile_areas.profile_areas(con, viewer, institution_id, kommune=kommune, year=school_year)
    school = df[df["level"] == "institution"]
    municipality = {(r.subject, r.profile_area): Value.of(r) for r in df[df["level"] == "municipality"].itertuples()}
    return tuple(
        ProfileAreaRow(
            CATALOGUE[r.indicator],
            r.subject,
            r.profile_area,
            Value.of(r),
            municipality.get((r.subject, r.profile_area), MISSING),
        )
        for r in school.itertuples()
    )

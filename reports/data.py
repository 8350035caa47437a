"""What the reports show, gathered once per report from the indicator engine and the notes.

Every number comes from ``indicators.compute`` / ``indicators.evaluate_goals``
with the report's viewer, so a report never shows what its reader may not see.
The writers (``reports.xlsx``, ``reports.html``) only lay these objects out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

import indicators
from core import database, schoolyear, settings
from core.errors import AccessDenied, KvalitetsdialogError
from core.viewer import Viewer
from dialogue import records
from dialogue.mandatory_tests import MandatoryTests, mandatory_tests
from dialogue.notes import NOTE_KINDS, Note, open_actions
from dialogue.notes import notes as read_notes
from dialogue.samtale import SchoolSamtale, school_samtale
from indicators import comparison, language, units
from indicators.catalogue import AREAS, CATALOGUE, Indicator
from indicators.engine import Value
from indicators.goals import institution_counts
from loaders import coverage

CONFIDENTIAL_MARK = "Fortroligt - folkeskolelovens § 55 b"
SYNTHETIC_MARK = "Syntetiske data"
# What the status report is, and is not, since 2022/23 (docs/domain.md, "Why the product exists").
STATUS_REPORT_NOTE = (
    "Statusrapporten er kommunens eget overblik, som kommunen selv vælger at lave og eventuelt offentliggøre. "
    "Den er ikke lovpligtig: kvalitetsrapporten er afskaffet fra skoleåret 2022/23, og folkeskolelovens § 40 a "
    "kræver i stedet en årlig skoleudviklingssamtale med hver skole."
)


@dataclass(frozen=True)
class Unit:
    level: str  # institution | municipality | national (the country's published figure, "Landsplan")
    unit_id: str
    name: str


@dataclass
class Area:
    """One report section: a row per institution and the municipality, a column per indicator."""

    title: str
    indicators: list[Indicator]
    units: list[Unit]
    values: dict[tuple[str, str], Value]  # (unit_id, indicator_id) -> value
    # Where the municipality's value covers only part of it: "Social trivsel: 7 af 9 skoler"
    coverage: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the numbers mean, printed under the table

    @property
    def confidential(self) -> bool:
        return any(i.confidential for i in self.indicators)

    def get(self, unit_id: str, indicator_id: str) -> Value:
        return self.values.get((unit_id, indicator_id), Value(None, None))


@dataclass
class StatusReport:
    kommune: int
    kommune_name: str
    year: int
    viewer: Viewer
    created: dt.date
    demo: bool
    min_n: int
    goals: pd.DataFrame  # goal_id, title, unit_name, level, indicator, value, target, status, sentence, reason
    areas: list[Area]
    assessments: list[tuple[str, Note]]  # (institution name, note)
    definitions: list[Indicator] = field(default_factory=list)
    # Each school's exam average against its socio-economic reference (comparison.socioeconomic) that year
    socioeconomic: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def confidential(self) -> bool:
        return any(a.confidential for a in self.areas) or any(
            CATALOGUE[i].confidential for i in self.goals.get("indicator", pd.Series(dtype=str))
        )


def _institutions(con, viewer: Viewer, kommune: int) -> list[Unit]:
    df = units.institutions(con, viewer, kommune)
    return [Unit("institution", i, n) for i, n in zip(df["institution_id"], df["name"])]


def _area(
    con, viewer: Viewer, kommune: int, year: int, title: str, ids: tuple[str, ...], units: list[Unit], kname: str
) -> Area | None:
    visible = [CATALOGUE[i] for i in ids if viewer.sees_national_tests or not CATALOGUE[i].confidential]
    if not visible:
        return None
    df = pd.concat(
        [
            indicators.compute(
                con,
                viewer,
                i.id,
                kommune=kommune,
                levels=("institution", "municipality"),
                years=[year],
                subjects="all",
                grades="all",
            )
            for i in visible
        ]
    )
    if df.empty:
        return None
    municipality = Unit("municipality", str(kommune), kname)
    values = {}
    coverage = []
    for r in df.itertuples():
        values[(str(r.unit_id), r.indicator)] = Value.of(r)
        if r.level == "municipality" and (
            words := comparison.coverage_words(r.covered, r.units, r.n, CATALOGUE[r.indicator].institution_kind)
        ):
            coverage.append(f"{CATALOGUE[r.indicator].label}: {words}")
    present = {u for u, _ in values}
    rows = [u for u in units if u.unit_id in present] + [municipality]
    for i in visible:  # the country's figure for the year, where one is loaded
        country = comparison.national_levels(con, viewer, i.id)
        for r in country[country["school_year"] == year].itertuples():
            values[(comparison.NATIONAL, i.id)] = Value(float(r.value), None if pd.isna(r.n) else int(r.n))
    if any(u == comparison.NATIONAL for u, _ in values):
        rows.append(Unit("national", comparison.NATIONAL, comparison.NATIONAL_NAME))
    notes = _language_notes(con, viewer, kommune, year, rows) if visible[0].source == "language_assessments" else []
    return Area(title, visible, rows, values, coverage, notes)


def _language_notes(con, viewer: Viewer, kommune: int, year: int, rows: list[Unit]) -> list[str]:
    """What the language assessment's shares mean, and how many children were assessed out of how many."""
    cov = language.coverage(con, viewer, kommune=kommune)
    cov = cov[cov["school_year"] == year].set_index("unit_id")
    lines = [
        f"{u.name}: {text}"
        for u in rows
        if u.unit_id in cov.index
        and (text := language.assessed_text(cov.at[u.unit_id, "assessed"], cov.at[u.unit_id, "enrolled"]))
    ]
    return [language.MEANING, *lines]


def _goals(con, viewer: Viewer, kommune: int, year: int | None, names: dict[str, str]) -> pd.DataFrame:
    cols = [
        "goal_id",
        "title",
        "level",
        "unit_id",
        "unit_name",
        "school_year",
        "indicator",
        "value",
        "target",
        "status",
        "shown",
        "sentence",
        "reason",
    ]
    df = indicators.evaluate_goals(con, viewer, kommune=kommune, year=year)
    if df.empty:
        return pd.DataFrame(columns=cols)
    df = df.copy()
    if viewer.sees_all_institutions:  # "5 af 12 skoler opfylder målet" after the municipality's sentence
        table = institution_counts(df)
        counts = dict(zip(table["goal_id"], table["words"]))
        df["sentence"] = [
            f"{s} {counts[g]}." if level == "municipality" and g in counts else s
            for g, level, s in zip(df["goal_id"], df["level"], df["sentence"])
        ]
    df["unit_name"] = [names.get(str(u), str(u)) for u in df["unit_id"]]
    df["_order"] = (df["level"] != "municipality").astype(int)
    return df.sort_values(["goal_id", "_order", "unit_name"])[cols].reset_index(drop=True)


def status_report(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommune: int | None = None, year: int | None = None
) -> StatusReport:
    """Everything the status report shows for one school year (default: the latest with data)."""
    kommune = settings.kommune(kommune)
    year = year if year is not None else coverage.latest_year(con, viewer)
    if year is None:
        raise KvalitetsdialogError("Databasen har ingen data at lave en statusrapport af.", "Ingen data")
    kname = units.municipality_name(con, viewer, kommune)
    listed = _institutions(con, viewer, kommune)
    names = {u.unit_id: u.name for u in listed} | {str(kommune): kname}
    areas = [a for title, ids in AREAS if (a := _area(con, viewer, kommune, year, title, ids, listed, kname))]
    own = {u.unit_id for u in listed}
    assessments = [
        (names[n.institution_id], n)
        for n in read_notes(con, viewer, None, year, ("assessment",))
        if n.institution_id in own
    ]
    return StatusReport(
        kommune=kommune,
        kommune_name=kname,
        year=year,
        viewer=viewer,
        created=dt.date.today(),
        demo=database.is_demo(con),
        min_n=settings.min_n(),
        goals=_goals(con, viewer, kommune, year, names),
        areas=areas,
        assessments=assessments,
        definitions=[i for a in areas for i in a.indicators],
        socioeconomic=_socioeconomic(con, viewer, kommune, year),
    )


def _socioeconomic(con, viewer: Viewer, kommune: int, year: int) -> pd.DataFrame:
    """The year's schools with the ministry's verdict, by name; ``words`` says it in one line."""
    rows = comparison.socioeconomic(con, viewer, kommune)
    rows = rows[rows["school_year"] == year].sort_values("unit_name").reset_index(drop=True)
    return rows.assign(words=[comparison.socioeconomic_words(r) for r in rows.to_dict("records")])


@dataclass
class DialogueSheet:
    """One institution's dialogue for one school year."""

    institution_id: str
    institution_name: str
    kommune_name: str
    year: int
    viewer: Viewer
    created: dt.date
    demo: bool
    goals: pd.DataFrame
    carried: list[Note]  # open actions from earlier years, shown first
    notes: dict[str, list[Note]]  # note kind -> this year's notes

    @property
    def confidential(self) -> bool:
        return any(CATALOGUE[i].confidential for i in self.goals["indicator"])


def dialogue_sheet(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    institution_id: str,
    year: int | None = None,
    kommune: int | None = None,
) -> DialogueSheet:
    """The numbers, the assessment, the actions and the follow-up of one institution and year."""
    row = con.execute(
        "SELECT name, municipality_code FROM institutions WHERE institution_id = ?", [institution_id]
    ).fetchone()
    what = f"dialogark {institution_id}"
    if row is None or not viewer.sees_institution(institution_id) or viewer.role == "public":
        raise AccessDenied(f"Institution {institution_id} findes ikke eller er ikke din.", what)
    records.check_own_municipality(row[1], institution_id, what, kommune)
    kommune = settings.kommune(kommune)
    year = year if year is not None else coverage.latest_year(con, viewer)
    if year is None:
        raise KvalitetsdialogError("Databasen har ingen data endnu.", "Ingen data")
    kname = units.municipality_name(con, viewer, kommune)
    goals = _goals(con, viewer, kommune, year, {institution_id: row[0], str(kommune): kname})
    goals = goals[goals["unit_id"].astype(str) == institution_id].reset_index(drop=True)
    this_year = read_notes(con, viewer, institution_id, year)
    return DialogueSheet(
        institution_id=institution_id,
        institution_name=row[0],
        kommune_name=kname,
        year=year,
        viewer=viewer,
        created=dt.date.today(),
        demo=database.is_demo(con),
        goals=goals,
        carried=open_actions(con, viewer, institution_id, year),
        notes={k: [n for n in this_year if n.note_kind == k] for k in NOTE_KINDS},
    )


@dataclass
class Referat:
    """One school's skoleudviklingssamtale for one school year, as printed and exported."""

    school: SchoolSamtale
    tests: MandatoryTests
    kommune_name: str
    viewer: Viewer
    created: dt.date
    demo: bool
    min_n: int

    @property
    def confidential(self) -> bool:
        return self.tests.confidential

    @property
    def title(self) -> str:
        return f"Skoleudviklingssamtale {schoolyear.short(self.school.school_year)} – {self.school.institution_name}"

    @property
    def heading(self) -> str:
        """What the document is: the referat of a held samtale, or the preparation of one to come."""
        held = self.school.samtale is not None and self.school.samtale.held
        return "Referat" if held else "Forberedelse (samtalen er ikke afholdt endnu)"


def samtale_referat(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    institution_id: str,
    year: int | None = None,
    kommune: int | None = None,
) -> Referat:
    """Everything the referat of a school's samtale shows (default year: the latest with data; ``kommune``:
    the own municipality, else the configured one)."""
    year = year if year is not None else coverage.latest_year(con, viewer)
    if year is None:
        raise KvalitetsdialogError("Databasen har ingen data endnu.", "Ingen data")
    school = school_samtale(con, viewer, institution_id, year, kommune)
    if school.samtale is None:
        shared = " delt med kommunalbestyrelsen" if viewer.role == "council" else ""
        raise KvalitetsdialogError(
            f"{school.institution_name} har ingen skoleudviklingssamtale{shared} i {schoolyear.short(year)}.",
            "Ingen samtale",
        )
    return Referat(
        school=school,
        tests=mandatory_tests(con, viewer, institution_id, year, kommune),
        kommune_name=units.municipality_name(con, viewer, school.municipality_code),
        viewer=viewer,
        created=dt.date.today(),
        demo=database.is_demo(con),
        min_n=settings.min_n(),
    )

"""Comparisons: an institution against its municipality, the municipality against other municipalities, its
cluster (klynge) and the country (``national_levels``, shown as "Landsplan").

Across municipalities only public indicators are compared: another municipality's test results are
confidential (folkeskoleloven § 55 b), and asking for them is refused (``refuse_confidential``).

Whether a difference is more than noise is ``uncertainty.significant``'s to say, here as everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd

from core import danish, settings
from core.errors import AccessDenied
from core.viewer import Viewer
from indicators import engine, uncertainty
from indicators.catalogue import CATALOGUE, comparable_group
from indicators.engine import require_viewer


@dataclass(frozen=True)
class Difference:
    """A unit's value against a reference value in the same school year."""

    year: int
    value: float  # NaN: no value (or withheld)
    suppression: str | None  # why the value is withheld ("small", "complementary"; engine.compute), None if not
    reference: float  # NaN: no reference value (or withheld)
    reference_suppression: str | None
    significant: bool | None  # None: the uncertainty of either value is unknown

    @property
    def difference(self) -> float:
        """The unit's value minus the reference (NaN when either is missing)."""
        return self.value - self.reference


def _row(frame: pd.DataFrame, year: int) -> dict:
    rows = frame[frame["school_year"] == year].to_dict("records")
    return rows[0] if rows else {"value": math.nan, "suppression": None, "lower": math.nan, "upper": math.nan}


def latest_difference(own: pd.DataFrame, reference: pd.DataFrame) -> Difference | None:
    """The latest school year in which either the unit or the reference has a value (shown or withheld),
    compared; None when neither has any. Both frames are ``engine.compute`` rows of one unit.

    >>> own = pd.DataFrame({"school_year": [2024], "value": [0.30], "suppressed": [False],
    ...                     "lower": [0.25], "upper": [0.35]})
    >>> municipality = own.assign(value=0.20, lower=0.19, upper=0.21)
    >>> d = latest_difference(own, municipality); d.year, round(d.difference, 2), d.significant
    (2024, 0.1, True)
    >>> latest_difference(own.assign(lower=float("nan"), upper=float("nan")), municipality).significant is None
    True
    """
    shown = pd.concat([own, reference])
    years = shown.loc[shown["value"].notna() | shown["suppressed"].astype(bool), "school_year"]
    if years.empty:
        return None
    year = int(years.max())
    mine, theirs = _row(own, year), _row(reference, year)
    return Difference(
        year=year,
        value=float(mine["value"]) if pd.notna(mine["value"]) else math.nan,
        suppression=mine.get("suppression"),
        reference=float(theirs["value"]) if pd.notna(theirs["value"]) else math.nan,
        reference_suppression=theirs.get("suppression"),
        significant=uncertainty.significant(mine["lower"], mine["upper"], theirs["lower"], theirs["upper"]),
    )


def other_municipalities(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, indicator_ids: tuple[str, ...], kommune: int
) -> pd.DataFrame:
    """For each indicator, in the latest school year any municipality has a value: the own municipality's
    value, the median of the other municipalities' values and how many they are.

    Confidential (test) indicators have no other municipalities: the engine keeps them to the own one.
    """
    rows = []
    for indicator_id in indicator_ids:
        values = engine.compute(con, viewer, indicator_id, levels=("municipality",), subjects="all", grades="all")
        values = values[values["value"].notna() & ~values["suppressed"].astype(bool)]
        if values.empty:
            continue
        year = int(values["school_year"].max())
        values = values[values["school_year"] == year]
        own = values["unit_id"].astype(str) == str(kommune)
        others = values.loc[~own, "value"]
        rows.append(
            {
                "indicator": indicator_id,
                "school_year": year,
                "value": values.loc[own, "value"].iloc[0] if own.any() else math.nan,
                "others_median": others.median() if not others.empty else math.nan,
                "others": len(others),
            }
        )
    return pd.DataFrame(rows, columns=["indicator", "school_year", "value", "others_median", "others"])


# --- the cluster of municipalities and the country --------------------------------------------------------

NATIONAL = "landsplan"  # the unit_id of the country's figures
NATIONAL_NAME = "Landsplan"
# The Klynge page's indicators: every public one that has a municipality value, in catalogue order (never a test
# result: § 55 b; the exams' socio-economic difference is an institution's only, shown per school).
PUBLIC_INDICATORS = tuple(i for i, ind in CATALOGUE.items() if not ind.confidential and ind.pooled)
CLUSTER_COLUMNS = [
    "indicator",
    "unit_id",
    "unit_name",
    "own",
    "school_year",
    "value",
    "lower",
    "upper",
    "interval_kind",
    "suppressed",
    "suppression",
    "n",
    "comparable_group",
    "covered",
    "units",
]


def clusters(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> pd.DataFrame:
    """Every cluster's members (public: who compares with whom), by cluster and municipality name."""
    require_viewer(viewer)
    return con.execute(
        """SELECT c.cluster, c.municipality_code, coalesce(m.name, 'Kommune ' || c.municipality_code) AS name
           FROM clusters c LEFT JOIN municipalities m ON m.code = c.municipality_code ORDER BY c.cluster, name"""
    ).df()


def national_levels(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    indicator_id: str,
    subject: str | None = None,
    grade: int | None = None,
) -> pd.DataFrame:
    """The country's published figures for one indicator (``subject``/``grade`` None or ``all`` = all pooled),
    by school year, shaped as a trend (``school_year``, ``value``, ``n``, ``lower``/``upper`` unknown,
    ``comparable_group``) so that a chart draws it as "Landsplan" beside the municipality's line.

    Public (the ministry publishes them): every viewer may see them."""
    require_viewer(viewer)
    ind = engine.indicator(indicator_id)
    frame = con.execute(
        """SELECT school_year, value, n FROM national_levels
           WHERE indicator = ? AND subject IS NOT DISTINCT FROM ? AND grade IS NOT DISTINCT FROM ?
           ORDER BY school_year""",
        [indicator_id, None if subject in (None, "all") else subject, None if grade in (None, "all") else int(grade)],
    ).df()
    return frame.assign(
        school_year=frame["school_year"].astype(int),
        n=frame["n"].astype("Int64"),
        lower=math.nan,
        upper=math.nan,
        comparable_group=[comparable_group(ind, int(y)) for y in frame["school_year"]],
        # published, so never withheld: the same columns as the engine's rows (a chart's table reads them)
        suppressed=False,
        suppression=None,
    )


def refuse_confidential(indicator_id: str, what: str) -> None:
    """§ 55 b: a test result is never compared across municipalities; asking is refused (and audited)."""
    if engine.indicator(indicator_id).confidential:
        raise AccessDenied(
            f"{CATALOGUE[indicator_id].label} er fortroligt efter folkeskolelovens § 55 b og sammenlignes aldrig "
            "med andre kommuner.",
            what,
        )


def cluster(con: duckdb.DuckDBPyConnection, viewer: Viewer, name: str, indicator_id: str, kommune: int) -> pd.DataFrame:
    """One public indicator for the own municipality, each member of the cluster ``name`` and the country
    (``unit_id`` ``landsplan``), every school year: the municipality's pooled value with its interval.

    A confidential (test) indicator is refused (``AccessDenied``): another municipality's test results are
    never shown, whoever asks. The viewer's scope applies as everywhere (a leader sees no other municipality).
    """
    require_viewer(viewer)
    refuse_confidential(indicator_id, f"klynge:{name}:{indicator_id}")
    rows = con.execute("SELECT municipality_code FROM clusters WHERE cluster = ? ORDER BY 1", [name]).fetchall()
    members = [int(code) for (code,) in rows]
    codes = [int(kommune), *(c for c in members if c != int(kommune))]
    values = engine.compute(con, viewer, indicator_id, levels=("municipality",), subjects="all", grades="all")
    if CATALOGUE[indicator_id].subjects:
        values = values[values["subject"] == "all"]
    values = values[values["unit_id"].isin([str(c) for c in codes])].copy()
    names = dict(con.execute("SELECT code, name FROM municipalities").fetchall())
    values["unit_name"] = [names.get(int(u), f"Kommune {u}") for u in values["unit_id"]]
    values["own"] = values["unit_id"] == str(int(kommune))
    country = national_levels(con, viewer, indicator_id)
    national = pd.DataFrame(
        {
            "indicator": indicator_id,
            "unit_id": NATIONAL,
            "unit_name": NATIONAL_NAME,
            "own": False,
            "interval_kind": None,
            "suppressed": False,
            "suppression": None,
            "covered": pd.NA,
            "units": pd.NA,
        }
        | {c: country[c] for c in ("school_year", "value", "lower", "upper", "n", "comparable_group")}
    )
    order = {str(c): i for i, c in enumerate(codes)} | {NATIONAL: len(codes)}
    out = pd.concat([values[CLUSTER_COLUMNS], national[CLUSTER_COLUMNS]], ignore_index=True)
    out = out.assign(_o=out["unit_id"].map(order)).sort_values(["_o", "school_year"]).drop(columns="_o")
    return out.reset_index(drop=True)


def rank_words(rank: int, of: int, tied: bool) -> str:
    """A place in the cluster in words.

    >>> rank_words(3, 7, False), rank_words(1, 7, True)
    ('3. bedst af 7', 'delt 1. bedst af 7')
    """
    return f"{'delt ' if tied else ''}{rank}. bedst af {of}"


def ranks(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """The municipalities' places in one school year of a ``cluster`` frame: best first by the indicator's
    better direction, equal as shown sharing a place (competition ranking: 1, 2, 2, 4); a withheld or missing
    value, and the country, have no place. Columns: unit_id, rank, of, tied, words.
    """
    columns = ["unit_id", "rank", "of", "tied", "words"]
    rows = frame[(frame["school_year"] == year) & (frame["unit_id"] != NATIONAL) & frame["value"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    ind = CATALOGUE[rows["indicator"].iloc[0]]
    shown = rows["value"].map(lambda v: danish.as_shown(v, ind.unit))
    key = -shown if ind.better == "higher" else shown
    rank = key.rank(method="min").astype(int)
    tied = rank.map(rank.value_counts()) > 1
    of = len(rows)
    return (
        pd.DataFrame(
            {
                "unit_id": rows["unit_id"].to_numpy(),
                "rank": rank.to_numpy(),
                "of": of,
                "tied": tied.to_numpy(),
                "words": [rank_words(r, of, t) for r, t in zip(rank, tied)],
            }
        )
        .sort_values("rank", kind="stable")
        .reset_index(drop=True)
    )


def years(frame: pd.DataFrame) -> list[int]:
    """The school years of a ``cluster`` frame in which the own municipality or a member has a value (shown or
    withheld), newest first: the years the Klynge page lets one choose."""
    municipal = frame[(frame["unit_id"] != NATIONAL) & (frame["value"].notna() | frame["suppressed"].astype(bool))]
    return sorted({int(y) for y in municipal["school_year"]}, reverse=True)


def default_year(frame: pd.DataFrame) -> int | None:
    """The school year the Klynge page shows first for one indicator: the latest in which most of the cluster
    has a value (shown or withheld): more than half of the municipalities with any value for the indicator, the
    own one among them when it has any. Failing that, the year in which the most of them do (the latest of equals).

    A council member opens the page to see the own municipality beside the others. A municipality that loads its
    own newer survey before the neighbours' figures are published would otherwise open on a year with no one to
    compare with ("1. bedst af 1"); and a year only a neighbour or two has reached is no comparison either. Every
    year stays choosable.

    >>> frame = pd.DataFrame({"unit_id": ["1", "1", "2", "3", "landsplan"], "own": [True, True, False, False, False],
    ...     "school_year": [2024, 2025, 2024, 2024, 2025], "value": [3.9, 4.1, 3.8, None, 4.0],
    ...     "suppressed": [False, False, False, True, False]})
    >>> years(frame), default_year(frame)  # 2025: the own municipality alone (1 of 3); 2024: all three
    ([2025, 2024], 2024)
    """
    municipal = frame[(frame["unit_id"] != NATIONAL) & (frame["value"].notna() | frame["suppressed"].astype(bool))]
    if municipal.empty:
        return None
    count = municipal.groupby("school_year")["unit_id"].nunique()
    own_years = set(municipal.loc[municipal["own"].astype(bool), "school_year"])
    most = count[(2 * count > municipal["unit_id"].nunique()) & (count.index.isin(own_years) | (not own_years))]
    if not most.empty:
        return int(most.index.max())
    return int(count[count == count.max()].index.max())


def cluster_overview(con: duckdb.DuckDBPyConnection, viewer: Viewer, name: str, kommune: int) -> pd.DataFrame:
    """Every public indicator in its ``default_year`` (the latest most of the cluster has): the own value
    (withheld or not) with its interval, the own place in words, the cluster's members with a value, and the
    country's figure that year."""
    rows = []
    for indicator_id in PUBLIC_INDICATORS:
        frame = cluster(con, viewer, name, indicator_id, kommune)
        year = default_year(frame)
        if year is None:
            continue
        this_year = frame[frame["school_year"] == year]
        own = this_year[this_year["own"]]
        country = this_year.loc[this_year["unit_id"] == NATIONAL, "value"]
        placed = ranks(frame, year)
        own_place = placed.loc[placed["unit_id"] == str(int(kommune)), "words"]
        rows.append(
            {
                "indicator": indicator_id,
                "school_year": year,
                "value": own["value"].iloc[0] if not own.empty else math.nan,
                "lower": own["lower"].iloc[0] if not own.empty else math.nan,
                "upper": own["upper"].iloc[0] if not own.empty else math.nan,
                "suppressed": bool(own["suppressed"].iloc[0]) if not own.empty else False,
                "rank": own_place.iloc[0] if not own_place.empty else None,
                "members": int((this_year["unit_id"] != NATIONAL).sum()),
                "coverage": None
                if own.empty
                else coverage_words(
                    own["covered"].iloc[0],
                    own["units"].iloc[0],
                    own["n"].iloc[0],
                    CATALOGUE[indicator_id].institution_kind,
                ),
                "national": country.iloc[0] if not country.empty else math.nan,
            }
        )
    columns = [
        "indicator",
        "school_year",
        "value",
        "lower",
        "upper",
        "suppressed",
        "rank",
        "members",
        "coverage",
        "national",
    ]
    return pd.DataFrame(rows, columns=columns)


# --- similar schools: the exam average against the socio-economic reference ----------------------------------

# The ministry's verdicts (the exam sheet's "signifikant forskel"), and what each means.
VERDICTS = {
    "Over niveau": "karaktergennemsnittet ligger signifikant over det, elevernes baggrund lader forvente",
    "På niveau": "karaktergennemsnittet afviger ikke signifikant fra det, elevernes baggrund lader forvente",
    "Under niveau": "karaktergennemsnittet ligger signifikant under det, elevernes baggrund lader forvente",
}
SOCIOECONOMIC_NOTE = (
    "Den socioøkonomiske reference er det karaktergennemsnit, skolen kunne forventes at få ud fra elevernes "
    "baggrund (forældrenes uddannelse og indkomst, køn, herkomst m.m.), sammenlignet med elever med samme "
    "baggrund i hele landet. Ministeriet beregner den kun, hvor mindst 5 elever har karakterer."
)


def socioeconomic(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommune: int, institutions: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """Each school's exam average against its socio-economic reference, by school year: the difference and the
    ministry's verdict (``Over niveau`` / ``På niveau`` / ``Under niveau``) with what it means.

    Only where the engine shows the school's difference to this viewer (its scope, at least 5 pupils, and no
    suppression), so the verdict tells nothing the viewer could not see. Columns: institution_id, unit_name,
    school_year, difference, n, verdict, meaning.
    """
    threshold = max(settings.min_n(), 5)  # the ministry's own minimum, and ours when it is larger
    values = engine.compute(
        con,
        viewer,
        "exam_socref_diff",
        kommune=kommune,
        levels=("institution",),
        institutions=None if institutions is None else list(institutions),
    )
    shown = values[values["value"].notna() & ~values["suppressed"].astype(bool) & (values["n"].fillna(0) >= threshold)]
    verdicts = con.execute(
        "SELECT institution_id, school_year, socref_verdict FROM exam_grades WHERE list_contains(?, institution_id)",
        [sorted(set(shown["institution_id"]))],
    ).df()
    out = shown.merge(verdicts, on=["institution_id", "school_year"], how="left")
    out = out[out["socref_verdict"].notna()]
    return pd.DataFrame(
        {
            "institution_id": out["institution_id"],
            "unit_name": out["unit_name"],
            "school_year": out["school_year"].astype(int),
            "difference": out["value"].astype(float),
            "n": out["n"],
            "verdict": out["socref_verdict"],
            "meaning": out["socref_verdict"].map(VERDICTS),
        }
    ).reset_index(drop=True)


def socioeconomic_words(row) -> str:
    """``Over niveau (+0,4): karaktergennemsnittet ligger signifikant over ...`` for a ``socioeconomic`` row."""
    return f"{row['verdict']} ({danish.change(row['difference'], 'grade')}): {row['meaning']}"


# --- coverage: how much of the unit a pooled value covers ----------------------------------------------------

_KIND_WORDS = {"skole": ("skole", "skoler"), "dagtilbud": ("dagtilbud", "dagtilbud")}


def coverage_words(covered, units, n, kind: str = "skole") -> str | None:
    """What a pooled value covers, where it is not the whole unit (None when complete or unknown).

    >>> coverage_words(7, 9, 1200), coverage_words(9, 9, 1500), coverage_words(1, 9, None)
    ('7 af 9 skoler', None, 'kun 1 af 9 skoler, med ukendt antal besvarelser: den ene skoles tal, ikke hele enhedens')
    """
    if covered is None or units is None or pd.isna(covered) or pd.isna(units) or int(covered) >= int(units):
        return None
    one, many = _KIND_WORDS.get(kind, ("institution", "institutioner"))
    words = f"{int(covered)} af {int(units)} {many}"
    if int(covered) == 1 and (n is None or pd.isna(n)):
        return f"kun {words}, med ukendt antal besvarelser: den ene {one}s tal, ikke hele enhedens"
    return words

"""The indicator catalogue as data (docs/formats.md, "Indicator catalogue").

Everything that decides what an indicator means lives here: its Danish label,
unit, source table, which subjects and test kinds it covers, whether it is
confidential under folkeskoleloven § 55 b, and which direction is better.
Comparability (the scale breaks between 2021/22 and 2022/23 and between 2025/26
and 2026/27, the sample-only 2019/20) is data too, so trends and year-on-year
goals never cross it; so is the caution between 2022/23 and 2023/24.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from core import cells
from core.errors import KvalitetsdialogError

# Subject ids as the export names them, with their Danish labels.
SUBJECTS: dict[str, str] = {
    "dansk_laesning": "Dansk, læsning",
    "matematik": "Matematik",
    "engelsk": "Engelsk",
    "fysik_kemi": "Fysik/kemi",
    "geografi": "Geografi",
    "biologi": "Biologi",
    "dansk_andetsprog": "Dansk som andetsprog",
}
# Other ways the extracts and people write a subject, and the one vocabulary both the loaders' SQL
# (``kv_subject``) and Python (``subject_id``) read: word key -> subject id.
SUBJECT_ALIASES = {"dansk": "dansk_laesning", "læsning": "dansk_laesning", "dansk læsning": "dansk_laesning"}
SUBJECT_WORDS: dict[str, str] = cells.vocabulary(SUBJECTS, SUBJECT_ALIASES)


def subject_id(text: str) -> str | None:
    """A subject id from an id, a Danish name or an alias, however it is spelled; None when unknown.

    >>> subject_id("Dansk, læsning"), subject_id("dansk_laesning"), subject_id("FYSIK/KEMI"), subject_id("tysk")
    ('dansk_laesning', 'dansk_laesning', 'fysik_kemi', None)
    """
    return SUBJECT_WORDS.get(cells.word_key(text))


# The six performance levels of the old national tests, lowest first.
LEVELS: dict[int, str] = {
    1: "Ikke tilstrækkelig",
    2: "Mangelfuld",
    3: "Jævn",
    4: "God",
    5: "Rigtig god",
    6: "Fremragende",
}
GOOD_LEVELS = (4, 5, 6)
POOR_LEVELS = (1, 2)
# "Most able" = Fremragende is the usual reading, not stated by the ministry: configurable here.
TOP_LEVELS = (6,)


@dataclass(frozen=True)
class TestKind:
    """A national test generation with its own, incomparable scale."""

    id: str
    label: str
    first_year: int
    last_year: int | None
    non_comparable_years: tuple[int, ...] = ()


TEST_KINDS: dict[str, TestKind] = {
    "national_test": TestKind("national_test", "Nationale test", 2010, 2021, non_comparable_years=(2019,)),
    "overgangstest": TestKind("overgangstest", "Nationale overgangstest", 2022, 2025),
    # Its result scale is not yet published: points out of the maximum (and a level where an extract has one).
    "faerdighedstest": TestKind("faerdighedstest", "Færdighedstest", 2026, None),
}
_LEVEL_KINDS = tuple(TEST_KINDS)  # every test kind may carry the six levels, each on its own scale
# Years of one test kind that were tested at different times of the year: compared only with a caution.
CAUTION_YEARS: dict[str, tuple[int, ...]] = {"overgangstest": (2022, 2023)}
CAUTION = "Sammenlign med forsigtighed: 2022/23 og 2023/24 blev testet på forskellige tidspunkter af skoleåret."


def default_test_kind(school_year: int) -> str | None:
    """The test kind a school year's results belong to when the extract does not say."""
    for kind in TEST_KINDS.values():
        if kind.first_year <= school_year and (kind.last_year is None or school_year <= kind.last_year):
            return kind.id
    return None


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str  # Danish, as the pages show it
    unit: str  # share | score | scale5 | grade
    source: str  # table it is computed from
    better: str  # higher | lower
    confidential: bool = False  # § 55 b: national and transition tests
    subjects: tuple[str, ...] = ()  # subject ids it applies to; () = no subject dimension
    test_kinds: tuple[str, ...] = ()  # the test kinds it is computed for, each on its own scale
    has_grades: bool = False  # can be split and filtered by grade
    # 'all' grades pools the grades from this one up; a lower grade's value is shown apart, never pooled
    # (well-being: the five indicators exist for grades 4-9; grades 0-3 answer a shorter survey).
    grades_from: int = 0
    pooled: bool = True  # False: institution level only (never pooled)
    description: str = ""
    # The 95 % interval the engine attaches: "wilson" (a share of independent pupils or children),
    # "t" (a mean, only where pupil-level spread is known), "assumed_sd" (a mean whose pupil-level
    # spread is assumed, see ``assumed_sd``), None (no spread known: no interval).
    interval: str | None = None
    # The assumed pupil-level standard deviation for interval "assumed_sd" (overridable, see assumed_sd).
    sd: float | None = None
    # A reference drawn on the charts, not a goal: competence coverage's 95 % of the hours was a national aim
    # (by 2020) that has since been relaxed, so it is shown as "tidligere nationalt mål".
    reference: float | None = None

    @property
    def institution_kind(self) -> str:
        """The kind of institution its values come from: ``dagtilbud`` (language assessments) or ``skole``."""
        return "dagtilbud" if self.source == "language_assessments" else "skole"


# The pupil-level standard deviation of a well-being indicator score (1-5 scale). An ASSUMPTION, not a
# published figure: the extracts carry no spread, and 0.6 is a cautious round value for a pupil's mean
# of several 1-5 items. A municipality that has pupil-level data can compute its own and set it with
# KVALITETSDIALOG_WB_SD (see ``assumed_sd``). Intervals built from it are marked approximate.
WELLBEING_SD = 0.6
WELLBEING_GRADES_FROM = 4  # grades 0-3 (indskolingen) answer 20 simpler questions: another measure
INDSKOLING = "Indskoling (0.-3. klasse)"
WB_SD_ENV = "KVALITETSDIALOG_WB_SD"

_LEVEL_SUBJECTS = ("dansk_laesning", "matematik")
_ALL_SUBJECTS = tuple(SUBJECTS)

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "nt_share_good",
        "Andel gode (nationale test)",
        "share",
        "tests",
        "higher",
        True,
        _LEVEL_SUBJECTS,
        _LEVEL_KINDS,
        True,
        interval="wilson",
        description="Elever på niveau God eller bedre / testede elever med et niveau",
    ),
    Indicator(
        "nt_share_top",
        "Andel fremragende (nationale test)",
        "share",
        "tests",
        "higher",
        True,
        _LEVEL_SUBJECTS,
        _LEVEL_KINDS,
        True,
        interval="wilson",
        description="Elever på niveau Fremragende / testede elever med et niveau",
    ),
    Indicator(
        "nt_share_poor",
        "Andel med dårlige resultater (nationale test)",
        "share",
        "tests",
        "lower",
        True,
        _LEVEL_SUBJECTS,
        _LEVEL_KINDS,
        True,
        interval="wilson",
        description="Elever på niveau Ikke tilstrækkelig eller Mangelfuld / testede elever med et niveau",
    ),
    Indicator(
        "nt_mean_score",
        "Gennemsnitlig normbaseret score (nationale test)",
        "score",
        "tests",
        "higher",
        True,
        _ALL_SUBJECTS,
        ("national_test",),
        True,
        interval="t",
        description="Gennemsnit af den normbaserede score (1-100)",
    ),
    Indicator(
        "tt_mean_correct",
        "Andel korrekte svar (overgangstest)",
        "share",
        "tests",
        "higher",
        True,
        _LEVEL_SUBJECTS,
        ("overgangstest",),
        True,
        interval="t",
        description="Gennemsnit af point / maksimale point",
    ),
    Indicator(
        "ft_mean_correct",
        "Andel korrekte svar (færdighedstest)",
        "share",
        "tests",
        "higher",
        True,
        _LEVEL_SUBJECTS,
        ("faerdighedstest",),
        True,
        interval="t",
        description="Gennemsnit af point / maksimale point (færdighedstest fra 2026/27, sin egen skala)",
    ),
    Indicator(
        "wb_social",
        "Social trivsel",
        "scale5",
        "wellbeing",
        "higher",
        has_grades=True,
        grades_from=WELLBEING_GRADES_FROM,
        interval="assumed_sd",
        sd=WELLBEING_SD,
        description="Trivselsmålingens indikator (1-5) for 4.-9. klasse, vægtet med antal besvarelser",
    ),
    Indicator(
        "wb_academic",
        "Faglig trivsel",
        "scale5",
        "wellbeing",
        "higher",
        has_grades=True,
        grades_from=WELLBEING_GRADES_FROM,
        interval="assumed_sd",
        sd=WELLBEING_SD,
        description="Trivselsmålingens indikator (1-5) for 4.-9. klasse, vægtet med antal besvarelser",
    ),
    Indicator(
        "wb_support",
        "Støtte og inspiration",
        "scale5",
        "wellbeing",
        "higher",
        has_grades=True,
        grades_from=WELLBEING_GRADES_FROM,
        interval="assumed_sd",
        sd=WELLBEING_SD,
        description="Trivselsmålingens indikator (1-5) for 4.-9. klasse, vægtet med antal besvarelser",
    ),
    Indicator(
        "wb_order",
        "Ro og orden",
        "scale5",
        "wellbeing",
        "higher",
        has_grades=True,
        grades_from=WELLBEING_GRADES_FROM,
        interval="assumed_sd",
        sd=WELLBEING_SD,
        description="Trivselsmålingens indikator (1-5) for 4.-9. klasse, vægtet med antal besvarelser",
    ),
    Indicator(
        "wb_general",
        "Generel skoletrivsel",
        "scale5",
        "wellbeing",
        "higher",
        has_grades=True,
        grades_from=WELLBEING_GRADES_FROM,
        interval="assumed_sd",
        sd=WELLBEING_SD,
        description="Trivselsmålingens indikator (1-5) for 4.-9. klasse, vægtet med antal besvarelser",
    ),
    Indicator(
        "la_share_general",
        "Andel i generel indsats (sprogvurdering)",
        "share",
        "language_assessments",
        "higher",
        interval="wilson",
        description="Børn i generel indsats / vurderede børn",
    ),
    Indicator(
        "la_share_focused",
        "Andel i fokuseret indsats (sprogvurdering)",
        "share",
        "language_assessments",
        "lower",
        interval="wilson",
        description="Børn i fokuseret indsats / vurderede børn",
    ),
    Indicator(
        "la_share_special",
        "Andel i særlig indsats (sprogvurdering)",
        "share",
        "language_assessments",
        "lower",
        interval="wilson",
        description="Børn i særlig indsats / vurderede børn",
    ),
    Indicator(
        "abs_mean_pct",
        "Gennemsnitligt elevfravær",
        "share",
        "absence",
        "lower",
        has_grades=True,
        description="Fravær i alt, vægtet med antal elever",
    ),
    Indicator(
        "abs_share_over_10",
        "Andel elever med over 10 % fravær",
        "share",
        "absence",
        "lower",
        has_grades=True,
        interval="wilson",
        description="Elever med mere end 10 % fravær / elever",
    ),
    Indicator(
        "exam_mean",
        "Karaktergennemsnit ved 9.-klasseprøverne",
        "grade",
        "exam_grades",
        "higher",
        description="Karaktergennemsnit, vægtet med antal elever",
    ),
    Indicator(
        "exam_socref_diff",
        "Forskel til socioøkonomisk reference",
        "grade",
        "exam_grades",
        "higher",
        pooled=False,
        description="Karaktergennemsnit minus den socioøkonomiske reference",
    ),
    Indicator(
        "tr_share_3m",
        "Andel i gang med ungdomsuddannelse efter 3 mdr.",
        "share",
        "youth_transition",
        "higher",
        interval="wilson",
        description="Elever i gang med en ungdomsuddannelse 3 måneder efter 9. klasse",
    ),
    Indicator(
        "tr_share_15m",
        "Andel i gang med ungdomsuddannelse efter 15 mdr.",
        "share",
        "youth_transition",
        "higher",
        interval="wilson",
        description="Elever i gang med en ungdomsuddannelse 15 måneder efter 9. klasse",
    ),
    Indicator(
        "comp_coverage",
        "Kompetencedækning",
        "share",
        "competence",
        "higher",
        reference=0.95,
        description="Timer med undervisningskompetence / planlagte timer",
    ),
)

CATALOGUE: dict[str, Indicator] = {i.id: i for i in INDICATORS}

# The status report's areas (and the Institution page's), in the report's order: (title, indicator ids).
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Nationale test", ("nt_share_good", "nt_share_top", "nt_share_poor", "nt_mean_score")),
    ("Overgangstest", ("tt_mean_correct",)),
    ("Færdighedstest", ("ft_mean_correct",)),
    ("Trivsel", ("wb_general", "wb_social", "wb_academic", "wb_support", "wb_order")),
    ("Sprogvurdering", ("la_share_general", "la_share_focused", "la_share_special")),
    ("Fravær", ("abs_mean_pct", "abs_share_over_10")),
    ("Karakterer", ("exam_mean", "exam_socref_diff")),
    ("Overgang til ungdomsuddannelse", ("tr_share_3m", "tr_share_15m")),
    ("Kompetencedækning", ("comp_coverage",)),
)


def assumed_sd(indicator: Indicator) -> float | None:
    """The pupil-level standard deviation assumed for an ``assumed_sd`` interval (None: no such interval).

    ``KVALITETSDIALOG_WB_SD`` overrides the catalogue: one number for every indicator that has an
    assumed spread (``0.55``), or per indicator (``wb_social=0.5,wb_general=0.45``; the others keep
    the catalogue value).

    >>> assumed_sd(CATALOGUE["wb_general"]), assumed_sd(CATALOGUE["abs_mean_pct"])
    (0.6, None)
    """
    if indicator.interval != "assumed_sd":
        return None
    raw = os.environ.get(WB_SD_ENV, "").strip()
    if not raw:
        return indicator.sd
    if "=" not in raw:
        return _sd_number(raw)
    for part in raw.split(","):
        key, _, value = part.partition("=")
        if key.strip() not in CATALOGUE or CATALOGUE[key.strip()].interval != "assumed_sd":
            raise KvalitetsdialogError(
                f"{WB_SD_ENV}: '{key.strip()}' er ikke en trivselsindikator (fx wb_general).", "Ugyldig indstilling"
            )
        if key.strip() == indicator.id:
            return _sd_number(value)
    return indicator.sd


def _sd_number(text: str) -> float:
    sd = cells.number(text)
    if sd is None or not 0 < sd < 4:  # on a 1-5 scale no standard deviation reaches 4
        raise KvalitetsdialogError(
            f"{WB_SD_ENV}: '{text.strip()}' er ikke en standardafvigelse mellem 0 og 4.", "Ugyldig indstilling"
        )
    return sd


def comparable_group(indicator: Indicator, year: int) -> str:
    """The group of school years whose values of an indicator lie on one scale.

    Values in different groups are never compared or joined by a line: each test
    kind is its own group (a year belongs to the test kind of its time), and a
    non-comparable year (2019/20) is a group of its own.

    >>> good = CATALOGUE["nt_share_good"]
    >>> comparable_group(good, 2018), comparable_group(good, 2019), comparable_group(good, 2022), comparable_group(good, 2026)
    ('national_test', 'national_test_2019', 'overgangstest', 'faerdighedstest')
    >>> comparable_group(CATALOGUE["wb_social"], 2019)
    'all'
    """
    if not indicator.test_kinds:
        return "all"
    kind_id = default_test_kind(year)
    if kind_id not in indicator.test_kinds:
        return f"none_{year}"  # the indicator has no scale that year
    kind = TEST_KINDS[kind_id]
    if year in kind.non_comparable_years:
        return f"{kind.id}_{year}"
    return kind.id


def comparable(indicator: Indicator, year_a: int, year_b: int) -> bool:
    """Whether two school years' values of an indicator may be compared or joined by a line.

    >>> good = CATALOGUE["nt_share_good"]
    >>> comparable(good, 2018, 2020), comparable(good, 2018, 2019), comparable(good, 2021, 2022), comparable(good, 2022, 2024)
    (True, False, False, True)
    """
    group = comparable_group(indicator, year_a)
    return not group.startswith("none_") and group == comparable_group(indicator, year_b)


def caution(indicator: Indicator, year_a: int, year_b: int) -> str | None:
    """The caution to print where two comparable years are compared (2022/23 against 2023/24), else None.

    >>> caution(CATALOGUE["tt_mean_correct"], 2023, 2022) == CAUTION, caution(CATALOGUE["tt_mean_correct"], 2023, 2024)
    (True, None)
    """
    if year_a == year_b or not comparable(indicator, year_a, year_b):
        return None
    for kind in indicator.test_kinds:
        if {year_a, year_b} <= set(CAUTION_YEARS.get(kind, ())):
            return CAUTION
    return None


def caution_in(indicator: Indicator, years) -> str | None:
    """The caution for a series of years (a trend chart, a report table): when any two of them need it."""
    ys = sorted({int(y) for y in years})
    return next((c for a in ys for b in ys if a < b and (c := caution(indicator, a, b))), None)

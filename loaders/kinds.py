"""Every kind and shape of extract (docs/formats.md), declared as data.

A ``Shape`` lists its columns (canonical name, Danish label, aliases, cell
type), the columns that identify it, extra checks (``Rule``: a SQL condition
over the staged row that is true when the row is wrong), the keys that must be
unique, the table it loads into and what a corrected extract replaces.

Rule conditions and output expressions read the staged values: ``v_name`` is a
column's value and ``m_name`` whether its cell is missing (``loaders.staging``);
a column whose type has a kind of value (``KINDS_OF_VALUE``) also ``k_name``.
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators.catalogue import LEVELS, SUBJECTS
from indicators.goals import FIELDS as GOAL_FIELDS
from loaders.cells import WELLBEING_INDICATORS


@dataclass(frozen=True)
class Col:
    name: str
    label: str  # as docs/formats.md and the user call it
    aliases: tuple[str, ...] = ()
    type: str = "text"  # a key of TYPES
    required: bool = True  # the column must be in the file
    needed: bool = False  # every row must have a value in it
    named_by: str | None = None  # a municipality code: the column of the same file that names a new code


@dataclass(frozen=True)
class Rule:
    """A check: rows where ``condition`` is true fail with ``message`` (``{value}`` = the cell)."""

    name: str
    column: str
    condition: str
    message: str


@dataclass(frozen=True)
class Unique:
    """Rows sharing these columns' values are duplicates (every one after the first is reported)."""

    name: str
    columns: tuple[str, ...]
    report: str  # the column the problem is reported on
    message: str  # ``{first}`` = the row it repeats


@dataclass(frozen=True)
class Shape:
    kind: str
    shape: str
    label: str  # Danish, for the import log
    columns: tuple[Col, ...]
    detect: tuple[str, ...]  # present together only in this shape
    table: str
    output: tuple[tuple[str, str], ...]  # (table column, SQL over the staged rows)
    scope: tuple[str, ...] = ("school_year", "institution_id")
    rules: tuple[Rule, ...] = ()
    unique: tuple[Unique, ...] = ()
    detect_any: tuple[str, ...] = ()  # at least one of these must be present too
    ignored: tuple[str, ...] = ()  # known columns not needed (no warning)

    def column(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


# Cell type -> (SQL giving the value from the text cell {c}, message when the cell is unreadable).
TYPES: dict[str, tuple[str, str | None]] = {
    "text": ("kv_text({c})", None),
    "int": ("kv_int({c})", "'{value}' er ikke et helt tal"),
    "num": ("kv_num({c})", "'{value}' er ikke et tal"),
    "pct": ("kv_num({c}) / 100", "'{value}' er ikke en procentsats (fx 12,5 eller 12,5 %)"),
    "year": ("kv_year({c})", "'{value}' er ikke et skoleår; skriv det som 2024/2025 eller 2024/25"),
    "period": (
        "coalesce(kv_year({c}), kv_calendar_year({c}))",
        "'{value}' er hverken et kalenderår (fx 2025) eller et skoleår (fx 2024/2025 eller 2024/25)",
    ),
    "grade": ("kv_grade({c})", "'{value}' er ikke et klassetrin; skriv fx 2, 2. eller 2. klasse"),
    "level": (
        "kv_level({c})",
        "'{value}' er ikke et præstationsniveau; brug " + ", ".join(LEVELS.values()) + " eller 1-6",
    ),
    "subject": ("kv_subject({c})", "ukendt fag '{value}'; brug " + ", ".join(SUBJECTS.values())),
    "test_kind": (
        "kv_test_kind({c})",
        "ukendt testtype '{value}'; brug national test, overgangstest eller færdighedstest",
    ),
    "wellbeing": (
        "kv_wellbeing({c})",
        "ukendt trivselsindikator '{value}'; brug " + ", ".join(WELLBEING_INDICATORS.values()),
    ),
    "school_kind": ("kv_school_kind({c})", "'{value}' er ikke en institutionstype; brug skole eller dagtilbud"),
    "verdict": ("kv_verdict({c})", "'{value}' er ikke Over niveau, På niveau eller Under niveau"),
    "indicator": ("kv_indicator({c})", "ukendt indikator '{value}'; brug et id eller navn fra indikatorkataloget"),
    "institution": ("kv_text({c})", None),  # must exist in the institution table
    "municipality": ("kv_int({c})", "'{value}' er ikke en kommunekode"),
}

# Cell type -> SQL over the trimmed text cell {c} giving what kind of value it held (as ``k_name``).
KINDS_OF_VALUE = {"period": "CASE WHEN kv_year({c}) IS NOT NULL THEN 'school_year' ELSE 'calendar_year' END"}

UNKNOWN_INSTITUTION = (
    "institutionen '{value}' findes ikke i institutionstabellen; "
    "indlæs institutionsregistret (eller kommunens institutionsliste) først"
)
UNKNOWN_MUNICIPALITY = "kommunekoden '{value}' findes ikke i kommunetabellen"
# ``{column}``: the file's name for the column that could have named the code (``Col.named_by``).
UNNAMED_MUNICIPALITY = UNKNOWN_MUNICIPALITY + ", og filen giver den intet navn i kolonnen '{column}'"
UNNAMED_ELSEWHERE = UNKNOWN_MUNICIPALITY + "; indlæs institutionsregistret, der navngiver den, først"


# --- reusable columns -----------------------------------------------------------------


def _institution(**kw) -> Col:
    return Col(
        "institution",
        "institutionsnummer",
        ("institutionsnummer", "inst_nr", "instnr", "skole_id", "institutions_id", "institution_id", "institutionsnr"),
        "institution",
        needed=True,
        **kw,
    )


def _year(**kw) -> Col:
    return Col("school_year", "skoleår", ("skoleår", "school_year", "skoleaar"), "year", needed=True, **kw)


def _grade(required: bool = True, needed: bool = True) -> Col:
    return Col(
        "grade",
        "klassetrin",
        ("klassetrin", "klasse_trin", "grade", "klassetrin_nr"),
        "grade",
        required=required,
        needed=needed,
    )


def _count(name: str, label: str, *aliases: str, required: bool = True, needed: bool = False) -> Col:
    return Col(name, label, (label, *aliases), "int", required=required, needed=needed)


def _pct(name: str, label: str, *aliases: str, required: bool = True) -> Col:
    return Col(name, label, (label, *aliases), "pct", required=required)


def _non_negative(*names: str) -> tuple[Rule, ...]:
    return tuple(Rule(f"{n}_non_negative", n, f"v_{n} < 0", "antallet kan ikke være negativt") for n in names)


def _percent_range(*names: str) -> tuple[Rule, ...]:
    return tuple(
        Rule(f"{n}_range", n, f"v_{n} NOT BETWEEN 0 AND 1", "'{value}' ligger ikke mellem 0 og 100 %") for n in names
    )


_GRADE_RANGE = Rule(
    "grade_range", "grade", "v_grade NOT BETWEEN 0 AND 10", "klassetrin '{value}' ligger ikke mellem 0 og 10"
)
_INSTITUTION_NAME = Col(
    "institution_name",
    "institution",
    ("institution", "institutionsnavn", "skole", "skolenavn", "inst_navn", "navn"),
    required=False,
)


def _unique(*columns: str, what: str) -> Unique:
    return Unique("duplicate_key", columns, columns[0], f"{what} optræder to gange (også i række {{first}})")


def _plain(*names: str) -> tuple[tuple[str, str], ...]:
    """Output columns named like the staged columns, except institution -> institution_id."""
    return tuple(("institution_id" if n == "institution" else n, f"v_{n}") for n in names)


# --- institutions ---------------------------------------------------------------------

_REGISTER_EXTRA = (
    "INST_ADR",
    "POSTNR",
    "POSTDISTRIKT",
    "TLF_NR",
    "E_MAIL",
    "WEB_ADR",
    "INST_TYPE_NR",
    "INST_TYPE_GRUPPE",
    "INST_LEDER",
    "CVR_NR",
    "P_NR",
    "EJERKODE",
    "EJER_KODE",
    "BEL_REGION",
    "BEL_REGION_NAVN",
    "ADM_KOMMUNE",
    "ADM_KOMMUNE_NAVN",
    "ENHEDSART_NR",
    "HOVEDSKOLE_NAVN",
    "OPRETTET_DATO",
    "AENDRET_DATO",
    "SENEST_AENDRET",
    "NEDLAGT_DATO",
    "UNDERV_NIV",
    "VEJKODE",
    "INST_TYPE_KODE",
    "KOMMUNE_NR",
    "KOMMUNE_NAVN",
    "REGION_NR",
    "REGION_NAVN",
    "ADRESSE",
    "TELEFON",
    "EMAIL",
    "LEDER",
)

REGISTER = Shape(
    "institutions",
    "register",
    "institutionsregistret",
    (
        Col("institution", "INST_NR", ("inst_nr",), "text", needed=True),
        Col("name", "INST_NAVN", ("inst_navn",), needed=True),
        Col("unit_type", "ENHEDSART", ("enhedsart",), required=False),
        Col("parent", "HOVEDSKOLE_INST", ("hovedskole_inst",), required=False),
        Col("institution_type", "INST_TYPE_NAVN", ("inst_type_navn",), required=False),
        # The register is the authority on municipality codes: it names codes beyond the built-in table
        # (411 Christiansø), and those are added to it (loaders.importer).
        Col(
            "municipality",
            "BEL_KOMMUNE",
            ("bel_kommune",),
            "municipality",
            required=False,
            named_by="municipality_name",
        ),
        Col("municipality_name", "BEL_KOMMUNE_NAVN", ("bel_kommune_navn",), required=False),
        Col("owner", "EJERKODE_NAVN", ("ejerkode_navn",), required=False),
        Col("latitude", "GEO_BREDDE_GRAD", ("geo_bredde_grad",), "num", required=False),
        Col("longitude", "GEO_LAENGDE_GRAD", ("geo_laengde_grad",), "num", required=False),
    ),
    detect=("institution", "name"),
    table="institutions",
    output=(
        ("institution_id", "v_institution"),
        ("name", "v_name"),
        ("kind", "'skole'"),
        ("municipality_code", "v_municipality"),
        ("parent_id", "v_parent"),
        ("unit_type", "v_unit_type"),
        ("institution_type", "v_institution_type"),
        ("owner", "v_owner"),
        ("latitude", "v_latitude"),
        ("longitude", "v_longitude"),
    ),
    scope=("institution_id",),
    rules=(
        Rule(
            "inst_nr_digits",
            "institution",
            "NOT regexp_full_match(v_institution, '[0-9]{6}')",
            "'{value}' er ikke et 6-cifret institutionsnummer",
        ),
    ),
    unique=(_unique("institution", what="institutionsnummeret"),),
    ignored=_REGISTER_EXTRA,
)

OWN_LIST = Shape(
    "institutions",
    "kommunens liste",
    "kommunens institutionsliste",
    (
        Col(
            "institution",
            "institution_id",
            ("institution_id", "institutions_id", "id", "institutionsnummer"),
            needed=True,
        ),
        Col("name", "navn", ("name", "navn"), needed=True),
        Col("kind", "type", ("kind", "type"), "school_kind", needed=True),
        Col(
            "municipality",
            "kommunekode",
            ("municipality_code", "kommunekode", "kommune"),
            "municipality",
            required=False,
        ),
        Col("district", "distrikt", ("district", "distrikt", "område"), required=False),
        Col("parent", "hovedinstitution", ("parent_id", "hovedinstitution"), required=False),
    ),
    detect=("institution", "name", "kind"),
    table="institutions",
    output=(
        ("institution_id", "v_institution"),
        ("name", "v_name"),
        ("kind", "v_kind"),
        ("municipality_code", "v_municipality"),
        ("district", "v_district"),
        ("parent_id", "v_parent"),
    ),
    scope=("institution_id",),
    unique=(_unique("institution", what="institutions-id'et"),),
)

# --- national tests -------------------------------------------------------------------

# "profilområde" names the subject in some extracts, the profile area in others: a file with a subject column
# beside it has profile areas (loaders.staging.match tries a column's names in this order).
_SUBJECT = Col("subject", "fag", ("fag", "testfag", "subject", "profilområde"), "subject", needed=True)
_PROFILE_AREA = Col("profile_area", "profilområde", ("profilområde", "delområde", "profile_area"), required=False)
_TEST_KIND = Col("test_kind", "testtype", ("testtype", "test_kind"), "test_kind", required=False)
_NO_DEFAULT_KIND = Rule(
    "test_kind_default",
    "test_kind",
    "v_test_kind IS NULL AND v_school_year IS NOT NULL AND kv_default_test_kind(v_school_year) IS NULL",
    "testtypen mangler, og skoleåret har ingen standardtesttype; angiv testtype",
)
_TEST_KIND_OUT = ("test_kind", "coalesce(v_test_kind, kv_default_test_kind(v_school_year))")

PUPIL_TESTS = Shape(
    "national_tests",
    "elevniveau",
    "nationale test, elevniveau",
    (
        Col("pupil", "elev_id", ("elev_id", "elevnøgle", "pupil_id", "elevid", "elev"), needed=True),
        _institution(),
        _year(),
        _grade(),
        Col("class", "klasse", ("klasse", "class"), required=False),
        _SUBJECT,
        _PROFILE_AREA,
        _TEST_KIND,
        Col("level", "præstationsniveau", ("præstationsniveau", "niveau", "level"), "level", required=False),
        Col("score", "score", ("score", "normbaseret score", "percentil"), "num", required=False),
        Col("points", "point", ("point", "antal korrekte", "points"), "num", required=False),
        Col("max_points", "maks point", ("maks point", "max_point", "max point", "maks_point"), "num", required=False),
    ),
    detect=("pupil", "institution", "subject"),
    table="test_pupil_results",
    output=(("pupil_key", "v_pupil"),)
    + _plain("institution", "school_year", "grade", "class", "subject")
    + (_TEST_KIND_OUT,)
    + _plain("level", "score", "points", "max_points", "profile_area"),
    scope=("school_year", "institution_id", "subject"),
    rules=(
        _GRADE_RANGE,
        _NO_DEFAULT_KIND,
        Rule("score_range", "score", "v_score NOT BETWEEN 1 AND 100", "scoren '{value}' ligger ikke mellem 1 og 100"),
        Rule("points_non_negative", "points", "v_points < 0", "point kan ikke være negative"),
        Rule("points_above_max", "points", "v_points > v_max_points", "point '{value}' er flere end maks point"),
        Rule(
            "profile_area_kind",
            "profile_area",
            "v_profile_area IS NOT NULL AND coalesce(v_test_kind, kv_default_test_kind(v_school_year)) = 'national_test'",
            "profilområdet '{value}' hører til en overgangstest eller færdighedstest, ikke de gamle nationale test",
        ),
    ),
    unique=(
        Unique(
            "tested_twice",
            ("pupil", "subject", "school_year", "profile_area"),
            "pupil",
            "eleven '{value}' er testet to gange i samme fag og skoleår (også i række {first})",
        ),
    ),
)

_LEVEL_COLUMNS = tuple(
    Col(f"level_{n}", name.lower(), (name.lower(), f"level_{n}", f"niveau {n}"), "int", required=False)
    for n, name in LEVELS.items()
)
_LEVEL_SUM = " + ".join(f"v_level_{n}" for n in LEVELS)
_LEVEL_KNOWN = " + ".join(f"coalesce(v_level_{n}, 0)" for n in LEVELS)

AGGREGATED_TESTS = Shape(
    "national_tests",
    "aggregeret",
    "nationale test, aggregeret",
    (
        _institution(),
        _year(),
        _grade(),
        _SUBJECT,
        _TEST_KIND,
        _count("n_tested", "antal testede", "n_tested", "testede", needed=True),
        *_LEVEL_COLUMNS,
        Col(
            "mean_score",
            "gennemsnitlig score",
            ("gennemsnitlig score", "mean_score", "gns score", "gennemsnitlig normbaseret score"),
            "num",
            required=False,
        ),
    ),
    detect=("institution", "subject", "n_tested"),
    table="test_aggregates",
    output=_plain("institution", "school_year", "grade", "subject")
    + (_TEST_KIND_OUT,)
    + _plain("n_tested", *(f"level_{n}" for n in LEVELS), "mean_score"),
    scope=("school_year", "institution_id", "subject"),
    rules=(
        _GRADE_RANGE,
        _NO_DEFAULT_KIND,
        *_non_negative("n_tested", *(f"level_{n}" for n in LEVELS)),
        Rule(
            "levels_sum",
            "n_tested",
            f"({_LEVEL_SUM}) IS NOT NULL AND ({_LEVEL_SUM}) <> v_n_tested "
            f"OR ({_LEVEL_SUM}) IS NULL AND ({_LEVEL_KNOWN}) > v_n_tested",
            "antal testede '{value}' passer ikke med summen af antallene på de seks niveauer",
        ),
        Rule(
            "mean_score_range",
            "mean_score",
            "v_mean_score NOT BETWEEN 1 AND 100",
            "gennemsnitlig score '{value}' ligger ikke mellem 1 og 100",
        ),
    ),
    unique=(
        _unique(
            "institution",
            "school_year",
            "grade",
            "subject",
            "test_kind",
            what="institution, skoleår, klassetrin og fag",
        ),
    ),
)

# --- well-being -----------------------------------------------------------------------

_RESPONDENTS = _count("respondents", "antal besvarelser", "respondenter", "respondents", "besvarelser", required=False)

WELLBEING_LONG = Shape(
    "wellbeing",
    "lang",
    "trivselsmåling, lang form",
    (
        _year(),
        _institution(),
        _INSTITUTION_NAME,
        _grade(required=False, needed=False),
        Col(
            "indicator", "trivselsindikator", ("trivselsindikator", "indikator", "indicator"), "wellbeing", needed=True
        ),
        Col("value", "indikatorsvar", ("indikatorsvar", "værdi", "value", "gennemsnit"), "num"),
        _RESPONDENTS,
    ),
    detect=("institution", "indicator", "value"),
    table="wellbeing",
    output=_plain("institution", "school_year", "grade", "indicator", "value", "respondents"),
    rules=(
        _GRADE_RANGE,
        *_non_negative("respondents"),
        Rule("value_range", "value", "v_value NOT BETWEEN 1 AND 5", "'{value}' ligger ikke mellem 1 og 5"),
    ),
    unique=(
        _unique(
            "institution", "school_year", "grade", "indicator", what="institution, skoleår, klassetrin og indikator"
        ),
    ),
)

_WIDE_INDICATORS = tuple(
    Col(i, label.lower(), (label, *(["generel trivsel"] if i == "general" else [])), "num", required=False)
    for i, label in WELLBEING_INDICATORS.items()
)

WELLBEING_WIDE = Shape(
    "wellbeing",
    "bred",
    "trivselsmåling, bred form",
    (_year(), _institution(), _INSTITUTION_NAME, _grade(required=False, needed=False), *_WIDE_INDICATORS, _RESPONDENTS),
    detect=("institution",),
    detect_any=tuple(WELLBEING_INDICATORS),
    table="wellbeing",
    # One output row per indicator column present (see loaders.staging.output_sql).
    output=_plain("institution", "school_year", "grade")
    + (("indicator", "{indicator_id}"), ("value", "{value}"))
    + _plain("respondents"),
    rules=(
        _GRADE_RANGE,
        *_non_negative("respondents"),
        *(
            Rule(f"{i}_range", i, f"v_{i} NOT BETWEEN 1 AND 5", "'{value}' ligger ikke mellem 1 og 5")
            for i in WELLBEING_INDICATORS
        ),
    ),
    unique=(_unique("institution", "school_year", "grade", what="institution, skoleår og klassetrin"),),
)

# --- daycare and the quality report ---------------------------------------------------

LANGUAGE = Shape(
    "language_assessments",
    "standard",
    "sprogvurdering",
    (
        # A calendar year (2025, as the ministry reports daycare assessments) or a school year.
        Col("school_year", "år", ("år", "skoleår", "school_year", "kalenderår", "year"), "period", needed=True),
        _institution(),
        _INSTITUTION_NAME,
        _count("n_assessed", "antal vurderede", "vurderede", needed=True),
        _count("n_general", "generel indsats"),
        _count("n_focused", "fokuseret indsats"),
        _count("n_special", "særlig indsats"),
        _count("n_enrolled", "antal indskrevne", "indskrevne", "antal børn", required=False),
    ),
    detect=("institution", "n_assessed"),
    table="language_assessments",
    output=_plain("institution", "school_year", "n_assessed", "n_general", "n_focused", "n_special", "n_enrolled")
    + (("period", "k_school_year"),),
    rules=(
        *_non_negative("n_assessed", "n_general", "n_focused", "n_special", "n_enrolled"),
        Rule(
            "enrolled_below_assessed",
            "n_enrolled",
            "v_n_enrolled < v_n_assessed",
            "antal indskrevne '{value}' er færre end antal vurderede",
        ),
        Rule(
            "one_period_kind",
            "school_year",
            "v_school_year IS NOT NULL AND k_school_year <> (SELECT min(k_school_year) FROM vals "
            "WHERE v_school_year IS NOT NULL)",
            "filen blander kalenderår og skoleår; brug det ene eller det andet i hele filen",
        ),
        Rule(
            "parts_sum",
            "n_assessed",
            "(v_n_general + v_n_focused + v_n_special) IS NOT NULL "
            "AND v_n_general + v_n_focused + v_n_special <> v_n_assessed "
            "OR coalesce(v_n_general, 0) + coalesce(v_n_focused, 0) + coalesce(v_n_special, 0) > v_n_assessed",
            "antal vurderede '{value}' passer ikke med summen af generel, fokuseret og særlig indsats",
        ),
    ),
    unique=(_unique("institution", "school_year", what="institution og år"),),
)

ABSENCE = Shape(
    "absence",
    "standard",
    "elevfravær",
    (
        _year(),
        _institution(),
        _INSTITUTION_NAME,
        _grade(required=False, needed=False),
        _count("n_pupils", "antal elever", "elever"),
        _pct("absence_pct", "fravær i alt", "fravær", "samlet fravær"),
        _pct("sick_pct", "sygefravær", required=False),
        _pct("permitted_pct", "fravær med tilladelse", "lovligt fravær", required=False),
        _pct("unlawful_pct", "ulovligt fravær", required=False),
        _pct(
            "share_over_10",
            "andel over 10 % fravær",
            "andel over 10 pct fravær",
            "andel over 10 pct. fravær",
            "andel med over 10 % fravær",
        ),
    ),
    detect=("institution", "absence_pct"),
    table="absence",
    output=_plain(
        "institution",
        "school_year",
        "grade",
        "n_pupils",
        "absence_pct",
        "sick_pct",
        "permitted_pct",
        "unlawful_pct",
        "share_over_10",
    ),
    rules=(
        _GRADE_RANGE,
        *_non_negative("n_pupils"),
        *_percent_range("absence_pct", "sick_pct", "permitted_pct", "unlawful_pct", "share_over_10"),
    ),
    unique=(_unique("institution", "school_year", "grade", what="institution, skoleår og klassetrin"),),
)

EXAM = Shape(
    "exam_grades",
    "standard",
    "karakterer ved 9.-klasseprøverne",
    (
        _year(),
        _institution(),
        _INSTITUTION_NAME,
        _count("n_pupils", "antal elever", "elever"),
        Col("mean_grade", "karaktergennemsnit", ("karaktergennemsnit", "gennemsnit", "mean_grade"), "num"),
        Col("socref", "socioøkonomisk reference", ("socioøkonomisk reference", "socref"), "num", required=False),
        Col("socref_diff", "forskel", ("forskel",), "num", required=False),
        Col("socref_verdict", "signifikant forskel", ("signifikant forskel",), "verdict", required=False),
    ),
    detect=("institution", "mean_grade"),
    table="exam_grades",
    output=_plain("institution", "school_year", "n_pupils", "mean_grade", "socref", "socref_diff", "socref_verdict"),
    rules=(
        *_non_negative("n_pupils"),
        Rule(
            "mean_grade_range",
            "mean_grade",
            "v_mean_grade NOT BETWEEN -3 AND 12",
            "karaktergennemsnittet '{value}' ligger ikke mellem -3 og 12",
        ),
        Rule(
            "socref_range",
            "socref",
            "v_socref NOT BETWEEN -3 AND 12",
            "den socioøkonomiske reference '{value}' ligger ikke mellem -3 og 12",
        ),
    ),
    unique=(_unique("institution", "school_year", what="institution og skoleår"),),
)

TRANSITION = Shape(
    "transition",
    "standard",
    "overgang til ungdomsuddannelse",
    (
        _year(),
        _institution(),
        _INSTITUTION_NAME,
        _count("n_pupils", "antal elever", "elever"),
        _pct("share_3m", "i gang efter 3 mdr.", "i gang efter 3 måneder"),
        _pct("share_15m", "i gang efter 15 mdr.", "i gang efter 15 måneder"),
    ),
    detect=("institution", "share_3m"),
    table="youth_transition",
    output=_plain("institution", "school_year", "n_pupils", "share_3m", "share_15m"),
    rules=(*_non_negative("n_pupils"), *_percent_range("share_3m", "share_15m")),
    unique=(_unique("institution", "school_year", what="institution og skoleår"),),
)

COMPETENCE = Shape(
    "competence",
    "standard",
    "kompetencedækning",
    (
        _year(),
        _institution(),
        _INSTITUTION_NAME,
        Col("subject", "fag", ("fag", "subject"), required=False),
        Col("planned_hours", "planlagte timer", ("planlagte timer", "planned_hours"), "num"),
        Col(
            "covered_hours",
            "timer med undervisningskompetence",
            ("timer med undervisningskompetence", "timer med kompetence", "covered_hours"),
            "num",
        ),
    ),
    detect=("institution", "planned_hours"),
    table="competence",
    # Subjects beyond the test subjects (history, music ...) are kept as written.
    output=_plain("institution", "school_year")
    + (("subject", "coalesce(kv_subject(v_subject), v_subject)"),)
    + _plain("planned_hours", "covered_hours"),
    rules=(
        *(
            Rule(f"{n}_non_negative", n, f"v_{n} < 0", "timetallet kan ikke være negativt")
            for n in ("planned_hours", "covered_hours")
        ),
        Rule(
            "covered_above_planned",
            "covered_hours",
            "v_covered_hours > v_planned_hours",
            "'{value}' timer med kompetence er flere end de planlagte timer",
        ),
    ),
    unique=(_unique("institution", "school_year", "subject", what="institution, skoleår og fag"),),
)

# --- what the municipality compares itself with ---------------------------------------

# The value is written as a goal's target is (``78,3 %``, ``78,3`` or ``0,783`` for a share), and read by the
# same rule (``indicators.goals.normalise_target``, applied per row by ``loaders.national.check``), which also
# checks the subject and grade against the indicator; it writes the values to this staged table.
NATIONAL_CLEANED = "cleaned_national_levels"

NATIONAL_LEVELS = Shape(
    "national_levels",
    "landstal",
    "landsplan",
    (
        _year(),
        Col("indicator", "indikator", ("indikator", "indicator"), "indicator", needed=True),
        Col("subject", "fag", ("fag", "subject"), "subject", required=False),
        _grade(required=False, needed=False),
        Col("value", "værdi", ("værdi", "value", "landsgennemsnit"), needed=True),
        _count("n", "antal", "antal elever", "n", required=False),
    ),
    detect=("school_year", "indicator", "value"),
    table="national_levels",
    output=_plain("school_year", "indicator", "subject", "grade")
    + (("value", f"(SELECT c.value FROM {NATIONAL_CLEANED} c WHERE c._row = vals._row)"),)
    + _plain("n"),
    scope=("school_year",),
    rules=(_GRADE_RANGE, *_non_negative("n")),
    unique=(_unique("school_year", "indicator", "subject", "grade", what="skoleår, indikator, fag og klassetrin"),),
)

CLUSTERS = Shape(
    "clusters",
    "klynger",
    "klynger af kommuner",
    (
        Col("cluster", "klynge", ("klynge", "klyngenavn", "cluster"), needed=True),
        Col(
            "municipality",
            "kommunekode",
            ("kommunekode", "kommunenr", "kommunenummer", "municipality_code"),
            "municipality",
            needed=True,
        ),
        Col("municipality_name", "kommune", ("kommune", "kommunenavn"), required=False),
    ),
    detect=("cluster", "municipality"),
    table="clusters",
    output=(("cluster", "v_cluster"), ("municipality_code", "v_municipality")),
    scope=("cluster",),
    unique=(_unique("cluster", "municipality", what="klyngen og kommunekoden"),),
)

# --- goals ----------------------------------------------------------------------------

# Every per-goal rule and normalisation is ``indicators.goals.check_goal``, applied by
# ``loaders.goals.check``, which writes the normalised rows to this staged table. Here only what
# concerns the file as a whole: the columns, and each goal id present and given once.
GOALS_CLEANED = "cleaned_goals"

GOALS = Shape(
    "goals",
    "målliste",
    "kommunalbestyrelsens mål",
    (
        Col("goal_id", "mål_id", ("goal_id", "mål_id", "maal_id"), needed=True),
        Col("title", "titel", ("title", "titel", "målformulering")),
        Col("indicator", "indikator", ("indicator", "indikator")),
        Col("subject", "fag", ("subject", "fag"), required=False),
        Col("grade", "klassetrin", ("grade", "klassetrin"), required=False),
        Col("scope", "omfang", ("scope", "omfang")),
        Col("direction", "retning", ("direction", "retning")),
        Col("target", "målværdi", ("target", "målværdi"), required=False),
        Col("target_year", "målår", ("target_year", "målår"), required=False),
        Col("adopted", "vedtaget", ("adopted", "vedtaget"), required=False),
        Col("note", "bemærkning", ("note", "bemærkning"), required=False),
    ),
    detect=("goal_id", "indicator"),
    table="goal_versions",
    output=tuple((f, f"(SELECT g.{f} FROM {GOALS_CLEANED} g WHERE g._row = vals._row)") for f in GOAL_FIELDS),
    scope=(),
    unique=(_unique("goal_id", what="mål-id'et"),),
)

SHAPES: tuple[Shape, ...] = (
    REGISTER,
    OWN_LIST,
    PUPIL_TESTS,
    AGGREGATED_TESTS,
    WELLBEING_LONG,
    WELLBEING_WIDE,
    LANGUAGE,
    ABSENCE,
    EXAM,
    TRANSITION,
    COMPETENCE,
    GOALS,
    NATIONAL_LEVELS,
    CLUSTERS,
)
KINDS: dict[str, str] = {
    "institutions": "institutioner",
    "national_tests": "nationale test",
    "wellbeing": "trivselsmåling",
    "language_assessments": "sprogvurdering",
    "goals": "mål",
    "absence": "fravær",
    "exam_grades": "karakterer",
    "transition": "overgang til ungdomsuddannelse",
    "competence": "kompetencedækning",
    "national_levels": "landsplan",
    "clusters": "klynger",
}
assert set(KINDS) == {s.kind for s in SHAPES}
# The kind of extract that loads each table (what to import where a table has no rows).
TABLE_KINDS: dict[str, str] = {s.table: s.kind for s in SHAPES}

"""A seeded generator of synthetic extracts, in the shapes municipalities really get.

Two scales share one model. ``municipality`` is the committed sample, the
fictional "Eksempelby Kommune" (code 999) with 12 schools and 20 daycares;
``national`` is about 1,400 schools in all 98 municipalities, for benchmarks
(generated, never committed).

The model: every school has a size, a result effect that drifts by a yearly
trend, and a well-being effect with its own trend. Pupils are drawn per school
and cohort (the year they start in grade 0), keep one pseudonymous key and one
ability for their whole school life, may join late or leave early, and sit in
the same class letter every year. A test result is ability + the school's
effect that year + noise; the level, the norm-based score and the transition
test points are all read off that one latent value. Everything is vectorised
over pupils; only the few hundred institutions are looped over.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook

from core import schoolyear
from core.schema import SYNTHETIC_MUNICIPALITIES
from core.settings import SAMPLE_KOMMUNE
from indicators.catalogue import LEVELS, SUBJECTS

SYNTHETIC_LABEL = "Syntetiske data - fiktiv kommune"
KOMMUNE_NAME = "Eksempelby Kommune"
SCALES = ("municipality", "national")

# The sample's schools that tests (and people) look at.
IMPROVING_SCHOOL = "999005"
DECLINING_SCHOOL = "999007"
SPECIAL_SCHOOL = "999012"
# 2019/20 was tested in a sample of schools only (not comparable).
SAMPLE_2019_SCHOOLS = ("999004", "999006", "999010")
NEW_DAYCARE = "DT20"  # opened 2024/25: a single, tiny first assessment

WELLBEING_YEARS = range(2015, 2025)
TRANSITION_YEARS = range(2022, 2025)
SKILLS_YEAR = 2026  # the first færdighedstest, autumn 2026
# Quality-report extracts (absence, exams, youth transition, competence coverage).
QUALITY_YEARS = range(2019, 2025)
# Competence coverage: (subject as the extract writes it, weekly lessons per class, coverage at effect 0).
# Practical and creative subjects are the ones most often taught without the subject qualification.
COMPETENCE_SUBJECTS = (
    ("Dansk", 8.0, 0.96),
    ("Matematik", 5.0, 0.95),
    ("Engelsk", 2.5, 0.93),
    ("Historie", 1.5, 0.82),
    ("Natur/teknologi", 2.0, 0.88),
    ("Idræt", 2.5, 0.85),
    ("Musik", 1.5, 0.78),
    ("Billedkunst", 1.5, 0.74),
)
WELLBEING_INDICATORS = {  # name -> mean for grades 4-9 at effect 0
    "Social trivsel": 3.95,
    "Faglig trivsel": 3.75,
    "Støtte og inspiration": 3.25,
    "Ro og orden": 3.35,
    "Generel skoletrivsel": 3.7,
}
# Grades 0-3 answer a shorter survey; the sample gives them the general indicator only.
YOUNG_GENERAL_MEAN = 4.05

# Level cut points on the latent value: shares 5/10/20/30/23/12 % at effect 0,
# so "good" (levels 4-6) is 65 % and "poor" (1-2) 15 %, near the national picture.
_LEVEL_CUTS = np.array([-1.645, -1.036, -0.385, 0.385, 1.175])
# Transition tests: (subject id, grade, max points).
TRANSITION_TESTS = (
    ("dansk_laesning", 2, 36),
    ("dansk_laesning", 3, 40),
    ("dansk_laesning", 4, 44),
    ("dansk_laesning", 6, 48),
    ("dansk_laesning", 8, 52),
    ("matematik", 2, 30),
    ("matematik", 4, 40),
    ("matematik", 6, 45),
    ("matematik", 7, 45),
    ("matematik", 8, 50),
)
_LEVEL_SUBJECTS = ("dansk_laesning", "matematik")
# Profile areas of the færdighedstest in reading (the sample's only file that has them; its maths rows are
# whole tests only, to keep the file small), each a third of the points.
PROFILE_AREAS = {"dansk_laesning": ("Sprogforståelse", "Afkodning", "Tekstforståelse")}
# Pseudonymous pupil keys: an affine bijection on 9-digit numbers looks random but never collides.
_KEY_MOD, _KEY_MUL = 10**9, 738_219_467


def national_tests(year: int) -> list[tuple[str, int]]:
    """The mandatory (subject id, grade) pairs of the old national tests in a school year."""
    tests = [("dansk_laesning", g) for g in (2, 4, 6, 8)] + [("matematik", 3), ("matematik", 6)]
    if year >= 2017:
        tests += [("matematik", 8), ("engelsk", 4)]
    tests += [("engelsk", 7), ("fysik_kemi", 8)]
    if year <= 2016:
        tests += [("geografi", 8), ("biologi", 8)]
    return tests


# ---------------------------------------------------------------------------
# Institutions


@dataclass
class Schools:
    ids: list[str]
    names: list[str]
    size: np.ndarray  # pupils in grades 0-9
    effect: np.ndarray  # latent result effect in 2019/20
    trend: np.ndarray  # per year
    wb_effect: np.ndarray  # well-being effect in 2019/20
    wb_trend: np.ndarray
    special: np.ndarray  # bool
    unit_type: list[str]
    parent: list[str]
    district: list[str]
    municipality: list[int]
    lat: np.ndarray
    lon: np.ndarray


@dataclass
class Daycares:
    ids: list[str]
    names: list[str]
    district: list[str]
    parent: list[str]
    municipality: list[int]
    children: np.ndarray  # expected children assessed a year
    p_general: np.ndarray  # share in general effort in 2021/22
    trend: np.ndarray
    first_year: np.ndarray


# (id, name, size, effect, trend, wb effect, wb trend, unit type, parent, district)
_SAMPLE_SCHOOLS = (
    ("999001", "Nørrevangsskolen", 640, 0.05, 0.0, 0.02, 0.0, "H", "", "Nord"),
    ("999002", "Nørrevangsskolen, afd. Lærkely", 240, -0.05, 0.0, -0.02, 0.0, "A", "999001", "Nord"),
    ("999003", "Nørrevangsskolen, afd. Skovbrynet", 180, 0.1, 0.0, 0.06, 0.0, "A", "999001", "Nord"),
    ("999004", "Åbyskolen", 900, 0.15, 0.0, 0.0, 0.0, "", "", "Nord"),
    ("999005", "Søndermarkskolen", 720, -0.3, 0.14, -0.14, 0.045, "", "", "Syd"),
    ("999006", "Bøgehøj Skole", 560, 0.0, 0.0, 0.08, 0.0, "", "", "Syd"),
    ("999007", "Kærgårdsskolen", 480, 0.2, -0.17, 0.1, -0.05, "", "", "Syd"),
    ("999008", "Østre Skole", 420, 0.65, 0.0, 0.12, 0.0, "", "", "Midt"),
    ("999009", "Fjordskolen", 380, -0.1, 0.0, -0.08, 0.0, "", "", "Midt"),
    ("999010", "Møllebakkeskolen", 300, 0.05, 0.0, 0.04, 0.0, "", "", "Midt"),
    ("999011", "Hyldager Skole", 140, 0.25, 0.0, 0.15, 0.0, "", "", "Syd"),
    ("999012", "Ravnsbjergskolen", 80, -1.0, 0.0, -0.1, 0.0, "", "", "Midt"),
)
_UNIT_TYPES = {
    "": "Institution uden enheder",
    "H": "Hovedskole (institution med enheder)",
    "A": "Afdeling (underordnet enhed)",
}
_DAYCARE_NAMES = (
    "Børnehuset Mælkebøtten",
    "Vuggestuen Solsikken",
    "Naturbørnehaven Egernet",
    "Børnehaven Regnbuen",
    "Børnehuset Åkanden",
    "Børnehuset Tusindfryd",
    "Humlebien",
    "Søstjernen",
    "Troldehøjen",
    "Fuglereden",
    "Kastanjen",
    "Skovmusen",
    "Myretuen",
    "Bikuben",
    "Græshoppen",
    "Æblehaven",
    "Ørnereden",
    "Lærkereden",
    "Guldsmeden",
    "Børnehuset Spiren",
)
_DISTRICT_LA_EFFECT = {"Nord": 0.03, "Midt": 0.0, "Syd": -0.04}
_STEMS = (
    "Nørre",
    "Søndre",
    "Vester",
    "Øster",
    "Bakke",
    "Skov",
    "Strand",
    "Eng",
    "Mølle",
    "Kirke",
    "Lunde",
    "Bøge",
    "Ege",
    "Hede",
    "Fjord",
    "Sø",
    "Holme",
    "Vænge",
    "Mark",
    "Å",
    "Lærke",
    "Rosen",
)
_SUFFIXES = ("skolen", " Skole", "gårdskolen", "bakkeskolen", "vangsskolen", "højskolen")
_DAYCARE_STEMS = (
    "Mælkebøtten",
    "Solsikken",
    "Regnbuen",
    "Humlebien",
    "Søstjernen",
    "Troldehøjen",
    "Fuglereden",
    "Kastanjen",
    "Skovmusen",
    "Myretuen",
    "Bikuben",
    "Æblehaven",
    "Ørnereden",
)


def _sample_institutions(rng: np.random.Generator) -> tuple[Schools, Daycares]:
    cols = list(zip(*_SAMPLE_SCHOOLS))
    n = len(_SAMPLE_SCHOOLS)
    schools = Schools(
        ids=list(cols[0]),
        names=list(cols[1]),
        size=np.array(cols[2]),
        effect=np.array(cols[3]),
        trend=np.array(cols[4]),
        wb_effect=np.array(cols[5]),
        wb_trend=np.array(cols[6]),
        special=np.array([i == SPECIAL_SCHOOL for i in cols[0]]),
        unit_type=[_UNIT_TYPES[u] for u in cols[7]],
        parent=list(cols[8]),
        district=list(cols[9]),
        municipality=[SAMPLE_KOMMUNE] * n,
        lat=56.05 + rng.uniform(0, 0.15, n),
        lon=9.85 + rng.uniform(0, 0.25, n),
    )
    m = len(_DAYCARE_NAMES)
    district = [("Nord", "Midt", "Syd")[i % 3] for i in range(m)]
    trend = rng.normal(0, 0.004, m)
    trend[[2, 7]] = 0.02  # two daycares clearly on their way to the 90 % goal
    first_year = np.full(m, 2018)
    first_year[-1] = 2024
    children = rng.integers(12, 40, m).astype(float)
    children[-1] = 3  # the new daycare's first assessment is too small to show
    daycares = Daycares(
        ids=[f"DT{i + 1:02d}" for i in range(m)],
        names=list(_DAYCARE_NAMES),
        district=district,
        # Mælkebøtten and Solsikken share one leader: an umbrella institution.
        parent=["", "DT01"] + [""] * (m - 2),
        municipality=[SAMPLE_KOMMUNE] * m,
        children=children,
        p_general=0.86 + np.array([_DISTRICT_LA_EFFECT[d] for d in district]) + rng.normal(0, 0.03, m),
        trend=trend,
        first_year=first_year,
    )
    return schools, daycares


def _kommuner() -> list[tuple[int, str, int, str]]:
    path = Path(__file__).resolve().parent.parent / "core" / "data" / "kommuner.csv"
    with path.open(encoding="utf-8") as f:
        return [(int(r["kommunekode"]), r["kommune"], int(r["regionskode"]), r["region"]) for r in csv.DictReader(f)]


# The sample's cluster (klynge): Eksempelby and six fictional neighbours (core.schema flags them synthetic).
CLUSTER_NAME = "Klynge Midt"
NEIGHBOURS = [
    (code, name, 1082, "Region Midtjylland")
    for code, name in SYNTHETIC_MUNICIPALITIES.items()
    if code != SAMPLE_KOMMUNE
]


def _national_institutions(
    rng: np.random.Generator, n_schools: int, kommuner: list[tuple[int, str, int, str]] | None = None
) -> tuple[Schools, Daycares]:
    """Schools and daycares spread over ``kommuner`` (every real municipality when None), sized at random."""
    kommuner = kommuner or _kommuner()
    weights = rng.lognormal(0, 0.7, len(kommuner))
    per_kommune = np.maximum(2, np.round(weights / weights.sum() * n_schools)).astype(int)
    codes = np.repeat([k[0] for k in kommuner], per_kommune)
    n = len(codes)
    special = rng.random(n) < 0.05
    size = np.where(special, rng.integers(40, 120, n), np.clip(rng.lognormal(5.9, 0.5, n), 80, 900)).astype(int)
    kommune_effect = dict(zip((k[0] for k in kommuner), rng.normal(0, 0.15, len(kommuner))))
    effect = np.array([kommune_effect[c] for c in codes]) + rng.normal(0, 0.2, n) - 1.0 * special
    names = [
        f"{_STEMS[a]}{_SUFFIXES[b]}"
        for a, b in zip(rng.integers(0, len(_STEMS), n), rng.integers(0, len(_SUFFIXES), n))
    ]
    districts = [("Nord", "Midt", "Syd")[i] for i in rng.integers(0, 3, n)]
    schools = Schools(
        ids=[str(800000 + i) for i in range(n)],
        names=names,
        size=size,
        effect=effect,
        trend=rng.normal(0, 0.03, n),
        wb_effect=rng.normal(0, 0.1, n),
        wb_trend=rng.normal(0, 0.015, n),
        special=special,
        unit_type=[_UNIT_TYPES[""]] * n,
        parent=[""] * n,
        district=districts,
        municipality=[int(c) for c in codes],
        lat=rng.uniform(54.8, 57.6, n),
        lon=rng.uniform(8.1, 12.6, n),
    )
    m = round(n * 5000 / 1400)
    dc_codes = np.repeat([k[0] for k in kommuner], np.maximum(1, np.round(per_kommune * m / n)).astype(int))
    m = len(dc_codes)
    counter: dict[int, int] = {}
    ids = []
    for c in dc_codes:
        counter[c] = counter.get(c, 0) + 1
        ids.append(f"K{c}-DT{counter[c]:03d}")
    district = [("Nord", "Midt", "Syd")[i] for i in rng.integers(0, 3, m)]
    daycares = Daycares(
        ids=ids,
        names=[f"Børnehuset {_DAYCARE_STEMS[i]}" for i in rng.integers(0, len(_DAYCARE_STEMS), m)],
        district=district,
        parent=[""] * m,
        municipality=[int(c) for c in dc_codes],
        children=rng.integers(8, 45, m).astype(float),
        p_general=0.86 + rng.normal(0, 0.04, m),
        trend=rng.normal(0, 0.004, m),
        first_year=np.full(m, WELLBEING_YEARS[0]),
    )
    return schools, daycares


# ---------------------------------------------------------------------------
# Pupils and their results


@dataclass
class Pupils:
    """All pupils, sorted by cohort (the year they are in grade 0)."""

    school: np.ndarray
    cohort: np.ndarray
    key: np.ndarray
    ability: np.ndarray
    join: np.ndarray  # first grade at the school
    leave: np.ndarray  # first grade no longer at the school
    cls: np.ndarray  # class index (0 = A), the same every year

    def in_grade(self, year: int, grade: int) -> np.ndarray:
        """Indices of the pupils enrolled in a grade in a school year."""
        cohort = year - grade
        lo, hi = np.searchsorted(self.cohort, [cohort, cohort + 1])
        idx = np.arange(lo, hi)
        return idx[(self.join[idx] <= grade) & (grade < self.leave[idx])]


def _pupils(rng: np.random.Generator, schools: Schools, cohorts: range, key_offset: int) -> Pupils:
    n_sc, n_co = len(schools.ids), len(cohorts)
    counts = rng.poisson(schools.size[:, None] / 10 * rng.uniform(0.85, 1.15, (n_sc, n_co)))
    # Special schools have tiny, uneven year groups: some grades have fewer than 5 pupils.
    counts[schools.special] = rng.integers(2, 12, (int(schools.special.sum()), n_co))
    counts = np.maximum(counts, 1).ravel()
    school = np.repeat(np.repeat(np.arange(n_sc), n_co), counts)
    cohort = np.repeat(np.tile(np.array(cohorts), n_sc), counts)
    total = len(school)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    classes = np.maximum(1, np.ceil(schools.size / 10 / 24)).astype(int)
    cls = (np.arange(total) - starts) % classes[school]
    join = np.where(rng.random(total) < 0.85, 0, rng.integers(1, 10, total))
    leave = np.maximum(np.where(rng.random(total) < 0.9, 10, rng.integers(1, 10, total)), join + 1)
    key = (np.arange(total, dtype=np.int64) * _KEY_MUL + key_offset) % _KEY_MOD
    order = np.argsort(cohort, kind="stable")
    return Pupils(
        school[order],
        cohort[order],
        key[order],
        rng.standard_normal(total)[order],
        join[order],
        leave[order],
        cls[order],
    )


def _effects(rng: np.random.Generator, effect, trend, years: range, noise: float) -> np.ndarray:
    """An institution x year matrix: effect + trend * (year - 2019.5) + yearly noise."""
    t = np.arange(years.start, years.stop) - 2019.5
    return effect[:, None] + trend[:, None] * t[None, :] + rng.normal(0, noise, (len(effect), len(t)))


def _sitting(rng, pupils: Pupils, year: int, grade: int, allowed: np.ndarray | None) -> np.ndarray:
    """Pupils who sat a test: enrolled, present on the day, at a school that took part."""
    idx = pupils.in_grade(year, grade)
    idx = idx[rng.random(len(idx)) >= 0.04]
    return idx if allowed is None else idx[allowed[pupils.school[idx]]]


def _latent(rng, pupils: Pupils, idx: np.ndarray, effect_this_year: np.ndarray) -> np.ndarray:
    return 0.8 * pupils.ability[idx] + 0.6 * rng.standard_normal(len(idx)) + effect_this_year[pupils.school[idx]]


def _national_test_year(rng, pupils: Pupils, effects: np.ndarray, year: int, allowed) -> dict[str, np.ndarray]:
    parts = []
    for subject, grade in national_tests(year):
        idx = _sitting(rng, pupils, year, grade, allowed)
        t = _latent(rng, pupils, idx, effects[:, year - WELLBEING_YEARS.start])
        level = np.searchsorted(_LEVEL_CUTS, t) + 1 if subject in _LEVEL_SUBJECTS else np.zeros(len(idx), int)
        # Norm-based score: the percentile of the latent value (logistic approximation of the normal).
        score = np.clip(np.round(100 / (1 + np.exp(-1.702 * t))), 1, 100).astype(int)
        parts.append((idx, np.full(len(idx), grade), np.full(len(idx), list(SUBJECTS).index(subject)), level, score))
    return _stack(pupils, parts, ("level", "score"))


def _transition_year(rng, pupils: Pupils, effects: np.ndarray, year: int) -> dict[str, np.ndarray]:
    """Points per pupil and test, and the level the ministry classifies each result at (from the same
    latent value as the points, so no further random draws: the points stay as they were)."""
    parts = []
    for subject, grade, max_points in TRANSITION_TESTS:
        idx = _sitting(rng, pupils, year, grade, None)
        t = _latent(rng, pupils, idx, effects[:, year - WELLBEING_YEARS.start])
        points = rng.binomial(max_points, 1 / (1 + np.exp(-(0.9 * t + 0.6))))
        parts.append(
            (
                idx,
                np.full(len(idx), grade),
                np.full(len(idx), list(SUBJECTS).index(subject)),
                points,
                np.full(len(idx), max_points),
                np.searchsorted(_LEVEL_CUTS, t) + 1,
            )
        )
    return _stack(pupils, parts, ("points", "max_points", "level"))


def _skills_year(rng, pupils: Pupils, schools: Schools, year: int) -> dict[str, np.ndarray]:
    """The færdighedstest: points per pupil and test (no level: its scale is not yet published), and in
    reading per profile area (the whole test's points split over three areas of equal maximum)."""
    effect = schools.effect + schools.trend * (year - 2019.5)  # beyond the years of yearly noise
    rows: dict[str, list] = {k: [] for k in ("idx", "grade", "subject", "area", "points", "max_points")}
    for subject, grade, max_points in TRANSITION_TESTS:
        idx = _sitting(rng, pupils, year, grade, None)
        t = _latent(rng, pupils, idx, effect)
        area_max = max_points // 3
        area_points = [rng.binomial(area_max, 1 / (1 + np.exp(-(0.9 * t + 0.5)))) for _ in range(3)]
        results = [(sum(area_points), 3 * area_max)]
        if subject in PROFILE_AREAS:
            results += [(p, area_max) for p in area_points]
        for area, (points, top) in enumerate(results):
            rows["idx"].append(idx)
            rows["grade"].append(np.full(len(idx), grade))
            rows["subject"].append(np.full(len(idx), list(SUBJECTS).index(subject)))
            rows["area"].append(np.full(len(idx), area))  # 0 = the whole test
            rows["points"].append(points)
            rows["max_points"].append(np.full(len(idx), top))
    out = {k: np.concatenate(v) for k, v in rows.items()}
    idx = out.pop("idx")
    school, cls, key = pupils.school[idx], pupils.cls[idx], pupils.key[idx]
    order = np.lexsort((out["area"], key, cls, out["subject"], out["grade"], school))
    return {"school": school[order], "cls": cls[order], "key": key[order]} | {k: v[order] for k, v in out.items()}


def _stack(pupils: Pupils, parts, value_names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Concatenate per-test results (pupil index, grade, subject, *values), ordered by school, grade, subject,
    class and pupil key."""
    idx, grade, subject, *values = (np.concatenate(c) for c in zip(*parts))
    school, cls, key = pupils.school[idx], pupils.cls[idx], pupils.key[idx]
    order = np.lexsort((key, cls, subject, grade, school))
    return {
        "school": school[order],
        "grade": grade[order],
        "subject": subject[order],
        "cls": cls[order],
        "key": key[order],
    } | {name: v[order] for name, v in zip(value_names, values)}


def _wellbeing(rng, schools: Schools, pupils: Pupils) -> dict[str, np.ndarray]:
    effects = _effects(rng, schools.wb_effect, schools.wb_trend, WELLBEING_YEARS, 0.03)
    n_sc = len(schools.ids)
    cols: dict[str, list] = {k: [] for k in ("school", "year", "grade", "indicator", "value", "respondents")}
    names = list(WELLBEING_INDICATORS)
    for year in WELLBEING_YEARS:
        for grade in range(10):
            enrolled = np.bincount(pupils.school[pupils.in_grade(year, grade)], minlength=n_sc)
            respondents = rng.binomial(enrolled, 0.93)
            if grade <= 3:
                indicators = [(names.index("Generel skoletrivsel"), YOUNG_GENERAL_MEAN)]
            else:
                # Older pupils are a little less content, as in the national figures.
                indicators = [(i, WELLBEING_INDICATORS[nm] - 0.04 * (grade - 4)) for i, nm in enumerate(names)]
            for ind, mean in indicators:
                sd = np.sqrt(0.002 + 0.5 / np.maximum(respondents, 1))
                value = mean + effects[:, year - WELLBEING_YEARS.start] + rng.normal(0, 1, n_sc) * sd
                keep = respondents > 0
                cols["school"].append(np.flatnonzero(keep))
                cols["year"].append(np.full(keep.sum(), year))
                cols["grade"].append(np.full(keep.sum(), grade))
                cols["indicator"].append(np.full(keep.sum(), ind))
                cols["value"].append(np.clip(np.round(value[keep], 1), 1, 5))
                cols["respondents"].append(respondents[keep])
    out = {k: np.concatenate(v) for k, v in cols.items()}
    out["withheld"] = rng.random(len(out["school"])) < 0.01  # the source's own ".." cells
    order = np.lexsort((out["indicator"], out["grade"], out["school"], out["year"]))
    return {k: v[order] for k, v in out.items()}


def _language(rng, daycares: Daycares, years: range) -> dict[str, np.ndarray]:
    m = len(daycares.ids)
    year = np.repeat(np.array(years), m)
    dc = np.tile(np.arange(m), len(years))
    keep = year >= daycares.first_year[dc]
    year, dc = year[keep], dc[keep]
    n = np.maximum(1, rng.poisson(daycares.children[dc]))
    p_general = np.clip(daycares.p_general[dc] + daycares.trend[dc] * (year - 2021), 0.5, 0.99)
    general = rng.binomial(n, p_general)
    focused = rng.binomial(n - general, 2 / 3)
    # Assessment in daycare is selective: a third to three quarters of the children of the age are assessed.
    enrolled = np.ceil(n / rng.uniform(0.35, 0.75, len(n))).astype(int)
    return {
        "year": year,
        "daycare": dc,
        "n": n,
        "general": general,
        "focused": focused,
        "special": n - general - focused,
        "enrolled": enrolled,
    }


def _enrolled(pupils: Pupils, n_schools: int, year: int, grade: int) -> np.ndarray:
    """Pupils per school in one grade and school year."""
    return np.bincount(pupils.school[pupils.in_grade(year, grade)], minlength=n_schools)


def _absence(rng, schools: Schools, pupils: Pupils, effects: np.ndarray) -> dict[str, np.ndarray]:
    """Absence per school, grade and year, in tenths of a percent so that the parts add up exactly.

    A school's mean absence is about 6.8 % and falls with its result effect; the older grades are
    absent more, and 2021/22 (the winter of the omicron wave) more still. The share of pupils above
    10 % is drawn as a binomial count around 22 % at the mean level.
    """
    cols: dict[str, list] = {
        k: [] for k in ("school", "year", "grade", "n", "total", "sick", "permitted", "unlawful", "over_10")
    }
    n_sc = len(schools.ids)
    school_noise = rng.normal(0, 0.006, n_sc)
    for year in QUALITY_YEARS:
        effect = effects[:, year - WELLBEING_YEARS.start]
        for grade in range(10):
            n = _enrolled(pupils, n_sc, year, grade)
            mean = (
                0.068
                - 0.012 * effect
                + school_noise
                + 0.0025 * (grade - 5)
                + 0.012 * (year == 2021)
                + rng.normal(0, 0.012, n_sc) / np.sqrt(np.maximum(n, 1) / 20)
            )
            total = np.round(np.clip(mean, 0.02, 0.2) * 1000).astype(int)
            sick = np.round(total * rng.uniform(0.55, 0.65, n_sc)).astype(int)
            permitted = np.round(total * rng.uniform(0.2, 0.3, n_sc)).astype(int)
            over = rng.binomial(n, np.clip(0.22 + 3.0 * (total / 1000 - 0.068), 0.03, 0.8))
            keep = n > 0
            for key, v in (
                ("school", np.arange(n_sc)),
                ("year", np.full(n_sc, year)),
                ("grade", np.full(n_sc, grade)),
                ("n", n),
                ("total", total),
                ("sick", sick),
                ("permitted", permitted),
                ("unlawful", total - sick - permitted),
                ("over_10", over),
            ):
                cols[key].append(v[keep])
    return {k: np.concatenate(v) for k, v in cols.items()}


def _exams(rng, schools: Schools, pupils: Pupils, effects: np.ndarray) -> dict[str, np.ndarray]:
    """Grade-9 exam averages with the socio-economic reference, per school with grade-9 pupils.

    The reference (the average expected from the pupils' background) follows the school's result
    effect; the school's own contribution is a lasting value added plus sampling noise. The ministry
    computes no reference where fewer than 5 pupils have grades (NaN here).
    """
    n_sc = len(schools.ids)
    value_added = rng.normal(0, 0.35, n_sc)
    cols: dict[str, list] = {k: [] for k in ("school", "year", "n", "mean", "socref", "diff", "verdict")}
    for year in QUALITY_YEARS:
        effect = effects[:, year - WELLBEING_YEARS.start]
        n = rng.binomial(_enrolled(pupils, n_sc, year, 9), 0.97)  # a few are exempt from the exams
        se = 2.4 / np.sqrt(np.maximum(n, 1))  # pupils' averages spread about 2.4 grade points
        socref = np.round(7.0 + 1.1 * effect + rng.normal(0, 0.15, n_sc), 1)
        mean = np.round(np.clip(socref + value_added + rng.normal(0, 1, n_sc) * se, 2, 11), 1)
        diff = np.round(mean - socref, 1)
        verdict = np.where(np.abs(diff) < 1.96 * se, 1, np.where(diff > 0, 0, 2))  # over / på / under
        small = n < 5
        keep = n > 0
        for key, v in (
            ("school", np.arange(n_sc)),
            ("year", np.full(n_sc, year)),
            ("n", n),
            ("mean", mean),
            ("socref", np.where(small, np.nan, socref)),
            ("diff", np.where(small, np.nan, diff)),
            ("verdict", np.where(small, -1, verdict)),
        ):
            cols[key].append(v[keep])
    return {k: np.concatenate(v) for k, v in cols.items()}


def _youth_transition(rng, schools: Schools, pupils: Pupils, effects: np.ndarray) -> dict[str, np.ndarray]:
    """Shares of each year's grade-9 leavers in youth education 3 and 15 months later.

    The last cohort left in summer 2025: its 15-month figure is not known yet (NaN).
    """
    n_sc = len(schools.ids)
    cols: dict[str, list] = {k: [] for k in ("school", "year", "n", "share_3m", "share_15m")}
    for year in QUALITY_YEARS:
        effect = effects[:, year - WELLBEING_YEARS.start]
        n = _enrolled(pupils, n_sc, year, 9)
        started = rng.binomial(n, np.clip(0.875 + 0.06 * effect, 0.5, 0.99))
        dropped = rng.binomial(started, 0.04)
        later = rng.binomial(n - started, 0.3)  # some start after a gap year or a 10th grade elsewhere
        keep = n > 0
        share_15m = (started - dropped + later) / np.maximum(n, 1)
        for key, v in (
            ("school", np.arange(n_sc)),
            ("year", np.full(n_sc, year)),
            ("n", n),
            ("share_3m", started / np.maximum(n, 1)),
            ("share_15m", share_15m if year < QUALITY_YEARS[-1] else np.full(n_sc, np.nan)),
        ):
            cols[key].append(v[keep])
    return {k: np.concatenate(v) for k, v in cols.items()}


def _competence(rng, schools: Schools) -> dict[str, np.ndarray]:
    """Planned lessons per school, subject and year, and those taught with the subject qualification."""
    n_sc = len(schools.ids)
    classes = np.maximum(1, np.round(schools.size / 22))  # about 22 pupils a class over grades 0-9
    school_level = rng.normal(0, 0.03, n_sc)
    cols: dict[str, list] = {k: [] for k in ("school", "year", "subject", "planned", "covered")}
    for year in QUALITY_YEARS:
        for k, (_, weekly, coverage) in enumerate(COMPETENCE_SUBJECTS):
            # 40 school weeks of 45-minute lessons, converted to clock hours.
            planned = np.round(classes * weekly * 40 * 0.75 * rng.uniform(0.95, 1.05, n_sc)).astype(int)
            share = np.clip(coverage + school_level + 0.004 * (year - 2019) + rng.normal(0, 0.03, n_sc), 0.4, 1)
            for key, v in (
                ("school", np.arange(n_sc)),
                ("year", np.full(n_sc, year)),
                ("subject", np.full(n_sc, k)),
                ("planned", planned),
                ("covered", np.round(planned * share).astype(int)),
            ):
                cols[key].append(v)
    out = {k: np.concatenate(v) for k, v in cols.items()}
    order = np.lexsort((out["subject"], out["school"], out["year"]))
    return {k: v[order] for k, v in out.items()}


# ---------------------------------------------------------------------------
# Writing


def _strings(values) -> pa.Array:
    return pa.array(np.asarray(values)).cast(pa.string())


def _take(labels: list, idx: np.ndarray) -> pa.Array:
    """Vectorised lookup of a label per row (None -> empty cell)."""
    return pc.take(pa.array(labels, pa.string()), pa.array(idx))


def _write_csv(
    path: Path, columns: dict[str, pa.Array], delimiter: str = ";", encoding: str = "utf-8", bom: bool = False
) -> Path:
    """Write string columns as CSV (quoted only where needed, empty for None)."""
    table = pa.table(columns)
    con = duckdb.connect()
    try:
        con.register("t", table)
        if encoding == "utf-8" and not bom:
            con.execute("COPY t TO ? (HEADER, DELIMITER ?)", [str(path), delimiter])
        else:
            tmp = path.with_suffix(".tmp")
            con.execute("COPY t TO ? (HEADER, DELIMITER ?)", [str(tmp), delimiter])
            text = tmp.read_bytes()
            tmp.unlink()
            if encoding != "utf-8":
                text = text.decode("utf-8").encode(encoding)
            path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text)
    finally:
        con.close()
    return path


_FIXED_TIME = (2024, 1, 1, 0, 0, 0)


def _save_xlsx(wb: Workbook, path: Path) -> Path:
    """Save a workbook byte-identically on every run (openpyxl stamps the time of saving)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", data)
            dst.writestr(
                zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME), data, compress_type=zipfile.ZIP_DEFLATED
            )
    return path


REGISTER_COLUMNS = (
    "INST_NR",
    "INST_NAVN",
    "INST_ADR",
    "POSTNR",
    "POSTDISTRIKT",
    "TLF_NR",
    "E_MAIL",
    "WEB_ADR",
    "INST_TYPE_NR",
    "INST_TYPE_NAVN",
    "INST_TYPE_GRUPPE",
    "ENHEDSART",
    "HOVEDSKOLE_INST",
    "EJERKODE",
    "EJERKODE_NAVN",
    "INST_LEDER",
    "CVR_NR",
    "P_NR",
    "BEL_KOMMUNE",
    "BEL_KOMMUNE_NAVN",
    "BEL_REGION",
    "BEL_REGION_NAVN",
    "ADM_KOMMUNE",
    "ADM_KOMMUNE_NAVN",
    "GEO_BREDDE_GRAD",
    "GEO_LAENGDE_GRAD",
    "OPRETTET_DATO",
    "SENEST_AENDRET",
)
_FIRST = ("Anne", "Mette", "Lars", "Søren", "Helle", "Jørgen", "Birthe", "Mads", "Louise", "Ole", "Ægir", "Åse")
_LAST = ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Sørensen", "Møller", "Østergaard")


def _register(path: Path, rng, schools: Schools) -> Path:
    kommuner = {k[0]: k for k in _kommuner() + NEIGHBOURS}
    kommuner[SAMPLE_KOMMUNE] = (SAMPLE_KOMMUNE, "Eksempelby", 1082, "Region Midtjylland")
    rows = []
    for i, inst in enumerate(schools.ids):
        code = schools.municipality[i]
        _, kname, rcode, rname = kommuner[code]
        kname = f"{kname} Kommune"
        slug = re.sub(r"[^a-z]", "", schools.names[i].lower().translate(str.maketrans("æøå", "eoa")))[:32]
        special = bool(schools.special[i])
        rows.append(
            [
                inst,
                schools.names[i],
                f"{_STEMS[i % len(_STEMS)]}vej {int(rng.integers(1, 120))}",
                f"{9900 + code % 90}",
                "Eksempelby" if code == SAMPLE_KOMMUNE else kname.removesuffix(" Kommune"),
                f"{int(rng.integers(20_00_00_00, 99_99_99_99))}",
                f"{slug}@skole.example.dk",
                f"https://{slug}.skole.example.dk",
                "1015" if special else "1012",
                "Specialskoler for børn" if special else "Folkeskoler",
                "Grundskoler",
                schools.unit_type[i],
                schools.parent[i] or None,
                "1",
                "Kommunale",
                f"{_FIRST[int(rng.integers(len(_FIRST)))]} {_LAST[int(rng.integers(len(_LAST)))]}",
                f"{int(rng.integers(10_000_000, 99_999_999))}",
                f"{int(rng.integers(1_000_000_000, 1_999_999_999))}",
                str(code),
                kname,
                str(rcode),
                rname,
                str(code),
                kname,
                f"{schools.lat[i]:.6f}".replace(".", ","),
                f"{schools.lon[i]:.6f}".replace(".", ","),
                f"0{1 + i % 9}-08-{1990 + i % 30}",
                "15-06-2024",
            ]
        )
    columns = {name: pa.array(list(col), pa.string()) for name, col in zip(REGISTER_COLUMNS, zip(*rows))}
    return _write_csv(path, columns)


def _municipal_list(path: Path, schools: Schools, daycares: Daycares) -> Path:
    n, m = len(schools.ids), len(daycares.ids)
    # A mix of English names and their Danish aliases, as hand-made lists have.
    columns = {
        "institutions_id": schools.ids + daycares.ids,
        "navn": schools.names + daycares.names,
        "kind": ["skole"] * n + ["dagtilbud"] * m,
        "kommunekode": [str(c) for c in schools.municipality + daycares.municipality],
        "distrikt": schools.district + daycares.district,
        "parent_id": [p or None for p in schools.parent + daycares.parent],
    }
    return _write_csv(path, {k: pa.array(v, pa.string()) for k, v in columns.items()})


@dataclass(frozen=True)
class _Variant:
    """How one year's extract is spelled: real extracts differ from year to year."""

    headers: tuple[str, ...]  # pupil, institution, year, grade, class, subject, level, score
    long_year: bool = True
    reading: str = "Dansk, læsning"
    grade_suffix: str = ""
    numeric_levels: float = 0.0  # share of rows with the level as a number


_NT_VARIANTS = {
    2015: _Variant(
        ("elev_id", "institutionsnummer", "skoleår", "klassetrin", "klasse", "fag", "præstationsniveau", "score")
    ),
    2016: _Variant(
        ("elev_id", "institutionsnummer", "skoleår", "klassetrin", "klasse", "fag", "præstationsniveau", "score")
    ),
    2017: _Variant(
        ("elevnøgle", "inst_nr", "skoleår", "klassetrin", "klasse", "testfag", "niveau", "normbaseret score"),
        long_year=False,
        reading="Dansk læsning",
        numeric_levels=0.05,
    ),
    2018: _Variant(
        ("Elev ID", "Institutionsnummer", "Skoleår", "Klassetrin", "Klasse", "Fag", "Præstationsniveau", "Score")
    ),
    2019: _Variant(
        ("elev_id", "institutionsnummer", "skoleår", "klassetrin", "klasse", "fag", "præstationsniveau", "score"),
        grade_suffix=". klasse",
    ),
    2020: _Variant(
        ("pupil_id", "inst_nr", "school_year", "grade", "class", "subject", "level", "score"), long_year=False
    ),
    2021: _Variant(
        ("elev_id", "institutionsnummer", "skoleår", "klassetrin", "klasse", "fag", "præstationsniveau", "percentil")
    ),
}


def _class_labels(grades: np.ndarray, cls: np.ndarray) -> pa.Array:
    labels = [f"{g}.{chr(65 + c)}" for g in range(11) for c in range(26)]
    return _take(labels, grades * 26 + cls)


def _keys(keys: np.ndarray) -> pa.Array:
    return pc.utf8_lpad(_strings(keys), 9, padding="0")


def _national_test_columns(rng, rows, schools: Schools, year: int, variant: _Variant) -> dict[str, pa.Array]:
    n = len(rows["key"])
    subjects = [variant.reading if s == "dansk_laesning" else label for s, label in SUBJECTS.items()]
    level_labels = [None] + list(LEVELS.values()) + [None] + [str(i) for i in LEVELS]
    level_idx = rows["level"] + np.where((rows["level"] > 0) & (rng.random(n) < variant.numeric_levels), 7, 0)
    year_text = schoolyear.long(year) if variant.long_year else schoolyear.short(year)
    values = (
        _keys(rows["key"]),
        _take(schools.ids, rows["school"]),
        pa.array([year_text] * n, pa.string()),
        _take([f"{g}{variant.grade_suffix}" for g in range(11)], rows["grade"]),
        _class_labels(rows["grade"], rows["cls"]),
        _take(subjects, rows["subject"]),
        _take(level_labels, level_idx),
        _strings(rows["score"]),
    )
    return dict(zip(variant.headers, values))


def _national_test_xlsx(path: Path, columns: dict[str, pa.Array], year: int) -> Path:
    """The ministry report style: two title rows, the header, the data, a blank row, the source."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Elevresultater"
    ws.append([f"Nationale test - resultater på elevniveau, skoleåret {schoolyear.short(year)}"])
    ws.append([f"{KOMMUNE_NAME}. {SYNTHETIC_LABEL}. Fortroligt, jf. folkeskolelovens § 55 b"])
    ws.append(list(columns))
    numeric = {"Klassetrin", "Score"}
    for row in zip(*(c.to_pylist() for c in columns.values())):
        ws.append([int(v) if name in numeric else v for name, v in zip(columns, row)])
    ws.append([])
    ws.append(["Kilde: Børne- og Undervisningsministeriet, Styrelsen for It og Læring (syntetisk udtræk)"])
    return _save_xlsx(wb, path)


def _transition_columns(rows, schools: Schools, year: int, with_kind: bool) -> dict[str, pa.Array]:
    n = len(rows["key"])
    columns = {
        "elev_id": _keys(rows["key"]),
        "institutionsnummer": _take(schools.ids, rows["school"]),
        "skoleår": pa.array([schoolyear.long(year)] * n, pa.string()),
        "klassetrin": _strings(rows["grade"]),
        "klasse": _class_labels(rows["grade"], rows["cls"]),
        "fag": _take(list(SUBJECTS.values()), rows["subject"]),
    }
    if with_kind:
        columns["testtype"] = pa.array(["overgangstest"] * n, pa.string())
    columns["point"] = _strings(rows["points"])
    columns["maks point"] = _strings(rows["max_points"])
    columns["præstationsniveau"] = _take(list(LEVELS.values()), rows["level"] - 1)
    return columns


def _skills_columns(rows, schools: Schools, year: int) -> dict[str, pa.Array]:
    """As a municipal extract of the færdighedstest might look: Danish headers, the test kind named, one row
    per pupil for the whole test (empty profile area) and one per profile area."""
    n = len(rows["key"])
    areas = [[None, *PROFILE_AREAS[s]] if s in PROFILE_AREAS else [None] * 4 for s in SUBJECTS]
    return {
        "Elev ID": _keys(rows["key"]),
        "Institutionsnummer": _take(schools.ids, rows["school"]),
        "Skoleår": pa.array([schoolyear.short(year)] * n, pa.string()),
        "Klassetrin": _take([f"{g}. klasse" for g in range(11)], rows["grade"]),
        "Klasse": _class_labels(rows["grade"], rows["cls"]),
        "Fag": _take(list(SUBJECTS.values()), rows["subject"]),
        "Testtype": pa.array(["Færdighedstest"] * n, pa.string()),
        "Profilområde": _take([a for row in areas for a in row], rows["subject"] * 4 + rows["area"]),
        "Antal korrekte": _strings(rows["points"]),
        "Maks point": _strings(rows["max_points"]),
    }


def _wellbeing_columns(rows, schools: Schools) -> dict[str, pa.Array]:
    value = pa.array(np.char.replace(np.char.mod("%.1f", rows["value"]), ".", ","))
    value = pc.if_else(pa.array(rows["withheld"]), pa.scalar(".."), value)
    return {
        "skoleår": _take([schoolyear.long(y) for y in range(2000, 2040)], rows["year"] - 2000),
        "institutionsnummer": _take(schools.ids, rows["school"]),
        "institution": _take(schools.names, rows["school"]),
        "klassetrin": _strings(rows["grade"]),
        "trivselsindikator": _take(list(WELLBEING_INDICATORS), rows["indicator"]),
        "indikatorsvar": value,
        "antal besvarelser": _strings(rows["respondents"]),
    }


def _language_columns(rows, daycares: Daycares) -> dict[str, pa.Array]:
    return {
        "år": _take([schoolyear.short(y) for y in range(2000, 2040)], rows["year"] - 2000),
        "institutions_id": _take(daycares.ids, rows["daycare"]),
        "antal vurderede": _strings(rows["n"]),
        "generel indsats": _strings(rows["general"]),
        "fokuseret indsats": _strings(rows["focused"]),
        "særlig indsats": _strings(rows["special"]),
        "antal indskrevne": _strings(rows["enrolled"]),
    }


def _danish(values: np.ndarray, decimals: int = 1, suffix: str = "") -> list[str | None]:
    """Numbers written the Danish way (``6,8 %``); NaN becomes the source's ``..``."""
    return [".." if np.isnan(v) else f"{v:.{decimals}f}".replace(".", ",") + suffix for v in values]


def _years(years: np.ndarray, long: bool = True) -> pa.Array:
    return _take([(schoolyear.long if long else schoolyear.short)(y) for y in range(2000, 2040)], years - 2000)


def _absence_columns(rows, schools: Schools) -> dict[str, pa.Array]:
    # Some columns carry the percent sign, some do not, as municipal BI extracts mix them.
    tenths = {k: rows[k] / 10 for k in ("total", "sick", "permitted", "unlawful")}
    return {
        "skoleår": _years(rows["year"]),
        "institutionsnummer": _take(schools.ids, rows["school"]),
        "klassetrin": _strings(rows["grade"]),
        "antal elever": _strings(rows["n"]),
        "fravær i alt": pa.array(_danish(tenths["total"], suffix=" %")),
        "sygefravær": pa.array(_danish(tenths["sick"])),
        "fravær med tilladelse": pa.array(_danish(tenths["permitted"])),
        "ulovligt fravær": pa.array(_danish(tenths["unlawful"])),
        "andel over 10 % fravær": pa.array(_danish(rows["over_10"] / rows["n"] * 100, suffix=" %")),
    }


_VERDICTS = ("Over niveau", "På niveau", "Under niveau")


def _exam_xlsx(path: Path, rows, schools: Schools) -> Path:
    """The ministry's table style: a title, a subtitle, the header, the data, a blank row, notes."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Karakterer"
    ws.append(["Karaktergennemsnit ved 9.-klasseprøverne og socioøkonomisk reference"])
    ws.append([f"{KOMMUNE_NAME}. {SYNTHETIC_LABEL}"])
    ws.append(
        [
            "skoleår",
            "institutionsnummer",
            "institution",
            "antal elever",
            "karaktergennemsnit",
            "socioøkonomisk reference",
            "forskel",
            "signifikant forskel",
        ]
    )
    for i in range(len(rows["school"])):
        small = np.isnan(rows["socref"][i])
        ws.append(
            [
                schoolyear.short(int(rows["year"][i])),
                schools.ids[rows["school"][i]],
                schools.names[rows["school"][i]],
                int(rows["n"][i]),
                float(rows["mean"][i]),
                None if small else float(rows["socref"][i]),
                None if small else float(rows["diff"][i]),
                None if small else _VERDICTS[rows["verdict"][i]],
            ]
        )
    ws.append([])
    ws.append(["Socioøkonomisk reference beregnes kun, hvor mindst 5 elever har karakterer."])
    ws.append(["Kilde: Børne- og Undervisningsministeriet, Styrelsen for It og Læring (syntetisk udtræk)"])
    return _save_xlsx(wb, path)


def _transition_share_columns(rows, schools: Schools) -> dict[str, pa.Array]:
    return {
        "skoleår": _years(rows["year"], long=False),
        "institutionsnummer": _take(schools.ids, rows["school"]),
        "institution": _take(schools.names, rows["school"]),
        "antal elever": _strings(rows["n"]),
        "i gang efter 3 mdr.": pa.array(_danish(rows["share_3m"] * 100)),
        "i gang efter 15 mdr.": pa.array(_danish(rows["share_15m"] * 100)),
    }


def _competence_columns(rows, schools: Schools) -> dict[str, pa.Array]:
    return {
        "skoleår": _years(rows["year"]),
        "institutionsnummer": _take(schools.ids, rows["school"]),
        "fag": _take([s for s, _, _ in COMPETENCE_SUBJECTS], rows["subject"]),
        "planlagte timer": _strings(rows["planned"]),
        "timer med undervisningskompetence": _strings(rows["covered"]),
    }


GOAL_HEADERS = (
    "mål_id",
    "titel",
    "indikator",
    "fag",
    "klassetrin",
    "omfang",
    "retning",
    "målværdi",
    "målår",
    "vedtaget",
    "bemærkning",
)
SAMPLE_GOALS = (
    (
        "1.1a",
        "Mindst 80 % af eleverne skal være gode til at læse i de nationale test",
        "nt_share_good",
        "Dansk, læsning",
        None,
        "skoler",
        ">=",
        80,
        "2021/22",
        "Aftalepartierne bag folkeskolereformen (2013)",
        "Nationalt resultatmål 1.1",
    ),
    (
        "1.1b",
        "Mindst 80 % af eleverne skal være gode til matematik i de nationale test",
        "nt_share_good",
        "Matematik",
        None,
        "skoler",
        ">=",
        80,
        "2021/22",
        "Aftalepartierne bag folkeskolereformen (2013)",
        "Nationalt resultatmål 1.1",
    ),
    (
        "1.2",
        "Andelen af de allerdygtigste elever i dansk og matematik skal stige år for år",
        "nt_share_top",
        None,
        None,
        "skoler",
        "stigende",
        None,
        None,
        "Aftalepartierne bag folkeskolereformen (2013)",
        "Nationalt resultatmål 1.2",
    ),
    (
        "2.1",
        "Andelen af elever med dårlige resultater i de nationale test skal uanset social baggrund reduceres år for år",
        "nt_share_poor",
        None,
        None,
        "skoler",
        "faldende",
        None,
        None,
        "Aftalepartierne bag folkeskolereformen (2013)",
        "Nationalt resultatmål 2.1",
    ),
    (
        "3.1",
        "Elevernes trivsel skal øges",
        "wb_general",
        None,
        None,
        "skoler",
        "stigende",
        None,
        None,
        "Aftalepartierne bag folkeskolereformen (2013)",
        "Nationalt resultatmål 3.1",
    ),
    (
        "L1",
        "Trivsel mindst 4,0 på alle skoler",
        "wb_social",
        None,
        None,
        "skoler",
        ">=",
        4.0,
        "2025/26",
        "Børne- og skoleudvalget 12.03.2024, pkt. 7",
        "Lokalt mål for social trivsel, 4.-9. klasse",
    ),
    (
        "L2",
        "90 % af børnene i generel indsats",
        "la_share_general",
        None,
        None,
        "dagtilbud",
        ">=",
        90,
        "2026/27",
        "Børne- og skoleudvalget 12.03.2024, pkt. 8",
        "Sprogvurdering af 3-årige",
    ),
    (
        "L3",
        "Eleverne svarer i gennemsnit rigtigt på mindst 65 % af opgaverne i overgangstestene",
        "tt_mean_correct",
        None,
        None,
        "skoler",
        ">=",
        0.65,
        "2026/27",
        "Børne- og skoleudvalget 10.09.2024, pkt. 4",
        "Lokal definition: overgangstestene har ingen officiel grænse for 'gode' resultater; "
        "65 % korrekte svar er kommunens eget pejlemærke",
    ),
)


def _goals_xlsx(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Mål"
    ws.append([f"{KOMMUNE_NAME} - mål for skoler og dagtilbud ({SYNTHETIC_LABEL})"])
    ws.append([])
    ws.append(list(GOAL_HEADERS))
    for goal in SAMPLE_GOALS:
        ws.append(list(goal))
    return _save_xlsx(wb, path)


# The country's published figures, invented as everything here: (indicator, subject, level in 2019/20, change a
# year, years). Plausible levels, so that Eksempelby and its neighbours sit around them.
_NATIONAL_FIGURES = (
    ("nt_share_good", "Dansk, læsning", 0.58, 0.004, range(2016, 2022)),
    ("nt_share_good", "Matematik", 0.56, 0.003, range(2016, 2022)),
    ("wb_social", None, 3.9, 0.0, WELLBEING_YEARS),
    ("wb_academic", None, 3.7, -0.005, WELLBEING_YEARS),
    ("wb_support", None, 3.2, 0.0, WELLBEING_YEARS),
    ("wb_order", None, 3.35, -0.01, WELLBEING_YEARS),
    ("wb_general", None, 3.85, -0.005, WELLBEING_YEARS),
    ("la_share_general", None, 0.87, 0.002, range(2018, 2025)),
    ("abs_mean_pct", None, 0.066, 0.001, QUALITY_YEARS),
    ("abs_share_over_10", None, 0.23, 0.006, QUALITY_YEARS),
    ("exam_mean", None, 7.3, 0.02, QUALITY_YEARS),
    ("tr_share_3m", None, 0.85, 0.0, QUALITY_YEARS),
    ("tr_share_15m", None, 0.86, 0.0, range(QUALITY_YEARS.start, QUALITY_YEARS.stop - 1)),
    ("comp_coverage", None, 0.87, 0.006, QUALITY_YEARS),
)


def _national_levels(path: Path) -> Path:
    """The country's figures as the ministry's tables give them: shares as percentages, means with a comma."""
    rows: dict[str, list] = {k: [] for k in ("skoleår", "indikator", "fag", "værdi")}
    for indicator, subject, level, change, years in _NATIONAL_FIGURES:
        for year in years:
            value = level + change * (year - 2019)
            rows["skoleår"].append(schoolyear.short(year))
            rows["indikator"].append(indicator)
            rows["fag"].append(subject)
            is_share = indicator.split("_")[0] in ("nt", "la", "abs", "tr", "comp")
            rows["værdi"].append(
                _danish(np.array([value * 100 if is_share else value]), 1 if is_share else 2, " %" if is_share else "")[
                    0
                ]
            )
    return _write_csv(path, {k: pa.array(v, pa.string()) for k, v in rows.items()})


def _clusters(path: Path) -> Path:
    codes = [SAMPLE_KOMMUNE] + [code for code, *_ in NEIGHBOURS]
    names = ["Eksempelby"] + [name for _, name, *_ in NEIGHBOURS]
    columns = {"klynge": [CLUSTER_NAME] * len(codes), "kommunekode": [str(c) for c in codes], "kommune": names}
    return _write_csv(path, {k: pa.array(v, pa.string()) for k, v in columns.items()})


def _neighbour_files(out_dir: Path, number: int, seed: int) -> list[Path]:
    """The cluster's six fictional neighbours with their public data only (never a test result: § 55 b), the
    cluster and the national figures."""
    streams = [np.random.default_rng([seed, 9, k]) for k in range(4)]
    schools, daycares = _national_institutions(streams[0], 36, NEIGHBOURS)
    pupils = _pupils(streams[1], schools, range(WELLBEING_YEARS.start - 9, WELLBEING_YEARS.stop), seed * 104729)
    effects = _effects(streams[2], schools.effect, schools.trend, WELLBEING_YEARS, 0.04)
    rng, prefix = streams[3], f"{number:02d}_eksempelby_klynge"
    return [
        _register(out_dir / f"{prefix}_institutionsregister.csv", rng, schools),
        _municipal_list(out_dir / f"{number + 1:02d}_eksempelby_klynge_institutionsliste.csv", schools, daycares),
        _write_csv(
            out_dir / f"{number + 2:02d}_eksempelby_klynge_trivsel.csv",
            _wellbeing_columns(_wellbeing(rng, schools, pupils), schools),
        ),
        _write_csv(
            out_dir / f"{number + 3:02d}_eksempelby_klynge_sprogvurdering.csv",
            _language_columns(_language(rng, daycares, range(2018, 2025)), daycares),
        ),
        _write_csv(
            out_dir / f"{number + 4:02d}_eksempelby_klynge_fravaer.csv",
            _absence_columns(_absence(rng, schools, pupils, effects), schools),
        ),
        _exam_xlsx(
            out_dir / f"{number + 5:02d}_eksempelby_klynge_karakterer.xlsx",
            _exams(rng, schools, pupils, effects),
            schools,
        ),
        _write_csv(
            out_dir / f"{number + 6:02d}_eksempelby_klynge_overgang_ungdomsuddannelse.csv",
            _transition_share_columns(_youth_transition(rng, schools, pupils, effects), schools),
        ),
        _write_csv(
            out_dir / f"{number + 7:02d}_eksempelby_klynge_kompetencedaekning.csv",
            _competence_columns(_competence(rng, schools), schools),
        ),
        _clusters(out_dir / f"{number + 8:02d}_eksempelby_klynger.csv"),
        _national_levels(out_dir / f"{number + 9:02d}_eksempelby_landsplan.csv"),
    ]


README = f"""# {SYNTHETIC_LABEL}

{KOMMUNE_NAME} (kommunekode {SAMPLE_KOMMUNE}) findes ikke. Alle skoler, dagtilbud, elever og tal i
denne mappe er opdigtede og lavet af `python -m sample_data generate --out sample_data/eksempelby`
(seed 2024). De ligner rigtige udtræk, også i deres uensartethed: forskellige kolonnenavne,
stavemåder, tegnsæt og skilletegn.

{CLUSTER_NAME} samler Eksempelby og seks lige så opdigtede nabokommuner ({", ".join(n for _, n, *_ in NEIGHBOURS)};
kommunekoder {NEIGHBOURS[0][0]}-{NEIGHBOURS[-1][0]}, som ingen rigtig kommune har). For nabokommunerne findes kun
offentlige tal (trivsel, sprogvurdering, fravær, karakterer, overgang, kompetencedækning), aldrig testresultater.
Landsplan-tallene (`eksempelby_landsplan.csv`) er også opdigtede.

Filerne indlæses i nummerrækkefølge (`python -m loaders import sample_data/eksempelby/[0-9]*`).
Trivsel for 0.-3. klasse indeholder kun indikatoren Generel skoletrivsel (indskolingens kortere måling; den
vises for sig og indgår aldrig i værdien for alle klassetrin). Overgangstestene 2022/23-2024/25 har
præstationsniveauer; færdighedstesten {schoolyear.short(SKILLS_YEAR)} har point pr. profilområde, men ingen niveauer.
Sprogvurderingen har antal indskrevne børn: vurderingen i dagtilbud er selektiv.
Fravær, karakterer, overgang til ungdomsuddannelse og kompetencedækning dækker skoleårene
{schoolyear.short(QUALITY_YEARS[0])}-{schoolyear.short(QUALITY_YEARS[-1])}. For de elever, der forlod 9. klasse i {schoolyear.short(QUALITY_YEARS[-1])}, kendes andelen efter 15 måneder endnu ikke (`..`).
"""


def generate(out_dir: Path, scale: str = "municipality", seed: int = 2024, *, n_schools: int = 1400) -> list[Path]:
    """Write a synthetic data set to ``out_dir``; returns the import files in import order.

    ``n_schools`` applies to the national scale only (daycares follow at about 3.6 per school).
    A README naming the data synthetic is written too, but it is not an import file.
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {SCALES}, not {scale!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sample = scale == "municipality"
    streams = [np.random.default_rng([seed, k]) for k in range(8)]
    if sample:
        schools, daycares = _sample_institutions(streams[0])
        nt_years, la_years = range(2016, 2022), range(2018, 2025)
    else:
        schools, daycares = _national_institutions(streams[0], n_schools)
        nt_years, la_years = range(2015, 2022), WELLBEING_YEARS
    pupils = _pupils(
        streams[1], schools, range(WELLBEING_YEARS.start - 9, WELLBEING_YEARS.stop), key_offset=seed * 7919
    )
    effects = _effects(streams[2], schools.effect, schools.trend, WELLBEING_YEARS, 0.04)
    prefix = "eksempelby" if sample else "syntetisk_landsdata"

    national_readme = f"# Syntetiske data - fiktive skoler og dagtilbud i alle 98 kommuner (seed {seed})\n"
    (out_dir / "README.md").write_text(README if sample else national_readme, encoding="utf-8")
    files = [
        _register(out_dir / f"01_{prefix}_institutionsregister.csv", streams[3], schools),
        _municipal_list(out_dir / f"02_{prefix}_institutionsliste.csv", schools, daycares),
    ]
    number = 3
    for year in nt_years:
        if year == 2019:
            allowed = (
                np.array([i in SAMPLE_2019_SCHOOLS for i in schools.ids])
                if sample
                else streams[4].random(len(schools.ids)) < 0.05
            )
        else:
            allowed = None
        rows = _national_test_year(streams[4], pupils, effects, year, allowed)
        columns = _national_test_columns(streams[4], rows, schools, year, _NT_VARIANTS[year])
        stem = out_dir / f"{number:02d}_{prefix}_nationale_test_{year}-{(year + 1) % 100:02d}"
        if sample and year == 2018:
            files.append(_national_test_xlsx(stem.with_suffix(".xlsx"), columns, year))
        else:
            files.append(_write_csv(stem.with_suffix(".csv"), columns))
        number += 1
    for year in TRANSITION_YEARS:
        rows = _transition_year(streams[5], pupils, effects, year)
        path = out_dir / f"{number:02d}_{prefix}_overgangstest_{year}-{(year + 1) % 100:02d}.csv"
        files.append(
            _write_csv(path, _transition_columns(rows, schools, year, with_kind=year == 2022), delimiter=",", bom=True)
        )
        number += 1
    files.append(
        _write_csv(
            out_dir / f"{number:02d}_{prefix}_trivsel.csv",
            _wellbeing_columns(_wellbeing(streams[6], schools, pupils), schools),
            encoding="cp1252",
        )
    )
    files.append(
        _write_csv(
            out_dir / f"{number + 1:02d}_{prefix}_sprogvurdering.csv",
            _language_columns(_language(streams[7], daycares, la_years), daycares),
        )
    )
    number += 2
    if sample:
        files.append(_goals_xlsx(out_dir / f"{number:02d}_{prefix}_maal.xlsx"))
        number += 1
    # The quality-report extracts come last, so the earlier files keep their names and bytes.
    quality = np.random.default_rng([seed, 8])
    files.append(
        _write_csv(
            out_dir / f"{number:02d}_{prefix}_fravaer.csv",
            _absence_columns(_absence(quality, schools, pupils, effects), schools),
        )
    )
    files.append(
        _exam_xlsx(
            out_dir / f"{number + 1:02d}_{prefix}_karakterer.xlsx", _exams(quality, schools, pupils, effects), schools
        )
    )
    files.append(
        _write_csv(
            out_dir / f"{number + 2:02d}_{prefix}_overgang_ungdomsuddannelse.csv",
            _transition_share_columns(_youth_transition(quality, schools, pupils, effects), schools),
            encoding="cp1252",
        )
    )
    files.append(
        _write_csv(
            out_dir / f"{number + 3:02d}_{prefix}_kompetencedaekning.csv",
            _competence_columns(_competence(quality, schools), schools),
            delimiter=",",
            bom=True,
        )
    )
    skills_number = number + 4
    if sample:
        neighbours = _neighbour_files(out_dir, number + 4, seed)
        files += neighbours
        skills_number += len(neighbours)
    skills = _skills_year(np.random.default_rng([seed, 9]), pupils, schools, SKILLS_YEAR)
    files.append(
        _write_csv(
            out_dir / f"{skills_number:02d}_{prefix}_faerdighedstest_{SKILLS_YEAR}-{(SKILLS_YEAR + 1) % 100:02d}.csv",
            _skills_columns(skills, schools, SKILLS_YEAR),
            encoding="cp1252",
        )
    )
    return files

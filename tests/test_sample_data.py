"""The sample municipality: reproducible, labelled synthetic, and shaped like a real one.

The properties are checked on the committed files themselves, read with the
standard library and openpyxl (not the product's loaders), so that a loader
bug cannot hide a sample bug or the other way round.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from core import database
from core.settings import SAMPLE_DIR
from core.viewer import ADMINISTRATION
from sample_data import generate, sample_files
from sample_data.generator import (
    DECLINING_SCHOOL,
    IMPROVING_SCHOOL,
    NEW_DAYCARE,
    REGISTER_COLUMNS,
    SAMPLE_GOALS,
    SPECIAL_SCHOOL,
    SYNTHETIC_LABEL,
)

GOOD = {"God", "Rigtig god", "Fremragende", "4", "5", "6"}
LEVELLED = GOOD | {"Ikke tilstrækkelig", "Mangelfuld", "Jævn", "1", "2", "3"}


def _file(pattern: str) -> Path:
    """Eksempelby's own file (not its cluster neighbours')."""
    (path,) = (p for p in SAMPLE_DIR.glob(pattern) if "_klynge_" not in p.name)
    return path


def _cluster_file(pattern: str) -> Path:
    (path,) = (p for p in SAMPLE_DIR.glob(pattern) if "_klynge_" in p.name)
    return path


def _csv(path: Path, encoding: str = "utf-8", delimiter: str = ";") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as f:
        return list(csv.DictReader(f, delimiter=delimiter))


def _xlsx(path: Path) -> tuple[list[list], list[dict]]:
    """(the rows above the header, the data rows up to the first blank row)."""
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    header_at = next(i for i, r in enumerate(rows) if r[0] in ("Elev ID", "mål_id", "skoleår"))
    data = []
    for r in rows[header_at + 1 :]:
        if all(v is None for v in r):
            break
        data.append(dict(zip(rows[header_at], r)))
    return rows[:header_at], data


def _tests(year: int) -> list[dict]:
    """One old-scale national test year as rows keyed (pupil, school, grade, subject, level)."""
    path = next(SAMPLE_DIR.glob(f"*_nationale_test_{year}-*"))
    rows = _xlsx(path)[1] if path.suffix == ".xlsx" else _csv(path)
    out = []
    for r in rows:
        pupil, school, _, grade, _, subject, level, _ = r.values()
        out.append(
            {
                "pupil": str(pupil),
                "school": str(school),
                "grade": int(str(grade).split(".")[0]),
                "subject": subject,
                "level": level,
            }
        )
    return out


def _share_good(rows: list[dict], school: str) -> float:
    """Reading and maths pooled over grades: good results / results with a level."""
    levels = [r["level"] for r in rows if r["school"] == school and r["level"] in LEVELLED]
    return sum(level in GOOD for level in levels) / len(levels)


def _wellbeing() -> list[dict]:
    return _csv(_file("*_trivsel.csv"), encoding="cp1252")


def _weighted(rows: list[dict], indicator: str, year: str, school: str | None = None) -> float:
    picked = [
        r
        for r in rows
        if r["trivselsindikator"] == indicator
        and r["skoleår"] == year
        and r["indikatorsvar"] != ".."
        and school in (None, r["institutionsnummer"])
    ]
    weight = sum(int(r["antal besvarelser"]) for r in picked)
    return sum(float(r["indikatorsvar"].replace(",", ".")) * int(r["antal besvarelser"]) for r in picked) / weight


def test_regenerating_gives_byte_identical_committed_files(tmp_path):
    written = generate(tmp_path)
    assert [p.name for p in written] == [p.name for p in sample_files()]
    committed = sorted(p.name for p in SAMPLE_DIR.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == committed
    for name in committed:
        assert (tmp_path / name).read_bytes() == (SAMPLE_DIR / name).read_bytes(), name


def test_committed_files_are_small_and_labelled_synthetic():
    sizes = {p.name: p.stat().st_size for p in SAMPLE_DIR.iterdir()}
    assert sum(sizes.values()) < 5 * 1024 * 1024
    assert max(sizes.values()) < 2 * 1024 * 1024
    assert SYNTHETIC_LABEL in (SAMPLE_DIR / "README.md").read_text(encoding="utf-8")
    titles, _ = _xlsx(_file("*_nationale_test_2018-19.xlsx"))
    assert len(titles) == 2 and SYNTHETIC_LABEL in titles[1][0]
    assert all("eksempelby" in p.name for p in sample_files())


def test_files_come_in_the_shapes_and_encodings_real_extracts_have():
    register = _csv(_file("01_*"))
    assert tuple(register[0]) == REGISTER_COLUMNS and len(REGISTER_COLUMNS) == 28
    kinds = Counter(r["ENHEDSART"] for r in register)
    assert kinds == {
        "Institution uden enheder": 9,
        "Hovedskole (institution med enheder)": 1,
        "Afdeling (underordnet enhed)": 2,
    }
    assert {r["HOVEDSKOLE_INST"] for r in register if r["ENHEDSART"].startswith("Afdeling")} == {"999001"}
    assert [r["INST_NR"] for r in register if r["INST_TYPE_NAVN"] == "Specialskoler for børn"] == [SPECIAL_SCHOOL]
    assert {r["BEL_KOMMUNE_NAVN"] for r in register} == {"Eksempelby Kommune"}

    listing = _csv(_file("02_*"))
    assert Counter(r["kind"] for r in listing) == {"skole": 12, "dagtilbud": 20}
    assert {r["distrikt"] for r in listing} == {"Nord", "Midt", "Syd"}

    # Well-being: Windows-1252 (æ/ø/å are single bytes, so the file is not valid UTF-8).
    raw = _file("*_trivsel.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    wellbeing = _wellbeing()
    assert {r["trivselsindikator"] for r in wellbeing if int(r["klassetrin"]) <= 3} == {"Generel skoletrivsel"}
    assert len({r["trivselsindikator"] for r in wellbeing if int(r["klassetrin"]) >= 4}) == 5
    assert 0 < sum(r["indikatorsvar"] == ".." for r in wellbeing) < len(wellbeing) / 20

    # Transition tests: UTF-8 with BOM, comma-delimited, points within the maximum.
    for path in SAMPLE_DIR.glob("*_overgangstest_*"):
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
        rows = _csv(path, encoding="utf-8-sig", delimiter=",")
        assert all(0 <= int(r["point"]) <= int(r["maks point"]) for r in rows)

    # The extracts differ in their spelling from year to year.
    assert {r["subject"] for r in _tests(2017)} >= {"Dansk læsning"}
    assert {r["subject"] for r in _tests(2016)} >= {"Dansk, læsning"}
    assert "4. klasse" in {r["klassetrin"] for r in _csv(_file("*_2019-20.csv"))}
    assert {"4", "God"} <= {r["level"] for r in _tests(2017)}


def test_a_cohort_keeps_its_pupil_keys_as_it_moves_up():
    grade2 = {(r["pupil"], r["school"]) for r in _tests(2016) if r["grade"] == 2 and r["subject"] == "Dansk, læsning"}
    grade4 = {(r["pupil"], r["school"]) for r in _tests(2018) if r["grade"] == 4 and r["subject"] == "Dansk, læsning"}
    kept = grade2 & grade4
    # Pupils leave (about 2 % between grade 2 and 4) or are absent on the day (4 % each time),
    # so roughly 90 % of the grade-2 keys come back in grade 4 at the same school.
    assert 0.8 * len(grade2) < len(kept) < len(grade2)
    moved = {p for p, _ in grade2} & {p for p, _ in grade4} - {p for p, _ in kept}
    assert moved == set()  # a key never turns up at another school


def test_schools_differ_one_improves_one_declines():
    first, last = _tests(2016), _tests(2021)
    assert _share_good(last, IMPROVING_SCHOOL) - _share_good(first, IMPROVING_SCHOOL) > 0.15
    assert _share_good(first, DECLINING_SCHOOL) - _share_good(last, DECLINING_SCHOOL) > 0.15
    wellbeing = _wellbeing()
    general = "Generel skoletrivsel"
    assert (
        _weighted(wellbeing, general, "2024/2025", IMPROVING_SCHOOL)
        - _weighted(wellbeing, general, "2015/2016", IMPROVING_SCHOOL)
    ) > 0.2
    assert (
        _weighted(wellbeing, general, "2015/2016", DECLINING_SCHOOL)
        - _weighted(wellbeing, general, "2024/2025", DECLINING_SCHOOL)
    ) > 0.2


def test_school_sizes_span_80_to_900_and_the_special_school_has_tiny_grades():
    respondents = Counter()
    for r in _wellbeing():
        if r["skoleår"] == "2024/2025" and r["trivselsindikator"] == "Generel skoletrivsel":
            respondents[r["institutionsnummer"]] += int(r["antal besvarelser"])
    # About 93 % of the pupils answer the survey: 80 pupils give about 75, 900 about 840.
    assert min(respondents.values()) == respondents[SPECIAL_SCHOOL] < 100
    assert max(respondents.values()) > 750
    tested = Counter((r["grade"], r["subject"]) for r in _tests(2021) if r["school"] == SPECIAL_SCHOOL)
    assert min(tested.values()) < 5


def test_municipal_levels_are_near_the_national_ones():
    for year in (2016, 2017, 2018, 2020, 2021):
        rows = _tests(year)
        levels = [r["level"] for r in rows if r["level"] in LEVELLED]
        assert 0.6 <= sum(level in GOOD for level in levels) / len(levels) <= 0.75, year
    wellbeing = _wellbeing()
    for year in (2015, 2024):
        assert 3.6 <= _weighted(wellbeing, "Generel skoletrivsel", f"{year}/{year + 1}") <= 4.0
    language = _csv(_file("*_sprogvurdering.csv"))
    assert all(
        int(r["antal vurderede"]) == int(r["generel indsats"]) + int(r["fokuseret indsats"]) + int(r["særlig indsats"])
        for r in language
    )
    total = defaultdict(int)
    for r in language:
        for column in ("antal vurderede", "generel indsats", "fokuseret indsats", "særlig indsats"):
            total[column] += int(r[column])
    assert 0.8 <= total["generel indsats"] / total["antal vurderede"] <= 0.9
    assert [r["år"] for r in language if r["institutions_id"] == NEW_DAYCARE] == ["2024/25"]


def test_2019_20_was_tested_in_a_sample_of_schools_only():
    assert len({r["school"] for r in _tests(2019)}) == 3
    assert len({r["school"] for r in _tests(2020)}) == 12


def test_goal_sheet_holds_the_national_and_local_goals():
    titles, goals = _xlsx(_file("*_maal.xlsx"))
    assert SYNTHETIC_LABEL in titles[0][0]
    assert [g["mål_id"] for g in goals] == [g[0] for g in SAMPLE_GOALS]
    assert {g["indikator"] for g in goals} == {
        "nt_share_good",
        "nt_share_top",
        "nt_share_poor",
        "wb_general",
        "wb_social",
        "la_share_general",
        "tt_mean_correct",
    }
    assert "Lokal definition" in next(g["bemærkning"] for g in goals if g["indikator"] == "tt_mean_correct")


def _pct(text: str) -> float:
    """``'6,8 %'`` or ``'6,8'`` -> 0.068."""
    return float(text.removesuffix(" %").replace(",", ".")) / 100


def test_quality_report_extracts_are_plausible_and_in_the_real_formats():
    absence = _csv(_file("*_fravaer.csv"))
    assert {r["skoleår"] for r in absence} == {f"{y}/{y + 1}" for y in range(2019, 2025)}
    assert {r["klassetrin"] for r in absence} == {str(g) for g in range(10)}
    assert absence[0]["fravær i alt"].endswith(" %") and not absence[0]["sygefravær"].endswith("%")
    for r in absence:
        parts = sum(round(_pct(r[c]) * 1000) for c in ("sygefravær", "fravær med tilladelse", "ulovligt fravær"))
        assert parts == round(_pct(r["fravær i alt"]) * 1000)  # the parts add up to the total
    pupils = sum(int(r["antal elever"]) for r in absence if r["skoleår"] == "2024/2025")
    mean = sum(_pct(r["fravær i alt"]) * int(r["antal elever"]) for r in absence if r["skoleår"] == "2024/2025")
    over = sum(
        _pct(r["andel over 10 % fravær"]) * int(r["antal elever"]) for r in absence if r["skoleår"] == "2024/2025"
    )
    assert 0.06 <= mean / pupils <= 0.08 and 0.2 <= over / pupils <= 0.25

    titles, exams = _xlsx(_file("*_karakterer.xlsx"))
    assert titles[0][0].startswith("Karaktergennemsnit") and SYNTHETIC_LABEL in titles[1][0]
    assert {e["signifikant forskel"] for e in exams} == {"Over niveau", "På niveau", "Under niveau", None}
    for e in exams:
        # no reference where fewer than 5 pupils have grades, and the difference is average minus reference
        assert (e["socioøkonomisk reference"] is None) == (e["antal elever"] < 5)
        if e["socioøkonomisk reference"] is not None:
            assert abs(e["karaktergennemsnit"] - e["socioøkonomisk reference"] - e["forskel"]) < 0.051
    assert any(e["institutionsnummer"] == SPECIAL_SCHOOL and e["antal elever"] < 5 for e in exams)
    graded = sum(e["antal elever"] for e in exams)
    assert 6.5 <= sum(e["karaktergennemsnit"] * e["antal elever"] for e in exams) / graded <= 7.5

    transition = _csv(_file("*_overgang_ungdomsuddannelse.csv"), encoding="cp1252")
    left = sum(int(r["antal elever"]) for r in transition)
    assert 0.85 <= sum(_pct(r["i gang efter 3 mdr."]) * int(r["antal elever"]) for r in transition) / left <= 0.9
    # the newest cohort's 15-month figure is not known yet: the source's ".."
    assert {r["skoleår"] for r in transition if r["i gang efter 15 mdr."] == ".."} == {"2024/25"}

    raw = _file("*_kompetencedaekning.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    competence = _csv(_file("*_kompetencedaekning.csv"), encoding="utf-8-sig", delimiter=",")
    assert {"Dansk", "Matematik", "Musik"} <= {r["fag"] for r in competence}
    covered = sum(int(r["timer med undervisningskompetence"]) for r in competence)
    assert 0.85 <= covered / sum(int(r["planlagte timer"]) for r in competence) <= 0.95


def test_national_scale_covers_every_municipality(tmp_path):
    files = generate(tmp_path, "national", seed=7, n_schools=150)
    register = _csv(files[0])
    with (Path(__file__).parent.parent / "core" / "data" / "kommuner.csv").open(encoding="utf-8") as f:
        codes = {r["kommunekode"] for r in csv.DictReader(f)}
    assert {r["BEL_KOMMUNE"] for r in register} == codes
    assert len({r["INST_NR"] for r in register}) == len(register)
    con = duckdb.connect()
    keys = con.execute(
        "SELECT count(*), count(DISTINCT (elev_id, fag)) FROM read_csv(?, all_varchar = true)",
        [str(next(p for p in files if "nationale_test_2016" in p.name))],
    ).fetchone()
    assert keys[0] == keys[1] > 10_000  # no pupil tested twice in a subject
    years = {
        r["skoleår"]
        for r in csv.DictReader(
            io.StringIO(next(p for p in files if "trivsel" in p.name).read_bytes().decode("cp1252")), delimiter=";"
        )
    }
    assert len(years) == 10
    assert any("fravaer" in p.name for p in files) and any("karakterer" in p.name for p in files)


def _data_rows(path: Path) -> int:
    if path.suffix == ".xlsx":
        return len(_xlsx(path)[1])
    with path.open("rb") as f:
        return sum(1 for _ in f) - 1  # the header; no value in the sample spans lines


def test_build_database_loads_every_row_and_marks_the_demo(sample_db):
    files = {
        kind: [p for p in sample_files() if kind in p.name]
        for kind in (
            "nationale_test",
            "overgangstest",
            "faerdighedstest",
            "trivsel",
            "sprogvurdering",
            "fravaer",
            "karakterer",
            "overgang_ungdomsuddannelse",
            "kompetencedaekning",
        )
    }
    neighbours = _csv(_cluster_file("*_klynge_institutionsliste.csv"))
    expected = {
        "test_pupil_results": sum(
            _data_rows(p) for p in files["nationale_test"] + files["overgangstest"] + files["faerdighedstest"]
        ),
        # Eksempelby's files and its cluster neighbours' (public data only)
        **{
            table: sum(_data_rows(p) for p in files[name])
            for table, name in (
                ("wellbeing", "trivsel"),
                ("language_assessments", "sprogvurdering"),
                ("absence", "fravaer"),
                ("exam_grades", "karakterer"),
                ("youth_transition", "overgang_ungdomsuddannelse"),
                ("competence", "kompetencedaekning"),
            )
        },
        "institutions": 12 + 20 + len(neighbours),
        "goals": len(SAMPLE_GOALS),
        "clusters": 7,
        "national_levels": _data_rows(_file("*_landsplan.csv")),
    }
    withheld = sum(r["indikatorsvar"] == ".." for r in _wellbeing() + _csv(_cluster_file("*_klynge_trivsel.csv")))
    with database.read(sample_db) as con:
        counts = {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in expected}
        assert counts == expected
        assert con.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone() == ("true",)
        assert con.execute("SELECT count(*) FROM wellbeing WHERE value IS NULL").fetchone()[0] == withheld
        # The register's facts survive the municipality's own list, which adds the districts.
        assert con.execute(
            "SELECT institution_type, unit_type, district, municipality_code FROM institutions "
            "WHERE institution_id = ?",
            [SPECIAL_SCHOOL],
        ).fetchone() == ("Specialskoler for børn", "Institution uden enheder", "Midt", 999)
        assert con.execute("SELECT parent_id FROM institutions WHERE institution_id = '999002'").fetchone() == (
            "999001",
        )


def test_every_goal_status_occurs_in_the_sample(sample_db):
    from indicators.goals import evaluate_goals

    with database.read(sample_db) as con:
        status = evaluate_goals(con, ADMINISTRATION, kommune=999)
    by_status = status.groupby("status")["unit_id"].apply(set).to_dict()
    assert set(by_status) == {"met", "on_track", "not_met", "no_data"}
    assert NEW_DAYCARE in by_status["no_data"]  # its one assessment covers 2 children: withheld
    assert "999008" in set(status[(status.goal_id == "1.1a") & (status.status == "met")].unit_id)

"""Loading real extracts: every shape loads, values are exact, re-loading is idempotent, corrections replace."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest

from loaders import detect_kind, import_files, reading
from tests.fixtures_files import query, snapshot, write_csv, write_xlsx

# The ministry's register export: 28 columns, of which the product uses nine.
REGISTER_HEADER = [
    "INST_NR",
    "INST_NAVN",
    "ENHEDSART",
    "HOVEDSKOLE_INST",
    "INST_ADR",
    "POSTNR",
    "POSTDISTRIKT",
    "TLF_NR",
    "E_MAIL",
    "WEB_ADR",
    "INST_TYPE_NR",
    "INST_TYPE_NAVN",
    "INST_TYPE_GRUPPE",
    "INST_LEDER",
    "CVR_NR",
    "P_NR",
    "EJERKODE",
    "EJERKODE_NAVN",
    "BEL_KOMMUNE",
    "BEL_KOMMUNE_NAVN",
    "BEL_REGION",
    "BEL_REGION_NAVN",
    "ADM_KOMMUNE",
    "ADM_KOMMUNE_NAVN",
    "GEO_BREDDE_GRAD",
    "GEO_LAENGDE_GRAD",
    "OPRETTET_DATO",
    "NEDLAGT_DATO",
]
assert len(REGISTER_HEADER) == 28


def _register_row(nr, name, unit, main, kind, lat, lon):
    values = dict(
        INST_NR=nr,
        INST_NAVN=name,
        ENHEDSART=unit,
        HOVEDSKOLE_INST=main,
        INST_TYPE_NAVN=kind,
        EJERKODE_NAVN="Kommunale",
        BEL_KOMMUNE="751",
        BEL_KOMMUNE_NAVN="Aarhus Kommune",
        GEO_BREDDE_GRAD=lat,
        GEO_LAENGDE_GRAD=lon,
        POSTNR="8000",
        INST_LEDER="Åse Ørsted",
    )
    return [values.get(h) for h in REGISTER_HEADER]


REGISTER = [
    REGISTER_HEADER,
    _register_row(
        "751001", "Skjoldhøjskolen", "Hovedskole (institution med enheder)", None, "Folkeskoler", "56,1701", "10,1227"
    ),
    _register_row(
        "751002",
        "Skjoldhøjskolen, afd. Næshøj",
        "Afdeling (underordnet enhed)",
        "751001",
        "Folkeskoler",
        "56.1802",
        "10.1000",
    ),
    _register_row("751003", "Langagerskolen", "Institution uden enheder", None, "Specialskoler for børn", None, None),
]
EXPECTED_INSTITUTIONS = [
    (
        "751001",
        "Skjoldhøjskolen",
        "skole",
        751,
        None,
        "Hovedskole (institution med enheder)",
        "Folkeskoler",
        "Kommunale",
        56.1701,
        10.1227,
    ),
    (
        "751002",
        "Skjoldhøjskolen, afd. Næshøj",
        "skole",
        751,
        "751001",
        "Afdeling (underordnet enhed)",
        "Folkeskoler",
        "Kommunale",
        56.1802,
        10.1,
    ),
    (
        "751003",
        "Langagerskolen",
        "skole",
        751,
        None,
        "Institution uden enheder",
        "Specialskoler for børn",
        "Kommunale",
        None,
        None,
    ),
]
_INSTITUTION_COLS = (
    "institution_id, name, kind, municipality_code, parent_id, unit_type, institution_type, owner, latitude, longitude"
)


@pytest.fixture
def schools(db: Path, tmp_path: Path) -> Path:
    import_files(db, [write_csv(tmp_path / "register.csv", REGISTER, encoding="cp1252")])
    return db


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_register_export_loads(db, tmp_path, fmt):
    path = (
        write_csv(tmp_path / "inst.csv", REGISTER, encoding="cp1252")
        if fmt == "csv"
        else write_xlsx(tmp_path / "inst.xlsx", REGISTER, title="Institutionsregisteret, udtræk 2025")
    )
    [result] = import_files(db, [path])
    assert (result.kind, result.shape, result.status, result.rows_loaded) == ("institutions", "register", "indlæst", 3)
    assert not result.warnings  # every one of the 28 columns is known
    assert query(db, f"SELECT {_INSTITUTION_COLS} FROM institutions ORDER BY 1") == EXPECTED_INSTITUTIONS


def test_own_list_upserts_only_the_columns_it_carries(schools, tmp_path):
    own = write_csv(
        tmp_path / "liste.csv",
        [
            ["Institutions_ID", "Navn", "Type", "Distrikt", "Hovedinstitution", "Bemærkning"],
            ["751001", "Skjoldhøjskolen", "skole", "Vest", None, "x"],
            ["DT-17", "Børnehuset Ærtebjerg", "Dagtilbud", "Vest", None, "y"],
        ],
        delimiter=",",
    )
    [result] = import_files(schools, [own])
    assert result.replaced == 1 and result.rows_loaded == 2
    assert [w.message for w in result.warnings] == ["ukendte kolonner ignoreres: Bemærkning"]
    rows = query(
        schools,
        "SELECT institution_id, name, kind, district, unit_type, municipality_code, latitude "
        "FROM institutions WHERE institution_id IN ('751001', 'DT-17') ORDER BY 1",
    )
    # The register's columns survive; the list adds the district and a daycare without a municipality code.
    assert rows == [
        ("751001", "Skjoldhøjskolen", "skole", "Vest", "Hovedskole (institution med enheder)", 751, 56.1701),
        ("DT-17", "Børnehuset Ærtebjerg", "dagtilbud", "Vest", None, None, None),
    ]


WELLBEING_LONG = [
    ["Trivselsmåling 2024/25, Aarhus"],
    [],
    [
        "Skoleår",
        "Institutionsnummer",
        "Institution",
        "Klassetrin",
        "Trivselsindikator",
        "Indikatorsvar",
        "Antal besvarelser",
    ],
    ["2024/2025", "751001", "Skjoldhøjskolen", "4. klasse", "Social trivsel", "4,1", "1.234"],
    ["2024/2025", "751001", "Skjoldhøjskolen", "4. klasse", "Støtte og inspiration", "..", "58"],
    ["2024/25", "751001", "Skjoldhøjskolen", "", "Generel trivsel", "3,75", ""],
    ["2024/25", "751002", "Skjoldhøjskolen, afd. Næshøj", "5.", "Ro og orden", "3,6", "–"],
    [],
    ["Kilde: Børne- og Undervisningsministeriet – data er foreløbige"],
]


def test_wellbeing_long_cp1252_with_decimal_commas_loads_exactly_and_twice_changes_nothing(schools, tmp_path):
    path = write_csv(tmp_path / "trivsel.csv", WELLBEING_LONG, encoding="cp1252")
    [first] = import_files(schools, [path])
    assert (first.kind, first.shape, first.status, first.rows_read, first.rows_loaded) == (
        "wellbeing",
        "lang",
        "indlæst",
        4,
        4,
    )
    rows = query(
        schools,
        "SELECT institution_id, school_year, grade, indicator, value, respondents FROM wellbeing "
        "ORDER BY institution_id, indicator",
    )
    # '4,1' -> 4.1; '..' -> NULL (not 0); '1.234' respondents -> 1234; empty grade = all grades; '–' -> NULL.
    assert rows == [
        ("751001", 2024, None, "general", 3.75, None),
        ("751001", 2024, 4, "social", 4.1, 1234),
        ("751001", 2024, 4, "support", None, 58),
        ("751002", 2024, 5, "order", 3.6, None),
    ]
    before = snapshot(schools)
    [second] = import_files(schools, [path])
    assert second.status == "uændret" and "uændret" in second.summary()
    assert snapshot(schools) == before
    assert query(schools, "SELECT status FROM import_batches WHERE file_name = 'trivsel.csv' ORDER BY batch_id") == [
        ("indlæst",),
        ("uændret",),
    ]


def test_wellbeing_wide_shape_unpivots(schools, tmp_path):
    path = write_xlsx(
        tmp_path / "bred.xlsx",
        [
            [
                "skoleår",
                "institutionsnummer",
                "Social trivsel",
                "Faglig trivsel",
                "Generel trivsel",
                "antal besvarelser",
            ],
            ["2023/24", "751001", 4.05, 3.8, "*", 212],
        ],
    )
    [result] = import_files(schools, [path])
    assert result.shape == "bred" and result.rows_loaded == 3
    assert query(schools, "SELECT indicator, value, respondents, grade FROM wellbeing ORDER BY 1") == [
        ("academic", 3.8, 212, None),
        ("general", None, 212, None),
        ("social", 4.05, 212, None),
    ]


PUPIL_HEADER = [
    "Elev_ID",
    "Institutionsnummer",
    "Skoleår",
    "Klassetrin",
    "Klasse",
    "Fag",
    "Præstationsniveau",
    "Normbaseret score",
]


def test_pupil_level_xlsx_with_title_rows_and_source_line(schools, tmp_path):
    path = write_xlsx(
        tmp_path / "nt.xlsx",
        [
            PUPIL_HEADER,
            ["P1", 751001, "2020/21", "2. klasse", "2.A", "Dansk, læsning", "Rigtig god", 71],
            ["P2", 751001, "2020/21", "2.", "2.A", "Dansk læsning", 3, 48.5],
            ["P1", 751001, "2020/21", 2, "2.A", "Matematik", "Ikke tilstrækkelig", ".."],
        ],
        title="Nationale test - resultater på elevniveau (fortroligt, § 55 b)",
        footnote="Kilde: Styrelsen for IT og Læring",
        sheet="Resultater",
        first_sheet="Om udtrækket",
    )
    [result] = import_files(schools, [path], sheet="Resultater")
    assert (result.kind, result.shape, result.rows_loaded) == ("national_tests", "elevniveau", 3)
    assert query(
        schools,
        "SELECT pupil_key, grade, class, subject, test_kind, level, score FROM test_pupil_results "
        "ORDER BY pupil_key, subject",
    ) == [
        ("P1", 2, "2.A", "dansk_laesning", "national_test", 5, 71.0),
        ("P1", 2, "2.A", "matematik", "national_test", 1, None),
        ("P2", 2, "2.A", "dansk_laesning", "national_test", 3, 48.5),
    ]


def test_transition_test_csv_utf8_bom_loads(schools, tmp_path):
    path = write_csv(
        tmp_path / "overgang.csv",
        [
            ["elevnøgle", "inst_nr", "skoleår", "klassetrin", "testfag", "antal korrekte", "maks point"],
            ["Q1", "751003", "2023/24", "3", "Dansk, læsning", "27", "40"],
            ["Q2", "751003", "2023/24", "3", "Dansk, læsning", "-", "40"],
        ],
        encoding="utf-8-sig",
        delimiter=",",
    )
    [result] = import_files(schools, [path])
    assert result.rows_loaded == 2
    # 2023/24 defaults to the transition tests; '-' points is missing, not 0.
    assert query(
        schools, "SELECT pupil_key, test_kind, level, points, max_points FROM test_pupil_results ORDER BY 1"
    ) == [("Q1", "overgangstest", None, 27.0, 40.0), ("Q2", "overgangstest", None, None, 40.0)]


def test_aggregated_tests_load_with_mean_score(schools, tmp_path):
    path = write_csv(
        tmp_path / "agg.csv",
        [
            [
                "institutionsnummer",
                "skoleår",
                "klassetrin",
                "fag",
                "antal testede",
                "ikke tilstrækkelig",
                "mangelfuld",
                "jævn",
                "god",
                "rigtig god",
                "fremragende",
                "gennemsnitlig score",
            ],
            ["751001", "2021/22", "6", "Matematik", "20", "1", "2", "5", "7", "4", "1", "52,5"],
            ["751001", "2021/22", "8", "Matematik", "9", "..", "..", "3", "3", "2", "1", ""],
        ],
    )
    [result] = import_files(schools, [path])
    assert result.shape == "aggregeret"
    assert query(schools, "SELECT grade, n_tested, level_1, level_4, mean_score FROM test_aggregates ORDER BY 1") == [
        (6, 20, 1, 7, 52.5),
        (8, 9, None, 3, None),
    ]


def test_a_column_of_plain_numbers_with_one_danish_number_reads_every_cell_by_the_rule(schools, tmp_path):
    """A column of plain numbers is read by a cast only where the cast gives every text of the file the rule's
    value: one '1.234' (thousands) or '52,5' (decimal comma) among them keeps the rule for the column."""
    header = ["institutionsnummer", "skoleår", "klassetrin", "fag", "antal testede"]
    header += ["ikke tilstrækkelig", "mangelfuld", "jævn", "god", "rigtig god", "fremragende", "gennemsnitlig score"]
    path = write_csv(
        tmp_path / "agg.csv",
        [
            header,
            # 1.000 + 34 + 100 + 50 + 40 + 10 = 1.234 pupils; a plain cast would read '1.234' as 1 and '1.000' as 1.
            ["751001", "2021/22", "6", "Matematik", "1.234", "1.000", "34", "100", "50", "40", "10", "52"],
            ["751001", "2021/22", "8", "Matematik", "20", "1", "2", "5", "7", "4", "1", "52,5"],
        ],
    )
    import_files(schools, [path])
    assert query(schools, "SELECT grade, n_tested, level_1, level_2, mean_score FROM test_aggregates ORDER BY 1") == [
        (6, 1234, 1000, 34, 52.0),
        (8, 20, 1, 2, 52.5),
    ]


@pytest.mark.parametrize("chunk", [3, 7, 64, 1 << 22])
@pytest.mark.parametrize(("footnote", "cp1252_only"), [("Kilde: STIL", False), ("Kilde: STIL – foreløbige tal", True)])
def test_one_read_hashes_and_finds_the_data_end_whatever_its_chunks(
    tmp_path, monkeypatch, chunk, footnote, cp1252_only
):
    body = f"a;b;c\r\n1;2;3\r\n;;x\r\n4;5;6\r\n;;\r\n{footnote}\r\n"
    path = tmp_path / "udtræk.csv"
    path.write_bytes(body.encode("cp1252"))
    monkeypatch.setattr(reading, "_CHUNK", chunk)
    scanned = reading._scan(path, 1, ";", 3, cp1252=True)
    assert scanned.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # The data stops at the line of delimiters only (';;x' has text); '–' is 0x96, where Latin-1 differs.
    assert (scanned.data_end, scanned.cp1252_only) == (body.index(";;\r\n"), cp1252_only)


def _blank_line_by_search(text: bytes, start: int, delim: bytes, width: int) -> int | None:
    """The plain substring search the vectorised one replaced: the first of the four blank lines."""
    row = delim * width
    lines = (b"\n\n", b"\n\r\n", b"\n" + row + b"\n", b"\n" + row + b"\r\n")
    hits = [i for i in (text.find(line, start) for line in lines) if i >= 0]
    return min(hits) if hits else None


def test_the_vectorised_blank_line_search_finds_what_a_substring_search_finds():
    rng = random.Random(12)
    for _ in range(5000):
        text = bytes(rng.choice(b"a;\r\n") for _ in range(rng.randrange(0, 24)))
        start, width = rng.randrange(0, 6), rng.randrange(1, 4)
        expected = _blank_line_by_search(text, start, b";", width)
        assert reading._first_blank_line(text, start, b";", width) == expected, (text, start, width)


def _pupil_file(tmp_path: Path, name: str, rows: list[list]) -> Path:
    header = ["elev_id", "institutionsnummer", "skoleår", "klassetrin", "fag", "niveau"]
    return write_csv(tmp_path / name, [header, *rows])


def test_corrected_extract_replaces_exactly_its_scope(schools, tmp_path):
    original = _pupil_file(
        tmp_path,
        "nt_2021.csv",
        [
            ["A", "751001", "2020/21", "4", "Dansk, læsning", "God"],
            ["B", "751001", "2020/21", "4", "Matematik", "God"],  # other subject: stays
            ["C", "751002", "2020/21", "4", "Dansk, læsning", "God"],  # other institution: stays
            ["D", "751001", "2019/20", "4", "Dansk, læsning", "God"],  # other year: stays
        ],
    )
    import_files(schools, [original])
    aggregated = write_csv(
        tmp_path / "agg.csv",
        [
            ["institutionsnummer", "skoleår", "klassetrin", "fag", "antal testede", "god"],
            ["751001", "2020/21", "6", "Dansk, læsning", "1", "1"],
        ],
    )
    # Aggregated rows replace the pupil rows of the same year, institution and subject (pupil A) ...
    [agg] = import_files(schools, [aggregated])
    assert agg.replaced == 1
    corrected = _pupil_file(
        tmp_path,
        "nt_2021_rettet.csv",
        [
            ["A", "751001", "2020/21", "4", "Dansk, læsning", "Jævn"],
            ["E", "751001", "2020/21", "4", "Dansk, læsning", "Fremragende"],
        ],
    )
    # ... and pupil rows replace the aggregated row.
    [result] = import_files(schools, [corrected])
    assert result.replaced == 1
    assert result.scope == "skoleår 2020/21; 1 institutioner; fag: Dansk, læsning"
    assert query(
        schools, "SELECT pupil_key, institution_id, school_year, subject, level FROM test_pupil_results ORDER BY 1"
    ) == [
        ("A", "751001", 2020, "dansk_laesning", 3),
        ("B", "751001", 2020, "matematik", 4),
        ("C", "751002", 2020, "dansk_laesning", 4),
        ("D", "751001", 2019, "dansk_laesning", 4),
        ("E", "751001", 2020, "dansk_laesning", 6),
    ]
    assert query(schools, "SELECT count(*) FROM test_aggregates") == [(0,)]
    # Loading the original again is not 'unchanged' (its rows were replaced): it replaces all
    # five rows in its four scopes (A and E, B, C, D); the log keeps every batch.
    [again] = import_files(schools, [original])
    assert again.status == "indlæst" and again.replaced == 5
    assert query(schools, "SELECT count(*) FROM import_batches WHERE status = 'indlæst'") == [(5,)]


@pytest.mark.parametrize(
    ("kind", "header", "row", "table", "expected"),
    [
        (
            "language_assessments",
            ["år", "institutions_id", "antal vurderede", "generel indsats", "fokuseret indsats", "særlig indsats"],
            ["2024/25", "751001", "40", "34", "4", "2"],
            "SELECT n_assessed, n_general, n_focused, n_special FROM language_assessments",
            [(40, 34, 4, 2)],
        ),
        (
            "absence",
            ["skoleår", "institutionsnummer", "antal elever", "fravær i alt", "sygefravær", "andel over 10 % fravær"],
            ["2024/25", "751001", "412", "6,5 %", "4,25", "18,2"],
            "SELECT n_pupils, absence_pct, sick_pct, share_over_10 FROM absence",
            [(412, 0.065, 0.0425, 0.182)],
        ),
        (
            "exam_grades",
            [
                "skoleår",
                "institutionsnummer",
                "antal elever",
                "karaktergennemsnit",
                "socioøkonomisk reference",
                "forskel",
                "signifikant forskel",
            ],
            ["2023/24", "751001", "56", "7,4", "7,1", "0,3", "på niveau"],
            "SELECT n_pupils, mean_grade, socref, socref_diff, socref_verdict FROM exam_grades",
            [(56, 7.4, 7.1, 0.3, "På niveau")],
        ),
        (
            "transition",
            ["skoleår", "institutionsnummer", "antal elever", "i gang efter 3 mdr.", "i gang efter 15 mdr."],
            ["2022/23", "751001", "60", "95,0", "88,5"],
            "SELECT n_pupils, share_3m, share_15m FROM youth_transition",
            [(60, 0.95, 0.885)],
        ),
        (
            "competence",
            ["skoleår", "institutionsnummer", "fag", "planlagte timer", "timer med undervisningskompetence"],
            ["2024/25", "751001", "Matematik", "1200", "1.104,5"],
            "SELECT subject, planned_hours, covered_hours FROM competence",
            [("matematik", 1200.0, 1104.5)],
        ),
    ],
)
def test_quality_report_kinds_load(schools, tmp_path, kind, header, row, table, expected):
    path = write_csv(tmp_path / f"{kind}.csv", [header, row])
    assert detect_kind(path) == kind
    [result] = import_files(schools, [path])
    assert result.kind == kind
    # Percentages are stored as shares: '6,5 %' -> 0.065, '18,2' -> 0.182.
    assert [tuple(round(v, 6) if isinstance(v, float) else v for v in r) for r in query(schools, table)] == expected


GOAL_HEADER = [
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
]


def test_goals_are_versioned(schools, tmp_path):
    first = write_xlsx(
        tmp_path / "maal.xlsx",
        [
            GOAL_HEADER,
            [
                "G1",
                "80 % gode læsere",
                "nt_share_good",
                "Dansk, læsning",
                None,
                "skoler",
                ">=",
                "80 %",
                "2025/26",
                "BU 12/3",
            ],
            ["G2", "Mindre fravær", "abs_mean_pct", None, None, "kommune", "<=", "0,05", "2025/26", None],
            ["G3", "Trivsel stiger", "wb_general", None, "4", "751001, 751002", "stigende", None, None, None],
        ],
    )
    [r1] = import_files(schools, [first], user="forvaltning")
    assert (r1.status, r1.rows_loaded, r1.replaced) == ("indlæst", 3, 0)
    # Share targets '80 %' -> 0.8 and '0,05' -> 0.05; subject by Danish name -> id; scope ids normalised.
    assert query(schools, "SELECT goal_id, subject, grade, scope, target, target_year FROM goals ORDER BY 1") == [
        ("G1", "dansk_laesning", None, "skoler", 0.8, 2025),
        ("G2", None, None, "kommune", 0.05, 2025),
        ("G3", None, 4, "751001,751002", None, None),
    ]
    [same] = import_files(schools, [first])
    assert same.status == "uændret"
    changed = write_csv(
        tmp_path / "maal.csv",
        [
            GOAL_HEADER,
            [
                "G1",
                "80 % gode læsere",
                "nt_share_good",
                "dansk_laesning",
                None,
                "skoler",
                ">=",
                "85",
                "2025/26",
                "BU 12/3",
            ],
            ["G3", "Trivsel stiger", "wb_general", None, "4", "751001,751002", "stigende", None, None, None],
        ],
    )
    [r2] = import_files(schools, [changed], user="forvaltning")
    # G1 changed target (new version), G2 left out (deleted version), G3 unchanged (nothing).
    assert (r2.rows_loaded, r2.replaced) == (2, 2)
    assert query(
        schools, "SELECT goal_id, version, target, deleted, changed_by FROM goal_versions ORDER BY goal_id, version"
    ) == [
        ("G1", 1, 0.8, False, "forvaltning"),
        ("G1", 2, 0.85, False, "forvaltning"),
        ("G2", 1, 0.05, False, "forvaltning"),
        ("G2", 2, 0.05, True, "forvaltning"),
        ("G3", 1, None, False, "forvaltning"),
    ]
    assert query(schools, "SELECT goal_id FROM goals ORDER BY 1") == [("G1",), ("G3",)]


def test_institutions_and_data_in_one_import(db, tmp_path):
    register = write_xlsx(tmp_path / "reg.xlsx", REGISTER)
    data = write_csv(tmp_path / "trivsel.csv", WELLBEING_LONG, encoding="utf-8")
    results = import_files(db, [data, register])
    assert [r.kind for r in results] == ["institutions", "wellbeing"]


def test_dry_run_validates_without_loading(schools, tmp_path):
    path = write_csv(tmp_path / "trivsel.csv", WELLBEING_LONG)
    before = snapshot(schools)
    [result] = import_files(schools, [path], dry_run=True)
    assert result.status == "prøvekørsel" and result.rows_read == 4
    assert snapshot(schools) == before


def test_display_names_for_uploaded_files(schools, tmp_path):
    path = write_csv(tmp_path / "tmpab12.csv", WELLBEING_LONG)
    [result] = import_files(schools, [path], names=["Trivsel 2024.csv"], user="leader:751001")
    assert result.file == "Trivsel 2024.csv"
    assert query(
        schools, "SELECT file_name, imported_by FROM import_batches WHERE batch_id = ?", [result.batch_id]
    ) == [("Trivsel 2024.csv", "leader:751001")]

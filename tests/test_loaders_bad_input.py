"""Bad input: every validation rule, in every file format, names file, row and column and changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import ValidationError
from loaders import ImportRejected, import_files, reading
from tests.fixtures_files import FORMATS, copy_db, query, sheet_row, snapshot, write, write_csv

REGISTER = [
    ["INST_NR", "INST_NAVN", "ENHEDSART", "BEL_KOMMUNE"],
    ["999001", "Nordskolen", "Institution uden enheder", "999"],
    ["999002", "Sydskolen", "Institution uden enheder", "999"],
]
DAYCARES = [
    ["institution_id", "navn", "type", "kommunekode"],
    ["DT01", "Børnehuset Æblegården", "dagtilbud", "999"],
]
WELLBEING = [
    ["skoleår", "institutionsnummer", "klassetrin", "trivselsindikator", "indikatorsvar", "antal besvarelser"],
    ["2024/25", "999001", "4", "Social trivsel", "3,9", "40"],
]
GOALS = [
    ["mål_id", "titel", "indikator", "fag", "omfang", "retning", "målværdi", "målår"],
    ["M1", "Flere gode læsere", "nt_share_good", "Dansk, læsning", "skoler", ">=", "80 %", "2025/26"],
]


@pytest.fixture(scope="module")
def base_db_master(tmp_path_factory) -> Path:
    """Two schools, a daycare and some well-being data and goals, so 'unchanged' is not trivially true."""
    tmp = tmp_path_factory.mktemp("base")
    files = [
        write_csv(tmp / "register.csv", REGISTER),
        write_csv(tmp / "dagtilbud.csv", DAYCARES),
        write_csv(tmp / "trivsel0.csv", WELLBEING),
        write_csv(tmp / "maal0.csv", GOALS),
    ]
    import_files(tmp / "base.duckdb", files)
    return tmp / "base.duckdb"


@pytest.fixture
def base_db(base_db_master: Path, tmp_path: Path) -> Path:
    return copy_db(base_db_master, tmp_path / "base.duckdb")


PUPIL_HEADER = [
    "elev_id",
    "institutionsnummer",
    "skoleår",
    "klassetrin",
    "fag",
    "præstationsniveau",
    "score",
    "point",
    "maks point",
]
AGG_HEADER = [
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
]
WB_HEADER = WELLBEING[0]
LA_HEADER = ["år", "institutions_id", "antal vurderede", "generel indsats", "fokuseret indsats", "særlig indsats"]
ABS_HEADER = ["skoleår", "institutionsnummer", "antal elever", "fravær i alt", "andel over 10 % fravær"]
GOAL_HEADER = ["mål_id", "titel", "indikator", "fag", "klassetrin", "omfang", "retning", "målværdi", "målår"]

GOOD_PUPIL = ["E1", "999001", "2020/21", "4", "Dansk, læsning", "God", "55", None, None]
GOOD_AGG = ["999001", "2020/21", "4", "Matematik", "10", "1", "1", "2", "3", "2", "1"]
GOOD_GOAL = ["M2", "Høj trivsel", "wb_general", None, None, "skoler", ">=", "4", "2026/27"]


def _with(row: list, **changes) -> list:
    """A copy of a good row with cells changed, by header position."""
    return list(row) if not changes else [changes.get(f"c{i}", c) for i, c in enumerate(row)]


# (id, header, rows, CSV row of the first bad row, column as in the header, part of the Danish message)
CASES = [
    (
        "level_misspelled",
        PUPIL_HEADER,
        [GOOD_PUPIL, _with(GOOD_PUPIL, c0="E2", c5="Rigtig godt")],
        3,
        "præstationsniveau",
        "'Rigtig godt' er ikke et præstationsniveau",
    ),
    (
        "score_above_100",
        PUPIL_HEADER,
        [_with(GOOD_PUPIL, c6="101"), GOOD_PUPIL],
        2,
        "score",
        "scoren '101' ligger ikke mellem 1 og 100",
    ),
    (
        "score_below_1",
        PUPIL_HEADER,
        [GOOD_PUPIL, _with(GOOD_PUPIL, c0="E2", c6="0")],
        3,
        "score",
        "scoren '0' ligger ikke mellem 1 og 100",
    ),
    (
        "points_above_max",
        PUPIL_HEADER,
        [_with(GOOD_PUPIL, c2="2023/24", c5=None, c6=None, c7="31", c8="30")],
        2,
        "point",
        "point '31' er flere end maks point",
    ),
    ("grade_outside", PUPIL_HEADER, [_with(GOOD_PUPIL, c3="11")], 2, "klassetrin", "ligger ikke mellem 0 og 10"),
    (
        "grade_unreadable",
        PUPIL_HEADER,
        [_with(GOOD_PUPIL, c3="fjerde")],
        2,
        "klassetrin",
        "'fjerde' er ikke et klassetrin",
    ),
    (
        "tested_twice",
        PUPIL_HEADER,
        [GOOD_PUPIL, _with(GOOD_PUPIL, c1="999002"), _with(GOOD_PUPIL, c0="E9")],
        3,
        "elev_id",
        "eleven 'E1' er testet to gange i samme fag og skoleår (også i række {first})",
    ),
    ("unknown_subject", PUPIL_HEADER, [_with(GOOD_PUPIL, c4="Håndværk")], 2, "fag", "ukendt fag 'Håndværk'"),
    (
        "counts_do_not_add_up",
        AGG_HEADER,
        [GOOD_AGG, _with(GOOD_AGG, c2="6", c4="12")],
        3,
        "antal testede",
        "antal testede '12' passer ikke med summen",
    ),
    (
        "wellbeing_above_5",
        WB_HEADER,
        [_with(WELLBEING[1], c4="5,2")],
        2,
        "indikatorsvar",
        "'5,2' ligger ikke mellem 1 og 5",
    ),
    (
        "unknown_indicator",
        WB_HEADER,
        [WELLBEING[1], _with(WELLBEING[1], c3="Social trivse")],
        3,
        "trivselsindikator",
        "ukendt trivselsindikator 'Social trivse'",
    ),
    (
        "duplicate_key",
        WB_HEADER,
        [WELLBEING[1], _with(WELLBEING[1], c4="4,1")],
        3,
        "institutionsnummer",
        "optræder to gange (også i række {first})",
    ),
    (
        "language_parts",
        LA_HEADER,
        [["2024/25", "DT01", "20", "17", "2", "2"]],
        2,
        "antal vurderede",
        "antal vurderede '20' passer ikke med summen",
    ),
    (
        "bad_school_year",
        WB_HEADER,
        [WELLBEING[1], _with(WELLBEING[1], c0="2024-25", c2="5")],
        3,
        "skoleår",
        "'2024-25' er ikke et skoleår",
    ),
    (
        "school_year_not_consecutive",
        WB_HEADER,
        [_with(WELLBEING[1], c0="2024/2026")],
        2,
        "skoleår",
        "'2024/2026' er ikke et skoleår",
    ),
    (
        "unknown_institution",
        WB_HEADER,
        [WELLBEING[1], _with(WELLBEING[1], c1="751001", c2="5")],
        3,
        "institutionsnummer",
        "institutionen '751001' findes ikke i institutionstabellen; indlæs",
    ),
    ("bad_number", WB_HEADER, [_with(WELLBEING[1], c5="fyrre")], 2, "antal besvarelser", "'fyrre' er ikke et helt tal"),
    (
        "bad_percentage",
        ABS_HEADER,
        [["2024/25", "999001", "300", "5,1 %", "ca. 12"]],
        2,
        "andel over 10 % fravær",
        "'ca. 12' er ikke en procentsats",
    ),
    ("missing_value", WB_HEADER, [_with(WELLBEING[1], c3=None)], 2, "trivselsindikator", "mangler en værdi"),
    (
        "goal_unknown_indicator",
        GOAL_HEADER,
        [_with(GOOD_GOAL, c2="wb_happiness")],
        2,
        "indikator",
        "ukendt indikator 'wb_happiness'",
    ),
    (
        "goal_subject_not_of_indicator",
        GOAL_HEADER,
        [_with(GOOD_GOAL, c2="nt_share_good", c3="Engelsk")],
        2,
        "fag",
        "indikatoren har ikke faget 'Engelsk'",
    ),
    ("goal_bad_direction", GOAL_HEADER, [_with(GOOD_GOAL, c6="mindst")], 2, "retning", "'mindst' er ikke en retning"),
    (
        "goal_unknown_scope",
        GOAL_HEADER,
        [_with(GOOD_GOAL, c5="999001, 123456")],
        2,
        "omfang",
        "omfanget '999001, 123456' nævner institutioner, der ikke findes",
    ),
    (
        "goal_level_without_target",
        GOAL_HEADER,
        [_with(GOOD_GOAL, c7=None)],
        2,
        "målværdi",
        "et niveaumål (>= eller <=) skal have en målværdi",
    ),
    ("goal_bad_target_year", GOAL_HEADER, [_with(GOOD_GOAL, c8="2026")], 2, "målår", "'2026' er ikke et skoleår"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_rule_rejects_file_and_changes_nothing(base_db, tmp_path, case, fmt):
    name, header, rows, csv_row, column, fragment = case
    fragment = fragment.format(first=sheet_row(2, fmt))
    path = write(tmp_path, f"udtræk_{name}", [header, *rows], fmt)
    before = snapshot(base_db)
    with pytest.raises(ImportRejected) as raised:
        import_files(base_db, [path])
    [error] = raised.value.errors
    expected = [p for p in error.problems if p.message.startswith(fragment) or fragment in p.message]
    assert expected, error.message
    problem = expected[0]
    assert (problem.file, problem.row, problem.column) == (path.name, sheet_row(csv_row, fmt), column)
    # The whole Danish line names file, row and column.
    assert f"{path.name}, række {sheet_row(csv_row, fmt)}, kolonne '{column}'" in error.message
    assert snapshot(base_db) == before
    [(status, messages)] = query(
        base_db, "SELECT status, messages FROM import_batches WHERE file_name = ?", [path.name]
    )
    assert status == "afvist" and fragment in messages


def test_every_bad_row_is_reported_up_to_the_cap(base_db, tmp_path):
    rows = [_with(WELLBEING[1], c2=str(g), c4="9") for g in range(0, 10)]
    rows += [_with(WELLBEING[1], c0=f"{2000 + i}/{2001 + i}", c2=None, c4="7") for i in range(250)]
    path = write_csv(tmp_path / "mange_fejl.csv", [WB_HEADER, *rows])
    with pytest.raises(ImportRejected) as raised:
        import_files(base_db, [path])
    [error] = raised.value.errors
    # 260 rows, each with one bad value: 200 shown, 60 counted.
    assert len(error.problems) == 200 and error.truncated == 60
    assert [p.row for p in error.problems[:3]] == [2, 3, 4]
    assert "... og 60 fejl mere i mange_fejl.csv" in error.message


def test_missing_required_column_names_it_and_lists_what_was_found(base_db, tmp_path):
    path = write_csv(
        tmp_path / "trivsel.csv",
        [["skoleår", "institutionsnummer", "trivselsindikator"], ["2024/25", "999001", "Social trivsel"]],
    )
    before = snapshot(base_db)
    with pytest.raises(ImportRejected) as raised:
        import_files(base_db, [path], kind="wellbeing")
    [problem] = raised.value.errors[0].problems
    assert problem.row == 1 and problem.column == "indikatorsvar"
    assert "kolonnen 'indikatorsvar'" in problem.message and "mangler" in problem.message
    assert "fundne kolonner: skoleår, institutionsnummer, trivselsindikator" in problem.message
    assert snapshot(base_db) == before


def test_unknown_municipality_code(base_db, tmp_path):
    path = write_csv(tmp_path / "dagtilbud2.csv", [DAYCARES[0], ["DT02", "Solsikken", "dagtilbud", "998"]])
    with pytest.raises(ImportRejected) as raised:
        import_files(base_db, [path])
    [problem] = raised.value.errors[0].problems
    assert (problem.row, problem.column) == (2, "kommunekode")
    assert "kommunekoden '998' findes ikke" in problem.message


def _raw(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("tom.csv", b"", "Filen er tom."),
        (
            "kun_overskrift.csv",
            "skoleår;institutionsnummer;trivselsindikator;indikatorsvar\r\n".encode(),
            "filen har en overskrift, men ingen datarækker",
        ),
        (
            "falsk.xlsx",
            "skoleår;institutionsnummer\r\n2024/25;999001\r\n".encode(),
            "Filen hedder .xlsx, men er ikke en Excel-fil",
        ),
        ("rapport.csv", b"%PDF-1.7\n\x00\x01\x02binary", "hverken en CSV-fil (tekst) eller en Excel-fil"),
        ("gammel.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "gamle Excel-format (.xls)"),
        ("ukendt.csv", b"a;b;c\r\n1;2;3\r\n", "ingen overskriftsrække med kendte kolonnenavne"),
    ],
)
def test_whole_file_problems(base_db, tmp_path, name, content, fragment):
    path = _raw(tmp_path, name, content)
    before = snapshot(base_db)
    with pytest.raises(ImportRejected) as raised:
        import_files(base_db, [path])
    [error] = raised.value.errors
    assert error.file == name and fragment in error.message
    assert snapshot(base_db) == before
    assert query(base_db, "SELECT status FROM import_batches WHERE file_name = ?", [name]) == [("afvist",)]


def test_file_over_the_size_limit_says_the_limit(base_db, tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1024 * 1024)
    path = write_csv(tmp_path / "stor.csv", [WB_HEADER] + [WELLBEING[1]] * 30000)
    with pytest.raises(ImportRejected) as raised:
        import_files(base_db, [path])
    assert "grænsen er 1 MB" in raised.value.errors[0].message


def test_a_rejected_file_stops_the_good_ones_in_the_same_import(base_db, tmp_path):
    good = write_csv(tmp_path / "god.csv", [WB_HEADER, _with(WELLBEING[1], c0="2023/24")])
    bad = write_csv(tmp_path / "daarlig.csv", [WB_HEADER, _with(WELLBEING[1], c4="6")])
    before = snapshot(base_db)
    with pytest.raises(ImportRejected) as raised:
        import_files(base_db, [good, bad])
    assert [e.file for e in raised.value.errors] == ["daarlig.csv"]
    assert snapshot(base_db) == before
    assert query(
        base_db,
        "SELECT file_name, status FROM import_batches WHERE file_name IN ('god.csv', 'daarlig.csv') ORDER BY file_name",
    ) == [("daarlig.csv", "afvist"), ("god.csv", "afvist")]


def test_rejected_files_are_reported_and_results_kept_in_the_order_given(base_db, tmp_path):
    # The importer stages the largest file first (memory); what it reports keeps the order of the command line.
    small = write_csv(tmp_path / "lille.csv", [WB_HEADER, _with(WELLBEING[1], c4="6")])
    large = write_csv(tmp_path / "stor.csv", [WB_HEADER] + [_with(WELLBEING[1], c2=str(g), c4="7") for g in range(10)])
    assert large.stat().st_size > small.stat().st_size
    with pytest.raises(ImportRejected) as raised:
        import_files(base_db, [small, large])
    assert [e.file for e in raised.value.errors] == ["lille.csv", "stor.csv"]
    first = write_csv(tmp_path / "a.csv", [WB_HEADER, _with(WELLBEING[1], c0="2022/23")])
    second = write_csv(
        tmp_path / "b.csv", [WB_HEADER] + [_with(WELLBEING[1], c0="2021/22", c2=str(g)) for g in range(9)]
    )
    results = import_files(base_db, [first, second])
    assert [(r.file, r.rows_loaded) for r in results] == [("a.csv", 1), ("b.csv", 9)]
    assert results[0].batch_id < results[1].batch_id


def test_validation_error_is_the_shared_type(base_db, tmp_path):
    path = write_csv(tmp_path / "x.csv", [WB_HEADER, _with(WELLBEING[1], c4="0")])
    with pytest.raises(ImportRejected) as raised:
        import_files(base_db, [path], dry_run=True)
    assert isinstance(raised.value.errors[0], ValidationError)
    # A dry run records nothing.
    assert query(base_db, "SELECT count(*) FROM import_batches WHERE file_name = 'x.csv'") == [(0,)]

"""The two kinds a municipality compares itself with: national levels and clusters of municipalities."""

from __future__ import annotations

import pytest

from loaders import ImportRejected, detect_kind, import_files
from tests.fixtures_files import query, snapshot, write_csv

NATIONAL = [
    ["skoleår", "indikator", "fag", "klassetrin", "værdi", "antal"],
    # a share three ways: all mean 0.783
    ["2024/25", "Andel gode (nationale test)", "Dansk, læsning", "4", "78,3 %", "52.000"],
    ["2024/25", "nt_share_good", "Matematik", "4", "78,3", ""],
    ["2024/25", "tr_share_3m", "", "", "0,783", ""],
    ["2024/25", "Social trivsel", "", "", "4,05", "250000"],
    ["2023/24", "exam_mean", "", "", "7,4", ""],
]
CLUSTERS = [
    ["klynge", "kommunekode", "kommune"],
    ["Klynge Øst", "101", "København"],
    ["Klynge Øst", "147", "Frederiksberg"],
    ["Egne", "101", ""],
]


def test_national_levels_load_with_values_in_the_indicators_unit(tmp_path):
    db = tmp_path / "db.duckdb"
    path = write_csv(tmp_path / "landsplan.csv", NATIONAL)
    assert detect_kind(path) == "national_levels"
    [result] = import_files(db, [path])
    assert result.scope == "skoleår 2023/24, 2024/25; 4 indikatorer"
    rows = query(db, "SELECT school_year, indicator, subject, grade, value, n FROM national_levels ORDER BY ALL")
    assert rows == [
        (2023, "exam_mean", None, None, 7.4, None),
        (2024, "nt_share_good", "dansk_laesning", 4, 0.783, 52000),
        (2024, "nt_share_good", "matematik", 4, 0.783, None),
        (2024, "tr_share_3m", None, None, 0.783, None),
        (2024, "wb_social", None, None, 4.05, 250000),
    ]


def test_a_corrected_national_file_replaces_the_years_it_holds(tmp_path):
    db = tmp_path / "db.duckdb"
    import_files(db, [write_csv(tmp_path / "a.csv", NATIONAL)])
    corrected = [NATIONAL[0], ["2024/25", "exam_mean", "", "", "7,5", ""]]
    [result] = import_files(db, [write_csv(tmp_path / "b.csv", corrected)])
    assert (result.rows_loaded, result.replaced) == (1, 4)  # the four 2024/25 rows; 2023/24 stays
    assert query(db, "SELECT school_year, indicator, value FROM national_levels ORDER BY 1") == [
        (2023, "exam_mean", 7.4),
        (2024, "exam_mean", 7.5),
    ]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (["2022/23", "xx", "", "", "4", ""], "indikator", "ukendt indikator 'xx'"),
        (["2022/23", "wb_social", "", "", "7", ""], "værdi", "værdien '7' ligger uden for indikatorens skala (1-5)"),
        (["2022/23", "tr_share_3m", "", "", "mange", ""], "værdi", "værdien 'mange' er ikke et tal"),
        (["2022/23", "wb_social", "Matematik", "", "4", ""], "fag", "wb_social har ikke faget Matematik"),
        (["2022/23", "exam_mean", "", "9", "7", ""], "klassetrin", "exam_mean kan ikke opdeles på klassetrin"),
        (["2022/23", "exam_mean", "", "", "7", "-3"], "antal", "antallet kan ikke være negativt"),
        (["2022/23", "exam_mean", "", "", "", ""], "værdi", "mangler en værdi"),
        (["2024", "exam_mean", "", "", "7", ""], "skoleår", "er ikke et skoleår"),
    ],
)
def test_a_bad_national_row_is_named_and_nothing_loads(tmp_path, row, column, fragment):
    db = tmp_path / "db.duckdb"
    import_files(db, [write_csv(tmp_path / "a.csv", CLUSTERS)])
    before = snapshot(db)
    with pytest.raises(ImportRejected) as e:
        import_files(db, [write_csv(tmp_path / "landsplan.csv", NATIONAL + [row])])
    [problem] = e.value.errors[0].problems
    assert (problem.file, problem.row, problem.column) == ("landsplan.csv", 7, column)
    assert fragment in problem.message
    assert snapshot(db) == before


def test_a_national_key_given_twice_is_rejected(tmp_path):
    with pytest.raises(ImportRejected) as e:
        import_files(tmp_path / "db.duckdb", [write_csv(tmp_path / "l.csv", NATIONAL + [NATIONAL[-1]])])
    [problem] = e.value.errors[0].problems
    assert (problem.row, problem.column) == (7, "skoleår")
    assert "optræder to gange (også i række 6)" in problem.message


def test_clusters_load_and_a_file_replaces_the_clusters_it_names(tmp_path):
    db = tmp_path / "db.duckdb"
    path = write_csv(tmp_path / "klynger.csv", CLUSTERS)
    assert detect_kind(path) == "clusters"
    [result] = import_files(db, [path])
    assert result.scope == "klynge: Egne, Klynge Øst"
    new_east = [["klynge", "kommunekode"], ["Klynge Øst", "999"], ["Klynge Øst", "101"]]
    [result] = import_files(db, [write_csv(tmp_path / "ny.csv", new_east)])
    assert (result.rows_loaded, result.replaced) == (2, 2)
    assert query(db, "SELECT cluster, municipality_code FROM clusters ORDER BY ALL") == [
        ("Egne", 101),
        ("Klynge Øst", 101),
        ("Klynge Øst", 999),
    ]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        (["Klynge Øst", "1234", ""], "kommunekode", "kommunekoden '1234' findes ikke i kommunetabellen"),
        (["Klynge Øst", "nord", ""], "kommunekode", "'nord' er ikke en kommunekode"),
        (["", "101", ""], "klynge", "mangler en værdi"),
        (["Klynge Øst", "101", ""], "klynge", "klyngen og kommunekoden optræder to gange (også i række 2)"),
    ],
)
def test_a_bad_cluster_row_is_named_and_nothing_loads(tmp_path, row, column, fragment):
    db = tmp_path / "db.duckdb"
    with pytest.raises(ImportRejected) as e:
        import_files(db, [write_csv(tmp_path / "klynger.csv", CLUSTERS + [row])])
    [problem] = e.value.errors[0].problems
    assert (problem.file, problem.row, problem.column) == ("klynger.csv", 5, column)
    assert fragment in problem.message
    assert query(db, "SELECT count(*) FROM clusters") == [(0,)]
    assert query(db, "SELECT status, kind FROM import_batches") == [("afvist", "clusters")]

"""The cluster comparison: the own municipality beside each member and the country, ranked; never a test result."""

from __future__ import annotations

import math

import pytest

from core import database
from core.errors import AccessDenied
from core.viewer import Viewer
from indicators import comparison, engine
from loaders import import_files
from tests.fixtures_files import write_csv
from tests.test_indicators_data import add_aggregate_year, add_institutions, insert

COUNCIL = Viewer.parse("council")


@pytest.fixture
def cluster_db(db, tmp_path):
    """Three municipalities in the cluster 'Klynge Øst' (999 own, 101, 147), one outside it (151).

    Social well-being 2024: 999 two schools, 4.0 x 30 + 3.5 x 10 respondents -> 155 / 40 = 3.875;
    101 3.9 (20); 147 3.9 (25); 151 4.8 (30). Absence 2024: 999 5.0 % of 100 pupils, 101 7.0 % of 50,
    147 2.0 % of 3 pupils (withheld: fewer than 5). Test results at a school of 101 (never to be shown).
    """
    add_institutions(
        db,
        [
            ("999001", "Skole A", "skole", 999, None),
            ("999002", "Skole B", "skole", 999, None),
            ("101001", "Skole K", "skole", 101, None),
            ("147001", "Skole F", "skole", 147, None),
            ("151001", "Skole G", "skole", 151, None),
        ],
    )
    wellbeing = [
        ("999001", 4.0, 30),
        ("999002", 3.5, 10),
        ("101001", 3.9, 20),
        ("147001", 3.9, 25),
        ("151001", 4.8, 30),
    ]
    insert(db, "INSERT INTO wellbeing VALUES (0, ?, 2024, NULL, 'social', ?, ?)", wellbeing)
    absence = [("999001", 100, 0.05), ("101001", 50, 0.07), ("147001", 3, 0.02)]
    insert(db, "INSERT INTO absence VALUES (0, ?, 2024, NULL, ?, ?, NULL, NULL, NULL, 0.1)", absence)
    add_aggregate_year(db, "999001", 2020, (1, 1, 2, 4, 1, 1))
    add_aggregate_year(db, "101001", 2020, (0, 0, 0, 0, 5, 5))
    files = [
        write_csv(
            tmp_path / "klynger.csv",
            [["klynge", "kommunekode"], ["Klynge Øst", "101"], ["Klynge Øst", "147"], ["Andre", "151"]],
        ),
        write_csv(
            tmp_path / "landsplan.csv",
            [["skoleår", "indikator", "værdi"], ["2023/24", "Social trivsel", "4,1"], ["2024/25", "wb_social", "4,05"]],
        ),
    ]
    import_files(db, files)
    return db


def test_the_own_municipality_beside_the_members_and_the_country(cluster_db):
    with database.read(cluster_db) as con:
        frame = comparison.cluster(con, COUNCIL, "Klynge Øst", "wb_social", 999)
    rows = {(r["unit_id"], r["school_year"]): r for r in frame.to_dict("records")}
    # own first, then the members, then the country; 151 is in another cluster
    assert list(dict.fromkeys(frame["unit_id"])) == ["999", "101", "147", "landsplan"]
    assert math.isclose(rows[("999", 2024)]["value"], 3.875) and rows[("999", 2024)]["own"]
    assert math.isclose(rows[("101", 2024)]["value"], 3.9) and rows[("101", 2024)]["unit_name"] == "København"
    assert rows[("999", 2024)]["lower"] < 3.875 < rows[("999", 2024)]["upper"]  # with its interval
    assert [rows[("landsplan", y)]["value"] for y in (2023, 2024)] == [4.1, 4.05]
    assert comparison.default_year(frame) == 2024


def test_the_page_opens_on_the_latest_year_most_of_the_cluster_has(cluster_db):
    """The own municipality loads its 2025/26 survey before the neighbours' are published: the page opens on
    2024/25, where all three compare, and 2025/26 stays choosable; once a neighbour has it (2 of 3), 2025/26."""
    insert(cluster_db, "INSERT INTO wellbeing VALUES (0, ?, 2025, NULL, 'social', ?, ?)", [("999001", 4.2, 30)])
    with database.read(cluster_db) as con:
        frame = comparison.cluster(con, COUNCIL, "Klynge Øst", "wb_social", 999)
        overview = comparison.cluster_overview(con, COUNCIL, "Klynge Øst", 999).set_index("indicator")
    assert comparison.years(frame) == [2025, 2024]
    assert comparison.default_year(frame) == 2024
    # 2024/25: 999 3.875, 101 3.9, 147 3.9, all shown as 3,9 -> a shared first place of three
    # (in 2025/26 the own municipality alone would be "1. bedst af 1")
    assert (overview.loc["wb_social", "school_year"], overview.loc["wb_social", "rank"]) == (
        2024,
        "delt 1. bedst af 3",
    )
    insert(cluster_db, "INSERT INTO wellbeing VALUES (0, ?, 2025, NULL, 'social', ?, ?)", [("101001", 3.7, 20)])
    with database.read(cluster_db) as con:
        frame = comparison.cluster(con, COUNCIL, "Klynge Øst", "wb_social", 999)
    assert comparison.default_year(frame) == 2025
    # A year two neighbours have but the own municipality lacks is not the default while it has figures of its own.
    insert(
        cluster_db,
        "INSERT INTO wellbeing VALUES (0, ?, 2026, NULL, 'social', ?, ?)",
        [("101001", 3.7, 20), ("147001", 3.8, 25)],
    )
    with database.read(cluster_db) as con:
        frame = comparison.cluster(con, COUNCIL, "Klynge Øst", "wb_social", 999)
    assert (comparison.years(frame), comparison.default_year(frame)) == ([2026, 2025, 2024], 2025)


def test_ranks_follow_the_better_direction_share_ties_and_skip_withheld(cluster_db):
    with database.read(cluster_db) as con:
        social = comparison.cluster(con, COUNCIL, "Klynge Øst", "wb_social", 999)
        absence = comparison.cluster(con, COUNCIL, "Klynge Øst", "abs_mean_pct", 999)
    # higher is better: 3.9, 3.9 and 3.875 all show as 3,9 (one decimal, as the ministry shows well-being):
    # equal as shown, they share the first place
    assert comparison.ranks(social, 2024)[["unit_id", "words"]].values.tolist() == [
        ["999", "delt 1. bedst af 3"],
        ["101", "delt 1. bedst af 3"],
        ["147", "delt 1. bedst af 3"],
    ]
    # lower is better: 5 % before 7 %; 147's value of 3 pupils is withheld and has no place
    assert bool(absence.loc[absence["unit_id"] == "147", "suppressed"].iloc[0])
    assert comparison.ranks(absence, 2024)[["unit_id", "words"]].values.tolist() == [
        ["999", "1. bedst af 2"],
        ["101", "2. bedst af 2"],
    ]


def test_another_municipalitys_test_results_are_refused(cluster_db):
    with database.read(cluster_db) as con:
        for indicator_id in ("nt_share_good", "nt_mean_score", "tt_mean_correct"):
            with pytest.raises(AccessDenied, match="§ 55 b"):
                comparison.cluster(con, COUNCIL, "Klynge Øst", indicator_id, 999)
        # the engine computes test results for the own municipality only, whoever asks
        for viewer in (COUNCIL, Viewer.parse("administration")):
            values = engine.compute(con, viewer, "nt_share_good", levels=("municipality", "institution"))
            assert set(values["unit_id"]) == {"999", "999001"}
    assert "nt_share_good" not in comparison.PUBLIC_INDICATORS


def test_a_leader_sees_no_other_municipality_and_the_public_no_test_result(cluster_db):
    with database.read(cluster_db) as con:
        leader = comparison.cluster(con, Viewer.parse("leader:999001"), "Klynge Øst", "wb_social", 999)
        public = comparison.cluster(con, Viewer.parse("public"), "Klynge Øst", "wb_social", 999)
        with pytest.raises(AccessDenied):
            comparison.cluster(con, Viewer.parse("public"), "Klynge Øst", "nt_share_good", 999)
    # docs/domain.md: a leader has the own municipality level for comparison, nothing of other units
    assert set(leader["unit_id"]) == {"999", "landsplan"}
    # published figures: the public may see every member's public indicators
    assert set(public["unit_id"]) == {"999", "101", "147", "landsplan"}


def test_national_levels_by_subject_and_grade(cluster_db, tmp_path):
    rows = [
        ["skoleår", "indikator", "fag", "klassetrin", "værdi"],
        ["2020/21", "nt_share_good", "Matematik", "", "61 %"],
    ]
    import_files(cluster_db, [write_csv(tmp_path / "l.csv", rows)])
    with database.read(cluster_db) as con:
        pooled = comparison.national_levels(con, COUNCIL, "nt_share_good")
        maths = comparison.national_levels(con, COUNCIL, "nt_share_good", "matematik")
        grade = comparison.national_levels(con, COUNCIL, "nt_share_good", "matematik", 4)
    assert pooled.empty and grade.empty
    assert maths[["school_year", "value"]].values.tolist() == [[2020, 0.61]]

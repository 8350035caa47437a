"""Goal status rules (docs/formats.md), worked out by hand, and goal validation and versioning."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core import database
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from indicators import STATUS_LABELS, delete_goal, evaluate_goals, goal_history, normalise_target, save_goal
from indicators.goals import check_goal, clean_goal, validate_goal
from loaders.importer import ImportRejected, import_files
from tests.fixtures_files import write_csv
from tests.test_indicators_data import add_aggregate_year, add_institutions, insert

ADMIN = Viewer.parse("administration")


def goal(goal_id, indicator, direction, target=None, target_year=None, scope="kommune", **kw) -> dict:
    return {
        "goal_id": goal_id,
        "title": f"Mål {goal_id}",
        "indicator": indicator,
        "scope": scope,
        "direction": direction,
        "target": target,
        "target_year": target_year,
        **kw,
    }


@pytest.fixture
def goals_db(db):
    """D1's language assessments: general 14/20 = 0.70 (2022), 37/50 = 0.74 (2023), 39/50 = 0.78 (2024);
    D2 only 2024 with 4 children (withheld). National tests at A: 2018 0.60, 2019 0.90, 2020 0.65."""
    add_institutions(db)
    insert(
        db,
        "INSERT INTO language_assessments VALUES (0, ?, ?, ?, ?, ?, ?, NULL, DEFAULT)",
        [
            ("D1", 2022, 20, 14, 4, 2),
            ("D1", 2023, 50, 37, 9, 4),
            ("D1", 2024, 50, 39, 8, 3),
            ("D2", 2024, 4, 2, 1, 1),
        ],
    )
    add_aggregate_year(db, "999001", 2018, (1, 1, 2, 4, 1, 1))  # good 6 / 10
    add_aggregate_year(db, "999001", 2019, (0, 0, 1, 5, 2, 2))  # good 9 / 10 (sample year)
    add_aggregate_year(db, "999001", 2020, (1, 1, 5, 8, 3, 2))  # good 13 / 20
    return db


def evaluate(db, viewer=ADMIN, **kw) -> pd.DataFrame:
    with database.read(db) as con:
        return evaluate_goals(con, viewer, kommune=999, **kw)


def status(df, goal_id, unit="999") -> dict:
    rows = df[(df["goal_id"] == goal_id) & (df["unit_id"] == unit)]
    assert len(rows) == 1, rows
    return rows.iloc[0].to_dict()


def test_level_goals_every_status(goals_db):
    # municipality = D1 in 2022 and 2023; in 2024 D1 + D2 = (39 + 2) / (50 + 4) = 41/54 = 0.7593
    for g in [
        goal("met", "la_share_general", ">=", "75 %", "2026/27"),
        goal("track", "la_share_general", ">=", "0,76", "2026/27"),
        goal("miss", "la_share_general", ">=", 90, "2026/27"),
        goal("late", "la_share_general", ">=", 80, "2024/25"),
    ]:
        save_goal(goals_db, g, "test")
    df = evaluate(goals_db)
    assert set(df["school_year"]) == {2024}  # the latest year with a value, for every unit
    r = status(df, "met")
    assert r["status"] == "met" and math.isclose(r["value"], 41 / 54) and r["n"] == 54
    # least squares through (2022, 0.70), (2023, 0.74), (2024, 41/54 = 0.75926):
    # mean year 2023, mean value 0.73309; slope = (-1 x -0.03309 + 1 x 0.02617) / 2 = 0.02963;
    # at 2026: 0.73309 + 3 x 0.02963 = 0.82198 -> >= 0.76 on track, but < 0.90 not met
    assert status(df, "track")["status"] == "on_track"
    assert status(df, "miss")["status"] == "not_met"
    # from the target year on, not meeting the target is not met
    assert status(df, "late")["status"] == "not_met"
    assert math.isclose(status(df, "late")["distance"], 41 / 54 - 0.8)
    # one line per unit, in Danish
    assert status(df, "met")["sentence"] == (
        "Andel i generel indsats (sprogvurdering) steg fra 74,0 % i 2023/24 til 75,9 % i 2024/25 "
        "(ikke signifikant); målet er mindst 75,0 % i 2026/27."
    )


def test_level_goal_needs_two_points_for_a_line(goals_db):
    save_goal(goals_db, goal("one", "la_share_general", ">=", 0.5, "2026/27", scope="D2"), "test")
    with database.read(goals_db) as con:
        df = evaluate_goals(con, ADMIN, kommune=999, year=2022)
    # 2022: D2 has no value: no data; the municipality (D1 only, 0.70) meets 0.5
    assert status(df, "one", "D2")["status"] == "no_data"
    assert status(df, "one")["status"] == "met"
    save_goal(goals_db, goal("one", "la_share_general", ">=", 0.8, "2026/27", scope="D2"), "test")
    # D1's first year alone: 0.70 < 0.80 and a single point gives no line
    assert status(evaluate(goals_db, year=2022), "one")["status"] == "not_met"


def test_year_on_year_goals(goals_db):
    save_goal(goals_db, goal("up", "la_share_general", "stigende"), "test")
    save_goal(goals_db, goal("down", "la_share_general", "faldende"), "test")
    df = evaluate(goals_db)
    up = status(df, "up")
    # 0.7593 (2024) > 0.74 (2023)
    assert up["status"] == "met" and up["previous_year"] == 2023 and math.isclose(up["previous_value"], 0.74)
    # Wilson intervals of 37/50 and 41/54 overlap; bool() of an unknown (NA) would raise
    assert bool(up["change_significant"]) is False
    assert status(df, "down")["status"] == "not_met"
    # the first year has nothing earlier to compare with
    assert status(evaluate(goals_db, year=2022), "up")["status"] == "no_data"


@pytest.fixture
def sentence_db(db):
    """School A only, in Eksempelby: language shares at D1 and well-being means at A (no grade rows)."""
    add_institutions(db)
    return db


def sentence(db, indicator, direction="stigende") -> dict:
    save_goal(db, goal("s", indicator, direction), "test")
    return status(evaluate(db), "s")


def test_sentence_values_equal_as_shown_are_unchanged(sentence_db):
    # 3.791 (2023) and 3.789 (2024) both show as 3,8 with one decimal: not "faldt fra 3,8 til 3,8".
    # Intervals with the assumed sd 0.6 and 100 respondents: ± 1.96 x 0.6 / 10 = ± 0.1176, overlapping.
    insert(
        sentence_db,
        "INSERT INTO wellbeing VALUES (0, '999001', ?, NULL, 'general', ?, 100)",
        [(2023, 3.791), (2024, 3.789)],
    )
    r = sentence(sentence_db, "wb_general")
    assert r["sentence"] == (
        "Generel skoletrivsel var uændret på 3,8 fra 2023/24 til 2024/25 "
        "(ikke signifikant, skønnet usikkerhed); målet er, at den stiger fra år til år."
    )
    assert r["status"] == "not_met"  # the status rule itself compares the values: 3.789 < 3.791


def test_sentence_shows_both_values_with_the_same_decimals(sentence_db):
    # 631 of 1000 -> 63,1 %, then 640 of 1000 -> 64,0 % (not "64 %"), via core.danish
    insert(
        sentence_db,
        "INSERT INTO language_assessments VALUES (0, 'D1', ?, 1000, ?, ?, 0, NULL, DEFAULT)",
        [(2023, 631, 369), (2024, 640, 360)],
    )
    r = sentence(sentence_db, "la_share_general")
    assert r["sentence"].startswith(
        "Andel i generel indsats (sprogvurdering) steg fra 63,1 % i 2023/24 til 64,0 % i 2024/25 (ikke signifikant)"
    )


def test_wellbeing_change_can_be_significant_with_assumed_spread(sentence_db):
    # 400 respondents each year: ± 1.96 x 0.6 / 20 = ± 0.0588, so 3.20 [3.141, 3.259] and
    # 3.60 [3.541, 3.659] do not overlap
    insert(
        sentence_db,
        "INSERT INTO wellbeing VALUES (0, '999001', ?, NULL, 'general', ?, 400)",
        [(2023, 3.2), (2024, 3.6)],
    )
    r = sentence(sentence_db, "wb_general")
    assert bool(r["change_significant"]) is True
    assert "steg fra 3,2 i 2023/24 til 3,6 i 2024/25 (signifikant, skønnet usikkerhed)" in r["sentence"]


def test_wellbeing_change_is_not_significant_at_school_size(sentence_db):
    # 40 respondents: ± 1.96 x 0.6 / sqrt(40) = ± 0.186; 3.70 -> 3.80 is well inside that noise
    insert(
        sentence_db, "INSERT INTO wellbeing VALUES (0, '999001', ?, NULL, 'general', ?, 40)", [(2023, 3.7), (2024, 3.8)]
    )
    r = sentence(sentence_db, "wb_general")
    assert bool(r["change_significant"]) is False and "(ikke signifikant, skønnet usikkerhed)" in r["sentence"]


def test_suppressed_unit_is_no_data(goals_db):
    save_goal(goals_db, goal("dt", "la_share_general", ">=", 75, "2026/27", scope="dagtilbud"), "test")
    df = evaluate(goals_db)
    assert list(df["unit_id"]) == ["999", "D1", "D2"]
    r = status(df, "dt", "D2")
    assert r["status"] == "no_data" and math.isnan(r["value"])
    assert r["sentence"] == (
        "Andel i generel indsats (sprogvurdering): værdien for 2024/25 er skjult, "
        "fordi færre end 5 indgår; målet er mindst 75,0 % i 2026/27."
    )
    # D1 (39/50 = 0.78) is withheld with it: the municipality's 41/54 minus D1's would give D2 back
    r = status(df, "dt", "D1")
    assert r["status"] == "no_data" and math.isnan(r["value"])
    assert r["sentence"] == (
        "Andel i generel indsats (sprogvurdering): værdien for 2024/25 er skjult, så en mindre gruppes tal "
        "ikke kan regnes ud; målet er mindst 75,0 % i 2026/27."
    )
    assert status(df, "dt")["status"] == "met"  # the municipality: 41/54 = 0.759


def test_trend_across_2019_and_the_scale_break(goals_db):
    save_goal(goals_db, goal("nt_up", "nt_share_good", "stigende"), "test")
    save_goal(goals_db, goal("nt_lvl", "nt_share_good", ">=", 75, "2022/23"), "test")
    save_goal(goals_db, goal("tt_up", "tt_mean_correct", "stigende"), "test")
    # transition tests start in 2022/23; the same school also has old-scale results labelled for 2022/23
    insert(
        goals_db,
        "INSERT INTO test_pupil_results (batch_id, pupil_key, institution_id, school_year, grade, "
        "subject, test_kind, points, max_points) VALUES (0, ?, '999001', 2022, 4, 'matematik', "
        "'overgangstest', ?, 40)",
        [(f"t{i}", 20 + i) for i in range(6)],
    )
    df = evaluate(goals_db)
    # 2020 (0.65) is compared with 2018 (0.60), skipping the sample year 2019 (0.90): met
    r = status(df, "nt_up")
    assert r["school_year"] == 2020 and r["previous_year"] == 2018 and r["status"] == "met"
    # line through 2018 and 2020 only: 0.60, 0.65 -> at 2022: 0.70 < 0.75 -> not met
    # (with 2019 in it: mean 0.71667 + 0.025 x 3 = 0.79 would have been on track)
    assert status(df, "nt_lvl")["status"] == "not_met"
    # the transition tests have no earlier comparable year
    assert status(df, "tt_up")["status"] == "no_data"
    # 2019/20 itself compares with nothing
    assert status(evaluate(goals_db, year=2019, goal_ids=["nt_up"]), "nt_up")["status"] == "no_data"
    # old-scale results in 2022/23 are never compared with 2020/21
    add_aggregate_year(goals_db, "999001", 2022, (0, 0, 1, 7, 1, 1), kind="national_test")
    assert status(evaluate(goals_db, goal_ids=["nt_up"]), "nt_up")["status"] == "no_data"


def test_goal_scoping_by_viewer(goals_db):
    save_goal(goals_db, goal("dt", "la_share_general", ">=", 75, "2026/27", scope="dagtilbud"), "test")
    save_goal(goals_db, goal("nt", "nt_share_good", ">=", 80, "2026/27", scope="skoler"), "test")
    leader = evaluate(goals_db, Viewer.parse("leader:D1"))
    assert set(zip(leader["goal_id"], leader["unit_id"])) == {("dt", "999"), ("dt", "D1"), ("nt", "999")}
    public = evaluate(goals_db, Viewer.parse("public"))
    assert set(public["goal_id"]) == {"dt"}
    admin = evaluate(goals_db)
    assert set(admin.loc[admin["goal_id"] == "nt", "unit_id"]) == {"999", "999001", "999002", "999003"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(80, 0.8), ("80", 0.8), ("80 %", 0.8), ("0,8", 0.8), (0.8, 0.8), ("78,5 %", 0.785), ("1", 1.0)],
)
def test_normalise_share_target(raw, expected):
    assert math.isclose(normalise_target("nt_share_good", raw), expected)


@pytest.mark.parametrize(
    ("indicator", "raw"), [("nt_share_good", "150 %"), ("wb_general", "6"), ("nt_share_good", "høj")]
)
def test_normalise_target_rejects(indicator, raw):
    with pytest.raises(KvalitetsdialogError):
        normalise_target(indicator, raw)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"goal_id": ""}, "Mål-id mangler."),
        ({"indicator": "xx"}, "Ukendt indikator 'xx'; brug et id fra indikatorkataloget, fx nt_share_good."),
        ({"subject": "Engelsk"}, "Indikatoren har ikke faget 'Engelsk' (nt_share_good har Dansk, læsning, Matematik)."),
        ({"subject": "Latin"}, "Ukendt fag 'Latin'."),
        ({"grade": "11"}, "Klassetrin '11' skal være et tal fra 0 til 10."),
        ({"direction": "op"}, "'op' er ikke en retning; brug >=, <=, stigende eller faldende."),
        ({"target": None}, "Et niveaumål (>= eller <=) skal have en målværdi."),
        ({"target_year": "2026"}, "'2026' er ikke et skoleår; skriv målåret som 2026/2027 eller 2026/27."),
        (
            {"scope": "999001,999777"},
            "Omfanget '999001,999777' nævner institutioner, der ikke findes i institutionstabellen: 999777.",
        ),
        ({"grade": "bh.kl.", "indicator": "wb_general", "subject": None, "target": "4"}, None),
        (
            {"grade": "4", "indicator": "exam_mean", "subject": None, "target": "7"},
            "Indikatoren 'exam_mean' kan ikke opdeles på klassetrin.",
        ),
        ({"direction": "stigende"}, "Et mål om stigning eller fald fra år til år har ingen målværdi."),
    ],
)
def test_validation_messages(fields, message):
    base = goal("M1", "nt_share_good", ">=", "80 %", "2026/27", subject="Dansk, læsning", grade="4. klasse")
    assert validate_goal({**base, **fields}, institutions={"999001"}) == ([message] if message else [])


def test_save_versions_delete_and_history(db):
    add_institutions(db)
    g = goal("M1", "wb_general", ">=", "4,0", "2026/27", scope="skoler")
    assert save_goal(db, g, "anna") == 1
    assert save_goal(db, g, "anna") is None  # unchanged: no new version
    assert save_goal(db, {**g, "target": "4,2"}, "bo") == 2
    with pytest.raises(KvalitetsdialogError) as e:
        save_goal(db, {**g, "indicator": "nope"}, "bo")
    assert e.value.title == "Målet blev ikke gemt"
    assert delete_goal(db, "M1", "carl") == 3
    with pytest.raises(KvalitetsdialogError):
        delete_goal(db, "M1", "carl")
    with database.read(db) as con:
        history = goal_history(con, "M1")
        current = con.execute("SELECT count(*) FROM goals").fetchone()[0]
        audit = con.execute(
            "SELECT who, object FROM audit_log WHERE action = 'goal_change' ORDER BY audit_id"
        ).fetchall()
    assert list(history["version"]) == [1, 2, 3]
    assert list(history["target"]) == [4.0, 4.2, 4.2] and list(history["deleted"]) == [False, False, True]
    assert list(history["changed_by"]) == ["anna", "bo", "carl"]
    assert current == 0 and audit == [("anna", "M1"), ("bo", "M1"), ("carl", "M1")]


def test_status_labels():
    assert STATUS_LABELS == {
        "met": "Opfyldt",
        "on_track": "På vej",
        "not_on_track": "Ikke på vej",
        "not_met": "Ikke opfyldt",
        "no_data": "Ingen data",
    }


# ---------------------------------------------------------------- one validation for form and sheet

SHEET_HEADER = ["mål_id", "titel", "indikator", "fag", "klassetrin", "omfang", "retning", "målværdi", "målår"]
SHEET_LABELS = dict(
    zip(
        ["goal_id", "title", "indicator", "subject", "grade", "scope", "direction", "target", "target_year"],
        SHEET_HEADER,
    )
)
GOOD_ROW = ["M1", "Høj trivsel", "wb_general", None, None, "skoler", ">=", "4", "2026/27"]


def sheet_fields(row: list) -> dict:
    return dict(zip(SHEET_LABELS, row))


@pytest.mark.parametrize(
    "changes",
    [
        {6: "stigende", 8: None},  # a year-on-year goal with a target: the old loader let it through
        {7: "6"},  # a well-being target outside 1-5: the old loader let it through
        {2: "exam_mean", 4: "9", 7: "7"},  # a grade on an indicator without grades: the old loader let it through
        {2: "nt_share_good", 3: "Engelsk", 7: "80 %"},
        {6: "mindst"},
        {5: "999001; 123456"},
        {7: None},
        {8: "2026"},
        {0: "M 1"},
    ],
    ids=[
        "trend_with_target",
        "wb_target_range",
        "grade_without_grades",
        "subject",
        "direction",
        "scope",
        "no_target",
        "target_year",
        "goal_id_chars",
    ],
)
def test_sheet_loader_and_form_reject_a_goal_with_the_same_words(db, tmp_path, changes):
    add_institutions(db)
    row = [changes.get(i, cell) for i, cell in enumerate(GOOD_ROW)]
    expected = check_goal(sheet_fields(row), {"999001", "999002", "999003", "D1", "D2", "101001"})[1]
    assert expected, "the form must reject this goal too"
    path = write_csv(tmp_path / "maal.csv", [SHEET_HEADER, row])
    with pytest.raises(ImportRejected) as raised:
        import_files(db, [path])
    message = raised.value.message
    for field, fragment in expected:  # the form's words, on the sheet's row 2 and the field's column
        assert f"maal.csv, række 2, kolonne '{SHEET_LABELS[field]}': {fragment}" in message
    assert goal_rows_in(db) == []


def test_sheet_stores_what_the_form_stores(db, tmp_path):
    add_institutions(db)
    row = [
        "M1",
        "Flere gode læsere",
        "nt_share_good",
        "Dansk, læsning",
        "4. klasse",
        "999001 ; 999002",
        "≥",
        "80 %",
        "2026/2027",
    ]
    import_files(db, [write_csv(tmp_path / "maal.csv", [SHEET_HEADER, row])])
    cleaned, problems = clean_goal(sheet_fields(row))
    assert problems == []
    # '80 %' -> 0.8, Danish subject name -> id, '4. klasse' -> 4, '≥' -> '>=', ids joined by commas
    assert goal_rows_in(db) == [
        ("M1", "Flere gode læsere", "nt_share_good", "dansk_laesning", 4, "999001,999002", ">=", 0.8, 2026)
    ]
    assert goal_rows_in(db) == [tuple(cleaned[f] for f in SHEET_LABELS)]


def test_sheet_duplicate_ids_stay_a_file_check(db, tmp_path):
    add_institutions(db)
    path = write_csv(tmp_path / "maal.csv", [SHEET_HEADER, GOOD_ROW, GOOD_ROW, [None] + GOOD_ROW[1:]])
    with pytest.raises(ImportRejected) as raised:
        import_files(db, [path])
    message = raised.value.message
    assert "række 3, kolonne 'mål_id': mål-id'et optræder to gange (også i række 2)" in message
    # a missing id is reported once, by the file-level check, not again by the per-goal rules
    assert message.count("række 4, kolonne 'mål_id'") == 1


def goal_rows_in(db) -> list[tuple]:
    with database.read(db) as con:
        return con.execute(f"SELECT {', '.join(SHEET_LABELS)} FROM goals ORDER BY goal_id").fetchall()


def test_sheet_and_form_write_the_same_versions_and_audit_entries(db, tmp_path):
    """One versioning path: a goal loaded from the sheet gets its version and audit entry like a saved one."""
    add_institutions(db)
    second = ["M2", "Mindre fravær", "abs_mean_pct", None, None, "kommune", "<=", "5 %", "2026/27"]
    import_files(db, [write_csv(tmp_path / "maal.csv", [SHEET_HEADER, GOOD_ROW, second])], user="anna")
    save_goal(db, {**sheet_fields(second), "target": "4 %"}, "bo")  # the form changes M2
    import_files(db, [write_csv(tmp_path / "maal2.csv", [SHEET_HEADER, GOOD_ROW])], user="carl")  # M2 left out
    with database.read(db) as con:
        audit = con.execute(
            "SELECT who, object, details FROM audit_log WHERE action = 'goal_change' ORDER BY audit_id"
        ).fetchall()
        history = goal_history(con)
    # the first import: one entry per goal; the form: M2 version 2; the second import: M2 deleted (M1 unchanged)
    assert [(who, goal) for who, goal, _ in audit] == [("anna", "M1"), ("anna", "M2"), ("bo", "M2"), ("carl", "M2")]
    assert audit[2][2] == "version 2" and audit[3][2].startswith("version 3 (slettet), målark (indlæsning ")
    assert list(zip(history["goal_id"], history["version"], history["changed_by"])) == [
        ("M1", 1, "anna"),
        ("M2", 1, "anna"),
        ("M2", 2, "bo"),
        ("M2", 3, "carl"),
    ]
    assert history["batch_id"].isna().tolist() == [False, False, True, False]  # the form's version has no batch


@pytest.mark.parametrize("raw", ["1e2", "1.2.3,4", "٣"])
def test_a_target_python_alone_would_read_is_rejected_like_an_extracts_number(raw):
    """float() reads these; the loaders' number rule (core.cells) does not, and the goal form follows it."""
    with pytest.raises(KvalitetsdialogError, match="er ikke et tal"):
        normalise_target("wb_general", raw)

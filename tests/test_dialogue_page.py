"""The Dialog page in Streamlit's AppTest, per role, on a small real database."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import database
from core.viewer import Viewer
from dialogue import add_note
from tests.test_app_pages import shown
from tests.test_reports import rdb  # noqa: F401  (the fixture: three schools with data)

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Viewer.parse("administration")


def page(db: Path, viewer: str) -> AppTest:
    """The page as app.py runs it: a Context for this viewer, then the page script."""
    script = f"""
import runpy
from pathlib import Path
from core import database
from core.viewer import Viewer
from dashboards.context import Context, set_current
db = Path({str(db)!r})
set_current(Context(db, Viewer.parse({viewer!r}), database.current_generation(db), 999, False))
runpy.run_path({str(ROOT / "dashboards" / "dialogue_page.py")!r})
"""
    at = AppTest.from_string(script, default_timeout=30)
    return at.run()


@pytest.fixture
def with_notes(rdb):
    action = add_note(
        rdb,
        ADMIN,
        institution_id="999001",
        school_year=2020,
        note_kind="action",
        text="Læsebånd hver dag",
        action_owner="Skolelederen",
        action_due="2021-06-30",
    )
    add_note(
        rdb,
        ADMIN,
        institution_id="999001",
        school_year=2021,
        note_kind="administration",
        text="Forvaltningen noterer fremgang.",
        shared_with_council=True,
    )
    return rdb, action


def markdown(at: AppTest) -> str:
    return "\n".join(shown(m.value) for m in at.markdown)


def test_leader_sees_numbers_notes_and_carried_actions(with_notes):
    db, _ = with_notes
    at = page(db, "leader:999001")
    assert not at.exception
    assert [s.value for s in at.subheader][:2] == ["Åbne aftaler fra tidligere dialoger (1)", "Hvad viser tallene"]
    text = markdown(at)
    assert "Læsebånd hver dag" in text and "Forvaltningen noterer fremgang." in text
    assert "Trivsel mindst 3,8" in text and "Opfyldt" in text
    assert at.selectbox(key="institution").options == ["Nordskolen"]  # no other school offered


def test_leader_writes_an_assessment_through_the_form(with_notes):
    db, _ = with_notes
    at = page(db, "leader:999001")
    at.radio(key="new_kind").set_value("assessment").run()
    at.text_area[-1].input("Vi er tilfredse med trivslen.")
    at.button[-1].click()  # the form's "Gem"
    at.run()
    assert not at.exception and not at.error
    assert "Vi er tilfredse med trivslen." in markdown(at)
    with database.read(db) as con:
        assert con.execute("SELECT author, note_kind FROM dialogue_notes WHERE text LIKE 'Vi er%'").fetchall() == [
            ("app:leader:999001", "assessment")
        ]


def test_council_sees_only_shared_notes_and_public_nothing(with_notes):
    db, _ = with_notes
    at = page(db, "council")
    at.selectbox(key="institution").set_value("999001").run()
    assert not at.exception
    text = markdown(at)
    assert "Forvaltningen noterer fremgang." in text and "Læsebånd" not in text
    assert not at.get("expander") or all("Skriv en ny note" not in e.label for e in at.expander)
    public = page(db, "public")
    assert [i.value for i in public.info] == ["Dialognotater er ikke offentlige."]


def test_administration_records_an_action_on_the_sample(sample_db):
    at = page(sample_db, "administration")
    at.selectbox(key="institution").set_value("999001").run()
    assert not at.exception
    assert any(s.value == "Hvad viser tallene" for s in at.subheader)
    at.radio(key="new_kind").set_value("action").run()
    at.text_area[-1].input("Læsebånd i 3.-5. klasse")
    at.text_input[-1].input("Skolelederen")
    at.button[-1].click()
    at.run()
    assert not at.exception and not at.error
    assert "Læsebånd i 3.-5. klasse" in markdown(at)
    assert "**Status:** åben" in markdown(at)
    labels = [b.label for b in at.get("download_button")]
    assert labels[:2] == ["Dialogark (XLSX)", "Dialogark til udskrift (HTML)"]

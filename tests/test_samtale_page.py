"""The Skoleudviklingssamtale page in Streamlit's AppTest, per role, on a small real database and on the sample."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core import database
from core.viewer import Viewer
from dialogue import samtale as s
from tests.test_samtale import sdb  # noqa: F401  (the fixture: two schools and a daycare with test results)

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Viewer.parse("administration")


def page(db: Path, viewer: str, year: int | None = None, school: str | None = None) -> AppTest:
    """The page as app.py runs it: a Context for this viewer, then the page script."""
    script = f"""
import runpy
from pathlib import Path
from core import database
from core.viewer import Viewer
from dashboards.context import Context, set_current
db = Path({str(db)!r})
set_current(Context(db, Viewer.parse({viewer!r}), database.current_generation(db), 999, False))
runpy.run_path({str(ROOT / "dashboards" / "samtale_page.py")!r})
"""
    at = AppTest.from_string(script, default_timeout=60)
    if school:
        at.session_state["institution"] = school
    at.run()
    if year is not None:
        at.selectbox(key="samtale_year").set_value(year).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def by_label(widgets, label: str, form: str = ""):
    """The widget with this label (in the form whose key starts with ``form``, where two forms have one)."""
    return next(w for w in widgets if w.label == label and getattr(w, "form_id", "").startswith(form))


def texts(at: AppTest) -> str:
    parts = [t.value for t in at.text] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [df.value.to_string() for df in at.dataframe]
    return "\n".join(parts)


def latest(db: Path, institution_id: str, year: int) -> s.SchoolSamtale:
    with database.read(db) as con:
        return s.school_samtale(con, ADMIN, institution_id, year)


def test_administration_prepares_holds_and_records_a_samtale(sdb):
    at = page(sdb, "administration", year=2021)
    assert "Der er ingen skoleudviklingssamtale med skolen i 2021/22 endnu." in texts(at)
    by_label(at.date_input, "Dato").set_value(dt.date(2021, 11, 9))
    by_label(at.text_area, "Skolens ledelse (navn og rolle, én pr. linje)").input("Anne Jensen, skoleleder")
    by_label(at.button, "Opret samtalen").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [m.value for m in at.metric][:3] == ["09.11.2021", "Planlagt", "Nej"]

    by_label(at.text_area, "Hvad aftaler I?").input("Læsebånd i 3.-5. klasse")
    by_label(at.text_input, "Hvem", form="samtale_new_agreement").input("Skolelederen")
    by_label(at.button, "Gem aftalen").click().run()
    assert not at.error, [e.value for e in at.error]

    by_label(at.checkbox, "Samtalen er afholdt").check()
    by_label(at.text_area, "Referat af drøftelsen").input("Vi aftalte et læsebånd.")
    by_label(at.checkbox, "Del med kommunalbestyrelsen").check()
    by_label(at.button, "Gem ny version", form="samtale_record_").click().run()
    assert not at.error, [e.value for e in at.error]
    assert [m.value for m in at.metric][:3] == ["09.11.2021", "Afholdt", "Ja"]
    assert "Vi aftalte et læsebånd." in texts(at) and "Læsebånd i 3.-5. klasse" in texts(at)

    school = latest(sdb, "999001", 2021)
    assert (school.samtale.version, school.samtale.held, school.samtale.shared_with_council) == (2, True, True)
    assert school.samtale.leader_names == "Anne Jensen, skoleleder"
    assert [(a.text, a.owner, a.due, a.status) for a in school.agreements] == [
        ("Læsebånd i 3.-5. klasse", "Skolelederen", dt.date(2022, 6, 30), "åben")
    ]
    with database.read(sdb) as con:
        assert con.execute("SELECT DISTINCT who, origin FROM audit_log WHERE action = 'samtale_change'").fetchall() == [
            ("app:administration", None)
        ]
    # The overview tab: the school's samtale is held, with one open agreement.
    overview = next(df.value for df in at.dataframe if "Åbne aftaler" in df.value.columns)
    assert overview.set_index("Skole").loc["Nordskolen", ["Samtale", "Åbne aftaler"]].tolist() == [
        "Afholdt 09.11.2021",
        1,
    ]
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Referat (XLSX)", "Referat til udskrift (HTML, A4)"]


@pytest.fixture
def shared(sdb):
    samtale_id = s.create_samtale(sdb, ADMIN, institution_id="999001", school_year=2021, held_on="2021-11-09")
    agreement = s.add_agreement(sdb, ADMIN, samtale_id, text="Læsebånd", owner="Skolelederen", due="2022-06-30")
    s.edit_samtale(sdb, ADMIN, samtale_id, shared_with_council=True, summary="Referatet, som det er delt.")
    return sdb, samtale_id, agreement


def test_leader_writes_the_proposal_and_sets_a_status_only(shared):
    db, _, _ = shared
    at = page(db, "leader:999001", year=2021)
    assert at.selectbox(key="institution").options == ["Nordskolen"]  # no other school offered
    assert not at.get("tabs")  # no overview for a leader
    assert "Ret samtalen (dato, deltagere, referat, deling)" not in [e.label for e in at.expander]
    assert "Skriv en ny aftale" not in [e.label for e in at.expander]
    # Of an agreement, the leader may set the status only: no text field for "Hvad".
    assert "Hvad" not in [t.label for t in at.text_area]

    by_label(at.text_area, "Udviklingsområder (ét pr. linje)").input("Læsning\n<b>Trivsel</b>")
    by_label(at.text_area, "Skolens egen vurdering").input("=1+1 er ikke en formel her")
    by_label(at.button, "Gem").click().run()
    assert not at.error, [e.value for e in at.error]
    # Shown as text: the tags are characters, not markup.
    assert "• Læsning\n• <b>Trivsel</b>" in texts(at)

    by_label(at.selectbox, "Status").set_value("i gang")
    by_label(at.button, "Gem ny version", form="samtale_agreement_").click().run()
    assert not at.error, [e.value for e in at.error]
    school = latest(db, "999001", 2021)
    assert school.samtale.areas == ["Læsning", "<b>Trivsel</b>"]
    assert school.samtale.shared_with_council is False  # the leader's text waits for the administration
    assert school.agreements[0].status == "i gang"


def test_council_sees_the_shared_samtale_and_the_overview(shared):
    db, _, _ = shared
    at = page(db, "council", year=2021)
    assert "Referatet, som det er delt." in texts(at)
    assert not at.get("download_button") or all(b.label.startswith("Referat") for b in at.get("download_button"))
    assert not [e for e in at.expander if e.label.startswith(("Ret", "Skriv"))]  # nothing to write
    overview = next(df.value for df in at.dataframe if "Åbne aftaler" in df.value.columns)
    assert overview.set_index("Skole")["Samtale"].to_dict() == {
        "Nordskolen": "Planlagt 09.11.2021",
        "Sydskolen": "Ingen delt samtale",
    }
    other = page(db, "council", year=2021, school="999002")
    assert "Forvaltningen har ikke delt skolens samtale for 2021/22 med kommunalbestyrelsen." in texts(other)
    assert [i.value for i in page(db, "public").info] == ["Skoleudviklingssamtaler er ikke offentlige."]


def test_a_refused_read_through_the_page_context_is_audited(shared):
    db, _, _ = shared
    script = f"""
from pathlib import Path
from core import database
from core.viewer import Viewer
from dashboards.context import Context
from dialogue.samtale import school_samtale
db = Path({str(db)!r})
ctx = Context(db, Viewer.parse("leader:999002"), database.current_generation(db), 999, False, user="bo@x.dk")
ctx.read(school_samtale, "999001", 2021)
"""
    at = AppTest.from_string(script, default_timeout=60).run()
    assert at.exception  # the app shows it as "Ingen adgang"; here it surfaces as the script's exception
    with database.read(db) as con:
        assert con.execute("SELECT who, role, action, object FROM audit_log WHERE action = 'denied'").fetchall() == [
            ("bo@x.dk", "leader", "denied", "samtale:999001:2021")
        ]


def test_done_when_a_samtale_is_prepared_held_recorded_and_printed_on_the_sample(sample_db):
    """Kærgårdsskolen had its samtale in 2023/24; 2024/25's is prepared, held and recorded, with the follow-up."""
    at = page(sample_db, "administration", year=2024, school="999007")
    assert "Opfølgning på aftalerne fra samtalen i 2023/24" in [h.value for h in at.subheader]
    assert "Plan for læsning på mellemtrinnet" in texts(at)
    # Prepare.
    by_label(at.date_input, "Dato").set_value(dt.date(2024, 11, 19))
    by_label(at.text_area, "Skolens ledelse (navn og rolle, én pr. linje)").input("Anne Sørensen, skoleleder")
    by_label(at.text_area, "Forvaltningen (navn og rolle, én pr. linje)").input("Jørgen Pedersen, skolechef")
    by_label(at.button, "Opret samtalen").click().run()
    assert not at.error, [e.value for e in at.error]
    # The leader's proposal.
    leader = page(sample_db, "leader:999007", year=2024)
    by_label(leader.text_area, "Udviklingsområder (ét pr. linje)").input("Læsning på mellemtrinnet")
    by_label(leader.button, "Gem").click().run()
    assert not leader.error, [e.value for e in leader.error]
    # Held: the follow-up on last year's agreements, a new agreement, the referat.
    at = page(sample_db, "administration", year=2024, school="999007")
    followed = latest(sample_db, "999007", 2024).followup
    plan = next(a for a in followed if a.text == "Plan for læsning på mellemtrinnet")
    at.selectbox(key="samtale_agreement").set_value(plan.agreement_id).run()
    by_label(at.selectbox, "Status").set_value("gennemført")
    by_label(at.text_area, "Opfølgning").input("Planen er lavet og følges.")
    by_label(at.button, "Gem ny version", form="samtale_agreement_").click().run()
    assert not at.error, [e.value for e in at.error]
    by_label(at.text_area, "Hvad aftaler I?").input("Læsevejlederen følger 5. klasse")
    by_label(at.text_input, "Hvem", form="samtale_new_agreement").input("Læsevejlederen")
    by_label(at.button, "Gem aftalen").click().run()
    assert not at.error, [e.value for e in at.error]
    by_label(at.checkbox, "Samtalen er afholdt").check()
    by_label(at.text_area, "Referat af drøftelsen").input("Læsningen er i fremgang.")
    by_label(at.button, "Gem ny version", form="samtale_record_").click().run()
    assert not at.error, [e.value for e in at.error]

    school = latest(sample_db, "999007", 2024)
    assert school.samtale.held and school.samtale.areas == ["Læsning på mellemtrinnet"]
    assert school.previous_year == 2023
    assert {a.text: (a.status, a.followup) for a in school.followup}["Plan for læsning på mellemtrinnet"] == (
        "gennemført",
        "Planen er lavet og følges.",
    )
    assert [a.text for a in school.agreements] == ["Læsevejlederen følger 5. klasse"]
    # Printed: the referat carries the follow-up and the test results, marked confidential.
    import reports

    with database.read(sample_db) as con:
        html = reports.samtale(con, Viewer.parse("leader:999007"), "999007", year=2024, fmt="html").decode()
    assert "<p>Referat · Eksempelby Kommune" in html
    assert "Planen er lavet og følges." in html and "Læsevejlederen følger 5. klasse" in html
    assert "Resultater fra de obligatoriske test" in html and "Fortroligt - folkeskolelovens § 55 b" in html

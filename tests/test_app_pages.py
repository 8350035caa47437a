"""Every page for every kind of viewer, run server-side with AppTest on the sample municipality."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import indicators
from core import danish, database
from core.viewer import Viewer

APP = str(Path(__file__).resolve().parent.parent / "app.py")
LEADER_SCHOOL = "999001"  # Nørrevangsskolen, the main school with two departments
PAGES = {
    "administration": ["overblik", "skoler", "institution", "klynge", "samtale_page", "dialogue_page", "maal", "data"],
    "council": ["overblik", "skoler", "klynge", "samtale_page", "dialogue_page"],
    "public": ["overblik"],
    f"leader:{LEADER_SCHOOL}": ["institution", "samtale_page", "dialogue_page", "overblik"],
}
ALL_PAGES = ["overblik", "skoler", "institution", "klynge", "samtale_page", "dialogue_page", "maal", "data"]
TITLES = {
    "overblik": "Overblik – Eksempelby",
    "klynge": "Klynge – Eksempelby",
    "skoler": "Skoler og dagtilbud",
    "samtale_page": "Skoleudviklingssamtale",
    "maal": "Mål",
    "data": "Data",
}


def open_page(db: Path, monkeypatch, viewer: str, page: str | None = None) -> AppTest:
    """The app as ``viewer`` on ``page`` (None = the viewer's start page), after a clean run."""
    monkeypatch.setenv("KVALITETSDIALOG_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["viewer"] = viewer
    at.run()
    if page is not None:
        at.switch_page(f"dashboards/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def shown(markdown: str) -> str:
    """What a person reads of Markdown whose user text the pages escaped (``widgets.md``): without the escapes."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def main_text(at: AppTest) -> str:
    """Everything a person reads in the main area (not the demo's viewer picker in the sidebar)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "text"):
        parts += [shown(str(e.value)) for e in getattr(at.main, kind)]
    parts += [f"{m.label} {m.value} {m.delta}" for m in at.main.metric]
    parts += [df.value.to_string() for df in at.main.dataframe]
    for box in at.main.selectbox:
        parts += [box.label, *box.options]
    return "\n".join(parts)


def evaluate(db: Path, viewer: str):
    with database.read(db) as con:
        return indicators.evaluate_goals(con, Viewer.parse(viewer), kommune=999)


@pytest.mark.parametrize(("viewer", "page"), [(v, p) for v, pages in PAGES.items() for p in pages])
def test_every_page_runs_for_every_viewer(sample_db, monkeypatch, viewer, page):
    at = open_page(sample_db, monkeypatch, viewer, page)
    text = main_text(at)
    assert TITLES.get(page, "Nørrevangsskolen" if viewer.startswith("leader") else "") in text
    assert "Demo – syntetiske data (fiktiv kommune)" in text
    assert "Traceback" not in text


@pytest.mark.parametrize("viewer", PAGES)
def test_pages_outside_the_viewers_set_do_not_exist(sample_db, monkeypatch, viewer):
    at = open_page(sample_db, monkeypatch, viewer)
    for page in set(ALL_PAGES) - set(PAGES[viewer]):
        with pytest.raises(ValueError, match="page"):
            at.switch_page(f"dashboards/{page}.py")


def test_overblik_shows_every_goal_with_status_word_and_municipality_value(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "council")
    text = main_text(at)
    goals = evaluate(sample_db, "council")
    muni = goals[goals["level"] == "municipality"]
    assert len(muni) == 8  # the sample goal sheet: four national result goals (1.1 split in two) and three local
    for goal in muni.itertuples():
        assert goal.title in text
        assert indicators.STATUS_LABELS[goal.shown] in text  # "Ikke på vej" before the target year
    # The reading goal 1.1a as a council member reads it: the engine's share, Danish-formatted.
    reading = muni[muni["goal_id"] == "1.1a"].iloc[0]
    assert danish.pct(reading.value) in [m.value for m in at.main.metric]
    assert reading.sentence in text  # the change since the last comparable year, in words
    noise = muni[muni["change_significant"] == False]  # noqa: E712 (a nullable boolean column)
    assert not noise.empty and all("ikke signifikant" in s for s in noise["sentence"])
    assert "§ 55 b" in text  # national test content is marked confidential for the council


def test_public_sees_no_national_or_transition_tests(sample_db, monkeypatch):
    text = main_text(open_page(sample_db, monkeypatch, "public"))
    for forbidden in (
        "nationale test",
        "overgangstest",
        "færdighedstest",
        "Andel gode",
        "Andel korrekte svar",
        "§ 55 b",
    ):
        assert forbidden.lower() not in text.lower()
    assert "Social trivsel" in text  # the public goals are still there


def test_leader_sees_own_school_and_no_other_institution(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, f"leader:{LEADER_SCHOOL}")
    text = main_text(at)
    with database.read(sample_db) as con:
        names = dict(con.execute("SELECT institution_id, name FROM institutions").fetchall())
        # Goal 1.1a (reading) for the leader's school, straight from the pupil rows:
        # pupils at level God or better / pupils with a level, the latest year whose tests carry levels
        # (the sample's transition tests do; its skills test does not), whole tests only.
        year, share = con.execute(
            """
            SELECT school_year, avg((level >= 4)::INT) FROM test_pupil_results
            WHERE institution_id = ? AND subject = 'dansk_laesning' AND profile_area IS NULL
              AND level IS NOT NULL
            GROUP BY school_year ORDER BY school_year DESC LIMIT 1
            """,
            [LEADER_SCHOOL],
        ).fetchone()
    assert names[LEADER_SCHOOL] in text
    goals_df = at.main.dataframe[0].value
    row = goals_df[goals_df["Mål"].str.contains("læse")].iloc[0]
    assert row["Værdi"] == danish.pct(share)
    assert row["Skoleår"] == f"{year}/{(year + 1) % 100:02d}"
    others = [n for i, n in names.items() if i != LEADER_SCHOOL and n not in names[LEADER_SCHOOL]]
    leaked = [n for n in others if n in text]
    assert leaked == []


def test_council_sees_the_matrix_but_no_class_level(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "council", "skoler")
    matrix = at.main.dataframe[0].value
    assert "Nørrevangsskolen" in list(matrix["Institution"])
    assert any(indicators.STATUS_LABELS["not_met"] in str(v) for v in matrix.to_numpy().ravel())
    text = main_text(at)
    assert "Klasser" not in [s.value for s in at.main.subheader]
    assert re.search(r"\b\d\.[A-Z]\b", text) is None  # no class names such as 4.B


def test_administration_institution_page_has_class_level_suppressed_below_threshold(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "administration", "institution")
    at.selectbox(key="institution").set_value(LEADER_SCHOOL).run()
    assert not at.exception
    text = main_text(at)
    for heading in (
        "Mål",
        "Udvikling",
        "Trivsel pr. klassetrin",
        "Præstationsniveauer pr. klassetrin",
        "Progression for de samme elever",
        "Klasser",
    ):
        assert heading in [s.value for s in at.main.subheader]
    classes = at.main.dataframe[-1].value
    assert list(classes.columns) == ["Klasse", "Værdi", "Elever"]
    assert "Nørrevangsskolen" in text


def test_class_table_says_why_a_value_is_withheld_and_never_shows_its_n(sample_db, monkeypatch):
    """Hyldager Skole 2021/22 (sample), the mean score of the old national tests (their last year): class 3.A has
    fewer than 5 pupils; 8.A is withheld with it, as the school's all-grades value minus its other classes would
    give 3.A back (complementary suppression)."""
    at = open_page(sample_db, monkeypatch, "administration", "institution")
    at.selectbox(key="institution").set_value("999011").run()
    at.selectbox(key="inst_class_indicator").set_value("nt_mean_score").run()
    classes = at.main.dataframe[-1].value.set_index("Klasse")
    assert classes.loc["3.A", "Værdi"] == "færre end 5" and classes.loc["8.A", "Værdi"] == "skjult"
    assert classes.loc["3.A", "Elever"] == classes.loc["8.A", "Elever"] == danish.MISSING
    assert classes.loc["2.A", "Elever"] == "13"


def test_chosen_institution_carries_over_to_the_institution_page(sample_db, monkeypatch):
    """What a matrix row click does (the click itself is in the browser test): remember the id, switch."""
    at = open_page(sample_db, monkeypatch, "administration", "skoler")
    at.session_state["institution"] = LEADER_SCHOOL
    at.switch_page("dashboards/institution.py").run()
    assert at.main.title[0].value == "Nørrevangsskolen"


def test_two_institutions_of_one_name_stay_apart_in_the_choosers(sample_db, monkeypatch):
    """Streamlit's selectbox tells options apart by their labels: with two schools called the same, a rerun
    showed the other one (the viewer picker turned one leader into the other). The id tells them apart."""
    with database.write(sample_db) as con:
        other = con.execute(
            "SELECT min(institution_id) FROM institutions WHERE kind = 'skole' AND municipality_code = 999 "
            "AND parent_id IS NULL AND institution_id <> ?",
            [LEADER_SCHOOL],
        ).fetchone()[0]
        con.execute("UPDATE institutions SET name = 'Nørrevangsskolen' WHERE institution_id = ?", [other])
    for first in (LEADER_SCHOOL, other):
        at = open_page(sample_db, monkeypatch, f"leader:{first}")
        at.run()  # a rerun sends the picker's label back
        assert at.session_state["viewer"] == f"leader:{first}"
        options = at.sidebar.selectbox(key="viewer_picker").options
        assert f"Leder: Nørrevangsskolen ({first})" in options
        at = open_page(sample_db, monkeypatch, "administration", "institution")
        at.selectbox(key="institution").set_value(first).run()
        at.run()
        assert at.session_state["institution"] == first
        assert at.main.title[0].value == "Nørrevangsskolen"


def test_two_goals_of_one_title_stay_apart_in_the_goal_form(sample_db, monkeypatch):
    """The goal form's chooser had the same flaw: with two goals of one title, a rerun opened (and a save would
    have changed) the other goal. The goal id tells them apart."""
    with database.write(sample_db) as con:
        first, second = (
            r[0] for r in con.execute("SELECT DISTINCT goal_id FROM goal_versions ORDER BY 1").fetchall()[:2]
        )
        con.execute("UPDATE goal_versions SET title = 'Læsning' WHERE goal_id IN (?, ?)", [first, second])
    for chosen in (first, second):
        at = open_page(sample_db, monkeypatch, "administration", "maal")
        assert f"Læsning ({chosen})" in at.selectbox(key="maal_edit").options
        at.selectbox(key="maal_edit").set_value(chosen).run()
        at.run()  # a rerun sends the chooser's label back
        assert at.session_state["maal_edit"] == chosen
        assert at.text_input[0].value == chosen  # the form's goal id


def test_agreements_of_one_text_stay_apart_in_their_choosers():
    """The agreement choosers (Dialog's follow-up, Samtale's "Ret en aftale") label by year and text, which two
    agreements may share; they use the same rule as the goal and institution choosers."""
    from dashboards import widgets

    labels = {7: "2025/26: Læsebånd", 9: "2025/26: Læsebånd", 12: "2025/26: Legepatrulje"}
    assert widgets.distinct_labels(labels) == {
        7: "2025/26: Læsebånd (7)",
        9: "2025/26: Læsebånd (9)",
        12: "2025/26: Legepatrulje",
    }


def test_a_trend_charts_target_is_plotlys_horizontal_line():
    """The target is drawn as Plotly's ``add_hline`` draws it (a dashed line across the plot, its label on the
    right above it), without ``add_hline``'s cost."""
    from dashboards import widgets

    frame = pd.DataFrame({"school_year": [2022, 2023], "value": [0.6, 0.7], "comparable_group": ["a", "a"]})
    kwargs = {"names": ["Kommunen"], "colours": ["#000000"]}
    drawn = widgets.trend_figure([frame], "nt_share_good", target=0.75, **kwargs)
    expected = widgets.trend_figure([frame], "nt_share_good", **kwargs)
    expected.add_hline(
        y=75, line={"color": widgets.TARGET_COLOUR, "dash": "dash"}, annotation_text="Mål 75,0 %"
    )  # 0.75 as a share: 75 on the chart's percent axis
    assert drawn.to_plotly_json() == expected.to_plotly_json()

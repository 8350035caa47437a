"""The Klynge page on the sample: the own municipality beside its six neighbours and the country, public indicators
only; the administration edits members and national figures through the loader."""

from __future__ import annotations

from core import danish, database
from core.viewer import Viewer
from indicators import comparison
from indicators.catalogue import CATALOGUE
from loaders import import_files
from tests.test_app_data import GOOD
from tests.test_app_pages import main_text, open_page

CLUSTER = "Klynge Midt"


def test_council_sees_the_cluster_ranked_with_the_country_and_no_test_result(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "council", "klynge")
    text = main_text(at)
    assert "Klynge – Eksempelby" in text and "Nordlund" in text and "Fjordby" in text
    overview = at.main.dataframe[0].value
    # every public indicator with a municipality value, in catalogue order
    assert list(overview["Indikator"]) == [CATALOGUE[i].label for i in comparison.PUBLIC_INDICATORS]
    # golden: the page's own-municipality value and place are the engine's, Danish-formatted
    with database.read(sample_db) as con:
        frame = comparison.cluster(con, Viewer.parse("council"), CLUSTER, "wb_social", 999)
    year = comparison.default_year(frame)
    own = frame[(frame["school_year"] == year) & frame["own"]].iloc[0]
    places = comparison.ranks(frame, year)
    place = places.loc[places["unit_id"] == "999", "words"].iloc[0]
    row = overview[overview["Indikator"] == "Social trivsel"].iloc[0]
    assert (row["Kommunen"], row["Placering i klyngen"]) == (danish.value(own["value"], "scale5"), place)
    assert row["Landsplan"] == danish.value(3.9, "scale5")  # the sample's national figure for 2024/25
    assert place.endswith("bedst af 7")
    # § 55 b: no test indicator is offered or shown
    for forbidden in ("Andel gode", "nationale test", "overgangstest", "Andel korrekte svar"):
        assert forbidden.lower() not in text.lower()
    # the chosen indicator's table: seven municipalities and the country, the text alternative beside the chart
    table = at.main.dataframe[1].value
    assert next(iter(table["Kommune"])) == "Eksempelby" and list(table["Kommune"])[-1] == "Landsplan"
    assert len(table) == 8
    assert any("i klyngen" in m.value and "landsplan" in m.value for m in at.main.markdown)
    assert len(at.main.get("plotly_chart")) == 1


def test_a_newer_own_survey_does_not_move_the_page_to_a_year_without_neighbours(sample_db, monkeypatch, tmp_path):
    """Eksempelby loads its own 2025/26 survey (one school) before the neighbours' figures are published: the
    page stays on 2024/25, where all seven compare, and 2025/26 can be chosen, with Eksempelby alone in it."""
    survey = tmp_path / "trivsel-2025.csv"
    survey.write_bytes(GOOD)
    import_files(sample_db, [survey])
    at = open_page(sample_db, monkeypatch, "council", "klynge")
    overview = at.main.dataframe[0].value.set_index("Indikator")
    assert overview.loc["Social trivsel", "Skoleår"] == "2024/25"
    assert overview.loc["Social trivsel", "Placering i klyngen"].endswith("bedst af 7")
    at.main.selectbox(key="klynge_indicator").set_value("wb_social").run()
    year = at.main.selectbox(key="klynge_year_wb_social")
    assert (year.value, year.options[:2]) == (2024, ["2025/26", "2024/25"])
    assert len(at.main.dataframe[1].value) == 8  # seven municipalities and the country
    year.set_value(2025).run()
    assert not at.exception and not at.error
    # 2025/26: Eksempelby's own figure, one of seven with a value, and no national figure loaded for it
    assert list(at.main.dataframe[1].value["Kommune"]) == ["Eksempelby"]
    assert any("I 2025/26 var kommunens social trivsel" in m.value for m in at.main.markdown)


def test_the_administration_edits_members_and_a_national_figure_through_the_loader(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "administration", "klynge")
    members = at.main.multiselect(key=f"klynge_members_{CLUSTER}")
    assert len(members.value) == 7
    members.unselect(996).run()  # Fjordby leaves the cluster
    at.main.button(key="klynge_save").click().run()
    assert not at.exception and not at.error
    assert "Klyngen Klynge Midt er gemt." in main_text(at)
    at.main.selectbox(key="landsplan_indicator").set_value("exam_mean").run()
    at.main.number_input(key="landsplan_year").set_value(2024).run()
    at.main.text_input(key="landsplan_value").input("7,6").run()
    at.main.button(key="landsplan_save").click().run()
    assert not at.exception and not at.error
    with database.read(sample_db) as con:
        codes = [r[0] for r in con.execute("SELECT municipality_code FROM clusters ORDER BY 1").fetchall()]
        exam = con.execute(
            "SELECT value FROM national_levels WHERE school_year = 2024 AND indicator = 'exam_mean'"
        ).fetchall()
        others = con.execute("SELECT count(*) FROM national_levels WHERE school_year = 2024").fetchone()[0]
        log = con.execute(
            "SELECT file_name, status, imported_by FROM import_batches ORDER BY batch_id DESC LIMIT 2"
        ).fetchall()
    assert codes == [991, 992, 993, 994, 995, 999]
    assert exam == [(7.6,)]
    assert others == 11  # the year's other figures stay (written along)
    assert [(f, s) for f, s, _ in log] == [
        ("landsplan 2024/25 (rettet i appen)", "indlæst"),
        ("klynge 'Klynge Midt' (rettet i appen)", "indlæst"),
    ]


def test_a_bad_national_figure_is_refused_with_the_loaders_message(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "administration", "klynge")
    at.main.selectbox(key="landsplan_indicator").set_value("wb_social").run()
    at.main.text_input(key="landsplan_value").input("7").run()
    at.main.button(key="landsplan_save").click().run()
    assert any("ligger uden for indikatorens skala" in e.value for e in at.main.error)
    with database.read(sample_db) as con:
        assert con.execute("SELECT status FROM import_batches ORDER BY batch_id DESC LIMIT 1").fetchall() == [
            ("afvist",)
        ]


def test_the_council_has_no_edit_controls(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "council", "klynge")
    assert not [b for b in at.main.button if b.key in ("klynge_save", "landsplan_save")]

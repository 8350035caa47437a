"""The quality-report areas on the Institution page, on the sample municipality (AppTest)."""

from __future__ import annotations

import pandas as pd
from streamlit.proto.Metric_pb2 import Metric as MetricProto

import indicators
from core import danish, database, schoolyear
from core.viewer import Viewer
from indicators import uncertainty
from tests.test_app_pages import main_text, open_page

SCHOOL, NAME = "999001", "Nørrevangsskolen"
SPECIAL = "999012"


def _latest(db, indicator_id: str, institution: str, viewer: str) -> tuple[int, dict, dict | None]:
    """The latest school year with a value, and the institution's and the municipality's rows then."""
    with database.read(db) as con:
        df = indicators.compute(
            con,
            Viewer.parse(viewer),
            indicator_id,
            kommune=999,
            levels=("institution", "municipality"),
            institutions=(institution,),
            grades="all",
        )
    year = int(df["school_year"].max())
    rows = df[df["school_year"] == year]
    own = rows[rows["unit_id"] == institution].iloc[0].to_dict()
    muni = rows[rows["level"] == "municipality"]
    return year, own, muni.iloc[0].to_dict() if not muni.empty else None


def _metric(at, label_start: str):
    found = [m for m in at.main.metric if m.label.split(": ", 1)[-1].startswith(label_start)]
    assert len(found) == 1, [m.label for m in at.main.metric]
    return found[0]


def test_leader_sees_each_area_against_the_municipality(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, f"leader:{SCHOOL}", "institution")
    assert [t.label for t in at.main.tabs] == [
        "Fravær",
        "Karakterer",
        "Overgang til ungdomsuddannelse",
        "Kompetencedækning",
    ]
    year, own, muni = _latest(sample_db, "abs_mean_pct", SCHOOL, f"leader:{SCHOOL}")
    metric = _metric(at, "Gennemsnitligt elevfravær")
    assert metric.label.startswith(f"{schoolyear.short(year)}: ")
    assert metric.value == danish.pct(own["value"])
    assert metric.delta == f"{danish.change(own['value'] - muni['value'], 'share')} i forhold til kommunen"
    # the socio-economic difference is the school's own, with no municipality to compare with
    year, own, _ = _latest(sample_db, "exam_socref_diff", SCHOOL, f"leader:{SCHOOL}")
    assert _metric(at, "Forskel til socioøkonomisk reference").value == danish.num(own["value"])
    # the newest cohort's 15-month share is not known yet: the metric shows the year before
    y3 = _latest(sample_db, "tr_share_3m", SCHOOL, f"leader:{SCHOOL}")[0]
    y15 = _latest(sample_db, "tr_share_15m", SCHOOL, f"leader:{SCHOOL}")[0]
    assert y15 == y3 - 1 and _metric(at, "Andel i gang med ungdomsuddannelse efter 15").label.startswith(
        f"{schoolyear.short(y15)}: "
    )
    assert "socioøkonomiske reference" in main_text(at)


def test_special_school_exam_results_are_withheld(sample_db, monkeypatch):
    at = open_page(sample_db, monkeypatch, "administration", "institution")
    at.selectbox(key="institution").set_value(SPECIAL).run()
    _, own, _ = _latest(sample_db, "exam_mean", SPECIAL, "administration")
    # the sample's special school has a tiny grade 9: withheld as small, and its n with it
    assert own["suppression"] == "small" and pd.isna(own["n"])
    assert _metric(at, "Karaktergennemsnit").value == "færre end 5"
    assert not _metric(at, "Karaktergennemsnit").delta


def test_an_area_without_data_says_what_to_import(sample_db, monkeypatch):
    with database.write(sample_db) as con:
        con.execute("BEGIN")
        con.execute("DELETE FROM absence")
        con.execute("COMMIT")
    at = open_page(sample_db, monkeypatch, f"leader:{SCHOOL}", "institution")
    text = main_text(at)
    assert f"Der er ingen tal for fravær for {NAME}." in text and "Indlæs udtrækket *fravær*" in text
    assert _metric(at, "Karaktergennemsnit").value != danish.MISSING


def test_a_difference_without_an_interval_is_never_called_significant(sample_db, monkeypatch):
    """Absence means, exam means and competence coverage have no interval: their difference to the
    municipality stays grey and says the uncertainty is unknown, however large it is."""
    at = open_page(sample_db, monkeypatch, f"leader:{SCHOOL}", "institution")
    for label, indicator_id in (
        ("Gennemsnitligt elevfravær", "abs_mean_pct"),
        ("Karaktergennemsnit", "exam_mean"),
        ("Kompetencedækning", "comp_coverage"),
    ):
        _, own, muni = _latest(sample_db, indicator_id, SCHOOL, f"leader:{SCHOOL}")
        assert pd.isna(own["lower"]) and own["value"] != muni["value"]  # no interval, and a difference to colour
        metric = _metric(at, label)
        assert metric.delta.endswith("i forhold til kommunen")
        assert metric.proto.color == MetricProto.MetricColor.GRAY, label
        assert "usikkerheden er ukendt" in metric.help, label


def test_a_difference_outside_the_uncertainty_is_coloured(sample_db, monkeypatch):
    """The share of pupils with over 10 % absence has a Wilson interval: the colour follows uncertainty.significant."""
    at = open_page(sample_db, monkeypatch, f"leader:{SCHOOL}", "institution")
    _, own, muni = _latest(sample_db, "abs_share_over_10", SCHOOL, f"leader:{SCHOOL}")
    significant = uncertainty.significant(own["lower"], own["upper"], muni["lower"], muni["upper"])
    assert significant is not None
    metric = _metric(at, "Andel elever med over 10 % fravær")
    grey = metric.proto.color == MetricProto.MetricColor.GRAY
    assert grey is not significant
    assert ("inden for den statistiske usikkerhed" in metric.help) is not significant

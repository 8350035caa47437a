"""Property: whatever viewer, page and filter, nothing outside the viewer's scope reaches the browser.

Each example opens a page of the real app (AppTest, demo picker on the sample
municipality) as a random viewer, picks random options in up to two of the
page's select boxes, and then looks at everything the server sent for the main
area: every element's protobuf (the text, the Plotly JSON incl. hover text),
and the DataFrames behind tables. Kept bounded so the suite stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from google.protobuf import text_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import reports
from core import database
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from indicators.catalogue import CATALOGUE
from indicators.engine import compute
from tests.test_app_pages import APP

PAGES = {
    "administration": [
        "overblik",
        "skoler",
        "institution",
        "samtale_page",
        "dialogue_page",
        "maal",
        "data",
        "audit_page",
    ],
    "council": ["overblik", "skoler", "samtale_page", "dialogue_page"],
    "public": ["overblik"],
    "leader": ["institution", "samtale_page", "dialogue_page", "overblik"],
}
CONFIDENTIAL = [i for i, ind in CATALOGUE.items() if ind.confidential]


def _facts(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        institutions = con.execute(
            "SELECT institution_id, name FROM institutions WHERE municipality_code = 999"
        ).fetchall()
        test_goals = [
            r[0]
            for r in con.execute("SELECT title FROM goals WHERE list_contains(?, indicator)", [CONFIDENTIAL]).fetchall()
        ]
    return {"institutions": dict(institutions), "test_goals": test_goals}


def _sent(at: AppTest) -> str:
    """Everything the main area carries to the browser, as readable text."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and not getattr(node, "children", None):
            parts.append(text_format.MessageToString(proto, as_utf8=True))
        if getattr(node, "type", None) == "plotly_chart":
            parts.append(json.dumps(json.loads(node.proto.spec), ensure_ascii=False))
        if getattr(node, "type", None) in ("dataframe", "table"):
            parts.append(node.value.to_string())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return "\n".join(parts)


@st.composite
def visits(draw, institution_ids: list[str]):
    role = draw(st.sampled_from(list(PAGES)))
    viewer = role
    if role == "leader":
        viewer = "leader:" + draw(st.sampled_from(institution_ids))  # the demo picker offers one each
    page = draw(st.sampled_from(PAGES[role]))
    picks = draw(st.lists(st.integers(min_value=0, max_value=1000), max_size=2))
    return viewer, page, picks


@pytest.fixture(scope="module")
def facts(sample_db_master):
    return _facts(sample_db_master)


def _label_selectable(box, label: str) -> bool:
    """Whether AppTest can select this option by index: it stores the shown label as the value and
    formats it again, which a ``format_func`` such as ``names.get`` turns into None (a real browser
    sends the label and has no such trouble). Such a box keeps its first choice."""
    try:
        return box.format_func(label) == label
    except Exception:
        return True  # AppTest falls back to the label itself


def test_no_page_shows_what_its_viewer_may_not_see(sample_db_master, facts, monkeypatch):
    ids = sorted(facts["institutions"])

    @settings(
        max_examples=14,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(visits(ids))
    def check(visit):
        viewer_text, page, picks = visit
        viewer = Viewer.parse(viewer_text)
        monkeypatch.setenv("KVALITETSDIALOG_DB", str(sample_db_master))
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state["viewer"] = viewer_text
        at.run()
        assert at.session_state["viewer"] == viewer_text  # the picker accepted this viewer
        if page != "overblik" or viewer.role != "public":
            at.switch_page(f"dashboards/{page}.py").run()
        # AppTest cannot rerun a page holding a select box with no choice yet; such pages are seen as opened.
        if all(b.value is not None for b in at.selectbox):
            for box, pick in zip(list(at.main.selectbox), picks):
                if box.options and _label_selectable(box, box.options[pick % len(box.options)]):
                    box.select_index(pick % len(box.options)).run()
        assert not at.exception, [e.value for e in at.exception]
        sent = _sent(at)
        if not viewer.sees_national_tests:
            for ind in CONFIDENTIAL:
                assert ind not in sent and CATALOGUE[ind].label not in sent, (viewer_text, page, ind)
            for title in facts["test_goals"]:
                assert title not in sent, (viewer_text, page, title)
            assert "overgangstest" not in sent.lower() and "Fremragende" not in sent
        if viewer.role == "leader":
            own = [facts["institutions"][i] for i in viewer.institutions]
            for other_id, name in facts["institutions"].items():
                if other_id not in viewer.institutions and not any(name in o for o in own):
                    assert name not in sent, (viewer_text, page, name)

    check()


def test_no_report_holds_what_its_viewer_may_not_see(sample_db_master, facts):
    """Reports (HTML: the text a reader gets) for random viewers and institutions."""
    ids = sorted(facts["institutions"])

    @settings(
        max_examples=6,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        st.sampled_from(["public", "council", "administration", "leader"]),
        st.sampled_from(ids),
        st.sampled_from(ids),
        st.booleans(),
    )
    def check(role, own, asked, status_report):
        viewer = Viewer.parse(f"leader:{own}" if role == "leader" else role)
        with database.read(sample_db_master) as con:
            try:
                text = (
                    reports.status(con, viewer, kommune=999, fmt="html")
                    if status_report
                    else reports.dialogue(con, viewer, asked, kommune=999, fmt="html")
                ).decode("utf-8")
            except KvalitetsdialogError:
                return  # refused outright: nothing leaked
        if not viewer.sees_national_tests:
            for ind in CONFIDENTIAL:
                assert CATALOGUE[ind].label not in text, (role, ind)
        if role == "leader":
            assert status_report or asked == own, f"leader:{own} got the dialogue sheet of {asked}"
            own_name = facts["institutions"][own]
            for other_id, name in facts["institutions"].items():
                if other_id != own and name not in own_name:
                    assert name not in text, (own, status_report, name)

    check()


def test_the_engine_never_returns_a_value_below_the_threshold_or_outside_scope(sample_db_master, facts):
    """What every page, report and command computes from: scope and suppression hold for any viewer."""
    ids = sorted(facts["institutions"])

    @settings(
        max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.sampled_from(["public", "council", "administration", "leader"]),
        st.sampled_from(ids),
        st.sampled_from(list(CATALOGUE)),
        st.integers(min_value=3, max_value=12),
        st.booleans(),
    )
    def check(role, own, indicator_id, threshold, by_class):
        viewer = Viewer.parse(f"leader:{own}" if role == "leader" else role)
        with database.read(sample_db_master) as con:
            try:
                df = compute(
                    con,
                    viewer,
                    indicator_id,
                    kommune=999,
                    min_n=threshold,
                    by_class=by_class and viewer.sees_class_level,
                )
            except KvalitetsdialogError:
                return  # refused outright
        if CATALOGUE[indicator_id].confidential and not viewer.sees_national_tests:
            assert df.empty
        small = df["n"].notna() & (df["n"] < threshold)
        assert df.loc[small, "value"].isna().all() and df.loc[small, "suppressed"].all()
        if role == "leader":
            units = df.loc[df["level"].isin(["institution", "class"]), "unit_id"].astype(str)
            assert all(u.split(":")[0] == own or u.startswith(own) for u in units), (own, set(units))

    check()

"""Kvalitetsdialog: the Streamlit entry point (``streamlit run app.py``).

Resolves the database (building the sample municipality on first start),
decides who the viewer is, offers the pages that viewer may use, and runs the
chosen page with user-facing errors shown once, in Danish.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from core import database, settings
from core.errors import KvalitetsdialogError
from core.viewer import ADMINISTRATION, Viewer
from dashboards import queries
from dashboards.context import Context, set_current

log = logging.getLogger("kvalitetsdialog.app")

DEMO_BANNER = "Demo – syntetiske data (fiktiv kommune)"
_MAX_STALE_RERUNS = 3

PAGES = {
    "overblik": ("dashboards/overblik.py", "Overblik", ":material/flag:"),
    "skoler": ("dashboards/skoler.py", "Skoler og dagtilbud", ":material/table_view:"),
    "institution": ("dashboards/institution.py", "Institution", ":material/school:"),
    "dialog": ("dashboards/dialogue_page.py", "Dialog", ":material/forum:"),
    "maal": ("dashboards/maal.py", "Mål", ":material/target:"),
    "data": ("dashboards/data.py", "Data", ":material/upload_file:"),
}
# DOMAIN.md, "Who sees what": the page set per role; the first page is the start page.
ROLE_PAGES = {
    "public": ("overblik",),
    "council": ("overblik", "skoler", "dialog"),
    "administration": ("overblik", "skoler", "institution", "dialog", "maal", "data"),
    "leader": ("institution", "dialog", "overblik"),
}


@st.cache_resource(show_spinner=False)
def _ensure_database(db: str) -> None:
    """Build the sample database once per process when there is none (first start)."""
    path = Path(db)
    if path.exists() and database.current_generation(path) > 0:
        return
    from sample_data import build_database

    build_database(path)


def _pick_viewer(institutions) -> Viewer:
    """The demo's viewer picker: council, administration, a leader of each institution, public."""
    labels = {"council": "Byråd/udvalg", "administration": "Forvaltning"}
    for row in institutions.itertuples():
        labels[f"leader:{row.institution_id}"] = f"Leder: {row.name}"
    labels["public"] = "Offentlig"
    default = os.environ.get("KVALITETSDIALOG_VIEWER", "administration")
    if st.session_state.get("viewer") not in labels:
        st.session_state["viewer"] = default if default in labels else "administration"
    options = list(labels)

    def remember() -> None:
        # Kept outside the widget's own state, which a page switch may reset.
        st.session_state["viewer"] = st.session_state["viewer_picker"]

    st.sidebar.selectbox("Se som", options, index=options.index(st.session_state["viewer"]),
                         format_func=labels.get, key="viewer_picker", on_change=remember)
    return Viewer.parse(st.session_state["viewer"])


def _viewer(demo: bool, institutions) -> Viewer | None:
    if demo:
        return _pick_viewer(institutions)
    configured = os.environ.get("KVALITETSDIALOG_VIEWER")
    return Viewer.parse(configured) if configured else None


def _run() -> None:
    db = settings.db_path()
    if database.current_generation(db) == 0:
        with st.spinner("Bygger eksempeldatabasen ..."):
            _ensure_database(str(db))
    kommune = settings.kommune()
    generation = database.current_generation(db)

    boot = Context(db, ADMINISTRATION, generation, kommune, demo=False)
    demo = boot.read(queries.meta).get("demo") == "true"
    viewer = _viewer(demo, boot.read(queries.institutions, kommune))
    if demo:
        st.sidebar.warning(DEMO_BANNER, icon=":material/science:")
        st.markdown(f":orange-background[:material/science: **{DEMO_BANNER}**]")
    if viewer is None:
        st.info(
            "Login er ikke sat op endnu. Indtil da kan en administrator starte appen med "
            "miljøvariablen KVALITETSDIALOG_VIEWER=administration.",
            icon=":material/lock:",
        )
        st.stop()

    set_current(Context(db, viewer, generation, kommune, demo))
    pages = [
        st.Page(PAGES[name][0], title=PAGES[name][1], icon=PAGES[name][2], url_path=name, default=i == 0)
        for i, name in enumerate(ROLE_PAGES[viewer.role])
    ]
    page = st.navigation(pages)
    changed = st.session_state.get("_last_viewer", str(viewer)) != str(viewer)
    st.session_state["_last_viewer"] = str(viewer)
    if changed and page.title != pages[0].title:
        st.switch_page(pages[0])  # a new viewer starts on their own start page
    page.run()
    st.session_state["_stale_reruns"] = 0


def main() -> None:
    st.set_page_config(page_title="Kvalitetsdialog", page_icon=":material/school:", layout="wide")
    try:
        _run()
    except database.StaleGeneration:
        # New data arrived while the page was reading: start over on the new generation.
        st.session_state["_stale_reruns"] = st.session_state.get("_stale_reruns", 0) + 1
        if st.session_state["_stale_reruns"] <= _MAX_STALE_RERUNS:
            st.rerun()
        st.error("Databasen ændrer sig lige nu. Genindlæs siden om lidt.")
    except KvalitetsdialogError as e:
        st.error(f"**{e.title}**\n\n{e.message}")
    except Exception:
        log.exception("Unexpected error in the app")
        st.error(
            "Der opstod en uventet fejl. Fejlen er skrevet i loggen; kontakt den, der driver "
            "Kvalitetsdialog, hvis den bliver ved."
        )


main()

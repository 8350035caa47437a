"""Kvalitetsdialog: the Streamlit entry point (``streamlit run app.py``).

Resolves the database (building the sample municipality on first start),
decides who the viewer is (the logged-in user's assigned role when ``[auth]``
is in ``.streamlit/secrets.toml``; the demo's picker on the sample database or
with ``KVALITETSDIALOG_DEMO=1``; otherwise nobody, and no data is shown),
offers the pages that viewer may use, and runs the chosen page with user-facing errors shown once, in Danish.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import streamlit as st

from access import roles
from core import audit, danish, database, settings
from core.errors import KvalitetsdialogError
from core.viewer import ADMINISTRATION, Viewer
from dashboards.context import Context, set_current
from dashboards.widgets import institution_names, md, show_error
from indicators import units
from loaders import import_log

log = logging.getLogger("kvalitetsdialog.app")

DEMO_BANNER = "Demo – syntetiske data (fiktiv kommune)"
DEMO_ENV_BANNER = "Demotilstand – alle kan vælge, hvem de ser som. Brug login til rigtige data."
_MAX_STALE_RERUNS = 3

PAGES = {
    "overblik": ("dashboards/overblik.py", "Overblik", ":material/flag:"),
    "skoler": ("dashboards/skoler.py", "Skoler og dagtilbud", ":material/table_view:"),
    "institution": ("dashboards/institution.py", "Institution", ":material/school:"),
    "samtale": ("dashboards/samtale_page.py", "Skoleudviklingssamtale", ":material/handshake:"),
    "dialog": ("dashboards/dialogue_page.py", "Dialog", ":material/forum:"),
    "klynge": ("dashboards/klynge.py", "Klynge", ":material/hub:"),
    "maal": ("dashboards/maal.py", "Mål", ":material/target:"),
    "data": ("dashboards/data.py", "Data", ":material/upload_file:"),
    "adgang": ("dashboards/audit_page.py", "Adgang og log", ":material/admin_panel_settings:"),
}
# docs/domain.md, "Who sees what": the page set per role; the first page is the start page.
ROLE_PAGES = {
    "public": ("overblik",),
    "council": ("overblik", "skoler", "klynge", "samtale", "dialog"),
    "administration": ("overblik", "skoler", "institution", "klynge", "samtale", "dialog", "maal", "data", "adgang"),
    "leader": ("institution", "samtale", "dialog", "overblik"),
}


@st.cache_resource(max_entries=4, show_spinner=False)  # one database per process; bounded anyway
def _ensure_database(db: str) -> None:
    """Build the sample database when there is no file (first start); bring an existing one up to date.

    Only a missing file is built from the sample: a real database that lost its sidecar files
    (restored from a backup) is the same database, and is opened as it is.
    """
    path = Path(db)
    if not path.exists():
        from sample_data import build_database

        build_database(path)
    database.ensure(path)  # e.g. the role table, before anyone logs in


def _pick_viewer(institutions) -> Viewer:
    """The demo's viewer picker: council, administration, a leader of each institution, public."""
    labels = {"council": "Byråd/udvalg", "administration": "Forvaltning"}
    for institution_id, name in institution_names(institutions).items():
        labels[f"leader:{institution_id}"] = f"Leder: {name}"
    labels["public"] = "Offentligheden"
    # Only the picker's first choice; the picker (and its banner) is there either way.
    default = os.environ.get("KVALITETSDIALOG_VIEWER", "administration")
    if st.session_state.get("viewer") not in labels:
        st.session_state["viewer"] = default if default in labels else "administration"
    options = list(labels)

    def remember() -> None:
        # Kept outside the widget's own state, which a page switch may reset.
        st.session_state["viewer"] = st.session_state["viewer_picker"]

    st.sidebar.selectbox(
        "Se som",
        options,
        index=options.index(st.session_state["viewer"]),
        format_func=labels.get,
        key="viewer_picker",
        on_change=remember,
    )
    return Viewer.parse(st.session_state["viewer"])


def _origin() -> str:
    """Where this session comes from, for the audit log (Streamlit gives no address on localhost)."""
    ip = st.context.ip_address
    return f"app {ip}" if isinstance(ip, str) and ip else "app (localhost)"  # AppTest hands a mock


def _login_configured() -> bool:
    return st.secrets.load_if_toml_exists() and "auth" in st.secrets


def _audit_once(db: Path, who: str, role: str | None, action: str, details=None) -> None:
    """Record the session's login (or refusal) once, not on every rerun."""
    if st.session_state.get("_audited") == (who, action):
        return
    with database.write(db, changes_data=False) as con:
        audit.insert(con, who, role, action, "session", details, _origin())
    st.session_state["_audited"] = (who, action)


def _log_out(db: Path, who: str, role: str | None) -> None:
    with database.write(db, changes_data=False) as con:
        audit.insert(con, who, role, "logout", "session", None, _origin())
    st.session_state.pop("_audited", None)
    st.logout()


def _logged_in_viewer(db: Path) -> tuple[str, Viewer]:
    """The logged-in user and their assigned viewer; otherwise a login or "Ingen adgang" page, and stop."""
    if not st.user.is_logged_in:
        st.title("Kvalitetsdialog")
        st.write("Log ind med din kommunale konto for at se data om børns læring og trivsel.")
        st.button("Log ind", type="primary", icon=":material/login:", on_click=st.login)
        st.stop()
    claims = st.user.to_dict()
    identities = roles.identities(claims)
    with database.read(db) as con:
        found = roles.viewer_for(con, identities)
    who = found[0] if found else roles.normalise_user(identities[0] if identities else "ukendt")
    if found is None:
        unverified = claims.get("email") if claims.get("email") not in identities else None
        _audit_once(db, who, None, "login_denied", {"ubekræftet e-mail": unverified} if unverified else None)
        st.title("Ingen adgang")
        st.info(
            f"Du er logget ind som **{md(who)}**, men du har ikke fået en rolle i Kvalitetsdialog endnu. "
            "Kontakt forvaltningen, som tildeler adgang, og log derefter ind igen."
            + (
                f"\n\nDin e-mailadresse **{md(unverified)}** er ikke bekræftet af login-udbyderen og kan derfor "
                "ikke give adgang; forvaltningen kan give adgang til dit subject ovenfor."
                if unverified
                else ""
            ),
            icon=":material/lock:",
        )
        st.button("Log ud", icon=":material/logout:", on_click=_log_out, args=(db, who, None))
        st.stop()
    viewer = found[1]
    _audit_once(db, who, viewer.role, "login", str(viewer))
    st.sidebar.caption(f"Logget ind som {md(who)}")
    st.sidebar.button("Log ud", icon=":material/logout:", on_click=_log_out, args=(db, who, viewer.role))
    return who, viewer


def _freshness(when) -> str:
    """When data were last imported, in Danish ("Data opdateret 27.11.2026 14.05")."""
    return f"Data opdateret {danish.timestamp(when)}" if when else "Ingen data indlæst endnu"


def _demo_env() -> bool:
    return os.environ.get("KVALITETSDIALOG_DEMO", "").strip().lower() in ("1", "true", "ja", "yes")


def _run() -> None:
    db = settings.db_path()
    if not db.exists():
        with st.spinner("Bygger eksempeldatabasen ..."):
            _ensure_database(str(db))
    else:
        _ensure_database(str(db))
    kommune = settings.kommune()
    generation = database.current_generation(db)

    boot = Context(db, ADMINISTRATION, generation, kommune, demo=False)
    sample = boot.read(database.is_demo)
    demo = sample or _demo_env()
    if _login_configured():
        user, viewer = _logged_in_viewer(db)
    elif demo:
        viewer = _pick_viewer(boot.read(units.institutions, kommune))
        user = ""  # picked, not logged in: recorded as app:<viewer>
    else:
        st.info(
            "**Login er ikke sat op endnu**, så appen viser ingen data. Sæt login op i "
            "`.streamlit/secrets.toml` (se `.streamlit/secrets.toml.example`: en `[auth]`-sektion med "
            "kommunens OpenID Connect-udbyder, fx Entra ID), og giv brugerne roller med "
            "`python -m access roles roller.csv`. Vil I blot prøve appen, kan den startes i demotilstand "
            "med miljøvariablen KVALITETSDIALOG_DEMO=1.",
            icon=":material/lock:",
        )
        st.stop()
    if demo:
        banner = DEMO_BANNER if sample else DEMO_ENV_BANNER
        st.sidebar.warning(banner, icon=":material/science:")
        st.markdown(f":orange-background[:material/science: **{banner}**]")
    # Tells people how fresh the numbers are; the version lets support (and the concurrency test) tell
    # which committed state a page shows.
    st.sidebar.caption(f"{_freshness(boot.read(import_log.last_import))} · dataversion {generation}")

    set_current(Context(db, viewer, generation, kommune, demo, user=user, origin=_origin()))
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
    # WCAG 3.1.1 (docs/accessibility.md): the pages are Danish, so screen readers must read them as Danish;
    # Streamlit's index.html says lang="en" and has no setting for it. A constant script, no user text.
    st.sidebar.html("<script>document.documentElement.lang = 'da';</script>", unsafe_allow_javascript=True)
    try:
        _run()
    except database.StaleGeneration:
        # New data arrived while the page was reading: start over on the new generation.
        st.session_state["_stale_reruns"] = st.session_state.get("_stale_reruns", 0) + 1
        if st.session_state["_stale_reruns"] <= _MAX_STALE_RERUNS:
            st.rerun()
        st.error("Databasen ændrer sig lige nu. Genindlæs siden om lidt.")
    except KvalitetsdialogError as e:
        show_error(e)
    except Exception:
        log.exception("Unexpected error in the app")
        st.error(
            "Der opstod en uventet fejl. Fejlen er skrevet i loggen; kontakt den, der driver "
            "Kvalitetsdialog, hvis den bliver ved."
        )


main()

"""Adgang og log (administration): who has which role, and the audit log to filter and export."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import streamlit as st

from access import auditlog, roles
from core.errors import KvalitetsdialogError
from dashboards import widgets
from dashboards.context import Context, current, download


def _roles(ctx: Context) -> None:
    st.subheader("Roller")
    st.caption(
        "Hvem der kan logge ind, og hvad de ser. En bruger er et OIDC-subject eller en e-mailadresse (som kun "
        "gælder, når login-udbyderen har bekræftet den); "
        "en leder ser kun sine egne institutioner. Hver ændring skrives i revisionsloggen."
    )
    table = ctx.read(roles.assignments)
    if table.empty:
        widgets.empty("Ingen har fået en rolle endnu; med login slået til kan ingen se data.")
    else:
        st.dataframe(table, hide_index=True, width="stretch")

    with st.form("role_form", clear_on_submit=True, border=True):
        c1, c2, c3 = st.columns([3, 2, 3])
        user = c1.text_input("Bruger (e-mail eller subject)")
        role = c2.selectbox("Rolle", list(roles.ROLE_LABELS), format_func=roles.ROLE_LABELS.get)
        institutions = c3.text_input("Institutioner (kun ledere; institutionsnumre adskilt af komma)")
        if st.form_submit_button("Gem rolle", icon=":material/person_add:"):
            _apply(
                lambda: roles.assign(ctx.db, user, role, institutions, ctx.viewer, ctx.who, ctx.origin),
                f"Rollen for {widgets.md(user)} er gemt.",
            )
    if not table.empty:
        c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
        chosen = c1.selectbox(
            "Fjern en brugers rolle", table["Bruger"].tolist(), index=None, placeholder="Vælg en bruger"
        )
        if c2.button("Fjern rolle", icon=":material/person_remove:", disabled=chosen is None):
            _apply(
                lambda: roles.remove(ctx.db, chosen, ctx.viewer, ctx.who, ctx.origin),
                f"{widgets.md(chosen)} har ikke længere en rolle.",
            )

    upload = st.file_uploader(
        "Erstat hele rollelisten med en fil (CSV eller XLSX: bruger; rolle; institutioner)",
        type=["csv", "xlsx"],
        key="roles_upload",
    )
    if upload is not None and st.button("Indlæs rollelisten", icon=":material/upload:"):
        with tempfile.TemporaryDirectory(prefix="kvalitetsdialog-roles-") as tmp:
            path = Path(tmp) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            _apply(
                lambda: roles.load_file(ctx.db, path, ctx.viewer, ctx.who, ctx.origin, display=upload.name),
                "Rollelisten er indlæst.",
            )


def _apply(change, done: str) -> None:
    try:
        n = change()
    except KvalitetsdialogError as e:
        widgets.show_error(e)
        return
    st.success(f"{done} ({n} ændring{'er' if n != 1 else ''})", icon=":material/check_circle:")
    st.cache_data.clear()  # role writes do not bump the data generation


def _log(ctx: Context) -> None:
    st.subheader("Revisionslog")
    st.caption(
        "Logins, indlæsninger, eksporter og downloads, mål-, notat- og rolleændringer: hvem, hvornår, hvad "
        "og hvorfra. Loggen kan kun læses; ingen funktion i Kvalitetsdialog retter eller sletter i den."
    )
    c1, c2, c3 = st.columns([2, 3, 2])
    today = date.today()
    days = c1.date_input("Periode", (today - timedelta(days=30), today), format="DD-MM-YYYY")
    actions = c2.multiselect(
        "Handlinger", list(auditlog.ACTIONS), format_func=auditlog.ACTIONS.get, placeholder="Alle handlinger"
    )
    who = c3.text_input("Hvem (del af navnet)")
    since, until = (days[0], days[-1]) if days else (None, None)  # one day while the range is half picked
    chosen = {"since": since, "until": until, "actions": tuple(actions), "who": who or None}
    # The log grows with every click, so it is read fresh, never from the page cache.
    entries = ctx.read_now(auditlog.entries, **chosen)
    if entries.empty:
        widgets.empty("Ingen hændelser i den valgte periode.")
        return
    st.dataframe(auditlog.danish_frame(entries), hide_index=True, width="stretch")
    download(
        ctx,
        "Hent loggen (CSV)",
        lambda: auditlog.to_csv(ctx.read_now(auditlog.entries, **chosen)),  # as it is at the click
        file_name=f"revisionslog-{today}.csv",
        mime="text/csv",
        what="revisionslog",
        details={"fra": str(since), "til": str(until), "handlinger": list(actions), "hvem": who or None},
        key="audit_csv",
    )


def render(ctx: Context) -> None:
    st.title("Adgang og log")
    _roles(ctx)
    _log(ctx)


render(current())

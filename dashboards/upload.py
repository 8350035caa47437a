"""The upload panel (Data and Mål pages): check a file without writing, then "Indlæs"."""

from __future__ import annotations

import hashlib

import streamlit as st

from core import danish
from dashboards import importing, widgets
from dashboards.context import Context, download
from loaders import ImportRejected


def panel(ctx: Context, key: str, caption: str) -> None:
    """A file uploader whose file is dry-run first; the report or an "Indlæs" button follows."""
    st.caption(caption + " Filen kontrolleres først; intet bliver skrevet, før du trykker **Indlæs**.")
    done_key, check_key, outcome_key = f"_{key}_done", f"_{key}_check_key", f"_{key}_check"
    if done_key in st.session_state:
        st.success(widgets.md(st.session_state.pop(done_key)), icon=":material/check_circle:")
    # A loaded file leaves the uploader (a new widget key), so "Indlæs" is not offered twice.
    loads = st.session_state.get(f"_{key}_loads", 0)
    upload = st.file_uploader("Vælg en fil", type=["csv", "xlsx"], key=f"{key}_upload" + (f"_{loads}" if loads else ""))
    if upload is None:
        return
    data = upload.getvalue()
    fingerprint = (hashlib.sha256(data).hexdigest(), ctx.generation)
    if st.session_state.get(check_key) != fingerprint:
        try:
            result = importing.import_upload(
                ctx.db, ctx.viewer, upload.name, data, dry_run=True, user=ctx.who, origin=ctx.origin
            )
            st.session_state[outcome_key] = ("ok", result)
        except ImportRejected as e:
            st.session_state[outcome_key] = ("rejected", importing.rejected_problems(e))
        st.session_state[check_key] = fingerprint
    outcome, detail = st.session_state[outcome_key]

    if outcome == "rejected":
        problems, truncated = detail
        total = len(problems) + truncated
        st.error(
            f"**{widgets.md(upload.name)} kan ikke indlæses.** Filen har {danish.integer(total)} fejl og bliver ikke "
            "indlæst, før de er rettet. Intet er ændret i databasen.",
            icon=":material/error:",
        )
        st.dataframe(importing.problems_frame(problems), hide_index=True, width="stretch")
        if truncated:
            st.caption(f"... og {danish.integer(truncated)} fejl mere.")
        download(
            ctx,
            "Hent de afviste rækker (CSV)",
            lambda: importing.problems_csv(problems),
            file_name=f"afvist-{upload.name}.csv",
            mime="text/csv",
            what=f"afviste rækker: {upload.name}",
            key=f"{key}_rejected",
        )
        return

    st.info(f"**Kontrol uden fejl.** {widgets.md(importing.summary(detail))}", icon=":material/fact_check:")
    warnings = [w for r in detail for w in r.warnings]
    if warnings:
        st.dataframe(importing.problems_frame(warnings), hide_index=True, width="stretch")
    if st.button("Indlæs", type="primary", icon=":material/upload:", key=f"{key}_load"):
        with st.status(f"Indlæser {upload.name} ...", expanded=False) as status:
            result = importing.import_upload(
                ctx.db, ctx.viewer, upload.name, data, dry_run=False, user=ctx.who, origin=ctx.origin
            )
            status.update(label="Indlæst", state="complete")
        st.session_state[done_key] = importing.summary(result)
        st.session_state[f"_{key}_loads"] = loads + 1
        st.rerun()  # every part of the page then shows the new generation

"""Mål (administration): the goals and their status, editing, the goal sheet, the change history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import indicators
from core import danish, schoolyear
from core.errors import KvalitetsdialogError
from dashboards import goal_sheet, upload, widgets
from dashboards.context import Context, current, download
from indicators import goals as goal_store
from indicators.catalogue import CATALOGUE, SUBJECTS

_NEW = "__new__"
_DIRECTIONS = {
    ">=": "Mindst (≥)",
    "<=": "Højst (≤)",
    "stigende": "Stigende fra år til år",
    "faldende": "Faldende fra år til år",
}
_SCOPES = {"kommune": "Kun kommunen", "skoler": "Hver skole og kommunen", "dagtilbud": "Hvert dagtilbud og kommunen"}


def status_overview(ctx: Context) -> None:
    evaluated = ctx.read(indicators.evaluate_goals, kommune=ctx.kommune)
    if evaluated.empty:
        widgets.empty("Der er ingen mål endnu. Opret et nedenfor eller indlæs målarket.")
        return
    muni = evaluated[evaluated["level"] == "municipality"]
    inst = evaluated[evaluated["level"] == "institution"]
    per_goal = inst.groupby("goal_id")["shown"].value_counts().unstack(fill_value=0)
    table = pd.DataFrame(
        {
            "Mål": muni["title"],
            "Indikator": muni["indicator"].map(widgets.indicator_label),
            "Status (kommunen)": muni["shown"].map(widgets.status_text),
            "Værdi": [widgets.formatted(r.value, r.indicator) for r in muni.itertuples()],
            "Målsætning": [widgets.target_text(r) for r in muni.itertuples()],
            "Institutioner": [
                " · ".join(
                    f"{widgets.STATUS_STYLE[s][0]} {danish.integer(per_goal.loc[g, s])}"
                    for s in widgets.STATUS_STYLE
                    if g in per_goal.index and s in per_goal.columns and per_goal.loc[g, s]
                )
                for g in muni["goal_id"]
            ],
        }
    )
    st.dataframe(
        table.style.map(widgets.status_cell_style, subset=["Status (kommunen)"]), hide_index=True, width="stretch"
    )


def edit_form(ctx: Context, definitions: pd.DataFrame) -> None:
    st.subheader("Opret eller ret et mål")
    titles = widgets.distinct_labels({_NEW: "Nyt mål"} | dict(zip(definitions["goal_id"], definitions["title"])))
    chosen = st.selectbox("Mål", list(titles), key="maal_edit", format_func=titles.get)
    current_def = {} if chosen == _NEW else definitions.set_index("goal_id").loc[chosen].to_dict() | {"goal_id": chosen}
    ids = list(CATALOGUE)
    with st.form("maal_form"):
        c1, c2 = st.columns([1, 3])
        goal_id = c1.text_input("Mål-id", value=current_def.get("goal_id", ""), disabled=chosen != _NEW)
        title = c2.text_input("Målformulering", value=current_def.get("title", ""))
        c1, c2, c3 = st.columns([2, 1, 1])
        indicator = c1.selectbox(
            "Indikator",
            ids,
            format_func=widgets.indicator_label,
            index=ids.index(current_def["indicator"]) if current_def else 0,
        )
        subject_options = [None, *SUBJECTS]
        subject, grade = widgets.goal_filters(current_def)
        subject = c2.selectbox(
            "Fag",
            subject_options,
            index=subject_options.index(subject),
            format_func=lambda s: "Alle fag / intet fag" if s is None else SUBJECTS[s],
        )
        grade_options = [None, *range(0, 10)]
        grade = c3.selectbox(
            "Klassetrin",
            grade_options,
            index=grade_options.index(grade),
            format_func=lambda g: "Alle klassetrin" if g is None else f"{g}. klasse",
        )
        c1, c2, c3, c4 = st.columns(4)
        scope_value = current_def.get("scope") or "kommune"
        scope_options = list(_SCOPES) + ([scope_value] if scope_value not in _SCOPES else [])
        scope = c1.selectbox(
            "Omfang",
            scope_options,
            index=scope_options.index(scope_value),
            format_func=lambda s: _SCOPES.get(s, f"Institutioner: {s}"),
        )
        directions = list(_DIRECTIONS)
        direction = c2.selectbox(
            "Retning",
            directions,
            format_func=_DIRECTIONS.get,
            index=directions.index(current_def.get("direction", ">=")),
        )
        target = c3.number_input("Målværdi (andele i %)", value=goal_sheet.target_as_typed(current_def), format="%.1f")
        target_year = c4.text_input(
            "Målår (fx 2026/27)",
            value=schoolyear.short(int(current_def["target_year"])) if pd.notna(current_def.get("target_year")) else "",
        )
        adopted = st.text_input("Vedtaget (dato eller reference)", value=current_def.get("adopted") or "")
        note = st.text_area("Bemærkning", value=current_def.get("note") or "")
        submitted = st.form_submit_button("Gem mål", type="primary", icon=":material/save:")
    if submitted:
        fields = {
            "goal_id": goal_id.strip(),
            "title": title.strip(),
            "indicator": indicator,
            "subject": subject,
            "grade": grade,
            "scope": scope,
            "direction": direction,
            "target": target,
            "target_year": target_year.strip(),
            "adopted": adopted.strip(),
            "note": note.strip(),
        }
        errors = goal_store.validate_goal(fields)
        if errors:
            st.error("Målet er ikke gemt:\n\n" + "\n".join(f"- {widgets.md(e)}" for e in errors))
            return
        try:
            goal_store.save_goal(ctx.db, fields, ctx.who)
        except KvalitetsdialogError as e:
            widgets.show_error(e)
            return
        st.session_state["_maal_saved"] = f"Målet '{widgets.md(fields['title'])}' er gemt."
        st.rerun()
    if chosen != _NEW:
        confirm = st.checkbox("Ja, slet dette mål", key="maal_confirm_delete")
        if st.button("Slet mål", icon=":material/delete:", disabled=not confirm):
            goal_store.delete_goal(ctx.db, chosen, ctx.who)
            st.session_state["_maal_saved"] = f"Målet '{widgets.md(titles[chosen])}' er slettet."
            st.rerun()


def history(ctx: Context) -> None:
    st.subheader("Ændringshistorik")
    changes = ctx.read(goal_store.changes)
    if changes.empty:
        st.caption("Ingen ændringer endnu.")
        return
    st.dataframe(changes, hide_index=True, width="stretch")


def render(ctx: Context) -> None:
    st.title("Mål")
    if "_maal_saved" in st.session_state:
        st.success(st.session_state.pop("_maal_saved"), icon=":material/check_circle:")
    status_overview(ctx)
    definitions = ctx.read(goal_store.current_goals)
    edit_form(ctx, definitions)
    st.subheader("Målark")
    if not definitions.empty:
        download(
            ctx,
            "Hent målarket (XLSX)",
            lambda: goal_sheet.to_xlsx(ctx.read_now(goal_store.current_goals)),
            file_name="maal.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            what="målark",
        )
    upload.panel(ctx, "maal", "Indlæs et rettet målark (XLSX eller CSV).")
    history(ctx)


render(current())

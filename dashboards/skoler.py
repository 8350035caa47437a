"""Skoler og dagtilbud (administration, council): which institutions need a dialogue."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import indicators
from core import danish, schoolyear
from core.safe import chart_text
from dashboards import widgets
from dashboards.context import Context, current
from indicators import comparison, describe, units
from indicators.catalogue import CATALOGUE
from indicators.goals import institution_counts
from loaders import coverage

INSTITUTION_PAGE = "dashboards/institution.py"
_KINDS = {"alle": "Alle", "skole": "Skoler", "dagtilbud": "Dagtilbud"}


def filters(ctx: Context, institutions: pd.DataFrame) -> tuple[int | None, pd.DataFrame]:
    """School year, kind and district; returns the year (None = latest) and the institutions kept."""
    years = ctx.read(coverage.school_years)
    c1, c2, c3 = st.columns(3)
    year = c1.selectbox(
        "Skoleår",
        [None, *years],
        key="skoler_year",
        format_func=lambda y: "Seneste med data" if y is None else schoolyear.short(y),
    )
    kind = c2.selectbox("Type", list(_KINDS), format_func=_KINDS.get, key="skoler_kind")
    districts = sorted(d for d in institutions["district"].dropna().unique())
    chosen = c3.multiselect("Distrikt", districts, key="skoler_district", placeholder="Alle distrikter")
    keep = institutions
    if kind != "alle":
        keep = keep[keep["kind"] == kind]
    if chosen:
        keep = keep[keep["district"].isin(chosen)]
    return year, keep


def socioeconomic_column(ctx: Context, year: int | None, ids: list[str]) -> list[str]:
    """Each school's latest (or the chosen year's) socio-economic verdict with its difference; empty otherwise."""
    rows = ctx.read(comparison.socioeconomic, ctx.kommune)
    if year is not None:
        rows = rows[rows["school_year"] == year]
    latest = rows.sort_values("school_year").groupby("institution_id").tail(1).set_index("institution_id")
    return [
        f"{latest.at[i, 'verdict']} ({danish.change(latest.at[i, 'difference'], 'grade')})" if i in latest.index else ""
        for i in ids
    ]


def matrix(ctx: Context, year: int | None, institutions: pd.DataFrame) -> None:
    """Institutions x goals, each cell the status (icon, word, colour); a click opens the institution."""
    st.subheader("Mål pr. institution")
    goals = ctx.read(indicators.evaluate_goals, kommune=ctx.kommune, year=year)
    goals = goals[(goals["level"] == "institution") & goals["unit_id"].isin(institutions["institution_id"])]
    if goals.empty:
        widgets.empty("Der er ingen mål med institutioner i deres omfang for dette valg.")
        return
    titles = dict(zip(goals["goal_id"], goals["title"]))
    names = dict(zip(goals["unit_id"], goals["unit_name"]))
    sort_by = st.selectbox(
        "Sortér efter afstand til målet for", list(titles), format_func=titles.get, key="skoler_sort"
    )
    table = goals.assign(cell=goals["shown"].map(widgets.status_text)).pivot_table(
        index="unit_id", columns="goal_id", values="cell", aggfunc="first"
    )[list(titles)]
    distance = goals[goals["goal_id"] == sort_by].set_index("unit_id")["distance"]
    # The engine's distance is positive when the goal is met: furthest behind first, no value last.
    table = table.assign(_d=distance.reindex(table.index)).sort_values("_d", ascending=True, na_position="last")
    table = table.drop(columns="_d").fillna("")
    ids = list(table.index)
    # A plain row index: two institutions may share a name (the styler needs unique labels).
    table = table.reset_index(drop=True)
    # Short, unique headers (the goal id and the start of its wording); the full wording on hover.
    headers = {g: f"{g}: {textwrap.shorten(titles[g], 24, placeholder=' …')}" for g in table.columns}
    why = indicators.why_no_data(goals[goals["level"] == "institution"])
    columns = {
        headers[g]: st.column_config.TextColumn(
            headers[g], help=widgets.md(titles[g]) + (f"\n\n{why[g]}" if g in why else ""), width=125
        )
        for g in table.columns
    }
    table.columns = [headers[g] for g in table.columns]
    table.insert(0, "Institution", [names[i] for i in ids])
    table["Karakterer ift. baggrund"] = socioeconomic_column(ctx, year, ids)
    clickable = ctx.viewer.role == "administration"
    event = st.dataframe(
        table.style.map(widgets.status_cell_style),
        width="stretch",
        key="skoler_matrix",
        column_config=columns,
        hide_index=True,
        on_select="rerun" if clickable else "ignore",
        selection_mode="single-row",
    )
    st.caption(f"Karakterer ift. baggrund: {comparison.SOCIOECONOMIC_NOTE}")
    counts = institution_counts(goals)
    st.caption(" · ".join(f"{g}: {w}" for g, w in zip(counts["goal_id"], counts["words"])))
    if why:
        # The grid is drawn on a canvas: the reasons are in a plain table too, for every reader.
        st.table(
            pd.DataFrame({"Mål": [f"{g}: {titles[g]}" for g in why], "Hvorfor ingen data": list(why.values())}),
            hide_index=True,
        )
    if clickable:
        st.caption("Vælg en række for at åbne institutionen.")
        rows = event.selection.rows if event else []
        if rows:
            st.session_state["institution"] = ids[rows[0]]
            st.switch_page(INSTITUTION_PAGE)


def ranking(ctx: Context, year: int | None, institutions: pd.DataFrame) -> None:
    """The institutions on one indicator with 95 % intervals, against the municipality."""
    st.subheader("Sammenligning på én indikator")
    visible = widgets.visible_indicators(ctx.viewer)
    c1, c2, c3 = st.columns([2, 1, 1])
    indicator = CATALOGUE[
        c1.selectbox("Indikator", [i.id for i in visible], format_func=widgets.indicator_label, key="skoler_indicator")
    ]
    with c2:
        subject = widgets.subject_select(indicator, key="skoler_subject")
    grade = "all"
    if indicator.has_grades:
        grade = c3.selectbox(
            "Klassetrin",
            ["all", *range(0, 10)],
            key="skoler_grade",
            format_func=lambda g: "Alle klassetrin" if g == "all" else f"{g}. klasse",
        )
    values = ctx.read(
        indicators.compute,
        indicator.id,
        kommune=ctx.kommune,
        levels=("institution", "municipality"),
        years=None if year is None else (year,),
        subjects="all" if subject in (None, "all") else (subject,),
        grades="all" if grade == "all" else (grade,),
    )
    if subject not in (None, "all"):
        values = values[values["subject"] == subject]
    if indicator.has_grades and grade != "all":
        values = values[values["grade"].astype(str) == str(grade)]
    values = values[values["value"].notna() | values["suppressed"].astype(bool)]
    if values.empty:
        widgets.empty(f"Der er ingen tal for {indicator.label.lower()} med dette valg.")
        return
    shown_year = int(values["school_year"].max()) if year is None else year
    values = values[values["school_year"] == shown_year]
    muni = values[(values["level"] == "municipality") & (values["unit_id"].astype(str) == str(ctx.kommune))]
    inst = values[(values["level"] == "institution") & values["unit_id"].isin(institutions["institution_id"])]
    shown = inst[~inst["suppressed"].astype(bool) & inst["value"].notna()].sort_values("value")
    widgets.confidential_note(indicator)
    muni_value = muni["value"].iloc[0] if not muni.empty else None
    rows = pd.concat([shown, muni.assign(unit_name="Kommunen")]) if not muni.empty else shown
    numbers = pd.DataFrame(
        {
            "Institution": rows["unit_name"],
            "Værdi": [widgets.formatted(v, indicator.id) for v in rows["value"]],
            "95 %-usikkerhed": [
                f"{widgets.formatted(lo, indicator.id)} – {widgets.formatted(hi, indicator.id)}" if pd.notna(lo) else ""
                for lo, hi in zip(rows["lower"], rows["upper"])
            ],
            "Antal": rows["n"].map(danish.integer),
        }
    )
    widgets.chart(
        ranking_figure(shown, muni, indicator.id, shown_year),
        describe.ranking(indicator.id, shown_year, shown, muni_value),
        numbers,
    )
    hidden = inst[inst["suppressed"].astype(bool)].sort_values("unit_name")
    names = [widgets.md(n) for n in hidden["unit_name"]]  # names come from the municipality's files
    who = widgets.persons("dagtilbud" if indicator.source == "language_assessments" else "skole")
    caption = widgets.withheld_caption(names, hidden["suppression"], who)
    if caption:
        st.caption(caption)


def ranking_figure(shown: pd.DataFrame, muni: pd.DataFrame, indicator_id: str, year: int) -> go.Figure:
    scale = 100 if CATALOGUE[indicator_id].unit == "share" else 1
    has_interval = shown["lower"].notna().any()
    fig = go.Figure(
        go.Scatter(
            x=shown["value"] * scale,
            y=shown["unit_name"].map(chart_text),
            mode="markers",
            marker={"color": widgets.INSTITUTION_COLOUR, "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (shown["upper"] - shown["value"]) * scale,
                "arrayminus": (shown["value"] - shown["lower"]) * scale,
                "color": "#999",
            }
            if has_interval
            else None,
            customdata=[
                f"{widgets.formatted(r.value, indicator_id)} (n = {danish.integer(r.n)})" for r in shown.itertuples()
            ],
            hovertemplate="%{y}: %{customdata}<extra></extra>",
            name="Institution",
        )
    )
    if not muni.empty and pd.notna(muni["value"].iloc[0]):
        fig.add_vline(
            x=muni["value"].iloc[0] * scale,
            line={"color": widgets.MUNICIPALITY_COLOUR, "dash": "dash"},
            annotation_text=f"Kommunen {widgets.formatted(muni['value'].iloc[0], indicator_id)}",
        )
    fig.update_layout(
        height=max(250, 28 * len(shown) + 80),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        title=f"{CATALOGUE[indicator_id].label}, {schoolyear.short(year)}"
        + (" (streger: 95 %-usikkerhed)" if has_interval else ""),
        xaxis_ticksuffix=" %" if scale == 100 else "",
        showlegend=False,
    )
    return danish.style_figure(fig)


def render(ctx: Context) -> None:
    st.title("Skoler og dagtilbud")
    institutions = ctx.read(units.institutions, ctx.kommune)
    if institutions.empty:
        widgets.empty("Der er ingen institutioner endnu. Indlæs institutionsregistret.")
        return
    year, kept = filters(ctx, institutions)
    matrix(ctx, year, kept)
    ranking(ctx, year, kept)


render(current())

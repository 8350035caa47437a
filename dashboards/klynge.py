"""Klynge (council and administration): the own municipality beside its cluster's members and the country.

Public indicators only: another municipality's test results are confidential (§ 55 b), and the layer below
refuses them. The administration edits a cluster's members and a national figure here, through the loader.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from core import danish, schoolyear
from core.safe import chart_text
from dashboards import widgets
from dashboards.context import Context, current
from indicators import comparison, units
from indicators.catalogue import CATALOGUE
from loaders import edits

_COLUMNS = 4


def _interval(row) -> str:
    if pd.isna(row["lower"]) or pd.isna(row["upper"]):
        return ""
    ind = row["indicator"]
    return f"{widgets.formatted(row['lower'], ind)} – {widgets.formatted(row['upper'], ind)}"


def overview(ctx: Context, name: str) -> None:
    """One line per public indicator: the latest year, the own value, its place in the cluster, the country."""
    table = ctx.read(comparison.cluster_overview, name, ctx.kommune)
    if table.empty:
        widgets.empty("Der er ingen offentlige tal for klyngens kommuner endnu.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Indikator": [CATALOGUE[i].label for i in table["indicator"]],
                "Skoleår": [schoolyear.short(int(y)) for y in table["school_year"]],
                "Kommunen": [
                    widgets.formatted(v, i, s)
                    for v, i, s in zip(table["value"], table["indicator"], table["suppressed"])
                ],
                "95 %-interval": [_interval(r) for r in table.to_dict("records")],
                "Placering i klyngen": [r or "ikke placeret" for r in table["rank"]],
                "Kommunens tal dækker": [c or "" for c in table["coverage"]],
                "Landsplan": [widgets.formatted(v, i) for v, i in zip(table["national"], table["indicator"])],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def small_multiples(frame: pd.DataFrame, indicator_id: str) -> go.Figure:
    """One small chart per municipality (the own first), each with its trend, its interval band and the
    country's line, on one shared axis so that the panels compare at a glance."""
    unit = CATALOGUE[indicator_id].unit
    scale = 100 if unit == "share" else 1
    municipalities = frame[frame["unit_id"] != comparison.NATIONAL]
    names = list(dict.fromkeys(municipalities["unit_name"]))
    rows = math.ceil(len(names) / _COLUMNS)
    fig = make_subplots(
        rows=rows,
        cols=_COLUMNS,
        subplot_titles=[chart_text(n) for n in names],
        shared_yaxes=True,
        vertical_spacing=0.12,
    )
    country = frame[frame["unit_id"] == comparison.NATIONAL].sort_values("school_year")
    for i, name in enumerate(names):
        row, col = i // _COLUMNS + 1, i % _COLUMNS + 1
        own = municipalities[municipalities["unit_name"] == name]
        colour = widgets.MUNICIPALITY_COLOUR if bool(own["own"].iloc[0]) else widgets.INSTITUTION_COLOUR
        part = widgets.trend_figure([own], indicator_id, names=[name], colours=[colour])
        for trace in part.data:
            trace.showlegend = False
            fig.add_trace(trace, row=row, col=col)
        if not country.empty:
            x = [schoolyear.short(int(y)) for y in country["school_year"]]
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=country["value"] * scale,
                    mode="lines",
                    name=comparison.NATIONAL_NAME,
                    line={"color": widgets.NATIONAL_COLOUR, "dash": "dot"},
                    showlegend=i == 0,
                    customdata=[widgets.formatted(v, indicator_id) for v in country["value"]],
                    hovertemplate=f"{comparison.NATIONAL_NAME}<br>%{{x}}: %{{customdata}}<extra></extra>",
                ),
                row=row,
                col=col,
            )
    fig.update_xaxes(type="category", categoryorder="category ascending", tickangle=-45)
    fig.update_yaxes(ticksuffix=" %" if unit == "share" else "")
    fig.update_layout(height=260 * rows, margin={"l": 10, "r": 10, "t": 40, "b": 10}, legend={"orientation": "h"})
    return danish.style_figure(fig)


def sentence(frame: pd.DataFrame, indicator_id: str, year: int, places: pd.DataFrame, kommune: int) -> str:
    """The chart's text alternative in one sentence: the own value, its place and the country's figure."""
    ind = CATALOGUE[indicator_id]
    this_year = frame[frame["school_year"] == year]
    own = this_year[this_year["own"]]
    words = f"I {schoolyear.short(year)}"
    if own.empty or (pd.isna(own["value"].iloc[0]) and not bool(own["suppressed"].iloc[0])):
        words += " har kommunen ikke et tal"
    elif bool(own["suppressed"].iloc[0]):
        words += f" er kommunens tal ikke vist (færre end {widgets.min_n()})"
    else:
        place = places.loc[places["unit_id"] == str(kommune), "words"]
        words += f" var kommunens {ind.label.lower()} {widgets.formatted(own['value'].iloc[0], indicator_id)}"
        if not place.empty:
            words += f", {place.iloc[0]} i klyngen ({'højere' if ind.better == 'higher' else 'lavere'} er bedre)"
    country = this_year.loc[this_year["unit_id"] == comparison.NATIONAL, "value"]
    if not country.empty:
        words += f"; landsplan {widgets.formatted(country.iloc[0], indicator_id)}"
    return words + "."


def detail(ctx: Context, name: str) -> None:
    """One indicator: the sentence, the small multiples, and the latest year's table (the text alternative)."""
    choices = list(comparison.PUBLIC_INDICATORS)
    indicator_id = st.selectbox("Indikator", choices, format_func=widgets.indicator_label, key="klynge_indicator")
    frame = ctx.read(comparison.cluster, name, indicator_id, ctx.kommune)
    default, choices = comparison.default_year(frame), comparison.years(frame)
    if default is None:
        widgets.empty(f"Der er ingen tal for {widgets.indicator_label(indicator_id).lower()} i klyngen endnu.")
        return
    year = st.selectbox(
        "Skoleår",
        choices,
        index=choices.index(default),
        format_func=schoolyear.short,
        key=f"klynge_year_{indicator_id}",
    )
    places = comparison.ranks(frame, year)
    words = sentence(frame, indicator_id, year, places, ctx.kommune)
    st.write(words)
    # The sentence is the chart's accessible name; every panel's numbers are in its "Se tallene" table.
    parts = [frame[frame["unit_id"] == u] for u in dict.fromkeys(frame["unit_id"])]
    widgets.chart(
        small_multiples(frame, indicator_id),
        words,
        widgets.trend_numbers(parts, indicator_id, [part["unit_name"].iloc[0] for part in parts]),
    )
    this_year = frame[frame["school_year"] == year]
    place = dict(zip(places["unit_id"], places["words"]))
    st.caption(f"Skoleår {schoolyear.short(year)}. Intervallerne er 95 %-intervaller.")
    st.dataframe(
        pd.DataFrame(
            {
                "Kommune": this_year["unit_name"],
                "Værdi": [
                    widgets.formatted(v, indicator_id, s) for v, s in zip(this_year["value"], this_year["suppressed"])
                ],
                "95 %-interval": [_interval(r) for r in this_year.to_dict("records")],
                "Placering": [place.get(u, "") for u in this_year["unit_id"]],
                "Antal": [danish.integer(n) for n in this_year["n"]],
                "Dækker": [
                    comparison.coverage_words(c, u, n, CATALOGUE[indicator_id].institution_kind) or ""
                    for c, u, n in zip(this_year["covered"], this_year["units"], this_year["n"])
                ],
            }
        ),
        hide_index=True,
        width="stretch",
    )


def edit(ctx: Context, members: pd.DataFrame, name: str | None) -> None:
    """The administration: add or remove a member (or start a cluster), and set a national figure."""
    municipalities = ctx.read(units.municipalities)
    label = dict(zip(municipalities["code"], municipalities["name"]))
    with st.expander("Ret klyngen", icon=":material/edit:"):
        cluster_name = st.text_input("Klynge", value=name or "", key="klynge_name")
        current_codes = [int(c) for c in members.loc[members["cluster"] == name, "municipality_code"]]
        codes = st.multiselect(
            "Kommuner i klyngen",
            list(label),
            default=current_codes if cluster_name == name else [],
            format_func=lambda c: f"{label[c]} ({c})",
            key=f"klynge_members_{cluster_name}",
        )
        if st.button("Gem klyngen", key="klynge_save"):
            widgets.write(
                ctx, edits.save_cluster, cluster_name, codes, success=f"Klyngen {widgets.md(cluster_name)} er gemt."
            )
    with st.expander("Ret et landsplan-tal", icon=":material/public:"):
        indicator_id = st.selectbox(
            "Indikator", list(CATALOGUE), format_func=widgets.indicator_label, key="landsplan_indicator"
        )
        indicator = CATALOGUE[indicator_id]
        subject = widgets.subject_select(indicator, key="landsplan_subject")
        year = st.number_input("Skoleåret der begynder i", 2000, 2100, value=2024, step=1, key="landsplan_year")
        value = st.text_input("Værdi (fx 78,3 % eller 3,9)", key="landsplan_value")
        if st.button("Gem tallet", key="landsplan_save"):
            widgets.write(
                ctx,
                edits.save_national_level,
                int(year),
                indicator_id,
                None if subject in (None, "all") else subject,
                None,
                value,
                success=f"Landsplan for {indicator.label.lower()} {schoolyear.short(int(year))} er gemt.",
            )


def render(ctx: Context) -> None:
    own_name = ctx.read(units.municipality_name, ctx.kommune)
    st.title(f"Klynge – {own_name}")
    widgets.flash()
    st.caption(
        "Kommunen ved siden af de andre kommuner i klyngen og landsplan, på de offentlige indikatorer. "
        "Testresultater sammenlignes aldrig på tværs af kommuner (folkeskolelovens § 55 b)."
    )
    members = ctx.read(comparison.clusters)
    names = list(dict.fromkeys(members["cluster"]))
    name = st.selectbox("Klynge", names, key="klynge") if names else None
    if name is None:
        widgets.empty("Der er ingen klynger endnu.")
    else:
        others = members.loc[(members["cluster"] == name) & (members["municipality_code"] != ctx.kommune), "name"]
        # cluster and municipality names come from files and the administration's typing: text, never markup
        listed = ", ".join(widgets.md(o) for o in others) or "ingen andre kommuner"
        st.write(f"{widgets.md(name)}: {widgets.md(own_name)} og {listed}.")
        overview(ctx, name)
        detail(ctx, name)
    if ctx.viewer.role == "administration":
        edit(ctx, members, name)


render(current())

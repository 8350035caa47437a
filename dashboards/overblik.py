"""Overblik (council, public, leaders): every goal's state for the municipality on one screen."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import indicators
from core import danish, schoolyear
from dashboards import widgets
from dashboards.context import Context, current
from indicators import comparison, units
from indicators.catalogue import CATALOGUE
from indicators.goals import institution_counts

_CARDS_PER_ROW = 4


def latest_stretch(ctx: Context, goal) -> pd.DataFrame:
    """The municipality's shown values in the latest comparable stretch of years, oldest first."""
    subject, grade = widgets.goal_filters(goal)
    trend = ctx.read(
        indicators.trend, goal.indicator, "municipality", ctx.kommune, subject=subject, grade=grade, kommune=ctx.kommune
    )
    trend = trend[trend["value"].notna() & ~trend["suppressed"].astype(bool)].sort_values("school_year")
    return trend[trend["comparable_group"] == trend["comparable_group"].iloc[-1]] if not trend.empty else trend


def goal_card(ctx: Context, goal, schools: str | None = None) -> None:
    """Title, status, value with a small trend, target, and the engine's sentence (with the change).

    The small trend's accessible name is the same sentence, and its numbers are a table below it.
    """
    indicator = CATALOGUE[goal.indicator]
    with st.container(border=True):
        st.markdown(f"**{widgets.md(goal.title)}**" + (" :material/lock:" if indicator.confidential else ""))
        st.markdown(widgets.status_badge(goal.shown), unsafe_allow_html=True)
        label = (
            " · ".join(
                part
                for part in (
                    widgets.filter_label(*widgets.goal_filters(goal)),
                    schoolyear.short(int(goal.school_year)) if pd.notna(goal.school_year) else "",
                )
                if part
            )
            or indicator.label
        )
        st.metric(label, widgets.formatted(goal.value, goal.indicator), help=indicator.label)
        stretch = latest_stretch(ctx, goal)
        if len(stretch) > 1:
            widgets.chart(
                widgets.sparkline_figure(stretch, goal.indicator),
                goal.sentence,
                widgets.trend_numbers([stretch], goal.indicator, ["Kommunen"]),
                key=f"sparkline_{goal.goal_id}",
            )
        st.caption(widgets.target_text(goal))
        if covers := comparison.coverage_words(goal.covered, goal.units, goal.n, indicator.institution_kind):
            st.caption(f"Kommunens tal dækker {covers}.")
        if schools:
            st.caption(schools)
        national = widgets.national_text(ctx, goal.indicator, *widgets.goal_filters(goal), goal.school_year)
        if national:
            st.caption(national)
        # The engine's sentence gives the change since the last comparable year and says when it is noise.
        if isinstance(goal.sentence, str) and goal.sentence:
            st.write(goal.sentence)


def compare_with_others(ctx: Context, goals: pd.DataFrame) -> None:
    """The municipality against other municipalities on the goals' public indicators."""
    st.subheader("Sammenligning med andre kommuner")
    public = tuple(i for i in dict.fromkeys(goals["indicator"]) if not CATALOGUE[i].confidential)
    table = ctx.read(comparison.other_municipalities, public, ctx.kommune)
    if not table["others"].any():
        st.caption("Der er ikke indlæst offentlige tal for andre kommuner eller for hele landet endnu.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "Indikator": [CATALOGUE[i].label for i in table["indicator"]],
                "Skoleår": [schoolyear.short(int(y)) for y in table["school_year"]],
                "Kommunen": [widgets.formatted(v, i) for v, i in zip(table["value"], table["indicator"])],
                "Andre kommuner (median)": [
                    widgets.formatted(v, i) for v, i in zip(table["others_median"], table["indicator"])
                ],
                "Antal andre kommuner": table["others"].map(danish.integer),
            }
        ),
        hide_index=True,
        width="stretch",
    )


def render(ctx: Context) -> None:
    name = ctx.read(units.municipality_name, ctx.kommune)
    st.title(f"Overblik – {name}")
    evaluated = ctx.read(indicators.evaluate_goals, kommune=ctx.kommune)
    goals = evaluated[evaluated["level"] == "municipality"].reset_index(drop=True)
    # How many institutions meet each goal, for a viewer who sees them all (a leader sees only their own).
    schools = {}
    if ctx.viewer.sees_all_institutions:
        counts = institution_counts(evaluated)
        schools = dict(zip(counts["goal_id"], counts["words"]))
    if goals.empty:
        widgets.empty(
            "Kommunen har ingen mål endnu. Forvaltningen kan oprette dem under **Mål** eller indlæse målarket."
        )
        return
    counts = goals["shown"].value_counts()
    st.markdown(
        " &nbsp; ".join(f"{widgets.status_badge(s)} {danish.integer(counts.get(s, 0))}" for s in widgets.STATUS_STYLE),
        unsafe_allow_html=True,
    )
    for start in range(0, len(goals), _CARDS_PER_ROW):
        for column, goal in zip(st.columns(_CARDS_PER_ROW), goals.iloc[start : start + _CARDS_PER_ROW].itertuples()):
            with column:
                goal_card(ctx, goal, schools.get(goal.goal_id))
    st.caption(
        "Ændringer kaldes *ikke signifikante*, når usikkerheden er større end ændringen. "
        f"Tal bygget på færre end {danish.integer(widgets.min_n())} elever eller børn vises ikke, og heller ikke tal, "
        "der ville gøre det muligt at regne dem ud."
        + (
            " :material/lock: = fortroligt efter folkeskolelovens § 55 b; må ikke offentliggøres."
            if goals["indicator"].map(lambda i: CATALOGUE[i].confidential).any()
            else ""
        )
    )
    compare_with_others(ctx, goals)


render(current())

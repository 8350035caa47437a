"""The status report, the dialogue sheet and the samtale's referat as one self-contained HTML file each.

Laid out by the Jinja2 templates in ``reports/templates/`` with autoescape on: every
text a user wrote (goal titles, notes, institution names) is escaped where it is
put in, and only the Plotly figures, which plotly itself writes, are marked safe.

Nothing is fetched when the file is opened: the plotly.js bundle is inlined
once (``include_plotlyjs=True`` on the first figure), styles are inline, and
there are no links to other hosts. The CSS lays it out for A4: each section
starts on a new page and figures have a fixed width that fits the page.
"""

from __future__ import annotations

from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from core import danish, schoolyear
from core.safe import chart_text
from indicators import STATUS_LABELS, comparison, profile_areas, why_no_data
from indicators.catalogue import CATALOGUE, SUBJECTS, Indicator
from indicators.engine import Value
from reports.data import (
    CONFIDENTIAL_MARK,
    STATUS_REPORT_NOTE,
    SYNTHETIC_MARK,
    Area,
    DialogueSheet,
    Referat,
    StatusReport,
)
from reports.xlsx import SOURCES, STATUS_FILLS

# 180 mm of printable width at 96 dpi is 680 px.
FIGURE_WIDTH, FIGURE_HEIGHT = 680, 340


def _value(value, indicator_id: str) -> str:
    """An indicator value as the report shows it (missing: an en dash)."""
    return danish.value(value, CATALOGUE[indicator_id].unit)


_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,  # a name the template misspells fails, never prints nothing
    trim_blocks=True,
    lstrip_blocks=True,
)
_TEMPLATES.filters.update(
    value=_value,
    date=danish.date,
    integer=danish.integer,
    school_year=schoolyear.short,
    subject=lambda s: SUBJECTS.get(s, s),
)
_TEMPLATES.globals.update(
    status_fills=STATUS_FILLS,
    status_labels=STATUS_LABELS,
    confidential_mark=CONFIDENTIAL_MARK,
    synthetic_mark=SYNTHETIC_MARK,
    missing=danish.MISSING,
)


def _records(goals: pd.DataFrame) -> list[dict]:
    """Goal rows for a template (NaN as None, so a missing value shows as missing)."""
    return goals.astype(object).where(goals.notna(), None).to_dict("records")


def _goal_matrix(goals: pd.DataFrame) -> list[tuple[tuple[str, ...], list[tuple[str, list[str]]]]]:
    """Each institution's status per goal: (goal ids, [(institution, statuses)]) per table.

    Institutions are grouped by the goals that apply to them (schools and daycares
    get separate tables), so no table is mostly empty.
    """
    inst = goals[goals["level"] == "institution"]
    status = {(r.unit_name, r.goal_id): r.shown for r in inst.itertuples()}
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, rows in inst.groupby("unit_name", sort=True):
        groups.setdefault(tuple(dict.fromkeys(rows["goal_id"])), []).append(name)
    return [(ids, [(name, [status[(name, g)] for g in ids]) for name in names]) for ids, names in groups.items()]


def area_figure(area: Area) -> go.Figure | None:
    """Bars for each institution's headline value, the municipality as a line; withheld values left out."""
    ind = area.indicators[0]
    bars = [
        (u.name, value)
        for u in area.units
        if u.level == "institution" and (value := area.get(u.unit_id, ind.id).shown) is not None
    ]
    if not bars:
        return None
    scale = 100 if ind.unit == "share" else 1
    fig = go.Figure(
        go.Bar(
            x=[value * scale for _, value in bars],
            y=[chart_text(name) for name, _ in bars],
            orientation="h",
            marker_color="#0072B2",
            name="Institution",
        )
    )
    muni = next(u for u in area.units if u.level == "municipality")
    reference = area.get(muni.unit_id, ind.id).shown
    if reference is not None:
        fig.add_vline(
            x=reference * scale,
            line_color="#D55E00",
            line_width=2,
            annotation_text=f"{muni.name}: {danish.value(reference, ind.unit)}",
        )
    fig.update_layout(
        title=ind.label + (" (%)" if scale == 100 else ""),
        width=FIGURE_WIDTH,
        height=max(FIGURE_HEIGHT, 40 + 22 * len(bars)),
        margin=dict(l=10, r=10, t=50, b=30),
        showlegend=False,
        yaxis=dict(autorange="reversed", automargin=True),
    )
    return danish.style_figure(fig)


def _figure_html(fig: go.Figure, first: bool) -> Markup:
    """A figure's HTML, which plotly writes (the one piece the templates do not escape)."""
    return Markup(
        fig.to_html(
            full_html=False,
            include_plotlyjs=first,
            config={"displayModeBar": False, "staticPlot": True, "responsive": False},
        )
    )


def _area(area: Area, min_n: int, first_figure: bool) -> dict:
    """One area's section for the template: its figure and a row per unit with (value, n) per indicator."""
    fig = area_figure(area)
    rows = []
    for u in area.units:
        cells = []
        for ind in area.indicators:
            v = area.get(u.unit_id, ind.id)
            cells.append({"value": v.mark(min_n) or _value(v.value, ind.id), "n": v.n})
        rows.append({"name": u.name, "municipality": u.level == "municipality", "cells": cells})
    return {
        "title": area.title,
        "confidential": area.confidential,
        "indicators": area.indicators,
        "figure": _figure_html(fig, first_figure) if fig else None,
        "rows": rows,
        "coverage": area.coverage,
        "notes": area.notes,
    }


def status_html(report: StatusReport) -> str:
    """The whole status report as one HTML document."""
    areas, first = [], True
    for area in report.areas:
        areas.append(_area(area, report.min_n, first))
        first = first and areas[-1]["figure"] is None  # plotly.js goes with the first figure only
    return _TEMPLATES.get_template("status.html").render(
        title=f"Statusrapport {schoolyear.short(report.year)} – {report.kommune_name}",
        report=report,
        status_report_note=STATUS_REPORT_NOTE,
        municipal_goals=_records(report.goals[report.goals["level"] == "municipality"]),
        matrix=_goal_matrix(report.goals),
        why_no_data=why_no_data(report.goals[report.goals["level"] == "institution"]),
        areas=areas,
        sources=SOURCES,
        socioeconomic_note=comparison.SOCIOECONOMIC_NOTE,
    )


def dialogue_html(sheet: DialogueSheet) -> str:
    """The dialogue sheet: one or two printed pages, no figures."""
    return _TEMPLATES.get_template("dialogue.html").render(
        title=f"Kvalitetsdialog {schoolyear.short(sheet.year)} – {sheet.institution_name}",
        sheet=sheet,
        goals=_records(sheet.goals),
    )


def _test_value(v: Value | None, indicator: Indicator, min_n: int) -> str:
    """A mandatory test result: withheld as ``<5`` or ``x`` (``Value.mark``), missing (or another scale) as an en
    dash."""
    if v is None:
        return danish.MISSING
    return v.mark(min_n) or danish.value(v.value, indicator.unit)


def referat_html(referat: Referat) -> str:
    """The samtale's referat (or its preparation, before it is held): A4 portrait, no figures."""
    return _TEMPLATES.get_template("referat.html").render(
        title=referat.title,
        r=referat,
        test_value=lambda v, indicator: _test_value(v, indicator, referat.min_n),
        profile_area_meaning=profile_areas.MEANING,
    )

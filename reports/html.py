"""The status report and the dialogue sheet as one self-contained HTML file each.

Nothing is fetched when the file is opened: the plotly.js bundle is inlined
once (``include_plotlyjs=True`` on the first figure), styles are inline, and
there are no links to other hosts. The CSS lays it out for A4: each section
starts on a new page and figures have a fixed width that fits the page.
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from core import danish, schoolyear
from indicators import STATUS_LABELS
from indicators.catalogue import CATALOGUE
from reports.data import (
    CONFIDENTIAL_MARK,
    STATUS_REPORT_NOTE,
    SYNTHETIC_MARK,
    Area,
    DialogueSheet,
    StatusReport,
)
from reports.xlsx import SOURCES, STATUS_FILLS

# 180 mm of printable width at 96 dpi is 680 px.
FIGURE_WIDTH, FIGURE_HEIGHT = 680, 340

_CSS = """
@page { size: A4; margin: 15mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #000; max-width: 180mm; margin: auto; }
h1 { font-size: 18pt; } h2 { font-size: 14pt; margin-top: 0; } h3 { font-size: 11pt; margin: 1em 0 0.3em; }
section { break-before: page; page-break-before: always; }
section:first-of-type { break-before: auto; page-break-before: auto; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; }
th, td { border: 1px solid #999; padding: 2px 4px; vertical-align: top; text-align: left; }
td.num { text-align: right; white-space: nowrap; }
th { background: #DDE3EA; }
tr, .figure { break-inside: avoid; page-break-inside: avoid; }
thead { display: table-header-group; }
.mark { color: #C00000; font-weight: bold; }
.status { font-weight: bold; white-space: nowrap; }
.muni td { font-weight: bold; }
.note { font-size: 8.5pt; color: #333; }
table.matrix { font-size: 7.5pt; } table.matrix .status { white-space: normal; }
"""


def _e(text) -> str:
    return html.escape("" if text is None else str(text))


def _value(value, indicator_id: str, suppressed: bool, min_n: int) -> str:
    if suppressed:
        return f"&lt;{min_n}"
    if value is None or value != value:
        return danish.MISSING
    return _e(danish.value(value, CATALOGUE[indicator_id].unit))


def _status(status: str) -> str:
    return (
        f'<span class="status" style="background:#{STATUS_FILLS[status]};padding:0 0.4em">'
        f"{_e(STATUS_LABELS[status])}</span>"
    )


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="da"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f"<style>{_CSS}</style></head><body>{body}</body></html>\n"
    )


def _goal_table(goals, with_unit: bool) -> str:
    if goals.empty:
        return "<p>Ingen mål for dette år.</p>"
    head = ["Mål"] + (["Enhed"] if with_unit else []) + ["Værdi", "Målværdi", "Status", "Hvad viser tallene"]
    rows = []
    for g in goals.itertuples():
        cells = [f"<td><b>{_e(g.goal_id)}</b> {_e(g.title)}</td>"]
        if with_unit:
            cells.append(f"<td>{_e(g.unit_name)}</td>")
        cells += [
            f'<td class="num">{_value(g.value, g.indicator, False, 0)}</td>',
            f'<td class="num">{_value(g.target, g.indicator, False, 0)}</td>',
            f"<td>{_status(g.status)}</td>",
            f"<td>{_e(g.sentence)}</td>",
        ]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f"<table><thead><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _goal_matrix(goals) -> str:
    """Each institution's status per goal: a row per institution, a column per goal.

    Institutions are grouped by the goals that apply to them (schools and daycares
    get separate tables), so no table is mostly empty.
    """
    inst = goals[goals["level"] == "institution"]
    status = {(r.unit_name, r.goal_id): r.status for r in inst.itertuples()}
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, rows in inst.groupby("unit_name", sort=True):
        groups.setdefault(tuple(dict.fromkeys(rows["goal_id"])), []).append(name)
    tables = []
    for ids, names in groups.items():
        head = "<th>Institution</th>" + "".join(f"<th>{_e(g)}</th>" for g in ids)
        body = "".join(
            f"<tr><td>{_e(name)}</td>" + "".join(f"<td>{_status(status[(name, g)])}</td>" for g in ids) + "</tr>"
            for name in names
        )
        tables.append(f'<table class="matrix"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')
    return "<h3>Målene for hver institution</h3>" + "".join(tables) if tables else ""


def area_figure(area: Area) -> go.Figure | None:
    """Bars for each institution's headline value, the municipality as a line; withheld values left out."""
    ind = area.indicators[0]
    units = [u for u in area.units if u.level == "institution" and area.get(u.unit_id, ind.id).shown]
    if not units:
        return None
    scale = 100 if ind.unit == "share" else 1
    fig = go.Figure(
        go.Bar(
            x=[area.get(u.unit_id, ind.id).value * scale for u in units],
            y=[u.name for u in units],
            orientation="h",
            marker_color="#0072B2",
            name="Institution",
        )
    )
    muni = next(u for u in area.units if u.level == "municipality")
    mv = area.get(muni.unit_id, ind.id)
    if mv.shown:
        fig.add_vline(
            x=mv.value * scale,
            line_color="#D55E00",
            line_width=2,
            annotation_text=f"{muni.name}: {danish.value(mv.value, ind.unit)}",
        )
    fig.update_layout(
        title=ind.label + (" (%)" if scale == 100 else ""),
        width=FIGURE_WIDTH,
        height=max(FIGURE_HEIGHT, 40 + 22 * len(units)),
        margin=dict(l=10, r=10, t=50, b=30),
        showlegend=False,
        yaxis=dict(autorange="reversed", automargin=True),
    )
    return danish.style_figure(fig)


def _figure_html(fig: go.Figure, first: bool) -> str:
    return (
        '<div class="figure">'
        + fig.to_html(
            full_html=False,
            include_plotlyjs=first,
            config={"displayModeBar": False, "staticPlot": True, "responsive": False},
        )
        + "</div>"
    )


def _area_section(area: Area, min_n: int, first_figure: bool) -> tuple[str, bool]:
    head = "<th>Institution</th>" + "".join(f"<th>{_e(i.label)}</th><th>n</th>" for i in area.indicators)
    rows = []
    for u in area.units:
        cells = [f"<td>{_e(u.name)}</td>"]
        for ind in area.indicators:
            v = area.get(u.unit_id, ind.id)
            cells.append(f'<td class="num">{_value(v.value, ind.id, v.suppressed, min_n)}</td>')
            cells.append(f'<td class="num">{danish.integer(v.n)}</td>')
        rows.append(f"<tr{' class=muni' if u.level == 'municipality' else ''}>{''.join(cells)}</tr>")
    fig = area_figure(area)
    figure = _figure_html(fig, first_figure) if fig else ""
    mark = f'<p class="mark">{CONFIDENTIAL_MARK}</p>' if area.confidential else ""
    body = (
        f"<section><h2>{_e(area.title)}</h2>{mark}{figure}<table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="note">&lt;{min_n}: diskretioneret (færre end {min_n}); {danish.MISSING}: ingen data.</p>'
        "</section>"
    )
    return body, first_figure and fig is None


def status_html(report: StatusReport) -> str:
    """The whole status report as one HTML document."""
    year = schoolyear.short(report.year)
    title = f"Statusrapport {year} – {report.kommune_name}"
    cover = [
        f"<h1>{_e(title)}</h1>",
        f"<p>Dato: {danish.date(report.created)}</p>",
        f'<p class="note">{_e(STATUS_REPORT_NOTE)}</p>',
    ]
    if report.demo:
        cover.append(f'<p class="mark">{SYNTHETIC_MARK}</p>')
    if report.confidential:
        cover.append(
            f'<p class="mark">{CONFIDENTIAL_MARK}. Rapporten indeholder resultater fra de '
            "nationale test og må ikke offentliggøres.</p>"
        )
    municipal = report.goals[report.goals["level"] == "municipality"]
    cover.append("<h2>Målene</h2>" + _goal_table(municipal, with_unit=False) + _goal_matrix(report.goals))
    parts = ["<section>" + "".join(cover) + "</section>"]
    first = True
    for area in report.areas:
        body, first = _area_section(area, report.min_n, first)
        parts.append(body)
    if report.assessments:
        rows = "".join(
            f"<tr><td>{_e(name)}</td><td>{_e(n.topic_label)}</td><td>{_e(n.text)}</td></tr>"
            for name, n in report.assessments
        )
        parts.append(
            "<section><h2>Institutionernes vurderinger</h2><table><thead><tr><th>Institution</th>"
            f"<th>Emne</th><th>Vurdering</th></tr></thead><tbody>{rows}</tbody></table></section>"
        )
    rows = "".join(
        f"<tr><td>{_e(i.label)}</td><td>{_e(i.description)}</td><td>{_e(SOURCES.get(i.source))}</td></tr>"
        for i in report.definitions
    )
    parts.append(
        "<section><h2>Definitioner og kilder</h2><table><thead><tr><th>Indikator</th><th>Definition</th>"
        f"<th>Kilde</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )
    return _page(title, "".join(parts))


def _notes_table(notes, with_action: bool) -> str:
    if not notes:
        return "<p>Ingen.</p>"
    head = ["Emne", "Tekst"] + (["Hvem", "Frist", "Status", "År"] if with_action else [])
    rows = []
    for n in notes:
        cells = [n.topic_label, n.text]
        if with_action:
            cells += [
                n.action_owner,
                danish.date(n.action_due),
                n.action_status,
                schoolyear.short(n.school_year),
            ]
        rows.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    return (
        f"<table><thead><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def dialogue_html(sheet: DialogueSheet) -> str:
    """The dialogue sheet: one or two printed pages, no figures."""
    year = schoolyear.short(sheet.year)
    title = f"Kvalitetsdialog {year} – {sheet.institution_name}"
    body = [f"<h1>{_e(title)}</h1>", f"<p>{_e(sheet.kommune_name)} · {danish.date(sheet.created)}</p>"]
    if sheet.demo:
        body.append(f'<p class="mark">{SYNTHETIC_MARK}</p>')
    if sheet.confidential:
        body.append(f'<p class="mark">{CONFIDENTIAL_MARK}</p>')
    body += [
        "<h3>Hvad viser tallene</h3>",
        _goal_table(sheet.goals, with_unit=False),
        "<h3>Åbne aftaler fra tidligere år</h3>",
        _notes_table(sheet.carried, True),
        "<h3>Institutionens vurdering</h3>",
        _notes_table(sheet.notes["assessment"], False),
    ]
    if sheet.notes["administration"]:
        body += ["<h3>Forvaltningens bemærkninger</h3>", _notes_table(sheet.notes["administration"], False)]
    body += [
        "<h3>Aftaler</h3>",
        _notes_table(sheet.notes["action"], True),
        "<h3>Opfølgning</h3>",
        _notes_table(sheet.notes["followup"], False),
    ]
    return _page(title, "<section>" + "".join(body) + "</section>")

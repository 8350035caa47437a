"""The status report and the dialogue sheet as XLSX workbooks (openpyxl).

Numbers are stored as numbers with a number format (``0.0 %``, ``0.0``), so
Excel shows them with the reader's Danish decimal comma and they can be
recomputed; a withheld value is the text ``<5`` (the threshold), a missing one
``–``: never blank, never zero. Every cell goes through ``safe.set_cell``.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from core import danish, schoolyear
from core.safe import set_cell
from indicators import STATUS_LABELS, comparison, profile_areas
from indicators.catalogue import CATALOGUE, SUBJECTS
from reports.data import (
    CONFIDENTIAL_MARK,
    STATUS_REPORT_NOTE,
    SYNTHETIC_MARK,
    DialogueSheet,
    Referat,
    StatusReport,
    Value,
)

# The same decimals as core.danish.value shows on the pages (well-being with two).
NUMBER_FORMATS = {"share": "0.0 %", "score": "0.0", "scale5": "0.0", "grade": "0.0"}
# The app's status palette (Okabe-Ito, safe for colour-vision deficiencies); the word is always there too.
STATUS_FILLS = {
    "met": "009E73",
    "on_track": "56B4E9",
    "not_on_track": "F0C05A",
    "not_met": "E69F00",
    "no_data": "BBBBBB",
}
SOURCES = {
    "tests": "Børne- og Undervisningsministeriet: nationale test (udtræk fra STIL)",
    "wellbeing": "Den nationale trivselsmåling (STIL)",
    "language_assessments": "Kommunens sprogvurderinger (3-6 år)",
    "absence": "Elevfravær (kommunens/ministeriets udtræk)",
    "exam_grades": "Karakterer ved 9.-klasseprøverne og socioøkonomisk reference (ministeriet)",
    "youth_transition": "Overgang til ungdomsuddannelse (ministeriet)",
    "competence": "Kompetencedækning (ministeriet)",
}
VIEWER_LABELS = {"administration": "Forvaltningen", "council": "Byråd/udvalg", "public": "Offentligheden"}

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_MARK = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _viewer_label(viewer) -> str:
    return VIEWER_LABELS.get(viewer.role, f"Leder ({', '.join(sorted(viewer.institutions))})")


def _sheet(wb: Workbook, title: str, heading: str, confidential: bool, widths: list[int]) -> Worksheet:
    """A sheet with its heading, the § 55 b mark where due (in the sheet and the print header), A4 setup."""
    ws = wb.create_sheet(title[:31])
    set_cell(ws.cell(1, 1), heading).font = _TITLE
    if confidential:
        set_cell(ws.cell(2, 1), CONFIDENTIAL_MARK).font = _MARK
        ws.oddHeader.center.text = CONFIDENTIAL_MARK
        ws.evenHeader.center.text = CONFIDENTIAL_MARK
    ws.oddFooter.right.text = "Side &P af &N"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    return ws


def _header(ws: Worksheet, row: int, names: list[str]) -> None:
    """The table's header row: bold, shaded, frozen and repeated on every printed page."""
    for col, name in enumerate(names, start=1):
        c = set_cell(ws.cell(row, col), name)
        c.font, c.fill, c.alignment = _BOLD, _HEADER_FILL, _WRAP
    ws.freeze_panes = ws.cell(row + 1, 1)
    ws.print_title_rows = f"{row}:{row}"


def _number(cell, v: Value, indicator_id: str, min_n: int):
    if v.suppressed:
        return set_cell(cell, v.mark(min_n))
    if v.value is None:
        return set_cell(cell, danish.MISSING)
    set_cell(cell, float(v.value)).number_format = NUMBER_FORMATS[CATALOGUE[indicator_id].unit]
    return cell


def _status(cell, status: str):
    set_cell(cell, STATUS_LABELS[status])
    cell.fill = PatternFill("solid", fgColor=STATUS_FILLS[status])
    cell.font = _BOLD
    return cell


def _goal_rows(ws: Worksheet, row: int, goals, min_n: int, with_unit: bool) -> int:
    names = (
        ["Mål", "Målformulering"]
        + (["Enhed"] if with_unit else [])
        + ["Indikator", "Værdi", "Målværdi", "Status", "Hvad viser tallene"]
    )
    _header(ws, row, names)
    for g in goals.itertuples():
        row += 1
        cells = [g.goal_id, g.title] + ([g.unit_name] if with_unit else []) + [CATALOGUE[g.indicator].label]
        for col, v in enumerate(cells, start=1):
            set_cell(ws.cell(row, col), v).alignment = _WRAP
        col = len(cells) + 1
        value = None if g.value is None or g.value != g.value else g.value
        _number(ws.cell(row, col), Value(value, None), g.indicator, min_n)
        target = None if g.target is None or g.target != g.target else g.target
        _number(ws.cell(row, col + 1), Value(target, None), g.indicator, min_n)
        _status(ws.cell(row, col + 2), g.shown)
        set_cell(ws.cell(row, col + 3), g.sentence or "").alignment = _WRAP
    return row


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def status_xlsx(report: StatusReport) -> bytes:
    """The status report workbook: cover, goals, one sheet per area, assessments, definitions."""
    wb = Workbook()
    wb.remove(wb.active)
    year = schoolyear.short(report.year)

    ws = _sheet(wb, "Forside", f"Statusrapport {year}", report.confidential, [28, 60])
    facts = [
        ("Kommune", report.kommune_name),
        ("Skoleår", year),
        ("Dato", danish.date(report.created)),
        ("Udarbejdet til", _viewer_label(report.viewer)),
        ("Diskretionering", f"Værdier fra færre end {report.min_n} elever/børn vises som <{report.min_n}."),
        ("Om rapporten", STATUS_REPORT_NOTE),
    ]
    if report.demo:
        facts.insert(0, ("Data", SYNTHETIC_MARK))
    row = 3
    for label, value in facts:
        row += 1
        set_cell(ws.cell(row, 1), label).font = _BOLD
        set_cell(ws.cell(row, 2), value).alignment = _WRAP
    row += 2
    set_cell(ws.cell(row, 1), "Indhold").font = _BOLD
    contents = ["Mål"] + [a.title for a in report.areas] + (["Baggrund"] if not report.socioeconomic.empty else [])
    contents += ["Vurderinger", "Definitioner"]
    for name in contents:
        row += 1
        set_cell(ws.cell(row, 2), name)

    ws = _sheet(
        wb,
        "Mål",
        f"Målene {year}",
        report.confidential and any(CATALOGUE[i].confidential for i in report.goals["indicator"]),
        [10, 40, 24, 30, 10, 10, 14, 60],
    )
    last = _goal_rows(ws, 4, report.goals, report.min_n, with_unit=True)
    ws.auto_filter.ref = f"A4:H{last}"

    for area in report.areas:
        widths = [34] + [18, 8] * len(area.indicators)
        ws = _sheet(wb, area.title, f"{area.title} {year}", area.confidential, widths)
        names = ["Institution"]
        for ind in area.indicators:
            names += [ind.label, "n"]
        _header(ws, 4, names)
        row = 4
        for unit in area.units:
            row += 1
            c = set_cell(ws.cell(row, 1), unit.name)
            if unit.level == "municipality":
                c.font = _BOLD
            for k, ind in enumerate(area.indicators):
                v = area.get(unit.unit_id, ind.id)
                _number(ws.cell(row, 2 + 2 * k), v, ind.id, report.min_n)
                set_cell(ws.cell(row, 3 + 2 * k), v.n if v.n is not None else danish.MISSING).number_format = "#,##0"
        set_cell(
            ws.cell(row + 2, 1),
            f"<{report.min_n}: diskretioneret (færre end {report.min_n}); x: skjult, så en mindre gruppes tal ikke "
            f"kan regnes ud; {danish.MISSING}: ingen data.",
        )
        if area.coverage:
            text = "Kommunens tal dækker kun en del af institutionerne: " + "; ".join(area.coverage) + "."
            set_cell(ws.cell(row + 3, 1), text)
        for k, line in enumerate(area.notes, start=row + (4 if area.coverage else 3)):
            set_cell(ws.cell(k, 1), line)

    if not report.socioeconomic.empty:
        ws = _sheet(wb, "Baggrund", f"Karakterer i forhold til elevernes baggrund {year}", False, [34, 100])
        _header(ws, 4, ["Skole", "Socioøkonomisk reference"])
        for row, r in enumerate(report.socioeconomic.to_dict("records"), start=5):
            set_cell(ws.cell(row, 1), r["unit_name"])
            set_cell(ws.cell(row, 2), r["words"]).alignment = _WRAP
        set_cell(ws.cell(row + 2, 1), comparison.SOCIOECONOMIC_NOTE)

    ws = _sheet(wb, "Vurderinger", f"Institutionernes vurderinger {year}", False, [30, 24, 90, 24, 12])
    _header(ws, 4, ["Institution", "Emne", "Vurdering", "Skrevet af", "Dato"])
    for row, (name, note) in enumerate(report.assessments, start=5):
        for col, text in enumerate(
            [name, note.topic_label, note.text, note.author or "", danish.date(note.written_at)], start=1
        ):
            set_cell(ws.cell(row, col), text).alignment = _WRAP

    ws = _sheet(wb, "Definitioner", "Definitioner og kilder", False, [20, 40, 70, 60, 12])
    _header(ws, 4, ["Id", "Indikator", "Definition", "Kilde", "Fortroligt"])
    for row, ind in enumerate(report.definitions, start=5):
        for col, text in enumerate(
            [
                ind.id,
                ind.label,
                ind.description,
                SOURCES.get(ind.source, ind.source),
                "§ 55 b" if ind.confidential else "",
            ],
            start=1,
        ):
            set_cell(ws.cell(row, col), text).alignment = _WRAP
    return _save(wb)


def dialogue_xlsx(sheet: DialogueSheet) -> bytes:
    """The dialogue sheet of one institution and year, one A4 portrait page wide."""
    wb = Workbook()
    wb.remove(wb.active)
    year = schoolyear.short(sheet.year)
    ws = _sheet(
        wb,
        "Dialog",
        f"Kvalitetsdialog {year}: {sheet.institution_name}",
        sheet.confidential,
        [10, 34, 30, 12, 12, 14, 50],
    )
    ws.page_setup.orientation = "portrait"
    row = 2 if sheet.confidential else 1
    row += 1
    set_cell(
        ws.cell(row, 1),
        f"{sheet.kommune_name} · {danish.date(sheet.created)}" + (f" · {SYNTHETIC_MARK}" if sheet.demo else ""),
    )
    row += 2
    set_cell(ws.cell(row, 1), "Hvad viser tallene").font = _BOLD
    row = _goal_rows(ws, row + 1, sheet.goals, 0, with_unit=False)
    ws.freeze_panes = None  # one page with several tables: nothing to freeze
    ws.print_title_rows = None

    def section(row: int, title: str, notes, with_action: bool) -> int:
        row += 2
        set_cell(ws.cell(row, 1), title).font = _BOLD
        if not notes:
            set_cell(ws.cell(row + 1, 1), "Ingen.")
            return row + 1
        for note in notes:
            row += 1
            parts = [note.topic_label, note.text]
            if with_action:
                parts += [
                    note.action_owner,
                    danish.date(note.action_due),
                    note.action_status,
                    schoolyear.short(note.school_year),
                ]
            for col, v in enumerate(parts, start=2):
                set_cell(ws.cell(row, col), v).alignment = _WRAP
        return row

    row = section(row, "Åbne aftaler fra tidligere år", sheet.carried, True)
    row = section(row, "Institutionens vurdering", sheet.notes["assessment"], False)
    row = section(row, "Forvaltningens bemærkninger", sheet.notes["administration"], False)
    row = section(row, "Aftaler (emne, hvad, hvem, frist, status, år)", sheet.notes["action"], True)
    section(row, "Opfølgning", sheet.notes["followup"], False)
    return _save(wb)


def referat_xlsx(referat: Referat) -> bytes:
    """The samtale's referat on one A4 portrait sheet: the samtale, frame, proposal, tests, follow-up, agreements."""
    school, samtale, tests = referat.school, referat.school.samtale, referat.tests
    assert samtale is not None  # reports.data.samtale_referat refuses a school without one
    wb = Workbook()
    wb.remove(wb.active)
    ws = _sheet(wb, "Samtale", referat.title, referat.confidential, [34, 44] + [12] * (len(tests.years) + 1))
    ws.page_setup.orientation = "portrait"
    line = f"{referat.heading} · {referat.kommune_name} · udskrevet {danish.date(referat.created)}"
    set_cell(ws.cell(3, 1), line + (f" · {SYNTHETIC_MARK}" if referat.demo else ""))
    row = 3

    def heading(text: str) -> None:
        nonlocal row
        row += 2
        set_cell(ws.cell(row, 1), text).font = _BOLD

    def line_of(*values) -> None:
        nonlocal row
        row += 1
        for col, value in enumerate(values, start=1):
            set_cell(ws.cell(row, col), value).alignment = _WRAP

    def table(names: list[str]) -> None:
        nonlocal row
        row += 1
        for col, name in enumerate(names, start=1):
            c = set_cell(ws.cell(row, col), name)
            c.font, c.fill, c.alignment = _BOLD, _HEADER_FILL, _WRAP

    year = schoolyear.short(school.school_year)
    heading("Samtalen")
    line_of("Dato", danish.date(samtale.held_on) if samtale.held_on else "Ikke fastsat")
    line_of("Status", samtale.state)
    for role, names in samtale.participants:
        line_of(role, names)
    heading(f"Kommunalbestyrelsens strategiske ramme for {year}")
    for topic in (school.frame.topic_list if school.frame else []) or ["Der er ingen strategisk ramme for skoleåret."]:
        line_of("", topic)
    heading("Skolens forslag til udviklingsområder")
    for area in samtale.areas or ["Skolen har ikke skrevet et forslag endnu."]:
        line_of("", area)
    heading("Skolens egen vurdering")
    line_of("", samtale.school_assessment or "Skolen har ikke skrevet en vurdering endnu.")

    heading("Resultater fra de obligatoriske test")
    if tests.rows:
        set_cell(ws.cell(row, 2), CONFIDENTIAL_MARK).font = _MARK
        table(["Indikator", "Fag"] + [schoolyear.short(y) for y in tests.years] + [f"Kommunen {year}"])
        for test in tests.rows:
            line_of(test.indicator.label, SUBJECTS.get(test.subject, test.subject))
            values = [test.school.get(y) for y in tests.years] + [test.municipality]
            for col, v in enumerate(values, start=3):
                if v is None:
                    set_cell(ws.cell(row, col), danish.MISSING)
                else:
                    _number(ws.cell(row, col), v, test.indicator.id, referat.min_n)
        line_of(
            f"Alle klassetrin under ét. <{referat.min_n}: færre end {referat.min_n} elever; x: skjult, så en mindre "
            f"gruppes tal ikke kan regnes ud; {danish.MISSING}: "
            "ingen data, eller året ligger på en anden skala og kan ikke sammenlignes."
        )
    elif not tests.profile_areas:
        line_of("", f"Der er ingen testresultater for skolen i {year}.")
    if tests.profile_areas:
        heading(f"Profilområder {year}")
        if not tests.rows:
            set_cell(ws.cell(row, 2), CONFIDENTIAL_MARK).font = _MARK
        table(["Fag", "Profilområde", "Skolen", "Kommunen"])
        for profile in tests.profile_areas:
            line_of(SUBJECTS.get(profile.subject, profile.subject), profile.profile_area)
            _number(ws.cell(row, 3), profile.school, profile.indicator.id, referat.min_n)
            _number(ws.cell(row, 4), profile.municipality, profile.indicator.id, referat.min_n)
        line_of(profile_areas.MEANING.capitalize() + ".")
    for sentence in tests.not_followed:
        line_of("", sentence)

    previous = school.previous_year
    heading(
        f"Opfølgning på aftalerne fra samtalen i {schoolyear.short(previous)}"
        if previous is not None
        else "Opfølgning på tidligere aftaler"
    )
    if school.followup:
        table(["Aftale", "Opfølgning", "Hvem", "Frist", "Status", "Skoleår"])
        for a in school.followup:
            line_of(a.text, a.followup or "", a.owner, danish.date(a.due), a.status, schoolyear.short(a.school_year))
    else:
        line_of("", "Der er ingen aftaler fra tidligere samtaler at følge op på.")
    heading("Nye aftaler")
    if school.agreements:
        table(["Aftale", "Hvem", "Frist", "Status"])
        for a in school.agreements:
            line_of(a.text, a.owner, danish.date(a.due), a.status)
    else:
        line_of("", "Der er ikke indgået aftaler endnu.")
    heading("Referat af drøftelsen")
    line_of("", samtale.summary or "Referatet er ikke skrevet endnu.")
    return _save(wb)

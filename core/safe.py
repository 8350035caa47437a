"""Text written by users, made safe for spreadsheets (no formula injection) and for charts (no markup).

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or with a tab or a line break,
which some programs strip before they look) would be run as a formula by Excel or
LibreOffice (``=HYPERLINK(...)`` can leak data). Every XLSX and CSV the product writes
goes through these functions, so such text always arrives as text.

>>> csv_text("=1+1"), csv_text("Læsning"), formula_like("@SUM(A1)"), formula_like("\\tcmd")
("'=1+1", 'Læsning', True, True)
"""

from __future__ import annotations

import html
import io

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def formula_like(value) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return isinstance(value, str) and value.lstrip(" ").startswith(_TRIGGERS)


def csv_text(value):
    """A value for a CSV field: formula-like text gets a leading apostrophe (Excel's text mark)."""
    return "'" + value if formula_like(value) else value


def to_csv(frame: pd.DataFrame, *, sep: str = ",", text_columns: list[str] | None = None) -> str:
    """``frame`` as CSV text whose user-written cells (``text_columns``, default: all) stay text in a spreadsheet.

    Columns of numbers written as text (``-0.5``) are left out by the caller: they are data. Lines
    end in CRLF (RFC 4180), which also makes the writer quote any field holding a carriage return;
    with a bare LF ending, such a field would split its row and start a new one.
    """
    columns = frame.columns if text_columns is None else text_columns
    safe = frame.assign(**{c: _csv_texts(frame[c]) for c in columns})
    return safe.to_csv(sep=sep, index=False, lineterminator="\r\n")


def _csv_texts(column: pd.Series) -> pd.Series:
    """``csv_text`` of each value, looked at once per distinct value (an export has a million rows, a few
    thousand ids)."""
    formula = [v for v in column.dropna().unique() if formula_like(v)]
    if not formula:
        return column
    hit = column.isin(formula)
    return column.where(~hit, column[hit].map(csv_text))


def set_cell(cell: Cell, value) -> Cell:
    """Put any value in an openpyxl cell; formula-like text is stored as a string shown as text."""
    if formula_like(value):
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise store it as a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    else:
        cell.value = value
    return cell


def xlsx_table(title: str, frame: pd.DataFrame) -> bytes:
    """``frame`` as a workbook of one sheet: a header row, then one row per record (missing values empty)."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for column, name in enumerate(frame.columns, start=1):
        set_cell(ws.cell(1, column), str(name))
    for row, record in enumerate(frame.itertuples(index=False), start=2):
        for column, value in enumerate(record, start=1):
            set_cell(ws.cell(row, column), None if pd.isna(value) else value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def chart_text(text) -> str:
    """User text for a Plotly label, legend or hover: Plotly reads ``<b>``, ``<a href>`` ... in
    text as markup, and entities as the characters they stand for, so escaping keeps it as written."""
    return html.escape(str(text), quote=False)

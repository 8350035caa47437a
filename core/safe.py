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
import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")


def formula_like(value) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return isinstance(value, str) and value.lstrip(" ").startswith(_TRIGGERS)


def csv_text(value):
    """A value for a CSV field: formula-like text gets a leading apostrophe (Excel's text mark)."""
    return "'" + value if formula_like(value) else value


_LINE_END = "\r\n"


def to_csv(frame: pd.DataFrame, *, sep: str = ",", text_columns: list[str] | None = None) -> str:
    """``csv_bytes`` as text."""
    return csv_bytes(frame, sep=sep, text_columns=text_columns).decode("utf-8")


def csv_bytes(frame: pd.DataFrame, *, sep: str = ",", text_columns: list[str] | None = None) -> bytes:
    """``frame`` as CSV (UTF-8) whose user-written cells (``text_columns``, default: all) stay text in a spreadsheet.

    Columns of numbers written as text (``-0.5``) are left out by the caller: they are data. Lines
    end in CRLF (RFC 4180), which also makes the writer quote any field holding a carriage return;
    with a bare LF ending, such a field would split its row and start a new one. Quoting is pandas'
    (Python's ``csv``, minimal: a field holding the separator, a quote or a line break is quoted, its
    quotes doubled; missing is empty). A frame of text columns (an export: a million rows) is written
    by Arrow, to the same bytes.
    """
    columns = frame.columns if text_columns is None else text_columns
    safe = frame.assign(**{c: _csv_texts(frame[c]) for c in columns})
    if len(safe.columns) < 2 or not all(isinstance(t, pd.StringDtype) for t in safe.dtypes):
        # (a row of one empty field is written as "" by Python's csv: such a frame is left to pandas)
        return safe.to_csv(sep=sep, index=False, lineterminator=_LINE_END).encode("utf-8")
    header = _fields(pa.array([str(c) for c in safe.columns]), sep).to_pylist()
    out = io.BytesIO((sep.join(header) + _LINE_END).encode("utf-8"))
    out.seek(0, io.SEEK_END)
    fields = [_fields(pa.array(safe[c]), sep) for c in safe.columns]
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*fields, _text(sep)), _text(_LINE_END), _text(""))
    for chunk in lines.chunks:  # a chunk's rows lie end to end in its data buffer
        _, offsets, data = chunk.buffers()
        ends = np.frombuffer(offsets, dtype=np.int64)[chunk.offset : chunk.offset + len(chunk) + 1]
        out.write(memoryview(data)[ends[0] : ends[-1]])
    return out.getvalue()


def _text(s: str) -> pa.Scalar:
    return pa.scalar(s, pa.large_string())


def _fields(column: pa.ChunkedArray | pa.Array, sep: str) -> pa.ChunkedArray:
    """A text column's CSV fields: missing as empty, quoted where Python's csv quotes (minimal)."""
    if isinstance(column, pa.Array):
        column = pa.chunked_array([column])
    column = pc.fill_null(column.cast(pa.large_string()), "")
    special = sep + '"\r\n'
    # Most columns hold no such character anywhere: a look at the raw bytes spares the per-row test.
    raw = [np.frombuffer(chunk.buffers()[2] or b"", dtype=np.uint8) for chunk in column.chunks]
    if not any((part == byte).any() for part in raw for byte in special.encode("utf-8")):
        return column
    quote = pc.match_substring_regex(column, "[" + re.escape(special) + "]")
    quoted = pc.binary_join_element_wise(_text('"'), pc.replace_substring(column, '"', '""'), _text('"'), _text(""))
    return pc.if_else(quote, quoted, column)


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
    from openpyxl import Workbook  # here: a command that writes no workbook does not load openpyxl

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

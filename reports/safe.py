"""Text written by users, made safe for spreadsheets (no formula injection).

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` would be run as a
formula by Excel or LibreOffice (``=HYPERLINK(...)`` can leak data). Every
report writes user text through these functions, so it always arrives as text.

>>> csv_text("=1+1"), csv_text("Læsning"), formula_like("@SUM(A1)")
("'=1+1", 'Læsning', True)
"""

from __future__ import annotations

from openpyxl.cell.cell import Cell

_TRIGGERS = ("=", "+", "-", "@")


def formula_like(value) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return isinstance(value, str) and value.lstrip(" \t\r\n").startswith(_TRIGGERS)


def csv_text(value):
    """A value for a CSV field: formula-like text gets a leading apostrophe (Excel's text mark)."""
    return "'" + value if formula_like(value) else value


def set_cell(cell: Cell, value) -> Cell:
    """Put any value in an openpyxl cell; formula-like text is stored as a string shown as text."""
    if formula_like(value):
        cell.value = value
        cell.data_type = "s"  # openpyxl would otherwise store it as a formula
        cell.quotePrefix = True  # and Excel keeps it text when the cell is edited
    else:
        cell.value = value
    return cell

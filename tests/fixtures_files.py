"""Helpers that write real extract files the way municipalities have them."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl

from core import database

FORMATS = ("utf-8", "utf-8-sig", "cp1252", "xlsx")
# An XLSX written by ``write`` has a title row and a blank row above the header.
XLSX_HEADER_ROW = 3

DATA_TABLES = (
    "institutions",
    "test_pupil_results",
    "test_aggregates",
    "wellbeing",
    "language_assessments",
    "absence",
    "exam_grades",
    "youth_transition",
    "competence",
    "goal_versions",
)


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", delimiter: str = ";") -> Path:
    """A CSV file as Excel writes it (quoted where needed); ``None`` cells are written empty."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(
    path: Path,
    rows: list[list],
    *,
    title: str | None = "Udtræk fra styrelsen",
    footnote: str | None = None,
    sheet: str = "Data",
    first_sheet: str | None = None,
) -> Path:
    """A workbook with ``rows`` on ``sheet``, a title row and a blank row above (if ``title``)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    if first_sheet:
        ws.title = first_sheet
        ws.append(["Forside"])
        ws = wb.create_sheet(sheet)
    else:
        ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    for row in rows:
        ws.append(row)
    if footnote:
        ws.append([])
        ws.append([footnote])
    wb.save(path)
    return path


def write(tmp: Path, name: str, rows: list[list], fmt: str) -> Path:
    """``rows`` (header first) as a CSV in encoding ``fmt`` or, for ``fmt='xlsx'``, a workbook."""
    if fmt == "xlsx":
        return write_xlsx(tmp / f"{name}.xlsx", rows)
    return write_csv(tmp / f"{name}.csv", rows, encoding=fmt)


def sheet_row(csv_row: int, fmt: str) -> int:
    """The row a person sees for the CSV row number ``csv_row`` (header = 1) in format ``fmt``."""
    return csv_row + (XLSX_HEADER_ROW - 1 if fmt == "xlsx" else 0)


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every data table's rows, sorted, to compare before and after an import."""
    with database.read(db) as con:
        return {t: sorted(con.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in DATA_TABLES}


def copy_db(master: Path, path: Path) -> Path:
    """A private copy of a database (with its generation file) that a test may change."""
    shutil.copy(master, path)
    shutil.copy(f"{master}.generation", f"{path}.generation")
    return path


def query(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with database.read(db) as con:
        return con.execute(sql, params or []).fetchall()

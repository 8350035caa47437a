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
    "national_levels",
    "clusters",
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


# --- the ministry's institution register, as its export really is ---------------------------

# The 28 columns of the Institutionsregisteret export, in the ministry's order.
REGISTER_HEADER = (  # noqa: SIM905 (the header line as the export writes it)
    "INST_NR;INST_NAVN;ENHEDSART;HOVEDSKOLE_INST;INST_TYPE_NR;INST_TYPE_NAVN;INST_ADR;POSTNR;POSTDISTRIKT;"
    "TLF_NR;E_MAIL;WEB_ADR;INST_LEDER;CVR_NR;P_NR;EJERKODE;EJERKODE_NAVN;BEL_KOMMUNE;BEL_KOMMUNE_NAVN;"
    "BEL_REGION;BEL_REGION_NAVN;ADM_KOMMUNE;ADM_KOMMUNE_NAVN;GEO_BREDDE_GRAD;GEO_LAENGDE_GRAD;"
    "OPRETTET_DATO;AENDRET_DATO;NEDLAGT_DATO"
).split(";")
_NBSP = "\u00a0"
_HOVEDSTADEN = (1084, "Region Hovedstaden")
_MIDTJYLLAND = (1082, "Region Midtjylland")


def _register_row(
    inst: str,
    name: str,
    unit: str,
    parent: str,
    inst_type: tuple[str, str],
    owner: tuple[str, str],
    kommune: tuple[int, str],
    region: tuple[int, str],
    geo: tuple[float, float],
    n: int,
) -> dict:
    plain = name.strip().lower().translate(str.maketrans("æøå", "eoa")).replace(" ", "").replace(",", "")
    return {
        "INST_NR": inst,
        "INST_NAVN": name,
        "ENHEDSART": unit,
        "HOVEDSKOLE_INST": parent,
        "INST_TYPE_NR": inst_type[0],
        "INST_TYPE_NAVN": inst_type[1],
        "INST_ADR": f"Skolevej {n}",
        "POSTNR": str(8200 + n) if kommune[0] == 751 else "3760",
        "POSTDISTRIKT": "Aarhus N" if kommune[0] == 751 else "Gudhjem",
        "TLF_NR": f"8{n}{n}40{n}00",
        "E_MAIL": f"{plain}@skole.example.dk",
        "WEB_ADR": f"https://{plain}.example.dk",
        "INST_LEDER": ("Søren Østergaard", "Åse Bækgaard", "Jørgen Ærø")[n % 3],
        "CVR_NR": f"{29189900 + n}",
        "P_NR": f"{1003300000 + n}",
        "EJERKODE": owner[0],
        "EJERKODE_NAVN": owner[1],
        "BEL_KOMMUNE": kommune[0],
        "BEL_KOMMUNE_NAVN": kommune[1],
        "BEL_REGION": region[0],
        "BEL_REGION_NAVN": region[1],
        "ADM_KOMMUNE": kommune[0],
        "ADM_KOMMUNE_NAVN": kommune[1],
        "GEO_BREDDE_GRAD": geo[0],
        "GEO_LAENGDE_GRAD": geo[1],
        "OPRETTET_DATO": f"01-08-19{60 + n}",
        "AENDRET_DATO": "12-01-2026",
        "NEDLAGT_DATO": None,
    }


_FOLKESKOLE = ("1012", "Folkeskoler")
_KOMMUNAL = ("1", "Kommunale")
_AARHUS = (751, "Aarhus Kommune")
_UDEN = "Institution uden enheder"

# Christiansø (411, not one of the 98 municipalities, named with a trailing space as in the real export);
# a main school and its department; a school in Aarhus (751) with a pre-2007 number (727...); a free
# school and a special school; names with stray spaces (and a non-breaking one) and Danish letters.
REGISTER_ROWS = [
    _register_row(
        "411001", "Christiansø Skole", _UDEN, "", _FOLKESKOLE, ("3", "Statslige"),
        (411, "Christiansø "), _HOVEDSTADEN, (55.320175, 15.186864), 1,
    ),
    _register_row(
        "751050", "Åbyskolen ", "Hovedskole (institution med enheder)", "", _FOLKESKOLE, _KOMMUNAL,
        _AARHUS, _MIDTJYLLAND, (56.150574, 10.160843), 2,
    ),
    _register_row(
        "751051", "Åbyskolen, afd. Søndervang  ", "Afdeling (underordnet enhed)", "751050", _FOLKESKOLE,
        _KOMMUNAL, _AARHUS, _MIDTJYLLAND, (56.148211, 10.153372), 3,
    ),
    _register_row(
        "727009", " Lystrup Skole", _UDEN, "", _FOLKESKOLE, _KOMMUNAL,
        _AARHUS, _MIDTJYLLAND, (56.235903, 10.236101), 4,
    ),
    _register_row(
        "751901", "Frijsenborg Friskole", _UDEN, "", ("1013", "Friskoler og private grundskoler"),
        ("4", "Selvejende"), _AARHUS, _MIDTJYLLAND, (56.171448, 10.190211), 5,
    ),
    _register_row(
        "751960", "Kærgårdsskolen" + _NBSP, _UDEN, "", ("1015", "Specialskoler for børn"), _KOMMUNAL,
        _AARHUS, _MIDTJYLLAND, (56.128937, 10.180347), 6,
    ),
]  # fmt: skip
# What the loader must store: names trimmed, municipality from BEL_KOMMUNE (never from INST_NR).
REGISTER_EXPECTED = {
    "411001": ("Christiansø Skole", 411, None, "Institution uden enheder", "Folkeskoler", "Statslige"),
    "751050": ("Åbyskolen", 751, None, "Hovedskole (institution med enheder)", "Folkeskoler", "Kommunale"),
    "751051": ("Åbyskolen, afd. Søndervang", 751, "751050", "Afdeling (underordnet enhed)", "Folkeskoler", "Kommunale"),
    "727009": ("Lystrup Skole", 751, None, "Institution uden enheder", "Folkeskoler", "Kommunale"),
    "751901": ("Frijsenborg Friskole", 751, None, "Institution uden enheder", "Friskoler og private grundskoler", "Selvejende"),
    "751960": ("Kærgårdsskolen", 751, None, "Institution uden enheder", "Specialskoler for børn", "Kommunale"),
}  # fmt: skip


def _csv_cell(value) -> str | None:
    """A register value as the CSV export writes it: Danish decimal comma, empty for nothing."""
    if value is None:
        return None
    return f"{value:.6f}".replace(".", ",") if isinstance(value, float) else str(value)


def write_register(
    path: Path, rows: list[dict] = REGISTER_ROWS, header: list[str] = REGISTER_HEADER, *, title: bool = True
) -> Path:
    """The register export: ``.csv`` as ``;``-separated Windows-1252, ``.xlsx`` with the ministry's
    title row above the header and numbers as numbers."""
    if path.suffix == ".csv":
        return write_csv(path, [header, *[[_csv_cell(r.get(c)) for c in header] for r in rows]], encoding="cp1252")
    data = [[_xlsx_cell(c, r.get(c)) for c in header] for r in rows]
    return write_xlsx(path, [header, *data], title="Institutionsregisteret - udtræk pr. 12-01-2026" if title else None)


def _xlsx_cell(column: str, value):
    """Numbers where Excel holds numbers (the institution number, codes, coordinates)."""
    if column in ("INST_NR", "HOVEDSKOLE_INST", "BEL_KOMMUNE", "BEL_REGION", "ADM_KOMMUNE", "POSTNR") and value:
        return int(value)
    return value

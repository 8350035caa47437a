"""The ministry's institution register as its export really is: 28 columns, Christiansø, stray spaces.

The register is the authority on municipality codes (docs/formats.md, ``institutions``): a code it
names is accepted and stored with its name, trimmed; a code with no name anywhere is refused.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import database
from core.settings import PROJECT_ROOT
from loaders import ImportRejected, import_files
from tests.fixtures_files import (
    REGISTER_EXPECTED,
    REGISTER_HEADER,
    REGISTER_ROWS,
    XLSX_HEADER_ROW,
    query,
    snapshot,
    write_csv,
    write_register,
)
from tests.test_loaders_load import WELLBEING_LONG

NBSP = "\u00a0"
# Stray spaces (and a non-breaking one) around ids, names and words, as exports have them.
WELLBEING = [
    WELLBEING_LONG[2],  # the long shape's header
    ["2024/2025", "411001 ", "Christiansø Skole ", "5", "Social trivsel", "4,3", "3"],
    ["2024/2025", " 727009", "Lystrup Skole", "5", "Faglig trivsel ", "3,9", " 21"],
    ["2024/2025", "751051" + NBSP, "Åbyskolen, afd. Søndervang", " 6. klasse", "Ro og orden", " 3,6 ", "18 "],
]
TRANSITION_TESTS = [
    ["elev_id", "institutionsnummer", "skoleår", "klassetrin", "klasse", "fag", "point", "maks point"],
    ["A1 ", "411001", "2024/25", "2", "2.A ", "Dansk, læsning ", "25", "36"],
    ["A2", "751960 ", "2024/25", "4", "4.X", "Matematik", "30", "40"],
    ["A3", "751901", "2024/25 ", "6", None, " Matematik", "12", "40"],
]


def _run(db: Path, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loaders", "import", *map(str, files)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "KVALITETSDIALOG_DB": str(db)},
        timeout=120,
    )


def _institutions(db: Path) -> dict[str, tuple]:
    rows = query(
        db, "SELECT institution_id, name, municipality_code, parent_id, unit_type, institution_type, owner "
        "FROM institutions"
    )  # fmt: skip
    return {r[0]: r[1:] for r in rows}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_real_register_loads_in_one_command_and_the_extracts_after_it(tmp_path: Path, suffix: str):
    db = tmp_path / "kommune.duckdb"
    register = write_register(tmp_path / f"Folkeskoler{suffix}")
    done = _run(db, register)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and "indlæst: 6 rækker" in done.stdout
    assert "advarsel" not in done.stdout  # every one of the 28 columns is known
    # Names trimmed (also the non-breaking space), the municipality from BEL_KOMMUNE: 727009 lies in 751.
    assert _institutions(db) == REGISTER_EXPECTED
    assert query(db, "SELECT name FROM municipalities WHERE code = 411") == [("Christiansø",)]
    assert query(db, "SELECT name FROM municipalities WHERE code = 751") == [("Aarhus",)]  # built in, kept

    extracts = [
        write_csv(tmp_path / "trivsel.csv", WELLBEING, encoding="cp1252"),
        write_csv(tmp_path / "overgangstest.csv", TRANSITION_TESTS, delimiter=","),
    ]
    after = _run(db, *extracts)
    assert after.returncode == 0, after.stderr
    assert query(db, "SELECT institution_id, grade, indicator, value, respondents FROM wellbeing ORDER BY 1") == [
        ("411001", 5, "social", 4.3, 3),
        ("727009", 5, "academic", 3.9, 21),
        ("751051", 6, "order", 3.6, 18),
    ]
    assert query(
        db, "SELECT pupil_key, institution_id, class, subject, test_kind FROM test_pupil_results ORDER BY 1"
    ) == [
        ("A1", "411001", "2.A", "dansk_laesning", "overgangstest"),
        ("A2", "751960", "4.X", "matematik", "overgangstest"),
        ("A3", "751901", None, "matematik", "overgangstest"),
    ]


def test_a_code_the_table_lacks_is_named_by_the_register(db: Path, tmp_path: Path):
    """As every code beyond the built-in table: the register's name, trimmed, is stored."""
    with database.write(db) as con:
        con.execute("DELETE FROM municipalities WHERE code = 411")
    [result] = import_files(db, [write_register(tmp_path / "register.xlsx")])
    assert "ny kommunekode: 411 Christiansø" in result.summary()
    assert query(db, "SELECT name, synthetic FROM municipalities WHERE code = 411") == [("Christiansø", False)]
    assert query(db, "SELECT municipality_code FROM institutions WHERE institution_id = '411001'") == [(411,)]
    # The import log says what the batch added.
    assert "ny kommunekode: 411 Christiansø" in query(db, "SELECT scope FROM import_batches")[0][0]


def test_an_own_list_may_use_a_code_a_register_named(db: Path, tmp_path: Path):
    with database.write(db) as con:
        con.execute("DELETE FROM municipalities WHERE code = 411")
    own = write_csv(
        tmp_path / "egne.csv",
        [["institution_id", "navn", "type", "kommunekode"], ["DT411", "Børnehuset Christiansø", "dagtilbud", "411"]],
    )
    # In one command (the register is read first, whatever the order) and after it, in a command of its own.
    import_files(db, [own, write_register(tmp_path / "register.csv")])
    assert query(db, "SELECT municipality_code FROM institutions WHERE institution_id = 'DT411'") == [(411,)]
    again = write_csv(
        own.with_name("egne2.csv"), [["id", "navn", "type", "kommunekode"], ["DT412", "Ø", "dagtilbud", "411"]]
    )
    import_files(db, [again])
    assert query(db, "SELECT municipality_code FROM institutions WHERE institution_id = 'DT412'") == [(411,)]


def _unnamed(rows: list[dict]) -> list[dict]:
    """The fixture with a row in a code that neither the table nor the file names."""
    return [*rows[:3], {**rows[3], "BEL_KOMMUNE": 412, "BEL_KOMMUNE_NAVN": " ", "ADM_KOMMUNE_NAVN": None}, *rows[4:]]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_code_with_no_name_anywhere_is_refused_and_nothing_loads(db: Path, tmp_path: Path, suffix: str):
    register = write_register(tmp_path / f"Folkeskoler{suffix}", _unnamed(REGISTER_ROWS))
    before = snapshot(db), query(db, "SELECT * FROM municipalities ORDER BY code")
    done = _run(db, register)
    assert done.returncode == 1
    # The fourth data row: under the header (row 1 in the CSV, row 3 in the workbook under its title).
    row = 5 if suffix == ".csv" else XLSX_HEADER_ROW + 4
    assert (
        f"Folkeskoler{suffix}, række {row}, kolonne 'BEL_KOMMUNE': kommunekoden '412' findes ikke i "
        "kommunetabellen, og filen giver den intet navn i kolonnen 'BEL_KOMMUNE_NAVN'"
    ) in done.stderr
    assert done.stderr.rstrip().endswith("Intet er indlæst.") and "Traceback" not in done.stderr
    assert (snapshot(db), query(db, "SELECT * FROM municipalities ORDER BY code")) == before


def test_an_own_list_code_with_no_name_anywhere_is_refused(db: Path, tmp_path: Path):
    own = write_csv(
        tmp_path / "egne.csv",
        [["institution_id", "navn", "type", "kommunekode"], ["DT1", "Solsikken", "dagtilbud", "751"],
         ["DT2", "Mælkebøtten", "dagtilbud", "412 "]],
    )  # fmt: skip
    before = snapshot(db)
    with pytest.raises(ImportRejected) as e:
        import_files(db, [own])
    [problem] = e.value.errors[0].problems
    assert (problem.row, problem.column) == (3, "kommunekode")
    assert problem.message == (
        "kommunekoden '412' findes ikke i kommunetabellen; indlæs institutionsregistret, der navngiver den, først"
    )
    assert snapshot(db) == before


def test_a_code_named_in_one_row_covers_the_rows_that_leave_the_name_out(db: Path, tmp_path: Path):
    with database.write(db) as con:
        con.execute("DELETE FROM municipalities WHERE code = 411")
    second = {**REGISTER_ROWS[0], "INST_NR": "411002", "INST_NAVN": "Christiansø Skole, afd.", "BEL_KOMMUNE_NAVN": ""}
    import_files(db, [write_register(tmp_path / "register.csv", [second, REGISTER_ROWS[0]])])
    assert query(db, "SELECT count(*) FROM institutions WHERE municipality_code = 411") == [(2,)]
    assert query(db, "SELECT name FROM municipalities WHERE code = 411") == [("Christiansø",)]


# Another selection of 28 register columns, as a public third-party importer's test fixture has it:
# other columns, another order. The product reads it the same way, with no unknown columns.
OTHER_SELECTION = [
    "HOVEDSKOLE_INST", "INST_NR", "INST_NAVN", "ENHEDSART", "INST_ADR", "POSTNR", "POSTDISTRIKT", "TLF_NR",
    "E_MAIL", "WEB_ADR", "INST_TYPE_NR", "INST_TYPE_NAVN", "INST_TYPE_GRUPPE", "UNDERV_NIV", "INST_LEDER", "CVR_NR",
    "KOMMUNE_NR", "ADM_KOMMUNE_NAVN", "BEL_KOMMUNE", "BEL_KOMMUNE_NAVN", "BEL_REGION", "REGION_NAVN", "EJER_KODE",
    "EJERKODE_NAVN", "P_NR", "VEJKODE", "GEO_BREDDE_GRAD", "GEO_LAENGDE_GRAD",
]  # fmt: skip


def test_another_column_selection_of_the_register_loads_the_same(db: Path, tmp_path: Path):
    assert len(OTHER_SELECTION) == len(REGISTER_HEADER) == 28
    [result] = import_files(db, [write_register(tmp_path / "register.csv", header=OTHER_SELECTION)])
    assert result.warnings == []
    assert _institutions(db) == REGISTER_EXPECTED

"""Fuzzing the loaders: hypothesis mangles a valid extract of each kind and shape.

Cells become random text, huge numbers, unicode oddities or delimiters; headers
are permuted, dropped, doubled or re-cased; the file is written in a random
encoding and delimiter (or as XLSX), then maybe truncated, salted with random
bytes or replaced by them. Whatever comes out, ``import_files`` either loads
it or raises ``ImportRejected`` with a Danish report, and a rejected file
changes no data table (the import log only gains ``afvist`` entries).

Bounded: ``KVALITETSDIALOG_FUZZ_EXAMPLES`` examples per shape (default 25).
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from core.errors import KvalitetsdialogError
from loaders import ImportRejected, import_files
from tests.fixtures_files import copy_db, query, snapshot, write_csv
from tests.test_loaders_bad_input import DAYCARES, REGISTER

EXAMPLES = int(os.environ.get("KVALITETSDIALOG_FUZZ_EXAMPLES", "25"))

# One valid extract per shape (header, then rows), each loadable into the base database.
SHAPES = {
    "register": [REGISTER[0] + ["GEO_BREDDE_GRAD"], ["999003", "Østskolen", "Institution uden enheder", "999", "56,1"]],
    "own_list": [
        ["institution_id", "navn", "type", "kommunekode", "distrikt"],
        ["DT02", "Vuggestuen Måne", "dagtilbud", "999", "Syd"],
    ],
    "pupil_tests": [
        [
            "elev_id",
            "institutionsnummer",
            "skoleår",
            "klassetrin",
            "fag",
            "præstationsniveau",
            "score",
            "point",
            "maks point",
        ],
        ["E1", "999001", "2020/21", "4", "Dansk, læsning", "God", "55", None, None],
        ["E2", "999002", "2023/24", "4. klasse", "Matematik", None, None, "12", "20"],
    ],
    "aggregated_tests": [
        [
            "institutionsnummer",
            "skoleår",
            "klassetrin",
            "fag",
            "antal testede",
            "ikke tilstrækkelig",
            "mangelfuld",
            "jævn",
            "god",
            "rigtig god",
            "fremragende",
            "gennemsnitlig score",
        ],
        ["999001", "2020/21", "4", "Matematik", "10", "1", "1", "2", "3", "2", "1", "51,5"],
    ],
    "wellbeing_long": [
        ["skoleår", "institutionsnummer", "klassetrin", "trivselsindikator", "indikatorsvar", "antal besvarelser"],
        ["2024/25", "999002", "5", "Ro og orden", "3,6", "22"],
        ["2024/2025", "999002", "6", "Generel trivsel", "4.1", "1.234"],
    ],
    "wellbeing_wide": [
        [
            "skoleår",
            "institutionsnummer",
            "social trivsel",
            "faglig trivsel",
            "støtte og inspiration",
            "ro og orden",
            "generel skoletrivsel",
            "antal besvarelser",
        ],
        ["2023/24", "999001", "4,0", "3,8", "..", "3,2", "3,7", "120"],
    ],
    "language": [
        ["år", "institutions_id", "antal vurderede", "generel indsats", "fokuseret indsats", "særlig indsats"],
        ["2024/25", "DT01", "20", "17", "2", "1"],
    ],
    "absence": [
        ["skoleår", "institutionsnummer", "antal elever", "fravær i alt", "sygefravær", "andel over 10 % fravær"],
        ["2024/25", "999001", "310", "5,8 %", "3,1", "14,2 %"],
    ],
    "exam_grades": [
        [
            "skoleår",
            "institutionsnummer",
            "antal elever",
            "karaktergennemsnit",
            "socioøkonomisk reference",
            "forskel",
            "signifikant forskel",
        ],
        ["2023/24", "999001", "44", "7,4", "7,1", "0,3", "På niveau"],
    ],
    "transition": [
        ["skoleår", "institutionsnummer", "antal elever", "i gang efter 3 mdr.", "i gang efter 15 mdr."],
        ["2023/24", "999002", "38", "92,1", "88,0"],
    ],
    "competence": [
        ["skoleår", "institutionsnummer", "fag", "planlagte timer", "timer med undervisningskompetence"],
        ["2024/25", "999001", "Matematik", "1.200,0", "1.104,5"],
    ],
    "goals": [
        ["mål_id", "titel", "indikator", "fag", "klassetrin", "omfang", "retning", "målværdi", "målår"],
        ["M1", "Flere gode læsere", "nt_share_good", "Dansk, læsning", None, "skoler", ">=", "80 %", "2025/26"],
        ["M2", "Høj trivsel", "wb_general", None, None, "999001, 999002", "stigende", None, None],
    ],
}

ODD_CELLS = st.sampled_from(
    [
        "",
        " ",
        "..",
        "–",
        "*",
        "-0",
        "0",
        "1e308",
        "-1e308",
        "1e-320",
        "9" * 400,
        "NaN",
        "inf",
        "-inf",
        "1.234.567,89",
        "1,2,3",
        "12,5 %",
        "%",
        "2024/2026",
        "2024/25/26",
        "0000/01",
        "9999/10000",
        "99. klasse",
        "bh.kl.",
        '"',
        '""',
        ";",
        ",",
        "\t",
        "a\nb",
        "\r",
        "\u00a0",
        "\ufeff",
        "\u200b",
        "Ã¦Ã¸Ã¥",
        "æøåÆØÅ",
        "ß",
        "𝟘𝟙",
        "١٢",
        "٣,٥",
        "ℌ",
        "=1+1",
        "'",
        "\\",
        "%s",
        "{value}",
        "NULL",
        "None",
        "true",
        "-",
        "+5",
        "0x10",
        "2147483648",
        "-2147483649",
        "99999999999999999999",
        "ikke tilstrækkelig",
        "Fremragende",
        "7",
        "Dansk",
    ]
)
CELL = st.one_of(
    ODD_CELLS,
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.none(),
    st.integers().map(str),
    st.floats(allow_nan=True).map(str),
)
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16")


@st.composite
def mangled(draw, shape: str) -> tuple[str, bytes]:
    """(file suffix, content): the shape's valid extract with random damage."""
    header, *rows = [list(r) for r in SHAPES[shape]]
    rows = rows * draw(st.integers(1, 3))
    for row in rows:  # some cells replaced
        for i in range(len(row)):
            if draw(st.integers(0, 3)) == 0:
                row[i] = draw(CELL)
    table = [header, *rows]
    order = draw(st.permutations(range(len(header))))
    table = [[r[i] if i < len(r) else None for i in order] for r in table]
    choice = draw(st.integers(0, 5))
    if choice == 0:  # a column dropped
        k = draw(st.integers(0, len(header) - 1))
        table = [r[:k] + r[k + 1 :] for r in table]
    elif choice == 1:  # a column doubled
        k = draw(st.integers(0, len(header) - 1))
        table = [r + [r[k]] for r in table]
    elif choice == 2:  # header names re-cased and padded
        table[0] = [f" {h.upper()}_" if h and draw(st.booleans()) else h for h in table[0]]
    elif choice == 3:  # ragged rows
        table = [table[0]] + [r[: draw(st.integers(0, len(r) + 2))] for r in table[1:]]
    if draw(st.booleans()):  # title rows above, footnotes below
        table = [["Kilde: Styrelsen for It og Læring"], []] + table + [[], ["Note: .. = diskretioneret"]]

    if draw(st.integers(0, 3)) == 0:
        book = openpyxl.Workbook()
        for r in table:
            book.active.append([ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else c for c in r])
        out = io.BytesIO()
        book.save(out)
        content, suffix = out.getvalue(), ".xlsx"
    else:
        buffer = io.StringIO()
        delimiter = draw(st.sampled_from([";", ",", "\t", "|"]))
        if draw(st.booleans()):
            csv.writer(
                buffer, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\r\n", "\n", "\r"]))
            ).writerows(table)
        else:  # written naively: quotes and delimiters inside cells break the rows
            buffer.write("\n".join(delimiter.join(c or "" for c in r) for r in table))
        content = buffer.getvalue().encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
        suffix = draw(st.sampled_from([".csv", ".csv", ".txt", ".xlsx"]))

    # Positions as fractions: a workbook's length varies with its save time, and the draws must not.
    damage = draw(st.integers(0, 7))
    if damage == 0:  # truncated
        content = content[: int(draw(st.floats(0, 0.999)) * len(content))]
    elif damage == 1:  # random bytes spliced in
        at = int(draw(st.floats(0, 1)) * len(content))
        content = content[:at] + draw(st.binary(min_size=1, max_size=64)) + content[at:]
    elif damage == 2:  # nothing but random bytes
        content = draw(st.binary(max_size=512))
    return suffix, content


@pytest.fixture(scope="module")
def base_db_master(tmp_path_factory) -> Path:
    """Two schools and a daycare (the institutions the shapes refer to), plus some well-being rows."""
    tmp = tmp_path_factory.mktemp("fuzz-base")
    files = [
        write_csv(tmp / "register.csv", REGISTER),
        write_csv(tmp / "dagtilbud.csv", DAYCARES),
        write_csv(tmp / "trivsel.csv", SHAPES["wellbeing_long"]),
    ]
    import_files(tmp / "base.duckdb", files)
    return tmp / "base.duckdb"


def test_the_valid_extracts_load(base_db_master, tmp_path):
    """The starting points are good files, so the damage is what the fuzzing tests."""
    db = copy_db(base_db_master, tmp_path / "valid.duckdb")
    for shape, rows in SHAPES.items():
        results = import_files(db, [write_csv(tmp_path / f"{shape}.csv", rows)])
        assert [r.status for r in results] in (["indlæst"], ["uændret"]), shape


_NOT_DANISH = re.compile(r"Traceback|Exception|Error:|Errno|\bline \d+|\bcolumn\b")


def check_import(db: Path, path: Path, kind: str | None) -> None:
    before = snapshot(db)
    batches = query(db, "SELECT count(*) FROM import_batches")[0][0]
    try:
        import_files(db, [path], kind=kind)
    except ImportRejected as e:
        assert e.title == "Indlæsningen blev afvist"
        assert e.message.endswith("Intet er indlæst.")
        for error in e.errors:
            assert error.problems, e.message
            for problem in error.problems:
                assert problem.message.strip() and not _NOT_DANISH.search(problem.message), problem.message
        assert snapshot(db) == before
        assert {
            r[0]
            for r in query(
                db,
                "SELECT status FROM import_batches WHERE batch_id > "
                "(SELECT coalesce(max(batch_id), 0) FROM import_batches) - ?",
                [len(e.errors)],
            )
        } <= {"afvist"}
        assert query(db, "SELECT count(*) FROM import_batches")[0][0] == batches + len(e.errors)
    except KvalitetsdialogError as e:  # any other user-facing error must leave the data alone too
        assert e.message.strip() and not _NOT_DANISH.search(e.message), e.message
        assert snapshot(db) == before


KINDS_OF = {
    "register": "institutions",
    "own_list": "institutions",
    "pupil_tests": "national_tests",
    "aggregated_tests": "national_tests",
    "wellbeing_long": "wellbeing",
    "wellbeing_wide": "wellbeing",
    "language": "language_assessments",
    "absence": "absence",
    "exam_grades": "exam_grades",
    "transition": "transition",
    "competence": "competence",
    "goals": "goals",
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_mangled_file_loads_or_is_rejected_in_danish_without_changing_data(base_db_master, tmp_path, shape):

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(file=mangled(shape), name_kind=st.booleans())
    def run(file, name_kind):
        suffix, content = file
        path = tmp_path / f"udtraek{suffix}"
        path.write_bytes(content)
        # A fresh copy each time, so an example replayed while shrinking meets the same database.
        db = copy_db(base_db_master, tmp_path / "fuzz.duckdb")
        check_import(db, path, KINDS_OF[shape] if name_kind else None)

    run()

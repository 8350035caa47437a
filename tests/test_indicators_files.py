"""Golden values through the real loaders: CSV in odd encodings and an XLSX with a title row."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

import loaders
from core import database, settings
from core.viewer import Viewer
from indicators import compute
from tests.test_indicators_data import PUPILS

LEVEL_NAMES = {1: "Ikke tilstrækkelig", 2: "Mangelfuld", 3: "Jævn", 4: "God", 5: "Rigtig god", 6: "Fremragende"}
SUBJECT_NAMES = {"dansk_laesning": "Dansk, læsning", "matematik": "Matematik"}


@pytest.fixture
def files_db(db: Path, tmp_path: Path) -> Path:
    institutions = tmp_path / "institutioner.csv"
    institutions.write_text(
        "institutions_id;navn;type;kommunekode;distrikt;hovedinstitution\n"
        "999001;Skole A;skole;999;Nord;\n999002;Skole B;skole;999;Nord;\n"
        "999003;Skole C;skole;999;Syd;\nD1;Dagtilbud 1;dagtilbud;999;;\n",
        encoding="utf-8-sig",
    )
    tests = tmp_path / "nationale_test_2020.csv"
    lines = ["elev_id;institutionsnummer;skoleår;klassetrin;klasse;fag;præstationsniveau;normbaseret score"]
    for pupil, inst, grade, cls, subject, level, score in PUPILS:
        lines.append(
            f"{pupil};{inst};2020/21;{grade}. klasse;{cls or ''};{SUBJECT_NAMES[subject]};{LEVEL_NAMES[level]};{score}"
        )
    tests.write_text("\n".join(lines) + "\n", encoding="cp1252")
    wellbeing = tmp_path / "trivsel.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Trivselsmåling 2024/25"])
    ws.append([])
    ws.append(
        ["skoleår", "institutionsnummer", "klassetrin", "trivselsindikator", "indikatorsvar", "antal besvarelser"]
    )
    ws.append(["2024/2025", "999001", 4, "Generel skoletrivsel", "4,0", 10])
    ws.append(["2024/2025", "999001", 5, "Generel skoletrivsel", "3,5", 10])
    ws.append(["2024/2025", "999002", None, "Generel skoletrivsel", "3,0", None])
    wb.save(wellbeing)
    language = tmp_path / "sprog.csv"
    language.write_text(
        "år,institutions_id,antal vurderede,generel indsats,fokuseret indsats,særlig indsats\n2024/25,D1,20,17,2,1\n",
        encoding="utf-8",
    )
    loaders.import_files(db, [institutions, tests, wellbeing, language])
    return db


def test_values_through_real_files(files_db):
    with database.read(files_db) as con:
        good = compute(
            con, Viewer.parse("council"), "nt_share_good", levels=("municipality",), subjects="all", grades="all"
        )
        wb = compute(con, Viewer.parse("council"), "wb_general", grades="all")
        la = compute(con, Viewer.parse("public"), "la_share_general", levels=("institution",))
    # A4 reading 4 of 6, A4 maths 2 of 4, B4 reading 2 of 3 -> 8 of 13; distinct pupils 6 + 3
    assert math.isclose(good.iloc[0]["value"], 8 / 13) and good.iloc[0]["n"] == 9
    by_unit = wb.set_index("unit_id")
    # A from its grade rows (4.0 x 10 + 3.5 x 10) / 20; B's unknown count keeps the municipality uncomputed
    assert math.isclose(by_unit.loc["999001", "value"], 3.75) and by_unit.loc["999001", "n"] == 20
    assert math.isclose(by_unit.loc["999002", "value"], 3.0) and pd.isna(by_unit.loc["999002", "n"])
    assert math.isnan(by_unit.loc["999", "value"])
    assert la.iloc[0]["value"] == 0.85


def test_export_line_through_real_files(files_db):
    result = subprocess.run(
        [sys.executable, "-m", "indicators", "export", "--db", str(files_db)],
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "nt_share_good,municipality,999,2020/2021,all,all,0.615385,9,false" in result.stdout.splitlines()
    assert "wb_general,institution,999002,2024/2025,,all,3,,false" in result.stdout.splitlines()

"""Bounded XLSX reading: a workbook that declares (or pads) a huge sheet costs what it holds, not what it claims.

A sheet's XML may declare its size (``<dimension ref="A1:XFD100001"/>``) and hold empty cells
far out to the right; openpyxl's row iterators pad every row to that width. These files are
tiny and would cost gigabytes that way.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from core.errors import ValidationError
from loaders import ImportRejected, import_files, reading
from tests.fixtures_files import query, snapshot, write_xlsx

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["skoleår", "institutionsnummer", "klassetrin", "trivselsindikator", "indikatorsvar", "antal besvarelser"]
ROWS = [
    ["2025/2026", "999001", "5", "Social trivsel", "4,1", "20"],
    ["2025/2026", "999001", "5", "Ro og orden", "3,6", "20"],
]
PEAK_LIMIT_MB = 300
# The child may not grow beyond this (virtual memory), so an unbounded reader fails fast
# instead of taking the shared machine's memory (before the fix it needed ~13 GB for this file).
CHILD_ADDRESS_SPACE = 3 * 1024**3


def rewrite_sheet(path: Path, dimension: str, extra_rows: str) -> Path:
    """Give the first sheet of the workbook at ``path`` a declared ``dimension`` and append ``extra_rows`` (XML)."""
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = parts[name].decode()
    xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{dimension}" />', xml)
    xml = xml.replace("</sheetData>", extra_rows + "</sheetData>")
    parts[name] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for part, data in parts.items():
            z.writestr(part, data)
    return path


def bomb(path: Path, rows: int, far_value: bool) -> Path:
    """A valid header, then ``rows`` rows of one value in column A and a cell in the last column (XFD).

    The sheet declares itself ``A1:XFD<rows+1>``. ``far_value``: the far cell holds a value (a
    sheet that really is 16,384 columns wide) or is empty (only there to make a reader that pads
    to the last cell allocate the full width). Row and cell positions are left for the reader to
    count, as the format allows, so 100,000 rows compress to a few kilobytes.
    """
    write_xlsx(path, [HEADER], title=None)
    far = '<c r="XFD1" t="n"><v>1</v></c>' if far_value else '<c r="XFD1"/>'
    return rewrite_sheet(path, f"A1:XFD{rows + 1}", f'<row><c t="n"><v>999001</v></c>{far}</row>' * rows)


CHILD = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
from pathlib import Path
from core import database
from loaders import ImportRejected, import_files
db = Path(sys.argv[1])
database.ensure(db)
try:
    import_files(db, [Path(sys.argv[2])], dry_run=True)
    outcome = "loaded"
except ImportRejected as e:
    outcome = e.message
peak_kib = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({{"outcome": outcome, "peak_mb": peak_kib / 1024}}))
"""


def import_in_child(tmp_path: Path, extract: Path) -> dict:
    """A dry-run import of ``extract`` in a fresh process; its outcome and its peak RSS (VmHWM, MB)."""
    code = CHILD.format(limit=CHILD_ADDRESS_SPACE)
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "child.duckdb"), str(extract)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # An unbounded reader dies here (MemoryError under the address-space cap).
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_100_kb_bomb_of_100000_rows_is_read_in_bounded_memory(tmp_path):
    extract = bomb(tmp_path / "bombe.xlsx", 100_000, far_value=False)
    assert extract.stat().st_size < 150_000  # ~100 KB on disk, 1.6 billion cells as declared
    got = import_in_child(tmp_path, extract)
    print(f"peak RSS {got['peak_mb']:.0f} MB")
    assert got["peak_mb"] < PEAK_LIMIT_MB
    # It was read to the end (100,000 data rows), and rejected for what the rows hold, not for its size.
    assert "bombe.xlsx blev ikke indlæst (400000 fejl)" in got["outcome"]  # 4 problems in each of 100,000 rows
    assert "for stort" not in got["outcome"]


def test_a_sheet_beyond_the_size_limit_is_refused_naming_the_file(tmp_path, db):
    extract = bomb(tmp_path / "bred.xlsx", 5_000, far_value=True)  # 5,001 rows x 16,384 columns hold values
    before = snapshot(db)
    with pytest.raises(ImportRejected) as e:
        import_files(db, [extract])
    message = e.value.message
    assert "bred.xlsx" in message and "Arket 'Data' er for stort" in message
    assert "16.384 kolonner" in message and "10.000.000 celler" in message
    assert "KVALITETSDIALOG_MAX_XLSX_CELLS" in message
    assert snapshot(db) == before


def test_the_limit_counts_rows_times_columns(tmp_path, sample_db, monkeypatch):
    extract = write_xlsx(tmp_path / "trivsel.xlsx", [HEADER, *ROWS], title=None)
    monkeypatch.setattr(reading, "MAX_XLSX_CELLS", 17)  # 3 rows x 6 columns = 18 cells
    with pytest.raises(ValidationError, match="mindst 3 rækker × 6 kolonner med indhold; grænsen er 17 celler"):
        reading.open_source(extract, {reading.name_key(h) for h in HEADER})
    monkeypatch.setattr(reading, "MAX_XLSX_CELLS", 18)
    assert import_files(sample_db, [extract])[0].rows_loaded == 2


def test_a_normal_extract_with_a_wrong_declared_size_loads_exactly(tmp_path, sample_db):
    """What a real extract declares is often wrong; the rows it holds load as the same CSV would."""
    extract = write_xlsx(tmp_path / "trivsel.xlsx", [HEADER, *ROWS], footnote="Kilde: STIL")
    rewrite_sheet(extract, "A1:XFD3001", "")
    [result] = import_files(sample_db, [extract])
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert query(
        sample_db,
        "SELECT institution_id, grade, indicator, value, respondents FROM wellbeing WHERE school_year = 2025 ORDER BY 3",
    ) == [("999001", 5, "order", 3.6, 20), ("999001", 5, "social", 4.1, 20)]

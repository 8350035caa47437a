"""Configuration read from the environment, with the documented defaults."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "kvalitetsdialog.duckdb"
SAMPLE_DIR = PROJECT_ROOT / "sample_data" / "eksempelby"

SAMPLE_KOMMUNE = 999
DEFAULT_MIN_N = 5
# Uploads and imports larger than this are refused before they are read.
MAX_FILE_BYTES = int(os.environ.get("KVALITETSDIALOG_MAX_FILE_MB", "500")) * 1024 * 1024
# A worksheet larger than this many cells (rows read x widest row) is refused: a few KB of XLSX
# can describe millions of cells. 10 million is e.g. 500,000 rows of 20 columns.
MAX_XLSX_CELLS = int(os.environ.get("KVALITETSDIALOG_MAX_XLSX_CELLS", "10000000"))


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: ``--db``, else ``KVALITETSDIALOG_DB``, else the project's data folder."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("KVALITETSDIALOG_DB")
    return Path(env) if env else DEFAULT_DB


def kommune(explicit: int | str | None = None) -> int:
    """The deployment's own municipality code: ``--kommune``, env, else the sample municipality."""
    value = explicit if explicit not in (None, "") else os.environ.get("KVALITETSDIALOG_KOMMUNE")
    return int(value) if value not in (None, "") else SAMPLE_KOMMUNE


def min_n() -> int:
    """The small-number threshold: values from fewer units than this are withheld."""
    return int(os.environ.get("KVALITETSDIALOG_MIN_N", DEFAULT_MIN_N))

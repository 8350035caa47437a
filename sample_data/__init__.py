"""The synthetic sample municipality "Eksempelby Kommune" and the generator behind it."""

from __future__ import annotations

from pathlib import Path

from core import database
from core.settings import SAMPLE_DIR
from sample_data.generator import generate

__all__ = ["build_database", "generate", "sample_files"]


def sample_files(folder: Path = SAMPLE_DIR) -> list[Path]:
    """The committed sample extracts in import order (their names start with the order number)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*") if p.suffix in (".csv", ".xlsx"))


def build_database(db: Path) -> None:
    """Create ``db`` and load the sample municipality into it through the real loaders; add its samtaler."""
    from loaders import import_files  # imported late: the app needs this module before any import
    from sample_data.samtaler import add_samtaler

    db = Path(db)
    database.ensure(db)
    import_files(db, sample_files(), user="eksempeldata")
    add_samtaler(db)
    with database.write(db) as con:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', 'true')")

"""The synthetic sample municipality "Eksempelby Kommune" and the generator behind it."""

from __future__ import annotations

from pathlib import Path

from core import database
from core.errors import KvalitetsdialogError
from core.settings import SAMPLE_DIR
from sample_data.generator import generate

__all__ = ["build_database", "generate", "sample_files"]


def sample_files(folder: Path = SAMPLE_DIR) -> list[Path]:
    """The committed sample extracts in import order (their names start with the order number)."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*") if p.suffix in (".csv", ".xlsx"))


def build_database(db: Path) -> None:
    """Create ``db`` as the demo database: the sample municipality, loaded through the real loaders,
    and its samtaler.

    Only ever into a new file: the sample must never be mixed into a database that exists.
    """
    from loaders import import_files  # imported late: the app needs this module before any import
    from sample_data.samtaler import add_samtaler

    db = Path(db)
    if db.exists():
        raise KvalitetsdialogError(
            f"Databasen {db} findes allerede; eksempeldata bygges kun i en ny databasefil.", "Databasen findes"
        )
    # Marked as the demo first, so even a build that stops half-way never looks like real data.
    with database.write(db) as con:
        con.execute("INSERT OR REPLACE INTO meta VALUES ('demo', 'true')")
    import_files(db, sample_files(), user="eksempeldata")
    add_samtaler(db)

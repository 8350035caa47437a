"""The one place that opens the database.

DuckDB lets one process write *or* many processes read a file. The app must
keep serving while a command-line import runs, and must never show half a
batch. So no process holds a connection for long: every read and every write
opens the file for as long as it needs it, under a readers-writer lock kept in
two lock files beside the database (a turnstile, so a waiting writer is not
starved by a stream of readers). A loader parses and validates outside the
lock and holds the write lock only for its final transaction.

Every committed write bumps a *generation* number, stored in the database and
mirrored in ``<db>.generation`` so the app can key its caches without opening
the file; a reader checks that the two agree (see ``read(expect=...)``).
"""

from __future__ import annotations

import fcntl
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core import schema
from core.errors import KvalitetsdialogError
from core.viewer import Viewer

LOCK_TIMEOUT_S = float(os.environ.get("KVALITETSDIALOG_LOCK_TIMEOUT", "120"))


class StaleGeneration(Exception):
    """The database moved on since the caller read the generation file."""


class OutdatedSchema(KvalitetsdialogError):
    """The database's schema is older than the code's: open it for writing to migrate it."""


@contextmanager
def _flock(path: Path, mode: int, what: str) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fd, mode | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise KvalitetsdialogError(
                        f"Databasen {path.with_suffix('')} er optaget af en anden {what}; prøv igen om lidt.",
                        "Databasen er optaget",
                    ) from None
                time.sleep(0.01)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _lock_files(db: Path) -> tuple[Path, Path]:
    return Path(f"{db}.gate"), Path(f"{db}.lock")


def _generation_file(db: Path) -> Path:
    return Path(f"{db}.generation")


def current_generation(db: Path) -> int:
    """The generation last committed, read without opening the database (0 if none)."""
    try:
        return int(_generation_file(db).read_text())
    except (FileNotFoundError, ValueError):
        return 0


def _write_generation_file(db: Path, generation: int) -> None:
    tmp = Path(f"{db}.generation.tmp")
    tmp.write_text(str(generation))
    os.replace(tmp, _generation_file(db))


def is_demo(con: duckdb.DuckDBPyConnection, viewer: Viewer | None = None) -> bool:
    """Whether the database holds the synthetic sample municipality (every page and report says so).

    Takes the viewer like every read the pages make, though anyone may know it.
    """
    row = con.execute("SELECT value FROM meta WHERE key = 'demo'").fetchone()
    return row is not None and row[0] == "true"


def generation_id(con: duckdb.DuckDBPyConnection) -> str | None:
    """A random id of the data this connection sees, new with every committed data write (None before the first
    write since it was introduced): what a cache of values computed from the data is keyed by."""
    row = con.execute("SELECT value FROM meta WHERE key = 'generation_id'").fetchone()
    return row[0] if row else None


def _stored_generation(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
    return int(row[0]) if row else 0


def _connect(db: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(db), read_only=read_only)
    except duckdb.Error as e:
        raise KvalitetsdialogError(f"Databasen {db} kan ikke åbnes: {e}", "Databasen kan ikke åbnes") from e


_ATTACHED = "kvd"  # the database's name while it is attached to a caller's connection


def _attach(con: duckdb.DuckDBPyConnection, db: Path) -> str:
    """Attach ``db`` to ``con`` as its default catalog; returns the catalog that was the default."""
    home = con.execute("SELECT current_database()").fetchall()[0][0]
    try:
        con.execute(f"ATTACH ? AS {_ATTACHED}", [str(db)])
    except duckdb.Error as e:
        raise KvalitetsdialogError(f"Databasen {db} kan ikke åbnes: {e}", "Databasen kan ikke åbnes") from e
    con.execute(f"USE {_ATTACHED}")
    return home


@contextmanager
def write(
    db: Path, *, changes_data: bool = True, attach_to: duckdb.DuckDBPyConnection | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """An exclusive read-write connection; migrations run on open.

    The caller runs its own transaction. The generation is bumped in the
    database *before* the caller writes, so a process killed right after its
    COMMIT still leaves a new generation behind (a bump without new data only
    costs a cache refill); the mirror file follows when the writer is done, so
    readers keep serving their cached pages while an import runs, and a reader
    that finds the file behind the database repairs it (see ``read``).
    Writes that no page's numbers depend on (the audit log) pass
    ``changes_data=False`` so they do not empty every reader's cache.

    With ``attach_to``, the database is attached to that connection as its
    default catalog (and detached again) instead of opened on a connection of
    its own: a loader then inserts straight from the tables it staged there.
    """
    db = Path(db)
    db.parent.mkdir(parents=True, exist_ok=True)
    gate, lock = _lock_files(db)
    with _flock(gate, fcntl.LOCK_EX, "skrivning"), _flock(lock, fcntl.LOCK_EX, "læsning"):
        if attach_to is None:
            con, home = _connect(db, read_only=False), None
        else:
            con, home = attach_to, _attach(attach_to, db)
        generation = None
        try:
            schema.migrate(con)
            if changes_data:
                generation = _stored_generation(con) + 1
                con.execute("INSERT OR REPLACE INTO meta VALUES ('generation', ?)", [str(generation)])
                # unique across databases, and across a database deleted and built again (its count restarts)
                con.execute("INSERT OR REPLACE INTO meta VALUES ('generation_id', ?)", [uuid.uuid4().hex])
            yield con
            if changes_data:
                con.execute("CHECKPOINT")
        finally:
            if home is None:
                con.close()
            else:
                con.execute(f"USE {home}")
                con.execute(f"DETACH {_ATTACHED}")
            if generation is not None:
                _write_generation_file(db, generation)


def ensure(db: Path) -> None:
    """Create the database (with its schema) if it does not exist or is out of date."""
    db = Path(db)
    if db.exists() and current_generation(db) > 0:
        try:
            with read(db):
                return  # a read opens only a database whose schema is current
        except OutdatedSchema:
            pass
    with write(db):
        pass


@contextmanager
def read(db: Path, expect: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection that sees one committed state for as long as it is held.

    With ``expect``, raise ``StaleGeneration`` if the database is not at that
    generation (the caller then starts over with fresh data).
    """
    db = Path(db)
    if not db.exists():
        raise KvalitetsdialogError(
            f"Databasen {db} findes ikke. Indlæs data først (python -m loaders import ...).",
            "Ingen database",
        )
    gate, lock = _lock_files(db)
    with _flock(gate, fcntl.LOCK_SH, "skrivning"):
        pass  # wait here while a writer is queued, then let it go first next time
    with _flock(lock, fcntl.LOCK_SH, "skrivning"):
        con = _connect(db, read_only=True)
        try:
            if schema.version(con) != schema.SCHEMA_VERSION:
                raise OutdatedSchema(
                    f"Databasen {db} har en ældre opbygning; åbn den til skrivning for at opdatere den.",
                    "Databasen skal opdateres",
                )
            stored = _stored_generation(con)
            if expect is not None and stored != expect:
                # No writer is active while we hold the shared lock, so the database is
                # right and the mirror file is behind (its writer died): repair it.
                if current_generation(db) != stored:
                    _write_generation_file(db, stored)
                raise StaleGeneration()
            yield con
        finally:
            con.close()

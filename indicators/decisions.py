"""Decided lattices, kept per data generation: an indicator's full lattice with its suppression, computed once.

The lattice (``indicators.lattice``) and the suppression decided on it (``indicators.suppression.decide``)
depend on the data alone, with the threshold, the own municipality (a confidential indicator's lattice holds
only its values) and a test's profile area: not on the viewer, whose view every read takes from them afterwards
(``engine.for_reader``, ``scope.visible``). Groups (one municipality and school year) share no cell and are
decided each on its own, so the whole lattice (every municipality for a public indicator) is decided once, and a
call for one municipality or some years gets those groups' rows of it, with the same values and pattern.

Kept twice: in this process, and in files beside the database (``<db>.decided/<generation id>/``, Arrow IPC read
memory-mapped), so a new process (the export, a restarted app) reads the pattern instead of computing it.
The generation id is random and replaced by every committed data write (``core.database.write``), so a kept
lattice is never read for other data; a file name also holds a digest of the code that computes it. Files get
the database file's permissions (they hold what it holds). Failing to keep a file only means computing again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core import database, schema
from indicators import lattice, suppression
from indicators.catalogue import Indicator


class _Recent:
    """The results used most recently in this process, at most ``size`` of them (the app's threads share it)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        """The result kept under ``key``, or None."""
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_memory = _Recent(64)  # whole lattices (memory-mapped files cost little)
_readers = _Recent(2_000)  # one reader's changes to one lattice: a few row numbers each
_switch = threading.local()  # ``uncached()`` in this thread


def _code_digest() -> str:
    """The code the kept lattices depend on: a new version computes (and names) its files afresh."""
    digest = hashlib.blake2b(str(schema.SCHEMA_VERSION).encode(), digest_size=8)
    for module in ("lattice.py", "suppression.py", "catalogue.py", "decisions.py"):
        digest.update((Path(__file__).parent / module).read_bytes())
    return digest.hexdigest()


_CODE = _code_digest()


def forget() -> None:
    """Forget the lattices kept in this process (files stay), and the suppression's own decisions."""
    _memory.clear()
    _readers.clear()
    suppression.forget()


@contextlib.contextmanager
def uncached() -> Iterator[None]:
    """Compute every lattice afresh in this block, reading and keeping nothing (tests compare the two paths)."""
    _switch.off = True
    try:
        yield
    finally:
        _switch.off = False


def decided(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    kommune: int | None,
    years: list[int] | None,
    threshold: int,
    profile_area: str | None = None,
) -> tuple[lattice.Lattice, np.ndarray]:
    """The full lattice of ``ind`` for one municipality (None = every one) and the years asked for (None = all),
    and the suppression decided on it (``suppression.decide``: ``SHOWN``, ``SMALL`` or ``COMPLEMENTARY`` per
    value), as ``lattice.build`` and ``decide`` give them."""
    if getattr(_switch, "off", False):
        full = lattice.build(con, ind, kommune=kommune, years=years, profile_area=profile_area)
        return full, suppression.decide(full, threshold)
    table = _rows(con, ind, kommune, years, threshold, profile_area, None)
    return lattice.of_table(table.drop_columns(["reason"])), table.column("reason").to_numpy()


def values(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    kommune: int | None,
    years: list[int] | None,
    threshold: int,
    profile_area: str | None = None,
    levels: tuple[str, ...] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """``decided``'s values (``Lattice.values``) at ``levels`` (None = all) and their suppression, for a reader who
    needs the values alone: the lattice's other rows (classes, mostly) are never made into a frame."""
    if getattr(_switch, "off", False):
        return _afresh(con, ind, kommune, years, threshold, profile_area, levels)
    table = _rows(con, ind, kommune, years, threshold, profile_area, levels)
    rest = table.drop_columns(["members", "row", *lattice.TOTALS, "reason"])
    return rest.to_pandas(), table.column("reason").to_numpy()


def for_reader(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    kommune: int | None,
    years: list[int] | None,
    threshold: int,
    profile_area: str | None,
    levels: tuple[str, ...] | None,
    reader: tuple,
    reads: Callable[[lattice.Lattice, np.ndarray], np.ndarray],
) -> tuple[pd.DataFrame, np.ndarray]:
    """``values`` with the suppression as one reader reads it: ``reads(full, reason)`` gives it for a lattice and
    its pattern as ``decided`` gives them (``engine.for_reader``: a leader's extra protection). ``reader``: what
    ``reads`` depends on beyond the data (the viewer, the own municipality).

    Decided once per reader on the whole municipality (every year; groups share no cell, so a call for some years
    gets the same as deciding on them alone) and kept in this process per data generation: the values it changes
    (row numbers of the whole lattice) and their new reasons, a few numbers."""
    if getattr(_switch, "off", False):
        return _afresh(con, ind, kommune, years, threshold, profile_area, levels, reads)
    changed, changed_to = _reader_changes(con, ind, kommune, threshold, profile_area, reader, reads)
    table = _rows(con, ind, kommune, years, threshold, profile_area, levels)
    reason = table.column("reason").to_numpy().copy()
    if len(changed):
        rows = table.column("row").to_numpy()
        at = np.minimum(np.searchsorted(changed, rows), len(changed) - 1)
        hit = changed[at] == rows
        reason[hit] = changed_to[at[hit]]
    rest = table.drop_columns(["members", "row", *lattice.TOTALS, "reason"])
    return rest.to_pandas(), reason


def _afresh(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    kommune: int | None,
    years: list[int] | None,
    threshold: int,
    profile_area: str | None,
    levels: tuple[str, ...] | None,
    reads: Callable[[lattice.Lattice, np.ndarray], np.ndarray] | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """``values`` (``for_reader`` with ``reads``) computed afresh on the years asked for alone."""
    full, reason = decided(con, ind, kommune, years, threshold, profile_area)
    if reads is not None:
        reason = reads(full, reason)
    keep = np.ones(len(reason), dtype=bool) if levels is None else full.values["level"].isin(levels).to_numpy()
    return full.values[keep].reset_index(drop=True), reason[keep]


def _reader_changes(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    kommune: int | None,
    threshold: int,
    profile_area: str | None,
    reader: tuple,
    reads: Callable[[lattice.Lattice, np.ndarray], np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The rows (sorted row numbers) whose reason ``reads`` changes on the municipality's whole lattice, and to what:
    kept, or computed and kept."""
    whole = _key(con, ind, kommune if ind.confidential else None, threshold, profile_area)
    key = None if whole is None else (*whole, None if kommune is None else int(kommune), reader)
    if key is not None and (known := _readers.get(key)) is not None:
        return known
    table = _rows(con, ind, kommune, None, threshold, profile_area, None)
    reason = table.column("reason").to_numpy()
    read = reads(lattice.of_table(table.drop_columns(["reason"])), reason)
    changed = np.flatnonzero(read != reason)
    order = np.argsort(table.column("row").to_numpy()[changed])
    kept = table.column("row").to_numpy()[changed][order], read[changed][order]
    if key is not None:
        _readers.put(key, kept)
    return kept


def _rows(
    con: duckdb.DuckDBPyConnection,
    ind: Indicator,
    kommune: int | None,
    years: list[int] | None,
    threshold: int,
    profile_area: str | None,
    levels: tuple[str, ...] | None,
) -> pa.Table:
    """The rows of the whole lattice in the municipality, years and levels asked for (None = all)."""
    whole_kommune = kommune if ind.confidential else None
    table = _whole(con, ind, whole_kommune, threshold, profile_area)
    keep = []
    if kommune is not None and whole_kommune is None:
        keep.append(pc.equal(table.column("mun"), kommune))
    if years is not None:
        year_type = table.schema.field("school_year").type
        keep.append(pc.is_in(table.column("school_year"), value_set=pa.array(years).cast(year_type)))
    if levels is not None:
        level_type = table.schema.field("level").type
        keep.append(pc.is_in(table.column("level"), value_set=pa.array(list(levels)).cast(level_type)))
    if keep:
        table = table.filter(functools.reduce(pc.and_, keep))
    return table


def _whole(
    con: duckdb.DuckDBPyConnection, ind: Indicator, kommune: int | None, threshold: int, profile_area: str | None
) -> pa.Table:
    """The whole lattice (``lattice.table``) with its ``reason``: kept, read, or computed and kept."""
    key = _key(con, ind, kommune, threshold, profile_area)
    if key is None:  # no id to key it by (or no file): computed for this call only
        return _compute(con, ind, kommune, threshold, profile_area)
    if (known := _memory.get(key)) is not None:
        return known
    db, token, name = key
    path = Path(f"{db}.decided") / token / f"{name}.arrow"
    table = _read(path)
    if table is None:
        table = _compute(con, ind, kommune, threshold, profile_area)
        table = _keep(path, table, Path(db)) or table
    _memory.put(key, table)
    return table


def _key(
    con: duckdb.DuckDBPyConnection, ind: Indicator, kommune: int | None, threshold: int, profile_area: str | None
) -> tuple[str, str, str] | None:
    """The whole lattice's key: (database file, generation id, name of the file it is kept in); None where the
    data have no generation id or no file (nothing is kept)."""
    token = database.generation_id(con)
    db = _database_file(con)
    if token is None or db is None:
        return None
    what = (_CODE, ind.id, None if kommune is None else int(kommune), int(threshold), profile_area)
    return str(db), token, hashlib.blake2b(repr(what).encode(), digest_size=16).hexdigest()


def _compute(
    con: duckdb.DuckDBPyConnection, ind: Indicator, kommune: int | None, threshold: int, profile_area: str | None
) -> pa.Table:
    table = lattice.table(con, ind, kommune=kommune, profile_area=profile_area)
    reason = suppression.decide(lattice.of_table(table), threshold)
    return table.append_column("reason", pa.array(reason, type=pa.int8()))


def _database_file(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The database file this connection reads (None for an in-memory database)."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return Path(row[0]) if row and row[0] else None


def _read(path: Path) -> pa.Table | None:
    try:
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowInvalid):
        return None


def _keep(path: Path, table: pa.Table, db: Path) -> pa.Table | None:
    """Write ``table`` to ``path`` (whole or not at all) and read it back memory-mapped; drop other generations'
    folders. None if it cannot be kept."""
    try:
        mode = db.stat().st_mode & 0o666
        folder = path.parent
        if not folder.exists():
            for old in folder.parent.glob("*") if folder.parent.exists() else ():
                shutil.rmtree(old, ignore_errors=True)
            for made in (folder.parent, folder):
                made.mkdir(exist_ok=True)
                os.chmod(made, mode | (mode & 0o444) >> 2)  # searchable by whoever may read the database
        part = folder / f".{path.name}.{uuid.uuid4().hex}"
        with pa.OSFile(str(part), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.chmod(part, mode)
        os.replace(part, path)
    except OSError:
        return None
    return _read(path)

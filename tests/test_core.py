"""The shared foundation: school years, the viewer, the schema and locked database access."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from core import cells, database, schema, schoolyear
from core.errors import KvalitetsdialogError
from core.viewer import Viewer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024/2025", 2024),
        ("2024/25", 2024),
        (" 2019/20 ", 2019),
        ("1999/00", 1999),
        ("2024/26", None),
        ("2024-25", None),
        ("2024", None),
        ("24/25", None),
        ("", None),
    ],
)
def test_school_year_forms(text, expected):
    assert cells.school_year(text) == expected
    if expected is None:
        with pytest.raises(KvalitetsdialogError, match="skal skrives som 2024/2025 eller 2024/25"):
            schoolyear.parse(text)
    else:
        assert schoolyear.parse(text) == expected


def test_school_year_display():
    assert schoolyear.short(2024) == "2024/25"
    assert schoolyear.short(1999) == "1999/00"
    assert schoolyear.long(2024) == "2024/2025"


def test_viewer_parse():
    leader = Viewer.parse("leader:280001, 280002")
    assert leader.role == "leader" and leader.institutions == {"280001", "280002"}
    assert str(leader) == "leader:280001,280002"
    assert leader.sees_institution("280001") and not leader.sees_institution("280003")
    assert Viewer.parse(None).role == "administration"
    assert not Viewer.parse("public").sees_national_tests
    assert Viewer.parse("council").sees_national_tests and not Viewer.parse("council").sees_class_level
    for bad in ("leader:", "admin", "leader"):
        with pytest.raises(KvalitetsdialogError):
            Viewer.parse(bad)


def test_new_database_is_migrated_and_seeded(db: Path):
    with database.read(db) as con:
        assert schema.version(con) == schema.SCHEMA_VERSION
        # the 98 municipalities and Christiansø, which the institution register carries too
        assert con.execute("SELECT count(*) FROM municipalities WHERE NOT synthetic").fetchone()[0] == 99
        assert con.execute("SELECT name FROM municipalities WHERE code = 411").fetchone()[0] == "Christiansø"
        assert con.execute("SELECT name FROM municipalities WHERE code = 751").fetchone()[0] == "Aarhus"
        assert con.execute("SELECT synthetic FROM municipalities WHERE code = 999").fetchone()[0] is True


def test_every_write_bumps_the_generation(db: Path):
    before = database.current_generation(db)
    with database.write(db) as con:
        con.execute("INSERT INTO meta VALUES ('x', '1')")
    assert database.current_generation(db) == before + 1
    with database.read(db, expect=before + 1) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'x'").fetchone()[0] == "1"
    with pytest.raises(database.StaleGeneration), database.read(db, expect=before):
        pass


def test_failed_write_changes_no_data(db: Path):
    with pytest.raises(RuntimeError), database.write(db) as con:  # noqa: PT012 (the write must fail midway)
        con.execute("BEGIN")
        con.execute("INSERT INTO meta VALUES ('half', 'done')")
        raise RuntimeError("interrupted")
    with database.read(db, expect=database.current_generation(db)) as con:
        assert con.execute("SELECT count(*) FROM meta WHERE key = 'half'").fetchone()[0] == 0


def test_a_writer_that_died_after_commit_is_noticed_by_readers(db: Path):
    """The generation mirror file is written last; if it is behind, a reader repairs it."""
    with database.write(db) as con:
        con.execute("INSERT INTO meta VALUES ('late', 'data')")
    generation = database.current_generation(db)
    Path(f"{db}.generation").write_text(str(generation - 1))  # as if killed before the mirror write
    with pytest.raises(database.StaleGeneration), database.read(db, expect=generation - 1):
        pass
    assert database.current_generation(db) == generation
    with database.read(db, expect=generation) as con:
        assert con.execute("SELECT value FROM meta WHERE key = 'late'").fetchone()[0] == "data"


def test_reading_a_missing_database_says_so_in_danish(tmp_path: Path):
    with pytest.raises(KvalitetsdialogError, match="findes ikke"), database.read(tmp_path / "none.duckdb"):
        pass


def _hold_write(db: str, started, seconds: float):
    with database.write(Path(db)) as con:
        con.execute("BEGIN")
        con.execute("INSERT INTO meta VALUES ('slow', 'write')")
        started.set()
        time.sleep(seconds)
        con.execute("COMMIT")


def test_reader_waits_for_another_process_writer_and_sees_its_whole_batch(db: Path):
    """A reader never fails on DuckDB's file lock and never sees a batch half-done."""
    ctx = multiprocessing.get_context("spawn")
    started = ctx.Event()
    writer = ctx.Process(target=_hold_write, args=(str(db), started, 1.0))
    writer.start()
    assert started.wait(30)
    t0 = time.monotonic()
    with database.read(db) as con:
        waited = time.monotonic() - t0
        value = con.execute("SELECT value FROM meta WHERE key = 'slow'").fetchone()
    writer.join(30)
    assert writer.exitcode == 0
    assert value == ("write",)
    assert waited > 0.3  # it queued behind the writer instead of failing on the file lock


def test_an_existing_database_is_migrated_on_open(db: Path, monkeypatch):
    """A new migration runs once on the next open, and data written before survive it."""
    with database.write(db) as con:
        con.execute("INSERT INTO meta VALUES ('kept', 'yes')")
    v2 = (schema.SCHEMA_VERSION + 1, lambda con: con.execute("ALTER TABLE institutions ADD COLUMN note VARCHAR"))
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS + [v2])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", v2[0])
    with database.write(db) as con:
        assert schema.version(con) == v2[0]
        assert "note" in [r[0] for r in con.execute("DESCRIBE institutions").fetchall()]
        assert con.execute("SELECT value FROM meta WHERE key = 'kept'").fetchone()[0] == "yes"
    with database.write(db) as con:  # a second open runs nothing again
        assert schema.version(con) == v2[0]


def test_audit_entries_do_not_invalidate_readers_caches(db: Path):
    from core import audit

    before = database.current_generation(db)
    audit.record(db, Viewer.parse("council"), "export", "indikatorer", {"rows": 3}, origin="test")
    assert database.current_generation(db) == before
    with database.read(db, expect=before) as con:
        row = con.execute("SELECT who, role, action, object, details, origin FROM audit_log").fetchone()
    assert row == ("council", "council", "export", "indikatorer", '{"rows": 3}', "test")


@pytest.mark.parametrize(
    "text",
    ["78,3", "78,3 %", "1.234,5", "1.234", "1.234.567", "1234.5", "-0,5", "1e2", "1.2.3,4", "inf", "٣", "..", " ", "x"],
)
def test_python_reads_a_cell_exactly_as_the_loaders_do(text):
    """A value typed into the goal form or a --year option is read by the loaders' own macros."""
    import duckdb

    from loaders import cells as loader_cells

    con = duckdb.connect()
    loader_cells.install(con)
    number, grade, year, missing = con.execute(
        # as loaders.staging.build reads a cell: trimmed once, then the macro
        "SELECT kv_num(kv_trim(?)), kv_grade(kv_trim(?)), kv_year(kv_trim(?)), kv_missing(kv_trim(?))",
        [text] * 4,
    ).fetchone()
    assert (cells.number(text), cells.grade(text), cells.school_year(text)) == (number, grade, year)
    assert cells.missing(text) == missing


def test_an_older_database_gets_christianso_on_open(db: Path, monkeypatch):
    """Databases made before 411 joined the built-in table get it from the migration that seeds it."""
    number = next(n for n, apply in schema.MIGRATIONS if apply is schema._seed_municipalities)
    monkeypatch.setattr(schema, "MIGRATIONS", [m for m in schema.MIGRATIONS if m[0] <= number])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", number)
    with database.write(db) as con:
        con.execute("DELETE FROM municipalities WHERE code = 411")
        con.execute("UPDATE municipalities SET name = 'Aarhus (lokal)' WHERE code = 751")
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(number - 1)])
    database.ensure(db)
    with database.read(db) as con:
        assert schema.version(con) == number
        assert con.execute("SELECT name FROM municipalities WHERE code = 411").fetchone()[0] == "Christiansø"
        # a code already there keeps its row
        assert con.execute("SELECT name FROM municipalities WHERE code = 751").fetchone()[0] == "Aarhus (lokal)"

"""How fast extracts import, against DuckDB reading the same files bare.

Two baselines, measured in the same run: ``SELECT count(*) FROM read_csv(...)``
(the bare scan: parse and count, nothing kept) and ``CREATE TABLE AS SELECT *
FROM read_csv(...)`` into a database file (parse, type and store, which an
import has to do as well). For each case prints rows, the median of each
baseline and of the import over ``--runs`` runs (alternating), the ratios and
rows/s. Target (issue 7): import at most 2x the bare scan. Cases:

* ``synthetic``: a pupil-level extract written here (1,400 schools, ``--rows``
  results, Danish level names, semicolons), or ``--file``;
* ``national``: every data file of ``sample_data.generate(DIR, scale="national")``
  (``--national-dir DIR``, or ``--national`` to generate one into a temp dir),
  loaded in one import after its institution files.

``python -m benchmarks`` runs the national case with each measurement in a
fresh process, plus the phase split (``phase_split``).

    python benchmarks/import_speed.py [--rows 3000000] [--file PUPILS.csv] [--runs 3]
                                      [--national | --national-dir DIR] [--no-synthetic]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loaders import import_files

N_SCHOOLS = 1400
# Where an import's time goes: (label, module, function); none of them calls another.
PHASES = (
    # The one read of each whole file (sha256, data end) runs on a background thread from here on (not timed).
    ("open: header, kind; a workbook's cells", "loaders.importer", "_open"),
    ("transcode Windows-1252 to UTF-8", "loaders.reading", "_transcode"),
    ("read CSV into DuckDB (raw table)", "loaders.reading", "_read_csv"),
    ("normalise values (vals table)", "loaders.staging", "build"),
    ("check rules", "loaders.staging", "check"),
    ("staging setup (macros)", "loaders.cells", "install"),
    ("scope words", "loaders.importer", "_scope_words"),
    ("write: delete the replaced scope, insert from the staged values", "loaders.importer", "_load"),
)


def write_extract(path: Path, rows: int) -> None:
    """A synthetic pupil-level extract: each pupil tested once per subject per year."""
    duckdb.execute(
        """
        COPY (
            SELECT 'P' || (i // 4)::VARCHAR AS elev_id,
                   (100001 + (i // 4) % $schools)::VARCHAR AS institutionsnummer,
                   '2020/21' AS skoleår,
                   (2 + ((i // 4) % 4) * 2)::VARCHAR || '. klasse' AS klassetrin,
                   ['Dansk, læsning', 'Matematik', 'Engelsk', 'Fysik/kemi'][i % 4 + 1] AS fag,
                   ['Ikke tilstrækkelig', 'Mangelfuld', 'Jævn', 'God', 'Rigtig god', 'Fremragende']
                       [(hash(i) % 6)::BIGINT + 1]
                       AS præstationsniveau,
                   replace((1 + (hash(i * 7) % 990)::BIGINT / 10)::VARCHAR, '.', ',') AS score
            FROM range($rows) t(i)
        ) TO $path (HEADER, DELIMITER ';')""",
        {"schools": N_SCHOOLS, "rows": rows, "path": str(path)},
    )


def write_institutions(path: Path) -> None:
    duckdb.execute(
        """
        COPY (SELECT (100001 + i)::VARCHAR AS institution_id, 'Skole ' || i AS navn, 'skole' AS type,
                     '999' AS kommunekode FROM range(?) t(i))
        TO ? (HEADER, DELIMITER ';')""",
        [N_SCHOOLS, str(path)],
    )


def national_files(folder: Path) -> tuple[list[Path], list[Path]]:
    """(institution files, data files) of a ``generate(scale="national")`` folder, in import order."""
    files = sorted(p for p in Path(folder).glob("[0-9][0-9]_*") if p.suffix in (".csv", ".xlsx"))
    setup = [p for p in files if "institution" in p.name]
    return setup, [p for p in files if p not in setup]


def _encoding(f: Path, con) -> str:
    """The encoding ``read_csv`` reads the file in: UTF-8, else Windows-1252 read as latin-1 (about as fast)."""
    try:
        con.execute("SELECT * FROM read_csv(?, header=true) LIMIT 1", [str(f)]).fetchall()
        return "utf-8"
    except duckdb.InvalidInputException:
        return "latin-1"


_READ_CSV = "read_csv(?, header=true, encoding=?)"


def scan_seconds(files: list[Path]) -> float:
    """Baseline 1: ``count(*)`` over ``read_csv`` of every file (the bare scan)."""
    con = duckdb.connect()
    sources = [[str(f), _encoding(f, con)] for f in files]
    t0 = time.perf_counter()
    for source in sources:
        con.execute(f"SELECT count(*) FROM {_READ_CSV}", source).fetchall()
    return time.perf_counter() - t0


def ctas_seconds(files: list[Path], db: Path) -> float:
    """Baseline 2: ``CREATE TABLE AS SELECT * FROM read_csv`` of every file into a new database file."""
    con = duckdb.connect(str(db))
    con.execute("SET enable_progress_bar = false")
    sources = [[str(f), _encoding(f, con)] for f in files]
    t0 = time.perf_counter()
    for i, source in enumerate(sources):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM {_READ_CSV}", source)
    con.close()  # the checkpoint writes the file
    seconds = time.perf_counter() - t0
    db.unlink()
    return seconds


def import_seconds(db: Path, setup: list[Path], files: list[Path]) -> tuple[float, int]:
    """(seconds, rows loaded) of importing ``files`` into a new database holding ``setup`` (untimed)."""
    for stale in (db, Path(f"{db}.generation")):
        stale.unlink(missing_ok=True)
    import_files(db, setup)
    t0 = time.perf_counter()
    results = import_files(db, files)
    return time.perf_counter() - t0, sum(r.rows_loaded for r in results)


@contextlib.contextmanager
def _phase_timers(seconds: dict[str, float]):
    """Wrap each ``PHASES`` function so its calls add their wall time to ``seconds[label]``.

    Timers rather than cProfile: the loaders' Python UDFs run per distinct value, and
    cProfile's per-call cost would inflate exactly those phases.
    """
    originals = []
    for label, module_name, name in PHASES:
        module = importlib.import_module(module_name)
        original = getattr(module, name)

        def timed_call(*args, _original=original, _label=label, **kwargs):
            t0 = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                seconds[_label] = seconds.get(_label, 0.0) + time.perf_counter() - t0

        originals.append((module, name, original))
        setattr(module, name, timed_call)
    try:
        yield
    finally:
        for module, name, original in originals:
            setattr(module, name, original)


def phase_split(db: Path, setup: list[Path], files: list[Path]) -> dict[str, float]:
    """Seconds per import phase (``PHASES``) over one import, plus ``other`` and ``total``."""
    for stale in (db, Path(f"{db}.generation")):
        stale.unlink(missing_ok=True)
    import_files(db, setup)
    split = {label: 0.0 for label, *_ in PHASES}
    with _phase_timers(split):
        t0 = time.perf_counter()
        import_files(db, files)
        total = time.perf_counter() - t0
    split["other: known ids, scope keys, lock, attach, commit"] = total - sum(split.values())
    split["total"] = total
    return split


def measure(name: str, setup: list[Path], files: list[Path], runs: int, tmp: Path) -> tuple:
    """(name, rows, scan s list, CTAS s list, import s list), the three alternating run by run."""
    scan, ctas, load, rows = [], [], [], 0
    for run in range(runs):
        scan.append(scan_seconds(files))
        ctas.append(ctas_seconds(files, tmp / f"{name}{run}-ctas.duckdb"))
        seconds, rows = import_seconds(tmp / f"{name}{run}.duckdb", setup, files)
        load.append(seconds)
    return name, rows, scan, ctas, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--file", type=Path, help="an existing pupil-level CSV (semicolon) to import instead")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--national-dir", type=Path, help="output of python -m sample_data generate --scale national")
    parser.add_argument("--national", action="store_true", help="generate the national files into a temp dir")
    parser.add_argument("--no-synthetic", action="store_true", help="only the national case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kvd-bench-") as tmp:
        tmp = Path(tmp)
        cases = []
        if not args.no_synthetic:
            extract = args.file or tmp / "elever.csv"
            if not args.file:
                write_extract(extract, args.rows)
            institutions = tmp / "institutioner.csv"
            write_institutions(institutions)
            cases.append(("synthetic", [institutions], [extract]))
        national = args.national_dir
        if args.national and national is None:
            from sample_data import generate

            national = tmp / "national"
            generate(national, scale="national")
        if national is not None:
            cases.append(("national", *national_files(national)))
        print(
            f"{'case':10s} {'rows':>10s} {'scan s':>7s} {'CTAS s':>7s} {'import s':>8s} "
            f"{'/scan':>6s} {'/CTAS':>6s} {'rows/s':>10s}"
        )
        for name, setup, files in cases:
            name, rows, scan, ctas, load = measure(name, setup, files, args.runs, tmp)
            s, c, ld = statistics.median(scan), statistics.median(ctas), statistics.median(load)
            print(
                f"{name:10s} {rows:10,d} {s:7.2f} {c:7.2f} {ld:8.2f} {ld / s:5.1f}x {ld / c:5.1f}x {rows / ld:10,.0f}"
            )
        print("target: import <= 2x the bare scan")


if __name__ == "__main__":
    main()

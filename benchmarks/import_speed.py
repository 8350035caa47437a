"""How fast national-scale extracts import, against a bare scan of the same files.

For each case prints rows, the median ``SELECT count(*) FROM read_csv(...)`` time
over the case's files, the median import time (``--runs`` runs, measured in
the same process, scan and import alternating), their ratio and rows/s.
Target: at most 3x. Cases:

* ``synthetic``: a pupil-level extract written here (1,400 schools, ``--rows``
  results, Danish level names, semicolons), or ``--file``;
* ``national``: every data file of ``sample_data.generate(DIR, scale="national")``
  (``--national-dir DIR``, or ``--national`` to generate one into a temp dir),
  loaded in one import after its institution files.

    python benchmarks/import_speed.py [--rows 3000000] [--file PUPILS.csv] [--runs 3]
                                      [--national | --national-dir DIR] [--no-synthetic]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from loaders import import_files  # noqa: E402

N_SCHOOLS = 1400


def write_extract(path: Path, rows: int) -> None:
    """A synthetic pupil-level extract: each pupil tested once per subject per year."""
    duckdb.sql(f"""
        COPY (
            SELECT 'P' || (i // 4)::VARCHAR AS elev_id,
                   (100001 + (i // 4) % {N_SCHOOLS})::VARCHAR AS institutionsnummer,
                   '2020/21' AS skoleår,
                   (2 + ((i // 4) % 4) * 2)::VARCHAR || '. klasse' AS klassetrin,
                   ['Dansk, læsning', 'Matematik', 'Engelsk', 'Fysik/kemi'][i % 4 + 1] AS fag,
                   ['Ikke tilstrækkelig', 'Mangelfuld', 'Jævn', 'God', 'Rigtig god', 'Fremragende'][(hash(i) % 6)::BIGINT + 1]
                       AS præstationsniveau,
                   replace((1 + (hash(i * 7) % 990)::BIGINT / 10)::VARCHAR, '.', ',') AS score
            FROM range({rows}) t(i)
        ) TO '{path}' (HEADER, DELIMITER ';')""")


def write_institutions(path: Path) -> None:
    duckdb.sql(f"""
        COPY (SELECT (100001 + i)::VARCHAR AS institution_id, 'Skole ' || i AS navn, 'skole' AS type,
                     '999' AS kommunekode FROM range({N_SCHOOLS}) t(i))
        TO '{path}' (HEADER, DELIMITER ';')""")


def scan_seconds(files: list[Path]) -> float:
    """``count(*)`` over ``read_csv`` of every file (delimiter and encoding as DuckDB detects them)."""
    t0 = time.perf_counter()
    for f in files:
        try:
            duckdb.sql(f"SELECT count(*) FROM read_csv('{f}', all_varchar=true, header=true)").fetchall()
        except duckdb.InvalidInputException:  # Windows-1252: read as latin-1, about as fast
            duckdb.sql(f"SELECT count(*) FROM read_csv('{f}', all_varchar=true, header=true, "
                       "encoding='latin-1')").fetchall()
    return time.perf_counter() - t0


def measure(name: str, setup: list[Path], files: list[Path], runs: int, tmp: Path) -> tuple:
    """(name, rows, median scan s, median import s) with the runs' figures."""
    scan, load, rows = [], [], 0
    for run in range(runs):
        scan.append(scan_seconds(files))
        db = tmp / f"{name}{run}.duckdb"
        import_files(db, setup)
        t0 = time.perf_counter()
        results = import_files(db, files)
        load.append(time.perf_counter() - t0)
        rows = sum(r.rows_loaded for r in results)
        db.unlink()
    return name, rows, scan, load


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
            files = sorted(p for p in national.glob("[0-9][0-9]_*") if p.suffix in (".csv", ".xlsx"))
            setup = [p for p in files if "institution" in p.name]
            cases.append(("national", setup, [p for p in files if p not in setup]))
        print(f"{'case':10s} {'rows':>10s} {'scan s':>7s} {'import s':>8s} {'ratio':>6s} {'rows/s':>10s}  runs")
        for name, setup, files in cases:
            name, rows, scan, load = measure(name, setup, files, args.runs, tmp)
            s, l = statistics.median(scan), statistics.median(load)
            print(f"{name:10s} {rows:10,d} {s:7.2f} {l:8.2f} {l / s:5.1f}x {rows / l:10,.0f}  "
                  f"scan {', '.join(f'{x:.2f}' for x in scan)}; import {', '.join(f'{x:.2f}' for x in load)}")
        print("target: import <= 3x scan")


if __name__ == "__main__":
    main()

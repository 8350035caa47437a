"""How fast a national-scale pupil-level national test extract imports.

Prints rows/s and the ratio import time / ``SELECT count(*) FROM read_csv(...)``
time (medians over ``--runs`` runs, measured in the same process). Target: at
most 3x. Without ``--file`` a synthetic extract is written first (1,400
schools, ``--rows`` test results, Danish level names, semicolons).

    python benchmarks/import_speed.py [--rows 3000000] [--file PUPILS.csv] [--runs 3]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--file", type=Path, help="an existing pupil-level CSV (semicolon) to import instead")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kvd-bench-") as tmp:
        tmp = Path(tmp)
        extract = args.file or tmp / "elever.csv"
        if not args.file:
            write_extract(extract, args.rows)
        institutions = tmp / "institutioner.csv"
        write_institutions(institutions)
        rows = duckdb.sql(f"SELECT count(*) FROM read_csv('{extract}', all_varchar=true, header=true, "
                          "delim=';')").fetchall()[0][0]
        scan, load = [], []
        for run in range(args.runs):
            t0 = time.perf_counter()
            duckdb.sql(f"SELECT count(*) FROM read_csv('{extract}', all_varchar=true, header=true, "
                       "delim=';')").fetchall()
            scan.append(time.perf_counter() - t0)
            db = tmp / f"run{run}.duckdb"
            import_files(db, [institutions])
            t0 = time.perf_counter()
            [result] = import_files(db, [extract])
            load.append(time.perf_counter() - t0)
            assert result.rows_loaded == rows, result
        s, l = statistics.median(scan), statistics.median(load)
        print(f"file: {extract.name}, {extract.stat().st_size / 1e6:.0f} MB, {rows:,} rows")
        print(f"count(*) over read_csv: median {s:.2f} s ({', '.join(f'{x:.2f}' for x in scan)})")
        print(f"import (validate + load): median {l:.2f} s ({', '.join(f'{x:.2f}' for x in load)})")
        print(f"rows/s: {rows / l:,.0f}")
        print(f"ratio import / count(*): {l / s:.1f}x (target <= 3x)")


if __name__ == "__main__":
    main()

"""What suppression withholds, per viewer, and what deciding it costs (docs/domain.md, rule 3).

    python -m benchmarks.suppression_figures              # the sample municipality
    python -m benchmarks.suppression_figures --db PATH    # an already-built database (e.g. the national scale)

For each viewer it counts every value ``compute`` gives that viewer (every indicator, every level the
viewer may see, classes included, each grade and subject and ``all``): shown, withheld as small (primary
suppression: what the engine withheld before issue 11 too) and withheld as complementary (the values that
would give a small one back), and the complementary share of the values that could otherwise be shown.
Then the time of the engine's steps for every indicator, each from a cold start: building the lattice
(cells and pooling), deciding the pattern (``suppression.decide``), and a leader's extra step
(``engine.for_reader``); medians over ``--runs``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import database, settings
from core.viewer import Viewer
from indicators import compute, engine, lattice, suppression
from indicators.catalogue import CATALOGUE


def withheld(con, viewer: Viewer, kommune: int) -> dict[str, int]:
    """How many of the values this viewer gets are shown, small, complementary, or missing (not computable)."""
    counts = dict.fromkeys(("shown", "small", "complementary", "missing"), 0)
    for ind in CATALOGUE.values():
        df = compute(
            con,
            viewer,
            ind.id,
            kommune=kommune if ind.confidential else None,
            levels=("municipality", "district", "institution"),
            by_class=True,
        )
        reason = df["suppression"].fillna("shown")
        counts["small"] += int((reason == "small").sum())
        counts["complementary"] += int((reason == "complementary").sum())
        counts["shown"] += int(((reason == "shown") & df["value"].notna()).sum())
        counts["missing"] += int(((reason == "shown") & df["value"].isna()).sum())
    return counts


def _measure(fn, runs: int) -> tuple[float, float]:
    """Median wall and processor seconds of ``fn()`` (processor: every thread of this process, fair on a busy
    machine)."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def timings(con, leader: Viewer, kommune: int, runs: int) -> dict[str, tuple[float, float]]:
    """(wall, processor) seconds for every indicator together: the lattice, the pattern, a leader's extra step."""
    built = {}
    decided = {}

    def build():
        for ind in CATALOGUE.values():
            built[ind.id] = lattice.build(con, ind, kommune=kommune if ind.confidential else None)

    def decide():
        suppression.forget()  # every run from scratch: no decision kept from an earlier call
        for ind in CATALOGUE.values():
            decided[ind.id] = suppression.decide(built[ind.id], engine.threshold())

    def for_leader():
        suppression.forget()
        for ind in CATALOGUE.values():
            engine.for_reader(con, leader, ind, built[ind.id], decided[ind.id], kommune)

    return {
        "lattice (cells and pooling)": _measure(build, runs),
        "pattern (suppression.decide)": _measure(decide, runs),
        "a leader's extra step (for_reader)": _measure(for_leader, runs),
    }


def report(db: Path, runs: int) -> None:
    with database.read(db) as con:
        kommune = settings.kommune()
        if not con.execute("SELECT count(*) FROM institutions WHERE municipality_code = ?", [kommune]).fetchone()[0]:
            # a national-scale database: the municipality with most institutions stands for the own one
            kommune = con.execute(
                "SELECT municipality_code FROM institutions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            ).fetchone()[0]
        # the leader of the own municipality's school with the fewest tested pupils: the most small groups
        school = con.execute(
            """SELECT i.institution_id FROM institutions i
               LEFT JOIN test_pupil_results t ON t.institution_id = i.institution_id
               WHERE i.municipality_code = ? AND i.kind = 'skole'
               GROUP BY 1 ORDER BY count(t.pupil_key), 1 LIMIT 1""",
            [kommune],
        ).fetchone()[0]
        leader = Viewer.parse(f"leader:{school}")
        print(f"{db.name}: own municipality {kommune}, threshold {engine.threshold()}\n")
        print("| viewer | values | shown | small (primary) | complementary | complementary share of publishable |")
        print("|---|---:|---:|---:|---:|---:|")
        for viewer in (Viewer.parse("public"), Viewer.parse("council"), Viewer.parse("administration"), leader):
            c = withheld(con, viewer, kommune)
            publishable = c["shown"] + c["complementary"]
            share = c["complementary"] / publishable if publishable else 0.0
            print(
                f"| {viewer} | {sum(c.values()):,} | {c['shown']:,} | {c['small']:,} | {c['complementary']:,} "
                f"| {share:.1%} |"
            )
        print("\n| step, every indicator, cold | wall s | processor s |\n|---|---:|---:|")
        for step, (wall, cpu) in timings(con, leader, kommune, runs).items():
            print(f"| {step} | {wall:.2f} | {cpu:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an already-built database to measure (else the sample municipality)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if args.db:
        report(Path(args.db), args.runs)
        return
    from sample_data import build_database

    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.duckdb"
        build_database(sample)
        report(sample, args.runs)


if __name__ == "__main__":
    main()

"""``python -m sample_data generate --out DIR [--scale municipality|national] [--seed N]``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sample_data.generator import SCALES, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sample_data", description="Syntetiske eksempeldata.")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser("generate", help="skriv et syntetisk datasæt")
    gen.add_argument("--out", required=True, type=Path, help="mappe at skrive filerne i")
    gen.add_argument("--scale", choices=SCALES, default="municipality")
    gen.add_argument("--seed", type=int, default=2024)
    gen.add_argument("--schools", type=int, default=1400, help="antal skoler (kun --scale national)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    files = generate(args.out, args.scale, args.seed, n_schools=args.schools)
    for path in files:
        print(f"{path}  ({path.stat().st_size:,} bytes)")
    print(f"{len(files)} filer skrevet på {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the benchmark scripts share: medians, peak memory, a fresh process per measurement, the machine."""

from __future__ import annotations

import datetime
import multiprocessing
import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def timed(fn: Callable, runs: int) -> list[float]:
    """Seconds of each of ``runs`` calls of ``fn()``."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def median_time(fn: Callable, runs: int) -> float:
    return statistics.median(timed(fn, runs))


def peak_rss() -> int:
    """The largest resident set size this process has had so far, in bytes.

    ``VmHWM`` rather than ``getrusage``'s ``ru_maxrss``: Linux carries ``ru_maxrss`` over an
    exec, so a spawned child would report at least its parent's size at the fork.
    """
    kib = _first("/proc/self/status", "VmHWM").split()[0]
    return int(kib) * 1024 if kib.isdigit() else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _with_peak(fn: Callable, args: tuple) -> tuple[object, int]:
    return fn(*args), peak_rss()


def in_fresh_process(fn: Callable, *args) -> tuple[object, int]:
    """``(fn(*args), peak RSS in bytes)`` from a new Python process, so each figure has its own peak.

    ``fn`` must be importable by name (a module-level function). Spawned, not forked: a fork
    would start with the parent's memory and DuckDB's threads.
    """
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_with_peak, fn, args).result()


def _first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, str]:
    """The machine and software the figures were measured on."""
    import duckdb
    import pandas
    import streamlit

    mem_kib = _first("/proc/meminfo", "MemTotal").split()[0]
    return {
        "CPU": _first("/proc/cpuinfo", "model name"),
        "cores": str(os.cpu_count()),
        "memory": f"{int(mem_kib) / 1024**2:.1f} GiB" if mem_kib.isdigit() else "unknown",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "DuckDB": duckdb.__version__,
        "pandas": pandas.__version__,
        "Streamlit": streamlit.__version__,
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


def load_average() -> float:
    """The one-minute load average (the machine is shared; high load makes the figures noisy)."""
    return os.getloadavg()[0]

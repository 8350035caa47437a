"""``python -m loaders`` that stops at a named phase of its import, for the crash-safety tests to kill.

    python -m tests.pause_import PHASE import --db DB FILE...

PHASE is one of
- ``validating``: every file opened, before the first is staged and checked;
- ``begun``: inside the write transaction, before the first row is written;
- ``written``: every row written, before COMMIT;
- ``committed``: after COMMIT, before the writer closes (the checkpoint and the generation file).

The import says ``PAUSED=<phase>`` on stderr and waits there for a signal. The production code has
no hook for this: the functions the importer calls at those points are wrapped from outside.
"""

from __future__ import annotations

import signal
import sys
from contextlib import contextmanager

from core import database
from loaders import importer
from loaders.__main__ import main

PHASES = ("validating", "begun", "written", "committed")


def pause(phase: str) -> None:
    print(f"PAUSED={phase}", file=sys.stderr, flush=True)
    while True:
        signal.pause()  # until the test's SIGKILL


def before(function, phase: str):
    """``function`` that pauses at ``phase`` when first called."""

    def paused(*args, **kwargs):
        pause(phase)
        return function(*args, **kwargs)

    return paused


class _Connection:
    """A connection that pauses around its COMMIT (``written`` before it, ``committed`` after it)."""

    def __init__(self, con, phase: str):
        self._con, self._phase = con, phase

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args, **kwargs):
        if sql == "COMMIT" and self._phase == "written":
            pause("written")
        result = self._con.execute(sql, *args, **kwargs)
        if sql == "COMMIT" and self._phase == "committed":
            pause("committed")
        return result


def around_commit(write, phase: str):
    """``database.write`` whose connection pauses around the caller's COMMIT."""

    @contextmanager
    def paused(*args, **kwargs):
        with write(*args, **kwargs) as con:
            yield _Connection(con, phase)

    return paused


if __name__ == "__main__":
    phase, argv = sys.argv[1], sys.argv[2:]
    if phase == "validating":
        importer._prepare = before(importer._prepare, phase)
    elif phase == "begun":
        importer._load = before(importer._load, phase)
    elif phase in ("written", "committed"):
        database.write = around_commit(database.write, phase)
    else:
        sys.exit(f"unknown phase {phase}; use one of {', '.join(PHASES)}")
    sys.exit(main(argv))

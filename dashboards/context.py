"""What every page receives: the database, the viewer, the generation, the municipality.

The app never holds a DuckDB connection. Reads go through ``Context.read``:
results are cached by small arguments that include the database generation
and the viewer, and a cache miss opens ``core.database.read(db, expect=generation)``.
If the database moved on in the meantime, ``StaleGeneration`` propagates and
the app reruns the page with the new generation, so a page shows old or new
data, never a mix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from core import audit as audit_log
from core import database
from core.errors import AccessDenied
from core.viewer import Viewer

_SESSION_KEY = "_kvalitetsdialog_context"
_FUNCTIONS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Context:
    db: Path
    viewer: Viewer
    generation: int
    kommune: int
    demo: bool
    user: str = ""  # the logged-in user's e-mail or subject; empty in demo mode
    origin: str | None = None  # where from, for the audit log (the browser's address when known)

    @property
    def who(self) -> str:
        """Who the audit log, import log, goal history and notes record for this session."""
        return self.user or f"app:{self.viewer}"

    def read(self, fn: Callable, *args, **kwargs):
        """``fn(con, viewer, *args, **kwargs)`` on a read connection, cached per generation and viewer.

        Arguments must be small and hashable (ids, years, tuples), never DataFrames. A refusal
        (``AccessDenied``) is written to the audit log and raised again.
        """
        key = f"{fn.__module__}.{fn.__qualname__}"
        _FUNCTIONS.setdefault(key, fn)
        kwargs_key = tuple(sorted(kwargs.items()))
        return self._on_record(lambda: _cached(key, str(self.db), self.generation, str(self.viewer), args, kwargs_key))

    def read_now(self, fn: Callable, *args, **kwargs):
        """``fn(con, viewer, *args, **kwargs)`` on a fresh read connection, not cached (e.g. the audit log,
        which grows with every click, and files made on a download's click); a refusal as in ``read``."""

        def fresh():
            with database.read(self.db) as con:
                return fn(con, self.viewer, *args, **kwargs)

        return self._on_record(fresh)

    def _on_record(self, read: Callable):
        try:
            return read()
        except AccessDenied as e:  # refused by the layer below: on the record, then shown as any error
            audit_log.refused(self.db, self.viewer, e, who=self.who, origin=self.origin)
            raise


@st.cache_data(max_entries=2000, ttl=3600, show_spinner=False)
def _cached(key: str, db: str, generation: int, viewer: str, args: tuple, kwargs: tuple):
    with database.read(Path(db), expect=generation) as con:
        return _FUNCTIONS[key](con, Viewer.parse(viewer), *args, **dict(kwargs))


def audit(ctx: Context, action: str, object: str, details=None) -> None:
    """Record one action of this session (downloads, exports) in the audit log."""
    audit_log.record(ctx.db, ctx.viewer, action, object, details, who=ctx.who, origin=ctx.origin)


def download(
    ctx: Context,
    label: str,
    build: Callable[[], bytes],
    *,
    file_name: str,
    mime: str,
    what: str,
    details=None,
    action: str = "download",
    key: str | None = None,
    container: Any = st,
) -> None:
    """A download button whose file is built, and recorded in the audit log, only when it is clicked.

    Streamlit serves a button's bytes at ``/media/<hash>`` as soon as the page draws it, so
    anyone holding that URL would get the file without the click that writes the audit row.
    With a callable Streamlit makes the file when the click asks for it (on a thread of its
    own, outside the script run, so ``build`` reads with ``ctx.read_now``, not the page cache,
    which also records a refusal), and the audit row is committed before the file is handed over.
    """

    def make() -> bytes:
        data = build()
        audit(ctx, action, what, details)
        return data

    container.download_button(
        label, make, file_name=file_name, mime=mime, icon=":material/download:", on_click="ignore", key=key
    )


def set_current(ctx: Context) -> None:
    st.session_state[_SESSION_KEY] = ctx


def current() -> Context:
    """The context app.py set for this script run."""
    return st.session_state[_SESSION_KEY]

"""Dialogue notes: versioned, viewer-checked, and every change audited.

A note belongs to one institution and school year and is about a goal, an
indicator area or the whole institution. Nothing is overwritten: an edit adds
a version, a deletion adds a deleted version (``current_dialogue_notes`` shows
the latest live version of each note).

Who may do what (docs/domain.md, "Who sees what"):

- the administration writes every kind of note and reads everything;
- a leader reads every note of their own institution(s) and writes the
  institution's assessment and the follow-up; of an agreed action they may
  change only its status; a leader's edit withdraws the council sharing,
  because the council sees only what the administration has approved;
- the council reads only notes the administration marked ``shared_with_council``;
- the public reads no notes at all.

>>> from core.viewer import Viewer
>>> _may_read(Viewer.parse("leader:1"), "2", False), _may_read(Viewer.parse("council"), "2", True)
(False, True)
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb

from core import schoolyear
from core.errors import AccessDenied, KvalitetsdialogError
from core.viewer import Viewer
from dialogue import records
from loaders import coverage

NOTE_KINDS: dict[str, str] = {
    "assessment": "Institutionens vurdering",
    "administration": "Forvaltningens bemærkning",
    "action": "Aftale",
    "followup": "Opfølgning",
}
TOPIC_KINDS: dict[str, str] = {"institution": "Hele institutionen", "goal": "Mål", "area": "Område"}
ACTION_STATUSES = ("åben", "i gang", "gennemført", "opgivet")
OPEN_STATUSES = ("åben", "i gang")

_LEADER_KINDS = ("assessment", "followup")
# What an edit may change; institution, year and kind are the note's identity.
_EDITABLE = (
    "text",
    "topic_kind",
    "topic",
    "action_owner",
    "action_due",
    "action_status",
    "follows_up",
    "shared_with_council",
)


@dataclass(frozen=True)
class Note:
    """One version of a note, as stored in ``dialogue_notes``."""

    note_id: str
    version: int
    institution_id: str
    school_year: int
    topic_kind: str
    topic: str | None
    note_kind: str
    text: str
    action_owner: str | None
    action_due: dt.date | None
    action_status: str | None
    follows_up: str | None
    shared_with_council: bool
    deleted: bool
    author: str | None
    author_role: str | None
    written_at: dt.datetime

    @property
    def topic_label(self) -> str:
        return TOPIC_KINDS[self.topic_kind] + (f": {self.topic}" if self.topic else "")


_COLUMNS = [f.name for f in fields(Note)]
_SELECT = ", ".join(_COLUMNS)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[Note]:
    return [Note(*row) for row in con.execute(sql, params).fetchall()]


# --- who may do what -------------------------------------------------------


def _may_read(viewer: Viewer, institution_id: str, shared_with_council: bool) -> bool:
    if viewer.role == "administration":
        return True
    if viewer.role == "leader":
        return viewer.leads(institution_id)
    if viewer.role == "council":
        return bool(shared_with_council)
    return False


def _refusal(viewer: Viewer, institution_id: str, note_kind: str, changes: dict) -> str | None:
    """Why the viewer may not write this change to a note of this kind (None: they may)."""
    if viewer.role == "administration":
        return None
    if not viewer.leads(institution_id):
        return f"Du kan ikke skrive notater for institution {institution_id}."
    if changes.get("shared_with_council"):
        return "Kun forvaltningen kan dele notater med udvalget."
    if note_kind in _LEADER_KINDS:
        return None
    if note_kind == "action" and set(changes) <= {"action_status", "shared_with_council"}:
        return None
    return (
        f"En leder kan ikke skrive '{NOTE_KINDS.get(note_kind, note_kind)}'"
        " (kun institutionens vurdering, opfølgning og status på aftaler)."
    )


def _check_write(viewer: Viewer, institution_id: str, note_kind: str, changes: dict) -> None:
    """Raise unless the viewer may write this change to a note of this kind."""
    refusal = _refusal(viewer, institution_id, note_kind, changes)
    if refusal is not None:
        raise AccessDenied(refusal, f"note: {NOTE_KINDS.get(note_kind, note_kind)}, institution {institution_id}")


# What a page may offer, asked of the same rule the writes enforce (so a form never offers a refusal).


def writable_kinds(viewer: Viewer, institution_id: str) -> list[str]:
    """The kinds of note the viewer may add for this institution (empty: none).

    >>> writable_kinds(Viewer.parse("leader:1"), "1"), writable_kinds(Viewer.parse("council"), "1")
    (['assessment', 'followup'], [])
    """
    return [k for k in NOTE_KINDS if _refusal(viewer, institution_id, k, {"text": "…"}) is None]


def may_share(viewer: Viewer, institution_id: str) -> bool:
    """Whether the viewer may share a note of this institution with the council."""
    return _refusal(viewer, institution_id, "assessment", {"shared_with_council": True}) is None


def editable(viewer: Viewer, note: Note) -> tuple[str, ...]:
    """The fields of a note the viewer may change: ``text``, ``action_status`` (actions) and
    ``shared_with_council``, those the rule allows.

    >>> action = Note("n1", 1, "1", 2024, "institution", None, "action", "Læsebånd", "Anna",
    ...               dt.date(2025, 6, 30), "åben", None, False, False, None, None, dt.datetime(2024, 9, 1))
    >>> editable(Viewer.parse("leader:1"), action), editable(Viewer.parse("administration"), action)
    (('action_status',), ('text', 'action_status', 'shared_with_council'))
    """
    fields = (
        ("text", "action_status", "shared_with_council")
        if note.note_kind == "action"
        else ("text", "shared_with_council")
    )
    return tuple(f for f in fields if _refusal(viewer, note.institution_id, note.note_kind, {f: True}) is None)


def may_edit(viewer: Viewer, note: Note) -> bool:
    """Whether the viewer may change anything of the note."""
    return bool(editable(viewer, note))


def may_delete(viewer: Viewer, note: Note) -> bool:
    """Whether the viewer may delete the note (a leader: their assessments and follow-ups, not actions)."""
    return _refusal(viewer, note.institution_id, note.note_kind, {"deleted": True}) is None


# --- validation ------------------------------------------------------------


def _validate(con: duckdb.DuckDBPyConnection, note: dict) -> dict:
    """Normalise a note's fields and raise on anything inconsistent; returns the note."""
    bad = lambda msg: KvalitetsdialogError(msg, "Ugyldigt notat")  # noqa: E731
    note["text"] = (note.get("text") or "").strip()
    if note["note_kind"] not in NOTE_KINDS:
        raise bad(f"Ukendt notetype '{note['note_kind']}'.")
    if note["topic_kind"] not in TOPIC_KINDS:
        raise bad(f"Ukendt emne '{note['topic_kind']}'.")
    if note["topic_kind"] == "institution":
        note["topic"] = None
    elif not note.get("topic"):
        raise bad("Angiv hvilket mål eller område notatet handler om.")
    if not note["text"]:
        raise bad("Notatet er tomt.")
    note["action_due"] = records.date_or_none(note.get("action_due"), "Fristen", "Ugyldigt notat")
    if note["note_kind"] == "action":
        note["action_status"] = note.get("action_status") or "åben"
        if note["action_status"] not in ACTION_STATUSES:
            raise bad(f"Status skal være en af: {', '.join(ACTION_STATUSES)}.")
        if not (note.get("action_owner") or "").strip():
            raise bad("En aftale skal have en ansvarlig (hvem).")
        if note["action_due"] is None:
            raise bad("En aftale skal have en frist (hvornår).")
    else:
        note["action_owner"] = note["action_due"] = note["action_status"] = None
    if note["note_kind"] == "followup":
        target = con.execute(
            "SELECT institution_id, school_year FROM current_dialogue_notes WHERE note_id = ? AND note_kind = 'action'",
            [note.get("follows_up")],
        ).fetchone()
        if target is None or target[0] != note["institution_id"] or target[1] > note["school_year"]:
            raise bad("En opfølgning skal pege på en aftale for samme institution fra et tidligere eller samme år.")
    else:
        note["follows_up"] = None
    note["shared_with_council"] = bool(note.get("shared_with_council"))
    return note


# --- writes ----------------------------------------------------------------


def _store(
    con, viewer: Viewer, note: dict, version: int, op: str, changed: list[str], author: str | None, origin: str | None
) -> None:
    records.append(
        con,
        viewer,
        "dialogue_notes",
        [c for c in _COLUMNS if c != "written_at"],
        dict(note, version=version),
        op=op,
        action="note_change",
        object=f"dialogue_note:{note['note_id']}",
        details={
            "institution_id": note["institution_id"],
            "school_year": schoolyear.short(note["school_year"]),
            "note_kind": note["note_kind"],
            "changed": changed,
        },
        author=author,
        origin=origin,
    )


def add_note(
    db: Path,
    viewer: Viewer,
    *,
    institution_id: str,
    school_year: int,
    note_kind: str,
    text: str,
    topic_kind: str = "institution",
    topic: str | None = None,
    action_owner: str | None = None,
    action_due: dt.date | str | None = None,
    action_status: str | None = None,
    follows_up: str | None = None,
    shared_with_council: bool = False,
    author: str | None = None,
    origin: str | None = None,
) -> str:
    """Write a new note (version 1) and return its id."""
    note_id, institution_id = uuid.uuid4().hex[:12], str(institution_id)
    note = dict(
        note_id=note_id,
        institution_id=institution_id,
        school_year=int(school_year),
        topic_kind=topic_kind,
        topic=topic,
        note_kind=note_kind,
        text=text,
        action_owner=action_owner,
        action_due=action_due,
        action_status=action_status,
        follows_up=follows_up,
        shared_with_council=shared_with_council,
    )

    def change(con) -> str:
        _check_write(viewer, institution_id, note_kind, {k: v for k, v in note.items() if v})
        known = con.execute("SELECT count(*) FROM institutions WHERE institution_id = ?", [institution_id]).fetchall()
        if known == [(0,)]:
            raise KvalitetsdialogError(f"Institution {institution_id} findes ikke.", "Ugyldigt notat")
        _store(con, viewer, _validate(con, note), 1, "add", sorted(k for k, v in note.items() if v), author, origin)
        return note_id

    return records.write(db, viewer, author, origin, change)


def _current(con, note_id: str) -> dict:
    row = con.execute(f"SELECT {_SELECT} FROM current_dialogue_notes WHERE note_id = ?", [note_id]).fetchone()
    if row is None:
        raise KvalitetsdialogError(f"Noten {note_id} findes ikke (eller er slettet).", "Ukendt note")
    return dict(zip(_COLUMNS, row))


def edit_note(
    db: Path, viewer: Viewer, note_id: str, *, author: str | None = None, origin: str | None = None, **changes
) -> int:
    """Add a version with ``changes`` applied; returns the new version number.

    ``changes`` may set text, topic_kind, topic, action_owner, action_due,
    action_status, follows_up and shared_with_council.
    """
    unknown = set(changes) - set(_EDITABLE)
    if unknown:
        raise KvalitetsdialogError(f"Kan ikke ændre {', '.join(sorted(unknown))}.", "Ugyldigt notat")

    def change(con) -> int:
        note = _current(con, note_id)
        changed = {k: v for k, v in changes.items() if v != note[k]}
        if not changed:
            return note["version"]
        _check_write(viewer, note["institution_id"], note["note_kind"], changed)
        note.update(changed)
        if viewer.role == "leader":
            note["shared_with_council"] = False
        version = note["version"] + 1
        _store(con, viewer, _validate(con, note), version, "edit", sorted(changed), author, origin)
        return version

    return records.write(db, viewer, author, origin, change)


def delete_note(db: Path, viewer: Viewer, note_id: str, *, author: str | None = None, origin: str | None = None) -> int:
    """Add a deleted version (the history stays); returns its version number."""

    def change(con) -> int:
        note = _current(con, note_id)
        _check_write(viewer, note["institution_id"], note["note_kind"], {"deleted": True})
        version = note["version"] + 1
        _store(con, viewer, note, version, "delete", ["deleted"], author, origin)
        return version

    return records.write(db, viewer, author, origin, change)


# --- reads -----------------------------------------------------------------


def _visible(viewer: Viewer, rows: list[Note]) -> list[Note]:
    return [n for n in rows if _may_read(viewer, n.institution_id, n.shared_with_council)]


def notes(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    institution_id: str | None,
    school_year: int,
    kinds: tuple[str, ...] | None = None,
) -> list[Note]:
    """The current notes of one institution (None = every institution) and year the viewer may read."""
    rows = _rows(
        con,
        f"SELECT {_SELECT} FROM current_dialogue_notes WHERE school_year = ?"
        " AND (? IS NULL OR institution_id = ?)"
        " ORDER BY institution_id, note_kind, topic_kind, topic NULLS FIRST, written_at, note_id",
        [int(school_year), institution_id, institution_id],
    )
    return [n for n in _visible(viewer, rows) if kinds is None or n.note_kind in kinds]


def open_actions(con: duckdb.DuckDBPyConnection, viewer: Viewer, institution_id: str, school_year: int) -> list[Note]:
    """Actions from earlier school years still ``åben`` or ``i gang``: carried into this year's dialogue."""
    rows = _rows(
        con,
        f"SELECT {_SELECT} FROM current_dialogue_notes WHERE note_kind = 'action'"
        " AND institution_id = ? AND school_year < ? AND list_contains(?, action_status)"
        " ORDER BY school_year DESC, action_due, note_id",
        [institution_id, int(school_year), list(OPEN_STATUSES)],
    )
    return _visible(viewer, rows)


def dialogue_years(con: duckdb.DuckDBPyConnection, viewer: Viewer) -> list[int]:
    """School years to hold a dialogue or a samtale about, newest first: years with data, notes or samtaler,
    and the next one."""
    latest = coverage.latest_year(con, viewer)
    noted = [
        r[0]
        for r in con.execute(
            "SELECT school_year FROM dialogue_notes UNION SELECT school_year FROM samtale_versions"
        ).fetchall()
    ]
    years = set(noted) | ({latest, latest + 1} if latest is not None else set())
    return sorted(years, reverse=True)


def note_history(con: duckdb.DuckDBPyConnection, viewer: Viewer, note_id: str) -> list[Note]:
    """Every version of a note the viewer may read, oldest first (deleted versions included)."""
    rows = _rows(con, f"SELECT {_SELECT} FROM dialogue_notes WHERE note_id = ? ORDER BY version", [note_id])
    return _visible(viewer, rows)

"""Dialogue notes: versioning, visibility per viewer, audit, actions carried forward."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import dialogue
from core import database
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from dialogue import add_note, delete_note, edit_note, note_history, notes, open_actions

ADMIN = Viewer.parse("administration")
LEADER = Viewer.parse("leader:999001")
OTHER_LEADER = Viewer.parse("leader:999002")
COUNCIL = Viewer.parse("council")
PUBLIC = Viewer.parse("public")


@pytest.fixture
def ndb(db):
    """An empty database with two schools of the sample municipality."""
    with database.write(db) as con:
        con.execute(
            "INSERT INTO institutions (institution_id, name, kind, municipality_code) VALUES"
            " ('999001', 'Nordskolen', 'skole', 999), ('999002', 'Sydskolen', 'skole', 999)"
        )
    return db


def read(db, fn, viewer, *args):
    with database.read(db) as con:
        return fn(con, viewer, *args)


def test_edit_adds_a_version_and_delete_keeps_history(ndb):
    note_id = add_note(
        ndb, LEADER, institution_id="999001", school_year=2024, note_kind="assessment", text="Læsning går fremad."
    )
    assert edit_note(ndb, LEADER, note_id, text="Læsning går tydeligt fremad.") == 2
    # An edit that changes nothing adds no version.
    assert edit_note(ndb, LEADER, note_id, text="Læsning går tydeligt fremad.") == 2
    [current] = read(ndb, notes, ADMIN, "999001", 2024)
    assert (current.version, current.text, current.author) == (2, "Læsning går tydeligt fremad.", "leader:999001")

    assert delete_note(ndb, ADMIN, note_id) == 3
    assert read(ndb, notes, ADMIN, "999001", 2024) == []
    history = read(ndb, note_history, ADMIN, note_id)
    assert [(n.version, n.text, n.deleted) for n in history] == [
        (1, "Læsning går fremad.", False),
        (2, "Læsning går tydeligt fremad.", False),
        (3, "Læsning går tydeligt fremad.", True),
    ]
    with pytest.raises(KvalitetsdialogError, match="findes ikke"):
        edit_note(ndb, ADMIN, note_id, text="igen")


def test_every_change_is_audited(ndb):
    note_id = add_note(
        ndb,
        ADMIN,
        institution_id="999001",
        school_year=2024,
        note_kind="administration",
        text="Fravær drøftes.",
        author="anna@eksempelby.dk",
        origin="cli",
    )
    edit_note(ndb, ADMIN, note_id, text="Fravær drøftes igen.", author="anna@eksempelby.dk")
    delete_note(ndb, ADMIN, note_id, author="bo@eksempelby.dk")
    with database.read(ndb) as con:
        rows = con.execute("SELECT who, role, action, object, details FROM audit_log ORDER BY audit_id").fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("anna@eksempelby.dk", "administration", "note_change", f"dialogue_note:{note_id}"),
        ("anna@eksempelby.dk", "administration", "note_change", f"dialogue_note:{note_id}"),
        ("bo@eksempelby.dk", "administration", "note_change", f"dialogue_note:{note_id}"),
    ]
    details = [json.loads(r[4]) for r in rows]
    assert [(d["op"], d["version"]) for d in details] == [("add", 1), ("edit", 2), ("delete", 3)]
    assert details[1]["changed"] == ["text"] and details[0]["school_year"] == "2024/25"


def test_visibility_per_viewer(ndb):
    own = add_note(
        ndb, LEADER, institution_id="999001", school_year=2024, note_kind="assessment", text="Vores vurdering."
    )
    admin_private = add_note(
        ndb, ADMIN, institution_id="999001", school_year=2024, note_kind="administration", text="Til drøftelse."
    )
    shared = add_note(
        ndb,
        ADMIN,
        institution_id="999001",
        school_year=2024,
        note_kind="action",
        text="Læseindsats i 3. klasse.",
        action_owner="Skolelederen",
        action_due="2025-06-30",
        shared_with_council=True,
    )

    def ids(viewer):
        return {n.note_id for n in read(ndb, notes, viewer, "999001", 2024)}

    assert ids(ADMIN) == {own, admin_private, shared}
    assert ids(LEADER) == {own, admin_private, shared}
    assert ids(OTHER_LEADER) == set()
    assert ids(COUNCIL) == {shared}
    assert ids(PUBLIC) == set()
    # Every institution at once: still scoped.
    assert {n.note_id for n in read(ndb, notes, OTHER_LEADER, None, 2024)} == set()
    assert read(ndb, note_history, OTHER_LEADER, own) == []
    assert read(ndb, note_history, COUNCIL, own) == []
    assert read(ndb, note_history, PUBLIC, shared) == []


@pytest.mark.parametrize(
    ("viewer", "kind", "extra", "message"),
    [
        (OTHER_LEADER, "assessment", {}, "kan ikke skrive notater for institution 999001"),
        (COUNCIL, "assessment", {}, "kan ikke skrive notater"),
        (PUBLIC, "assessment", {}, "kan ikke skrive notater"),
        (LEADER, "administration", {}, "En leder kan ikke skrive"),
        (LEADER, "action", {"action_owner": "X", "action_due": "2025-06-01"}, "En leder kan ikke skrive"),
        (LEADER, "assessment", {"shared_with_council": True}, "Kun forvaltningen kan dele"),
    ],
)
def test_forbidden_writes_change_nothing(ndb, viewer, kind, extra, message):
    with pytest.raises(KvalitetsdialogError, match=message):
        add_note(ndb, viewer, institution_id="999001", school_year=2024, note_kind=kind, text="x", **extra)
    with database.read(ndb) as con:
        assert con.execute("SELECT count(*) FROM dialogue_notes").fetchone()[0] == 0
        # Nothing written but the refusal itself, once (docs/domain.md: refusals are audited).
        assert con.execute("SELECT action, count(*) FROM audit_log GROUP BY action").fetchall() == [("denied", 1)]


def test_leader_may_only_change_an_actions_status_and_withdraws_sharing(ndb):
    action = add_note(
        ndb,
        ADMIN,
        institution_id="999001",
        school_year=2024,
        note_kind="action",
        text="Ro i timerne.",
        action_owner="Teamet",
        action_due=dt.date(2025, 3, 1),
        shared_with_council=True,
    )
    with pytest.raises(KvalitetsdialogError, match="En leder kan ikke skrive"):
        edit_note(ndb, LEADER, action, text="Noget andet.")
    with pytest.raises(KvalitetsdialogError, match="kan ikke skrive notater"):
        edit_note(ndb, OTHER_LEADER, action, action_status="i gang")
    assert edit_note(ndb, LEADER, action, action_status="i gang") == 2
    [current] = read(ndb, notes, LEADER, "999001", 2024)
    assert (current.action_status, current.shared_with_council) == ("i gang", False)
    # The council saw the approved version; the leader's edit is not approved yet.
    assert read(ndb, notes, COUNCIL, "999001", 2024) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"note_kind": "assessment", "text": "   "}, "Notatet er tomt"),
        ({"note_kind": "memo", "text": "x"}, "Ukendt notetype"),
        ({"note_kind": "assessment", "text": "x", "topic_kind": "goal"}, "Angiv hvilket mål"),
        ({"note_kind": "action", "text": "x", "action_due": "2025-01-01"}, "ansvarlig"),
        ({"note_kind": "action", "text": "x", "action_owner": "A"}, "frist"),
        ({"note_kind": "action", "text": "x", "action_owner": "A", "action_due": "1. juni"}, "ikke en dato"),
        (
            {
                "note_kind": "action",
                "text": "x",
                "action_owner": "A",
                "action_due": "2025-01-01",
                "action_status": "lukket",
            },
            "Status skal være",
        ),
        ({"note_kind": "followup", "text": "x", "follows_up": "nope"}, "pege på en aftale"),
    ],
)
def test_invalid_notes_are_refused(ndb, fields, message):
    with pytest.raises(KvalitetsdialogError, match=message):
        add_note(ndb, ADMIN, institution_id="999001", school_year=2024, **fields)
    with database.read(ndb) as con:
        assert con.execute("SELECT count(*) FROM dialogue_notes").fetchone()[0] == 0


def test_unknown_institution_is_refused(ndb):
    with pytest.raises(KvalitetsdialogError, match="Institution 123456 findes ikke"):
        add_note(ndb, ADMIN, institution_id="123456", school_year=2024, note_kind="assessment", text="x")


def test_open_actions_are_carried_to_the_next_year(ndb):
    def action(year, text, status, inst="999001"):
        return add_note(
            ndb,
            ADMIN,
            institution_id=inst,
            school_year=year,
            note_kind="action",
            text=text,
            action_owner="Skolelederen",
            action_due=f"{year + 1}-06-30",
            action_status=status,
        )

    open_2023 = action(2023, "Læsebånd", "åben")
    going_2023 = action(2023, "Fraværsopfølgning", "i gang")
    done_2023 = action(2023, "Ny legeplads", "gennemført")
    action(2023, "Lektiecafé", "opgivet")
    action(2023, "Andet", "åben", inst="999002")
    this_year = action(2024, "Ny aftale", "åben")

    carried = read(ndb, open_actions, ADMIN, "999001", 2024)
    assert {n.note_id for n in carried} == {open_2023, going_2023}
    assert {n.note_id for n in read(ndb, open_actions, LEADER, "999001", 2024)} == {open_2023, going_2023}
    assert read(ndb, open_actions, OTHER_LEADER, "999001", 2024) == []
    assert {n.note_id for n in read(ndb, open_actions, ADMIN, "999001", 2025)} == {open_2023, going_2023, this_year}

    # The leader follows up at the next dialogue; the action closes and is no longer carried.
    followup = add_note(
        ndb,
        LEADER,
        institution_id="999001",
        school_year=2024,
        note_kind="followup",
        text="Læsebåndet kører i alle klasser.",
        follows_up=open_2023,
    )
    edit_note(ndb, LEADER, open_2023, action_status="gennemført")
    assert {n.note_id for n in read(ndb, open_actions, ADMIN, "999001", 2024)} == {going_2023}
    [fu] = read(ndb, notes, LEADER, "999001", 2024, ("followup",))
    assert (fu.note_id, fu.follows_up) == (followup, open_2023)
    # A follow-up must point at an action of the same institution.
    with pytest.raises(KvalitetsdialogError, match="pege på en aftale"):
        add_note(
            ndb, ADMIN, institution_id="999002", school_year=2024, note_kind="followup", text="x", follows_up=done_2023
        )


_CHANGES = {"text": "Ny tekst.", "action_status": "i gang", "shared_with_council": True}


def _note(kind: str, year: int = 2024, action_id: str | None = None) -> dict:
    """A note of this kind for school 999001, with what the kind needs beside its text."""
    extra = {"action": {"action_owner": "Bo", "action_due": f"{year + 1}-06-30"}, "followup": {"follows_up": action_id}}
    return {"institution_id": "999001", "school_year": year, "note_kind": kind, "text": "Tekst.", **extra.get(kind, {})}


def _adds(db, viewer, kind, action_id) -> bool:
    try:
        add_note(db, viewer, **_note(kind, action_id=action_id))
    except KvalitetsdialogError:
        return False
    return True


@pytest.mark.parametrize("viewer", [ADMIN, LEADER, OTHER_LEADER, COUNCIL, PUBLIC], ids=str)
@pytest.mark.parametrize("kind", ["assessment", "administration", "action", "followup"])
def test_what_the_page_offers_is_exactly_what_the_write_allows(ndb, viewer, kind):
    """may_edit, editable, may_delete and writable_kinds answer from the rule edit_note and delete_note enforce."""
    action_id = add_note(ndb, ADMIN, **_note("action", 2023))
    note_id = add_note(ndb, ADMIN, **_note(kind, action_id=action_id))
    [note] = [n for n in read(ndb, notes, ADMIN, "999001", 2024) if n.note_id == note_id]
    offered = dialogue.editable(viewer, note)
    assert dialogue.may_edit(viewer, note) == bool(offered)
    for field, value in _CHANGES.items():
        if field == "action_status" and kind != "action":
            continue  # only an action has a status
        if field in offered:
            edit_note(ndb, viewer, note_id, **{field: value})
        else:
            with pytest.raises(KvalitetsdialogError):
                edit_note(ndb, viewer, note_id, **{field: value})
    assert (kind in dialogue.writable_kinds(viewer, "999001")) == _adds(ndb, viewer, kind, action_id)
    if dialogue.may_delete(viewer, note):
        delete_note(ndb, viewer, note_id)
    else:
        with pytest.raises(KvalitetsdialogError):
            delete_note(ndb, viewer, note_id)

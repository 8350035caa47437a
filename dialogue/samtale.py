"""The skoleudviklingssamtale (folkeskoleloven § 40 a): one a school and school year, versioned and audited.

A samtale holds its date and whether it was held, who took part (the school's
leadership, the administration, council members, a parent from the school
board), the school's proposal of development areas and its own assessment,
the referat, the new agreements (what, who, by when, status), and the
follow-up on the agreements of the previous samtale, which are carried
forward automatically (with any older agreement still open). The council's
strategic frame for the year is kept once for all schools and shown on every
samtale. The mandatory test results come from the engine
(``dialogue.mandatory_tests``). Daycare keeps the free dialogue (notes).

Why tables of its own rather than dialogue notes: a samtale is one record the
administration shares with the council as a whole, and its follow-up is "the
agreements of the previous samtale". As notes, each agreement would carry its
own sharing and the Dialog page would list the samtale's agreements a second
time. What both share (a change and its audit entry in one transaction, dates
as typed, refusals on the record) lives in ``dialogue.records``.

Who may do what (as for notes; docs/domain.md, "Who sees what"):

- the administration prepares and records everything and keeps the frame;
- the leader of the school writes the proposal of development areas and the
  school's assessment, and may set the status of an agreement. A leader's
  text withdraws the council's sharing until the administration shares again
  (the council sees what the administration approved); a status is a fact to
  follow, not a text to approve, so it does not;
- the council reads the samtaler the administration shared (and the frame);
- the public reads nothing of it;
- a samtale is held only with the own municipality's schools: another
  municipality's school (loaded for comparison) is refused, whoever asks,
  since its test results are confidential outside it.

Every refusal (a leader asking for another school's samtale, a leader
writing the referat, the council or the public writing anything) raises
``AccessDenied``; writes record it in the audit log here, reads through the
caller that holds the database path (``dashboards.context``, the commands).

>>> from core.viewer import Viewer
>>> check_read(Viewer.parse("leader:999001"), "999001", 2024) is None
True
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb

from core import danish, schoolyear
from core.errors import AccessDenied, KvalitetsdialogError
from core.viewer import Viewer
from dialogue import records
from dialogue.notes import ACTION_STATUSES, OPEN_STATUSES

PARTICIPANTS: dict[str, str] = {
    "leader_names": "Skolens ledelse",
    "administration_names": "Forvaltningen",
    "council_names": "Kommunalbestyrelsen",
    "parent_names": "Forælder fra skolebestyrelsen",
    "other_names": "Andre",
}
LEADER_FIELDS = ("development_areas", "school_assessment")
SAMTALE_FIELDS = ("held_on", "held", *PARTICIPANTS, *LEADER_FIELDS, "summary", "shared_with_council")
AGREEMENT_FIELDS = ("text", "owner", "due", "status", "followup")
_INVALID = "Ugyldig samtale"


@dataclass(frozen=True)
class Samtale:
    """One version of a samtale, as stored in ``samtale_versions``."""

    samtale_id: str
    version: int
    institution_id: str
    school_year: int
    held_on: dt.date | None
    held: bool
    leader_names: str | None
    administration_names: str | None
    council_names: str | None
    parent_names: str | None
    other_names: str | None
    development_areas: str | None
    school_assessment: str | None
    summary: str | None
    shared_with_council: bool
    deleted: bool
    author: str | None
    author_role: str | None
    written_at: dt.datetime

    @property
    def state(self) -> str:
        """``Afholdt``, ``Planlagt`` (a date, not held yet) or ``Ikke planlagt``."""
        return "Afholdt" if self.held else ("Planlagt" if self.held_on else "Ikke planlagt")

    @property
    def when(self) -> str:
        """The state with its date: ``Afholdt 12.11.2024``."""
        return self.state + (f" {danish.date(self.held_on)}" if self.held_on else "")

    @property
    def participants(self) -> list[tuple[str, str]]:
        """(role, names) for every role with names written, in the order of ``PARTICIPANTS``."""
        return [(label, getattr(self, f)) for f, label in PARTICIPANTS.items() if getattr(self, f)]

    @property
    def areas(self) -> list[str]:
        """The proposed development areas, one a line."""
        return lines(self.development_areas)


@dataclass(frozen=True)
class Agreement:
    """One version of an agreement, as stored in ``samtale_agreement_versions``."""

    agreement_id: str
    version: int
    samtale_id: str
    institution_id: str
    school_year: int
    text: str
    owner: str
    due: dt.date
    status: str
    followup: str | None
    deleted: bool
    author: str | None
    author_role: str | None
    written_at: dt.datetime

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATUSES


@dataclass(frozen=True)
class StrategicFrame:
    """The council's strategic frame for a school year: the topics it adds to every samtale."""

    municipality_code: int
    school_year: int
    version: int
    topics: str
    author: str | None
    author_role: str | None
    written_at: dt.datetime

    @property
    def topic_list(self) -> list[str]:
        return lines(self.topics)


@dataclass(frozen=True)
class SchoolSamtale:
    """Everything a viewer may see of one school's samtale in one school year."""

    institution_id: str
    institution_name: str
    municipality_code: int
    school_year: int
    samtale: Samtale | None  # None: not prepared yet, or (for the council) not shared
    frame: StrategicFrame | None
    agreements: list[Agreement]  # agreed in this samtale
    followup: list[Agreement]  # the previous samtale's agreements, and older ones still open
    previous_year: int | None  # the school year of the previous samtale


@dataclass(frozen=True)
class OverviewRow:
    """One school in the council's overview of a school year."""

    institution_id: str
    name: str
    district: str | None
    samtale: Samtale | None
    open_agreements: list[Agreement]


_SAMTALE_COLUMNS = [f.name for f in fields(Samtale)]
_AGREEMENT_COLUMNS = [f.name for f in fields(Agreement)]
_FRAME_COLUMNS = [f.name for f in fields(StrategicFrame)]


def lines(text: str | None) -> list[str]:
    """The non-empty lines of a text, stripped (a list written one item a line).

    >>> lines("Læsning\\n\\n  Trivsel i udskolingen ")
    ['Læsning', 'Trivsel i udskolingen']
    """
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- who may do what -------------------------------------------------------


def check_read(viewer: Viewer, institution_id: str, school_year: int) -> None:
    """Raise unless the viewer may ask for this school's samtale (the council then sees only what is shared)."""
    if viewer.role in ("administration", "council") or viewer.leads(institution_id):
        return
    message = (
        "Skoleudviklingssamtaler er ikke offentlige."
        if viewer.role == "public"
        else f"Du har ikke adgang til skoleudviklingssamtalen for institution {institution_id}."
    )
    raise AccessDenied(message, f"samtale:{institution_id}:{school_year}")


def _may_read(viewer: Viewer, samtale: Samtale) -> bool:
    return viewer.role != "council" or samtale.shared_with_council


# What a leader may write of their own school's samtale, by kind of write; the administration writes all.
_LEADER_MAY: dict[str, set[str]] = {"proposal": set(LEADER_FIELDS), "status": {"status"}}


def may_write(viewer: Viewer, institution_id: str, what: str) -> bool:
    """Whether the viewer may write ``what`` of this school's samtale: ``record`` (prepare and record it, its
    agreements and their follow-up), ``proposal`` (development areas and assessment), ``status`` (of an
    agreement) or ``frame`` (the strategic frame, the same for every school)."""
    return viewer.role == "administration" or (viewer.leads(institution_id) and what in _LEADER_MAY)


def needs_approval(viewer: Viewer) -> bool:
    """Whether the viewer's text withdraws the council's sharing until the administration shares again."""
    return viewer.role == "leader"


def sees_history(viewer: Viewer, institution_id: str) -> bool:
    """Every version of a samtale is for the administration and the school's own leader."""
    return viewer.role == "administration" or viewer.leads(institution_id)


def sees_overview(viewer: Viewer) -> bool:
    """The overview of every school's samtale is for the administration and the council."""
    return viewer.role in ("administration", "council")


def _check_write(viewer: Viewer, institution_id: str, object: str, changes: set[str], leader_may: str = "") -> None:
    """Raise ``AccessDenied`` unless the viewer may make these changes (a leader: those of ``leader_may``)."""
    if may_write(viewer, institution_id, "record"):
        return
    if viewer.leads(institution_id):
        if leader_may and changes <= _LEADER_MAY[leader_may]:
            return
        raise AccessDenied(
            "En leder kan skrive skolens forslag til udviklingsområder og skolens vurdering og ændre status på "
            "en aftale; resten skriver forvaltningen.",
            object,
        )
    raise AccessDenied(f"Du kan ikke ændre skoleudviklingssamtalen for institution {institution_id}.", object)


# --- validation ------------------------------------------------------------


def _text(value) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _validate_samtale(samtale: dict) -> dict:
    for name in (*PARTICIPANTS, *LEADER_FIELDS, "summary"):
        samtale[name] = _text(samtale.get(name))
    samtale["held_on"] = records.date_or_none(samtale.get("held_on"), "Datoen", _INVALID)
    samtale["held"] = bool(samtale.get("held"))
    samtale["shared_with_council"] = bool(samtale.get("shared_with_council"))
    year = samtale["school_year"]
    first, last = dt.date(year, 8, 1), dt.date(year + 1, 7, 31)
    if samtale["held_on"] is not None and not first <= samtale["held_on"] <= last:
        raise KvalitetsdialogError(
            f"Datoen {danish.date(samtale['held_on'])} ligger ikke i skoleåret {schoolyear.short(year)} "
            f"({danish.date(first)} – {danish.date(last)}).",
            _INVALID,
        )
    if samtale["held"] and samtale["held_on"] is None:
        raise KvalitetsdialogError("En afholdt samtale skal have en dato.", _INVALID)
    return samtale


def _validate_agreement(agreement: dict) -> dict:
    bad = lambda msg: KvalitetsdialogError(msg, "Ugyldig aftale")  # noqa: E731
    agreement["text"] = _text(agreement.get("text"))
    agreement["owner"] = _text(agreement.get("owner"))
    agreement["followup"] = _text(agreement.get("followup"))
    agreement["due"] = records.date_or_none(agreement.get("due"), "Fristen", "Ugyldig aftale")
    agreement["status"] = agreement.get("status") or "åben"
    if not agreement["text"]:
        raise bad("Skriv, hvad I aftaler.")
    if not agreement["owner"]:
        raise bad("En aftale skal have en ansvarlig (hvem).")
    if agreement["due"] is None:
        raise bad("En aftale skal have en frist (hvornår).")
    if agreement["status"] not in ACTION_STATUSES:
        raise bad(f"Status skal være en af: {', '.join(ACTION_STATUSES)}.")
    return agreement


# --- writes ----------------------------------------------------------------


def _details(row: dict, changed) -> dict:
    return {
        "institution_id": row["institution_id"],
        "school_year": schoolyear.short(row["school_year"]),
        "changed": sorted(changed),
    }


def _append_samtale(con, viewer, row: dict, op: str, changed, author, origin) -> None:
    records.append(
        con,
        viewer,
        "samtale_versions",
        _SAMTALE_COLUMNS[:-1],  # written_at: the database's clock
        row,
        op=op,
        action="samtale_change",
        object=f"samtale:{row['samtale_id']}",
        details=_details(row, changed),
        author=author,
        origin=origin,
    )


def _append_agreement(con, viewer, row: dict, op: str, changed, author, origin) -> None:
    records.append(
        con,
        viewer,
        "samtale_agreement_versions",
        _AGREEMENT_COLUMNS[:-1],
        row,
        op=op,
        action="samtale_change",
        object=f"samtale_agreement:{row['agreement_id']}",
        details=_details(row, changed) | {"samtale_id": row["samtale_id"]},
        author=author,
        origin=origin,
    )


def _current(con, view: str, key: str, value: str, columns: list[str], what: str) -> dict:
    row = con.execute(f"SELECT {', '.join(columns)} FROM {view} WHERE {key} = ?", [value]).fetchone()
    if row is None:
        raise KvalitetsdialogError(f"{what} {value} findes ikke (eller er slettet).", "Findes ikke")
    return dict(zip(columns, row))


def create_samtale(
    db: Path,
    viewer: Viewer,
    *,
    institution_id: str,
    school_year: int,
    author: str | None = None,
    origin: str | None = None,
    **values,
) -> str:
    """Prepare a school's samtale for a school year (administration); returns its id.

    ``values`` may set any of ``SAMTALE_FIELDS`` (e.g. ``held_on`` and the participants).
    """
    institution_id, school_year = str(institution_id), int(school_year)
    unknown = set(values) - set(SAMTALE_FIELDS)
    if unknown:
        raise KvalitetsdialogError(f"Ukendte felter: {', '.join(sorted(unknown))}.", _INVALID)
    samtale = dict(values, samtale_id=uuid.uuid4().hex[:12], institution_id=institution_id, school_year=school_year)

    def change(con) -> str:
        _check_write(viewer, institution_id, f"samtale:{institution_id}:{school_year}", {"create"})
        school = con.execute(
            "SELECT name, kind, municipality_code FROM institutions WHERE institution_id = ?", [institution_id]
        ).fetchone()
        if school is None:
            raise KvalitetsdialogError(f"Institution {institution_id} findes ikke.", _INVALID)
        records.check_own_municipality(school[2], institution_id, f"samtale:{institution_id}:{school_year}")
        if school[1] != "skole":
            raise KvalitetsdialogError(
                f"{school[0]} er et dagtilbud: skoleudviklingssamtalen holdes med skoler (dagtilbud bruger Dialog).",
                _INVALID,
            )
        exists = con.execute(
            "SELECT count(*) FROM current_samtaler WHERE institution_id = ? AND school_year = ?",
            [institution_id, school_year],
        ).fetchone()[0]
        if exists:
            raise KvalitetsdialogError(
                f"{school[0]} har allerede en skoleudviklingssamtale i {schoolyear.short(school_year)}.", _INVALID
            )
        row = _validate_samtale(samtale) | {"version": 1}
        _append_samtale(con, viewer, row, "add", [k for k in values if row.get(k)], author, origin)
        return samtale["samtale_id"]

    return records.write(db, viewer, author, origin, change)


def edit_samtale(
    db: Path, viewer: Viewer, samtale_id: str, *, author: str | None = None, origin: str | None = None, **changes
) -> int:
    """Add a version with ``changes`` (any of ``SAMTALE_FIELDS``) applied; returns the version number."""
    unknown = set(changes) - set(SAMTALE_FIELDS)
    if unknown:
        raise KvalitetsdialogError(f"Kan ikke ændre {', '.join(sorted(unknown))}.", _INVALID)

    def change(con) -> int:
        samtale = _current(con, "current_samtaler", "samtale_id", samtale_id, _SAMTALE_COLUMNS, "Samtalen")
        candidate = _validate_samtale(dict(samtale, **changes))
        changed = {k for k in changes if candidate[k] != samtale[k]}
        if not changed:
            return samtale["version"]
        _check_write(viewer, samtale["institution_id"], f"samtale:{samtale_id}", changed, "proposal")
        if needs_approval(viewer):
            candidate["shared_with_council"] = False  # the council sees what the administration approved
        candidate["version"] = samtale["version"] + 1
        _append_samtale(con, viewer, candidate, "edit", changed, author, origin)
        return candidate["version"]

    return records.write(db, viewer, author, origin, change)


def delete_samtale(
    db: Path, viewer: Viewer, samtale_id: str, *, author: str | None = None, origin: str | None = None
) -> int:
    """Add a deleted version (administration; the history stays); its agreements go with it."""

    def change(con) -> int:
        samtale = _current(con, "current_samtaler", "samtale_id", samtale_id, _SAMTALE_COLUMNS, "Samtalen")
        _check_write(viewer, samtale["institution_id"], f"samtale:{samtale_id}", {"deleted"})
        samtale["version"] += 1
        _append_samtale(con, viewer, samtale, "delete", ["deleted"], author, origin)
        return samtale["version"]

    return records.write(db, viewer, author, origin, change)


def add_agreement(
    db: Path,
    viewer: Viewer,
    samtale_id: str,
    *,
    text: str,
    owner: str,
    due: dt.date | str,
    status: str = "åben",
    author: str | None = None,
    origin: str | None = None,
) -> str:
    """Record a new agreement of a samtale (administration); returns its id."""

    def change(con) -> str:
        samtale = _current(con, "current_samtaler", "samtale_id", samtale_id, _SAMTALE_COLUMNS, "Samtalen")
        agreement_id = uuid.uuid4().hex[:12]
        _check_write(viewer, samtale["institution_id"], f"samtale:{samtale_id}", {"agreement"})
        row = _validate_agreement(
            {
                "agreement_id": agreement_id,
                "version": 1,
                "samtale_id": samtale_id,
                "institution_id": samtale["institution_id"],
                "school_year": samtale["school_year"],
                "text": text,
                "owner": owner,
                "due": due,
                "status": status,
                "followup": None,
            }
        )
        _append_agreement(con, viewer, row, "add", ["text", "owner", "due", "status"], author, origin)
        return agreement_id

    return records.write(db, viewer, author, origin, change)


def edit_agreement(
    db: Path, viewer: Viewer, agreement_id: str, *, author: str | None = None, origin: str | None = None, **changes
) -> int:
    """Add a version with ``changes`` (any of ``AGREEMENT_FIELDS``) applied; a leader may change the status only."""
    unknown = set(changes) - set(AGREEMENT_FIELDS)
    if unknown:
        raise KvalitetsdialogError(f"Kan ikke ændre {', '.join(sorted(unknown))}.", "Ugyldig aftale")

    def change(con) -> int:
        agreement = _current(
            con, "current_samtale_agreements", "agreement_id", agreement_id, _AGREEMENT_COLUMNS, "Aftalen"
        )
        candidate = _validate_agreement(dict(agreement, **changes))
        changed = {k for k in changes if candidate[k] != agreement[k]}
        if not changed:
            return agreement["version"]
        _check_write(viewer, agreement["institution_id"], f"samtale_agreement:{agreement_id}", changed, "status")
        candidate["version"] = agreement["version"] + 1
        _append_agreement(con, viewer, candidate, "edit", changed, author, origin)
        return candidate["version"]

    return records.write(db, viewer, author, origin, change)


def delete_agreement(
    db: Path, viewer: Viewer, agreement_id: str, *, author: str | None = None, origin: str | None = None
) -> int:
    """Add a deleted version of an agreement (administration; the history stays)."""

    def change(con) -> int:
        agreement = _current(
            con, "current_samtale_agreements", "agreement_id", agreement_id, _AGREEMENT_COLUMNS, "Aftalen"
        )
        _check_write(viewer, agreement["institution_id"], f"samtale_agreement:{agreement_id}", {"deleted"})
        agreement["version"] += 1
        _append_agreement(con, viewer, agreement, "delete", ["deleted"], author, origin)
        return agreement["version"]

    return records.write(db, viewer, author, origin, change)


def save_strategic_frame(
    db: Path,
    viewer: Viewer,
    *,
    kommune: int,
    school_year: int,
    topics: str | list[str],
    author: str | None = None,
    origin: str | None = None,
) -> int:
    """Keep the council's strategic frame for a school year (administration); returns the version number.

    ``topics`` is a list or a text with one topic a line; an empty frame is a version too.
    """
    kommune, school_year = int(kommune), int(school_year)
    text = "\n".join(lines("\n".join(topics) if isinstance(topics, list) else topics))
    object = f"strategic_frame:{kommune}:{school_year}"

    def change(con) -> int:
        if not may_write(viewer, "", "frame"):
            raise AccessDenied("Kun forvaltningen fører kommunalbestyrelsens strategiske ramme.", object)
        current = con.execute(
            "SELECT max(version), arg_max(topics, version) FROM strategic_frame_versions"
            " WHERE municipality_code = ? AND school_year = ?",
            [kommune, school_year],
        ).fetchone()
        if current[0] is not None and current[1] == text:
            return current[0]
        row = {"municipality_code": kommune, "school_year": school_year, "version": (current[0] or 0) + 1}
        row["topics"] = text
        records.append(
            con,
            viewer,
            "strategic_frame_versions",
            _FRAME_COLUMNS[:-1],
            row,
            op="add" if row["version"] == 1 else "edit",
            action="samtale_change",
            object=object,
            details={"school_year": schoolyear.short(school_year), "topics": len(lines(text))},
            author=author,
            origin=origin,
        )
        return row["version"]

    return records.write(db, viewer, author, origin, change)


# --- reads -----------------------------------------------------------------


def _samtaler(con, where: str, params: list) -> list[Samtale]:
    sql = f"SELECT {', '.join(_SAMTALE_COLUMNS)} FROM current_samtaler WHERE {where} ORDER BY school_year, samtale_id"
    return [Samtale(*row) for row in con.execute(sql, params).fetchall()]


def _agreements(con, where: str, params: list) -> list[Agreement]:
    sql = (
        f"SELECT {', '.join(_AGREEMENT_COLUMNS)} FROM current_samtale_agreements"
        f" WHERE samtale_id IN (SELECT samtale_id FROM current_samtaler) AND {where}"
        " ORDER BY school_year DESC, due, written_at, agreement_id"
    )
    return [Agreement(*row) for row in con.execute(sql, params).fetchall()]


def strategic_frame(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, kommune: int, school_year: int
) -> StrategicFrame | None:
    """The council's strategic frame for a school year (None: none kept yet); not for the public."""
    if viewer.role == "public":
        raise AccessDenied("Skoleudviklingssamtaler er ikke offentlige.", f"strategic_frame:{kommune}:{school_year}")
    row = con.execute(
        f"SELECT {', '.join(_FRAME_COLUMNS)} FROM strategic_frame_versions"
        " WHERE municipality_code = ? AND school_year = ? ORDER BY version DESC LIMIT 1",
        [int(kommune), int(school_year)],
    ).fetchone()
    return StrategicFrame(*row) if row else None


def school_samtale(
    con: duckdb.DuckDBPyConnection, viewer: Viewer, institution_id: str, school_year: int, kommune: int | None = None
) -> SchoolSamtale:
    """One school's samtale in one school year, with the frame, its agreements and the follow-up
    (``kommune``: the own municipality, else the configured one)."""
    institution_id, school_year = str(institution_id), int(school_year)
    check_read(viewer, institution_id, school_year)
    school = con.execute(
        "SELECT name, kind, municipality_code FROM institutions WHERE institution_id = ?", [institution_id]
    ).fetchone()
    if school is None or school[1] != "skole":
        raise KvalitetsdialogError(
            f"Institution {institution_id} er ikke en skole: skoleudviklingssamtalen holdes med skoler.",
            "Ingen samtale",
        )
    records.check_own_municipality(school[2], institution_id, f"samtale:{institution_id}:{school_year}", kommune)
    found = _samtaler(con, "institution_id = ? AND school_year = ?", [institution_id, school_year])
    samtale = found[0] if found and _may_read(viewer, found[0]) else None
    shown = samtale is not None or viewer.role != "council"  # the follow-up is part of what the council is shown
    previous = _samtaler(con, "institution_id = ? AND school_year < ?", [institution_id, school_year])
    previous_id = previous[-1].samtale_id if previous else None
    followup = _agreements(
        con,
        "institution_id = ? AND school_year < ? AND (samtale_id = ? OR list_contains(?, status))",
        [institution_id, school_year, previous_id, list(OPEN_STATUSES)],
    )
    return SchoolSamtale(
        institution_id=institution_id,
        institution_name=school[0],
        municipality_code=school[2],
        school_year=school_year,
        samtale=samtale,
        frame=strategic_frame(con, viewer, school[2], school_year),
        agreements=_agreements(con, "samtale_id = ?", [samtale.samtale_id]) if samtale else [],
        followup=followup if shown else [],
        previous_year=previous[-1].school_year if previous and shown else None,
    )


def _history(con, viewer: Viewer, table: str, key: str, value: str, columns: list[str], cls) -> list:
    rows = con.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = ? ORDER BY version", [value]).fetchall()
    history = [cls(*row) for row in rows]
    if history and not sees_history(viewer, history[0].institution_id):
        raise AccessDenied("Kun forvaltningen og skolens leder ser historikken.", f"{table}:{value}")
    return history


def samtale_history(con: duckdb.DuckDBPyConnection, viewer: Viewer, samtale_id: str) -> list[Samtale]:
    """Every version of a samtale, oldest first, deleted ones included (administration and the school's leader)."""
    return _history(con, viewer, "samtale_versions", "samtale_id", samtale_id, _SAMTALE_COLUMNS, Samtale)


def agreement_history(con: duckdb.DuckDBPyConnection, viewer: Viewer, agreement_id: str) -> list[Agreement]:
    """Every version of an agreement, oldest first (administration and the school's leader)."""
    return _history(
        con, viewer, "samtale_agreement_versions", "agreement_id", agreement_id, _AGREEMENT_COLUMNS, Agreement
    )


def overview(con: duckdb.DuckDBPyConnection, viewer: Viewer, kommune: int, school_year: int) -> list[OverviewRow]:
    """Per school of the municipality: this year's samtale (held, date, development areas) and open agreements.

    For the administration and the council; the council sees only what the administration shared.
    """
    if not sees_overview(viewer):
        raise AccessDenied(
            "Overblikket over skoleudviklingssamtalerne er for forvaltningen og kommunalbestyrelsen.",
            f"samtale_overview:{kommune}:{school_year}",
        )
    schools = con.execute(
        "SELECT institution_id, name, district FROM institutions WHERE kind = 'skole' AND municipality_code = ?"
        " ORDER BY name, institution_id",
        [int(kommune)],
    ).fetchall()
    ids = [s[0] for s in schools]
    if not ids:
        return []
    samtaler = [s for s in _samtaler(con, "list_contains(?, institution_id)", [ids]) if _may_read(viewer, s)]
    visible = {s.samtale_id for s in samtaler}
    this_year = {s.institution_id: s for s in samtaler if s.school_year == int(school_year)}
    open_ = [
        a
        for a in _agreements(
            con,
            "list_contains(?, institution_id) AND school_year <= ? AND list_contains(?, status)",
            [ids, int(school_year), list(OPEN_STATUSES)],
        )
        if a.samtale_id in visible
    ]
    return [
        OverviewRow(i, name, district, this_year.get(i), [a for a in open_ if a.institution_id == i])
        for i, name, district in schools
    ]

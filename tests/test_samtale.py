"""The skoleudviklingssamtale's data layer: versions, audit, follow-up carried forward, access per viewer, tests."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from core import database
from core.errors import AccessDenied, KvalitetsdialogError
from core.viewer import Viewer
from dialogue import samtale as s
from dialogue.mandatory_tests import mandatory_tests
from indicators import Value

ADMIN = Viewer.parse("administration")
LEADER = Viewer.parse("leader:999001")
OTHER_LEADER = Viewer.parse("leader:999002")
COUNCIL = Viewer.parse("council")
PUBLIC = Viewer.parse("public")


@pytest.fixture
def sdb(db):
    """Two schools and a daycare of Eksempelby, with hand-made national test results.

    Nordskolen (999001), grade 4 reading, levels 1..6:
      2019/20 (tested on a sample only, another comparable group): 1, 1, 1, 3, 2, 2 (10 tested)
      2020/21: 1, 2, 3, 6, 5, 3 (20 tested) -> good (levels 4-6) 14 / 20 = 70 %
      2021/22: 0, 1, 1, 4, 2, 2 (10 tested) -> good 8 / 10 = 80 %
    Nordskolen, grade 6 maths 2021/22: 3 tested (fewer than 5: withheld; and so is what would give it back).
    Sydskolen (999002), grade 4 reading 2021/22: 3, 3, 6, 9, 6, 3 (30 tested) -> good 18 / 30.
    The municipality, reading 2021/22: (8 + 18) / (10 + 30) = 26 / 40 = 65 %.
    """
    with database.write(db) as con:
        con.execute(
            "INSERT INTO institutions (institution_id, name, kind, municipality_code) VALUES"
            " ('999001', 'Nordskolen', 'skole', 999), ('999002', 'Sydskolen', 'skole', 999),"
            " ('DT01', 'Mælkebøtten', 'dagtilbud', 999)"
        )
        con.executemany(
            "INSERT INTO test_aggregates VALUES (1, ?, ?, ?, ?, 'national_test', ?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                ["999001", 2019, 4, "dansk_laesning", 10, 1, 1, 1, 3, 2, 2],
                ["999001", 2020, 4, "dansk_laesning", 20, 1, 2, 3, 6, 5, 3],
                ["999001", 2021, 4, "dansk_laesning", 10, 0, 1, 1, 4, 2, 2],
                ["999001", 2021, 6, "matematik", 3, 0, 1, 1, 1, 0, 0],
                ["999002", 2021, 4, "dansk_laesning", 30, 3, 3, 6, 9, 6, 3],
            ],
        )
    return db


def read(db, fn, viewer, *args):
    with database.read(db) as con:
        return fn(con, viewer, *args)


def audit_rows(db, action=None):
    with database.read(db) as con:
        return con.execute(
            "SELECT who, role, action, object, details FROM audit_log"
            + (" WHERE action = ?" if action else "")
            + " ORDER BY audit_id",
            [action] if action else [],
        ).fetchall()


def prepared(db, institution_id="999001", year=2021, **values) -> str:
    return s.create_samtale(db, ADMIN, institution_id=institution_id, school_year=year, **values)


def test_a_samtale_is_versioned_and_nothing_is_overwritten(sdb):
    samtale_id = prepared(sdb, held_on="2021-11-10", leader_names="Anne Jensen, skoleleder")
    assert s.edit_samtale(sdb, LEADER, samtale_id, development_areas="Læsning\nTrivsel") == 2
    assert s.edit_samtale(sdb, ADMIN, samtale_id, held=True, summary="Vi drøftede læsning.") == 3
    # A change that changes nothing adds no version (whitespace is not a change).
    assert s.edit_samtale(sdb, ADMIN, samtale_id, summary="  Vi drøftede læsning. ") == 3

    school = read(sdb, s.school_samtale, ADMIN, "999001", 2021)
    current = school.samtale
    assert (current.version, current.held, current.held_on, current.areas) == (
        3,
        True,
        dt.date(2021, 11, 10),
        ["Læsning", "Trivsel"],
    )
    assert current.when == "Afholdt 10.11.2021"
    assert current.participants == [("Skolens ledelse", "Anne Jensen, skoleleder")]

    assert s.delete_samtale(sdb, ADMIN, samtale_id) == 4
    assert read(sdb, s.school_samtale, ADMIN, "999001", 2021).samtale is None
    history = read(sdb, s.samtale_history, ADMIN, samtale_id)
    assert [(h.version, h.author_role, h.deleted) for h in history] == [
        (1, "administration", False),
        (2, "leader", False),
        (3, "administration", False),
        (4, "administration", True),
    ]
    assert history[0].development_areas is None and history[1].development_areas == "Læsning\nTrivsel"
    # Deleted, the school can be given a new samtale for the year.
    assert prepared(sdb) != samtale_id


def test_every_change_is_audited_with_what_changed(sdb):
    samtale_id = prepared(sdb, held_on="2021-11-10")
    s.edit_samtale(sdb, LEADER, samtale_id, school_assessment="Fremgang i læsning.", author="anne@eksempelby.dk")
    agreement = s.add_agreement(sdb, ADMIN, samtale_id, text="Læsebånd", owner="Skolelederen", due="2022-06-30")
    s.edit_agreement(sdb, LEADER, agreement, status="i gang")
    s.save_strategic_frame(sdb, ADMIN, kommune=999, school_year=2021, topics=["Læsning", "Fravær"], origin="cli")
    rows = audit_rows(sdb)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("administration", "administration", "samtale_change", f"samtale:{samtale_id}"),
        ("anne@eksempelby.dk", "leader", "samtale_change", f"samtale:{samtale_id}"),
        ("administration", "administration", "samtale_change", f"samtale_agreement:{agreement}"),
        ("leader:999001", "leader", "samtale_change", f"samtale_agreement:{agreement}"),
        ("administration", "administration", "samtale_change", "strategic_frame:999:2021"),
    ]
    details = [json.loads(r[4]) for r in rows]
    assert details[0] == {
        "op": "add",
        "version": 1,
        "institution_id": "999001",
        "school_year": "2021/22",
        "changed": ["held_on"],
    }
    assert (details[1]["version"], details[1]["changed"]) == (2, ["school_assessment"])
    assert (details[3]["op"], details[3]["changed"], details[3]["samtale_id"]) == ("edit", ["status"], samtale_id)
    assert details[4] == {"op": "add", "version": 1, "school_year": "2021/22", "topics": 2}


def test_a_rejected_change_writes_neither_a_version_nor_an_audit_entry(sdb):
    samtale_id = prepared(sdb)
    before = audit_rows(sdb)
    with pytest.raises(KvalitetsdialogError, match="ligger ikke i skoleåret 2021/22"):
        s.edit_samtale(sdb, ADMIN, samtale_id, held_on="2023-01-05")
    with pytest.raises(KvalitetsdialogError, match="En afholdt samtale skal have en dato"):
        s.edit_samtale(sdb, ADMIN, samtale_id, held=True)
    with pytest.raises(KvalitetsdialogError, match="ansvarlig"):
        s.add_agreement(sdb, ADMIN, samtale_id, text="Læsebånd", owner=" ", due="2022-06-30")
    with pytest.raises(KvalitetsdialogError, match="Status skal være"):
        s.add_agreement(sdb, ADMIN, samtale_id, text="Læsebånd", owner="A", due="2022-06-30", status="lukket")
    with pytest.raises(KvalitetsdialogError, match=r"Fristen '30\. juni' er ikke en dato"):
        s.add_agreement(sdb, ADMIN, samtale_id, text="Læsebånd", owner="A", due="30. juni")
    with pytest.raises(KvalitetsdialogError, match="har allerede en skoleudviklingssamtale i 2021/22"):
        prepared(sdb)
    with pytest.raises(KvalitetsdialogError, match="Mælkebøtten er et dagtilbud"):
        prepared(sdb, institution_id="DT01")
    assert audit_rows(sdb) == before
    assert [h.version for h in read(sdb, s.samtale_history, ADMIN, samtale_id)] == [1]


def test_last_years_agreements_are_carried_forward_to_the_follow_up(sdb):
    older = prepared(sdb, year=2019)
    still_open = s.add_agreement(sdb, ADMIN, older, text="Legepatrulje", owner="AKT-teamet", due="2020-06-30")
    finished = s.add_agreement(sdb, ADMIN, older, text="Ny legeplads", owner="Skolelederen", due="2020-06-30")
    s.edit_agreement(sdb, ADMIN, finished, status="gennemført")
    last = prepared(sdb, year=2020)
    done = s.add_agreement(sdb, ADMIN, last, text="Læsebånd", owner="Skolelederen", due="2021-06-30")
    going = s.add_agreement(sdb, ADMIN, last, text="Klasseledelse", owner="Viceskolelederen", due="2021-03-31")
    dropped = s.add_agreement(sdb, ADMIN, last, text="Lektiecafé", owner="SFO", due="2021-01-31")
    s.edit_agreement(sdb, LEADER, done, status="gennemført")
    s.edit_agreement(sdb, LEADER, going, status="i gang")
    s.edit_agreement(sdb, ADMIN, dropped, status="opgivet", followup="Ingen tilmeldte; opgivet.")
    other_school = prepared(sdb, institution_id="999002", year=2020)
    s.add_agreement(sdb, ADMIN, other_school, text="Sydskolens aftale", owner="X", due="2021-06-30")

    # This year's samtale is not prepared yet: the follow-up is there already, to prepare it.
    school = read(sdb, s.school_samtale, LEADER, "999001", 2021)
    assert school.samtale is None and school.previous_year == 2020
    # Every agreement of the previous samtale, whatever its status, and an older one still open; not
    # the older one that was finished, nor another school's.
    assert {a.agreement_id: a.status for a in school.followup} == {
        done: "gennemført",
        going: "i gang",
        dropped: "opgivet",
        still_open: "åben",
    }
    assert next(a for a in school.followup if a.agreement_id == dropped).followup == "Ingen tilmeldte; opgivet."
    assert school.agreements == []

    # A new samtale has its own agreements; an agreement of a deleted samtale is followed up nowhere.
    this_year = prepared(sdb)
    new = s.add_agreement(sdb, ADMIN, this_year, text="Matematikvejleder", owner="Skolelederen", due="2022-06-30")
    s.delete_samtale(sdb, ADMIN, older)
    school = read(sdb, s.school_samtale, ADMIN, "999001", 2021)
    assert [a.agreement_id for a in school.agreements] == [new]
    assert {a.agreement_id for a in school.followup} == {done, going, dropped}
    assert read(sdb, s.school_samtale, ADMIN, "999001", 2022).previous_year == 2021


def test_who_sees_what(sdb):
    shared = prepared(sdb, summary="Delt referat")
    not_shared = prepared(sdb, institution_id="999002", summary="Ikke delt")
    s.edit_samtale(sdb, ADMIN, shared, shared_with_council=True)
    s.add_agreement(sdb, ADMIN, shared, text="Læsebånd", owner="Skolelederen", due="2022-06-30")
    s.save_strategic_frame(sdb, ADMIN, kommune=999, school_year=2021, topics="Læsning\nTrivsel")

    assert read(sdb, s.school_samtale, LEADER, "999001", 2021).samtale.summary == "Delt referat"
    assert read(sdb, s.school_samtale, ADMIN, "999002", 2021).samtale.summary == "Ikke delt"
    # The council: only what the administration shared; the frame is its own.
    council_view = read(sdb, s.school_samtale, COUNCIL, "999001", 2021)
    assert council_view.samtale.summary == "Delt referat" and len(council_view.agreements) == 1
    assert council_view.frame.topic_list == ["Læsning", "Trivsel"]
    hidden = read(sdb, s.school_samtale, COUNCIL, "999002", 2021)
    assert (hidden.samtale, hidden.agreements, hidden.followup) == (None, [], [])
    overview = {r.institution_id: r for r in read(sdb, s.overview, COUNCIL, 999, 2021)}
    assert overview["999001"].samtale.samtale_id == shared and overview["999002"].samtale is None
    assert len(overview["999001"].open_agreements) == 1
    assert read(sdb, s.overview, ADMIN, 999, 2021)[1].samtale.samtale_id == not_shared
    # A leader sees their own school only; the public nothing.
    with pytest.raises(AccessDenied, match="ikke adgang til skoleudviklingssamtalen for institution 999001"):
        read(sdb, s.school_samtale, OTHER_LEADER, "999001", 2021)
    with pytest.raises(AccessDenied, match="ikke offentlige"):
        read(sdb, s.school_samtale, PUBLIC, "999001", 2021)
    with pytest.raises(AccessDenied):
        read(sdb, s.strategic_frame, PUBLIC, 999, 2021)
    for viewer in (LEADER, PUBLIC):
        with pytest.raises(AccessDenied, match="forvaltningen og kommunalbestyrelsen"):
            read(sdb, s.overview, viewer, 999, 2021)
    for viewer in (OTHER_LEADER, COUNCIL, PUBLIC):
        with pytest.raises(AccessDenied, match="historikken"):
            read(sdb, s.samtale_history, viewer, shared)


def test_the_leaders_text_withdraws_the_sharing_but_a_status_does_not(sdb):
    samtale_id = prepared(sdb)
    agreement = s.add_agreement(sdb, ADMIN, samtale_id, text="Læsebånd", owner="Skolelederen", due="2022-06-30")
    s.edit_samtale(sdb, ADMIN, samtale_id, shared_with_council=True)
    s.edit_agreement(sdb, LEADER, agreement, status="gennemført")
    assert read(sdb, s.school_samtale, COUNCIL, "999001", 2021).agreements[0].status == "gennemført"
    s.edit_samtale(sdb, LEADER, samtale_id, school_assessment="Vores vurdering, ikke godkendt endnu.")
    assert read(sdb, s.school_samtale, COUNCIL, "999001", 2021).samtale is None
    s.edit_samtale(sdb, ADMIN, samtale_id, shared_with_council=True)
    assert read(sdb, s.school_samtale, COUNCIL, "999001", 2021).samtale.school_assessment.startswith("Vores")


def test_what_each_viewer_may_write():
    """The page asks these; the writes check the same rule (the refusals below)."""
    writes = ("record", "proposal", "status", "frame")
    may = {
        str(v): [w for w in writes if s.may_write(v, "999001", w)]
        for v in (ADMIN, LEADER, OTHER_LEADER, COUNCIL, PUBLIC)
    }
    assert may == {
        "administration": ["record", "proposal", "status", "frame"],
        "leader:999001": ["proposal", "status"],
        "leader:999002": [],
        "council": [],
        "public": [],
    }
    assert [s.sees_overview(v) for v in (ADMIN, LEADER, COUNCIL, PUBLIC)] == [True, False, True, False]
    assert [s.sees_history(v, "999001") for v in (ADMIN, LEADER, OTHER_LEADER, COUNCIL)] == [True, True, False, False]


@pytest.mark.parametrize(
    ("viewer", "write", "message"),
    [
        (OTHER_LEADER, lambda db, v, ids: s.edit_samtale(db, v, ids[0], development_areas="x"), "kan ikke ændre"),
        (LEADER, lambda db, v, ids: s.edit_samtale(db, v, ids[0], summary="x"), "resten skriver forvaltningen"),
        (LEADER, lambda db, v, ids: s.edit_samtale(db, v, ids[0], shared_with_council=True), "resten skriver"),
        (LEADER, lambda db, v, ids: s.edit_agreement(db, v, ids[1], text="x"), "resten skriver forvaltningen"),
        (LEADER, lambda db, v, ids: s.add_agreement(db, v, ids[0], text="x", owner="y", due="2022-01-01"), "resten"),
        (LEADER, lambda db, v, ids: s.delete_samtale(db, v, ids[0]), "resten skriver forvaltningen"),
        (OTHER_LEADER, lambda db, v, ids: s.edit_agreement(db, v, ids[1], status="i gang"), "kan ikke ændre"),
        (COUNCIL, lambda db, v, ids: s.edit_agreement(db, v, ids[1], status="i gang"), "kan ikke ændre"),
        (PUBLIC, lambda db, v, ids: s.edit_samtale(db, v, ids[0], development_areas="x"), "kan ikke ændre"),
        (LEADER, lambda db, v, ids: s.create_samtale(db, v, institution_id="999001", school_year=2022), "resten"),
        (LEADER, lambda db, v, ids: s.save_strategic_frame(db, v, kommune=999, school_year=2021, topics="x"), "Kun"),
    ],
)
def test_a_refused_write_changes_nothing_and_is_audited(sdb, viewer, write, message):
    samtale_id = prepared(sdb)
    agreement = s.add_agreement(sdb, ADMIN, samtale_id, text="Læsebånd", owner="Skolelederen", due="2022-06-30")
    with database.read(sdb) as con:
        versions = con.execute(
            "SELECT (SELECT count(*) FROM samtale_versions), (SELECT count(*) FROM samtale_agreement_versions),"
            " (SELECT count(*) FROM strategic_frame_versions)"
        ).fetchone()
    with pytest.raises(AccessDenied, match=message):
        write(sdb, viewer, (samtale_id, agreement))
    with database.read(sdb) as con:
        assert (
            con.execute(
                "SELECT (SELECT count(*) FROM samtale_versions), (SELECT count(*) FROM samtale_agreement_versions),"
                " (SELECT count(*) FROM strategic_frame_versions)"
            ).fetchone()
            == versions
        )
    [(who, role, action, _, details)] = audit_rows(sdb, "denied")
    assert (who, role, action) == (str(viewer), viewer.role, "denied")
    assert message in details


def test_the_strategic_frame_is_kept_once_for_every_samtale_of_the_year(sdb):
    assert s.save_strategic_frame(sdb, ADMIN, kommune=999, school_year=2021, topics="Læsning\n\n Trivsel ") == 1
    assert s.save_strategic_frame(sdb, ADMIN, kommune=999, school_year=2021, topics=["Læsning", "Trivsel"]) == 1
    assert s.save_strategic_frame(sdb, ADMIN, kommune=999, school_year=2021, topics="Læsning\nFravær") == 2
    for school in ("999001", "999002"):
        frame = read(sdb, s.school_samtale, ADMIN, school, 2021).frame
        assert (frame.version, frame.topic_list) == (2, ["Læsning", "Fravær"])
    assert read(sdb, s.school_samtale, ADMIN, "999001", 2022).frame is None


def test_the_mandatory_test_results_come_from_the_engine_with_their_trend(sdb):
    tests = read(sdb, mandatory_tests, LEADER, "999001", 2021)
    assert tests.confidential and all(r.indicator.confidential for r in tests.rows)
    rows = {(r.indicator.id, r.subject): r for r in tests.rows}
    reading = rows[("nt_share_good", "dansk_laesning")]
    # 2019/20 was tested on a sample only: another scale, so not part of the trend.
    assert sorted(reading.school) == [2020, 2021]
    assert reading.school[2020].value == pytest.approx(14 / 20)
    # Three pupils in maths 2021/22: withheld for the school, and for the municipality (the same three pupils).
    maths = rows[("nt_share_good", "matematik")]
    assert maths.school[2021].suppression == "small" and maths.school[2021].value is None
    assert maths.municipality.suppression == "small" and maths.municipality.value is None
    # The school's all-subjects value (8 + 1 good of 10 + 3 = 9 / 13) is shown elsewhere, so its reading value
    # 8 / 10 would give the maths pupils back (9 - 8 = 1 good of 3), and so would the municipality's reading
    # (26 / 40 minus Sydskolen's 18 / 30): both are withheld as complementary, with no n (docs/domain.md rule 3).
    assert reading.school[2021] == Value(None, None, "complementary")
    assert reading.municipality == Value(None, None, "complementary")
    assert tests.years == (2020, 2021)
    # The public gets nothing, another school's leader is refused.
    with pytest.raises(AccessDenied):
        read(sdb, mandatory_tests, PUBLIC, "999001", 2021)
    with pytest.raises(AccessDenied):
        read(sdb, mandatory_tests, OTHER_LEADER, "999001", 2021)
    assert read(sdb, mandatory_tests, ADMIN, "999001", 2018).rows == ()

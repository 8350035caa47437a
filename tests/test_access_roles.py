"""Role assignments: the file is validated with Danish messages; every change lands in the audit log."""

from __future__ import annotations

import pytest

from access import __main__ as cli
from access import roles
from core import audit, database
from core.errors import KvalitetsdialogError, ValidationError
from core.viewer import ADMINISTRATION, Viewer
from tests.fixtures_files import query, write_csv, write_xlsx

HEADER = ["Bruger", "Rolle", "Institutioner"]
GOOD = [
    HEADER,
    ["Chef@Eksempelby.dk", "Forvaltning", ""],
    ["leder@eksempelby.dk", "Skoleleder", "999001, 999002"],
    ["byraad@eksempelby.dk", "byråd", None],
    ["a1b2c3-subject", "leader", "DT01"],
]


def _viewer(db, *identities):
    with database.read(db) as con:
        return roles.viewer_for(con, list(identities))


@pytest.mark.parametrize("fmt", ["cp1252", "utf-8-sig", "xlsx"])
def test_a_role_file_gives_each_user_their_viewer(sample_db, tmp_path, fmt):
    path = (
        write_xlsx(tmp_path / "roller.xlsx", GOOD)
        if fmt == "xlsx"
        else write_csv(tmp_path / "roller.csv", GOOD, encoding=fmt)
    )
    assert roles.load_file(sample_db, path, ADMINISTRATION, "chef@eksempelby.dk", "test") == 4
    # E-mail addresses match whatever their case; subjects as written.
    assert _viewer(sample_db, "CHEF@eksempelby.dk") == ("chef@eksempelby.dk", ADMINISTRATION)
    assert _viewer(sample_db, None, "leder@eksempelby.dk")[1] == Viewer("leader", frozenset({"999001", "999002"}))
    assert _viewer(sample_db, "x@y.dk", "a1b2c3-subject")[1] == Viewer.parse("leader:DT01")
    assert _viewer(sample_db, "byraad@eksempelby.dk")[1] == Viewer("council")
    assert _viewer(sample_db, "ukendt@eksempelby.dk") is None
    # One audit entry per user, written by whoever loaded the file.
    assert query(
        sample_db, "SELECT who, action, object FROM audit_log WHERE action = 'role_change' ORDER BY object"
    ) == [
        ("chef@eksempelby.dk", "role_change", "a1b2c3-subject"),
        ("chef@eksempelby.dk", "role_change", "byraad@eksempelby.dk"),
        ("chef@eksempelby.dk", "role_change", "chef@eksempelby.dk"),
        ("chef@eksempelby.dk", "role_change", "leder@eksempelby.dk"),
    ]


BAD_ROWS = [
    (["", "forvaltning", ""], "bruger", "brugeren mangler"),
    (["x@y.dk", "chef", ""], "rolle", "'chef' er ikke en rolle"),
    (["x@y.dk", "leder", ""], "institutioner", "en leder skal have mindst én institution"),
    (["x@y.dk", "leder", "123456"], "institutioner", "institutionen '123456' findes ikke"),
    (["x@y.dk", "byråd", "999001"], "institutioner", "kun ledere har institutioner"),
    (["chef@eksempelby.dk", "byråd", ""], "bruger", "står også i række 2"),
]


@pytest.mark.parametrize(("row", "column", "message"), BAD_ROWS, ids=[b[2][:20] for b in BAD_ROWS])
def test_a_bad_row_is_named_by_row_and_column_and_nothing_changes(sample_db, tmp_path, row, column, message):
    path = write_csv(tmp_path / "roller.csv", [HEADER, ["chef@eksempelby.dk", "forvaltning", ""], row])
    with pytest.raises(ValidationError) as e:
        roles.load_file(sample_db, path, ADMINISTRATION, "test")
    [problem] = e.value.problems
    assert (problem.row, problem.column) == (3, column)  # header = row 1, the bad row = row 3
    assert message in problem.message
    assert query(sample_db, "SELECT count(*) FROM role_assignments") == [(0,)]


def test_a_list_without_an_administrator_is_refused(sample_db, tmp_path):
    path = write_csv(tmp_path / "roller.csv", [HEADER, ["x@y.dk", "offentlig", ""]])
    with pytest.raises(ValidationError, match="mindst én bruger rollen forvaltning"):
        roles.load_file(sample_db, path, ADMINISTRATION, "test")


def test_missing_column_is_named(sample_db, tmp_path):
    path = write_csv(tmp_path / "roller.csv", [["Bruger", "Institutioner"], ["x@y.dk", ""]])
    with pytest.raises(ValidationError) as e:
        roles.load_file(sample_db, path, ADMINISTRATION, "test")
    assert "kolonnen 'rolle' mangler" in e.value.problems[0].message


def test_assign_and_remove_are_audited_and_only_for_the_administration(sample_db):
    assert roles.assign(sample_db, "Chef@x.dk", "forvaltning", "", ADMINISTRATION, "opsætning", "test") == 1
    assert roles.assign(sample_db, "l@x.dk", "leder", "999004", ADMINISTRATION, "chef@x.dk", "app 10.0.0.7") == 1
    assert roles.assign(sample_db, "l@x.dk", "leder", "999005", ADMINISTRATION, "chef@x.dk", "app 10.0.0.7") == 1
    assert roles.assign(sample_db, "l@x.dk", "leder", "999005", ADMINISTRATION, "chef@x.dk", "app") == 0  # no change
    assert roles.remove(sample_db, "L@X.DK", ADMINISTRATION, "chef@x.dk", "app 10.0.0.7") == 1
    assert _viewer(sample_db, "l@x.dk") is None
    assert query(
        sample_db,
        "SELECT who, object, details, origin FROM audit_log WHERE action = 'role_change' "
        "AND object = 'l@x.dk' ORDER BY audit_id",
    ) == [
        ("chef@x.dk", "l@x.dk", '{"før": null, "efter": "leader:999004"}', "app 10.0.0.7"),
        ("chef@x.dk", "l@x.dk", '{"før": "leader:999004", "efter": "leader:999005"}', "app 10.0.0.7"),
        ("chef@x.dk", "l@x.dk", '{"før": "leader:999005", "efter": null}', "app 10.0.0.7"),
    ]
    with pytest.raises(KvalitetsdialogError, match="Mindst én bruger skal have rollen forvaltning"):
        roles.remove(sample_db, "chef@x.dk", ADMINISTRATION, "chef@x.dk")
    for viewer in ("council", "leader:999004", "public"):
        with pytest.raises(KvalitetsdialogError, match="Kun forvaltningen"):
            roles.assign(sample_db, "y@x.dk", "forvaltning", "", Viewer.parse(viewer), "y@x.dk")
        with database.read(sample_db) as con, pytest.raises(KvalitetsdialogError):
            roles.assignments(con, Viewer.parse(viewer))


def test_command_line_loads_the_list(sample_db, tmp_path, capsys):
    path = write_csv(tmp_path / "roller.csv", GOOD)
    assert cli.main(["--db", str(sample_db), "roles", str(path)]) == 0
    assert "4 bruger(e)" in capsys.readouterr().out
    assert query(sample_db, "SELECT DISTINCT who, origin FROM audit_log WHERE action = 'role_change'") == [
        ("kommandolinje", audit.command_line())
    ]
    bad = write_csv(tmp_path / "bad.csv", [HEADER, ["x@y.dk", "chef", ""]])
    assert cli.main(["--db", str(sample_db), "roles", str(bad)]) == 1
    assert "række 2, kolonne 'rolle'" in capsys.readouterr().err

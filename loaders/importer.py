"""Import extracts: open, validate (outside the write lock), then load all files in one transaction.

What a corrected extract replaces (its *scope*): the rows of the same school
year and institution, for most kinds. National tests replace by school year,
institution *and subject* - a deliberate narrowing of docs/formats.md's "source,
year and institutions", because ministry extracts often come one subject at a
time and replacing every subject would silently delete the others; pupil-level
and aggregated rows of the same scope replace each other. Institutions are
upserted by id, setting only the columns the file carries; a municipality
code that a register names and the table lacks (411 Christiansø) is added to
the municipality table in the same transaction. Goals: the sheet is
the whole list (see ``loaders.goals``).

Loading the same content again (same sha256 and kind) while the rows of its
earlier batch are all still current changes nothing and is logged ``uændret``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from core import audit, database, schoolyear
from core.errors import KvalitetsdialogError, Problem, ValidationError
from core.schema import SYNTHETIC_MUNICIPALITIES
from indicators.catalogue import SUBJECTS
from loaders import goals, national, staging
from loaders.kinds import KINDS, SHAPES
from loaders.reading import Source, file_sha256, name_key, open_source

log = logging.getLogger(__name__)

_REPLACES = {"national_tests": ("test_pupil_results", "test_aggregates")}


@dataclass
class ImportResult:
    """What happened to one file."""

    file: str
    kind: str
    shape: str
    status: str  # indlæst | uændret | prøvekørsel
    rows_read: int
    rows_loaded: int
    replaced: int
    scope: str
    warnings: list[Problem] = field(default_factory=list)
    batch_id: int | None = None

    def summary(self) -> str:
        """One Danish line for people."""
        what = f"{self.file}: {KINDS[self.kind]} ({self.shape})"
        if self.status == "uændret":
            text = f"{what} er uændret: samme indhold er allerede indlæst; intet er ændret."
        elif self.status == "prøvekørsel":
            text = f"{what}: prøvekørsel uden fejl; {self.rows_read} rækker ville blive indlæst ({self.scope})."
        else:
            text = (
                f"{what} indlæst: {self.rows_loaded} rækker, {self.replaced} tidligere rækker erstattet ({self.scope})."
            )
        if self.warnings:
            text += f" {len(self.warnings)} advarsel(er): " + "; ".join(p.message for p in self.warnings)
        return text


class ImportRejected(KvalitetsdialogError):
    """One or more files were rejected; nothing was loaded. ``errors`` has one entry per bad file."""

    def __init__(self, errors: list[ValidationError]):
        self.errors = errors
        super().__init__("\n\n".join(e.message for e in errors) + "\n\nIntet er indlæst.", "Indlæsningen blev afvist")


@dataclass
class _Prepared:
    """A validated file, staged: its rows are the view ``output`` in the staging database."""

    display: str
    sha256: str
    match: staging.Match
    rows_read: int
    rows: int  # rows of ``output``
    output: str  # the staged view of the rows for the shape's table (qualified name)
    keys: str | None  # the staged table of the distinct scope tuples of ``output`` (what it replaces)
    scope: str
    carried: list[str]
    warnings: list[Problem]
    municipalities: list[tuple[int, str]]  # (code, name) the file adds to the municipality table

    @property
    def kind(self) -> str:
        return self.match.shape.kind


def _kind_problem(source: Source, kind: str | None) -> ValidationError:
    found = ", ".join(h for h in source.header if h) or "ingen"
    if kind is None:
        message = (
            "Det kan ikke ses af kolonnerne, hvilken slags udtræk filen er. Angiv slagsen "
            f"(--kind {'|'.join(KINDS)}). Fundne kolonner: {found}."
        )
        return ValidationError(source.display, [Problem(source.display, source.header_row, None, message)])
    best = max((staging.match(s, source.header) for s in SHAPES if s.kind == kind), key=lambda m: len(m.index))
    return _missing_columns(source, best)


def _missing_columns(source: Source, m: staging.Match) -> ValidationError:
    found = ", ".join(h for h in source.header if h) or "ingen"
    missing = m.missing or [d for d in m.shape.detect if d not in m.index] or list(m.shape.detect_any[:1])
    problems = []
    for name in missing:
        col = m.shape.column(name)
        aliases = sorted({a for a in col.aliases if name_key(a) != name_key(col.label)})
        also = f" (eller {', '.join(aliases)})" if aliases else ""
        problems.append(
            Problem(
                source.display,
                source.header_row,
                col.label,
                f"kolonnen '{col.label}'{also} mangler; fundne kolonner: {found}",
            )
        )
    return ValidationError(source.display, problems)


def _open(path: Path, display: str, kind: str | None, sheet: str | None) -> tuple[Source, staging.Match]:
    if kind is not None and kind not in KINDS:
        raise KvalitetsdialogError(f"Ukendt slags '{kind}'. Brug en af: {', '.join(KINDS)}.", "Ukendt slags")
    source = open_source(path, staging.known_names(kind), sheet=sheet, display=display)
    m = staging.detect(source.header, kind)
    if m is None:
        raise _kind_problem(source, kind)
    if m.missing:
        raise _missing_columns(source, m)
    return source, m


def detect_kind(path: Path, sheet: str | None = None) -> str:
    """The kind of extract a file holds, told by its columns (raises ``ValidationError`` if unclear)."""
    return _open(Path(path), Path(path).name, None, sheet)[1].shape.kind


def _scope_words(stage: duckdb.DuckDBPyConnection, m: staging.Match, rows: int) -> str:
    """What the file replaces, in words, from its staged scope tuples (``keys``)."""
    kind = m.shape.kind
    if kind == "goals":
        return f"hele mållisten, {rows} mål"
    if kind == "clusters":
        names = [r[0] for r in stage.execute("SELECT cluster FROM keys ORDER BY 1").fetchall()]
        return "klynge: " + ", ".join(names)
    if kind == "national_levels":
        years = [r[0] for r in stage.execute("SELECT school_year FROM keys ORDER BY 1").fetchall()]
        n = stage.execute("SELECT count(DISTINCT indicator) FROM output").fetchall()[0][0]
        return f"skoleår {', '.join(schoolyear.short(y) for y in years)}; {n} indikatorer"
    n_inst = stage.execute("SELECT count(DISTINCT institution_id) FROM keys").fetchall()[0][0]
    if kind == "institutions":
        return f"{n_inst} institutioner"
    years = [r[0] for r in stage.execute("SELECT DISTINCT school_year FROM keys ORDER BY 1").fetchall()]
    words = [f"skoleår {', '.join(schoolyear.short(y) for y in years)}", f"{n_inst} institutioner"]
    if kind == "national_tests":
        subjects = [r[0] for r in stage.execute("SELECT DISTINCT subject FROM keys ORDER BY 1").fetchall()]
        words.append("fag: " + ", ".join(SUBJECTS[s] for s in subjects))
    return "; ".join(words)


def _prepare(
    stage: duckdb.DuckDBPyConnection,
    number: int,
    source: Source,
    m: staging.Match,
    known_institutions: set[str],
    known_municipalities: set[int],
) -> _Prepared:
    """Stage, normalise and check one file in a schema of its own; raises ``ValidationError`` with every
    problem found (and then leaves nothing staged)."""
    home = stage.execute("SELECT current_database()").fetchall()[0][0]
    schema = f"{home}.file{number}"
    stage.execute(f"CREATE SCHEMA {schema}")
    stage.execute(f"USE {schema}")
    try:
        stage.execute(
            "CREATE TABLE known_institutions AS SELECT unnest(?::VARCHAR[]) AS institution_id",
            [sorted(known_institutions)],
        )
        stage.execute(
            "CREATE TABLE known_municipalities AS SELECT unnest(?::INTEGER[]) AS code", [sorted(known_municipalities)]
        )
        rows = source.load(stage)
        if rows == 0:
            raise ValidationError(
                source.display,
                [Problem(source.display, source.header_row, None, "filen har en overskrift, men ingen datarækker")],
            )
        staging.build(stage, m, source.row_sql)
        problems, more = staging.check(stage, m, source.display)
        if m.shape.kind == "goals":  # the per-goal rules are the app form's (indicators.goals.check_goal)
            problems, more = goals.check(stage, m, source.display, known_institutions, problems, more)
        if m.shape.kind == "national_levels":  # the value by the goal target's rule (indicators.goals)
            problems, more = national.check(stage, m, source.display, problems, more)
        if problems:
            raise ValidationError(source.display, problems, more)
        # A view over the staged values: the write inserts from it, and nothing copies the rows before.
        stage.execute(f"CREATE VIEW output AS {staging.output_sql(m)}")
        out_rows = stage.execute("SELECT count(*) FROM output").fetchall()[0][0]
        if m.shape.scope:
            stage.execute(f"CREATE TABLE keys AS SELECT DISTINCT {', '.join(m.shape.scope)} FROM output")
        scope = _scope_words(stage, m, out_rows)
        municipalities = staging.new_municipalities(stage, m)
        if municipalities:
            scope += "; ny kommunekode: " + ", ".join(f"{code} {name}" for code, name in municipalities)
        # The text is only needed for the messages of a rejected file.
        stage.execute("DROP VIEW clean")
        stage.execute("DROP TABLE raw")
        staging.narrow(stage, m)
    except BaseException:
        stage.execute(f"USE {home}")
        stage.execute(f"DROP SCHEMA {schema} CASCADE")
        raise
    stage.execute(f"USE {home}")
    carried = [col for col, sql in m.shape.output if not (sql.startswith("v_") and sql[2:] not in m.index)]
    warnings = list(source.warnings)
    if m.unknown:
        warnings.append(
            Problem(
                source.display,
                source.header_row,
                None,
                "ukendte kolonner ignoreres: " + ", ".join(m.unknown),
                "advarsel",
            )
        )
    keys = f"{schema}.keys" if m.shape.scope else None
    return _Prepared(
        source.display,
        source.sha256,
        m,
        rows,
        out_rows,
        f"{schema}.output",
        keys,
        scope,
        carried,
        warnings,
        municipalities,
    )


# --- writing --------------------------------------------------------------------------


def _log(
    con,
    batch_id: int,
    p: _Prepared | None,
    status: str,
    *,
    display: str = "",
    sha256: str = "",
    kind: str = "",
    messages: Sequence[str] = (),
    rows_loaded: int = 0,
    replaced: int = 0,
    rows_rejected: int | None = None,
    user: str = "",
    origin: str | None = None,
) -> None:
    con.execute(
        """
        INSERT INTO import_batches (batch_id, file_name, sha256, kind, shape, rows_read, rows_loaded,
                                    rows_rejected, status, messages, scope, replaced, imported_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            batch_id,
            p.display if p else display,
            p.sha256 if p else sha256,
            p.kind if p else kind,
            p.match.shape.shape if p else None,
            p.rows_read if p else None,
            rows_loaded,
            rows_rejected,
            status,
            "\n".join(messages) or None,
            p.scope if p else None,
            replaced,
            user,
        ],
    ).fetchall()
    # docs/domain.md rule 5: every import attempt is in the audit log too, committed with the batch.
    audit.insert(
        con,
        user or "ukendt",
        None,
        "import",
        p.display if p else display,
        {"batch": batch_id, "status": status, "rækker": rows_loaded, "erstattet": replaced},
        origin,
    )


def _still_current(con, p: _Prepared) -> int | None:
    """The batch that loaded this very content, if all its rows are still in place."""
    row = con.execute(
        """SELECT batch_id, rows_loaded FROM import_batches
                         WHERE sha256 = ? AND kind = ? AND status = 'indlæst'
                         ORDER BY batch_id DESC LIMIT 1""",
        [p.sha256, p.kind],
    ).fetchall()
    if not row:
        return None
    [(batch_id, loaded)] = row
    tables = _REPLACES.get(p.kind, (p.match.shape.table,))
    present = sum(
        con.execute(f"SELECT count(*) FROM {t} WHERE batch_id = ?", [batch_id]).fetchall()[0][0] for t in tables
    )
    return batch_id if present == loaded else None


def _load_institutions(con, p: _Prepared, batch_id: int) -> tuple[int, int]:
    if p.municipalities:  # another import may have added the code since it was validated
        con.executemany(
            "INSERT INTO municipalities (code, name) VALUES (?, ?) ON CONFLICT DO NOTHING", p.municipalities
        )
    cols = p.carried
    updates = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "institution_id")
    replaced = con.execute(
        f"SELECT count(*) FROM institutions WHERE institution_id IN (SELECT institution_id FROM {p.output})"
    ).fetchall()[0][0]
    con.execute(
        f"""INSERT INTO institutions ({", ".join(cols)}, batch_id)
                    SELECT {", ".join(cols)}, ? FROM {p.output}
                    ON CONFLICT (institution_id) DO UPDATE SET {updates}, batch_id = excluded.batch_id""",
        [batch_id],
    ).fetchall()
    return p.rows, replaced


def _load_rows(con, p: _Prepared, batch_id: int) -> tuple[int, int]:
    scope = p.match.shape.scope
    on = " AND ".join(f"t.{c} = s.{c}" for c in scope)
    replaced = 0
    for table in _REPLACES.get(p.kind, (p.match.shape.table,)):
        replaced += con.execute(f"""DELETE FROM {table} t WHERE EXISTS (
            SELECT 1 FROM {p.keys} s WHERE {on})""").fetchall()[0][0]
    cols = [c for c, _ in p.match.shape.output]
    con.execute(
        f"INSERT INTO {p.match.shape.table} (batch_id, {', '.join(cols)}) SELECT ?, {', '.join(cols)} FROM {p.output}",
        [batch_id],
    ).fetchall()
    return p.rows, replaced


def _load(con, p: _Prepared, user: str, origin: str | None) -> ImportResult:
    batch_id = con.execute("SELECT nextval('batch_seq')").fetchall()[0][0]
    warnings = [str(w) for w in p.warnings]
    if p.kind != "goals" and (earlier := _still_current(con, p)) is not None:
        _log(
            con,
            batch_id,
            p,
            "uændret",
            messages=[f"samme indhold som indlæsning {earlier}", *warnings],
            user=user,
            origin=origin,
        )
        return ImportResult(
            p.display, p.kind, p.match.shape.shape, "uændret", p.rows_read, 0, 0, p.scope, p.warnings, batch_id
        )
    if p.kind == "institutions":
        loaded, replaced = _load_institutions(con, p, batch_id)
    elif p.kind == "goals":
        loaded, replaced = goals.load(con, p.output, batch_id, user)
    else:
        loaded, replaced = _load_rows(con, p, batch_id)
    status = "uændret" if p.kind == "goals" and loaded == 0 else "indlæst"
    _log(con, batch_id, p, status, messages=warnings, rows_loaded=loaded, replaced=replaced, user=user, origin=origin)
    return ImportResult(
        p.display, p.kind, p.match.shape.shape, status, p.rows_read, loaded, replaced, p.scope, p.warnings, batch_id
    )


def _log_rejected(
    db: Path,
    rejected: list[tuple[str, str, str, ValidationError]],
    skipped: list[_Prepared],
    user: str,
    origin: str | None,
) -> None:
    """Record every attempt (docs/domain.md: every import is recorded), touching no data table."""
    with database.write(db) as con:
        con.execute("BEGIN")
        for display, sha256, kind, error in rejected:
            batch_id = con.execute("SELECT nextval('batch_seq')").fetchall()[0][0]
            lines = [str(p) for p in error.problems]
            if error.truncated:
                lines.append(f"... og {error.truncated} fejl mere")
            _log(
                con,
                batch_id,
                None,
                "afvist",
                display=display,
                sha256=sha256,
                kind=kind or "ukendt",
                messages=lines,
                rows_rejected=len({p.row for p in error.problems}) + error.truncated,
                user=user,
                origin=origin,
            )
        for p in skipped:
            batch_id = con.execute("SELECT nextval('batch_seq')").fetchall()[0][0]
            _log(
                con,
                batch_id,
                p,
                "afvist",
                user=user,
                rows_rejected=0,
                origin=origin,
                messages=["ikke indlæst, fordi en anden fil i samme indlæsning blev afvist"],
            )
        con.execute("COMMIT")


def _known(db: Path) -> tuple[set[str], set[int]]:
    with database.read(db) as con:
        institutions = {r[0] for r in con.execute("SELECT institution_id FROM institutions").fetchall()}
        municipalities = {r[0] for r in con.execute("SELECT code FROM municipalities").fetchall()}
    return institutions, municipalities


# The sample's municipalities as the demo refusal names them: "Eksempelby (999), Nordlund (991), ... og Fjordby (996)".
_SAMPLE_NAMES = " og ".join(
    ", ".join(f"{name} ({code})" for code, name in SYNTHETIC_MUNICIPALITIES.items()).rsplit(", ", 1)
)


def _outside_the_demo(
    db: Path, stage: duckdb.DuckDBPyConnection, prepared: list[_Prepared]
) -> list[tuple[_Prepared, ValidationError]]:
    """The files that would bring data of a real municipality into the demo database (the sample's fictional
    municipalities, Eksempelby and its cluster neighbours, may).

    The demo's viewer picker lets anyone see everything, so real data must never land there.
    """
    with database.read(db) as con:
        if not database.is_demo(con):
            return []
        municipality = dict(con.execute("SELECT institution_id, municipality_code FROM institutions").fetchall())
    refused = []
    for p in prepared:  # institution files come first, so a data file sees the institutions they bring
        columns = [d[0] for d in stage.execute(f"SELECT * FROM {p.output} LIMIT 0").description]
        if "institution_id" not in columns:
            continue  # the goal sheet: the municipality's goals, no data of any institution
        if p.kind == "institutions" and "municipality_code" in p.carried:
            for i, code in stage.execute(f"SELECT institution_id, municipality_code FROM {p.output}").fetchall():
                municipality[i] = code if code is not None else municipality.get(i)
        ids = [r[0] for r in stage.execute(f"SELECT DISTINCT institution_id FROM {p.output}").fetchall()]
        foreign = sorted(i for i in ids if municipality.get(i) not in SYNTHETIC_MUNICIPALITIES)
        if foreign:
            message = (
                f"Databasen {db} er demodatabasen med eksempeldata for de fiktive kommuner {_SAMPLE_NAMES}, og "
                f"filen har data for institutioner uden for dem (fx {', '.join(foreign[:3])}). Rigtige data indlæses aldrig i "
                "demodatabasen, hvor alle kan vælge, hvem de ser som. Indlæs dem i en database for sig: "
                "python -m loaders import --db data/kommune.duckdb FIL (eller sæt miljøvariablen "
                "KVALITETSDIALOG_DB=data/kommune.duckdb), og start appen med samme KVALITETSDIALOG_DB."
            )
            refused.append((p, ValidationError(p.display, [Problem(p.display, None, None, message)])))
    return refused


def import_files(
    db: Path,
    files: list[Path],
    *,
    kind: str | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    user: str = "kommandolinje",
    names: list[str] | None = None,
    origin: str | None = None,
) -> list[ImportResult]:
    """Validate every file, then load them all in one transaction (or nothing, raising ``ImportRejected``).

    Institution files are validated first, so a data file may refer to institutions
    that arrive in the same import. ``origin`` (for the audit log) defaults to the command
    line and the operating-system account running it.
    """
    db = Path(db)
    origin = origin or audit.command_line()
    files = [Path(f) for f in files]
    names = names or [f.name for f in files]
    database.ensure(db)
    known_institutions, known_municipalities = _known(db)
    rejected: list[tuple[str, str, str, ValidationError]] = []
    opened = []
    for path, display in zip(files, names):
        try:
            opened.append(_open(path, display, kind, sheet))
        except ValidationError as e:
            try:
                sha256 = file_sha256(path, sheet)
            except OSError:
                sha256 = ""
            rejected.append((display, sha256, kind or "", e))
    # Institutions first, and of them the register, which may name municipality codes an own list uses.
    opened.sort(key=lambda sm: (sm[1].shape.kind != "institutions", not any(c.named_by for c in sm[1].shape.columns)))
    # The other files largest first: a file's text is in memory while it is staged, beside the staged rows of the
    # files before it, so the largest text meets the fewest (less spills to disk). Results keep the order above.
    staged = sorted(
        range(len(opened)),
        key=lambda i: (0, i) if opened[i][1].shape.kind == "institutions" else (1, -opened[i][0].path.stat().st_size),
    )
    outcomes: dict[int, _Prepared | ValidationError] = {}
    with staging.database() as stage:
        for number in staged:
            source, m = opened[number]
            try:
                p = outcomes[number] = _prepare(stage, number, source, m, known_institutions, known_municipalities)
            except ValidationError as e:
                outcomes[number] = e
                continue
            if p.kind == "institutions":
                known_institutions |= {r[0] for r in stage.execute(f"SELECT institution_id FROM {p.output}").fetchall()}
                known_municipalities |= {code for code, _ in p.municipalities}
        prepared = [p for _, p in sorted(outcomes.items()) if isinstance(p, _Prepared)]
        rejected += [
            (opened[i][0].display, opened[i][0].sha256, opened[i][1].shape.kind, e)
            for i, e in sorted(outcomes.items())
            if isinstance(e, ValidationError)
        ]
        refused = _outside_the_demo(db, stage, prepared)
        prepared = [p for p in prepared if all(p is not r for r, _ in refused)]
        rejected += [(p.display, p.sha256, p.kind, error) for p, error in refused]
        if rejected:
            if not dry_run:
                _log_rejected(db, rejected, prepared, user, origin)
            raise ImportRejected([e for *_, e in rejected])
        if dry_run:
            return [
                ImportResult(
                    p.display, p.kind, p.match.shape.shape, "prøvekørsel", p.rows_read, 0, 0, p.scope, p.warnings
                )
                for p in prepared
            ]
        # Straight from the staged values into the database file: no copy of the rows in between. The rows
        # of a table have no order (every reader sorts); an insert bound to keep the staged order took twice as
        # long at national scale (insert and checkpoint; the order of ``raw`` was needed only while staging).
        stage.execute("SET preserve_insertion_order = false")
        with database.write(db, attach_to=stage) as con:
            con.execute("BEGIN")
            try:
                results = [_load(con, p, user, origin) for p in prepared]
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
    return results

"""Matching columns, normalising and checking staged rows, set-wise in DuckDB SQL.

``build`` turns ``raw`` (text cells) into the table ``vals``: for every column
of the shape its value (``v_name``) and whether the cell is missing
(``m_name``); the view ``clean`` puts the cell as written (``"name"``) beside
them. ``check`` then runs every rule as one SQL condition over all rows of
``vals`` at once and returns the failing rows as ``Problem``s located as the
user sees them (only then is the text read).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb

from core.errors import Problem
from loaders import cells
from loaders.kinds import (
    KINDS_OF_VALUE,
    SHAPES,
    TYPES,
    UNKNOWN_INSTITUTION,
    UNNAMED_ELSEWHERE,
    UNNAMED_MUNICIPALITY,
    Col,
    Rule,
    Shape,
    Unique,
)
from loaders.reading import name_key

MAX_PROBLEMS = 200
# The staging database's memory; beyond it DuckDB spills to a temporary folder. A national import's staged rows
# (6 M rows, about 600 MB) then mostly stay in memory, and its peak RSS about 830 MiB (target: under 1 GiB).
STAGE_MEMORY = "650MB"


@contextmanager
def database() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB database for one import's staged files, with the cell macros installed."""
    with tempfile.TemporaryDirectory(prefix="kvd-stage-") as spill:
        stage = duckdb.connect(config={"memory_limit": STAGE_MEMORY, "temp_directory": spill})
        try:
            stage.execute("SET enable_progress_bar = false")  # a long staging query would draw one on the terminal
            cells.install(stage)
            yield stage
        finally:
            stage.close()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _keys(col) -> set[str]:
    return {name_key(a) for a in (col.label, *col.aliases)}


def known_names(kind: str | None = None) -> set[str]:
    """Every column name key a header row of this kind (or any kind) may contain."""
    keys: set[str] = set()
    for shape in SHAPES:
        if kind is None or shape.kind == kind:
            keys |= {k for c in shape.columns for k in _keys(c)} | {name_key(i) for i in shape.ignored}
    return keys


@dataclass
class Match:
    """Which header cell holds which column of a shape."""

    shape: Shape
    index: dict[str, int]  # column name -> position in the header
    header: list[str]

    def label(self, column: str) -> str:
        """The column as the user's file names it (or as documented, if absent)."""
        i = self.index.get(column)
        return self.header[i] if i is not None else self.shape.column(column).label

    @property
    def missing(self) -> list[str]:
        return [c.name for c in self.shape.columns if c.required and c.name not in self.index]

    @property
    def unknown(self) -> list[str]:
        ignored = {name_key(i) for i in self.shape.ignored}
        used = set(self.index.values())
        return [h for i, h in enumerate(self.header) if h and i not in used and name_key(h) not in ignored]


def match(shape: Shape, header: list[str]) -> Match:
    """Each column takes the first free header cell with its label, else with its first alias present, and so on
    (so a name two columns share goes to the one that lists it first, e.g. ``profilområde``)."""
    index: dict[str, int] = {}
    cells = [name_key(cell) for cell in header]
    for col in shape.columns:
        for key in dict.fromkeys(name_key(a) for a in (col.label, *col.aliases)):
            free = [i for i, cell in enumerate(cells) if cell == key and i not in index.values()]
            if free:
                index[col.name] = free[0]
                break
    return Match(shape, index, header)


def detect(header: list[str], kind: str | None = None) -> Match | None:
    """The shape whose identifying columns are all in the header (most matched columns wins)."""
    best = None
    for shape in SHAPES:
        if kind is not None and shape.kind != kind:
            continue
        m = match(shape, header)
        if not all(d in m.index for d in shape.detect):
            continue
        if shape.detect_any and not any(d in m.index for d in shape.detect_any):
            continue
        if best is None or len(m.index) > len(best.index):
            best = m
    return best


# Typed cells are normalised once per distinct value and joined back: real extracts repeat few
# distinct values per column (years, subjects, levels, scores), so this is far cheaper than
# running the regular expressions on every row. Free text (pupil keys, names) is only trimmed.
_DIRECT_TYPES = {"text"}


def _same_as_cast(stage: duckdb.DuckDBPyConnection, i: int) -> str | None:
    """A plain cast of ``raw.c{i}`` if it gives every text of this file the value and missing flag that
    ``lookup_{i}`` gives it (the cell rule's own result), else None.

    Most columns of a clean extract hold plain numbers or ids (``24``, ``800000``): then the cast, checked
    against the rule on each distinct text here, replaces a join of every row to the lookup. No value is read
    any other way than by the rule: a file where any text reads differently keeps the join.
    """
    [(value_type,)] = stage.execute(f"SELECT typeof(value) FROM lookup_{i} LIMIT 1").fetchall() or [(None,)]
    if value_type is None:
        return None
    cast = "{c}" if value_type == "VARCHAR" else f"TRY_CAST({{c}} AS {value_type})"
    same = stage.execute(
        f"SELECT bool_and(value IS NOT DISTINCT FROM {cast.format(c='text')} AND missing = (text IS NULL)) "
        f"FROM lookup_{i}"
    ).fetchall()[0][0]
    return cast.format(c=f"raw.c{i}") if same else None


def build(stage: duckdb.DuckDBPyConnection, m: Match, row_sql: str) -> None:
    """Create the table ``vals`` (each row's ``_row``, and per column its value ``v_name`` and whether the cell is
    missing, ``m_name``) and the view ``clean`` (``vals`` beside each column's trimmed text ``"name"``).

    ``row_sql`` gives a ``raw`` row's spreadsheet row, with ``{t}`` for the table. Rules and output read
    ``vals`` alone; only the messages of a rejected file read the text through ``clean``, so a clean file
    never copies its text a second time. ``vals`` is not in file order: ``_row`` says where each row was.
    """
    values, joins, texts = [f"{row_sql.format(t='raw')} AS _row"], [], []
    for col in m.shape.columns:
        i = m.index.get(col.name)
        if col.type in KINDS_OF_VALUE:  # what kind of value the cell held, as ``k_name``
            kind = KINDS_OF_VALUE[col.type].format(c="cell") if i is not None else "NULL::VARCHAR"
        else:
            kind = None
        # The one place where a cell's stray whitespace goes: every check and value sees it trimmed.
        cell = f"kv_trim(raw.c{i})" if i is not None else "NULL::VARCHAR"
        value = TYPES[col.type][0]
        texts.append(f"{cell} AS {_q(col.name)}")
        if i is not None and col.type not in _DIRECT_TYPES:
            # DISTINCT in a subquery: over ``SELECT DISTINCT c, f(c)`` DuckDB computes f on every row.
            stage.execute(
                f"CREATE OR REPLACE TABLE lookup_{i} AS SELECT text, {value.format(c='cell')} AS value, "
                f"kv_missing(cell) AS missing{'' if kind is None else f', {kind} AS kind'} "
                f"FROM (SELECT text, kv_trim(text) AS cell FROM (SELECT DISTINCT c{i} AS text FROM raw))"
            )
            cast = None if kind is not None else _same_as_cast(stage, i)
            if cast is not None:
                values += [f"{cast} AS v_{col.name}", f"raw.c{i} IS NULL AS m_{col.name}"]
                continue
            joins.append(f"LEFT JOIN lookup_{i} ON lookup_{i}.text IS NOT DISTINCT FROM raw.c{i}")
            values += [f"lookup_{i}.value AS v_{col.name}", f"lookup_{i}.missing AS m_{col.name}"]
            if kind is not None:
                values.append(f"lookup_{i}.kind AS k_{col.name}")
        else:
            if kind is not None:
                values.append(f"{kind} AS k_{col.name}")
            values += [f"{value.format(c=cell)} AS v_{col.name}", f"kv_missing({cell}) AS m_{col.name}"]
    stage.execute(f"CREATE OR REPLACE TABLE vals AS SELECT {', '.join(values)} FROM raw {' '.join(joins)}")
    stage.execute(
        f"CREATE OR REPLACE VIEW clean AS SELECT vals.*, {', '.join(texts)} "
        f"FROM vals JOIN raw ON vals._row = {row_sql.format(t='raw')}"
    )


def _rules(m: Match) -> list[Rule]:
    """The shape's own rules plus those that follow from each present column's type."""
    rules = []
    for col in m.shape.columns:
        if col.name not in m.index:
            continue
        if col.needed:
            rules.append(Rule(f"{col.name}_needed", col.name, f"m_{col.name}", "mangler en værdi"))
        message = TYPES[col.type][1]
        if message:
            rules.append(Rule(f"{col.name}_format", col.name, f"NOT m_{col.name} AND v_{col.name} IS NULL", message))
        if col.type == "institution":
            rules.append(
                Rule(
                    f"{col.name}_known",
                    col.name,
                    f"v_{col.name} NOT IN (SELECT institution_id FROM known_institutions)",
                    UNKNOWN_INSTITUTION,
                )
            )
        if col.type == "municipality":
            rules.append(_municipality_known(m, col))
    return rules + [r for r in m.shape.rules if r.column in m.index]


def _municipality_known(m: Match, col: Col) -> Rule:
    """A code the table knows, or one a row of this file names (``col.named_by``)."""
    unknown = f"v_{col.name} NOT IN (SELECT code FROM known_municipalities)"
    if col.named_by is None:
        return Rule(f"{col.name}_known", col.name, unknown, UNNAMED_ELSEWHERE)
    named = f"SELECT v_{col.name} FROM vals WHERE v_{col.named_by} IS NOT NULL AND v_{col.name} IS NOT NULL"
    column = m.label(col.named_by).replace("{", "{{").replace("}", "}}")
    return Rule(
        f"{col.name}_known",
        col.name,
        f"{unknown} AND v_{col.name} NOT IN ({named})",
        UNNAMED_MUNICIPALITY.replace("{column}", column),
    )


def new_municipalities(stage: duckdb.DuckDBPyConnection, m: Match) -> list[tuple[int, str]]:
    """(code, name) of each code the file names that the table lacks; the first row naming it wins."""
    found: list[tuple[int, str]] = []
    for col in m.shape.columns:
        if col.named_by is None or col.name not in m.index or col.named_by not in m.index:
            continue
        found += stage.execute(f"""
            SELECT v_{col.name}, arg_min(v_{col.named_by}, _row) FROM vals
            WHERE v_{col.named_by} IS NOT NULL AND v_{col.name} NOT IN (SELECT code FROM known_municipalities)
            GROUP BY 1 ORDER BY 1""").fetchall()
    return found


def _row_problems(stage, m: Match, display: str) -> tuple[list[Problem], int]:
    rules = _rules(m)
    conditions = [f"coalesce(({r.condition}), false)" for r in rules]
    counts = stage.execute("SELECT " + ", ".join(f"count_if({c})" for c in conditions) + " FROM vals").fetchall()[0]
    problems, total = [], 0
    for rule, condition, count in zip(rules, conditions, counts):
        if not count:
            continue
        total += count
        rows = stage.execute(
            f"SELECT _row, {_q(rule.column)} FROM clean WHERE {condition} ORDER BY _row LIMIT ?", [MAX_PROBLEMS]
        ).fetchall()
        problems += [
            Problem(display, row, m.label(rule.column), rule.message.format(value=value or "")) for row, value in rows
        ]
    return problems, total


def _unique_problems(stage, m: Match, u: Unique, display: str) -> tuple[list[Problem], int]:
    if not all(c in m.index or not m.shape.column(c).required for c in u.columns):
        return [], 0
    keys = ", ".join(f"v_{c}" for c in u.columns)
    needed = [f"v_{c} IS NOT NULL" for c in u.columns if m.shape.column(c).needed]
    where = " AND ".join(needed) or "true"
    # As many distinct hashes of the key as rows proves every key distinct (equal keys hash alike), and
    # counting one integer costs half of grouping the text keys; only a file with a shared hash is grouped.
    rows, hashes = stage.execute(f"SELECT count(*), count(DISTINCT hash({keys})) FROM vals WHERE {where}").fetchall()[0]
    if rows == hashes:
        return [], 0
    dupes = stage.execute(
        f"SELECT count(*) FROM (SELECT {keys} FROM vals WHERE {where} GROUP BY ALL HAVING count(*) > 1)"
    ).fetchall()[0][0]
    if not dupes:
        return [], 0
    rows = stage.execute(
        f"""
        SELECT _row, {_q(u.report)}, first, count(*) OVER () FROM (
            SELECT _row, {_q(u.report)}, min(_row) OVER (PARTITION BY {keys}) AS first FROM clean WHERE {where}
        ) WHERE _row > first ORDER BY _row LIMIT ?""",
        [MAX_PROBLEMS],
    ).fetchall()
    problems = [
        Problem(display, row, m.label(u.report), u.message.format(value=value or "", first=first))
        for row, value, first, _ in rows
    ]
    return problems, rows[0][3] if rows else 0


def check(stage: duckdb.DuckDBPyConnection, m: Match, display: str) -> tuple[list[Problem], int]:
    """Every failing row of every rule, first ``MAX_PROBLEMS`` by row; and how many were left out."""
    problems, total = _row_problems(stage, m, display)
    for u in m.shape.unique:
        found, count = _unique_problems(stage, m, u, display)
        problems += found
        total += count
    order = {c.name: i for i, c in enumerate(m.shape.columns)}
    labels = {m.label(c): order[c] for c in order}
    problems.sort(key=lambda p: (p.row or 0, labels.get(p.column or "", 0)))
    shown = problems[:MAX_PROBLEMS]
    return shown, total - len(shown)


def merge(m: Match, problems: list[Problem], found: list[Problem], more: int) -> tuple[list[Problem], int]:
    """The staged problems and a kind's own per-row ones (one problem per cell: a staged one wins), in row and
    column order: the first ``MAX_PROBLEMS``, and how many more."""
    taken = {(p.row, p.column) for p in problems}
    order = {m.label(c.name): i for i, c in enumerate(m.shape.columns)}
    everything = problems + [p for p in found if (p.row, p.column) not in taken]
    everything.sort(key=lambda p: (p.row or 0, order.get(p.column or "", 0)))
    return everything[:MAX_PROBLEMS], more + max(len(everything) - MAX_PROBLEMS, 0)


def narrow(stage: duckdb.DuckDBPyConnection, m: Match) -> None:
    """Drop the columns of a checked file's ``vals`` that its output does not read (missing flags, row numbers):
    the staged rows of every file wait in memory for the write, and what does not fit there spills to disk."""
    output = output_sql(m)
    for column, *_ in stage.execute("SELECT * FROM vals LIMIT 0").description:
        if not re.search(rf"\b{re.escape(column)}\b", output):
            stage.execute(f"ALTER TABLE vals DROP COLUMN {_q(column)}")


def output_sql(m: Match) -> str:
    """The SELECT over ``vals`` giving the rows for the shape's table, columns in ``output`` order."""
    shape = m.shape
    if shape.shape != "bred":
        return "SELECT " + ", ".join(f"{sql} AS {_q(col)}" for col, sql in shape.output) + " FROM vals"
    selects = []
    for indicator in shape.detect_any:
        if indicator not in m.index:
            continue
        cols = [sql.format(indicator_id=f"'{indicator}'", value=f"v_{indicator}") for _, sql in shape.output]
        selects.append(
            "SELECT " + ", ".join(f"{sql} AS {_q(col)}" for (col, _), sql in zip(shape.output, cols)) + " FROM vals"
        )
    return " UNION ALL ".join(selects)

"""How a cell of text becomes a value: missing markers, numbers, school years, grades, words.

Each rule is written once, as a DuckDB SQL macro. The loaders install the macros
in their staging connection and run them over whole files at once (``install``);
Python code that reads one value a person typed (the goal form, a goal sheet's
per-goal rules, a command's ``--year``) calls the same macros through
``number``, ``school_year`` ... on a private in-memory connection. So a value
reads the same wherever it is written.

Every cell is first trimmed of stray whitespace (``kv_trim``: spaces, tabs, line
breaks, non-breaking spaces), once: by ``loaders.staging.build`` for a file's
cells, by ``_apply`` for one value; the other macros take the trimmed cell.

Every macro returns NULL for a missing or suppressed cell (``..``, ``.``, ``-``,
``–``, ``*``, empty) *and* for a cell it cannot read; the checks tell the two
apart with ``kv_missing``.

Numbers: a comma is always the decimal comma (``78,3``, ``1.234,5``); without a
comma a single dot is a decimal point (``1234.5``), and dots every three
digits are thousands (``1.234.567``). Counts also read ``1.234`` as 1234.
Spaces and a ``%`` sign are ignored (``78,3 %``).

>>> number("1.234,5"), number("78,3 %"), number("0.8"), number(".."), number("mange")
(1234.5, 78.3, 0.8, None, None)
>>> school_year("2024/25"), school_year("2024 / 2025"), school_year("2024/26"), school_year("2024")
(2024, 2024, None, None)
>>> grade("4. klasse"), grade("Børnehaveklasse"), grade(2.0), grade("fjerde")
(4, 0, 2, None)
>>> missing("–"), missing(None), missing("0")
(True, True, False)
"""

from __future__ import annotations

import numbers
import re
import threading

import duckdb
import pandas as pd

MISSING = ("", "..", ".", "-", "–", "*")
# What is not a letter: a vocabulary word is matched on its letters alone (``Dansk, læsning`` = ``dansklæsning``).
_NOT_A_LETTER = "[^a-zæøå]"


def sql_text(value: str | int) -> str:
    """A constant as a SQL literal (for macros generated from the catalogue's vocabularies)."""
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


# What ``kv_trim`` takes off both ends of a cell.
_STRAY = " \t\r\n\u00a0"

MACROS = f"""
-- trim() with a character set costs three times a plain copy; most cells have nothing to trim.
CREATE MACRO kv_trim(x) AS CASE WHEN regexp_matches(x, '^[{_STRAY}]|[{_STRAY}]$') THEN trim(x, '{_STRAY}') ELSE x END;
CREATE MACRO kv_missing(x) AS x IS NULL OR x IN ({", ".join(map(sql_text, MISSING))});
CREATE MACRO kv_text(x) AS CASE WHEN kv_missing(x) THEN NULL ELSE x END;
CREATE MACRO kv_numtext(x) AS regexp_replace(x, '[\\s\u00a0%]', '', 'g');
CREATE MACRO kv_num_t(t) AS CASE
    WHEN regexp_full_match(t, '[-+]?[0-9]+(\\.[0-9]+)?') THEN CAST(t AS DOUBLE)
    WHEN regexp_full_match(t, '[-+]?[0-9]{{1,3}}(\\.[0-9]{{3}})+(,[0-9]+)?|[-+]?[0-9]+,[0-9]+')
        THEN CAST(replace(replace(t, '.', ''), ',', '.') AS DOUBLE)
    END;
CREATE MACRO kv_num(x) AS CASE WHEN kv_missing(x) THEN NULL ELSE kv_num_t(kv_numtext(x)) END;
CREATE MACRO kv_int_t(t) AS CASE
    WHEN regexp_full_match(t, '[-+]?[0-9]+') THEN TRY_CAST(t AS BIGINT)
    WHEN regexp_full_match(t, '[0-9]{{1,3}}(\\.[0-9]{{3}})+') THEN TRY_CAST(replace(t, '.', '') AS BIGINT)
    WHEN regexp_full_match(t, '[-+]?[0-9]+[.,]0+') THEN TRY_CAST(regexp_extract(t, '^[-+]?[0-9]+') AS BIGINT)
    END;
CREATE MACRO kv_int(x) AS CASE WHEN kv_missing(x) THEN NULL ELSE kv_int_t(kv_numtext(x)) END;
CREATE MACRO kv_year_t(t) AS CASE
    WHEN regexp_full_match(t, '[0-9]{{4}}/[0-9]{{4}}')
         AND CAST(t[1:4] AS INTEGER) + 1 = CAST(t[6:9] AS INTEGER) THEN CAST(t[1:4] AS SMALLINT)
    WHEN regexp_full_match(t, '[0-9]{{4}}/[0-9]{{2}}')
         AND (CAST(t[1:4] AS INTEGER) + 1) % 100 = CAST(t[6:7] AS INTEGER) THEN CAST(t[1:4] AS SMALLINT)
    END;
CREATE MACRO kv_year(x) AS kv_year_t(regexp_replace(coalesce(x, ''), '\\s', '', 'g'));
CREATE MACRO kv_calendar_year(x) AS CASE
    WHEN regexp_full_match(trim(coalesce(x, '')), '(19|20)[0-9]{{2}}') THEN CAST(trim(x) AS SMALLINT) END;
CREATE MACRO kv_grade(x) AS CASE
    WHEN regexp_full_match(lower(x), '[0-9]{{1,2}}\\s*\\.?\\s*(klasse|kl\\.?|klassetrin)?')
        THEN CAST(regexp_extract(x, '^[0-9]+') AS TINYINT)
    WHEN lower(x) IN ('børnehaveklasse', 'bh.kl.', 'bh. kl.', 'bhkl') THEN 0::TINYINT
    END;
CREATE MACRO kv_word(x) AS regexp_replace(lower(x), '{_NOT_A_LETTER}', '', 'g');
"""


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the macros in a connection (the loaders' staging connection)."""
    con.execute(MACROS)


_lock = threading.Lock()  # one private connection for the whole process; a DuckDB connection is not thread-safe
_private: duckdb.DuckDBPyConnection | None = None


def _apply(macro: str, text: str):
    """One macro on one trimmed text, on the private connection (``macro`` is one of this module's names)."""
    global _private
    with _lock:
        if _private is None:
            _private = duckdb.connect()
            install(_private)
        return _private.execute(f"SELECT {macro}(kv_trim(?))", [text]).fetchall()[0][0]


def _absent(value) -> bool:
    """None, NaN, pandas' NA: no cell at all."""
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def _is_number(value) -> bool:
    """A number handed over as one (a spreadsheet's numeric cell, a form's number field), numpy's too."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def missing(value) -> bool:
    """Whether a cell is empty or suppressed (None and NaN are, a number is not)."""
    return _absent(value) or (not _is_number(value) and bool(_apply("kv_missing", str(value))))


def number(value) -> float | None:
    """A number from a cell (a number stays itself); None when missing or unreadable."""
    if _absent(value):
        return None
    return float(value) if _is_number(value) else _apply("kv_num", str(value))


def school_year(value) -> int | None:
    """A school year's start year from ``2024/2025`` or ``2024/25``; None for anything else."""
    return None if _absent(value) else _apply("kv_year", str(value))


def grade(value) -> int | None:
    """A grade from ``4``, ``4.``, ``4. klasse`` or ``børnehaveklasse`` (0); None when unreadable."""
    if _absent(value):
        return None
    if _is_number(value):
        return int(value) if float(value).is_integer() else None  # spreadsheets hand grades over as 2.0
    return _apply("kv_grade", str(value))


def word_key(text: str) -> str:
    """A vocabulary word as ``kv_word`` matches it: its lower-case letters alone.

    >>> word_key("Dansk, læsning"), word_key("dansk_laesning")
    ('dansklæsning', 'dansklaesning')
    """
    return re.sub(_NOT_A_LETTER, "", text.lower())


def vocabulary(labels: dict, aliases: dict) -> dict:
    """Word key -> id for every id, label and alias (a lookup both SQL and Python make)."""
    words = {word_key(str(i)): i for i in labels} | {word_key(label): i for i, label in labels.items()}
    return words | {word_key(a): i for a, i in aliases.items()}

"""SQL macros that turn a text cell into a value, installed in each staging connection.

Every macro returns NULL for a missing or suppressed cell (``..``, ``.``, ``-``,
``–``, ``*``, empty) *and* for a cell it cannot read; the checks tell the two
apart with ``kv_missing``. Vocabularies (subjects, levels, test kinds) come
from ``indicators.catalogue`` so they are defined once.

Numbers: a comma is always the decimal comma (``78,3``, ``1.234,5``); without a
comma a single dot is a decimal point (``1234.5``), and dots every three
digits are thousands (``1.234.567``). Counts also read ``1.234`` as 1234.
"""

from __future__ import annotations

import re

import duckdb

from indicators.catalogue import LEVELS, SUBJECTS, TEST_KINDS, default_test_kind

MISSING = ("", "..", ".", "-", "–", "*")

WELLBEING_INDICATORS = {
    "social": "Social trivsel",
    "academic": "Faglig trivsel",
    "support": "Støtte og inspiration",
    "order": "Ro og orden",
    "general": "Generel skoletrivsel",
}
_WELLBEING_ALIASES = {"generel trivsel": "general"}
_SUBJECT_ALIASES = {"dansk": "dansk_laesning", "læsning": "dansk_laesning", "dansk læsning": "dansk_laesning"}


def word_key(text: str) -> str:
    """A vocabulary word as matched: lower case letters only (``'Dansk, læsning'`` -> ``'dansklæsning'``)."""
    return re.sub(r"[^a-zæøå]", "", text.lower())


def _sql_text(value: str | int) -> str:
    return str(value) if isinstance(value, int) else "'" + value.replace("'", "''") + "'"


def _map(pairs: dict) -> str:
    items = ", ".join(f"{_sql_text(k)}: {_sql_text(v)}" for k, v in pairs.items())
    return "MAP {" + items + "}"


def vocabulary(labels: dict[str, str], aliases: dict[str, str]) -> dict[str, str]:
    """Word key -> id for every id, label and alias."""
    words = {word_key(i): i for i in labels} | {word_key(label): i for i, label in labels.items()}
    return words | {word_key(a): i for a, i in aliases.items()}


SUBJECT_WORDS = vocabulary(SUBJECTS, _SUBJECT_ALIASES)
WELLBEING_WORDS = vocabulary(WELLBEING_INDICATORS, _WELLBEING_ALIASES)
_TEST_KIND_WORDS = vocabulary(
    {k: t.label for k, t in TEST_KINDS.items()},
    {"national test": "national_test", "nationale overgangstest": "overgangstest"},
)
_DEFAULT_KINDS = {y: default_test_kind(y) for y in range(2000, 2060) if default_test_kind(y)}
_LEVEL_WORDS = {word_key(name): n for n, name in LEVELS.items()}

_MACROS = f"""
CREATE MACRO kv_missing(x) AS x IS NULL OR trim(x) IN ({", ".join(map(_sql_text, MISSING))});
CREATE MACRO kv_text(x) AS CASE WHEN kv_missing(x) THEN NULL ELSE trim(x) END;
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
CREATE MACRO kv_grade(x) AS CASE
    WHEN regexp_full_match(lower(trim(x)), '[0-9]{{1,2}}\\s*\\.?\\s*(klasse|kl\\.?|klassetrin)?')
        THEN CAST(regexp_extract(trim(x), '^[0-9]+') AS TINYINT)
    WHEN lower(trim(x)) IN ('børnehaveklasse', 'bh.kl.', 'bh. kl.', 'bhkl') THEN 0::TINYINT
    END;
CREATE MACRO kv_word(x) AS regexp_replace(lower(x), '[^a-zæøå]', '', 'g');
CREATE MACRO kv_level(x) AS CASE
    WHEN regexp_full_match(trim(x), '[1-6]') THEN CAST(trim(x) AS TINYINT)
    ELSE {_map(_LEVEL_WORDS)}[kv_word(x)]::TINYINT END;
CREATE MACRO kv_subject(x) AS {_map(SUBJECT_WORDS)}[kv_word(x)];
CREATE MACRO kv_wellbeing(x) AS {_map(WELLBEING_WORDS)}[kv_word(x)];
CREATE MACRO kv_test_kind(x) AS {_map(_TEST_KIND_WORDS)}[kv_word(x)];
CREATE MACRO kv_default_test_kind(y) AS {_map(_DEFAULT_KINDS)}[y];
CREATE MACRO kv_school_kind(x) AS {
    _map(
        {
            "skole": "skole",
            "school": "skole",
            "dagtilbud": "dagtilbud",
            "daycare": "dagtilbud",
            "daginstitution": "dagtilbud",
        }
    )
}[kv_word(x)];
CREATE MACRO kv_verdict(x) AS {
    _map(
        {"overniveau": "Over niveau", "paaniveau": "På niveau", "påniveau": "På niveau", "underniveau": "Under niveau"}
    )
}[kv_word(x)];
CREATE MACRO kv_direction(x) AS CASE
    WHEN trim(x) IN ('>=', '≥') THEN '>='
    WHEN trim(x) IN ('<=', '≤') THEN '<='
    WHEN lower(trim(x)) IN ('stigende', 'faldende') THEN lower(trim(x))
    END;
CREATE MACRO kv_scope(x) AS CASE
    WHEN kv_missing(x) THEN NULL
    WHEN lower(trim(x)) IN ('kommune', 'skoler', 'dagtilbud') THEN lower(trim(x))
    ELSE array_to_string(string_split_regex(trim(x), '\\s*[,;]\\s*|\\s+'), ',')
    END;
"""


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create the macros in a (staging) connection."""
    con.execute(_MACROS)

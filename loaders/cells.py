"""The vocabulary macros (subjects, levels, well-being indicators, test kinds ...) of the staging connection.

The rules for every cell (missing markers, numbers, school years, grades) are
``core.cells``'s; ``install`` puts those and these in a staging connection.
Vocabularies come from ``indicators.catalogue`` so they are defined once, and
each lookup is generated from the same word map Python code reads
(``catalogue.subject_id`` reads ``SUBJECT_WORDS``).
"""

from __future__ import annotations

import re

import duckdb

from core import cells
from core.cells import vocabulary
from indicators.catalogue import CATALOGUE, LEVELS, SUBJECT_WORDS, TEST_KINDS, default_test_kind

WELLBEING_INDICATORS = {
    "social": "Social trivsel",
    "academic": "Faglig trivsel",
    "support": "Støtte og inspiration",
    "order": "Ro og orden",
    "general": "Generel skoletrivsel",
}
_WELLBEING_ALIASES = {"generel trivsel": "general"}


def _map(pairs: dict) -> str:
    items = ", ".join(f"{cells.sql_text(k)}: {cells.sql_text(v)}" for k, v in pairs.items())
    return "MAP {" + items + "}"


WELLBEING_WORDS = vocabulary(WELLBEING_INDICATORS, _WELLBEING_ALIASES)
_TEST_KIND_WORDS = vocabulary(
    {k: t.label for k, t in TEST_KINDS.items()},
    {
        "national test": "national_test",
        "nationale overgangstest": "overgangstest",
        "nationale færdighedstest": "faerdighedstest",
        "færdighedstest": "faerdighedstest",
    },
)
_DEFAULT_KINDS = {y: default_test_kind(y) for y in range(2000, 2060) if default_test_kind(y)}


def _indicator_key(text: str) -> str:
    """An indicator's id or label as ``kv_indicator`` matches it: lower-case letters *and digits* (3 vs 15 months)."""
    return re.sub("[^a-zæøå0-9]", "", text.lower())


# A catalogue id or its Danish label (national levels name their indicator either way).
INDICATOR_WORDS = {_indicator_key(k): i for i, ind in CATALOGUE.items() for k in (i, ind.label)}
assert len(INDICATOR_WORDS) == 2 * len(CATALOGUE), "two indicators read alike"
_LEVEL_WORDS = {cells.word_key(name): n for n, name in LEVELS.items()}

_MACROS = f"""
CREATE MACRO kv_level(x) AS CASE
    WHEN regexp_full_match(x, '[1-6]') THEN CAST(x AS TINYINT)
    ELSE {_map(_LEVEL_WORDS)}[kv_word(x)]::TINYINT END;
CREATE MACRO kv_subject(x) AS {_map(SUBJECT_WORDS)}[kv_word(x)];
CREATE MACRO kv_indicator(x) AS {_map(INDICATOR_WORDS)}[regexp_replace(lower(x), '[^a-zæøå0-9]', '', 'g')];
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
"""


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create every cell macro in a staging connection: ``core.cells``'s and the vocabularies'."""
    cells.install(con)
    con.execute(_MACROS)

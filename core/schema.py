"""The DuckDB schema: every table, owned here, with numbered migrations run on open.

School years are stored as the year they start in (2024 = 2024/25). Grades are
integers (0 = børnehaveklasse). Missing or suppressed source cells are NULL.
Every data row carries the ``batch_id`` of the import that wrote it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import duckdb

_KOMMUNER_CSV = Path(__file__).parent / "data" / "kommuner.csv"

_V1 = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);

CREATE TABLE municipalities (
    code        INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL,
    region_code INTEGER,
    region      VARCHAR,
    synthetic   BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE institutions (
    institution_id    VARCHAR PRIMARY KEY,  -- INST_NR (6 digits) or the municipality's own id
    name              VARCHAR NOT NULL,
    kind              VARCHAR NOT NULL CHECK (kind IN ('skole', 'dagtilbud')),
    municipality_code INTEGER,
    district          VARCHAR,
    parent_id         VARCHAR,              -- main school of a department, or a daycare's umbrella
    unit_type         VARCHAR,              -- ENHEDSART
    institution_type  VARCHAR,              -- INST_TYPE_NAVN
    owner             VARCHAR,              -- EJERKODE_NAVN
    latitude          DOUBLE,
    longitude         DOUBLE,
    batch_id          INTEGER
);

CREATE SEQUENCE batch_seq START 1;
CREATE TABLE import_batches (
    batch_id      INTEGER PRIMARY KEY,
    file_name     VARCHAR NOT NULL,
    sha256        VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    shape         VARCHAR,
    rows_read     INTEGER,
    rows_loaded   INTEGER,
    rows_rejected INTEGER,
    status        VARCHAR NOT NULL,   -- indlæst | uændret | afvist
    messages      VARCHAR,            -- the report, one finding a line
    scope         VARCHAR,            -- what the batch replaced, in words
    replaced      INTEGER,            -- rows of earlier batches it replaced
    imported_by   VARCHAR,
    imported_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);

-- National tests, one row per pupil and test (old scale and transition tests).
CREATE TABLE test_pupil_results (
    batch_id       INTEGER NOT NULL,
    pupil_key      VARCHAR NOT NULL,
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,
    grade          TINYINT NOT NULL,
    class          VARCHAR,
    subject        VARCHAR NOT NULL,   -- subject id, e.g. dansk_laesning
    test_kind      VARCHAR NOT NULL,   -- national_test | overgangstest | ...
    level          TINYINT,            -- 1..6, NULL where the test has no levels
    score          DOUBLE,             -- norm-based 1..100 (national_test)
    points         DOUBLE,             -- transition tests
    max_points     DOUBLE
);

-- National tests, aggregated: counts per performance level.
CREATE TABLE test_aggregates (
    batch_id       INTEGER NOT NULL,
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,
    grade          TINYINT NOT NULL,
    subject        VARCHAR NOT NULL,
    test_kind      VARCHAR NOT NULL,
    n_tested       INTEGER NOT NULL,
    level_1 INTEGER, level_2 INTEGER, level_3 INTEGER,
    level_4 INTEGER, level_5 INTEGER, level_6 INTEGER,
    mean_score     DOUBLE
);

-- Well-being survey aggregates; grade NULL = all grades together.
CREATE TABLE wellbeing (
    batch_id       INTEGER NOT NULL,
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,
    grade          TINYINT,
    indicator      VARCHAR NOT NULL,   -- social | academic | support | order | general
    value          DOUBLE,             -- 1..5; NULL where the source withheld it
    respondents    INTEGER             -- NULL = unknown
);

CREATE TABLE language_assessments (
    batch_id       INTEGER NOT NULL,
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,
    n_assessed     INTEGER,
    n_general      INTEGER,
    n_focused      INTEGER,
    n_special      INTEGER
);

CREATE TABLE absence (
    batch_id       INTEGER NOT NULL,
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,
    grade          TINYINT,
    n_pupils       INTEGER,
    absence_pct    DOUBLE,             -- share 0..1
    sick_pct       DOUBLE,
    permitted_pct  DOUBLE,
    unlawful_pct   DOUBLE,
    share_over_10  DOUBLE              -- share 0..1
);

CREATE TABLE exam_grades (
    batch_id       INTEGER NOT NULL,
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,
    n_pupils       INTEGER,
    mean_grade     DOUBLE,
    socref         DOUBLE,
    socref_diff    DOUBLE,
    socref_verdict VARCHAR             -- Over niveau | På niveau | Under niveau
);

CREATE TABLE youth_transition (
    batch_id       INTEGER NOT NULL,
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,  -- the year the pupils left grade 9
    n_pupils       INTEGER,
    share_3m       DOUBLE,
    share_15m      DOUBLE
);

CREATE TABLE competence (
    batch_id       INTEGER NOT NULL,
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,
    subject        VARCHAR,
    planned_hours  DOUBLE,
    covered_hours  DOUBLE
);

-- Goals are versioned: a change adds a row; the current goal is its latest version.
CREATE TABLE goal_versions (
    goal_id     VARCHAR NOT NULL,
    version     INTEGER NOT NULL,
    title       VARCHAR NOT NULL,
    indicator   VARCHAR NOT NULL,
    subject     VARCHAR,               -- subject id; NULL = all pooled
    grade       TINYINT,               -- NULL = all pooled
    scope       VARCHAR NOT NULL,      -- kommune | skoler | dagtilbud | comma-separated ids
    direction   VARCHAR NOT NULL,      -- >= | <= | stigende | faldende
    target      DOUBLE,                -- in the indicator's unit (shares as 0..1)
    target_year SMALLINT,
    adopted     VARCHAR,
    note        VARCHAR,
    deleted     BOOLEAN NOT NULL DEFAULT false,
    changed_by  VARCHAR,
    changed_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    batch_id    INTEGER,
    PRIMARY KEY (goal_id, version)
);

-- Dialogue notes are versioned like goals: an edit adds a version, nothing is overwritten.
CREATE TABLE dialogue_notes (
    note_id        VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,
    topic_kind     VARCHAR NOT NULL,    -- institution | goal | area
    topic          VARCHAR,             -- goal_id or area name; NULL for the whole institution
    note_kind      VARCHAR NOT NULL,    -- assessment | administration | action | followup
    text           VARCHAR NOT NULL,
    action_owner   VARCHAR,             -- actions: who
    action_due     DATE,                -- actions: by when
    action_status  VARCHAR,             -- actions: åben | i gang | gennemført | opgivet
    follows_up     VARCHAR,             -- followup: the note_id of the action it follows up
    shared_with_council BOOLEAN NOT NULL DEFAULT false,
    deleted        BOOLEAN NOT NULL DEFAULT false,
    author         VARCHAR,
    author_role    VARCHAR,
    written_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (note_id, version)
);

CREATE VIEW current_dialogue_notes AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY note_id ORDER BY version DESC) AS rn
    FROM dialogue_notes
) WHERE rn = 1 AND NOT deleted;

-- Append-only record of who did what (logins, imports, exports, downloads, goal and note changes).
CREATE SEQUENCE audit_seq START 1;
CREATE TABLE audit_log (
    audit_id  BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    occurred_at TIMESTAMP NOT NULL DEFAULT current_timestamp,
    who       VARCHAR NOT NULL,
    role      VARCHAR,
    action    VARCHAR NOT NULL,    -- login | logout | import | export | download | goal_change | note_change
                                 -- | role_change | samtale_change | denied
    object    VARCHAR,
    details   VARCHAR,
    origin    VARCHAR              -- command line, or the browser's address
);

CREATE VIEW goals AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY goal_id ORDER BY version DESC) AS rn
    FROM goal_versions
) WHERE rn = 1 AND NOT deleted;
"""


# Fictional municipalities of the sample: Eksempelby and the six neighbours of its cluster (codes no real
# municipality has). Fictional rather than real neighbours, so that no real municipality is shown with
# invented results, and so that the demo database can tell the sample's files from real ones.
SYNTHETIC_MUNICIPALITIES = {
    999: "Eksempelby",
    991: "Nordlund",
    992: "Sønderå",
    993: "Vesterhede",
    994: "Østermark",
    995: "Skovbjerg",
    996: "Fjordby",
}


def _seed_municipalities(con: duckdb.DuckDBPyConnection) -> None:
    """Add every built-in municipality the table lacks (a code already there keeps its row)."""
    with _KOMMUNER_CSV.open(encoding="utf-8") as f:
        rows: list[tuple[int, str, int | None, str | None, bool]] = [
            (int(r["kommunekode"]), r["kommune"], int(r["regionskode"]), r["region"], False) for r in csv.DictReader(f)
        ]
    # The sample municipality and its cluster neighbours are fictional; they are flagged so every page can say so.
    rows += [(code, name, None, None, True) for code, name in SYNTHETIC_MUNICIPALITIES.items()]
    con.executemany("INSERT INTO municipalities VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING", rows)


# Who may log in as what (issue 6): one row per user, maintained by the administration.
_V2 = """
CREATE TABLE role_assignments (
    user_id      VARCHAR PRIMARY KEY,   -- e-mail (lower case) or OIDC subject
    role         VARCHAR NOT NULL CHECK (role IN ('public', 'council', 'administration', 'leader')),
    institutions VARCHAR,               -- comma-separated institution ids (leaders only)
    changed_by   VARCHAR,
    changed_at   TIMESTAMP NOT NULL DEFAULT current_timestamp
);
"""


# The skoleudviklingssamtale (folkeskoleloven § 40 a, issue 16): one a school and school year, its agreements, and
# the council's strategic frame for the year. Versioned like the notes: a change adds a version, nothing is
# overwritten; the current state is each record's latest version.
_V4 = """
CREATE TABLE samtale_versions (
    samtale_id         VARCHAR NOT NULL,
    version            INTEGER NOT NULL,
    institution_id     VARCHAR NOT NULL,
    school_year        SMALLINT NOT NULL,
    held_on            DATE,                -- the day it is planned for, or was held
    held               BOOLEAN NOT NULL DEFAULT false,
    leader_names       VARCHAR,             -- participants, as written: the school's leadership
    administration_names VARCHAR,           -- the administration
    council_names      VARCHAR,             -- members of the council or its committee
    parent_names       VARCHAR,             -- a parent from the school board (from 1 August 2025)
    other_names        VARCHAR,
    development_areas  VARCHAR,             -- the leader's proposal, one area a line
    school_assessment  VARCHAR,             -- the school's own assessment
    summary            VARCHAR,             -- the referat of what was said
    shared_with_council BOOLEAN NOT NULL DEFAULT false,
    deleted            BOOLEAN NOT NULL DEFAULT false,
    author             VARCHAR,
    author_role        VARCHAR,
    written_at         TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (samtale_id, version)
);

CREATE VIEW current_samtaler AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY samtale_id ORDER BY version DESC) AS rn FROM samtale_versions
) WHERE rn = 1 AND NOT deleted;

CREATE TABLE samtale_agreement_versions (
    agreement_id   VARCHAR NOT NULL,
    version        INTEGER NOT NULL,
    samtale_id     VARCHAR NOT NULL,        -- the samtale that agreed it
    institution_id VARCHAR NOT NULL,
    school_year    SMALLINT NOT NULL,
    text           VARCHAR NOT NULL,        -- what
    owner          VARCHAR NOT NULL,        -- who
    due            DATE NOT NULL,           -- by when
    status         VARCHAR NOT NULL,        -- åben | i gang | gennemført | opgivet
    followup       VARCHAR,                 -- what a later samtale said about it
    deleted        BOOLEAN NOT NULL DEFAULT false,
    author         VARCHAR,
    author_role    VARCHAR,
    written_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (agreement_id, version)
);

CREATE VIEW current_samtale_agreements AS
SELECT * EXCLUDE (rn) FROM (
    SELECT *, row_number() OVER (PARTITION BY agreement_id ORDER BY version DESC) AS rn
    FROM samtale_agreement_versions
) WHERE rn = 1 AND NOT deleted;

CREATE TABLE strategic_frame_versions (
    municipality_code INTEGER NOT NULL,
    school_year    SMALLINT NOT NULL,
    version        INTEGER NOT NULL,
    topics         VARCHAR NOT NULL,        -- one topic a line; empty = none
    author         VARCHAR,
    author_role    VARCHAR,
    written_at     TIMESTAMP NOT NULL DEFAULT current_timestamp,
    PRIMARY KEY (municipality_code, school_year, version)
);
"""

# Issue 16: a transition or skills test row may be one profile area of the test (NULL = the whole test); the
# language assessment may count by calendar year (the ministry's daycare statistics) and may carry the number
# of children of the age enrolled, so that pages can say how many were assessed out of how many.
_V6 = """
ALTER TABLE test_pupil_results ADD COLUMN profile_area VARCHAR;
ALTER TABLE language_assessments ADD COLUMN n_enrolled INTEGER;
ALTER TABLE language_assessments ADD COLUMN period VARCHAR NOT NULL DEFAULT 'school_year';  -- | calendar_year
"""


# What the own municipality compares itself with (issue 13): the country's published figures and clusters of
# municipalities. Both are public; neither is ever used to compute anything else.
_V5 = """
CREATE TABLE national_levels (
    batch_id    INTEGER NOT NULL,
    school_year SMALLINT NOT NULL,
    indicator   VARCHAR NOT NULL,   -- catalogue id
    subject     VARCHAR,            -- subject id; NULL = all subjects (or none)
    grade       TINYINT,            -- NULL = all grades (or none)
    value       DOUBLE NOT NULL,    -- in the indicator's unit, shares as 0..1
    n           INTEGER             -- pupils behind it, where published
);

CREATE TABLE clusters (
    batch_id          INTEGER NOT NULL,
    cluster           VARCHAR NOT NULL,   -- the klynge's name
    municipality_code INTEGER NOT NULL
);
"""


def _v5(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V5)
    _seed_municipalities(con)


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_V1)
    _seed_municipalities(con)


MIGRATIONS: list[tuple[int, Callable[[duckdb.DuckDBPyConnection], object]]] = [
    # (version, function applying it inside a transaction)
    (1, _v1),
    (2, lambda con: con.execute(_V2)),
    # 411 Christiansø joined the built-in table (the institution register carries it): older databases get it too.
    (3, _seed_municipalities),
    (4, lambda con: con.execute(_V4)),
    (5, _v5),
    (6, lambda con: con.execute(_V6)),
]
SCHEMA_VERSION = MIGRATIONS[-1][0]


def version(con: duckdb.DuckDBPyConnection) -> int:
    """The schema version of an open database (0 = empty)."""
    # The current catalog only: the database may be attached beside a loader's staging tables.
    tables = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' AND table_catalog = current_database()"
    ).fetchone()
    if not tables or not tables[0]:
        return 0
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Bring the schema up to date, each step in its own transaction; returns the version."""
    current = version(con)
    for number, apply in MIGRATIONS:
        if number <= current:
            continue
        con.execute("BEGIN")
        try:
            apply(con)
            con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(number)])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = number
    return current

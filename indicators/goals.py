"""Goals: validation, versioned storage and evaluation by the status rules in docs/formats.md.

Validation lives here (``check_goal``) so that the goal sheet loader and the
app's goal form accept and reject exactly the same things and store the same
normalised values: the form through ``clean_goal`` / ``validate_goal``, the
loader through ``loaders.goals.check``.
A goal is never overwritten: every change adds a version to ``goal_versions``,
and deleting adds a version marked deleted (the view ``goals`` shows the
current, undeleted versions).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from core import audit, danish, database, schoolyear, settings
from core.errors import KvalitetsdialogError
from core.viewer import Viewer
from indicators import engine, uncertainty
from indicators.catalogue import CATALOGUE, SUBJECTS, Indicator, comparable

STATUS_LABELS = {"met": "Opfyldt", "on_track": "På vej", "not_met": "Ikke opfyldt", "no_data": "Ingen data"}
LEVEL_DIRECTIONS = (">=", "<=")
TREND_DIRECTIONS = ("stigende", "faldende")
_DIRECTION_ALIASES = {
    ">=": ">=",
    "≥": ">=",
    "=>": ">=",
    "<=": "<=",
    "≤": "<=",
    "=<": "<=",
    "stigende": "stigende",
    "faldende": "faldende",
}
_SCOPE_WORDS = ("kommune", "skoler", "dagtilbud")
# The range a target may take, by the indicator's unit (shares already normalised to 0-1).
_UNIT_RANGE = {"share": (0.0, 1.0), "scale5": (1.0, 5.0), "score": (1.0, 100.0), "grade": (-3.0, 12.0)}
_GOAL_ID = re.compile(r"^[\wæøåÆØÅ.\-]{1,40}$")
FIELDS = (
    "goal_id",
    "title",
    "indicator",
    "subject",
    "grade",
    "scope",
    "direction",
    "target",
    "target_year",
    "adopted",
    "note",
)


def _blank(value) -> bool:
    return (
        value is None
        or (isinstance(value, float) and np.isnan(value))
        or str(value).strip() in ("", "..", ".", "-", "–", "*")
    )


def _number(raw) -> float:
    """A plain or Danish number (``1.234,5``, ``78,3``, ``0.8``); ValueError otherwise."""
    if isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(raw, bool):
        return float(raw)
    text = str(raw).strip().replace("\u00a0", "").replace(" ", "").rstrip("%")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    return float(text)


def normalise_target(indicator: str | Indicator, raw) -> float:
    """A target as stored: in the indicator's unit, shares as 0-1.

    Shares accept a percentage or a fraction: ``80``, ``"80 %"``, ``"0,8"`` -> 0.8
    (a number above 1 or written with ``%`` is a percentage). Raises
    KvalitetsdialogError with a Danish message for anything else.

    >>> normalise_target("nt_share_good", "80 %"), normalise_target("nt_share_good", "0,8"), normalise_target("nt_share_good", 80)
    (0.8, 0.8, 0.8)
    >>> normalise_target("wb_general", "4,0")
    4.0
    """
    ind = indicator if isinstance(indicator, Indicator) else engine.indicator(indicator)
    try:
        value = _number(raw)
    except (TypeError, ValueError):
        raise KvalitetsdialogError(f"Målværdien '{raw}' er ikke et tal.", "Ugyldig målværdi") from None
    if not np.isfinite(value):
        raise KvalitetsdialogError(f"Målværdien '{raw}' er ikke et tal.", "Ugyldig målværdi")
    if ind.unit == "share" and ("%" in str(raw) or value > 1):
        value = round(value / 100, 10)
    low, high = _UNIT_RANGE.get(ind.unit, (-np.inf, np.inf))
    if ind.id != "exam_socref_diff" and not low <= value <= high:
        shown = "0-100 %" if ind.unit == "share" else f"{low:g}-{high:g}".replace(".", ",")
        raise KvalitetsdialogError(
            f"Målværdien '{raw}' ligger uden for indikatorens skala ({shown}).", "Ugyldig målværdi"
        )
    return value


def _key(text: str) -> str:
    return re.sub(r"[^a-zæøå0-9]", "", str(text).lower().replace("ae", "æ"))


_SUBJECT_KEYS = {**{_key(label): sid for sid, label in SUBJECTS.items()}, **{_key(sid): sid for sid in SUBJECTS}}


def _subject(raw) -> str | None:
    """A subject id from an id or a Danish name as the test extracts write it."""
    return _SUBJECT_KEYS.get(_key(raw))


_GRADE = re.compile(r"^(\d{1,2})\s*\.?\s*(klasse|kl\.?|klassetrin)?$", re.IGNORECASE)
_GRADE_ZERO = ("børnehaveklasse", "bh.kl.", "bh. kl.", "bhkl")


def _grade(raw) -> int | None:
    """A grade from ``4``, ``4.``, ``4. klasse`` or ``børnehaveklasse`` (0); None when unreadable."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)  # spreadsheets hand grades over as 2.0
    text = str(raw).strip()
    if text.lower() in _GRADE_ZERO:
        return 0
    m = _GRADE.match(text)
    return int(m.group(1)) if m else None


def check_goal(fields: dict, institutions: set[str] | None = None) -> tuple[dict, list[tuple[str, str]]]:
    """The goal as stored (ids, numbers, school years normalised) and every problem as
    (field, Danish message fragment): the one set of per-goal rules, shared by the app's goal
    form (``clean_goal``) and the goal sheet loader (``loaders.goals.check``, which names file,
    row and column). ``institutions``: the known institution ids, to check a scope that lists
    ids (None = not checked).

    >>> check_goal({"goal_id": "M1", "title": "Trivsel", "indicator": "wb_general", "scope": "skoler",
    ...             "direction": "mindst"})[1]
    [('direction', "'mindst' er ikke en retning; brug >=, <=, stigende eller faldende")]
    """
    f = {k: (None if _blank(fields.get(k)) else fields.get(k)) for k in FIELDS}
    problems: list[tuple[str, str]] = []
    goal: dict[str, Any] = {k: (str(v).strip() if v is not None else None) for k, v in f.items()}

    if goal["goal_id"] is None:
        problems.append(("goal_id", "mål-id mangler"))
    elif not _GOAL_ID.match(goal["goal_id"]):
        problems.append(
            ("goal_id", f"mål-id '{goal['goal_id']}' må kun indeholde bogstaver, tal, '_', '-' og '.' (højst 40 tegn)")
        )
    if goal["title"] is None:
        problems.append(("title", "titel (målformulering) mangler"))

    ind = CATALOGUE.get(goal["indicator"] or "")
    if goal["indicator"] is None:
        problems.append(("indicator", "indikator mangler"))
    elif ind is None:
        problems.append(
            (
                "indicator",
                f"ukendt indikator '{goal['indicator']}'; brug et id fra indikatorkataloget, fx nt_share_good",
            )
        )

    if goal["subject"] is not None:
        sid = _subject(goal["subject"])
        if sid is None:
            problems.append(("subject", f"ukendt fag '{goal['subject']}'"))
        elif ind is not None and sid not in ind.subjects:
            problems.append(
                (
                    "subject",
                    f"indikatoren har ikke faget '{goal['subject']}'"
                    + (
                        f" ({ind.id} har {', '.join(SUBJECTS[s] for s in ind.subjects)})"
                        if ind.subjects
                        else f" ({ind.id} har ingen fag)"
                    ),
                )
            )
        goal["subject"] = sid

    if goal["grade"] is not None:
        grade = _grade(f["grade"])
        if grade is None or not 0 <= grade <= 10:
            problems.append(("grade", f"klassetrin '{goal['grade']}' skal være et tal fra 0 til 10"))
        elif ind is not None and not ind.has_grades:
            problems.append(("grade", f"indikatoren '{ind.id}' kan ikke opdeles på klassetrin"))
        goal["grade"] = grade

    scope = goal["scope"]
    if scope is None:
        problems.append(("scope", "omfang mangler (kommune, skoler, dagtilbud eller en liste af institutions-id'er)"))
    elif scope.lower() in _SCOPE_WORDS:
        goal["scope"] = scope.lower()
    else:
        ids = [i for i in re.split(r"[,;\s]+", scope) if i]
        unknown = [i for i in ids if institutions is not None and i not in institutions]
        if unknown:
            problems.append(
                (
                    "scope",
                    f"omfanget '{scope}' nævner institutioner, der ikke findes i "
                    f"institutionstabellen: {', '.join(unknown)}",
                )
            )
        goal["scope"] = ",".join(ids)

    direction = _DIRECTION_ALIASES.get((goal["direction"] or "").lower().replace(" ", ""))
    if goal["direction"] is None:
        problems.append(("direction", "retning mangler (>=, <=, stigende eller faldende)"))
    elif direction is None:
        problems.append(
            ("direction", f"'{goal['direction']}' er ikke en retning; brug >=, <=, stigende eller faldende")
        )
    goal["direction"] = direction

    if f["target"] is not None and ind is not None:
        try:
            goal["target"] = normalise_target(ind, f["target"])
        except KvalitetsdialogError as e:
            problems.append(("target", e.message[0].lower() + e.message[1:].rstrip(".")))
            goal["target"] = None
    elif f["target"] is not None:
        goal["target"] = None
    if direction in LEVEL_DIRECTIONS and f["target"] is None:
        problems.append(("target", "et niveaumål (>= eller <=) skal have en målværdi"))
    if direction in TREND_DIRECTIONS and f["target"] is not None:
        problems.append(("target", "et mål om stigning eller fald fra år til år har ingen målværdi"))

    if f["target_year"] is not None:
        raw_year = f["target_year"]
        year = int(raw_year) if isinstance(raw_year, (int, np.integer)) else schoolyear.parse(str(raw_year))
        if year is None:
            problems.append(
                ("target_year", f"'{raw_year}' er ikke et skoleår; skriv målåret som 2026/2027 eller 2026/27")
            )
        goal["target_year"] = year
    elif direction in LEVEL_DIRECTIONS:
        problems.append(("target_year", "et niveaumål (>= eller <=) skal have et målår"))
    return goal, problems


def _sentence(fragment: str) -> str:
    return fragment[0].upper() + fragment[1:] + "."


def clean_goal(fields: dict, institutions: set[str] | None = None) -> tuple[dict, list[str]]:
    """The goal as stored and every problem as a Danish sentence (``check_goal`` for the form).

    >>> goal, problems = clean_goal({"goal_id": "M1", "title": "Flere gode læsere", "indicator": "nt_share_good",
    ...     "subject": "Dansk, læsning", "scope": "skoler", "direction": "≥", "target": "80 %", "target_year": "2026/27"})
    >>> problems, goal["subject"], goal["direction"], goal["target"], goal["target_year"]
    ([], 'dansk_laesning', '>=', 0.8, 2026)
    """
    goal, problems = check_goal(fields, institutions)
    return goal, [_sentence(message) for _, message in problems]


def validate_goal(fields: dict, institutions: set[str] | None = None) -> list[str]:
    """Every problem with a goal's fields, in Danish (empty list = valid).

    >>> validate_goal({"goal_id": "M2", "title": "Fravær", "indicator": "abs_mean_pct", "scope": "kommune",
    ...                "direction": "<=", "target": "5 %"})
    ['Et niveaumål (>= eller <=) skal have et målår.']
    """
    return clean_goal(fields, institutions)[1]


def add_goal_version(
    con: duckdb.DuckDBPyConnection, goal: dict, user: str, *, deleted: bool = False, batch_id: int | None = None
) -> int | None:
    """Add a version of a cleaned goal inside the caller's transaction; returns the new version,
    or None when the goal is unchanged (so loading the same sheet twice changes nothing)."""
    current = con.execute(
        f"SELECT {', '.join(FIELDS)}, deleted, version FROM goal_versions WHERE goal_id = ? "
        "ORDER BY version DESC LIMIT 1",
        [goal["goal_id"]],
    ).fetchone()
    values = [goal.get(k) for k in FIELDS]
    if current is not None:
        same = all(_same(a, b) for a, b in zip(current[: len(FIELDS)], values)) and current[-2] == deleted
        if same:
            return None
    version = (current[-1] if current else 0) + 1
    con.execute(
        f"INSERT INTO goal_versions ({', '.join(FIELDS)}, version, deleted, changed_by, batch_id) "
        f"VALUES ({', '.join('?' * (len(FIELDS) + 4))})",
        values + [version, deleted, user, batch_id],
    )
    audit.insert(
        con, user, None, "goal_change", goal["goal_id"], f"version {version}" + (" (slettet)" if deleted else "")
    )
    return version


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-12
    return str(a) == str(b)


def save_goal(db: Path, goal: dict, user: str) -> int | None:
    """Validate a goal and add it as a new version; raises KvalitetsdialogError listing every problem.

    Returns the new version number (None when nothing changed).

    >>> # save_goal(db, {"goal_id": "M1", "title": "...", "indicator": "wb_general", "scope": "skoler",
    >>> #                "direction": ">=", "target": "4,0", "target_year": "2026/27"}, user="app:administration")
    """
    with database.write(Path(db)) as con:
        known = {r[0] for r in con.execute("SELECT institution_id FROM institutions").fetchall()}
        cleaned, problems = clean_goal(goal, known)
        if problems:
            raise KvalitetsdialogError("\n".join(problems), "Målet blev ikke gemt")
        con.execute("BEGIN")
        try:
            version = add_goal_version(con, cleaned, user)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return version


def delete_goal(db: Path, goal_id: str, user: str) -> int | None:
    """Mark a goal deleted (as a new version; its history stays)."""
    with database.write(Path(db)) as con:
        row = con.execute("SELECT * FROM goals WHERE goal_id = ?", [goal_id]).df()
        if row.empty:
            raise KvalitetsdialogError(f"Målet '{goal_id}' findes ikke.", "Ukendt mål")
        goal = {k: (None if pd.isna(row.at[0, k]) else row.at[0, k]) for k in FIELDS}
        goal = {
            k: (int(v) if isinstance(v, np.integer) else float(v) if isinstance(v, np.floating) else v)
            for k, v in goal.items()
        }
        con.execute("BEGIN")
        try:
            version = add_goal_version(con, goal, user, deleted=True)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return version


def goal_history(con: duckdb.DuckDBPyConnection, goal_id: str | None = None) -> pd.DataFrame:
    """Every version of one goal (or of all goals), oldest first: who changed what, when."""
    where, params = ("WHERE goal_id = ?", [goal_id]) if goal_id is not None else ("", [])
    return con.execute(
        f"SELECT goal_id, version, {', '.join(FIELDS[1:])}, deleted, changed_by, changed_at, batch_id "
        f"FROM goal_versions {where} ORDER BY goal_id, version",
        params,
    ).df()


# ---------------------------------------------------------------- evaluation

EVAL_COLUMNS = [
    "goal_id",
    "title",
    "indicator",
    "subject",
    "grade",
    "level",
    "unit_id",
    "unit_name",
    "school_year",
    "value",
    "n",
    "target",
    "target_year",
    "direction",
    "status",
    "previous_year",
    "previous_value",
    "change_significant",
    "sentence",
    "distance",
]


def _scope_units(con, goal: dict, kommune: int) -> list[str]:
    scope = goal["scope"]
    if scope == "kommune":
        return []
    if scope in ("skoler", "dagtilbud"):
        kind = "skole" if scope == "skoler" else "dagtilbud"
        return [
            r[0]
            for r in con.execute(
                "SELECT institution_id FROM institutions WHERE kind = ? AND municipality_code = ? ORDER BY 1",
                [kind, kommune],
            ).fetchall()
        ]
    return sorted(i for i in scope.split(",") if i)


def _meets(value: float, direction: str, target: float) -> bool:
    return value >= target if direction == ">=" else value <= target


def _line_at(points: list[tuple[int, float]], year: int) -> float:
    """The least-squares line through (year, value) points, evaluated at ``year``."""
    xs = np.array([p[0] for p in points], dtype=float)
    ys = np.array([p[1] for p in points], dtype=float)
    slope = ((xs - xs.mean()) * (ys - ys.mean())).sum() / ((xs - xs.mean()) ** 2).sum()
    return float(ys.mean() + slope * (year - xs.mean()))


def evaluate_unit(ind: Indicator, goal: dict, series: dict[int, dict], y: int | None, threshold: int) -> dict:
    """Status, previous value, significance, distance and sentence for one unit.

    ``series``: school year -> {"value", "n", "lower", "upper", "suppressed"} for that unit.
    """
    direction, target, target_year = goal["direction"], goal["target"], goal["target_year"]
    label = ind.label
    row = series.get(y) if y is not None else None
    has = {yy: r for yy, r in series.items() if not r["suppressed"] and pd.notna(r["value"])}
    out = {
        "value": np.nan,
        "n": pd.NA,
        "previous_year": pd.NA,
        "previous_value": np.nan,
        "change_significant": pd.NA,
        "distance": np.nan,
    }
    if row is not None:
        out["n"] = row["n"]
    if target is not None and direction in LEVEL_DIRECTIONS:
        word = "mindst" if direction == ">=" else "højst"
        goal_text = f"målet er {word} {danish.value(target, ind.unit)}" + (
            f" i {schoolyear.short(target_year)}" if target_year is not None else ""
        )
    else:
        goal_text = f"målet er, at den {'stiger' if direction == 'stigende' else 'falder'} fra år til år"

    if y is None:
        return {**out, "status": "no_data", "sentence": f"{label}: ingen data; {goal_text}."}
    if y not in has:
        why = (
            f"værdien for {schoolyear.short(y)} er skjult, fordi færre end {threshold} indgår"
            if row is not None and row["suppressed"]
            else f"ingen værdi for {schoolyear.short(y)}"
        )
        return {**out, "status": "no_data", "sentence": f"{label}: {why}; {goal_text}."}

    v = float(has[y]["value"])
    out["value"] = v
    earlier = sorted(yy for yy in has if yy < y and comparable(ind, yy, y))
    if earlier:
        p_year = earlier[-1]
        p = float(has[p_year]["value"])
        out["previous_year"], out["previous_value"] = p_year, p
        sig = uncertainty.change_significant(
            has[p_year]["lower"], has[p_year]["upper"], has[y]["lower"], has[y]["upper"]
        )
        out["change_significant"] = pd.NA if sig is None else sig
        sig_text = {True: "signifikant", False: "ikke signifikant", None: "usikkerheden er ukendt"}[sig]
        if sig is not None and "assumed_sd" in (has[p_year].get("interval_kind"), has[y].get("interval_kind")):
            sig_text += ", skønnet usikkerhed"  # the interval rests on an assumed spread (catalogue.assumed_sd)
        shown_p, shown_v = danish.value(p, ind.unit), danish.value(v, ind.unit)
        # Equal as shown is unchanged: "faldt fra 3,79 til 3,79" would report a difference nobody can see.
        if shown_p == shown_v:
            what = (
                f"{label} var uændret på {shown_v} fra {schoolyear.short(p_year)} til "
                f"{schoolyear.short(y)} ({sig_text})"
            )
        else:
            verb = "steg" if v > p else "faldt"
            what = (
                f"{label} {verb} fra {shown_p} i {schoolyear.short(p_year)} til {shown_v} "
                f"i {schoolyear.short(y)} ({sig_text})"
            )
    else:
        what = f"{label} var {danish.value(v, ind.unit)} i {schoolyear.short(y)} (ingen sammenlignelig værdi året før)"

    if direction in LEVEL_DIRECTIONS:
        out["distance"] = v - target if direction == ">=" else target - v
        if _meets(v, direction, target):
            status = "met"
        elif target_year is not None and y < target_year:
            points = [(yy, float(has[yy]["value"])) for yy in earlier + [y]][-3:]
            status = (
                "on_track"
                if len(points) >= 2 and _meets(_line_at(points, target_year), direction, target)
                else "not_met"
            )
        else:
            status = "not_met"
    else:
        if not earlier:
            return {**out, "status": "no_data", "sentence": f"{what}; {goal_text}."}
        p = out["previous_value"]
        out["distance"] = v - p if direction == "stigende" else p - v
        status = "met" if (v > p if direction == "stigende" else v < p) else "not_met"
    return {**out, "status": status, "sentence": f"{what}; {goal_text}."}


def evaluate_goals(
    con: duckdb.DuckDBPyConnection,
    viewer: Viewer,
    *,
    kommune: int | None = None,
    year: int | None = None,
    goal_ids: list[str] | None = None,
    min_n: int | None = None,
) -> pd.DataFrame:
    """Every current goal's status for the municipality and each institution in its scope.

    ``year`` None = for each goal, the latest school year in which its indicator has any value.
    Rows the viewer may not see are left out (``public``: no goal on a test indicator;
    a leader: the municipality and their own institutions only).

    >>> import tempfile; from core.viewer import Viewer
    >>> db = Path(tempfile.mkdtemp()) / "x.duckdb"; database.ensure(db)
    >>> with database.write(db) as con:
    ...     _ = con.execute("INSERT INTO institutions (institution_id, name, kind, municipality_code) "
    ...                     "VALUES ('D1', 'Dagtilbud 1', 'dagtilbud', 999)")
    ...     _ = con.execute("INSERT INTO language_assessments VALUES (1, 'D1', 2023, 20, 16, 3, 1), "
    ...                     "(1, 'D1', 2024, 20, 17, 2, 1)")
    >>> _ = save_goal(db, {"goal_id": "S1", "title": "Sprog", "indicator": "la_share_general",
    ...                    "scope": "kommune", "direction": "stigende"}, "doc")
    >>> with database.read(db) as con:
    ...     row = evaluate_goals(con, Viewer.parse("council"), kommune=999).iloc[0]
    >>> row["status"], row["sentence"]
    ('met', 'Andel i generel indsats (sprogvurdering) steg fra 80,0 % i 2023/24 til 85,0 % i 2024/25 (ikke signifikant); målet er, at den stiger fra år til år.')
    """
    engine.require_viewer(viewer)
    code = settings.kommune(kommune)
    threshold = max(settings.min_n() if min_n is None else int(min_n), engine.ABSOLUTE_MIN_N)
    goals = con.execute(f"SELECT {', '.join(FIELDS)} FROM goals ORDER BY goal_id").df()
    if goal_ids is not None:
        goals = goals[goals["goal_id"].isin(list(goal_ids))]
    names = dict(con.execute("SELECT institution_id, name FROM institutions").fetchall())
    mun_name = (con.execute("SELECT name FROM municipalities WHERE code = ?", [code]).fetchone() or [str(code)])[0]
    sees_municipality = viewer.role != "leader" or code in engine._leader_municipalities(con, viewer)
    rows = []
    for rec in goals.to_dict("records"):
        goal = {k: (None if pd.isna(v) else v) for k, v in rec.items()}
        goal["grade"] = None if goal["grade"] is None else int(goal["grade"])
        goal["target_year"] = None if goal["target_year"] is None else int(goal["target_year"])
        ind = CATALOGUE.get(str(goal["indicator"]))
        if ind is None or (ind.confidential and not viewer.sees_national_tests):
            continue
        units = [u for u in _scope_units(con, goal, code) if viewer.sees_institution(u)]
        if not ind.pooled:
            units_levels = [("institution", u) for u in units]
        else:
            units_levels = ([("municipality", str(code))] if sees_municipality else []) + [
                ("institution", u) for u in units
            ]
        if not units_levels:
            continue
        y = year if year is not None else engine.latest_year(con, ind.id, kommune=code)
        values = engine.compute(
            con,
            viewer,
            ind.id,
            kommune=code,
            levels=("institution", "municipality"),
            institutions=units,
            subjects=[goal["subject"]] if goal["subject"] else "all",
            grades=[goal["grade"]] if goal["grade"] is not None else "all",
            min_n=threshold,
        )
        if y is not None:
            values = values[values["school_year"] <= y]
        series: dict[tuple[str, str], dict[int, dict]] = {}
        for r in values.to_dict("records"):
            series.setdefault((r["level"], r["unit_id"]), {})[r["school_year"]] = r
        for level, unit in units_levels:
            result = evaluate_unit(ind, goal, series.get((level, unit), {}), y, threshold)
            rows.append(
                {
                    "goal_id": goal["goal_id"],
                    "title": goal["title"],
                    "indicator": ind.id,
                    "subject": goal["subject"],
                    "grade": goal["grade"],
                    "level": level,
                    "unit_id": unit,
                    "unit_name": mun_name if level == "municipality" else names.get(unit, unit),
                    "school_year": y,
                    "target": goal["target"],
                    "target_year": goal["target_year"],
                    "direction": goal["direction"],
                    **result,
                }
            )
    out = pd.DataFrame(rows, columns=EVAL_COLUMNS)
    for col in ("n", "school_year", "target_year", "previous_year"):
        out[col] = out[col].astype("Int64")
    for col in ("value", "target", "previous_value", "distance"):
        out[col] = out[col].astype("float64")
    out["change_significant"] = out["change_significant"].astype("boolean")
    out["grade"] = out["grade"].astype(object)
    return out

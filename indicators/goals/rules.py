"""What a goal is: its fields, and the one set of rules that checks and normalises them.

The app's goal form (``clean_goal`` / ``validate_goal``) and the goal sheet loader
(``loaders.goals.check``, which names file, row and column) both go through
``check_goal``, so they accept and reject exactly the same things and store the
same normalised values.
"""

from __future__ import annotations

import math
import re
from typing import Any

from core import cells
from core.errors import KvalitetsdialogError
from indicators import engine
from indicators.catalogue import CATALOGUE, SUBJECTS, Indicator, subject_id

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


def normalise_target(indicator: str | Indicator, raw, what: str = "Målværdien") -> float:
    """A target (or another value written as one, ``what``) as stored: in the indicator's unit, shares as 0-1.

    Shares accept a percentage or a fraction: ``80``, ``"80 %"``, ``"0,8"`` -> 0.8
    (a number above 1 or written with ``%`` is a percentage). Raises
    KvalitetsdialogError with a Danish message for anything else.

    >>> normalise_target("nt_share_good", "80 %"), normalise_target("nt_share_good", "0,8"), normalise_target("nt_share_good", 80)
    (0.8, 0.8, 0.8)
    >>> normalise_target("wb_general", "4,0")
    4.0
    """
    ind = indicator if isinstance(indicator, Indicator) else engine.indicator(indicator)
    value = cells.number(raw)
    if value is None or not math.isfinite(value):
        raise KvalitetsdialogError(f"{what} '{raw}' er ikke et tal.", "Ugyldig værdi")
    if ind.unit == "share" and ("%" in str(raw) or value > 1):
        value = round(value / 100, 10)
    low, high = _UNIT_RANGE.get(ind.unit, (-math.inf, math.inf))
    if ind.id != "exam_socref_diff" and not low <= value <= high:
        shown = "0-100 %" if ind.unit == "share" else f"{low:g}-{high:g}".replace(".", ",")
        raise KvalitetsdialogError(f"{what} '{raw}' ligger uden for indikatorens skala ({shown}).", "Ugyldig værdi")
    return value


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
    f = {k: (None if cells.missing(fields.get(k)) else fields.get(k)) for k in FIELDS}
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
        sid = subject_id(goal["subject"])
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
        grade = cells.grade(f["grade"])
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
        year = cells.school_year(f["target_year"])
        if year is None:
            problems.append(
                (
                    "target_year",
                    f"'{goal['target_year']}' er ikke et skoleår; skriv målåret som 2026/2027 eller 2026/27",
                )
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

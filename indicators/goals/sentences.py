"""The Danish sentence that says how a unit stands against a goal, for pages, reports and the dialogue.

>>> from indicators.catalogue import CATALOGUE
>>> from indicators.goals.status import UnitStatus
>>> goal = {"direction": ">=", "target": 0.8, "target_year": 2026}
>>> sentence(CATALOGUE["la_share_general"], goal, UnitStatus("no_data", 2024, withheld="small"), 5)
'Andel i generel indsats (sprogvurdering): værdien for 2024/25 er skjult, fordi færre end 5 indgår; målet er mindst 80,0 % i 2026/27.'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from core import danish, schoolyear
from indicators.catalogue import Indicator, caution
from indicators.goals.rules import LEVEL_DIRECTIONS

if TYPE_CHECKING:
    from indicators.goals.status import UnitStatus

_SIGNIFICANCE = {True: "signifikant", False: "ikke signifikant", None: "usikkerheden er ukendt"}


def target_words(ind: Indicator, direction: str, target, target_year) -> str:
    """A goal's target as the pages and sentences word it: ``mindst 80,0 % i 2026/27``, ``stigende fra år til år``.

    >>> from indicators.catalogue import CATALOGUE
    >>> target_words(CATALOGUE["abs_mean_pct"], "<=", 0.05, None), target_words(CATALOGUE["wb_general"], "faldende", None, None)
    ('højst 5,0 %', 'faldende fra år til år')
    """
    if direction not in LEVEL_DIRECTIONS:
        return f"{direction} fra år til år"
    when = "" if pd.isna(target_year) else f" i {schoolyear.short(int(target_year))}"
    return f"{'mindst' if direction == '>=' else 'højst'} {danish.value(target, ind.unit)}{when}"


def goal_text(ind: Indicator, goal: dict) -> str:
    """``målet er mindst 80,0 % i 2026/27`` or ``målet er, at den stiger fra år til år``."""
    direction, target = goal["direction"], goal["target"]
    if target is not None and direction in LEVEL_DIRECTIONS:
        return f"målet er {target_words(ind, direction, target, goal['target_year'])}"
    return f"målet er, at den {'stiger' if direction == 'stigende' else 'falder'} fra år til år"


def _what(ind: Indicator, s: UnitStatus, threshold: int, reason: str | None = None) -> str:
    """What the numbers show: the value, and its change since the previous comparable year; where there is
    no value, why (``reasons.reason_no_data``)."""
    label, y = ind.label, s.year
    because = f", fordi {reason}" if reason else ""
    if y is None:
        return f"{label}: ingen data{because}"
    if s.value != s.value:  # NaN: no value this year
        if s.withheld == "complementary":  # it would give a smaller group's value back (docs/domain.md, rule 3)
            return f"{label}: værdien for {schoolyear.short(y)} er skjult, så en mindre gruppes tal ikke kan regnes ud"
        if s.withheld:
            return f"{label}: værdien for {schoolyear.short(y)} er skjult, fordi færre end {threshold} indgår"
        return f"{label}: ingen værdi for {schoolyear.short(y)}{because}"
    shown_v = danish.value(s.value, ind.unit)
    if s.previous_year is None:
        return f"{label} var {shown_v} i {schoolyear.short(y)} (ingen sammenlignelig værdi året før)"
    p_year = s.previous_year
    sig_text = _SIGNIFICANCE[s.change_significant]
    if s.change_significant is not None and s.approximate:
        sig_text += ", skønnet usikkerhed"
    shown_p = danish.value(s.previous_value, ind.unit)
    # Equal as shown is unchanged: "faldt fra 3,79 til 3,79" would report a difference nobody can see.
    if shown_p == shown_v:
        return f"{label} var uændret på {shown_v} fra {schoolyear.short(p_year)} til {schoolyear.short(y)} ({sig_text})"
    verb = "steg" if s.value > s.previous_value else "faldt"
    return (
        f"{label} {verb} fra {shown_p} i {schoolyear.short(p_year)} til {shown_v} i {schoolyear.short(y)} ({sig_text})"
    )


def standing_sentence(ind: Indicator, s: UnitStatus, threshold: int, name: str = "") -> str:
    """What the numbers show, without a goal (a chart's text alternative), in the goal sentence's words.

    >>> from indicators.catalogue import CATALOGUE
    >>> from indicators.goals.status import UnitStatus
    >>> standing_sentence(CATALOGUE["wb_social"], UnitStatus("no_data", 2024, 3.9, 80, False, 2023, 3.8, False), 5, "Kommunen")
    'Kommunen: Social trivsel steg fra 3,8 i 2023/24 til 3,9 i 2024/25 (ikke signifikant).'
    """
    return f"{name + ': ' if name else ''}{_what(ind, s, threshold)}."


def sentence(ind: Indicator, goal: dict, s: UnitStatus, threshold: int, reason: str | None = None) -> str:
    """What the numbers show (and why there is no value, where there is none) and what the goal is, as one
    Danish sentence (and the caution where the two years compared need it: 2022/23 against 2023/24)."""
    text = f"{_what(ind, s, threshold, reason)}; {goal_text(ind, goal)}."
    note = caution(ind, s.previous_year, s.year) if s.previous_year is not None and s.year is not None else None
    return f"{text} {note}" if note and s.value == s.value else text

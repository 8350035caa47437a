"""What a chart shows, in Danish words: its text alternative (docs/accessibility.md).

A screen reader announces a chart by its accessible name; these sentences are
those names. A trend is said in the goal sentences' words
(``goals.sentences.standing_sentence``), so a chart and the goal card beside it
say the same; the other charts name their extremes. Withheld values are never
named, only said to be withheld. The numbers themselves are in the table under
every chart ("Se tallene").
"""

from __future__ import annotations

import pandas as pd

from core import danish, schoolyear, settings
from indicators.catalogue import CATALOGUE, GOOD_LEVELS, SUBJECTS
from indicators.goals.sentences import standing_sentence
from indicators.goals.status import standing


def _series(frame: pd.DataFrame) -> dict[int, dict]:
    return {int(r["school_year"]): r for r in frame.to_dict("records")}


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["value"].notna() & ~frame["suppressed"].astype(bool)]


def trend(indicator_id: str, lines: dict[str, pd.DataFrame]) -> str:
    """Each line's latest value and its change since the previous comparable year.

    ``lines``: name -> the unit's rows by school year (``indicators.trend``'s columns).

    >>> rows = pd.DataFrame({"school_year": [2023, 2024], "value": [3.8, 3.9], "n": [80, 80], "lower": [3.7, 3.8],
    ...                      "upper": [3.9, 4.0], "suppressed": [False, False]})
    >>> trend("wb_social", {"Åbyskolen": rows, "Kommunen": rows.iloc[:0]})
    'Åbyskolen: Social trivsel steg fra 3,8 i 2023/24 til 3,9 i 2024/25 (ikke signifikant). Kommunen: ingen tal.'
    """
    ind = CATALOGUE[indicator_id]
    return " ".join(
        standing_sentence(ind, standing(ind, _series(frame)), settings.min_n(), name)
        if not frame.empty
        else f"{name}: ingen tal."
        for name, frame in lines.items()
    )


def _extremes(frame: pd.DataFrame, label_column: str, unit: str) -> str:
    """``fra 3,60 (Fjordskolen) til 4,10 (Åbyskolen)`` over the shown values; ``value`` sorted or not."""
    shown = _shown(frame).sort_values("value")
    if shown.empty:
        return "ingen viste tal"
    low, high = shown.iloc[0], shown.iloc[-1]
    if len(shown) == 1:
        return f"{danish.value(low['value'], unit)} ({low[label_column]})"
    return (
        f"fra {danish.value(low['value'], unit)} ({low[label_column]}) "
        f"til {danish.value(high['value'], unit)} ({high[label_column]})"
    )


def ranking(indicator_id: str, year: int, shown: pd.DataFrame, municipality_value: float | None) -> str:
    """The institutions on one indicator: how many, the lowest and highest, and the municipality.

    >>> shown = pd.DataFrame({"unit_name": ["Fjordskolen", "Åbyskolen"], "value": [3.6, 4.1], "suppressed": [False] * 2})
    >>> ranking("wb_social", 2024, shown, 3.9)
    'Social trivsel 2024/25 for 2 institutioner: fra 3,6 (Fjordskolen) til 4,1 (Åbyskolen); kommunen 3,9.'
    """
    ind = CATALOGUE[indicator_id]
    text = f"{ind.label} {schoolyear.short(year)} for {danish.integer(len(_shown(shown)))} institutioner: "
    text += _extremes(shown, "unit_name", ind.unit)
    if municipality_value is not None and not pd.isna(municipality_value):
        text += f"; kommunen {danish.value(municipality_value, ind.unit)}"
    return text + "."


def by_grade(indicator_id: str, year: int, lines: dict[str, pd.DataFrame]) -> str:
    """One value per grade for each line (e.g. the institution and the municipality): lowest and highest grade.

    >>> rows = pd.DataFrame({"grade": [4, 5], "value": [4.1, 3.7], "suppressed": [False, False]})
    >>> by_grade("wb_social", 2024, {"Åbyskolen": rows})
    'Social trivsel 2024/25 pr. klassetrin. Åbyskolen: fra 3,7 (5. klasse) til 4,1 (4. klasse).'
    """
    ind = CATALOGUE[indicator_id]
    parts = [f"{ind.label} {schoolyear.short(year)} pr. klassetrin."]
    for name, frame in lines.items():
        labelled = frame.assign(_grade=[f"{int(g)}. klasse" for g in frame["grade"]])
        parts.append(f"{name}: {_extremes(labelled, '_grade', ind.unit)}.")
    return " ".join(parts)


def levels(subject: str, year: int, rows: pd.DataFrame) -> str:
    """The share at level God or better per row of a level distribution (``grade`` labels the rows).

    >>> rows = pd.DataFrame({"grade": ["4. kl."] * 2, "level": [3, 4], "share": [0.4, 0.6], "suppressed": [False] * 2})
    >>> levels("matematik", 2020, rows)
    'Præstationsniveauer i Matematik 2020/21. Andel på God eller bedre: 4. kl. 60,0 %.'
    """
    good = []
    for grade, part in rows.groupby("grade", sort=False):
        if part["suppressed"].astype(bool).any() or part["share"].isna().all():
            good.append(f"{grade} ikke vist")
        else:
            good.append(f"{grade} {danish.pct(part.loc[part['level'].isin(GOOD_LEVELS), 'share'].sum())}")
    return (
        f"Præstationsniveauer i {SUBJECTS[subject]} {schoolyear.short(year)}. "
        f"Andel på God eller bedre: {', '.join(good)}."
    )


def progression(subject: str, lines: dict[str, pd.DataFrame]) -> str:
    """The same pupils' latest mean change in norm-based score, per line.

    >>> rows = pd.DataFrame({"school_year": [2018, 2020], "value": [0.5, -1.25], "suppressed": [False, False]})
    >>> progression("matematik", {"Åbyskolen": rows})
    'Ændring i normbaseret score for de samme elever i Matematik. Åbyskolen: -1,2 point i 2020/21.'
    """
    parts = [f"Ændring i normbaseret score for de samme elever i {SUBJECTS[subject]}."]
    for name, frame in lines.items():
        shown = _shown(frame)
        if shown.empty:
            parts.append(f"{name}: ingen viste tal.")
            continue
        last = shown.sort_values("school_year").iloc[-1]
        parts.append(
            f"{name}: {danish.change(last['value'], 'score')} point i {schoolyear.short(int(last['school_year']))}."
        )
    return " ".join(parts)

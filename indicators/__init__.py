"""Indicators: the catalogue, the one engine that computes them, goals and cohort progression.

Plain Python and DuckDB SQL; never imports Streamlit. Every read takes the
viewer as a required positional argument, so a caller that forgets it fails.
"""

from indicators.catalogue import CATALOGUE, LEVELS, SUBJECTS, Indicator
from indicators.cohorts import cohort_progression
from indicators.engine import Value, compute, latest_year, level_distribution, trend
from indicators.goals import (
    STATUS_LABELS,
    delete_goal,
    evaluate_goals,
    goal_history,
    normalise_target,
    save_goal,
    validate_goal,
    why_no_data,
)

__all__ = [
    "CATALOGUE",
    "LEVELS",
    "STATUS_LABELS",
    "SUBJECTS",
    "Indicator",
    "Value",
    "cohort_progression",
    "compute",
    "delete_goal",
    "evaluate_goals",
    "goal_history",
    "latest_year",
    "level_distribution",
    "normalise_target",
    "save_goal",
    "trend",
    "validate_goal",
    "why_no_data",
]

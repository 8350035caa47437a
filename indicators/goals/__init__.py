"""Goals: what a goal is (``rules``), how it is kept (``store``), how it stands (``status``),
why it cannot be followed where it has no data (``reasons``) and how that is said (``sentences``).
"""

from indicators.goals.reasons import reason_no_data, why_no_data
from indicators.goals.rules import (
    FIELDS,
    LEVEL_DIRECTIONS,
    TREND_DIRECTIONS,
    check_goal,
    clean_goal,
    normalise_target,
    validate_goal,
)
from indicators.goals.status import (
    EVAL_COLUMNS,
    STATUS_LABELS,
    UnitStatus,
    evaluate_goals,
    institution_counts,
    unit_status,
)
from indicators.goals.store import (
    add_version,
    changes,
    current_goals,
    delete_goal,
    goal_history,
    replace_all,
    save_goal,
)

__all__ = [
    "EVAL_COLUMNS",
    "FIELDS",
    "LEVEL_DIRECTIONS",
    "STATUS_LABELS",
    "TREND_DIRECTIONS",
    "UnitStatus",
    "add_version",
    "changes",
    "check_goal",
    "clean_goal",
    "current_goals",
    "delete_goal",
    "evaluate_goals",
    "goal_history",
    "institution_counts",
    "normalise_target",
    "reason_no_data",
    "replace_all",
    "save_goal",
    "unit_status",
    "validate_goal",
    "why_no_data",
]

"""School years: stored as the calendar year they start in, shown as ``2024/25``."""

from __future__ import annotations

import re

_FORM = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2}|\d{4})\s*$")


def parse(text: str) -> int | None:
    """``'2024/2025'`` or ``'2024/25'`` -> 2024; anything else -> None.

    >>> parse("2024/25"), parse("2024/2025"), parse("2024/26")
    (2024, 2024, None)
    """
    m = _FORM.match(str(text))
    if not m:
        return None
    start, end = int(m.group(1)), m.group(2)
    expected = str(start + 1)
    return start if end in (expected, expected[2:]) else None


def short(start: int) -> str:
    """2024 -> ``'2024/25'`` (for people)."""
    return f"{start}/{(start + 1) % 100:02d}"


def long(start: int) -> str:
    """2024 -> ``'2024/2025'`` (for exports)."""
    return f"{start}/{start + 1}"

"""School years: stored as the calendar year they start in, shown as ``2024/25``.

A school year is read from ``2024/2025`` or ``2024/25`` by ``core.cells`` (the same rule the loaders
apply to every file); ``parse`` is that rule with a Danish error for a person's typing.
"""

from __future__ import annotations

from core import cells
from core.errors import KvalitetsdialogError


def parse(text: str) -> int:
    """``'2024/2025'`` or ``'2024/25'`` -> 2024; anything else raises a Danish error.

    >>> parse("2024/25"), parse("2024/2025")
    (2024, 2024)
    """
    year = cells.school_year(text)
    if year is None:
        raise KvalitetsdialogError(f"Skoleåret '{text}' skal skrives som 2024/2025 eller 2024/25.", "Ugyldigt skoleår")
    return year


def short(start: int) -> str:
    """2024 -> ``'2024/25'`` (for people)."""
    return f"{start}/{(start + 1) % 100:02d}"


def long(start: int) -> str:
    """2024 -> ``'2024/2025'`` (for exports)."""
    return f"{start}/{start + 1}"

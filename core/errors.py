"""The one exception family whose messages are shown to users (in Danish)."""

from __future__ import annotations

from dataclasses import dataclass


class KvalitetsdialogError(Exception):
    """An error a user can act on: a Danish message and a short title.

    Pages show it with ``st.error``; commands print it to stderr and exit 1.
    """

    def __init__(self, message: str, title: str = "Fejl"):
        super().__init__(message)
        self.message = message
        self.title = title


class AccessDenied(KvalitetsdialogError):
    """The viewer may not see or change this. Where it is caught, the refusal is written to the audit
    log (``core.audit.refused``) with ``what`` as the object asked for (``samtale:999001:2024``)."""

    def __init__(self, message: str, what: str):
        super().__init__(message, "Ingen adgang")
        self.what = what


@dataclass(frozen=True)
class Problem:
    """One finding about an input file, located as the user sees it."""

    file: str
    row: int | None  # the spreadsheet row (1-based, header included); None = whole file
    column: str | None
    message: str
    severity: str = "fejl"  # "fejl" rejects the file, "advarsel" only informs

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"række {self.row}")
        if self.column:
            where.append(f"kolonne '{self.column}'")
        return f"{', '.join(where)}: {self.message}"


class ValidationError(KvalitetsdialogError):
    """A file was rejected; carries every problem found (up to a cap)."""

    def __init__(self, file: str, problems: list[Problem], truncated: int = 0):
        self.file = file
        self.problems = problems
        self.truncated = truncated
        lines = [str(p) for p in problems]
        if truncated:
            lines.append(f"... og {truncated} fejl mere i {file}")
        super().__init__(
            f"{file} blev ikke indlæst ({len(problems) + truncated} fejl):\n" + "\n".join(lines),
            title="Filen blev afvist",
        )

"""Who is looking: the one object every read takes (docs/domain.md, "Who sees what")."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.errors import KvalitetsdialogError

ROLES = ("public", "council", "administration", "leader")


@dataclass(frozen=True)
class Viewer:
    role: str
    institutions: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        if self.role not in ROLES:
            raise KvalitetsdialogError(f"Ukendt rolle: '{self.role}'.", "Ukendt rolle")
        if self.role == "leader" and not self.institutions:
            raise KvalitetsdialogError("En leder skal have mindst én institution.", "Ukendt rolle")

    @classmethod
    def parse(cls, text: str | None) -> Viewer:
        """``administration``, ``council``, ``public`` or ``leader:ID[,ID...]``; None = administration."""
        text = (text or "administration").strip()
        if text.startswith("leader:"):
            ids = frozenset(i.strip() for i in text[len("leader:") :].split(",") if i.strip())
            return cls("leader", ids)
        if text not in ROLES or text == "leader":
            raise KvalitetsdialogError(
                f"Ukendt seer '{text}'. Brug administration, council, public eller leader:ID[,ID...].",
                "Ukendt seer",
            )
        return cls(text)

    def __str__(self) -> str:
        return f"leader:{','.join(sorted(self.institutions))}" if self.role == "leader" else self.role

    @property
    def sees_national_tests(self) -> bool:
        """National and transition test data are confidential (§ 55 b): never public."""
        return self.role != "public"

    @property
    def sees_all_institutions(self) -> bool:
        return self.role in ("public", "council", "administration")

    @property
    def sees_class_level(self) -> bool:
        return self.role in ("administration", "leader")

    def sees_institution(self, institution_id: str) -> bool:
        return self.sees_all_institutions or institution_id in self.institutions

    def leads(self, institution_id: str) -> bool:
        """A leader of this institution: their own, whose notes and samtale they write in part.

        >>> Viewer.parse("leader:999001").leads("999001"), Viewer.parse("administration").leads("999001")
        (True, False)
        """
        return self.role == "leader" and institution_id in self.institutions


ADMINISTRATION = Viewer("administration")

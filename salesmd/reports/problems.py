"""How many problems a check found, counted and said one way for `check`, `report` and the site."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..model import ERROR, WARNING, Problem
from ..render.output import count


@dataclass(frozen=True)
class ProblemCount:
    errors: int
    warnings: int

    @classmethod
    def of(cls, problems: Iterable[Problem]) -> "ProblemCount":
        problems = list(problems)
        return cls(sum(1 for p in problems if p.severity == ERROR), sum(1 for p in problems if p.severity == WARNING))

    @property
    def total(self) -> int:
        return self.errors + self.warnings

    def __str__(self) -> str:
        """'1 error, 2 warnings', as `salesmd check` ends."""
        return f"{count(self.errors, 'error')}, {count(self.warnings, 'warning')}"

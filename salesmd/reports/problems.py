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


def left_out(problems: Iterable[Problem], record_paths: Iterable[str], skipped: Iterable) -> list[str]:
    """The files with errors that the figures leave out, or count in part: a Markdown file with an
    error that could not be read as a record, and a record with an error that a report skipped
    (`skipped`: the reports' Skipped entries: a stage not in the pipeline, an amount that is not a
    number, a due date that is not a date)."""
    erring = {p.source.path for p in problems if p.severity == ERROR}
    records = set(record_paths)
    unread = {path for path in erring if path.endswith(".md") and path not in records}
    return sorted(unread | {s.path for s in skipped if s.path in erring})

"""Report periods: a quarter (2026-Q4), a month (2026-11) or a year (2026)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

PERIOD = re.compile(r"^\s*(\d{4})(?:-(?:[Qq]([1-4])|(\d{1,2})))?\s*$")


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    label: str
    start: dt.date
    end: dt.date  # inclusive

    def __contains__(self, day: dt.date | None) -> bool:
        return day is not None and self.start <= day <= self.end

    def as_dict(self) -> dict:
        return {"label": self.label, "start": self.start, "end": self.end}


def parse_period(text: str) -> Period:
    """'2026-Q4' (a quarter), '2026-11' (a month) or '2026' (a year) -> Period."""
    m = PERIOD.match(text or "")
    if not m:
        raise PeriodError(f"{text!r} is not a period: write a quarter (2026-Q4), a month (2026-11) "
                          "or a year (2026)")
    year = int(m.group(1))
    if not 1900 <= year <= 9000:
        raise PeriodError(f"{text!r} is not a period salesmd can report on: the year must be 1900 to 9000")
    if m.group(2):
        q = int(m.group(2))
        start = dt.date(year, 3 * q - 2, 1)
        return Period(f"{year}-Q{q}", start, _month_end(year, 3 * q))
    if m.group(3):
        month = int(m.group(3))
        if not 1 <= month <= 12:
            raise PeriodError(f"{text!r} is not a period: the month must be 01 to 12")
        return Period(f"{year}-{month:02d}", dt.date(year, month, 1), _month_end(year, month))
    return Period(str(year), dt.date(year, 1, 1), dt.date(year, 12, 31))


def quarter_of(day: dt.date) -> Period:
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def _month_end(year: int, month: int) -> dt.date:
    first_of_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)

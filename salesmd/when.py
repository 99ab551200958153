"""When a command-line date or datetime falls: ISO (2026-11-25, 2026-11-25T14:30, '2026-11-25 14:30')
or a day counted from today (today, tomorrow, yesterday, +3d, -1d, +2w, a weekday name), each
optionally followed by a time (`tomorrow 10:30`, `fri T14:00` is not: `fri 14:00`).

One parser for every command that takes a moment (`log --start/--end`, `done --due`,
`reschedule WHEN`, a date key of `set`), so `+3d` means the same everywhere: three days after
today (the vault's today: `--today`, else `today:` in salesmd.yaml, else the real date).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
FORMS = ("a date (2026-11-25), a datetime (2026-11-25T14:30 or '2026-11-25 14:30'), or a day from today: "
         "today, tomorrow, yesterday, +3d, -1d, +2w, or a weekday (fri, friday: the next one), "
         "each optionally with a time ('tomorrow 10:30')")

_DAY = re.compile(r"(?P<word>[a-z]+)|(?P<sign>[+-])(?P<n>\d{1,4})(?P<unit>[dw])", re.ASCII)
_TIME = re.compile(r"(?P<h>\d{1,2}):(?P<mi>\d\d)", re.ASCII)
_SHIFTS = {"today": 0, "tomorrow": 1, "yesterday": -1}


@dataclass(frozen=True)
class Relative:
    """A day counted from today, as typed: resolved once today is known (`resolve`)."""

    text: str

    def __str__(self) -> str:
        return self.text


def parse_iso_arg(text: str) -> dt.date | dt.datetime | None:
    """`text` as an ISO date or datetime (as Python reads it), or None."""
    text = text.strip()
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def relative(text: str) -> Relative | None:
    """`text` as a day from today (checked now, resolved later), or None when it is none."""
    return Relative(text.strip()) if _split(text) is not None else None


def _split(text: str) -> tuple[int | None, int | None, tuple[int, int] | None] | None:
    """(days after today, or None; a weekday 0-6, or None; (hour, minute) or None) for a
    relative form, else None."""
    day, _, clock = text.strip().lower().partition(" ")
    m = _DAY.fullmatch(day)
    if m is None:
        return None
    shift = weekday = None
    if m["word"] in _SHIFTS:
        shift = _SHIFTS[m["word"]]
    elif m["word"]:
        names = [i for i, w in enumerate(WEEKDAYS) if len(m["word"]) >= 3 and w.startswith(m["word"])]
        if len(names) != 1:
            return None
        weekday = names[0]
    else:
        shift = int(m["n"]) * (7 if m["unit"] == "w" else 1) * (-1 if m["sign"] == "-" else 1)
        if abs(shift) > 3660:  # ten years: a typo, not a plan
            return None
    clock = clock.strip()
    if not clock:
        return shift, weekday, None
    t = _TIME.fullmatch(clock)
    if t is None or int(t["h"]) > 23 or int(t["mi"]) > 59:
        return None
    return shift, weekday, (int(t["h"]), int(t["mi"]))


def resolve(value, today: dt.date):
    """The date or datetime `value` stands for: a Relative counted from `today`; anything else as it is."""
    if not isinstance(value, Relative):
        return value
    found = _split(value.text)
    if found is None:  # a Relative is made by relative(), which checked its text
        raise ValueError(f"{value.text!r} is not {FORMS}")
    shift, weekday, clock = found
    if weekday is not None:  # the next such day after today (a week on, said on that weekday)
        shift = (weekday - today.weekday() - 1) % 7 + 1
    day = today + dt.timedelta(days=shift)
    return day if clock is None else dt.datetime.combine(day, dt.time(*clock))


def parse_when(text: str, today: dt.date) -> dt.date | dt.datetime | None:
    """`text` as an ISO date or datetime, or a day from `today`; None when it is neither."""
    found = parse_iso_arg(text)
    if found is not None:
        return found
    rel = relative(text)
    return resolve(rel, today) if rel is not None else None

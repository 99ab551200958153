"""The site's calendar: this week and this month and next, as grids of days, each day with its
activities (by start) and tasks (by due), from the same builder as the calendar feed
(reports/calendar.py). Cancelled ones are left out; done ones are shown struck through.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..calendar_config import CalendarSettings
from ..reports.agenda import AgendaItem
from ..reports.calendar import build_calendar

MONTHS = 2  # this month and the next


@dataclass
class Grid:
    title: str
    weeks: list[list[tuple[dt.date, bool, list[AgendaItem]]]]  # (day, in the grid's month, its items)


def month_start(day: dt.date, ahead: int = 0) -> dt.date:
    months = day.year * 12 + day.month - 1 + ahead
    return dt.date(months // 12, months % 12 + 1, 1)


def calendar_view(vault, today: dt.date, *, owner: str | None = None, territory: str | None = None) -> dict:
    """{'week': Grid, 'months': [Grid, ...]} from Monday of the first month's first week to Sunday
    of the last month's last week."""
    first = month_start(today)
    first -= dt.timedelta(days=first.weekday())
    end = month_start(today, MONTHS) - dt.timedelta(days=1)
    last = end + dt.timedelta(days=6 - end.weekday())
    report = build_calendar(vault, today, CalendarSettings(days_back=0), date=first,
                            days=(last - first).days + 1, owner=owner, territory=territory)
    by_day: dict[dt.date, list[AgendaItem]] = {}
    for item in report.items:
        if item.status != "cancelled" and first <= item.day <= last:
            by_day.setdefault(item.day, []).append(item)

    def weeks(start: dt.date, stop: dt.date, month: int | None) -> list:
        rows, day = [], start
        while day <= stop:
            rows.append([(d, month is None or d.month == month, by_day.get(d, []))
                         for d in (day + dt.timedelta(days=i) for i in range(7))])
            day += dt.timedelta(days=7)
        return rows

    monday = today - dt.timedelta(days=today.weekday())
    week = Grid(f"Week of {monday.strftime('%d %b %Y')}", weeks(monday, monday, None))
    months = []
    for ahead in range(MONTHS):
        start = month_start(today, ahead)
        stop = month_start(today, ahead + 1) - dt.timedelta(days=1)
        months.append(Grid(start.strftime("%B %Y"),
                           weeks(start - dt.timedelta(days=start.weekday()), stop, start.month)))
    return {"week": week, "months": months, "owner": owner, "territory": territory}

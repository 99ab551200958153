"""The calendar feed's contents: every task and activity dated within a horizon around a day.

A pure builder, like the agenda's: `build_calendar(vault, today, ...)` returns a `CalendarReport`
that render/ics.py writes as iCalendar. Where the agenda shows what is still to do in a week, a
calendar that people subscribe to covers weeks back and months ahead, and keeps a meeting after it
was logged as done (a calendar entry that vanishes once it happened would surprise everyone):

- activities dated within the horizon, whatever their status (a cancelled one is marked so);
- tasks due within the horizon, whatever their status, and open tasks due before it (still to do).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..calendar_config import CalendarSettings
from ..config import ACTIVITY_STATUSES, TASK_STATUSES
from ..store.vault import Vault, timeline_key
from .agenda import ON_AGENDA, AgendaItem, _item, _owner_key
from .values import matches

STATUSES = {"task": TASK_STATUSES, "activity": ACTIVITY_STATUSES}


@dataclass
class CalendarReport:
    first: dt.date  # the horizon, both days included
    last: dt.date
    today: dt.date
    owner: str | None
    territory: str | None
    items: list[AgendaItem]  # by date, then owner, then id


def build_calendar(vault: Vault, today: dt.date, settings: CalendarSettings, *, date: dt.date | None = None,
                   days: int | None = None, owner: str | None = None,
                   territory: str | None = None) -> CalendarReport:
    """The feed from `settings.days_back` days before `date` (default: today) to `settings.days_ahead`
    days after it, or to the last of `days` days from it when `days` is given (`agenda --days`)."""
    start = date or today
    first = start - dt.timedelta(days=settings.days_back)
    last = start + dt.timedelta(days=settings.days_ahead if days is None else days - 1)
    items = []
    for type_, (open_status, key) in ON_AGENDA.items():
        for record in vault.of_type(type_):
            status = record.get("status")
            if status not in STATUSES[type_]:
                continue  # `salesmd check` reports it
            item = _item(vault, record, key)
            if item is None or item.day > last:
                continue
            if item.day < first and not (type_ == "task" and status == open_status):
                continue
            if matches(item.owner, owner) and matches(item.territory, territory):
                items.append(item)
    items.sort(key=lambda i: timeline_key(i.when) + (_owner_key(i.owner), i.id.casefold()))
    return CalendarReport(first, last, today, owner, territory, items)

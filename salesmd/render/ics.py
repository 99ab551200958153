"""The calendar feed as iCalendar: activities as VEVENT, tasks as VTODO (or all-day VEVENTs).

Each entry's UID is derived from its record id (`<id>@salesmd`, lower case as ids compare), so a
calendar subscribed to the file updates an entry when the record changes instead of adding a
second one. Times are written in the vault's time zone (`timezone:` in salesmd.yaml, else the
machine's) with its TZID and a VTIMEZONE describing it, so a 15:00 visit in Hamburg is 15:00
Hamburg time in every subscriber's calendar: a time written without an offset is read as a time
in that zone, one written with an offset is the same instant shown in that zone. When the zone
has no name (a POSIX rule in $TZ), times are written in UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, Todo

from ..calendar_config import feed_zone
from ..reports.agenda import AgendaItem
from ..reports.calendar import CalendarReport

PRODID = "-//salesmd//agenda//EN"
DEFAULT_DURATION = dt.timedelta(minutes=30)
TODO_STATUS = {"open": "NEEDS-ACTION", "done": "COMPLETED", "cancelled": "CANCELLED"}
REFRESH = dt.timedelta(hours=1)  # how often a subscriber is asked to fetch the feed again (RFC 7986)


def uid(record_id: str) -> str:
    return f"{record_id.strip().casefold()}@salesmd"


class Clock:
    """Record times as the feed writes them: dates stay dates; datetimes in the feed's zone."""

    def __init__(self, zone: ZoneInfo | None):
        self.zone = zone

    def moment(self, value: dt.date | dt.datetime) -> dt.date | dt.datetime:
        if not isinstance(value, dt.datetime):
            return value
        if self.zone is None:  # no zone name to write: the same instant in UTC
            return (value if value.tzinfo else value.astimezone()).astimezone(dt.timezone.utc)
        return value.astimezone(self.zone) if value.tzinfo else value.replace(tzinfo=self.zone)

    def day(self, item: AgendaItem) -> dt.date:
        moment = self.moment(item.at or item.when)
        return moment.date() if isinstance(moment, dt.datetime) else moment


def _description(item: AgendaItem, clock: Clock, all_day_task: bool = False) -> str:
    lines = []
    if item.deal:
        label = "Deal" if item.deal.type == "opportunity" else item.deal.type.capitalize()
        lines.append(f"{label}: {item.deal.title} ({item.deal.id})")
    others = [r for r in item.related if r != item.deal]
    if others:
        lines.append("Related: " + ", ".join(f"{r.title} ({r.type})" for r in others))
    if item.purpose:
        lines.append(f"Purpose: {item.purpose}")
    if all_day_task and item.timed:
        lines.append(f"Due: {clock.moment(item.at or item.when):%H:%M}")
    if item.owner:
        lines.append(f"Owner: {item.owner}")
    lines.append(f"Status: {item.status}")
    lines.append(f"Record: {item.path}")
    return "\n".join(lines)


def _todo(item: AgendaItem, clock: Clock) -> Todo:
    todo = Todo()
    todo.add("due", clock.moment(item.at or item.when))
    todo.add("status", TODO_STATUS[item.status])
    todo.add("summary", item.title)
    todo.add("description", _description(item, clock))
    return todo


def _task_event(item: AgendaItem, clock: Clock) -> Event:
    """A task as an all-day event on its due day, for calendars that ignore to-dos; it does not
    make its owner look busy."""
    event = Event()
    day = clock.day(item)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("summary", f"{'[x]' if item.status == 'done' else '[ ]'} {item.title}")
    if item.status == "cancelled":
        event.add("status", "CANCELLED")
    event.add("description", _description(item, clock, all_day_task=True))
    return event


def _event(item: AgendaItem, clock: Clock) -> Event:
    event = Event()
    start = clock.moment(item.at or item.when)
    end = clock.moment(item.end_at or item.end) if item.end is not None else None
    event.add("dtstart", start)
    if isinstance(start, dt.datetime):
        if isinstance(end, dt.datetime) and end > start:
            event.add("dtend", end)
        else:
            event.add("duration", DEFAULT_DURATION)
    else:  # a date alone: an all-day event, through its end date when it has one
        last = end if isinstance(end, dt.date) and not isinstance(end, dt.datetime) and end >= start else start
        event.add("dtend", last + dt.timedelta(days=1))
    event.add("summary", item.title)
    if item.kind:
        event.add("categories", [item.kind])
    if item.status == "cancelled":
        event.add("status", "CANCELLED")
    event.add("description", _description(item, clock))
    return event


def _years(report: CalendarReport, clock: Clock) -> tuple[dt.date, dt.date]:
    """Whole years around everything in the feed: what its VTIMEZONE must describe."""
    days = [report.first, report.last] + [clock.day(i) for i in report.items]
    return dt.date(min(days).year, 1, 1), dt.date(max(days).year + 1, 12, 31)


def agenda_calendar(report: CalendarReport, *, tasks: str = "todo", timezone: str | None = None,
                    stamp: dt.datetime | None = None) -> Calendar:
    """The report's tasks and activities as a Calendar. `tasks` is "todo" or "events" (all-day
    events); `timezone` the IANA zone of the vault (None: the machine's)."""
    stamp = stamp or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    name, zone = feed_zone(timezone)
    clock = Clock(zone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    who = ", ".join(x for x in (report.owner, report.territory) if x)
    cal.add("x-wr-calname", "Sales agenda" + (f" ({who})" if who else ""))
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")  # the same, as Outlook reads it
    if zone is not None:
        cal.add("x-wr-timezone", name)
        first, last = _years(report, clock)
        cal.add_component(Timezone.from_tzinfo(zone, tzid=name, first_date=first, last_date=last))
    for item in report.items:
        if item.type == "task":
            entry = _todo(item, clock) if tasks == "todo" else _task_event(item, clock)
        else:
            entry = _event(item, clock)
        entry.add("uid", uid(item.id))
        entry.add("dtstamp", stamp)
        cal.add_component(entry)
    return cal


def render_ics(report: CalendarReport, *, tasks: str = "todo", timezone: str | None = None,
               stamp: dt.datetime | None = None) -> bytes:
    return agenda_calendar(report, tasks=tasks, timezone=timezone, stamp=stamp).to_ical()

"""The agenda as an iCalendar file: open tasks as VTODO, planned activities as VEVENT.

Each entry's UID is derived from its record id (`<id>@salesmd`, lower case as ids compare), so a
calendar subscribed to the file updates an entry when the record changes instead of adding a
second one. Times without an offset stay floating (the reader's local time), as in the records.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar, Event, Todo

from ..reports.agenda import AgendaItem, AgendaReport

PRODID = "-//salesmd//agenda//EN"
DEFAULT_DURATION = dt.timedelta(minutes=30)


def uid(record_id: str) -> str:
    return f"{record_id.strip().casefold()}@salesmd"


def _moment(value: dt.date | dt.datetime) -> dt.date | dt.datetime:
    """Dates stay dates; naive datetimes stay floating; others go to UTC (no VTIMEZONE needed)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc)
    return value


def _description(item: AgendaItem) -> str:
    lines = []
    if item.deal:
        label = "Deal" if item.deal.type == "opportunity" else item.deal.type.capitalize()
        lines.append(f"{label}: {item.deal.title} ({item.deal.id})")
    others = [r for r in item.related if r != item.deal]
    if others:
        lines.append("Related: " + ", ".join(f"{r.title} ({r.type})" for r in others))
    if item.purpose:
        lines.append(f"Purpose: {item.purpose}")
    if item.owner:
        lines.append(f"Owner: {item.owner}")
    lines.append(f"Record: {item.path}")
    return "\n".join(lines)


def _todo(item: AgendaItem, stamp: dt.datetime) -> Todo:
    todo = Todo()
    todo.add("uid", uid(item.id))
    todo.add("dtstamp", stamp)
    todo.add("summary", item.title)
    todo.add("due", _moment(item.at or item.when))
    todo.add("status", "NEEDS-ACTION")
    todo.add("description", _description(item))
    return todo


def _event(item: AgendaItem) -> Event:
    event = Event()
    start = _moment(item.at or item.when)
    end = _moment(item.end_at or item.end) if item.end is not None else None
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime) and (start.tzinfo is None) != (end.tzinfo is None):
        # One written with an offset, one without: the one without is local time, as the agenda shows it.
        start, end = (_moment(v if v.tzinfo else v.astimezone()) for v in (start, end))
    event.add("dtstart", start)
    if isinstance(start, dt.datetime):
        if isinstance(end, dt.datetime) and (end.tzinfo is None) == (start.tzinfo is None) and end > start:
            event.add("dtend", end)
        else:
            event.add("duration", DEFAULT_DURATION)
    else:  # a date alone: an all-day event, through its end date when it has one
        last = end if isinstance(end, dt.date) and not isinstance(end, dt.datetime) and end >= start else start
        event.add("dtend", last + dt.timedelta(days=1))
    return event


def agenda_calendar(report: AgendaReport, stamp: dt.datetime | None = None) -> Calendar:
    """The agenda's tasks and activities (overdue ones included) as a Calendar."""
    stamp = stamp or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    who = ", ".join(x for x in (report.owner, report.territory) if x)
    cal.add("x-wr-calname", "Sales agenda" + (f" ({who})" if who else ""))
    for item in report.items:
        if item.type == "task":
            cal.add_component(_todo(item, stamp))
        else:
            event = _event(item)
            event.add("uid", uid(item.id))
            event.add("dtstamp", stamp)
            event.add("summary", item.title)
            if item.kind:
                event.add("categories", [item.kind])
            event.add("description", _description(item))
            cal.add_component(event)
    return cal


def render_ics(report: AgendaReport, stamp: dt.datetime | None = None) -> bytes:
    return agenda_calendar(report, stamp).to_ical()


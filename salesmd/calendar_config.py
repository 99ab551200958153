"""The calendar feed's settings in salesmd.yaml: `calendar:` (its horizon, tasks as to-dos or events)
and `timezone:` (the IANA zone that times written without an offset are in).

```yaml
calendar: {days_back: 30, days_ahead: 90, tasks: todo}
timezone: Europe/Berlin
```

Read apart from config.py's other keys; a wrong value is a `config-calendar` problem at its line.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from .model import ERROR, WARNING, Problem, Source

CONFIG_NAME = "salesmd.yaml"
TASK_MODES = ("todo", "events")
MAX_DAYS = 3660  # ten years each way: a feed, not an archive


@dataclass(frozen=True)
class CalendarSettings:
    days_back: int = 30  # the feed holds what is dated from this many days before today...
    days_ahead: int = 90  # ...to this many days after it
    tasks: str = "todo"  # "todo": tasks are VTODO; "events": all-day VEVENTs (Google Calendar ignores VTODO)


KEYS = {"days_back": int, "days_ahead": int, "tasks": str}
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")
NOT_ZONES = {"localtime", "posixrules", "Factory"}


def zone(name: Any) -> ZoneInfo | None:
    """The time zone with this IANA name (Europe/Berlin), or None when there is none."""
    if not isinstance(name, str) or not NAME.fullmatch(name) or name in NOT_ZONES:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # not found, not a zone file, a folder
        return None


def machine_zone() -> str | None:
    """The IANA name of this machine's time zone: $TZ, else where /etc/localtime leads, else
    /etc/timezone. None when it has no name (a POSIX rule in $TZ, no zone files)."""
    tz = os.environ.get("TZ")
    if tz:
        candidates = [tz.lstrip(":")]
    else:
        candidates = [os.path.realpath("/etc/localtime")]
        try:
            with open("/etc/timezone", encoding="utf-8") as f:
                candidates.append(f.read().strip())
        except (OSError, UnicodeDecodeError):
            pass
    for candidate in candidates:
        name = candidate.rpartition("zoneinfo/")[2]
        for prefix in ("posix/", "right/"):
            name = name.removeprefix(prefix)
        if zone(name) is not None:
            return name
    return None


def feed_zone(name: str | None) -> tuple[str | None, ZoneInfo | None]:
    """(name, zone) for the feed: the configured zone, else the machine's; (None, None) if neither
    has a name (times are then written in UTC)."""
    name = name or machine_zone()
    found = zone(name)
    return (name, found) if found is not None else (None, None)


def local_zone(name: str | None) -> ZoneInfo | None:
    """The zone a datetime with an offset is shown in: the vault's, else the machine's (None when
    it has no name: Python's local time then). Looked up once per setting and $TZ."""
    return _local_zone(name, os.environ.get("TZ"))


@functools.lru_cache(maxsize=8)
def _local_zone(name: str | None, tz: str | None) -> ZoneInfo | None:
    return feed_zone(name)[1]


def _zone_hint(name: str) -> str:
    import zoneinfo

    from .suggest import did_you_mean

    names = zoneinfo.available_timezones()
    folded = name.strip().casefold().replace(" ", "_")
    for candidate in sorted(names):
        if folded in (candidate.casefold(), candidate.rpartition("/")[2].casefold()):
            return f" (did you mean '{candidate}'?)"
    return did_you_mean(name, names)


def _line_of(text: str, top: int, key: str) -> int:
    """The line of `key` in the block that starts at line `top` (its own line in flow style)."""
    lines = text.splitlines()
    pattern = re.compile(rf"(^|[\s{{,]){re.escape(key)}\s*:")
    for number in range(top, len(lines) + 1):
        line = lines[number - 1]
        if number > top and line.strip() and not line.startswith((" ", "\t", "#")):
            break  # the next top-level key: the block is over
        if pattern.search(line.split("#", 1)[0]):
            return number
    return top


def read_calendar(data: dict, text: str, key_lines: dict[str, int]) -> tuple[CalendarSettings, str | None, list[Problem]]:
    """(settings, timezone name or None for the machine's, problems) from the parsed salesmd.yaml."""
    problems: list[Problem] = []

    def bad(line: int, message: str, code: str = "config-calendar", severity: str = ERROR) -> None:
        problems.append(Problem(Source(CONFIG_NAME, line), code, message, severity))

    settings = CalendarSettings()
    given = data.get("calendar")
    top = key_lines.get("calendar", 1)
    if given is not None and not isinstance(given, dict):
        bad(top, f"'calendar' must be a mapping such as {{days_back: 30, days_ahead: 90, tasks: todo}}, not {given!r}")
    elif given:
        values = {}
        for key, value in given.items():
            line = _line_of(text, top, str(key))
            if key not in KEYS:
                from .suggest import did_you_mean

                bad(line, f"unknown calendar setting '{key}'{did_you_mean(str(key), KEYS)}; the calendar "
                          f"settings are {', '.join(KEYS)}", "config-unknown-key", WARNING)
            elif key == "tasks":
                if value in TASK_MODES:
                    values[key] = value
                else:
                    bad(line, f"'calendar.tasks' must be todo (tasks are to-dos) or events (all-day events, "
                              f"for calendars that ignore to-dos such as Google Calendar), not {value!r}")
            elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_DAYS:
                values[key] = value
            else:
                bad(line, f"'calendar.{key}' must be a whole number of days from 0 to {MAX_DAYS}, not {value!r}")
        settings = CalendarSettings(**values)
    short = data.get("ics_tasks")  # the same as calendar.tasks, in one line: `ics_tasks: events`
    if short is not None:
        line = key_lines.get("ics_tasks", 1)
        if short not in TASK_MODES:
            bad(line, f"'ics_tasks' must be todo (tasks are to-dos) or events (all-day events, for calendars "
                      f"that ignore to-dos such as Google Calendar), not {short!r}")
        elif isinstance(given, dict) and given.get("tasks", short) != short:
            bad(line, f"'ics_tasks: {short}' says otherwise than 'calendar.tasks: {given['tasks']}'; keep one of them")
        else:
            settings = CalendarSettings(settings.days_back, settings.days_ahead, short)
    name = data.get("timezone")
    if name is not None and zone(name) is None:
        hint = _zone_hint(name) if isinstance(name, str) else ""
        bad(key_lines.get("timezone", 1), f"'timezone' must be an IANA time zone name such as Europe/Berlin or "
                                          f"America/New_York, not {name!r}{hint}")
        name = None
    return settings, name, problems


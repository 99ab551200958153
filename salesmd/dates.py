"""Dates and datetimes as editors and tools write them (FORMAT.md): reading ISO text, the values of
the keys that take a date, what is wrong with one that is refused, and how one was written.

Obsidian reads `date: "2026-11-20"` as a date, Templater writes `2026-11-20 10:30`, and JavaScript
tools (gray-matter, js-yaml) save every date as `2026-11-20T00:00:00.000Z`. On a key whose kind
(schema.KEYS) is `date` or `datetime`, each of these is the date or datetime it shows; a key that
takes text keeps a date-like text as text.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .schema import KEYS

DATE_KINDS = ("date", "datetime")

# An ISO 8601 date, or a datetime: `T` or a space, seconds and a fraction optional, then `Z` or an
# offset (+01, +0100, +01:00), a space before it allowed.
ISO = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d\d)-(?P<d>\d\d)"
    r"(?:(?P<sep>[Tt ])(?P<h>\d\d):(?P<mi>\d\d)(?::(?P<s>\d\d)(?:[.,](?P<f>\d+))?)?"
    r"(?:[ ]?(?P<z>[Zz]|[-+]\d\d(?::?\d\d)?))?)?",
    re.ASCII,  # 0-9 only, as YAML's timestamps: a digit of another script is text
)
# The same, loosely: one-digit months and hours, any numbers, to say what is wrong with one.
LOOSE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,]\d+)?)?"
                   r"[ ]?([Zz]|[-+]\d\d(?::?\d\d)?)?)?", re.ASCII)
DAY_FIRST = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", re.ASCII)

# The date and datetime keys of each record type: the only values coerce_dates looks at.
DATE_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    type_: tuple((key, kind) for key, kind in keys.items() if kind in DATE_KINDS) for type_, keys in KEYS.items()
}


def date_keys(type_: str) -> frozenset[str]:
    """The keys of a record of `type_` that take a date or a datetime."""
    return frozenset(key for key, _ in DATE_KEYS.get(type_, ()))


def parse_iso(text: str) -> dt.date | dt.datetime | None:
    """The date or datetime that `text` is exactly (spaces around it aside), or None.

    A fraction of a second past microseconds is cut, as Python's own reader does; `Z` and a zero
    offset are UTC. A date that is not on the calendar (2026-02-30) is None.
    """
    m = ISO.fullmatch(text.strip())
    if m is None:
        return None
    try:
        if m["h"] is None:
            return dt.date(int(m["y"]), int(m["mo"]), int(m["d"]))
        micro = int((m["f"] or "0")[:6].ljust(6, "0"))
        return dt.datetime(int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["mi"]),
                           int(m["s"] or 0), micro, tzinfo=_zone(m["z"]))
    except ValueError:
        return None


def _zone(text: str | None) -> dt.tzinfo | None:
    if text is None:
        return None
    if text in "Zz":
        return dt.timezone.utc
    hours, minutes = int(text[1:3]), int(text[-2:]) if len(text) > 3 else 0
    if minutes > 59:
        raise ValueError("minutes of an offset past 59")
    offset = dt.timedelta(hours=hours, minutes=minutes)  # timezone() refuses 24 hours and more
    return dt.timezone(-offset if text[0] == "-" else offset)


def is_utc_midnight(value: dt.datetime) -> bool:
    """00:00 in UTC, as a JavaScript tool writes a date: `2026-06-09T00:00:00.000Z`."""
    return (value.utcoffset() == dt.timedelta(0) and not value.hour and not value.minute
            and not value.second and not value.microsecond)


def coerce(kind: str, value: Any) -> Any:
    """A value of a key of `kind` as it is meant: ISO text is its date or datetime, and a
    midnight-UTC timestamp on a date-only key is that day. Anything else is left as it is (the
    checks say what is wrong with it)."""
    if value.__class__ is str:
        parsed = parse_iso(value)
        if parsed is None:
            return value
        value = parsed
    if kind == "date" and isinstance(value, dt.datetime) and is_utc_midnight(value):
        return value.date()
    return value


def coerce_dates(type_: str, data: dict, declared: tuple[tuple[str, str], ...] = ()) -> dict:
    """`data` of a record of `type_` with the values of its date and datetime keys coerced (the
    built-in ones and those salesmd.yaml `declared`, Types.date_keys); the same dict when none changes."""
    out = data
    for key, kind in DATE_KEYS.get(type_, ()) + declared:
        value = data.get(key)
        if value is None or value.__class__ is dt.date:
            continue
        meant = coerce(kind, value)
        if meant is not value:
            if out is data:
                out = dict(data)
            out[key] = meant
    return out


# ------------------------------------------------------------------------ what is wrong with one

def date_problem(key: str, value: Any, kind: str) -> str | None:
    """None when a (coerced) value suits a key of `kind`, else what is wrong and how to write it."""
    if value is None:
        return None
    want = ("a date written YYYY-MM-DD (2026-11-25)" if kind == "date"
            else "a date written YYYY-MM-DD (2026-11-25) or a datetime (2026-11-25T14:30 or 2026-11-25 14:30)")
    if isinstance(value, dt.datetime):
        if kind == "datetime":
            return None
        day, shown = value.date().isoformat(), _datetime_text(value, "T", False, 0, True)
        if value.utcoffset() is not None:
            return (f"'{key}' takes a date without a time, not the moment {shown}: only midnight UTC "
                    f"(T00:00:00Z, as JavaScript tools save a date) reads as a day; write {key}: {day} "
                    "or the day meant")
        return f"'{key}' takes a date without a time, not {shown}; write {key}: {day}"
    if isinstance(value, dt.date):
        return None
    if isinstance(value, bool):
        return f"'{key}' must be {want}, not the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"'{key}' must be {want}, not the number {value}"
    if isinstance(value, str):
        why = _why_not(value.strip())
        return f"'{key}' must be {want}, not {value!r}" + (f": {why}" if why else "")
    return f"'{key}' must be {want}, not a {'list' if isinstance(value, list) else type(value).__name__}"


def _why_not(text: str) -> str | None:
    """What is wrong with a text that looks like a date but is not one."""
    m = LOOSE.fullmatch(text)
    if m is None:
        if DAY_FIRST.fullmatch(text):
            return "write the year first, then the month and the day (YYYY-MM-DD)"
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if not 1 <= month <= 12:
        return f"there is no month {month}"
    if not year:
        return "there is no year 0"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        return f"{year:04d}-{month:02d} has no day {day} (it has {last})"
    if m[4] is not None:
        if int(m[4]) > 23:
            return f"the hour {m[4]} is past 23"
        if int(m[5]) > 59 or (m[6] is not None and int(m[6]) > 59):
            return "minutes and seconds go up to 59"
    if m[4] is not None and len(m[4]) == 1:
        return "write the hour with two digits (2026-03-05T09:30)"
    if len(m[2]) == 1 or len(m[3]) == 1:
        return "write the month and the day with two digits each (2026-03-05)"
    if m[7] is not None:
        return f"{m[7]!r} is not a time zone offset (write Z, +01, +0100 or +01:00, up to 23 hours)"
    return None


# ------------------------------------------------------------------------ how one was written

@dataclass(frozen=True)
class Written:
    """How a date or datetime was written in a file, so that a new one can be written alike."""

    quote: str  # '', '"' or "'"
    sep: str  # "T" or " " between the date and the time; "" for a date alone
    seconds: bool
    fraction: int  # digits of a fraction of a second
    zulu: bool  # UTC written as Z
    utc_midnight: bool  # a date saved as midnight UTC (2026-06-09T00:00:00.000Z)


def written(source: str) -> Written | None:
    """How the value whose text in the file is `source` is written; None when it is no ISO date."""
    quote = source[:1] if len(source) > 1 and source[:1] in "'\"" and source[-1:] == source[:1] else ""
    text = source[1:-1] if quote else source
    m = ISO.fullmatch(text)
    value = parse_iso(text) if m is not None else None
    if value is None:
        return None
    if m["h"] is None:
        return Written(quote, "", False, 0, False, False)
    return Written(quote, m["sep"].upper(), m["s"] is not None, len(m["f"] or ""), (m["z"] or "") in ("Z", "z"),
                   is_utc_midnight(value))


def write_like(value: dt.date, style: Written) -> str:
    """`value` written as the value `style` was read from: quoted if it was, with a space if it
    had one, seconds and a fraction as it had them; a date as midnight UTC if that was one."""
    if isinstance(value, dt.datetime):
        text = _datetime_text(value, style.sep or "T", style.seconds, style.fraction, style.zulu)
    elif style.utc_midnight:
        midnight = dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
        text = _datetime_text(midnight, style.sep, style.seconds, style.fraction, style.zulu)
    else:
        text = value.isoformat()
    return f"{style.quote}{text}{style.quote}"


def _datetime_text(value: dt.datetime, sep: str, seconds: bool, fraction: int, zulu: bool) -> str:
    text = f"{value.date().isoformat()}{sep}{value.hour:02d}:{value.minute:02d}"
    digits = f"{value.microsecond:06d}".rstrip("0")
    if seconds or fraction or value.second or digits:
        text += f":{value.second:02d}"
    if fraction or digits:
        text += "." + digits.ljust(fraction, "0")
    offset = value.utcoffset()
    if offset is None:
        return text
    total = int(offset.total_seconds())
    if total % 60:
        raise ValueError(f"a UTC offset with seconds cannot be written: {value!r}")
    if not total and zulu:
        return text + "Z"
    sign, minutes = ("-" if total < 0 else "+"), abs(total) // 60
    return text + f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"

"""Checks of one record at a time: required keys, value types, enums, stages."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, Iterator

from ..config import ACTIVITY_STATUSES, TASK_STATUSES, Config
from ..dates import DATE_KINDS, date_problem
from ..model import WARNING, Problem, Record, a, parse_link
from ..schema import KEYS
from ..store.vault import as_datetime
from ..suggest import did_you_mean
from .links import wikilink_hint

KNOWN_KEYS = frozenset(k for keys in KEYS.values() for k in keys)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list)) and not value)


def check_required(record: Record, config: Config) -> Iterator[Problem]:
    required = config.types.required[record.type]
    for key in required:
        if _empty(record.get(key)):
            what = "is empty" if key in record.data else "is missing"
            yield Problem(record.source(key if key in record.data else None), "key-missing",
                          f"required key '{key}' {what} ({a(record.type)} needs {', '.join(required)})")


def _quote_hint(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return f"YAML read it as the boolean {str(value).lower()}; quote it: {key}: \"{str(value).lower()}\""
    if isinstance(value, (int, float)):
        return (f"YAML read it as the number {value} (leading zeros, '+' and spaces are lost); "
                f"quote it: {key}: \"...\"")
    if isinstance(value, (dt.date, dt.datetime)):
        return f"YAML read it as a date; quote it: {key}: \"{value.isoformat()}\""
    if isinstance(value, list) and value and isinstance(value[0], list):
        return "an unquoted [[link]] is read by YAML as a nested list; quote it: \"[[id]]\""
    return ""


def _type_error(key: str, value: Any, kind: str) -> str | None:
    """None when `value` suits `kind`, else the message."""
    if value is None:
        return None
    if kind == "str":
        if isinstance(value, str):
            return None
        hint = _quote_hint(key, value)
        return f"'{key}' must be text, not {type(value).__name__}" + (f": {hint}" if hint else "")
    if kind in DATE_KINDS:
        return date_problem(key, value, kind)
    if kind in ("number", "percent"):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                return f"'{key}' must be a finite number, not {value}"
            if value < 0 or (kind == "percent" and value > 100):
                return f"'{key}' must be {'between 0 and 100' if kind == 'percent' else 'zero or more'}, not {value}"
            return None
        if isinstance(value, str):
            return (f"'{key}' must be a plain number (48000 or 48000.50), not {value!r}: "
                    "leave out currency symbols, '%' and thousands separators")
        return f"'{key}' must be a number, not {type(value).__name__}"
    if kind == "currency":
        if isinstance(value, str) and len(value) == 3 and value.isalpha() and value.isupper():
            return None
        return f"'{key}' must be an ISO 4217 code such as USD or EUR, not {value!r}"
    if kind == "strings":
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return None
        return f"'{key}' must be a list of text values"
    if kind in ("link", "links"):
        values = value if (kind == "links" and isinstance(value, list)) else [value]
        for v in values:
            if isinstance(v, list) or not isinstance(v, str):
                hint = _quote_hint(key, [v] if isinstance(v, list) else v)
                return (f"'{key}' must be {'a list of links' if kind == 'links' else 'a link'} like \"[[id]]\", "
                        f"not {v!r}" + (f": {hint}" if hint else ""))
        return None
    return None


def check_types(record: Record, config: Config) -> Iterator[Problem]:
    keys = config.types.keys[record.type]
    for key, value in record.data.items():
        kind = keys.get(key)
        if kind is None:
            continue
        if kind == "choice":
            yield from _choice(record, key, config.types.choices[record.type][key])
            continue
        message = _type_error(key, value, kind)
        if message:
            yield Problem(record.source(key), "value-type", message)


def _choice(record: Record, key: str, allowed: tuple[str, ...]) -> Iterator[Problem]:
    """A key declared `one of` in salesmd.yaml (types:)."""
    value = record.get(key)
    if value is None:
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) in allowed:
        return
    if not isinstance(value, str):
        yield Problem(record.source(key), "value-type", f"'{key}' must be one of: {', '.join(allowed)}; "
                                                        f"not {type(value).__name__}")
        return
    yield from _enum(record, key, allowed, "value-unknown", f"a {key} of {a(record.type)} (types: in salesmd.yaml)")


def check_unknown_keys(record: Record, config: Config) -> Iterator[Problem]:
    """Custom keys are welcome; a key one typo away from a known one is probably a typo."""
    keys = config.types.keys[record.type]
    for key in record.data:
        if not isinstance(key, str) or key in keys:
            continue
        hint = did_you_mean(key, keys)
        if hint:
            yield Problem(record.source(key), "key-unknown", f"unknown key '{key}'{hint}", WARNING)


def _enum(record: Record, key: str, allowed: Iterable[str], code: str, where: str) -> Iterator[Problem]:
    value = record.get(key)
    allowed = list(allowed)
    if isinstance(value, str) and value not in allowed:
        yield Problem(record.source(key), code,
                      f"{key} '{value}' is not {where}{did_you_mean(value, allowed)}; "
                      f"expected one of: {', '.join(allowed)}")


def check_enums(record: Record, config: Config) -> Iterator[Problem]:
    if record.type == "activity":
        yield from _enum(record, "kind", config.activity_kinds, "kind-unknown",
                         "an activity kind (activity_kinds in salesmd.yaml)")
        yield from _enum(record, "status", ACTIVITY_STATUSES, "status-unknown", "an activity status")
    elif record.type == "task":
        yield from _enum(record, "status", TASK_STATUSES, "status-unknown", "a task status")
    elif record.type == "issue":
        yield from _enum(record, "severity", config.severities, "severity-unknown",
                         "a severity (severities in salesmd.yaml)")


def check_stages(record: Record, config: Config) -> Iterator[Problem]:
    if record.type not in config.pipelines:
        return
    pipeline = config.pipelines[record.type]
    yield from _enum(record, "stage", pipeline.names, "stage-unknown", f"in the {record.type} pipeline")
    stage = pipeline.get(record.get("stage"))
    if stage is None:
        return
    missing = [k for k in stage.requires if _empty(record.get(k))]
    if missing:
        keys = " and ".join(f"'{k}'" for k in missing)
        yield Problem(record.source("stage"), "stage-requires",
                      f"stage '{stage.name}' requires {keys}: add "
                      + ", ".join(f"{k}: ..." for k in missing) + " to the front matter"
                      + (" or pick an earlier stage" if not stage.terminal else ""))


def check_activity_times(record: Record, config: Config) -> Iterator[Problem]:
    if record.type != "activity":
        return
    start, end = as_datetime(record.get("start")), as_datetime(record.get("end"))
    if start and end and end < start:
        yield Problem(record.source("end"), "end-before-start",
                      f"end {record.get('end')} is before start {record.get('start')}")


def check_link_syntax(record: Record, config: Config) -> Iterator[Problem]:
    """A link key holding plain text instead of a wikilink: an error, though it still resolves."""
    for key in config.types.link_targets[record.type]:
        value = record.get(key)
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, str) and v.strip() and parse_link(v) is None:
                yield Problem(record.source(key), "link-format", f"'{key}' holds {v!r}; {wikilink_hint(v)}")


def check_known_names(record: Record, config: Config) -> Iterator[Problem]:
    """With `owners:` or `territories:` in salesmd.yaml, an owner or territory it does not list is
    probably a typo (or someone to add there)."""
    for key in ("owner", "territory"):
        message = config.roster.unknown(key, record.get(key))
        if message:
            yield Problem(record.source(key), f"{key}-unknown", message, WARNING)


def check_phones(record: Record, config: Config) -> Iterator[Problem]:
    """A phone number that cannot be a number (a digit missing, a wrong country code) is kept, but
    it never compares equal to another (`dupes`): worth a look, not an error."""
    from ..phones import phone_problem

    for key in ("phone", "phones"):
        value = record.get(key)
        for text in value if isinstance(value, list) else [value]:
            message = phone_problem(text, config.phone_region) if isinstance(text, str) else None
            if message:
                yield Problem(record.source(key), "phone-invalid", f"{key}: {message}", WARNING)


# Each takes one record and the config: their results depend on nothing else, so they are cached
# per file and re-run only for files that changed.
RECORD_CHECKS = [check_required, check_types, check_unknown_keys, check_enums, check_stages,
          check_activity_times, check_link_syntax, check_known_names, check_phones]

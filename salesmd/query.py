"""Selecting records: `key=value` filters and sorting, shared by list, export and reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .model import Record
from .output import cell
from .vault import Vault


class QueryError(ValueError):
    pass


def _matches(record: Record, key: str, want: str) -> bool:
    value = record.id if key == "id" else record.get(key)
    values = value if isinstance(value, list) else [value]
    want = want.strip().casefold()
    return any(cell(v).casefold() == want for v in values if v is not None) or (want == "" and value in (None, "", []))


def parse_filter(text: str) -> tuple[str, bool, str]:
    """'stage=won' -> ('stage', True, 'won'); 'stage!=won' -> ('stage', False, 'won')."""
    if "!=" in text:
        key, value = text.split("!=", 1)
        return key.strip(), False, value
    if "=" in text:
        key, value = text.split("=", 1)
        return key.strip(), True, value
    raise QueryError(f"filter {text!r} must look like key=value or key!=value")


def _sort_value(value: Any) -> tuple:
    """Sort numbers, dates and text apart from one another; missing values last."""
    if value is None or value == "":
        return (3, "")
    if isinstance(value, bool):
        return (2, str(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, (dt.date, dt.datetime)):
        moment = value if isinstance(value, dt.datetime) else dt.datetime(value.year, value.month, value.day)
        return (1, moment.replace(tzinfo=None).isoformat())
    return (2, cell(value).casefold())


def select(vault: Vault, type_: str, filters: list[str], sort_key: str | None = None) -> list[Record]:
    parsed = [parse_filter(f) for f in filters]
    records = [r for r in vault.of_type(type_)
               if all(_matches(r, key, value) == equal for key, equal, value in parsed)]
    if sort_key:
        reverse = sort_key.startswith("-")
        key = sort_key.lstrip("-")
        present = [r for r in records if r.get(key) not in (None, "")] if key != "id" else records
        missing = [r for r in records if r not in present]
        present.sort(key=lambda r: _sort_value(r.id if key == "id" else r.get(key)), reverse=reverse)
        records = present + sorted(missing, key=lambda r: r.id)
    else:
        records = sorted(records, key=lambda r: r.id.casefold())
    return records

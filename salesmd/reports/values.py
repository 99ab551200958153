"""Reading the values users typed by hand, as the reports need them: anything of the wrong kind
reads as "unknown" (None), and `salesmd check` says what is wrong. Also what a stage weighs.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from ..config import Pipeline, Stage
from ..model import Record
from ..store.vault import as_date


def text_value(value: Any) -> str | None:
    """A plain text value, stripped; None for anything else (a number, a list, empty text)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def date_value(value: Any) -> dt.date | None:
    """A date (or the day of a datetime); None for anything else."""
    return as_date(value)


def number_value(value: Any) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return value


def matches(value: str | None, wanted: str | None) -> bool:
    """A filter such as --owner: no filter matches everything; otherwise equal ignoring case."""
    if wanted is None:
        return True
    return value is not None and value.casefold() == wanted.strip().casefold()


def stage_of(pipeline: Pipeline, record: Record) -> Stage | None:
    """The record's stage in its pipeline, or None when it is missing or not in the pipeline."""
    name = record.get("stage")
    return pipeline.get(name) if isinstance(name, str) else None


def is_open(pipeline: Pipeline, record: Record) -> bool:
    stage = stage_of(pipeline, record)
    return stage is not None and not stage.terminal


def currency_of(record: Record, default: str) -> str | None:
    """The record's currency (the config's when absent); None when it is not a three-letter code."""
    value = record.get("currency")
    if value is None:
        return default
    if isinstance(value, str) and len(value.strip()) == 3 and value.strip().isalpha():
        return value.strip().upper()
    return None


def probability_of(pipeline: Pipeline, record: Record, stage: Stage | None) -> int | float | None:
    """How much the deal weighs, 0-100.

    A closed deal weighs what it came to, whatever its file says: a won one 100, a lost or
    disqualified one 0. An open one weighs its own probability when it has a valid one, else
    its stage's default.
    """
    if stage is not None and stage.terminal:
        return closed_probability(pipeline, stage)
    own = number_value(record.get("probability"))
    if own is not None and 0 <= own <= 100:
        return own
    return stage.probability if stage is not None else None


def closed_probability(pipeline: Pipeline, stage: Stage) -> int:
    """A terminal stage's weight: 100 for a won stage, 0 for any other (lost, disqualified, converted)."""
    return 100 if stage.name in won_stages(pipeline) else 0


def won_stages(pipeline: Pipeline) -> set[str]:
    """Terminal stages that count as won: `won`, or any terminal stage at 100%."""
    return {s.name for s in pipeline.terminal if s.name == "won" or s.probability == 100}


def lost_stages(pipeline: Pipeline) -> set[str]:
    """Terminal stages that count as lost: `lost` or a name containing it (`closed-lost`).

    `disqualified` is neither won nor lost: it never was a real chance, so it does not lower the
    win rate.
    """
    return {s.name for s in pipeline.terminal if "lost" in s.name.casefold()} - won_stages(pipeline)


def ordered_currencies(currencies, home: str) -> list[str]:
    """The home currency (the config's) first, then the others alphabetically."""
    return sorted(set(currencies), key=lambda c: (c != home, c))


def plain_number(value: float | int | None) -> float | int | None:
    """A sum as JSON should carry it: whole numbers as integers, others to the cent."""
    if value is None:
        return None
    value = round(value, 2)
    return int(value) if float(value).is_integer() else value

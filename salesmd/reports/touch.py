"""Losing touch: the contacts and accounts nobody has talked to for too long (the agenda's section).

Who is watched: every contact and account with an open deal (an open opportunity's `account`, or
one of its `contacts`), and every one with a `keep_in_touch: N` key (days). The limit is that N,
else `touch_days` in salesmd.yaml (30). One is losing touch when its last done activity is more
than the limit's days ago, or when it has none at all ("never touched": those come first, then
the longest quiet, then by id).

Its activities: the done activities whose `related` links it, or one of its deals (an account's
opportunities, a contact's opportunities that list it in `contacts`); a done activity dated ahead
counts as today. Read through the index's backlinks, once per record watched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..model import Record
from ..store.vault import Vault
from .pipeline import Skipped, days_since
from .query import effective
from .values import date_value, is_open, matches, number_value, stage_of

WATCHED = ("contact", "account")


@dataclass
class TouchFlag:
    """A contact or account losing touch."""

    id: str
    type: str  # "contact" or "account"
    title: str
    owner: str | None
    territory: str | None
    path: str
    limit: int  # days
    limit_source: str  # "keep_in_touch" (its own key) or "touch_days" (the config's)
    days: int | None  # since the last done activity; None: never touched
    last_date: dt.date | None = None
    last_activity: str | None = None  # its id
    last_subject: str | None = None
    open_deals: list[str] = field(default_factory=list)  # ids

    def as_dict(self) -> dict:
        return {**vars(self), "never_touched": self.days is None}


def losing_touch(vault: Vault, today: dt.date, *, owner: str | None = None, territory: str | None = None,
                 skipped: list[Skipped] | None = None) -> list[TouchFlag]:
    """The contacts and accounts losing touch as of `today`, never touched first, then oldest first."""
    config = vault.config
    pipe = config.pipelines["opportunity"]
    watched: dict[str, tuple[Record, list[Record]]] = {}  # key -> (record, its open deals)
    for deal in vault.of_type("opportunity"):
        if stage_of(pipe, deal) is None or not is_open(pipe, deal):
            continue
        for key in ("account", "contacts"):
            for r in vault.linked(deal, key):
                if r.type in WATCHED:
                    watched.setdefault(r.key, (r, []))[1].append(deal)
    for type_ in WATCHED:
        for r in vault.of_type_with(type_, "keep_in_touch"):
            watched.setdefault(r.key, (r, []))

    flags = []
    for record, deals in watched.values():
        if not _wanted(vault, record, deals, owner, territory):
            continue
        limit, source = _limit(record, config.touch_days, skipped)
        last = _last_done(vault, record, today)
        day = min(date_value(last.get("start")), today) if last is not None else None
        days = days_since(day, today)
        if days is not None and days <= limit:
            continue
        flags.append(TouchFlag(
            id=record.id, type=record.type, title=record.title,
            owner=effective(vault, record, "owner"), territory=effective(vault, record, "territory"),
            path=record.path, limit=limit, limit_source=source, days=days, last_date=day,
            last_activity=last.id if last is not None else None,
            last_subject=last.title if last is not None else None,
            open_deals=sorted({d.id for d in deals}, key=str.casefold)))
    flags.sort(key=lambda f: (f.days is not None, -(f.days or 0), f.id.casefold()))
    return flags


def _wanted(vault: Vault, record: Record, deals: list[Record], owner: str | None, territory: str | None) -> bool:
    """--owner/--territory: the record's own owner (territory); one without takes its open deals'."""
    for key, wanted in (("owner", owner), ("territory", territory)):
        if wanted is None:
            continue
        own = effective(vault, record, key)
        values = [own] if own is not None else [effective(vault, d, key) for d in deals]
        if not any(matches(v, wanted) for v in values if v is not None):
            return False
    return True


def _limit(record: Record, default: int, skipped: list[Skipped] | None) -> tuple[int, str]:
    raw = record.get("keep_in_touch")
    if raw is None:
        return default, "touch_days"
    days = number_value(raw)
    if days is not None and days > 0 and days == int(days):
        return int(days), "keep_in_touch"
    if skipped is not None:
        skipped.append(Skipped(record.id, record.path, f"keep_in_touch {raw!r} is not a whole number of days "
                                                       f"above 0; touch_days ({default}) used"))
    return default, "touch_days"


def _last_done(vault: Vault, record: Record, today: dt.date) -> Record | None:
    """The latest done activity linked to the record or to one of its deals (first by path on a tie)."""
    sources = [record] + [d for d, key in vault.linking(record.key, "opportunity")
                          if key == ("account" if record.type == "account" else "contacts")]
    best: tuple[dt.date, Record] | None = None
    for source in sources:
        for activity, key in vault.linking(source.key, "activity"):
            day = date_value(activity.get("start"))
            if key != "related" or activity.get("status") != "done" or day is None:
                continue
            day = min(day, today)
            if best is None or day > best[0]:
                best = (day, activity)
    return best[1] if best is not None else None

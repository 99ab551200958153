"""The agenda: what is late, what each rep has on each coming day, and which deals are slipping.

A pure builder: `build_agenda(vault, today, ...)` returns an `AgendaReport`; the terminal text,
the JSON, the CSV and the iCalendar file are all drawn from it. A task or activity whose date
cannot be read is left out and listed under `skipped` (`salesmd check` says what is wrong).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..calendar_config import local_zone
from ..model import Record
from ..store.vault import Vault, as_date, timeline_key
from .pipeline import Skipped, days_since
from .query import deal_of, effective
from .story import FirstCommit, Stories
from .touch import TouchFlag, losing_touch
from .values import currency_of, date_value, is_open, matches, number_value, stage_of, text_value


@dataclass(frozen=True)
class Ref:
    """A record an item is about: its id, type and title."""

    id: str
    type: str
    title: str

    def as_dict(self) -> dict:
        return {"id": self.id, "type": self.type, "title": self.title}


@dataclass
class AgendaItem:
    """An open task (due that day) or a planned activity (starting that day)."""

    id: str
    type: str  # "task" or "activity"
    title: str
    when: dt.date | dt.datetime  # the task's due or the activity's start, as written
    end: dt.date | dt.datetime | None  # activities only
    owner: str | None
    territory: str | None
    status: str
    kind: str | None  # activities only: call, meeting...
    purpose: str | None  # tasks only
    path: str
    deal: Ref | None  # the opportunity (else the lead) it is about
    related: list[Ref] = field(default_factory=list)  # everything its `related` links resolve to
    at: dt.datetime | None = None  # `when` as written with its UTC offset, if it had one (for .ics)
    end_at: dt.datetime | None = None

    @property
    def day(self) -> dt.date:
        return as_date(self.when)

    @property
    def timed(self) -> bool:
        return isinstance(self.when, dt.datetime)

    @property
    def context(self) -> Ref | None:
        """What to show next to the item: its deal or lead, else its account, else its contact."""
        order = {"account": 0, "contact": 1}
        return self.deal or min(self.related, key=lambda r: order.get(r.type, 2), default=None)

    def as_dict(self) -> dict:
        return {
            "id": self.id, "type": self.type, "title": self.title, "date": self.day,
            "when": self.when, "end": self.end, "timed": self.timed,
            "owner": self.owner, "territory": self.territory, "status": self.status,
            "kind": self.kind, "purpose": self.purpose, "path": self.path,
            "deal": self.deal.as_dict() if self.deal else None,
            "related": [r.as_dict() for r in self.related],
        }


@dataclass
class OwnerDay:
    owner: str | None
    items: list[AgendaItem]
    capacity: int | None = None  # the owner's tasks_per_day (none without an owner)

    @property
    def tasks(self) -> int:
        return sum(1 for i in self.items if i.type == "task")

    @property
    def over(self) -> bool:
        return self.capacity is not None and self.tasks > self.capacity

    def as_dict(self) -> dict:
        return {"owner": self.owner, "tasks": self.tasks, "items": [i.as_dict() for i in self.items]}


@dataclass
class AgendaDay:
    date: dt.date
    owners: list[OwnerDay]

    @property
    def items(self) -> list[AgendaItem]:
        return [i for o in self.owners for i in o.items]

    def as_dict(self) -> dict:
        return {"date": self.date, "owners": [o.as_dict() for o in self.owners]}


@dataclass
class CapacityFlag:
    """An owner with more open tasks due on one day than their `tasks_per_day` (owners: in
    salesmd.yaml, else the vault's)."""

    owner: str
    date: dt.date
    tasks: int
    capacity: int

    @property
    def message(self) -> str:
        return f"{self.owner}: {self.tasks} tasks on {self.date.isoformat()}, capacity {self.capacity}"

    def as_dict(self) -> dict:
        return {"owner": self.owner, "date": self.date, "tasks": self.tasks, "capacity": self.capacity,
                "message": self.message}


@dataclass
class DealFlag:
    """An open opportunity that needs attention: stale (no recent activity) or past its close date."""

    id: str
    title: str
    stage: str
    owner: str | None
    territory: str | None
    amount: int | float | None
    currency: str | None
    close_date: dt.date | None
    path: str
    days: int | None  # stale: days since `since`; overdue: days past close_date
    since: dt.date | None = None  # stale: the last activity's day, else `created`
    since_source: str | None = None  # stale: "activity", "created" or None (neither known)
    last_activity: str | None = None  # stale: the id of that activity

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class AgendaReport:
    date: dt.date  # the first day shown
    days: int
    today: dt.date
    owner: str | None
    territory: str | None
    tasks_per_day: int
    stale_days: int
    overdue: list[AgendaItem]
    schedule: list[AgendaDay]  # one per day of the window, empty days included
    capacity: list[CapacityFlag]
    stale_deals: list[DealFlag]
    overdue_deals: list[DealFlag]
    skipped: list[Skipped] = field(default_factory=list)
    losing_touch: list[TouchFlag] = field(default_factory=list)  # touch.py
    touch_days: int = 30

    @property
    def end(self) -> dt.date:
        return self.date + dt.timedelta(days=self.days - 1)

    @property
    def items(self) -> list[AgendaItem]:
        """Every task and activity in the agenda: the overdue ones, then the window's."""
        return self.overdue + [i for day in self.schedule for i in day.items]

    def as_dict(self) -> dict:
        return {
            "date": self.date, "days": self.days, "end": self.end, "today": self.today,
            "filters": {"owner": self.owner, "territory": self.territory},
            "tasks_per_day": self.tasks_per_day, "stale_days": self.stale_days,
            "overdue": [i.as_dict() for i in self.overdue],
            "schedule": [d.as_dict() for d in self.schedule],
            "capacity": [c.as_dict() for c in self.capacity],
            "stale_deals": [d.as_dict() for d in self.stale_deals],
            "overdue_deals": [d.as_dict() for d in self.overdue_deals],
            "touch_days": self.touch_days,
            "losing_touch": [f.as_dict() for f in self.losing_touch],
            "skipped": [vars(s) for s in self.skipped],
        }


# What makes a task or activity belong on the agenda, and the key holding its date.
ON_AGENDA = {"task": ("open", "due"), "activity": ("planned", "start")}


def build_agenda(vault: Vault, today: dt.date, *, date: dt.date | None = None, days: int = 7,
                 owner: str | None = None, territory: str | None = None,
                 first_commit: FirstCommit | None = None) -> AgendaReport:
    """The agenda for `days` days from `date` (default: today), as of `today`.

    Owner and territory filter every section. A task or activity without an owner (or territory)
    of its own takes its deal's. `first_commit` (a path -> the day its file was first committed)
    dates the start of a deal without `created` (story.py); without it such a deal's life has no start.
    """
    config = vault.config
    start = date or today
    skipped: list[Skipped] = []

    def wanted(record: Record) -> bool:
        return (matches(effective(vault, record, "owner"), owner)
                and matches(effective(vault, record, "territory"), territory))

    items: list[AgendaItem] = []
    on_agenda = {type_: vault.of_type_where(type_, "status", status) for type_, (status, _) in ON_AGENDA.items()}
    vault.prefetch(link.key for records in on_agenda.values() for r in records for link in r.links("related"))
    for type_, (status, key) in ON_AGENDA.items():
        for record in on_agenda[type_]:
            item = _item(vault, record, key)
            if item is None:
                if wanted(record):
                        skipped.append(Skipped(record.id, record.path,
                                           f"{key} {record.get(key)!r} is not a date or date-time"))
                continue
            if matches(item.owner, owner) and matches(item.territory, territory):
                items.append(item)
    items.sort(key=lambda i: timeline_key(i.when) + (_owner_key(i.owner), i.id.casefold()))

    overdue = [i for i in items if i.day < start]
    schedule = []
    for offset in range(days):
        day = start + dt.timedelta(days=offset)
        by_owner: dict[str | None, list[AgendaItem]] = {}
        for item in items:
            if item.day == day:
                by_owner.setdefault(item.owner, []).append(item)
        schedule.append(AgendaDay(day, [OwnerDay(o, by_owner[o], capacity_of(config, o))
                                        for o in sorted(by_owner, key=_owner_key)]))

    capacity = [CapacityFlag(o.owner, d.date, o.tasks, o.capacity) for d in schedule for o in d.owners if o.over]

    stale, late = [], []
    stories = Stories(vault, first_commit)
    pipe = config.pipelines["opportunity"]
    for deal in sorted(vault.of_type("opportunity"), key=lambda r: r.key):
        if not wanted(deal):
            continue
        if stage_of(pipe, deal) is None:
            raw = deal.get("stage")
            skipped.append(Skipped(deal.id, deal.path, "it has no stage" if raw is None else
                                   f"stage {raw!r} is not in the opportunity pipeline"))
            continue
        if not is_open(pipe, deal):
            continue
        flag = _stale(stories, deal, today, config.stale_days, config.currency)
        if flag is not None:
            stale.append(flag)
        close = date_value(deal.get("close_date"))
        if close is not None and close < today:
            late.append(_flag(deal, config.currency, (today - close).days))
    stale.sort(key=lambda f: (-(f.days if f.days is not None else 10**9), f.id.casefold()))
    late.sort(key=lambda f: (-(f.days or 0), f.id.casefold()))
    touch = losing_touch(vault, today, owner=owner, territory=territory, skipped=skipped)

    return AgendaReport(
        date=start, days=days, today=today, owner=owner, territory=territory,
        tasks_per_day=config.tasks_per_day, stale_days=config.stale_days,
        overdue=overdue, schedule=schedule, capacity=capacity,
        stale_deals=stale, overdue_deals=late, skipped=skipped,
        losing_touch=touch, touch_days=config.touch_days,
    )


def capacity_of(config, owner: str | None) -> int | None:
    """How many open tasks a day `owner` can handle: their own tasks_per_day, else the vault's."""
    return None if owner is None else config.roster.tasks_per_day(owner, config.tasks_per_day)


def day_of(value: Any) -> dt.date | None:
    """The day a task's `due` (or an activity's `start`) puts it on the agenda, or None."""
    when = _when(value)
    return as_date(when) if when is not None else None


def _owner_key(owner: str | None) -> tuple:
    return (owner is None, (owner or "").casefold())


def _when(value: Any, zone: dt.tzinfo | None = None) -> dt.date | dt.datetime | None:
    """A date, or a datetime in local time: the vault's `timezone` (`zone`), else the machine's (one
    written with an offset is converted, so its day and its clock time agree wherever they are shown)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(zone).replace(tzinfo=None)
    return value if isinstance(value, (dt.date, dt.datetime)) else None


def _item(vault: Vault, record: Record, key: str) -> AgendaItem | None:
    zone = local_zone(vault.config.timezone)
    when = _when(record.get(key), zone)
    if when is None:
        return None
    related = [Ref(r.id, r.type, r.title) for r in vault.linked(record, "related")]
    deal_record = deal_of(vault, record)
    deal = Ref(deal_record.id, deal_record.type, deal_record.title) if deal_record is not None else None
    own_owner, own_territory = effective(vault, record, "owner"), effective(vault, record, "territory")
    end = _when(record.get("end"), zone) if record.type == "activity" else None
    return AgendaItem(
        id=record.id, type=record.type, title=record.title, when=when, end=end,
        owner=own_owner, territory=own_territory, status=record.get("status"),
        kind=text_value(record.get("kind")), purpose=text_value(record.get("purpose")),
        path=record.path, deal=deal, related=related,
        at=_aware(record.get(key)), end_at=_aware(record.get("end")) if record.type == "activity" else None,
    )


def _aware(value: Any) -> dt.datetime | None:
    return value if isinstance(value, dt.datetime) and value.tzinfo is not None else None


def _flag(deal: Record, home: str, days: int | None, **extra) -> DealFlag:
    return DealFlag(
        id=deal.id, title=deal.title, stage=deal.get("stage"),
        owner=text_value(deal.get("owner")), territory=text_value(deal.get("territory")),
        amount=number_value(deal.get("amount")), currency=currency_of(deal, home),
        close_date=date_value(deal.get("close_date")), path=deal.path, days=days, **extra,
    )


def _stale(stories: Stories, deal: Record, today: dt.date, stale_days: int, home: str) -> DealFlag | None:
    """A flag when the deal's story (story.py: its own activities, its lead's, its account's and
    contacts' in its life) has had no activity for `stale_days` days (counting from `created` when
    it never had any); a deal with neither is flagged with the days unknown."""
    activity = stories.last_activity(deal, today)
    if activity is not None:
        since, source = min(date_value(activity.get("start")), today), "activity"
    else:
        since = date_value(deal.get("created"))
        source = "created" if since else None
    days = days_since(since, today)
    if days is not None and days < stale_days:
        return None
    return _flag(deal, home, days, since=since, since_source=source,
                 last_activity=activity.id if activity is not None else None)

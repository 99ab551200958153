"""Forecast accuracy (`salesmd forecast-accuracy`): what was expected to close in a period, as
committed at its start (and at each month's start in a quarter, each quarter's in a year), against
what closed in it, as the vault says now. Pure: it takes the vaults (git/past.py reads the past ones).

At each point, the forecast is the open opportunities whose close_date lies in the period. Each is
then, by the vault now (followed through renames):
  hit       won, with its close_date in the period
  lost      in a terminal stage that is not won (lost, disqualified)
  gone      its file deleted since
  slipped   anything else: still open, or won after the period
A deal won in the period that was not in that forecast is
  pulled_in when it was open then with a close_date after the period,
  surprise  otherwise (not there yet, no close date, or one before the period);
one already won at that point is neither. Expected-side amounts are the forecast's (the deal as it
was then), won-side amounts the won deal's. A row per owner and currency, and the team's per currency.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..model import Record
from ..store.vault import Vault
from .periods import Period
from .query import effective
from .values import currency_of, date_value, is_open, lost_stages, matches, number_value, ordered_currencies, won_stages

EXPECTED = ("hit", "slipped", "lost", "gone")
UNEXPECTED = ("pulled_in", "surprise")
TEAM = "(team)"


@dataclass
class Outcome:
    id: str
    name: str
    owner: str | None
    outcome: str
    currency: str
    amount: float | int | None  # the forecast's amount (expected side) or the won amount
    expected_close: dt.date | None
    stage: str | None  # now (None: gone)
    close_date: dt.date | None  # now

    def as_dict(self) -> dict:
        return dict(vars(self))


@dataclass
class Row:
    owner: str
    currency: str
    tallies: dict[str, list] = field(default_factory=lambda: {k: [0, 0] for k in EXPECTED + UNEXPECTED})

    def add(self, outcome: Outcome) -> None:
        tally = self.tallies[outcome.outcome]
        tally[0] += 1
        tally[1] += outcome.amount or 0

    @property
    def expected(self) -> list:
        return [sum(self.tallies[k][i] for k in EXPECTED) for i in (0, 1)]

    def as_dict(self) -> dict:
        count, amount = self.expected
        hits, hit_amount = self.tallies["hit"]
        return {"owner": self.owner, "currency": self.currency, "expected": {"count": count, "amount": amount},
                **{k: {"count": n, "amount": a} for k, (n, a) in self.tallies.items()},
                "hit_rate": {"count": hits / count if count else None, "amount": hit_amount / amount if amount else None}}


@dataclass
class Snapshot:
    day: dt.date  # the forecast is the vault as committed before this day began
    point: dict  # {"asked", "commit", "day"}: commit None when there was no commit yet
    outcomes: list[Outcome]
    home: str

    def rows(self) -> list[Row]:
        rows: dict[tuple[str, str], Row] = {}
        for o in self.outcomes:
            for owner in (o.owner or "(none)", TEAM):
                rows.setdefault((owner, o.currency), Row(owner, o.currency)).add(o)
        order = {c: i for i, c in enumerate(ordered_currencies({c for _, c in rows}, self.home))}
        return sorted(rows.values(), key=lambda r: (r.owner == TEAM, r.owner.casefold(), order[r.currency]))

    def as_dict(self) -> dict:
        return {"day": self.day, "as_of": self.point, "rows": [r.as_dict() for r in self.rows()],
                "deals": [o.as_dict() for o in self.outcomes]}


@dataclass
class AccuracyReport:
    period: Period
    today: dt.date
    owner: str | None
    won: dict[str, list]  # currency -> [count, amount] won in the period, now
    lost: dict[str, list]
    snapshots: list[Snapshot]

    def as_dict(self) -> dict:
        def money(totals):
            return {c: {"count": n, "amount": a} for c, (n, a) in totals.items()}

        return {"period": self.period.as_dict(), "today": self.today, "filters": {"owner": self.owner},
                "closed": {"won": money(self.won), "lost": money(self.lost)},
                "snapshots": [s.as_dict() for s in self.snapshots]}


def forecast_days(period: Period, today: dt.date) -> list[dt.date]:
    """The days a forecast is read at: the period's first, and then each month's first (a quarter)
    or each quarter's (a year) in it, up to today."""
    span = (period.end - period.start).days
    step = 0 if span < 31 else 1 if span < 100 else 3
    days = [period.start]
    while step:
        month = days[-1].month - 1 + step
        day = dt.date(days[-1].year + month // 12, month % 12 + 1, 1)
        if day > period.end or day > today:
            break
        days.append(day)
    return days


def build_accuracy(period: Period, today: dt.date, now: Vault, points, owner: str | None = None) -> AccuracyReport:
    """`points`: (day, point dict, the vault then, line(path now) -> its path then) for each forecast."""
    pipe = now.config.pipelines["opportunity"]
    won_names = won_stages(pipe)
    deals = now.of_type("opportunity")
    won_now = [d for d in deals if d.get("stage") in won_names and date_value(d.get("close_date")) in period]
    won_paths = {d.path for d in won_now}
    lost_names = lost_stages(pipe)
    won, lost = {}, {}
    for d in deals:
        closing = date_value(d.get("close_date")) in period
        target = won if d.path in won_paths else lost if closing and d.get("stage") in lost_names else None
        if target is not None and matches(effective(now, d, "owner"), owner):
            tally = target.setdefault(currency_of(d, now.config.currency) or now.config.currency, [0, 0])
            tally[0] += 1
            tally[1] += number_value(d.get("amount")) or 0
    snapshots = [_snapshot(period, now, day, point, then, line, won_now, won_paths, owner) for day, point, then, line in points]
    return AccuracyReport(period, today, owner, won, lost, snapshots)


def _snapshot(period: Period, now: Vault, day, point, then: Vault, line, won_now: list[Record], won_paths: set[str],
              owner) -> Snapshot:
    then_pipe, now_pipe = then.config.pipelines["opportunity"], now.config.pipelines["opportunity"]
    then_deals = {r.path: r for r in then.of_type("opportunity")}
    now_by_line = {line(r.path): r for r in now.of_type("opportunity")}
    forecast = [r for r in then_deals.values() if is_open(then_pipe, r) and date_value(r.get("close_date")) in period]
    outcomes: list[Outcome] = []

    def add(record: Record, vault: Vault, outcome: str, current: Record | None, expected_close) -> None:
        who = effective(vault, record, "owner")
        if matches(who, owner):
            outcomes.append(Outcome(
                current.id if current is not None else record.id, record.title, who, outcome,
                currency_of(record, vault.config.currency) or vault.config.currency, number_value(record.get("amount")),
                expected_close, current.get("stage") if current is not None else None,
                date_value(current.get("close_date")) if current is not None else None))

    won_names = won_stages(now_pipe)
    for deal in forecast:
        current = now_by_line.get(deal.path)
        stage = now_pipe.get(current.get("stage")) if current is not None else None
        outcome = "gone" if current is None else "hit" if current.path in won_paths else \
            "lost" if stage is not None and stage.terminal and stage.name not in won_names else "slipped"
        add(deal, then, outcome, current, date_value(deal.get("close_date")))
    expected = {d.path for d in forecast}
    for deal in won_now:
        before = then_deals.get(line(deal.path))
        if before is not None and (before.path in expected or before.get("stage") in won_stages(then_pipe)):
            continue
        was_close = date_value(before.get("close_date")) if before is not None else None
        later = before is not None and is_open(then_pipe, before) and was_close is not None and was_close > period.end
        add(deal, now, "pulled_in" if later else "surprise", deal, was_close)
    outcomes.sort(key=lambda o: (EXPECTED + UNEXPECTED).index(o.outcome))
    return Snapshot(day, point, outcomes, now.config.currency)

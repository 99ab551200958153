"""The pipeline: deals per stage and currency, the forecast for a period, win and conversion rates.

A pure builder: `build_pipeline(vault, today, ...)` returns a `PipelineReport`; the terminal table,
the JSON and the CSV are all drawn from it. Amounts in different currencies are never added.
A record whose values cannot be read (a stage not in the pipeline, an amount that is not a
number) is left out of the sums and listed under `skipped`; `salesmd check` says what is wrong.
How values are read is in values.py, periods in periods.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping

from ..config import Pipeline
from ..model import Record
from ..store.vault import Vault
from .metrics import Metrics, build_metrics
from .periods import Period, PeriodError, parse_period, quarter_of  # noqa: F401 - callers import them here
from .query import effective
from .values import (closed_probability, currency_of, date_value, lost_stages, matches, number_value,
                     ordered_currencies, plain_number, probability_of, stage_of, text_value, won_stages)

SALES_PIPELINES = ("opportunity", "lead")  # the pipelines whose report shows lead conversion

# ---------------------------------------------------------------------------------------------
# The report.


@dataclass
class Money:
    """Deals of one currency: how many, their amounts and their probability-weighted amounts."""

    count: int = 0
    amount: float = 0
    weighted: float = 0

    def add(self, amount: float, probability: float | None) -> None:
        self.count += 1
        self.amount += amount
        self.weighted += amount * (probability or 0) / 100

    def as_dict(self) -> dict:
        return {"count": self.count, "amount": plain_number(self.amount), "weighted": plain_number(self.weighted)}


def _money_dict(totals: dict[str, Money]) -> dict:
    return {cur: m.as_dict() for cur, m in totals.items()}


@dataclass
class Totals:
    """A set of deals: how many in all, how many without an amount, and money per currency."""

    count: int = 0
    no_amount: int = 0
    by_currency: dict[str, Money] = field(default_factory=dict)

    def add(self, deal: "Deal") -> None:
        self.count += 1
        if deal.amount is None or deal.currency is None:
            self.no_amount += 1
        else:
            self.by_currency.setdefault(deal.currency, Money()).add(deal.amount, deal.probability)

    def sort(self, home: str) -> "Totals":
        self.by_currency = {c: self.by_currency[c] for c in ordered_currencies(self.by_currency, home)}
        return self

    def as_dict(self) -> dict:
        return {"count": self.count, "no_amount": self.no_amount, "by_currency": _money_dict(self.by_currency)}


@dataclass
class StageRow:
    name: str
    terminal: bool
    probability: int | float | None  # the stage's default
    totals: Totals

    def as_dict(self) -> dict:
        return {"stage": self.name, "terminal": self.terminal, "probability": self.probability,
                **self.totals.as_dict()}


@dataclass
class Deal:
    """One opportunity (or lead) as the pipeline sees it."""

    id: str
    name: str
    stage: str
    terminal: bool
    owner: str | None
    territory: str | None
    product: str | None
    amount: int | float | None
    currency: str | None
    probability: int | float | None
    close_date: dt.date | None
    created: dt.date | None
    age_days: int | None
    stage_since: dt.date | None
    stage_since_source: str | None  # "git" (from the log), "file" (the `created` date) or None
    days_in_stage: int | None
    path: str

    @property
    def weighted(self) -> float | None:
        if self.amount is None:
            return None
        return self.amount * (self.probability or 0) / 100

    def as_dict(self) -> dict:
        out = {k: v for k, v in vars(self).items() if k != "terminal"}
        out["weighted"] = plain_number(self.weighted)
        return out


@dataclass
class Outcome:
    """Deals closed (won or lost) in the period, by close_date."""

    won: Totals
    lost: Totals
    currencies: list[str]

    @property
    def win_rate(self) -> float | None:
        decided = self.won.count + self.lost.count
        return self.won.count / decided if decided else None

    def win_rate_by_value(self) -> dict[str, float | None]:
        rates = {}
        for cur in self.currencies:
            won = self.won.by_currency.get(cur, Money()).amount
            lost = self.lost.by_currency.get(cur, Money()).amount
            rates[cur] = won / (won + lost) if won + lost else None
        return rates

    def as_dict(self) -> dict:
        return {
            "won": self.won.as_dict(), "lost": self.lost.as_dict(),
            "win_rate": _rate(self.win_rate),
            "win_rate_by_value": {c: _rate(r) for c, r in self.win_rate_by_value().items()},
        }


@dataclass
class Conversion:
    """Leads: how many of those that reached a terminal stage were converted."""

    closed: int
    converted: int
    converted_in_period: int

    @property
    def rate(self) -> float | None:
        return self.converted / self.closed if self.closed else None

    def as_dict(self) -> dict:
        return {"closed": self.closed, "converted": self.converted, "rate": _rate(self.rate),
                "converted_in_period": self.converted_in_period}


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class Skipped:
    """A record a report left out, and why (`salesmd check` says more)."""

    id: str
    path: str
    reason: str


@dataclass
class PipelineReport:
    pipeline: str
    today: dt.date
    period: Period
    currency: str  # the config's
    filters: dict[str, str | None]
    stages: list[StageRow]
    open: Totals  # every open deal
    expected: Totals | None  # open deals with close_date in the period (opportunities only)
    outcome: Outcome | None  # won and lost in the period (opportunities only)
    conversion: Conversion | None  # None for a pipeline that is not a sale's (issues)
    deals: list[Deal]  # the open ones, soonest close date first
    skipped: list[Skipped] = field(default_factory=list)
    closed: list[Deal] = field(default_factory=list)  # the terminal ones, latest close date first
    metrics: Metrics | None = None  # metrics.py

    def forecast_by_month(self) -> list[tuple[str, str, float, float]]:
        """(YYYY-MM, currency, amount, weighted) of the open deals, by expected close month."""
        sums: dict[tuple[str, str], list[float]] = {}
        for deal in self.deals:
            if deal.close_date is None or deal.amount is None or deal.currency is None:
                continue
            entry = sums.setdefault((deal.close_date.strftime("%Y-%m"), deal.currency), [0, 0])
            entry[0] += deal.amount
            entry[1] += deal.amount * (deal.probability or 0) / 100
        return [(month, cur, plain_number(a), plain_number(w)) for (month, cur), (a, w) in sorted(sums.items())]

    @property
    def currencies(self) -> list[str]:
        found = set()
        for row in self.stages:
            found |= set(row.totals.by_currency)
        return ordered_currencies(found, self.currency)

    def as_dict(self, deals: bool = True) -> dict:
        """The report as JSON data; `deals=False` leaves out the lists of deals (`deals`, the open
        ones, and `closed`), which grow with the vault: the summary stays small."""
        lists = {"deals": [d.as_dict() for d in self.deals], "closed": [d.as_dict() for d in self.closed]} \
            if deals else {}
        return {
            "pipeline": self.pipeline,
            "today": self.today,
            "period": self.period.as_dict(),
            "currency": self.currency,
            "filters": self.filters,
            "stages": [s.as_dict() for s in self.stages],
            "open": self.open.as_dict(),
            "expected": self.expected.as_dict() if self.expected else None,
            "outcome": self.outcome.as_dict() if self.outcome else None,
            "conversion": self.conversion.as_dict() if self.conversion else None,
            "forecast_by_month": [{"month": m, "currency": c, "amount": a, "weighted": w}
                                  for m, c, a, w in self.forecast_by_month()],
            "skipped": [vars(s) for s in self.skipped],
            **(self.metrics.as_dict() if self.metrics else {}),
            **lists,
        }


def build_pipeline(vault: Vault, today: dt.date, *, pipeline: str = "opportunity",
                   owner: str | None = None, territory: str | None = None, product: str | None = None,
                   period: Period | None = None,
                   stage_since: Mapping[str, dt.date] | None = None, history=None) -> PipelineReport:
    """The pipeline report for one pipeline ('opportunity', 'lead' or 'issue') as of `today`.

    `stage_since` maps a casefolded record id to the day it entered its current stage (read from
    git by the caller); without an entry the record's `created` date stands in. `history` (git's,
    or None) is what the metrics (metrics.py) read the deals' stages and close dates from.
    """
    config = vault.config
    pipe = config.pipelines[pipeline]
    period = period or quarter_of(today)
    stage_since = stage_since or {}
    home = config.currency
    skipped: list[Skipped] = []

    def wanted(record: Record, use_product: bool) -> bool:
        return (matches(effective(vault, record, "owner"), owner)
                and matches(effective(vault, record, "territory"), territory)
                and (not use_product or matches(text_value(record.get("product")), product)))

    deals: list[Deal] = []
    kept: list[Record] = []
    for record in sorted(vault.of_type(pipeline), key=lambda r: r.key):
        if not wanted(record, use_product=True):
            continue
        deal = _deal(record, pipe, home, today, stage_since, skipped)
        if deal is not None:
            deals.append(deal)
            kept.append(record)

    rows = [StageRow(s.name, s.terminal, closed_probability(pipe, s) if s.terminal and s.probability is not None
                     else s.probability, Totals()) for s in pipe.all]
    by_name = {row.name: row for row in rows}
    open_totals = Totals()
    for deal in deals:
        by_name[deal.stage].totals.add(deal)
        if not deal.terminal:
            open_totals.add(deal)
    for row in rows:
        row.totals.sort(home)
    open_deals = sorted((d for d in deals if not d.terminal),
                        key=lambda d: (d.close_date is None, d.close_date or dt.date.min,
                                       -pipe.get(d.stage).index, d.id.casefold()))

    expected = outcome = None
    if pipeline == "opportunity":
        expected = Totals()
        for deal in open_deals:
            if deal.close_date in period:
                expected.add(deal)
        won, lost = Totals(), Totals()
        won_names, lost_names = won_stages(pipe), lost_stages(pipe)
        for deal in deals:
            if deal.close_date in period:
                if deal.stage in won_names:
                    won.add(deal)
                elif deal.stage in lost_names:
                    lost.add(deal)
        currencies = ordered_currencies(set(won.by_currency) | set(lost.by_currency), home)
        outcome = Outcome(won.sort(home), lost.sort(home), currencies)
        expected.sort(home)

    sales = pipeline in SALES_PIPELINES  # lead conversion means nothing beside the issue pipeline
    leads = [r for r in vault.of_type("lead") if wanted(r, use_product=False)] if sales else []
    conversion = _conversion(leads, config.pipelines["lead"], period) if sales else None
    metrics = build_metrics(kept, leads, pipe, config.pipelines["lead"], period, today, history)

    return PipelineReport(
        pipeline=pipeline, today=today, period=period, currency=home,
        filters={"owner": owner, "territory": territory, "product": product},
        stages=rows, open=open_totals.sort(home), expected=expected, outcome=outcome,
        conversion=conversion, deals=open_deals, skipped=skipped,
        closed=sorted((d for d in deals if d.terminal),
                      key=lambda d: (d.close_date is None, -(d.close_date or dt.date.min).toordinal(),
                                     d.id.casefold())),
        metrics=metrics,
    )


def _deal(record: Record, pipe: Pipeline, home: str, today: dt.date,
          stage_since: Mapping[str, dt.date], skipped: list[Skipped]) -> Deal | None:
    stage = stage_of(pipe, record)
    if stage is None:
        raw = record.get("stage")
        why = f"stage {raw!r} is not in the {pipe.name} pipeline" if raw is not None else "it has no stage"
        skipped.append(Skipped(record.id, record.path, why))
        return None
    amount = number_value(record.get("amount"))
    if record.get("amount") is not None and amount is None:
        skipped.append(Skipped(record.id, record.path,
                               f"amount {record.get('amount')!r} is not a number; counted without an amount"))
    currency = currency_of(record, home)
    if currency is None and amount is not None:
        skipped.append(Skipped(record.id, record.path,
                               f"currency {record.get('currency')!r} is not a currency code; "
                               "counted without an amount"))
        amount = None
    created = date_value(record.get("created"))
    since, source = stage_since.get(record.key), "git"
    if since is None or (created is not None and created > since):
        # a deal cannot have entered its stage before it was created: the later of the two counts
        since, source = created, ("file" if created else None)
    return Deal(
        id=record.id, name=record.title, stage=stage.name, terminal=stage.terminal,
        owner=text_value(record.get("owner")), territory=text_value(record.get("territory")),
        product=text_value(record.get("product")), amount=amount, currency=currency,
        probability=probability_of(pipe, record, stage), close_date=date_value(record.get("close_date")),
        created=created, age_days=days_since(created, today),
        stage_since=since, stage_since_source=source,
        days_in_stage=days_since(since, today), path=record.path,
    )


def days_since(day: dt.date | None, today: dt.date) -> int | None:
    """Whole days from `day` to `today`, never negative: a date after `today` (a commit made on the
    real date in a vault whose `today` is earlier, a `created` typed ahead) counts as 0."""
    return max(0, (today - day).days) if day is not None else None


def _conversion(leads: list[Record], pipe: Pipeline, period: Period) -> Conversion:
    closed = converted = in_period = 0
    for lead in leads:
        stage = stage_of(pipe, lead)
        if stage is None or not stage.terminal:
            continue
        closed += 1
        if stage.name == "converted":
            converted += 1
            if date_value(lead.get("converted_on")) in period:
                in_period += 1
    return Conversion(closed, converted, in_period)

"""Sales targets against what was won: per owner, per territory (where targets are set for one)
and for the team, in each currency.

For each row: the target (salesmd.yaml's `targets:` for the period), won so far (opportunities in
a won stage whose close_date is in the period), the weighted open pipeline (open opportunities
whose close_date is in the period, each at its probability, as `salesmd pipeline` weighs them),
the gap (target - won; negative when the target is beaten) and the pace needed: the gap divided
by the working days (Monday to Friday) left in the period, today counted, from the later of today
and the period's first day to its last day; per week is five of those days. Amounts are Decimal,
the pace rounded half up to the cent. Currencies are never added together.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ..money_config import PeriodTargets
from ..store.vault import Vault
from .periods import Period
from .pipeline import Deal, PipelineReport, build_pipeline
from .values import ordered_currencies, won_stages

CENT = Decimal("0.01")


def decimal(amount: int | float) -> Decimal:
    """An amount as the record has it, exactly (2.1 is 2.1, not the float nearest it)."""
    return Decimal(str(amount))


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def json_number(amount: Decimal | None) -> int | float | None:
    """A Decimal as JSON carries it: whole amounts as integers, others as the number to the cent."""
    if amount is None:
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def csv_amount(amount: Decimal | None) -> str:
    """A Decimal in a CSV cell: to the cent (150000.00), as a spreadsheet or a payroll file reads it."""
    return "" if amount is None else str(cents(amount))


def working_days(start: dt.date, end: dt.date) -> int:
    """Mondays to Fridays from `start` to `end`, both counted (0 when `end` is before `start`)."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, rest = divmod(days, 7)
    return weeks * 5 + sum(1 for i in range(rest) if (start.weekday() + i) % 7 < 5)


@dataclass
class TargetRow:
    scope: str  # "owner", "territory" or "team"
    name: str | None  # None: deals without an owner (or territory); the team row has none either
    currency: str
    target: Decimal | None
    target_source: str | None  # "team", "owners" (the team's target is their sum), or None for others
    won: Decimal = Decimal(0)
    won_count: int = 0
    weighted: Decimal = Decimal(0)
    open_count: int = 0
    gap: Decimal | None = None
    pace_per_day: Decimal | None = None
    pace_per_week: Decimal | None = None

    @property
    def progress(self) -> int | None:
        """Won as a whole percentage of the target; None without a target above zero."""
        return int(self.won * 100 / self.target) if self.target else None

    def as_dict(self) -> dict:
        return {k: (json_number(v) if isinstance(v, Decimal) else v) for k, v in vars(self).items()}


@dataclass
class TargetsReport:
    today: dt.date
    period: Period
    currency: str
    owner: str | None
    days_left: int  # working days left in the period, today counted
    owners: list[TargetRow] = field(default_factory=list)
    territories: list[TargetRow] = field(default_factory=list)
    total: list[TargetRow] = field(default_factory=list)
    has_targets: bool = False

    @property
    def rows(self) -> list[TargetRow]:
        return self.owners + self.territories + self.total

    def as_dict(self) -> dict:
        return {"today": self.today, "period": self.period.as_dict(), "currency": self.currency,
                "owner": self.owner, "working_days_left": self.days_left, "has_targets": self.has_targets,
                "owners": [r.as_dict() for r in self.owners],
                "territories": [r.as_dict() for r in self.territories],
                "total": [r.as_dict() for r in self.total]}


def build_targets(vault: Vault, today: dt.date, period: Period, owner: str | None = None,
                  pipeline: PipelineReport | None = None) -> TargetsReport:
    """The targets report; `pipeline`, the whole pipeline report for the same period when the
    caller has one (the site), saves reading the opportunities again."""
    config = vault.config
    home = config.currency
    goals = config.targets.get(period.label) or PeriodTargets(period.label)
    pipe = config.pipelines["opportunity"]
    won_names = won_stages(pipe)
    report = pipeline if pipeline is not None and pipeline.period == period \
        and not any(pipeline.filters.values()) else build_pipeline(vault, today, period=period)
    won = [d for d in report.closed if d.stage in won_names and d.close_date in period]
    pending = [d for d in report.deals if d.close_date in period]
    days = working_days(max(today, period.start), period.end)
    out = TargetsReport(today, period, home, owner, days,
                        has_targets=bool(goals.team or goals.owners or goals.territories))

    def who(deal: Deal) -> str | None:
        return config.roster.as_owner(deal.owner)

    def where(deal: Deal) -> str | None:
        return config.roster.territory(deal.territory) or deal.territory

    out.owners = _rows("owner", goals.owners, won, pending, who, home, days)
    if owner is not None:
        out.owners = [r for r in out.owners if r.name is not None and r.name.casefold() == owner.casefold()]
        return out
    if goals.territories:
        out.territories = _rows("territory", goals.territories, won, pending, where, home, days)
    team = goals.team
    source = "team" if team else None
    if not team:
        team = {}
        for amounts in goals.owners.values():
            for currency, amount in amounts.items():
                team[currency] = team.get(currency, Decimal(0)) + amount
        source = "owners" if team else None
    out.total = _rows("team", {None: team}, won, pending, lambda d: None, home, days, source)
    return out


def _rows(scope: str, goals: dict, won: list[Deal], pending: list[Deal], key, home: str, days: int,
          source: str | None = None) -> list[TargetRow]:
    rows: dict[tuple[str | None, str], TargetRow] = {}

    def row(name: str | None, currency: str) -> TargetRow:
        if (name, currency) not in rows:
            target = goals.get(name, {}).get(currency)
            rows[name, currency] = TargetRow(scope, name, currency, target, source if target is not None else None)
        return rows[name, currency]

    for name, amounts in goals.items():
        for currency in amounts:
            row(name, currency)
    for deal in won:
        if deal.amount is not None and deal.currency is not None:
            found = row(key(deal), deal.currency)
            found.won += decimal(deal.amount)
            found.won_count += 1
    for deal in pending:
        if deal.amount is not None and deal.currency is not None:
            found = row(key(deal), deal.currency)
            found.weighted += decimal(deal.amount) * decimal(deal.probability or 0) / 100
            found.open_count += 1
    for found in rows.values():
        found.weighted = cents(found.weighted)
        if found.target is not None:
            found.gap = found.target - found.won
            short = max(found.gap, Decimal(0))
            if days:
                found.pace_per_day = cents(short / days)
                found.pace_per_week = cents(short * 5 / days)
            elif not short:
                found.pace_per_day = found.pace_per_week = Decimal(0)
    names = sorted({n for n, _ in rows}, key=lambda n: (n is None, (n or "").casefold()))
    return [rows[n, c] for n in names for c in ordered_currencies({c for m, c in rows if m == n}, home)]

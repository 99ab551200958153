"""Commissions: what each owner earns on the deals won in a period, line by line.

The deals are the opportunities in a won stage whose close_date is in the period, per owner and
currency, in close-date order (then id). Each deal is paid at, first to last:
1. its product's rate (`commission.products`), when it has one; else
2. its owner's rule (`commission.owners`), else
3. the default rule (`commission.rate` or `commission.tiers`).
A rule is a flat rate or tiers by the owner's won amount in the period, marginal like tax
brackets: with 0-100000: 5% and 100000+: 8%, a deal taking the owner from 80,000 to 130,000 earns
5% on 20,000 and 8% on 30,000. Every won deal of the owner in that currency moves them through the
tiers, those paid at a product's rate too; each currency climbs the tiers on its own.
Amounts are Decimal; each deal's commission is rounded half up to the cent, and the totals are the
sums of those lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ..money_config import Rule
from ..store.vault import Vault
from .periods import Period
from .pipeline import Deal, build_pipeline
from .targets import cents, decimal, json_number
from .values import ordered_currencies, won_stages


@dataclass
class Part:
    amount: Decimal  # the part of the deal's amount paid at this rate
    rate: Decimal  # percent

    def as_dict(self) -> dict:
        return {"amount": json_number(self.amount), "rate": json_number(self.rate)}


@dataclass
class Line:
    id: str
    name: str
    close_date: dt.date | None
    amount: Decimal
    currency: str
    product: str | None
    basis: str  # "product", "owner", "default" or "none" (no rule pays it)
    parts: list[Part]
    commission: Decimal
    path: str

    @property
    def rate(self) -> str:
        """The rate applied as text: '6%', or '5% + 8%' for a deal that crosses a tier."""
        return " + ".join(f"{_pct(p.rate)}%" for p in self.parts) if self.parts else ""

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "close_date": self.close_date, "amount": json_number(self.amount),
                "currency": self.currency, "product": self.product, "basis": self.basis, "rate": self.rate,
                "parts": [p.as_dict() for p in self.parts], "commission": json_number(self.commission), "path": self.path}


def _pct(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


@dataclass
class Payout:
    owner: str | None
    currency: str
    lines: list[Line] = field(default_factory=list)

    @property
    def won(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def commission(self) -> Decimal:
        return sum((line.commission for line in self.lines), Decimal(0))

    def as_dict(self) -> dict:
        return {"owner": self.owner, "currency": self.currency, "deals": len(self.lines), "won": json_number(self.won),
                "commission": json_number(self.commission), "lines": [line.as_dict() for line in self.lines]}


@dataclass
class CommissionsReport:
    today: dt.date
    period: Period
    owner: str | None
    payouts: list[Payout]
    unpaid: list[str]  # owners whose deals no rule pays

    def totals(self) -> dict[str, Decimal]:
        """Commission per currency, all owners: the sums of the lines."""
        out: dict[str, Decimal] = {}
        for payout in self.payouts:
            out[payout.currency] = out.get(payout.currency, Decimal(0)) + payout.commission
        return out

    def as_dict(self) -> dict:
        return {"today": self.today, "period": self.period.as_dict(), "owner": self.owner,
                "owners": [p.as_dict() for p in self.payouts],
                "totals": {c: json_number(v) for c, v in self.totals().items()}, "unpaid": self.unpaid}


def build_commissions(vault: Vault, today: dt.date, period: Period, owner: str | None = None) -> CommissionsReport:
    config = vault.config
    rules = config.commission
    won_names = won_stages(config.pipelines["opportunity"])
    report = build_pipeline(vault, today, period=period, owner=owner)
    deals = [d for d in report.closed if d.stage in won_names and d.close_date in period
             and d.amount is not None and d.currency is not None]
    groups: dict[tuple[str | None, str], list[Deal]] = {}
    for deal in deals:
        groups.setdefault((config.roster.as_owner(deal.owner), deal.currency), []).append(deal)
    payouts, unpaid = [], []
    names = sorted({n for n, _ in groups}, key=lambda n: (n is None, (n or "").casefold()))
    for name in names:
        rule, basis = rules.rule_for(name)
        for currency in ordered_currencies({c for n, c in groups if n == name}, config.currency):
            payout = Payout(name, currency)
            position = Decimal(0)
            for deal in sorted(groups[name, currency], key=lambda d: (d.close_date, d.id.casefold())):
                amount = decimal(deal.amount)
                product_rate = rules.product_rate(deal.product)
                if product_rate is not None:
                    parts, used = [Part(amount, product_rate)], "product"
                elif rule is not None:
                    parts, used = _parts(rule, position, amount), basis
                else:
                    parts, used = [], "none"
                    if name not in unpaid:
                        unpaid.append(name)
                position += amount
                paid = cents(sum((p.amount * p.rate / 100 for p in parts), Decimal(0)))
                payout.lines.append(Line(deal.id, deal.name, deal.close_date, amount, currency, deal.product,
                                         used, parts, paid, deal.path))
            payouts.append(payout)
    return CommissionsReport(today, period, owner, payouts, unpaid)


def _parts(rule: Rule, position: Decimal, amount: Decimal) -> list[Part]:
    """The deal's amount split by the tiers it falls in, the owner having won `position` before it."""
    if not rule.tiers:
        return [Part(amount, rule.rate or Decimal(0))]
    parts = []
    start, end = position, position + amount
    for tier in rule.tiers:
        low = max(start, tier.low)
        high = end if tier.high is None else min(end, tier.high)
        if high > low:
            parts.append(Part(high - low, tier.rate))
    if amount <= 0:  # a zero (or negative) amount still shows the rate it falls in
        tier = next(t for t in reversed(rule.tiers) if t.low <= max(position, Decimal(0)))
        parts = [Part(amount, tier.rate)]
    return parts

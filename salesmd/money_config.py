"""Sales targets and commission rules in salesmd.yaml: `targets:` and `commission:`.

```yaml
targets:
  2026-Q4:                      # a quarter, a month (2026-11) or a year (2026)
    team: 450000                # the team total, in the vault's currency
    owners: {maria: 180000, dev: {USD: 150000, EUR: 20000}}
    territories: {west: 200000}
commission:
  rate: 5%                      # the default: every owner without a rule of their own
  owners:
    maria: 6%
    dev: {tiers: {0-100000: 5%, 100000+: 8%}}   # marginal, like tax brackets
  products: {service-plan: 10%} # a product's rate overrides the owner's for that deal
```

Read apart from config.py's other keys; every wrong value is a `config-targets` or
`config-commission` problem at its own line (found by composing the YAML, which keeps each key's
mark), and is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from .model import ERROR, WARNING, Problem, Source
from .owners import Roster, fold
from .reports.periods import PeriodError, parse_period

CONFIG_NAME = "salesmd.yaml"
SCOPES = ("team", "owners", "territories")
RULE_KEYS = ("rate", "tiers")
COMMISSION_KEYS = ("rate", "tiers", "owners", "products")
CURRENCY = re.compile(r"[A-Z]{3}")
TIER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)|(\+))\s*$")
RATE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*%\s*$")


@dataclass(frozen=True)
class PeriodTargets:
    """One period's targets: currency -> amount, for the team, each owner and each territory."""

    label: str
    team: dict[str, Decimal] = field(default_factory=dict)
    owners: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    territories: dict[str, dict[str, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class Tier:
    low: Decimal
    high: Decimal | None  # None: open-ended (`100000+`)
    rate: Decimal  # percent


@dataclass(frozen=True)
class Rule:
    """A flat rate, or marginal tiers by the owner's won amount in the period."""

    rate: Decimal | None = None
    tiers: tuple[Tier, ...] = ()


@dataclass(frozen=True)
class Commission:
    default: Rule | None = None
    owners: dict[str, Rule] = field(default_factory=dict)
    products: dict[str, Decimal] = field(default_factory=dict)  # folded product name -> percent
    product_names: dict[str, str] = field(default_factory=dict)  # folded -> as written

    @property
    def given(self) -> bool:
        return bool(self.default or self.owners or self.products)

    def rule_for(self, owner: str | None) -> tuple[Rule | None, str]:
        """The rule that pays `owner` and where it comes from ('owner' or 'default')."""
        if owner is not None and owner in self.owners:
            return self.owners[owner], "owner"
        return self.default, "default"

    def product_rate(self, product: str | None) -> Decimal | None:
        return self.products.get(fold(product)) if product else None


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Every key's line (1-based) by its path of keys; {} when the YAML cannot be composed."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    found: dict[tuple[str, ...], int] = {}

    def walk(node, path: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = path + (str(key.value),)
                found.setdefault(here, key.start_mark.line + 1)
                walk(value, here)

    walk(root, ())
    return found


class _Reader:
    def __init__(self, text: str, code: str):
        self.text = text
        self.lines: dict[tuple[str, ...], int] | None = None  # composed when a problem needs a line
        self.code = code
        self.problems: list[Problem] = []

    def line(self, path: tuple) -> int:
        if self.lines is None:
            self.lines = key_lines(self.text)
        path = tuple(str(p) for p in path)
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def bad(self, path: tuple, message: str, severity: str = ERROR, code: str | None = None) -> None:
        self.problems.append(Problem(Source(CONFIG_NAME, self.line(path)), code or self.code, message, severity))


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _known(roster: Roster, kind: str, name: Any, at: tuple, r: _Reader, what: str) -> str | None:
    """The owner id (an alias is its owner) or the territory `name` is, or None (a problem) when
    salesmd.yaml's `owners:` or `territories:` does not list it."""
    if not isinstance(name, str) or not name.strip():
        must = "an owner's id" if kind == "owner" else "a name"
        r.bad(at, f"{what}: {kind} {name!r} must be {must} (text)")
        return None
    message = roster.unknown(kind, name)
    if message:
        r.bad(at, f"{what}: {message}")
        return None
    return (roster.owner_id(name) if kind == "owner" else roster.territory(name)) or name


# ------------------------------------------------------------------------------------------- targets

def read_targets(data: dict, text: str, roster: Roster, home: str) -> tuple[dict[str, PeriodTargets], list[Problem]]:
    """salesmd.yaml's `targets:` -> period label -> PeriodTargets, and the problems found."""
    r = _Reader(text, "config-targets")
    value = data.get("targets")
    if value is None:
        return {}, []
    if not isinstance(value, dict):
        r.bad(("targets",), "'targets' must map periods (2026-Q4, 2026-11, 2026) to targets, as in "
                            "targets: {2026-Q4: {team: 450000, owners: {maria: 180000}}}")
        return {}, r.problems
    periods: dict[str, PeriodTargets] = {}
    for key, spec in value.items():
        at = ("targets", key)
        try:
            label = parse_period(str(key) if isinstance(key, (str, int)) and not isinstance(key, bool) else "").label
        except PeriodError:
            r.bad(at, f"targets: {str(key)!r} is not a period: write a quarter (2026-Q4), a month (2026-11) "
                      "or a year (2026)")
            continue
        if label in periods:
            r.bad(at, f"targets: period {label} is given twice; the second is left out")
            continue
        if not isinstance(spec, dict):
            r.bad(at, f"targets {label}: must be a mapping of team, owners and territories, not {spec!r}")
            continue
        team: dict[str, Decimal] = {}
        owners: dict[str, dict[str, Decimal]] = {}
        places: dict[str, dict[str, Decimal]] = {}
        for scope, amounts in spec.items():
            where = at + (scope,)
            if scope == "team":
                team = _amounts(amounts, where, f"targets {label} team", home, r)
            elif scope in ("owners", "territories") and isinstance(amounts, dict):
                for name, given in amounts.items():
                    what = f"targets {label} {scope}"
                    found = _known(roster, "owner" if scope == "owners" else "territory", name, where + (name,), r, what)
                    if found is not None:
                        (owners if scope == "owners" else places)[found] = _amounts(
                            given, where + (name,), f"{what} {found}", home, r)
            elif scope in ("owners", "territories"):
                r.bad(where, f"targets {label}: '{scope}' must map each name to its target, as in "
                             f"{scope}: {{{'maria' if scope == 'owners' else 'west'}: 100000}}")
            else:
                from .suggest import did_you_mean

                r.bad(where, f"targets {label}: unknown key '{scope}'{did_you_mean(str(scope), SCOPES)}; "
                             f"a period takes {', '.join(SCOPES)}")
        periods[label] = PeriodTargets(label, team, owners, places)
    return periods, r.problems


def _amounts(value: Any, at: tuple, what: str, home: str, r: _Reader) -> dict[str, Decimal]:
    """A target: a number (the vault's currency) or {USD: 100000, EUR: 20000}; never negative."""
    given = {home: value} if not isinstance(value, dict) else value
    out: dict[str, Decimal] = {}
    for currency, amount in given.items():
        where = at + (currency,) if isinstance(value, dict) else at
        if not (isinstance(currency, str) and CURRENCY.fullmatch(currency)):
            r.bad(where, f"{what}: {currency!r} is not a currency code such as USD or EUR")
            continue
        number = _number(amount)
        if number is None:
            r.bad(where, f"{what}: the target must be an amount (a number), not {amount!r}")
        elif number < 0:
            r.bad(where, f"{what}: the target must be zero or more, not {amount!r}")
        else:
            out[currency] = number
    return out


# ---------------------------------------------------------------------------------------- commission

def read_commission(data: dict, text: str, roster: Roster) -> tuple[Commission, list[Problem]]:
    """salesmd.yaml's `commission:` -> Commission, and the problems found."""
    r = _Reader(text, "config-commission")
    value = data.get("commission")
    if value is None:
        return Commission(), []
    if not isinstance(value, dict):
        r.bad(("commission",), "'commission' must be a mapping, as in commission: {rate: 5%, owners: {maria: 6%}}")
        return Commission(), r.problems
    for key in value:
        if key not in COMMISSION_KEYS:
            from .suggest import did_you_mean

            r.bad(("commission", key), f"unknown commission setting '{key}'{did_you_mean(str(key), COMMISSION_KEYS)}; "
                                       f"commission takes {', '.join(COMMISSION_KEYS)}", WARNING, "config-unknown-key")
    default = _rule({k: value[k] for k in RULE_KEYS if k in value}, ("commission",), "commission", r) \
        if any(k in value for k in RULE_KEYS) else None
    owners: dict[str, Rule] = {}
    given = value.get("owners")
    if given is not None and not isinstance(given, dict):
        r.bad(("commission", "owners"), "'commission.owners' must map each owner to a rate or tiers, as in "
                                        "owners: {maria: 6%}")
    for name, spec in (given or {}).items() if isinstance(given, dict) else ():
        at = ("commission", "owners", name)
        owner = _known(roster, "owner", name, at, r, "commission.owners")
        if owner is None:
            continue
        if not isinstance(spec, dict):
            spec = {"rate": spec}
        rule = _rule(spec, at, f"commission.owners.{owner}", r)
        if rule is not None:
            owners[owner] = rule
    products: dict[str, Decimal] = {}
    names: dict[str, str] = {}
    given = value.get("products")
    if given is not None and not isinstance(given, dict):
        r.bad(("commission", "products"), "'commission.products' must map each product (a deal's `product`) to "
                                          "a rate, as in products: {service-plan: 10%}")
    for product, rate in (given or {}).items() if isinstance(given, dict) else ():
        at = ("commission", "products", product)
        if not isinstance(product, str) or not product.strip():
            r.bad(at, f"commission.products: {product!r} is not a product name: a product key must be text "
                      f"(quote it: \"{product}\": ...), as a deal's `product` is")
            continue
        number = _rate(rate, at, f"commission.products.{product}", r)
        if number is not None:
            products[fold(product)], names[fold(product)] = number, product
    return Commission(default, owners, products, names), r.problems


def _rule(spec: dict, at: tuple, what: str, r: _Reader) -> Rule | None:
    for key in spec:
        if key not in RULE_KEYS:
            r.bad(at + (key,), f"{what}: unknown setting '{key}'; a rule is a rate (6%) or tiers "
                               "({0-100000: 5%, 100000+: 8%})", WARNING, "config-unknown-key")
    if "rate" in spec and "tiers" in spec:
        r.bad(at + ("tiers",), f"{what}: give a rate or tiers, not both")
        return None
    if "tiers" in spec:
        tiers = _tiers(spec["tiers"], at + ("tiers",), what, r)
        return Rule(None, tiers) if tiers else None
    if "rate" in spec:
        rate = _rate(spec["rate"], at + ("rate",), what, r)
        return Rule(rate) if rate is not None else None
    r.bad(at, f"{what}: give a rate (6%) or tiers ({{0-100000: 5%, 100000+: 8%}})")
    return None


def _rate(value: Any, at: tuple, what: str, r: _Reader) -> Decimal | None:
    """A percentage: 6, 6.5, '6%' or '6.5 %'; from 0 to 100."""
    match = RATE.match(value) if isinstance(value, str) else None
    number = Decimal(match.group(1)) if match else _number(value)
    if number is None:
        r.bad(at, f"{what}: the rate must be a percentage such as 6% or 6.5, not {value!r}")
        return None
    if not 0 <= number <= 100:
        r.bad(at, f"{what}: the rate must be from 0% to 100%, not {value!r}")
        return None
    return number


def _tiers(value: Any, at: tuple, what: str, r: _Reader) -> tuple[Tier, ...]:
    """{0-100000: 5%, 100000+: 8%}: from 0, each tier starting where the one before ends, the last
    open-ended; an overlap or a gap is a problem and the tiers are not used."""
    if not isinstance(value, dict) or not value:
        r.bad(at, f"{what}: 'tiers' must map won-amount bands to rates, as in tiers: {{0-100000: 5%, 100000+: 8%}}")
        return ()
    tiers: list[Tier] = []
    for band, rate in value.items():
        match = TIER.match(band) if isinstance(band, str) else None
        if match is None:
            r.bad(at + (band,), f"{what}: tier {band!r} must be a band of won amount, LOW-HIGH (0-100000) or LOW+ "
                                "(100000+)")
            return ()
        low, high = Decimal(match.group(1)), (Decimal(match.group(2)) if match.group(2) else None)
        if high is not None and high <= low:
            r.bad(at + (band,), f"{what}: tier '{band}' ends before it starts")
            return ()
        number = _rate(rate, at + (band,), f"{what} tier '{band}'", r)
        if number is None:
            return ()
        tiers.append(Tier(low, high, number))
    tiers.sort(key=lambda t: (t.low, t.high is None, t.high or 0))

    def band(tier: Tier) -> str:
        return f"{tier.low}-{tier.high}" if tier.high is not None else f"{tier.low}+"

    if tiers[0].low != 0:
        r.bad(at, f"{what}: the tiers leave a gap: from 0 to {tiers[0].low} is in no tier (the first must start at 0)")
        return ()
    for before, after in zip(tiers, tiers[1:]):
        if before.high is None or after.low < before.high:
            r.bad(at, f"{what}: tiers '{band(before)}' and '{band(after)}' overlap; each tier starts where the one "
                      "before it ends")
            return ()
        if after.low > before.high:
            r.bad(at, f"{what}: the tiers leave a gap: from {before.high} to {after.low} is in no tier")
            return ()
    if tiers[-1].high is not None:
        r.bad(at, f"{what}: the tiers leave a gap above {tiers[-1].high}: the last tier must be open-ended "
                  f"({tiers[-1].high}+)")
        return ()
    return tuple(tiers)


def read_money(data: dict, text: str, roster: Roster, home: str) -> tuple[dict[str, PeriodTargets], Commission,
                                                                         list[Problem]]:
    """Both settings at once, for load_config."""
    targets, found = read_targets(data, text, roster, home)
    commission, more = read_commission(data, text, roster)
    return targets, commission, found + more

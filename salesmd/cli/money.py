"""`salesmd targets` and `salesmd commissions`: sales targets against what was won, and what each
owner earns on it (rules in salesmd.yaml's `targets:` and `commission:`, money_config.py)."""

from __future__ import annotations

import click

from ..model import printable
from ..render.output import count, format_option, money, table, to_csv, to_json
from .app import App, _format_problem, fail, known_names, main, pass_app
from .complete import owners
from .reports import PeriodType

TARGET_COLUMNS = ["period", "scope", "name", "currency", "target", "won", "won_deals", "weighted_open",
                  "open_deals", "gap", "pace_per_day", "pace_per_week"]
COMMISSION_COLUMNS = ["period", "owner", "currency", "id", "name", "close_date", "amount", "product", "basis",
                      "rate", "commission"]


def _settled(app: App, code: str, what: str):
    """The vault, refused (exit 2, each problem at its line) while salesmd.yaml's `what` is wrong."""
    vault, problems = app.load()
    wrong = [p for p in problems if p.code == code
             or (p.code == "config-unknown-key" and p.source.line in _lines_of(vault, what))]
    if wrong:
        for p in wrong:
            click.echo(_format_problem(app, p), err=True)
        fail(f"fix the {what} settings above in salesmd.yaml")
    return vault


def _lines_of(vault, key: str) -> range:
    """The lines of the top-level `key`'s block in salesmd.yaml."""
    lines = vault.config.key_lines
    start = lines.get(key)
    if start is None:
        return range(0)
    after = [n for n in lines.values() if n > start]
    return range(start, min(after) if after else 10**9)


def _amount(value) -> str:
    return "" if value is None else money(value)


@main.command()
@click.option("--period", type=PeriodType(), metavar="PERIOD",
              help="A quarter (2026-Q4), month (2026-11) or year (2026) (default: this quarter).")
@click.option("--owner", help="Only this owner's rows.", shell_complete=owners)
@format_option("text", "json", "csv")
@pass_app
def targets(app: App, period, owner, fmt: str):
    """Sales targets against what was won: per owner, per territory (where salesmd.yaml sets
    territory targets) and for the team, in each currency.

    Target: `targets:` in salesmd.yaml for the period. Won: opportunities in a won stage with
    close_date in the period. Weighted open: open opportunities closing in the period, each at its
    probability. Gap: target - won (negative: beaten). Pace: the gap per working day (Monday to
    Friday) left in the period, today counted, and per week of five such days.

    Example: salesmd targets --period 2026-Q4 --owner maria
    """
    from ..reports.periods import quarter_of
    from ..reports.targets import build_targets, csv_amount

    vault = _settled(app, "config-targets", "targets")
    owner, _ = known_names(vault, owner, None)
    today = app.today
    report = build_targets(vault, today, period or quarter_of(today), owner=owner)
    if fmt == "json":
        click.echo(to_json(report.as_dict()))
        return
    rows = [[report.period.label, r.scope, r.name, r.currency, csv_amount(r.target), csv_amount(r.won), r.won_count,
             csv_amount(r.weighted), r.open_count, csv_amount(r.gap), csv_amount(r.pace_per_day),
             csv_amount(r.pace_per_week)] for r in report.rows]
    if fmt == "csv":
        click.echo(to_csv(TARGET_COLUMNS, rows), nl=False, color=True)
        return
    p = report.period
    out = [f"Targets {p.label} ({p.start.isoformat()} to {p.end.isoformat()}; today {today.isoformat()}, "
           f"{count(report.days_left, 'working day')} left)"]
    if not report.has_targets:
        out.append(f"No targets for {p.label} in salesmd.yaml (see `targets:` in the README's Configuration).")
    headers = ["target", "won", "deals", "weighted open", "gap", "pace/day", "pace/week"]
    for title, label, group in (("By owner", "owner", report.owners), ("By territory", "territory", report.territories),
                                ("Team", "team", report.total)):
        if not group:
            continue
        body = [[r.name or ("(none)" if r.scope != "team" else "team"), r.currency, _amount(r.target),
                 _amount(r.won), r.won_count, _amount(r.weighted), _amount(r.gap), _amount(r.pace_per_day),
                 _amount(r.pace_per_week)] for r in group]
        out += ["", title, table([label, "currency", *headers], body)]
    if not report.rows:
        out += ["", "Nothing won or closing in the period" + (f" for {owner}" if owner else "") + "."]
    click.echo(printable("\n".join(out), keep_newlines=True))


@main.command()
@click.option("--period", type=PeriodType(), metavar="PERIOD", required=True,
              help="A month (2026-11), quarter (2026-Q4) or year (2026): the deals won in it are paid.")
@click.option("--owner", help="Only this owner's commission.", shell_complete=owners)
@format_option("text", "json", "csv")
@pass_app
def commissions(app: App, period, owner, fmt: str):
    """Commission per owner on the deals won in the period, every deal listed so a payout can be
    checked line by line.

    Each deal is paid at its product's rate (`commission.products`), else its owner's rule
    (`commission.owners`), else the default (`commission.rate` or `commission.tiers`). Tiers are
    marginal, like tax brackets, by the owner's won amount in the period in close-date order.
    Each line is rounded half up to the cent; totals are the sums of the lines.

    Example: salesmd commissions --period 2026-11 --format csv
    """
    from ..reports.commissions import build_commissions
    from ..reports.targets import csv_amount

    vault = _settled(app, "config-commission", "commission")
    if not vault.config.commission.given:
        fail("no commission rules in salesmd.yaml: add `commission:` with a rate (see the README's "
             "\"Targets and commissions\")")
    owner, _ = known_names(vault, owner, None)
    report = build_commissions(vault, app.today, period, owner=owner)
    if fmt == "json":
        click.echo(to_json(report.as_dict()))
        return
    rows = [[period.label, pay.owner, line.currency, line.id, line.name, line.close_date, csv_amount(line.amount),
             line.product, line.basis, line.rate, csv_amount(line.commission)] for pay in report.payouts for line in pay.lines]
    if fmt == "csv":
        click.echo(to_csv(COMMISSION_COLUMNS, rows), nl=False, color=True)
        return
    out = [f"Commissions {period.label} ({period.start.isoformat()} to {period.end.isoformat()})"]
    for pay in report.payouts:
        body = [[line.close_date, line.id, line.name, money(line.amount), line.basis, line.rate,
                 f"{line.commission:,.2f}"] for line in pay.lines]
        out += ["", f"{pay.owner or '(no owner)'} ({pay.currency}): {count(len(pay.lines), 'deal')} won, "
                    f"{money(pay.won)} {pay.currency}, commission {pay.commission:,.2f} {pay.currency}",
                table(["closed", "id", "name", "amount", "basis", "rate", "commission"], body)]
    if report.payouts:
        out += ["", "Total: " + ", ".join(f"{v:,.2f} {c}" for c, v in report.totals().items())]
    else:
        out += ["", "No deals won in the period" + (f" for {owner}" if owner else "") + "."]
    for name in report.unpaid:
        out.append(f"No rule pays {name or 'deals without an owner'}: set commission.rate or "
                   f"commission.owners.{name or 'OWNER'} in salesmd.yaml.")
    click.echo(printable("\n".join(out), keep_newlines=True))

"""Terminal text and CSV rows for the agenda and pipeline reports (drawn from their dataclasses)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..reports.agenda import AgendaItem, AgendaReport, DealFlag, Ref
from ..reports.pipeline import PipelineReport, Totals
from .metrics_text import render_metrics
from .output import cell, count, money, table
from .width import pad

TYPE_LABEL = {"opportunity": "deal"}


def _day(day: dt.date) -> str:
    return f"{day:%a} {day.isoformat()}"




def _about(ref: Ref | None) -> str:
    return f"{TYPE_LABEL.get(ref.type, ref.type)}: {ref.title}" if ref else ""


def _time(item: AgendaItem) -> str:
    """'15:00-15:30', '09:00', or '' for a date alone (a task due that day, an all-day activity)."""
    if not item.timed:
        return "all day" if item.type == "activity" else ""
    text = f"{item.when:%H:%M}"
    end = item.end
    if isinstance(end, dt.datetime) and (end.tzinfo is None) == (item.when.tzinfo is None) \
            and end.date() == item.when.date() and end > item.when:
        text += f"-{end:%H:%M}"
    return text


def _what(item: AgendaItem) -> str:
    return "[ ] task" if item.type == "task" else (item.kind or "activity")


def _amount(amount: Any, currency: str | None) -> str:
    return f"{money(amount)} {currency or ''}".rstrip() if amount is not None else ""


# ---------------------------------------------------------------------------------------------
# Agenda


def render_agenda(report: AgendaReport) -> str:
    who = ", ".join(x for x in (report.owner, report.territory) if x)
    span = report.date.isoformat() + (f" to {report.end.isoformat()}" if report.days > 1 else "")
    head = f"Agenda {span}" + (f" for {who}" if who else "")
    out = [f"{head} (today is {_day(report.today)})"]

    late_label = "Overdue" if report.date <= report.today else f"Still open from before {report.date.isoformat()}"
    out += ["", f"{late_label} ({len(report.overdue)})" if report.overdue else f"{late_label}: nothing"]
    if report.overdue:
        rows = [[i.day, i.owner or "-", _what(i), i.title, _about(i.context),
                 count((report.date - i.day).days, "day")] for i in report.overdue]
        out.append(_indent(table(["date", "owner", "what", "item", "about", "late"], rows)))

    over = {(c.date, c.owner): c for c in report.capacity}
    shown = [d for d in report.schedule if d.owners]
    if not shown:
        out += ["", f"Nothing due or planned {'from ' + span if report.days > 1 else 'on ' + span}."]
    for day in shown:
        out += ["", _day(day.date) + ("  (today)" if day.date == report.today else "")]
        for owner_day in day.owners:
            line = f"  {owner_day.owner or '(no owner)'}"
            flag = over.get((day.date, owner_day.owner))
            if flag:
                line += f"  - {flag.tasks} tasks, over capacity ({flag.capacity} a day)"
            out.append(line)
            width = max(len(_time(i)) for i in owner_day.items)
            for item in owner_day.items:
                about = _about(item.context)
                when = f"{_time(item):<{width}}  " if width else ""
                text = f"    {when}{pad(_what(item), 8)}  {item.title}"
                out.append(text + (f"  ({about})" if about else ""))

    if report.capacity:
        out += ["", "Over capacity"] + [f"  {c.message}" for c in report.capacity]

    out += ["", f"Stale deals: no activity for {report.stale_days} days or more"
                + (f" ({len(report.stale_deals)})" if report.stale_deals else ": none")]
    if report.stale_deals:
        rows = [[d.id, d.owner or "-", d.stage, _amount(d.amount, d.currency), _since(d)] for d in report.stale_deals]
        out.append(_indent(table(["deal", "owner", "stage", "amount", "quiet for"], rows)))

    out += ["", "Past their close date" + (f" ({len(report.overdue_deals)})" if report.overdue_deals else ": none")]
    if report.overdue_deals:
        rows = [[d.id, d.owner or "-", d.stage, _amount(d.amount, d.currency), d.close_date,
                 count(d.days, "day") + " ago"] for d in report.overdue_deals]
        out.append(_indent(table(["deal", "owner", "stage", "amount", "close date", "passed"], rows)))

    out += ["", f"Losing touch: no done activity for more than {report.touch_days} days (or their keep_in_touch)"
                + (f" ({len(report.losing_touch)})" if report.losing_touch else ": none")]
    if report.losing_touch:
        rows = [[f.id, f.type, f.owner or "-", _touched(f), f.last_subject or "-"] for f in report.losing_touch]
        out.append(_indent(table(["who", "type", "owner", "quiet for", "last activity"], rows)))

    if report.skipped:
        out += ["", f"Left out ({count(len(report.skipped), 'record')}; `salesmd check` explains):"]
        out += [f"  {s.path}: {s.reason}" for s in report.skipped]
    return "\n".join(out)


def _since(flag: DealFlag) -> str:
    if flag.days is None:
        return "no activity and no created date"
    what = {"activity": "last activity", "created": "created, no activity since"}[flag.since_source]
    return f"{count(flag.days, 'day')} ({what} {flag.since.isoformat()})"


def _touched(flag) -> str:
    limit = f"limit {flag.limit}" + (" (keep_in_touch)" if flag.limit_source == "keep_in_touch" else "")
    if flag.days is None:
        return f"never touched; {limit}"
    return f"{count(flag.days, 'day')} (since {flag.last_date.isoformat()}; {limit})"


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


AGENDA_COLUMNS = ["section", "date", "owner", "territory", "type", "id", "title", "status", "kind",
                  "when", "end", "deal_id", "deal_title", "days", "tasks", "message"]


def agenda_rows(report: AgendaReport) -> list[list[Any]]:
    """One CSV row per overdue item, scheduled item, capacity flag, stale and overdue deal, and contact
    or account losing touch."""
    rows = []

    def item_row(section: str, item: AgendaItem, days: int | None) -> list[Any]:
        return [section, item.day, item.owner, item.territory, item.type, item.id, item.title, item.status,
                item.kind, item.when, item.end, item.deal.id if item.deal else None,
                item.deal.title if item.deal else None, days, None, None]

    for item in report.overdue:
        rows.append(item_row("overdue", item, (report.date - item.day).days))
    for day in report.schedule:
        for item in day.items:
            rows.append(item_row("day", item, None))
    for c in report.capacity:
        rows.append(["capacity", c.date, c.owner, None, None, None, None, None, None, None, None, None, None,
                     None, c.tasks, c.message])
    for section, flags in (("stale_deal", report.stale_deals), ("overdue_deal", report.overdue_deals)):
        for d in flags:
            day = d.since if section == "stale_deal" else d.close_date
            message = _since(d) if section == "stale_deal" else f"close date {cell(d.close_date)} has passed"
            rows.append([section, day, d.owner, d.territory, "opportunity", d.id, d.title, d.stage, None, None,
                         None, d.id, d.title, d.days, None, message])
    for f in report.losing_touch:
        rows.append(["losing_touch", f.last_date, f.owner, f.territory, f.type, f.id, f.title, None, None, None,
                     None, None, None, f.days, None, _touched(f)])
    return rows


# ---------------------------------------------------------------------------------------------
# Pipeline


def _totals_text(totals: Totals, noun: str, has_money: bool) -> str:
    parts = [f"{cur} {money(m.amount)} (weighted {money(m.weighted)})" for cur, m in totals.by_currency.items()]
    text = count(totals.count, noun)
    if parts:
        text += ": " + ", ".join(parts)
    if totals.no_amount and has_money:
        text += f"; {totals.no_amount} without an amount"
    return text


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.0f}%"


OPEN_DEALS_SHOWN = 25  # the text report lists this many open deals; --deals lists them all


def render_pipeline(report: PipelineReport, limit: int | None = OPEN_DEALS_SHOWN) -> str:
    """The pipeline as text; the open deals by close date, the first `limit` of them (None: all)."""
    noun = "deal" if report.pipeline == "opportunity" else report.pipeline
    filters = ", ".join(f"{k} {v}" for k, v in report.filters.items() if v)
    p = report.period
    out = [f"{report.pipeline.capitalize()} pipeline on {report.today.isoformat()}"
           + (f" for {filters}" if filters else "")
           + f" (period {p.label}: {p.start.isoformat()} to {p.end.isoformat()})", ""]

    has_money = any(row.totals.by_currency for row in report.stages)
    has_prob = any(row.probability is not None for row in report.stages)
    headers = ["stage"] + ["prob"] * has_prob + [noun + "s"] + ["currency", "amount", "weighted"] * has_money
    rows = []
    for row in report.stages:
        name = row.name + (" (closed)" if row.terminal else "")
        prob = [f"{row.probability:g}%" if row.probability is not None else ""] * has_prob
        money_rows = list(row.totals.by_currency.items()) or [(None, None)]
        for i, (cur, m) in enumerate(money_rows):
            first = i == 0
            cells = [name if first else ""] + (prob if first else [""] * has_prob) \
                + [row.totals.count if first else ""]
            if has_money:
                cells += [cur or "", money(m.amount) if m else "", money(m.weighted) if m else ""]
            rows.append(cells)
    out.append(table(headers, rows))
    if report.outcome is not None:
        out.append(f"(closed stages count all time; expected, won and lost below are for {p.label})")

    out += ["", f"Open: {_totals_text(report.open, noun, has_money)}"]
    if report.expected is not None:
        out.append(f"Expected to close in {p.label}: {_totals_text(report.expected, noun, has_money)}")
    if report.outcome is not None:
        o = report.outcome
        won = ", ".join(f"{c} {money(m.amount)}" for c, m in o.won.by_currency.items())
        lost = ", ".join(f"{c} {money(m.amount)}" for c, m in o.lost.by_currency.items())
        by_value = ", ".join(f"{c} {_percent(r)}" for c, r in o.win_rate_by_value().items())
        if o.won.count + o.lost.count == 0:
            out.append(f"Won in {p.label}: no deals won or lost")
        else:
            out.append(f"Won in {p.label}: {count(o.won.count, 'deal')}" + (f" ({won})" if won else "")
                       + f"; lost: {count(o.lost.count, 'deal')}" + (f" ({lost})" if lost else "")
                       + f"; win rate {_percent(o.win_rate)} by count"
                       + (f", {by_value} by value" if by_value else ""))
    c = report.conversion
    if c is not None:
        out.append(f"Leads: {c.converted} of {count(c.closed, 'closed lead')} converted ({_percent(c.rate)}); "
                   f"{c.converted_in_period} converted in {p.label}")

    if report.deals:
        late = any(d.close_date and d.close_date < report.today for d in report.deals)
        out += ["", f"Open {noun}s"]
        cols = (["close date"] * (noun == "deal")) + [noun, "stage", "owner"] \
            + (["amount", "currency", "prob"] * has_money) + ["age", "in stage"]
        rows = []
        for d in report.deals[:limit]:
            close = ""
            if d.close_date:
                close = d.close_date.isoformat() + (" *" if d.close_date < report.today else "")
            rows.append(([close] * (noun == "deal")) + [d.id, d.stage, d.owner or "-"]
                        + ([money(d.amount), d.currency if d.amount is not None else "",
                            f"{d.probability:g}%" if d.probability is not None else ""] * has_money)
                        + [_days(d.age_days), _days(d.days_in_stage)])
        out.append(table(cols, rows))
        if limit is not None and len(report.deals) > limit:
            out.append(f"... and {count(len(report.deals) - limit, f'more open {noun}')}: "
                       f"`salesmd pipeline --deals` lists them all")
        notes = []
        if late:
            notes.append("* the close date has passed")
        if any(d.stage_since_source == "file" for d in report.deals):
            notes.append("in stage: days since `created` where the stage's start is not known")
        if notes:
            out.append("; ".join(notes))
    if report.metrics is not None:
        out += render_metrics(report.metrics, noun)
    if report.skipped:
        out += ["", f"Left out of the sums ({count(len(report.skipped), 'record')}; `salesmd check` explains):"]
        out += [f"  {s.path}: {s.reason}" for s in report.skipped]
    return "\n".join(out)


def _days(n: int | None) -> str:
    return "" if n is None else f"{n}d"


PIPELINE_COLUMNS = ["id", "name", "stage", "owner", "territory", "product", "amount", "currency", "probability",
                    "weighted", "close_date", "age_days", "days_in_stage"]


def pipeline_rows(report: PipelineReport) -> list[list[Any]]:
    """One CSV row per open deal."""
    def number(value):
        return None if value is None else round(value, 2)

    return [[d.id, d.name, d.stage, d.owner, d.territory, d.product, d.amount, d.currency, d.probability,
             number(d.weighted), d.close_date, d.age_days, d.days_in_stage] for d in report.deals]


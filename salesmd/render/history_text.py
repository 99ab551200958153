"""Text of the reports on the pipeline's past: `diff` (reports/pipeline_diff.py) and
`forecast-accuracy` (reports/accuracy.py)."""

from __future__ import annotations

from typing import Any

from .output import count, money, table

NOT_COMMITTED = "(not committed)"


def _point(point: dict) -> str:
    if point.get("commit") is None:
        return point["asked"]
    shown = f"{point['asked']} ({point['commit'][:7]}"
    return shown + (f", {point['day']})" if point["asked"] != str(point["day"]) else ")")


def _by(author: str | None, to_commit: bool = False) -> str:
    """Who made a change: None is a change not committed yet, or, up to a commit, one the log
    cannot tell ("-")."""
    return author or ("-" if to_commit else NOT_COMMITTED)


def _sums(by_currency: dict[str, Any], signed: bool = False) -> str:
    return ", ".join(f"{c} {'+' if signed and v > 0 else ''}{money(v)}" for c, v in by_currency.items())


def _amount(item: dict, key: str = "amount") -> str:
    return f"{item.get('currency') or ''} {money(item[key])}".strip() if item.get(key) is not None else ""


def render_diff(report) -> str:
    d, totals = report.as_dict(), report.totals
    lines = [f"Pipeline changes from {_point(d['from'])} to {_point(d['to'])}"
             + (f", owner {d['filters']['owner']}" if d["filters"]["owner"] else "")]

    def section(title: str, headers: list[str], rows: list[list]) -> None:
        if rows:
            lines.extend(["", title, table(headers, rows)])

    def who(item):
        return [item["owner"] or "", _by(item["author"], d["to"].get("commit") is not None)]

    section(f"Created: {count(totals['created']['count'], 'deal')}" + _with(totals["created"]["by_currency"]),
            ["id", "name", "stage", "amount", "close", "owner", "by"],
            [[i["id"], i["name"], i["stage"], _amount(i), i["close_date"], *who(i)] for i in d["created"]])
    section(f"Moved: {count(totals['moved'], 'deal')}", ["id", "name", "from", "to", "owner", "by"],
            [[i["id"], i["name"], i["from"], i["to"], *who(i)] for i in d["moved"]])
    section(f"Won: {count(totals['won']['count'], 'deal')}" + _with(totals["won"]["by_currency"]),
            ["id", "name", "was", "amount", "close", "owner", "by"],
            [[i["id"], i["name"], i["was"], _amount(i), i["close_date"], *who(i)] for i in d["won"]])
    section(f"Lost: {count(totals['lost']['count'], 'deal')}" + _with(totals["lost"]["by_currency"]),
            ["id", "name", "was", "amount", "reason", "owner", "by"],
            [[i["id"], i["name"], i["was"], _amount(i), i["reason"], *who(i)] for i in d["lost"]])
    section(f"Amounts changed: {count(len(d['amounts']), 'deal')}" + _with(totals["amount_change"], signed=True),
            ["id", "name", "old", "new", "change", "owner", "by"],
            [[i["id"], i["name"], _amount(i, "old"), _amount(i, "new"),
              f"{'+' if (i['change'] or 0) > 0 else ''}{money(i['change'])}", *who(i)] for i in d["amounts"]])
    section(f"Close dates changed: {totals['slipped']} slipped, {totals['pulled_in']} pulled in",
            ["id", "name", "old", "new", "days", "owner", "by"],
            [[i["id"], i["name"], i["old"], i["new"], f"{'+' if i['days'] > 0 else ''}{i['days']}", *who(i)]
             for i in d["close_dates"]])
    section(f"Leads converted: {totals['converted']}", ["id", "name", "to", "owner", "by"],
            [[i["id"], i["name"], i["to"] or "", *who(i)] for i in d["converted"]])
    section(f"Deleted: {count(totals['deleted'], 'deal')}", ["id", "name", "stage", "owner", "by"],
            [[i["id"], i["name"], i["stage"], *who(i)] for i in d["deleted"]])
    section(f"Renamed: {totals['renamed']}", ["id", "was", "owner", "by"],
            [[i["id"], i["was"], *who(i)] for i in d["renamed"]])
    if len(lines) == 1:
        lines.append("No changes in the pipeline.")
    return "\n".join(lines)


def _with(by_currency: dict, signed: bool = False) -> str:
    return f" ({_sums(by_currency, signed)})" if by_currency else ""


def _rate(rate: float | None) -> str:
    return "" if rate is None else f"{rate:.0%}"


def _closed(totals: dict) -> str:
    n = sum(t["count"] for t in totals.values())
    return count(n, "deal") + _with({c: t["amount"] for c, t in totals.items()})


def render_accuracy(report) -> str:
    d = report.as_dict()
    p = report.period
    lines = [f"Forecast accuracy {p.label} ({p.start} to {p.end}; today {report.today})"
             + (f", owner {report.owner}" if report.owner else ""),
             f"Won in {p.label}: {_closed(d['closed']['won'])}; lost: {_closed(d['closed']['lost'])}"]
    for snap in d["snapshots"]:
        point = snap["as_of"]
        seen = f"as committed on {point['day']}, {point['commit'][:7]}" if point["commit"] else "no commit yet"
        lines += ["", f"Forecast at {snap['day']} ({seen})"]
        if not snap["rows"]:
            lines.append("Nothing was expected to close in the period, and nothing closed that was not.")
            continue
        lines.append(table(
            ["owner", "currency", "expected", "amount", "hit", "hit amount", "hit rate", "by value", "slipped",
             "lost", "gone", "pulled in", "surprise"],
            [[r["owner"], r["currency"], r["expected"]["count"], money(r["expected"]["amount"]), r["hit"]["count"],
              money(r["hit"]["amount"]), _rate(r["hit_rate"]["count"]), _rate(r["hit_rate"]["amount"]),
              r["slipped"]["count"], r["lost"]["count"], r["gone"]["count"], r["pulled_in"]["count"],
              r["surprise"]["count"]] for r in snap["rows"]]))
        lines += ["", table(["id", "name", "owner", "outcome", "expected close", "amount", "stage now", "close now"],
                            [[o["id"], o["name"], o["owner"] or "", o["outcome"].replace("_", " "),
                              o["expected_close"] or "", _amount(o), o["stage"] or "(deleted)", o["close_date"] or ""]
                             for o in snap["deals"]])]
    return "\n".join(lines)

"""Open customer issues, most urgent first: by severity (the last of `severities` first), then by
age (the oldest first). Read from the index: the issues, and for --account the ones linking to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .values import date_value
from ..model import Record
from .query import effective

COLUMNS = ["id", "subject", "severity", "stage", "age_days", "opened", "account", "opportunity", "contact",
           "product", "owner"]


@dataclass(frozen=True)
class OpenIssue:
    record: Record
    severity: str | None
    rank: int  # its severity's place in `severities`, most urgent first; past the end for none or unknown
    opened: dt.date | None
    age: int | None  # days since opened (0 when opened in the future: never negative)
    owner: str | None

    def row(self, vault) -> list[Any]:
        """The values of COLUMNS (None where there is none: null in JSON, empty elsewhere)."""
        r = self.record
        stage, product = r.get("stage"), r.get("product")
        return [r.id, r.title, self.severity, stage if isinstance(stage, str) else None, self.age,
                self.opened.isoformat() if self.opened else None,
                *(_linked_id(vault, r, k) for k in ("account", "opportunity", "contact")),
                product if isinstance(product, str) else None, self.owner]


def _linked_id(vault, record: Record, key: str) -> str | None:
    target = vault.first_linked(record, key)
    if target is not None:
        return target.id
    links = record.links(key)
    return links[0].id if links else None


def issue_open(vault, record: Record) -> bool:
    """An issue not in a terminal stage (an unknown stage counts as open: `check` reports it)."""
    stage = vault.config.pipelines["issue"].get(record.get("stage"))
    return stage is None or not stage.terminal


def open_issues(vault, today: dt.date, *, owner: str | None = None, about: Record | None = None) -> list[OpenIssue]:
    """The open issues (of `owner`; about an account or an opportunity: linking to it by the key
    named as its type, or, for an account, about one of its deals), most urgent first."""
    if about is not None:
        found = {r.path: r for r, key in vault.linking(about.key, "issue") if key == about.type}
        if about.type == "account":
            for deal, key in vault.linking(about.key, "opportunity"):
                if key == "account":
                    found.update((r.path, r) for r, k in vault.linking(deal.key, "issue") if k == "opportunity")
        records = [found[p] for p in sorted(found)]
    else:
        records = vault.of_type("issue")
    urgency = list(reversed(vault.config.severities))
    out = []
    for record in records:
        if not issue_open(vault, record):
            continue
        who = effective(vault, record, "owner")
        if owner is not None and who != owner:
            continue
        severity = record.get("severity") if isinstance(record.get("severity"), str) else None
        opened = date_value(record.get("opened")) or date_value(record.get("created"))
        rank = urgency.index(severity) if severity in urgency else len(urgency)
        age = max((today - opened).days, 0) if opened else None
        out.append(OpenIssue(record, severity, rank, opened, age, who))
    out.sort(key=lambda i: (i.rank, i.opened or dt.date.max, i.record.id.casefold()))
    return out


def counts_by_severity(vault) -> dict[str, int]:
    """severity -> how many open issues have it (most urgent first; '' for none or unknown)."""
    counts: dict[str, int] = {s: 0 for s in reversed(vault.config.severities)}
    for record in vault.of_type("issue"):
        if issue_open(vault, record):
            severity = record.get("severity")
            key = severity if severity in counts else ""
            counts[key] = counts.get(key, 0) + 1
    return {k: v for k, v in counts.items() if v}

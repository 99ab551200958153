"""What changed in the pipeline between two points (`salesmd diff`): deals created, moved, won,
lost, deleted and renamed, amounts and close dates changed, leads converted, each with who made
the change (the author of the commit that made it; None for a change not committed yet), and the
totals. Pure: it takes the two vaults and the log's authorship (git/authors.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Record
from ..store.vault import Vault
from .query import effective
from .values import currency_of, date_value, lost_stages, matches, number_value, ordered_currencies, won_stages

SECTIONS = ("created", "moved", "won", "lost", "amounts", "close_dates", "converted", "deleted", "renamed")


@dataclass
class PipelineDiff:
    start: dict  # {"asked", "commit", "day"}
    end: dict  # the same; commit None: the working tree
    owner: str | None
    home: str  # the config's currency, first in the totals
    lists: dict[str, list[dict]] = field(default_factory=lambda: {s: [] for s in SECTIONS})

    def money(self, section: str, key: str = "amount") -> dict[str, Any]:
        total: dict[str, Any] = {}
        for item in self.lists[section]:
            if item.get(key) is not None and item.get("currency"):
                total[item["currency"]] = total.get(item["currency"], 0) + item[key]
            if item.get("old_currency") and item.get("old") is not None:  # moved to another currency
                total[item["old_currency"]] = total.get(item["old_currency"], 0) - item["old"]
        return {c: total[c] for c in ordered_currencies(set(total), self.home)}

    @property
    def totals(self) -> dict:
        dates = self.lists["close_dates"]
        return {"created": {"count": len(self.lists["created"]), "by_currency": self.money("created")},
                "moved": len(self.lists["moved"]),
                "won": {"count": len(self.lists["won"]), "by_currency": self.money("won")},
                "lost": {"count": len(self.lists["lost"]), "by_currency": self.money("lost")},
                "amount_change": self.money("amounts", "change"),
                "slipped": sum(d["direction"] == "slipped" for d in dates),
                "pulled_in": sum(d["direction"] == "pulled in" for d in dates),
                "converted": len(self.lists["converted"]), "deleted": len(self.lists["deleted"]),
                "renamed": len(self.lists["renamed"])}

    def as_dict(self) -> dict:
        return {"from": self.start, "to": self.end, "filters": {"owner": self.owner}, **self.lists,
                "totals": self.totals}


def build_diff(before: Vault, after: Vault, made, start: dict, end: dict, owner: str | None = None) -> PipelineDiff:
    """The changes from `before` to `after`; `made` is the Authorship of the commits between them
    (None: no commits between, or none to read), `end["commit"]` None when `after` is the working tree."""
    report = PipelineDiff(start, end, owner, after.config.currency)
    olds = {r.path: r for t in ("opportunity", "lead") for r in before.of_type(t)}
    pairs: list[tuple[Record | None, Record | None]] = []
    unmatched_new: list[Record] = []
    records = [r for t in ("opportunity", "lead") for r in after.of_type(t)]
    renamed_first = sorted(records, key=lambda r: not made or made.line(r.path) == r.path)
    for record in renamed_first:  # so a new file at a renamed record's old path does not take it
        line = made.line(record.path) if made else record.path
        old = olds.pop(line, None)
        if old is None:
            unmatched_new.append(record)
        else:
            pairs.append((old, record))
    by_blob = {r.blob: r for r in olds.values() if r.blob}
    for record in unmatched_new:  # renamed and not committed yet: the same bytes under a new name
        old = by_blob.pop(record.blob, None) if record.blob else None
        if old is not None:
            olds.pop(old.path, None)
        pairs.append((old, record))
    pairs += [(old, None) for old in olds.values()]
    for old, new in sorted(pairs, key=lambda p: (p[1] or p[0]).path):
        vault, record = (after, new) if new is not None else (before, old)
        if matches(effective(vault, record, "owner"), owner):
            _compare(report, before, after, made, old, new)
    return report


def _who(made, working_tree: bool, old: Record | None, new: Record | None, key: str) -> str | None:
    """The author of the change to `key` (None: not committed, or no log to tell)."""
    if made is None:
        return None
    if new is None:
        return made.deleted.get(old.path)
    line = made.line(new.path)
    if working_tree:  # a change in the working tree is nobody's commit yet
        committed = made.committed.get(line)
        if committed is None and old is not None and old.path == new.path:
            committed = old.data  # not changed by any commit of the range
        if committed is None or committed.get(key) != new.get(key):
            return None
    return made.changed.get(line, {}).get(key)


def _item(vault: Vault, record: Record, **more) -> dict:
    return {"id": record.id, "type": record.type, "name": record.title, "owner": effective(vault, record, "owner"),
            "path": record.path, **more}


def _compare(report: PipelineDiff, before: Vault, after: Vault, made, old: Record | None, new: Record | None) -> None:
    lists, tree = report.lists, report.end.get("commit") is None
    who = lambda key: _who(made, tree, old, new, key)  # noqa: E731
    if new is not None and old is not None and new.path != old.path:
        renamed_by = made.renamed.get(old.path) if made and made.line(new.path) == old.path else None
        lists["renamed"].append(_item(after, new, was=old.id, author=renamed_by))
    if new is not None and new.type == "lead":
        converted = new.get("stage") == "converted" and (old is None or old.get("stage") != "converted")
        if converted:
            target = new.links("converted_to")
            lists["converted"].append(_item(after, new, to=target[0].id if target else None, author=who("stage")))
        return
    if new is None:
        if old.type == "opportunity":
            lists["deleted"].append(_item(before, old, stage=old.get("stage"), author=who("stage")))
        return
    pipe = after.config.pipelines["opportunity"]
    stage, amount = new.get("stage"), number_value(new.get("amount"))
    currency = currency_of(new, after.config.currency)
    money = {"amount": amount, "currency": currency}
    if old is None or old.type != "opportunity":
        lists["created"].append(_item(after, new, stage=stage, **money, close_date=date_value(new.get("close_date")),
                                      author=who("type")))
    was = old.get("stage") if old is not None and old.type == "opportunity" else None
    if stage != was:
        if stage in won_stages(pipe):
            lists["won"].append(_item(after, new, was=was, **money, close_date=date_value(new.get("close_date")),
                                      author=who("stage")))
        elif stage in lost_stages(pipe):
            lists["lost"].append(_item(after, new, was=was, **money, reason=new.get("lost_reason"),
                                       author=who("stage")))
        elif was is not None:
            lists["moved"].append(_item(after, new, **{"from": was, "to": stage}, author=who("stage")))
    if old is None or old.type != "opportunity":
        return
    before_amount = number_value(old.get("amount"))
    before_currency = currency_of(old, before.config.currency)
    if (before_amount, before_currency) != (amount, currency) and (before_amount is not None or amount is not None):
        same = before_currency == currency
        lists["amounts"].append(_item(after, new, currency=currency, old=before_amount, new=amount,
                                      change=(amount or 0) - (before_amount or 0) if same else amount,
                                      **({} if same else {"old_currency": before_currency}),
                                      author=who("amount") if before_amount != amount else who("currency")))
    close_was, close_now = date_value(old.get("close_date")), date_value(new.get("close_date"))
    if close_was is not None and close_now is not None and close_was != close_now:
        lists["close_dates"].append(_item(after, new, old=close_was, new=close_now, days=(close_now - close_was).days,
                                          direction="slipped" if close_now > close_was else "pulled in",
                                          author=who("close_date")))

"""A deal's whole story: its own activities, tasks and notes, its lead's, and the activities about its
account or contacts in general that fall inside the deal's life.

One rule for every report that asks (the record view's timeline, `show`, the site, and the agenda's
stale deals), so a deal that `show` says was talked about last week is never called stale:

- The deal's own entries: every activity, task and note whose `related` links the deal.
- Its lead's (a converted deal: the lead its `lead:` names, else the lead whose `converted_to`
  names it): every activity, task and note linked to that lead, marked as from the lead.
- Its account's and contacts' general activities: an activity whose `related` links the deal's
  account or one of its `contacts` and no opportunity or lead at all (a call about another deal
  belongs to that deal) counts when its day lies inside the deal's life: from the deal's birth
  (its `created`, else the day its file was first committed) or its lead's, whichever is earlier,
  to its close_date when the deal is closed (open-ended while it is open, or without a close date).

Cost: each record's linking activities are read once (IndexedVault.linking), and a deal looks up
the latest of its account's or contacts' activities by bisection, so a vault costs what it links.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass
from typing import Callable

from ..model import Record
from ..schema import WHEN_KEY
from ..store.vault import Vault, timeline_key
from .values import date_value, stage_of

FirstCommit = Callable[[str], "dt.date | None"]  # a vault path -> the day its file was first committed


@dataclass(frozen=True)
class Life:
    """The days a deal lived: `start` (None: unknown, so unbounded) to `end` (None: still open)."""

    start: dt.date | None
    end: dt.date | None

    def __contains__(self, day: dt.date | None) -> bool:
        return day is not None and (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Entry:
    """One activity, task or note on a deal's timeline, and where it came from: None (the deal's
    own), "lead", "account" or "contact", with that record's id."""

    record: Record
    source: str | None = None
    source_id: str | None = None


class Stories:
    """The stories of a vault's deals, each linking list read once however many deals ask."""

    def __init__(self, vault: Vault, first_commit: FirstCommit | None = None):
        self.vault = vault
        self.first_commit = first_commit or (lambda path: None)
        self._general: dict[str, list[tuple[dt.date, str, Record]]] = {}  # key -> general activities by day

    def lead(self, deal: Record) -> Record | None:
        """The lead the deal was converted from: its `lead:`, else the lead whose `converted_to` names it."""
        lead = self.vault.first_linked(deal, "lead")
        if lead is not None and lead.type == "lead":
            return lead
        return next((r for r, key in self.vault.linking(deal.key, "lead") if key == "converted_to"), None)

    def born(self, record: Record) -> dt.date | None:
        """The day a record began: its `created`, else the day its file was first committed."""
        return date_value(record.get("created")) or self.first_commit(record.path)

    def life(self, deal: Record, lead: Record | None = None) -> Life:
        starts = [d for d in (self.born(deal), self.born(lead) if lead is not None else None) if d is not None]
        stage = stage_of(self.vault.config.pipelines["opportunity"], deal)
        end = date_value(deal.get("close_date")) if stage is not None and stage.terminal else None
        return Life(min(starts) if starts else None, end)

    def _around(self, deal: Record) -> list[tuple[str, Record]]:
        """("account" or "contact", record) for the deal's account and contacts."""
        out = [("account", r) for r in self.vault.linked(deal, "account") if r.type == "account"]
        return out + [("contact", r) for r in self.vault.linked(deal, "contacts") if r.type == "contact"]

    def general(self, key: str) -> list[tuple[dt.date, str, Record]]:
        """(day, path, activity) of the activities about the record `key` in general (their `related`
        links it and no opportunity or lead), by day; read once per key."""
        found = self._general.get(key)
        if found is None:
            by_path: dict[str, tuple[dt.date, str, Record]] = {}  # an activity may link the record twice
            for other, link_key in self.vault.linking(key, "activity"):
                day = date_value(other.get("start"))
                if link_key != "related" or day is None:
                    continue
                if any(r.type in ("opportunity", "lead") for r in self.vault.linked(other, "related")):
                    continue
                by_path[other.path] = (day, other.path, other)
            found = self._general[key] = sorted(by_path.values(), key=lambda x: (x[0], x[1]))
        return found

    def timeline(self, deal: Record) -> list[Entry]:
        """Everything on the deal's timeline (see the module's docstring), by date."""
        vault = self.vault
        entries = {r.key: Entry(r) for r in vault.timeline(deal)}
        lead = self.lead(deal)
        if lead is not None:
            for r in vault.timeline(lead):
                entries.setdefault(r.key, Entry(r, "lead", lead.id))
        life = self.life(deal, lead)
        for role, around in self._around(deal):
            for day, _, r in self.general(around.key):
                if day in life:
                    entries.setdefault(r.key, Entry(r, role, around.id))
        return sorted(entries.values(),
                      key=lambda e: timeline_key(e.record.get(WHEN_KEY[e.record.type])) + (e.record.id,))

    def last_activity(self, deal: Record, today: dt.date) -> Record | None:
        """The latest activity of the deal's story that happened: done, or started by today (a done
        one dated ahead counts as today). Cancelled activities do not count: nobody talked to the
        customer. What makes a deal stale (the agenda)."""
        best: tuple[dt.date, Record] | None = None

        def consider(activity: Record) -> None:
            nonlocal best
            day = _happened(activity, today)
            if day is not None and (best is None or day > best[0]):
                best = (day, activity)

        lead = self.lead(deal)
        for source in (deal, lead):
            if source is not None:
                for other, key in self.vault.linking(source.key, "activity"):
                    if key == "related":
                        consider(other)
        life = self.life(deal, lead)
        last_day = min(life.end, today) if life.end is not None else today
        for _, around in self._around(deal):
            general = self.general(around.key)
            # done ones dated ahead of today count as today: look past today for them
            at = bisect.bisect_right(general, (dt.date.max if life.end is None else life.end,), key=lambda x: (x[0],))
            for day, _, activity in reversed(general[:at]):
                if life.start is not None and day < life.start:
                    break
                if _happened(activity, today) is not None and min(day, today) <= last_day:
                    consider(activity)
                    break
        return best[1] if best is not None else None


def _happened(activity: Record, today: dt.date) -> dt.date | None:
    """The day an activity happened on (done, or planned and started by today; a done one dated
    ahead counts as today), or None when it has not (cancelled, planned ahead, no date)."""
    status = activity.get("status")
    day = date_value(activity.get("start"))
    if day is None or status == "cancelled" or (status != "done" and day > today):
        return None
    return min(day, today)

"""One record seen whole: its keys, its links both ways, and its timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Record
from ..schema import WHEN_KEY
from ..store.vault import Vault
from .story import Entry, FirstCommit, Stories


@dataclass
class LinkRow:
    key: str  # the key the link is under
    id: str
    type: str | None  # None when it does not resolve
    title: str
    path: str | None


@dataclass
class TimelineRow:
    when: Any
    id: str
    type: str
    title: str
    status: str | None
    kind: str | None
    path: str
    source: str | None = None  # None: linked to the record itself; "lead", "account" or "contact": story.py
    source_id: str | None = None  # that lead's, account's or contact's id

    def as_dict(self) -> dict:
        out = {k: v for k, v in vars(self).items() if k not in ("source", "source_id")}
        return {**out, "from": self.source, "from_id": self.source_id}


@dataclass
class RecordView:
    record: Record
    fields: list[tuple[str, Any]]
    links: list[LinkRow]
    backlinks: list[LinkRow]
    timeline: list[TimelineRow]
    body_links: list[LinkRow] = field(default_factory=list)
    body: str = ""

    def as_dict(self) -> dict:
        r = self.record
        return {
            "id": r.id, "type": r.type, "path": r.path, "title": r.title,
            "fields": {k: v for k, v in self.fields},
            "links": [vars(x) for x in self.links],
            "backlinks": [vars(x) for x in self.backlinks],
            "timeline": [x.as_dict() for x in self.timeline],
            "body": self.body,
        }


def _row(key: str, written: str, target: Record | None) -> LinkRow:
    if target is None:
        return LinkRow(key, written, None, written, None)
    return LinkRow(key, target.id, target.type, target.title, target.path)


def timeline_of(vault: Vault, record: Record, first_commit: FirstCommit | None = None,
                stories: Stories | None = None) -> list[Entry]:
    """A record's timeline: an opportunity's whole story (story.py), else what links to it. One
    `stories` shared by many calls (the site's pages) reads each account's activities once."""
    if record.type == "opportunity":
        return (stories or Stories(vault, first_commit)).timeline(record)
    return [Entry(r) for r in vault.timeline(record)]


def build_record_view(vault: Vault, record: Record, first_commit: FirstCommit | None = None,
                      stories: Stories | None = None) -> RecordView:
    """`first_commit` (a path -> the day its file was first committed) dates a deal without `created`."""
    links = [_row(key, link.target, vault.resolve(link))
             for key in vault.config.types.link_targets.get(record.type, {}) for link in record.links(key)]
    backlinks = [LinkRow(key, other.id, other.type, other.title, other.path)
                 for other, key in sorted(vault.backlinks.get(record.key, []), key=lambda x: (x[0].type, x[0].id))]
    timeline = [TimelineRow(r.get(WHEN_KEY[r.type]), r.id, r.type, r.title, r.get("status"), r.get("kind"), r.path,
                            e.source, e.source_id)
                for e in timeline_of(vault, record, first_commit, stories) for r in (e.record,)]
    fields = [(str(k), v) for k, v in record.data.items() if k != "type"]
    body_links = [_row("body", t, vault.resolve_written(t)) for t in record.body_links]
    return RecordView(record, fields, links, backlinks, timeline, body_links, vault.body(record))

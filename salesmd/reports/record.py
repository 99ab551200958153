"""One record seen whole: its keys, its links both ways, and its timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..model import Record
from ..schema import LINK_TARGETS, WHEN_KEY
from ..store.vault import Vault


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
            "timeline": [vars(x) for x in self.timeline],
            "body": self.body,
        }


def _row(key: str, written: str, target: Record | None) -> LinkRow:
    if target is None:
        return LinkRow(key, written, None, written, None)
    return LinkRow(key, target.id, target.type, target.title, target.path)


def build_record_view(vault: Vault, record: Record) -> RecordView:
    links = [_row(key, link.target, vault.resolve(link))
             for key in LINK_TARGETS.get(record.type, {}) for link in record.links(key)]
    backlinks = [LinkRow(key, other.id, other.type, other.title, other.path)
                 for other, key in sorted(vault.backlinks.get(record.key, []), key=lambda x: (x[0].type, x[0].id))]
    timeline = [TimelineRow(r.get(WHEN_KEY[r.type]), r.id, r.type, r.title, r.get("status"), r.get("kind"), r.path)
                for r in vault.timeline(record)]
    fields = [(str(k), v) for k, v in record.data.items() if k != "type"]
    body_links = [_row("body", t, vault.resolve_written(t)) for t in record.body_links]
    return RecordView(record, fields, links, backlinks, timeline, body_links, vault.body(record))

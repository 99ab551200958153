"""A record's life from git: each commit's date, author and what changed in its front matter."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..git.history import file_versions, front_matter_data, head_version
from ..git.repo import Repo
from ..model import Record


@dataclass
class Change:
    key: str
    old: Any
    new: Any


@dataclass
class HistoryEntry:
    commit: str | None  # None: changes not committed yet
    date: str | None
    author: str | None
    subject: str
    path: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class RecordHistory:
    record_id: str
    path: str
    entries: list[HistoryEntry]
    in_git: bool = True

    def as_dict(self) -> dict:
        return {"id": self.record_id, "path": self.path, "in_git": self.in_git,
                "entries": [dict(vars(e), changes=[vars(c) for c in e.changes]) for e in self.entries]}


def diff_front_matter(old: dict, new: dict) -> list[Change]:
    changes = []
    for key in list(old) + [k for k in new if k not in old]:
        a, b = old.get(key), new.get(key)
        if a != b or (key in old) != (key in new):
            changes.append(Change(str(key), a, b))
    return changes


def build_record_history(root, record: Record) -> RecordHistory:
    repo = Repo.locate(root)  # GitUnusable (a GitError) when git cannot use the repository there is
    if repo is None or repo.head() is None:
        return RecordHistory(record.id, record.path, [], in_git=False)
    entries = []
    for commit, path, data, parent in file_versions(repo, record.path):
        before = front_matter_data(parent) if parent is not None else {}
        current = front_matter_data(data) if data is not None else {}
        entries.append(HistoryEntry(commit.short, commit.date.isoformat(), commit.author, commit.subject, path,
                                    diff_front_matter(before, current)))
    committed = head_version(repo, record.path)
    pending = diff_front_matter(front_matter_data(committed) if committed is not None else {}, dict(record.data))
    if pending and entries:
        entries.append(HistoryEntry(None, None, None, "(not committed)", record.path, pending))
    return RecordHistory(record.id, record.path, entries)

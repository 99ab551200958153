"""What one version of a record file is: its commit, its blob, the facts the process rules read from it
(facts_of), and the versions it was made from (lineage.py links them)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..store import frontmatter


@dataclass(frozen=True)
class Commit:
    sha: str
    time: int  # author time, seconds since the epoch
    author: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def date(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.time).date()

    def label(self) -> str:
        """How a problem names the commit: its id, day and author (who made the change)."""
        return f"{self.short} ({self.date.isoformat()}, {self.author})"


@dataclass(frozen=True)
class Facts:
    """What the rules need of one version of a file."""

    type: str | None = None
    stage: str | None = None
    converted_to: str | None = None  # casefolded link target
    close_date: str | None = None  # ISO date, when the version has one (the pipeline's "slipped" reads it)


@dataclass(eq=False)
class Version:
    commit: Commit
    path: str  # relative to the vault root
    blob: str | None
    facts: Facts | None = None
    parents: list["Version"] = field(default_factory=list, repr=False)  # made from: the parent's version, or each side's
    seq: int = 0  # the order versions were made in: a version's parents come before it


def facts_of(data: bytes) -> Facts:
    """Parse a file's front matter just enough for the rules; bad files give empty facts."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Facts()
    parts = frontmatter.split(text)
    if not parts.has_front_matter or parts.unclosed:
        return Facts()
    parsed = frontmatter.parse_yaml(parts.yaml_text)
    if not isinstance(parsed.data, dict):
        return Facts()
    from ..model import parse_link

    d = parsed.data
    from ..dates import coerce

    link = parse_link(d.get("converted_to"))
    stage = d.get("stage")
    close = coerce("date", d.get("close_date")) if d.get("close_date") is not None else None
    if isinstance(close, dt.datetime):
        close = close.date()
    elif not isinstance(close, dt.date):
        close = None
    return Facts(d.get("type") if isinstance(d.get("type"), str) else None,
                 stage if isinstance(stage, str) else None,
                 link.key if link else None, close.isoformat() if close else None)

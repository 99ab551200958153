"""Vault: the records of one folder, indexed by id, by type and by backlink."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..config import Config
from ..model import Link, Record, folder_key, id_key, link_to
from ..schema import WHEN_KEY


def as_datetime(value) -> dt.datetime | None:
    """A date or datetime as a naive datetime (dates at midnight), for ordering."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone().replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    return None


def as_date(value) -> dt.date | None:
    moment = as_datetime(value)
    return moment.date() if moment else None


class Table(ABC):
    """A read-only table answered by its own get(key, default): `table[key]` and `key in table`
    (the lookups the index and the check state answer with queries)."""

    @abstractmethod
    def get(self, key: str, default=None):
        """The value for `key`, else `default`."""

    def __getitem__(self, key: str):
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None


@dataclass
class Vault:
    root: Path
    config: Config
    records: list[Record]
    broken_paths: dict[str, str] = field(default_factory=dict)  # casefolded id of a file that could not be read -> it
    skipped: dict[str, str] = field(default_factory=dict)  # files with front matter that are not records -> why (read.py)

    @property
    def broken(self):
        """The casefolded ids of files that could not be read (a link to one is that file's error)."""
        return self.broken_paths.keys()

    @cached_property
    def by_key(self) -> dict[str, Record]:
        index: dict[str, Record] = {}
        for record in self.records:
            index.setdefault(record.key, record)
        return index

    @cached_property
    def by_type(self) -> dict[str, list[Record]]:
        index: dict[str, list[Record]] = {}
        for record in self.records:
            index.setdefault(record.type, []).append(record)
        return index

    def of_type(self, type_: str) -> list[Record]:
        return self.by_type.get(type_, [])

    def prefetch(self, keys) -> None:
        """A hint that the records with these ids (casefolded) will be asked for one by one: the
        index reads them in one query. A Vault in memory has them already."""

    def of_type_holding(self, type_: str, words: list[str]) -> list[Record]:
        """The records of a type, less (perhaps) some whose text does not hold all of `words`
        (casefolded): a cheap first sieve the caller's own filter then makes exact. A Vault in memory
        sieves nothing; the index sieves rows before it decodes them."""
        return self.of_type(type_)

    def linking(self, key: str, type_: str) -> list[tuple[Record, str]]:
        """The records of one type that link to the id `key` (casefolded), with the key they link from."""
        return [(r, k) for r, k in self.backlinks.get(key, []) if r.type == type_]

    def of_type_where(self, type_: str, key: str, value: str) -> list[Record]:
        """The records of a type whose `key` is the text `value` (the index answers it with a query)."""
        return [r for r in self.of_type(type_) if r.get(key) == value]

    def of_type_with(self, type_: str, key: str) -> list[Record]:
        """The records of a type that have `key` set (the index answers it with a query)."""
        return [r for r in self.of_type(type_) if r.get(key) is not None]

    def body(self, record: Record) -> str:
        """The record's Markdown body, read from its file when the index cache left it out."""
        if record.body is None:
            from .frontmatter import split
            from .files import read_regular

            try:
                text = read_regular(str(self.root / record.path)).decode("utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
            record.body = split(text).body
        return record.body

    @property
    def record_count(self) -> int:
        return len(self.records)

    def ids_of(self, types) -> list[str]:
        """The ids of every record of these types, in path order (for "did you mean")."""
        return [r.id for r in self.records if r.type in types]

    def values_of(self, key: str) -> list[str]:
        """The distinct text values of a front-matter key across the records (for shell completion)."""
        return sorted({v for r in self.records if isinstance(v := r.get(key), str)}, key=str.casefold)

    def get(self, id_: str) -> Record | None:
        """The record with this id (ignoring case and Unicode normal form). A file name may start or
        end with spaces, which tables do not show: the id as given wins, then the id without them,
        then an id that has them."""
        key = id_key(id_.strip())
        return self.by_key.get(id_key(id_)) or self.by_key.get(key) or self.by_spaced_key.get(key)

    @cached_property
    def by_spaced_key(self) -> dict[str, Record]:
        """The records whose ids start or end with spaces, by their key without them."""
        return {id_key(r.id.strip()): r for r in reversed(self.records) if r.id != r.id.strip()}

    def broken_path(self, id_: str) -> str | None:
        """The file with this id that could not be read as a record, if there is one."""
        return self.broken_paths.get(id_key(id_)) or self.broken_paths.get(id_key(id_.strip()))

    def resolve(self, link: Link | None) -> Record | None:
        """The record a link leads to: the record with its id; for a path-style link, only if that
        record is in the link's folder (the file it names, from the vault root)."""
        if link is None:
            return None
        found = self.by_key.get(link.key)
        if found is None or (link.folder and folder_key(found.path) != link.folder):
            return None
        return found

    def lands(self, key: str, folder: str) -> bool:
        """Whether a link to the id `key` written in `folder` ('' for a plain link) leads to its record."""
        if not folder:
            return True
        found = self.by_key.get(key)
        return found is not None and folder_key(found.path) == folder

    def resolve_written(self, target: str) -> Record | None:
        """A body link's target as written between its brackets ('acme', 'accounts/acme', 'acme.md')."""
        link = link_to(target)
        if link is None:
            return None
        return self.resolve(link) if link.folder else self.get(link.id)

    def broken_at(self, link: Link) -> bool:
        """Whether the link leads to a file that could not be read as a record (that file has its own error)."""
        path = self.broken_paths.get(link.key)
        return path is not None and (not link.folder or folder_key(path) == link.folder)

    def linked(self, record: Record, key: str) -> list[Record]:
        return [r for r in (self.resolve(link) for link in record.links(key)) if r is not None]

    def first_linked(self, record: Record, key: str) -> Record | None:
        found = self.linked(record, key)
        return found[0] if found else None

    def body_linking(self, record: Record) -> list[Record]:
        """The records whose Markdown body has a wikilink that leads to `record`, by path."""
        return [r for r in self.records if r.body_links and _body_links_to(self, r, record)]

    @cached_property
    def backlinks(self) -> dict[str, list[tuple[Record, str]]]:
        """casefolded id -> [(record that links to it, the key it links from)], front matter only."""
        index: dict[str, list[tuple[Record, str]]] = {}
        link_targets = self.config.types.link_targets
        for record in self.records:
            for key in link_targets.get(record.type, {}):
                for link in record.links(key):
                    if link.folder and not self.lands(link.key, link.folder):
                        continue  # a path to a file that is not there leads to no record
                    index.setdefault(link.key, []).append((record, key))
        return index

    def timeline(self, record: Record) -> list[Record]:
        """Every activity, task and note that links to `record` (or to its deals), by date."""
        keys = {record.key}
        if record.type == "account":
            keys |= {r.key for r, k in self.backlinks.get(record.key, []) if r.type in ("opportunity", "contact")}
        seen: dict[str, Record] = {}
        for key in keys:
            for other, _ in self.backlinks.get(key, []):
                if other.type in WHEN_KEY:
                    seen[other.key] = other
        return sorted(seen.values(), key=lambda r: timeline_key(r.get(WHEN_KEY[r.type])) + (r.id,))


def timeline_key(value) -> tuple:
    """Order by day; within a day, timed entries first and date-only ones (due that day) last."""
    moment = as_datetime(value)
    if moment is None:
        return (dt.date.min, 1, dt.time())
    dated_only = isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return (moment.date(), int(dated_only), moment.time())


def _body_links_to(vault: Vault, source: Record, record: Record) -> bool:
    for target in source.body_links:
        found = vault.resolve_written(target.rstrip("\\"))  # [[id\|label]] in a table
        if found is not None and found.path == record.path:
            return True
    return False

"""Links to one record moved to another: what `merge` and `rm --to` share.

Every link that leads to the old record is found through the index (front-matter links by the
links table, body wikilinks by the rows that hold the old id) and rewritten in place: a
front-matter value with set_keys/set_items (only its line changes), a body wikilink by its
target alone, so `[[old|Jane]]` becomes `[[new|Jane]]`, `[[old#Terms]]` `[[new#Terms]]`, a
path-style `[[contacts/old]]` the path of the new record, and `[[old.md]]` `[[new.md]]`. A list
that then names the new record twice keeps it once. Pure: the texts are planned, never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..model import BODY_WIKILINK, ERROR, Problem, Record, Source, parse_link
from ..store.frontmatter import split
from ..store.vault import Vault
from .files import Snapshot
from .records import PlanError
from .yamledit import read_back, set_items, set_keys

Edits = dict  # path -> (Snapshot as read, the text planned)


class PlanRefused(PlanError):
    """The change cannot be made as asked; `problems` say where, one line each; nothing was written."""

    def __init__(self, message: str, problems: list[Problem]):
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Site:
    """One link to a record: where it is (path, line), from which key ('body' for the text), as written."""

    path: str
    line: int
    key: str
    text: str


def retarget(target: str, new: Record) -> str:
    """The part of a link before `#` or `|` for `new`, written as the old one was: a path from the
    vault root if it had one, `.md` if it had one."""
    text = target.strip()
    md = text.endswith(".md") and len(text) > 3
    bare = text[:-3] if md else text
    name = new.path[:-3] if "/" in bare else new.id
    return name + (".md" if md else "")


def relink_value(value: str, new: Record) -> str:
    """'[[old|Jane]]' -> '[[new|Jane]]' (a front-matter link, heading and label kept)."""
    inner = value.strip()[2:-2]
    cuts = [i for i in (inner.find("#"), inner.find("|")) if i >= 0]
    cut = min(cuts) if cuts else len(inner)
    return f"[[{retarget(inner[:cut], new)}{inner[cut:]}]]"


def _leads_to(vault: Vault, value: Any, record: Record) -> bool:
    found = vault.resolve(parse_link(value)) if isinstance(value, str) else None
    return found is not None and found.path == record.path


def _body_target(vault: Vault, target: str, record: Record) -> bool:
    found = vault.resolve_written(target.rstrip("\\"))  # [[id\|label]] inside a table
    return found is not None and found.path == record.path


def relink_front(vault: Vault, text: str, type_: str, old: Record, new: Record) -> str:
    """`text` with every front-matter link key's link to `old` leading to `new`."""
    data = read_back(text)
    for key in vault.config.types.link_targets.get(type_, {}):
        value = data.get(key)
        if isinstance(value, str) and _leads_to(vault, value, old):
            text = set_keys(text, {key: relink_value(value, new)})
        elif isinstance(value, list) and any(_leads_to(vault, v, old) for v in value):
            items, seen = [], False
            for item in value:
                if _leads_to(vault, item, old):
                    item = relink_value(item, new)
                if _leads_to(vault, item, new):
                    if seen:
                        continue  # the list named both: the new record once
                    seen = True
                items.append(item)
            text = set_items(text, key, items) if len(items) == len(value) else set_keys(text, {key: items})
    return text


def relink_body(vault: Vault, body: str, old: Record, new: Record) -> str:
    def swap(m):
        target = m.group(1)
        if not _body_target(vault, target, old):
            return m.group(0)
        bare = target.rstrip("\\")
        start, end = m.start(1) - m.start(), m.end(1) - m.start()
        return m.group(0)[:start] + retarget(bare, new) + target[len(bare):] + m.group(0)[end:]
    return BODY_WIKILINK.sub(swap, body)


def relink_text(vault: Vault, text: str, type_: str, old: Record, new: Record) -> str:
    """A whole file's text with its links (front matter and body) to `old` leading to `new`."""
    text = relink_front(vault, text, type_, old, new)
    body = split(text).body
    relinked = relink_body(vault, body, old, new)
    return text if relinked == body else text[:len(text) - len(body)] + relinked


def linking(vault: Vault, record: Record) -> list[Record]:
    """The records (other than itself) with a link to `record`, in front matter or body, by path."""
    found = {r.path: r for r, _ in vault.backlinks.get(record.key, [])}
    found.update((r.path, r) for r in vault.body_linking(record))
    return [found[p] for p in sorted(found) if p != record.path]


def read_text(vault: Vault, edits: Edits, rel: str) -> str:
    """The text planned for `rel` so far (read, and its snapshot kept, the first time)."""
    if rel not in edits:
        snap = Snapshot.read(vault.root / rel)
        edits[rel] = (snap, snap.text)
    return edits[rel][1]


def relink(vault: Vault, old: Record, new: Record, edits: Edits) -> None:
    """Plan, in `edits`, every link to `old` (but its own) rewritten to lead to `new`."""
    for source in linking(vault, old):
        text = read_text(vault, edits, source.path)
        try:
            edits[source.path] = (edits[source.path][0], relink_text(vault, text, source.type, old, new))
        except ValueError as e:
            raise PlanError(f"{source.path}: cannot rewrite its links to {old.id}: {e}") from None


def sites(vault: Vault, record: Record) -> list[Site]:
    """Where each link to `record` is, in the other records' files (path:line)."""
    found: list[Site] = []
    for source in linking(vault, record):
        text = (vault.root / source.path).read_text(encoding="utf-8")
        for key in vault.config.types.link_targets.get(source.type, {}):
            value = source.get(key)
            for item in value if isinstance(value, list) else [value]:
                if _leads_to(vault, item, record):
                    found.append(Site(source.path, source.line_of(key), key, item))
        parts = split(text)
        offset = len(text) - len(parts.body)
        for m in BODY_WIKILINK.finditer(parts.body):
            if _body_target(vault, m.group(1), record):
                found.append(Site(source.path, text.count("\n", 0, offset + m.start()) + 1, "body", m.group(0)))
    return found


def site_problems(record: Record, found: list[Site], code: str) -> list[Problem]:
    return [Problem(Source(s.path, s.line), code,
                    f"{'its text' if s.key == 'body' else repr(s.key)} links to {record.id}: {s.text}", ERROR)
            for s in found]

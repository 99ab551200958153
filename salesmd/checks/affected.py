"""What a change affects: the state's rows seen as a vault (PartialVault, the other records looked up
only when asked), and which records a change to some files can affect."""

from __future__ import annotations

import json

from ..model import Record, folder_key
from ..store.vault import Table, Vault
from .state import PIPELINE_TYPES, Row, load_problems, record_from_facts


class _Broken:
    """`key in vault.broken`, asked of the state (overlaid with the changed files)."""

    def __init__(self, lookup):
        self.lookup = lookup

    def __contains__(self, key: str) -> bool:
        return any(row.broken for row in self.lookup.rows_with_key(key))


class _ByKey(Table):
    """vault.by_key for a vault of which only some records are in memory: the first record (by
    path) with the id, as Vault.by_key."""

    def __init__(self, lookup):
        self.lookup = lookup
        self.memo: dict[str, Record | None] = {}

    def get(self, key: str, default=None):
        if key not in self.memo:
            row = self.lookup.resolve(key)
            self.memo[key] = record_from_facts(row.path, row.facts) if row is not None else None
        found = self.memo[key]
        return default if found is None else found



class PartialVault(Vault):
    """The records a change can affect, with every other record looked up in the state when asked."""

    def __init__(self, root, config, records, lookup):
        super().__init__(root, config, records)
        self.lookup = lookup
        self.__dict__["by_key"] = _ByKey(lookup)

    @property
    def broken(self):
        return _Broken(self.lookup)

    def ids_of(self, types) -> list[str]:
        return self.lookup.ids_of(types)

    def broken_at(self, link) -> bool:
        """As Vault.broken_at: the first file by path with the link's id that could not be read."""
        path = next((row.path for row in self.lookup.rows_with_key(link.key) if row.broken), None)
        return path is not None and (not link.folder or folder_key(path) == link.folder)


class Lookup:
    """The state's rows as they were (`overlay` None), or with the files changed since laid over
    them (new rows; None: gone)."""

    def __init__(self, db, overlay: dict[str, Row | None] | None):
        self.db, self.overlay = db, overlay or {}

    def rows_with_key(self, key: str) -> list[Row]:
        rows = {path: Row(path, k, t, bool(b), f) for path, k, t, b, f in self.db.execute(
            "SELECT path, key, type, broken, facts FROM check_files WHERE key = ?", (key,))}
        for path, row in self.overlay.items():
            if row is None or row.key != key:
                rows.pop(path, None)
            else:
                rows[path] = row
        return [rows[p] for p in sorted(rows)]

    def resolve(self, key: str) -> Row | None:
        """The record a link to `key` leads to: the first by path (as Vault.by_key)."""
        return next((r for r in self.rows_with_key(key) if r.type is not None), None)

    def first_linked(self, row: Row, key: str) -> Row | None:
        """As Vault.first_linked: the first link under `key` that leads to a record."""
        for link in record_from_facts(row.path, row.facts).links(key):
            found = self.resolve(link.key)
            if found is not None and (not link.folder or folder_key(found.path) == link.folder):
                return found
        return None

    def ids_of(self, types) -> list[str]:
        marks = ",".join("?" * len(types))
        found = {path: json.loads(f)[0] for path, f in self.db.execute(
            f"SELECT path, facts FROM check_files WHERE type IN ({marks})", tuple(types))}
        for path, row in self.overlay.items():
            found.pop(path, None)
            if row is not None and row.type in types:
                found[path] = json.loads(row.facts)[0]
        return [found[p] for p in sorted(found)]


def affected_paths(db, before: dict[str, Row], overlay: dict[str, Row | None], new: "Lookup") -> set[str]:
    """The paths whose vault-check problems a change to the `overlay` files can alter (see the
    module's docstring for why each rule is there)."""
    gone = {p for p, row in overlay.items() if row is None}
    keys = {row.key for row in [*before.values(), *overlay.values()] if row is not None}
    affected = set(overlay)
    for key in keys:
        affected.update(_paths(db, "SELECT path FROM check_files WHERE key = ?", key))
        hop = _paths(db, "SELECT src FROM check_links WHERE target = ?", key)
        affected.update(hop)
        for row in read_rows(db, sorted(hop)).values():
            if row.type in PIPELINE_TYPES:  # conversion reads the pair's other end too
                affected.update(_paths(db, "SELECT l.src FROM check_links l JOIN check_files f ON f.path = l.src "
                                           "WHERE l.target = ? AND f.type IN ('lead', 'opportunity')", row.key))
    if any((before.get(p) and before[p].type) != (row and row.type) for p, row in overlay.items()):
        affected.update(_paths(db, "SELECT path FROM check_files WHERE badlink = 1"))  # their "did you mean"
    affected -= gone
    stored = read_rows(db, sorted(affected))  # as they were (a changed file: its row before the change)
    old = Lookup(db, None)
    walked_old: set[str] = set()
    walked_new: set[str] = set()
    for path in list(affected):  # the follow-up chains through them, as they were and as they are
        was = stored.get(path)
        now = overlay[path] if path in overlay else was
        if "task" in (was and was.type, now and now.type):
            affected |= _chain(old, was, walked_old) | _chain(new, now, walked_new)
    affected -= gone
    for key in {row.key for path in affected if (row := overlay.get(path) or stored.get(path)) is not None} \
            | {row.key for row in read_rows(db, [p for p in affected if p not in stored and p not in overlay]).values()}:
        affected.update(row.path for row in new.rows_with_key(key))  # an id's every file: which is the duplicate
    return affected


def _paths(db, query: str, *args) -> list[str]:
    return [path for (path,) in db.execute(query, args)]


def read_rows(db, paths: list[str]) -> dict[str, Row]:
    out: dict[str, Row] = {}
    for i in range(0, len(paths), 500):
        chunk = paths[i:i + 500]
        for path, key, type_, broken, facts, own, vault, proc, skipped in db.execute(
                "SELECT path, key, type, broken, facts, own, vault, proc, skipped FROM check_files "
                f"WHERE path IN ({','.join('?' * len(chunk))})", chunk):
            out[path] = Row(path, key, type_, bool(broken), facts, load_problems(own), load_problems(vault),
                            load_problems(proc), skipped=skipped)
    for path in out:
        out[path].links = set(_paths(db, "SELECT target FROM check_links WHERE src = ?", path))
    return out


def _chain(lookup: Lookup, start: Row | None, walked: set[str]) -> set[str]:
    """Paths of the tasks on the follow-up chain from `start`, as check_follow_chains walks it
    (up to a file met again: at or beyond its first repeated id). `walked`: the files walked from
    in this lookup by earlier calls; the chain beyond them is in their answers already, so many
    tasks of one long chain cost one walk of it, not one each."""
    paths: set[str] = set()
    row = start
    while row is not None and row.type == "task" and row.path not in walked:
        walked.add(row.path)
        paths.update(r.path for r in lookup.rows_with_key(row.key))
        row = lookup.first_linked(row, "follows")
    return paths


def committed_since(repo, old_head: str, head: str) -> list[str] | None:
    """Vault paths touched by any commit since `old_head` (one that undid another's change too),
    or None when `old_head` is not an ancestor of `head` (history rewritten)."""
    from ..git.repo import GitError

    try:
        repo.git("merge-base", "--is-ancestor", old_head, head)
        raw = repo.git("log", "-m", "--no-renames", "--name-only", "--format=", "-z", f"{old_head}..{head}", "--",
                       repo.prefix or ".")
    except GitError:
        return None
    names = (p.lstrip("\n") for p in raw.decode("utf-8", "surrogateescape").split("\0"))  # "\n" between commits
    paths = {repo.vault_path(p) for p in names if p}
    return sorted(p for p in paths if p is not None)

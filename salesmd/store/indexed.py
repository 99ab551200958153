"""Reading the vault through the index: refresh it (refresh.py), then ask it only for what a command needs.

`refresh` is the one way the index learns of the files: a stat walk, then reading just the files
whose stamp changed (and forgetting those gone). `IndexedVault` is then the small query
interface the commands and report builders read records through: the records of one type, one
record by id, the records linking to one, the ids, the count. Each answer is read from the index
when first asked for and kept for the rest of the command, one Record object per file, so a
command that needs the deals reads the deals, not the 100,000 other files.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from functools import cached_property
from pathlib import Path

from ..model import Problem, Record, id_key, id_of
from .index import Index, decode_problems, decode_record
from .refresh import read_one, refresh
from .vault import Table, Vault


def _or_plain(method):
    """An answer from the index; if the index turns out damaged while a command reads it, the vault
    is read from its files instead (and the index removed, to be made anew by the next command),
    and this answer and every later one come from them."""
    name = method.__name__

    @functools.wraps(method)
    def answer(self, *args, **kwargs):
        vault = self if isinstance(self, IndexedVault) else self.vault
        if vault.plain is None:
            try:
                return method(self, *args, **kwargs)
            except sqlite3.DatabaseError:
                vault.fall_back()
        if self is not vault:  # a lookup table's get: the plain vault's table answers
            return getattr(vault.plain, "by_key" if isinstance(self, _Keys) else "backlinks").get(*args, **kwargs)
        if name in _ONLY_INDEXED:
            return _ONLY_INDEXED[name](vault, *args, **kwargs)
        found = getattr(vault.plain, name)
        return found(*args, **kwargs) if callable(found) and name not in _PROPERTIES else found
    return answer


def _records_at(vault, paths) -> list:
    wanted = set(paths)
    return [r for r in vault.plain.records if r.path in wanted]


def _problems_of(vault, path: str) -> list:
    return [p for p in vault.plain_problems if p.source.path == path]


def _search(vault, *args, **kwargs) -> list:
    index = Index.in_memory(vault.config.signature, vault.config.types.link_targets)
    refresh(vault.root, vault.config, index, read_one(vault.root, vault.config))
    return IndexedVault(vault.root, vault.config, index).search(*args, **kwargs)


# what the plain vault has no way to answer, answered from it all the same
_ONLY_INDEXED = {"records_at": _records_at, "problems_of": _problems_of, "search": _search}


_PROPERTIES = {"records", "by_type", "broken_paths", "by_spaced_key", "record_count", "by_key", "backlinks",
               "skipped"}


class IndexedVault(Vault):
    """A Vault answered from the index (see the module's docstring); the same answers as a Vault
    of every record, which tests/test_checkstate.py holds it to."""

    def __init__(self, root: Path, config, index: Index):
        self.root, self.config, self.index = root, config, index
        self._by_path: dict[str, Record] = {}
        self._types: dict[str, list[Record]] = {}
        self._linking: dict[str, list] = {}  # type -> [times asked, {target: [(src, key)]} once many]
        self.plain: Vault | None = None  # the vault read from the files, once the index failed
        self.plain_problems: list[Problem] = []
        if not index.db.in_transaction:  # the snapshot open_vault found complete (Index.hold), or a new one
            index.db.execute("BEGIN")  # one snapshot for the whole command, whatever others write meanwhile

    def close(self) -> None:
        """The command is done with the index (its last reader out writes the WAL back into it)."""
        self.index.close()

    def fall_back(self, damaged: bool = True) -> None:
        """Read every file instead of the index, and remove the index if it is damaged."""
        from .index import db_path, remove
        from .load import read_vault

        self.index.close()
        if damaged:
            remove(db_path(self.root))
        self.plain, self.plain_problems = read_vault(self.root, config=self.config, use_cache=False)
        for name in ("by_key", "backlinks"):
            self.__dict__[name] = getattr(self.plain, name)

    def _records(self, rows) -> list[Record]:
        known, out = self._by_path, []
        for path, type_, text in rows:
            record = known.get(path)
            if record is None:
                record = known[path] = decode_record(path, type_, text)
            out.append(record)
        return out

    def _query(self, sql: str, *args) -> list[Record]:
        return self._records(self.index.db.execute(sql, args))

    @cached_property
    @_or_plain
    def records(self) -> list[Record]:
        return self._query("SELECT path, type, record FROM files WHERE type IS NOT NULL ORDER BY path")

    @_or_plain
    def of_type(self, type_: str) -> list[Record]:
        found = self._types.get(type_)
        if found is None:
            found = self._types[type_] = self._query(
                "SELECT path, type, record FROM files WHERE type = ? ORDER BY path", type_)
        return found

    @_or_plain
    def of_type_where(self, type_: str, key: str, value: str) -> list[Record]:
        if type_ in self._types:
            return super().of_type_where(type_, key, value)
        # rows tagged whole (a key that is not text) are asked in Python, as are all the rows found
        found = self._query("SELECT path, type, record FROM files WHERE type = ? AND "
                            "(json_extract(record, '$[0].' || json_quote(?)) = ? OR json_extract(record, '$[7]') = 1) "
                            "ORDER BY path", type_, key, value)
        return [r for r in found if r.get(key) == value]

    @_or_plain
    def of_type_with(self, type_: str, key: str) -> list[Record]:
        if type_ in self._types:
            return super().of_type_with(type_, key)
        found = self._query("SELECT path, type, record FROM files WHERE type = ? AND "
                            "(json_type(record, '$[0].' || json_quote(?)) IS NOT NULL OR json_extract(record, '$[7]') = 1) "
                            "ORDER BY path", type_, key)
        return [r for r in found if r.get(key) is not None]

    @_or_plain
    def prefetch(self, keys) -> None:
        memo = self.by_key.memo
        wanted = [k for k in set(keys) if k not in memo]
        if not wanted:
            return
        for record in self._query("SELECT path, type, record FROM files WHERE key IN (SELECT value FROM json_each(?)) "
                                  "AND type IS NOT NULL ORDER BY path", json.dumps(wanted)):
            memo.setdefault(record.key, record)
        for key in wanted:
            memo.setdefault(key, None)

    @_or_plain
    def of_type_holding(self, type_: str, words: list[str]) -> list[Record]:
        if not words or type_ in self._types:
            return self.of_type(type_)
        rows = self.index.db.execute("SELECT path, type, record FROM files WHERE type = ? ORDER BY path", (type_,))
        return self._records((p, t, r) for p, t, r in rows if all(w in r.casefold() for w in words))

    @_or_plain
    def linking(self, key: str, type_: str) -> list[tuple[Record, str]]:
        asked = self._linking.setdefault(type_, [0, None])
        asked[0] += 1
        if asked[0] <= _Backlinks.FEW:
            pairs = self.index.db.execute(
                "SELECT l.src, l.field, l.folder FROM links l JOIN files f ON f.path = l.src "
                "WHERE l.target = ? AND f.type = ? ORDER BY l.src, l.ord", (key, type_)).fetchall()
        else:  # asked for many ids: every record of the type at once, then the links from them
            if asked[1] is None:
                self.of_type(type_)
                asked[1] = {}
                for target, src, field, folder in self.index.db.execute(
                        "SELECT l.target, l.src, l.field, l.folder FROM links l JOIN files f ON f.path = l.src "
                        "WHERE f.type = ? ORDER BY l.src, l.ord", (type_,)):
                    asked[1].setdefault(target, []).append((src, field, folder))
            pairs = asked[1].get(key, [])
        pairs = [(src, field) for src, field, folder in pairs if self.lands(key, folder)]
        self._load([src for src, _ in pairs])
        return [(self._by_path[src], field) for src, field in pairs]

    @cached_property
    @_or_plain
    def by_type(self) -> dict[str, list[Record]]:
        return {t: self.of_type(t) for (t,) in self.index.db.execute(
            "SELECT DISTINCT type FROM files WHERE type IS NOT NULL")}

    @cached_property
    def by_key(self) -> "_Keys":
        return _Keys(self)

    @cached_property
    @_or_plain
    def broken_paths(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, path in self.index.db.execute("SELECT key, path FROM files WHERE broken = 1 ORDER BY path"):
            found.setdefault(key, path)
        return found

    @cached_property
    @_or_plain
    def skipped(self) -> dict[str, str]:
        return dict(self.index.db.execute("SELECT path, skipped FROM files WHERE skipped IS NOT NULL ORDER BY path"))

    @cached_property
    def backlinks(self) -> "_Backlinks":
        return _Backlinks(self)

    @cached_property
    @_or_plain
    def by_spaced_key(self) -> dict[str, Record]:
        paths = [p for (p,) in self.index.db.execute("SELECT path FROM files WHERE type IS NOT NULL ORDER BY path")
                 if id_of(p) != id_of(p).strip()]
        records = self._records(self.index.rows_of_records(paths))
        return {id_key(r.id.strip()): r for r in reversed(records)}

    @property
    @_or_plain
    def record_count(self) -> int:
        return self.index.db.execute("SELECT count(*) FROM files WHERE type IS NOT NULL").fetchone()[0]

    @_or_plain
    def ids_of(self, types) -> list[str]:
        types = list(types)
        return [id_of(p) for (p,) in self.index.db.execute(
            "SELECT path FROM files WHERE type IN (SELECT value FROM json_each(?)) ORDER BY path", (json.dumps(types),))]

    def _load(self, paths) -> None:
        """Have the records of these files in memory (_by_path)."""
        known = self._by_path
        missing = [p for p in paths if p not in known]
        if missing:
            self._records(self.index.rows_of_records(missing))

    @_or_plain
    def values_of(self, key: str) -> list[str]:
        """The distinct text values of a front-matter key across the records (one query)."""
        found = {v for (v,) in self.index.db.execute(
            "SELECT DISTINCT json_extract(record, '$[0].' || json_quote(?1)) FROM files WHERE type IS NOT NULL "
            "AND json_type(record, '$[0].' || json_quote(?1)) = 'text' "  # not a list, not a row's date (its $[6])
            "AND NOT EXISTS (SELECT 1 FROM json_each(record, '$[6]') WHERE json_extract(value, '$[0]') = ?1)", (key,))}
        tagged = self._query("SELECT path, type, record FROM files WHERE type IS NOT NULL AND json_extract(record, '$[7]') = 1")
        found |= {r.get(key) for r in tagged}  # rows tagged whole are asked in Python
        return sorted((v for v in found if isinstance(v, str)), key=str.casefold)

    @_or_plain
    def records_at(self, paths) -> list[Record]:
        """The records of these files (those that are records), by path."""
        self._load(paths)
        return sorted((self._by_path[p] for p in set(paths) if p in self._by_path), key=lambda r: r.path)

    @_or_plain
    def problems_of(self, path: str):
        """The problems found reading one file."""
        for _, _, _, _, problems, _, _ in self.index.rows([path]):
            return decode_problems(problems)
        return []

    @_or_plain
    def body_linking(self, record: Record) -> list[Record]:
        """The records whose body links to `record`: the rows whose body links hold its id (any
        case; every row with body links for an id beyond ASCII), then each asked in Python."""
        from .vault import _body_links_to

        word = record.id.lower() if record.id.isascii() else ""
        found = self._query("SELECT path, type, record FROM files WHERE type IS NOT NULL "
                            "AND json_array_length(record, '$[3]') > 0 "
                            "AND instr(lower(json_extract(record, '$[3]')), ?) > 0 ORDER BY path", word)
        return [r for r in found if _body_links_to(self, r, record)]

    @_or_plain
    def search(self, text: str, types=None, limit: int = 50, keep=None) -> list[Record]:
        """Records whose title, other values, body or phone digits hold these words (an FTS5 query),
        best first (bm25, a word in the title weighing most), at most `limit` of those `keep(record)`
        takes (all, without it). With `keep`, rows are read in rank order until `limit` are kept."""
        # scored in a subquery, then joined: twice as quick as scoring in the join (0.2 s against
        # 0.4 s for 100,000 matches), in the same order (score, then path)
        sql = ("SELECT f.path, f.type, f.record FROM (SELECT rowid, bm25(words, 10.0, 3.0, 1.0, 3.0) AS score "
               "FROM words WHERE words MATCH ?) w JOIN files f ON f.rowid = w.rowid")
        args: list = [text]
        if types:
            sql += " WHERE f.type IN (SELECT value FROM json_each(?))"
            args.append(json.dumps(list(types)))
        sql += " ORDER BY w.score, f.path"
        if keep is None:
            return self._query(sql + " LIMIT ?", *args, limit)
        found: list[Record] = []
        for row in self.index.db.execute(sql, args):  # lazily: rows past the last kept are never read
            record = self._records([row])[0]
            if keep(record):
                found.append(record)
                if len(found) == limit:
                    break
        return found


class _Keys(Table):
    """vault.by_key as queries: the first record (by path) with an id, ignoring case."""

    FEW = 256  # asked this many times, every id's file is read at once: cheaper than a query each

    def __init__(self, vault: IndexedVault):
        self.vault, self.memo, self.asked = vault, {}, 0

    @cached_property
    def paths(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, path in self.vault.index.db.execute("SELECT key, path FROM files WHERE type IS NOT NULL ORDER BY path"):
            found.setdefault(key, path)
        return found

    @_or_plain
    def get(self, key: str, default=None):
        if key not in self.memo:
            self.asked += 1
            if self.asked <= self.FEW:
                found = self.vault._query("SELECT path, type, record FROM files INDEXED BY files_key "
                                          "WHERE key = ? AND type IS NOT NULL "
                                          "ORDER BY path LIMIT 1", key)
                self.memo[key] = found[0] if found else None
            else:
                path = self.paths.get(key)
                if path is not None:
                    self.vault._load([path])
                self.memo[key] = None if path is None else self.vault._by_path.get(path)
        found = self.memo[key]
        return default if found is None else found


    def __iter__(self):
        return iter(self._whole())

    def __len__(self) -> int:
        return len(self._whole())

    def keys(self):
        return self._whole().keys()

    def values(self):
        return self._whole().values()

    def items(self):
        return self._whole().items()

    def _whole(self) -> dict[str, Record]:
        whole: dict[str, Record] = {}
        for record in self.vault.records:
            whole.setdefault(record.key, record)
        return whole


class _Backlinks(Table):
    """vault.backlinks as queries: (record, key) for each front-matter link to an id, in the order
    a Vault of every record gives them (by path, then as each record makes its links)."""

    FEW = 64  # asked this many times, the whole links table is read at once: cheaper than a query each

    def __init__(self, vault: IndexedVault):
        self.vault, self.asked = vault, 0

    @cached_property
    def sources(self) -> dict[str, list[tuple[str, str, str]]]:
        found: dict[str, list[tuple[str, str, str]]] = {}
        for target, src, field, folder in self.vault.index.db.execute(
                "SELECT target, src, field, folder FROM links ORDER BY src, ord"):
            found.setdefault(target, []).append((src, field, folder))
        return found

    def _sources_of(self, key: str) -> list[tuple[str, str]]:
        """(source path, key) of the links to the id `key` that lead to its record (Vault.lands)."""
        self.asked += 1
        if self.asked <= self.FEW and "sources" not in self.__dict__:
            found = self.vault.index.db.execute(
                "SELECT src, field, folder FROM links WHERE target = ? ORDER BY src, ord", (key,)).fetchall()
        else:
            found = self.sources.get(key, [])
        return [(src, field) for src, field, folder in found if self.vault.lands(key, folder)]

    @_or_plain
    def get(self, key: str, default=None):
        pairs = self._sources_of(key)
        if not pairs:
            return default
        self.vault._load([src for src, _ in pairs])
        known = self.vault._by_path
        return [(known[src], field) for src, field in pairs]


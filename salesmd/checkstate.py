"""The check state: what the last `salesmd check` found, kept so the next one re-checks only what
a change can affect (.salesmd/check.sqlite).

A full check (checking.run_check) writes, for every file the walk found: its stamp, its id, its
type, the few facts the vault checks read (checks/__init__.py says which), and its problems in
three parts: its own (reading it and the record checks: they depend on the file alone), the
vault checks' (they depend on other records too) and the process rules' (they depend on git).
With a links table (who links to which id) that is enough to answer "which records can a change
to these files affect?" without loading the other 100,000.

The next check walks the vault and compares stamps. When a few files changed (or HEAD moved),
it reads just those, re-runs the record checks on them, the vault checks on the records they
can affect, and the process rules on the leads and opportunities they touch; every other
file's problems are the ones stored. Whatever it cannot vouch for (another configuration,
another salesmd, many changes, rewritten history, a check that crashed) it leaves to the full
check. tests/test_checkstate.py holds the two to the same answer, byte for byte, over random edits,
commits, renames and staged changes, and over each case a review found.

Which records a changed file F (its id before and after: K) can affect:
- F itself; every record with an id in K (which of them is a duplicate, which one a link
  resolves to); every record linking to an id in K (the link, its type, the conversion pair),
  and for a lead or deal among those, the leads and deals linking to it (conversion reads the
  pair's other end);
- the tasks on the follow-up chain of any of those, as it was and as it is (a cycle is reported
  on each of its tasks);
- every file sharing an id with any of those (the duplicate-id error goes on the second);
- when records came, went or changed type, every record with a broken link (its "did you mean").
The process rules re-run on the leads and deals changed, on every path any commit since the
state touched, and on those with no history under their own name (git's rename detection, which
can give them one, looks at every change on disk and in the index).

The state holds plain data only (JSON and SQLite, no pickle): a forged one can make a check
wrong but can run nothing. Two checks at once: each writes in one transaction, and only if the
state is still the one it read; otherwise it leaves the state to the other.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from . import code_stamp
from .model import ERROR, Problem, Record, Source, id_key, id_of
from .schema import LINK_TARGETS
from .store.vault import Vault

FORMAT = 3  # 3: ids are keyed in NFC (model.id_key)
MAX_CHANGED = 500  # more changed files than this: the full check is about as quick
MAX_DELTA = 2000  # stamps kept in the stamps table before they are folded into meta's whole list
RACY_NS = 2_000_000_000  # as the index cache: files changed that close to the state's writing are read again
PIPELINE_TYPES = ("lead", "opportunity")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, key TEXT NOT NULL, type TEXT, broken INTEGER NOT NULL,
    facts TEXT, own TEXT NOT NULL, vault TEXT NOT NULL, proc TEXT NOT NULL, badlink INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS files_key ON files (key);
CREATE TABLE IF NOT EXISTS links (src TEXT NOT NULL, target TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS stamps (path TEXT PRIMARY KEY, mtime INTEGER, size INTEGER);
CREATE INDEX IF NOT EXISTS links_target ON links (target);
CREATE INDEX IF NOT EXISTS links_src ON links (src);
"""


def state_path(root: Path) -> Path:
    return root / ".salesmd" / "check.sqlite"


def signature(config_signature: str) -> str:
    return f"{FORMAT}:{code_stamp()}:{config_signature}"


# --- facts: the part of a record the vault checks read -------------------------------------------

def _plain(value):
    """A value as the vault checks see it, in JSON: links are strings; anything else keeps only
    its truth (parse_link ignores it, `if record.get(...)` does not)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [v if isinstance(v, str) else None for v in value]
    return bool(value)


_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode


_FACT_KEYS = {type_: tuple(keys) for type_, keys in LINK_TARGETS.items()}


def facts_of(record: Record) -> str:
    data, lines, given, at = {}, {}, record.data, record.key_lines
    for k in _FACT_KEYS.get(record.type, ()):
        if k in given:
            value = given[k]
            data[k] = value if value.__class__ is str else _plain(value)
        if k in at:
            lines[k] = at[k]
    stage = given.get("stage")
    if stage is not None:
        data["stage"] = stage if stage.__class__ is str else str(stage)
    for k in ("stage", "type"):
        if k in at:
            lines[k] = at[k]
    return _encode([record.id, record.type, data, lines])


def record_from_facts(path: str, text: str) -> Record:
    id_, type_, data, lines = json.loads(text)
    return Record(id=id_, type=type_, path=path, data=data, key_lines=lines)


def links_of(record: Record) -> set[str]:
    return {link.key for key in LINK_TARGETS.get(record.type, {}) for link in record.links(key)}


def _dump(problems: list[Problem]) -> str:
    if not problems:
        return "[]"
    return _encode([[p.source.path, p.source.line, p.code, p.message, p.severity] for p in problems])


def _load(text: str) -> list[Problem]:
    if text == "[]":
        return []
    return [Problem(Source(path, line), code, message, severity) for path, line, code, message, severity
            in json.loads(text)]


def stem_key(rel: str) -> str:
    return id_key(id_of(rel))


@dataclass
class Row:
    path: str
    key: str
    type: str | None = None
    broken: bool = False
    facts: str | None = None
    own: list[Problem] = field(default_factory=list)
    vault: list[Problem] = field(default_factory=list)
    proc: list[Problem] = field(default_factory=list)
    links: set[str] = field(default_factory=set)

    @property
    def badlink(self) -> bool:
        return any(p.code == "link-broken" for p in self.vault)

    def values(self) -> tuple:
        return (self.path, self.key, self.type, int(self.broken), self.facts, _dump(self.own),
                _dump(self.vault), _dump(self.proc), int(self.badlink))


def row_of(path: str, record: Record | None, own: list[Problem]) -> Row:
    """A file as a row, with its own problems; its vault and process problems come later."""
    if record is None:
        return Row(path, stem_key(path), broken=any(p.severity == ERROR for p in own), own=own)
    return Row(path, record.key, record.type, False, facts_of(record), own, links=links_of(record))


# --- the database -----------------------------------------------------------------------------------

TABLES = ("meta", "files", "links", "stamps")
STAMP_OFFSET = 1 << 63  # mtimes before 1970 are negative: shifted, they cannot reach the size's bits


def _pack(stamp: tuple[int, int] | None) -> int:
    """A file's (mtime_ns, size) as one number; -1 for a symbolic link (always read again)."""
    return -1 if stamp is None else (stamp[1] << 64) + stamp[0] + STAMP_OFFSET


@dataclass
class Header:
    """The state's meta table: what it was made from, and when."""

    signature: str
    head: str | None  # git HEAD then
    index: str  # the git index's stamp then: renames not yet committed are found through it
    written_ns: int  # when its walk began: files changed since then (or just before) are read again
    generation: int  # bumped by every write: a check writes only over the state it read
    records: int
    config: list[Problem]
    unhistoried: list[str]  # leads and opportunities with no committed history under their own name

    def values(self) -> dict[str, str]:
        return {"signature": self.signature, "head": self.head or "", "index": self.index,
                "written_ns": str(self.written_ns), "generation": str(self.generation),
                "records": str(self.records), "config": _dump(self.config),
                "unhistoried": json.dumps(sorted(self.unhistoried))}

    @classmethod
    def read(cls, db) -> "Header":
        meta = dict(db.execute("SELECT k, v FROM meta"))
        return cls(meta["signature"], meta["head"] or None, meta["index"], int(meta["written_ns"]),
                   int(meta["generation"]), int(meta["records"]), _load(meta["config"]),
                   list(json.loads(meta["unhistoried"])))


def _connect(root: Path, create: bool) -> sqlite3.Connection | None:
    from .store.dotfolder import caching_allowed

    if not caching_allowed():
        return None
    path = state_path(root)
    from .store.dotfolder import set_aside_if_odd

    set_aside_if_odd(path)
    if not create and not path.exists():
        return None
    try:
        if create:
            from .store.dotfolder import ensure_cache_dir

            ensure_cache_dir(path.parent)
        db = sqlite3.connect(path, timeout=2, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db
    except (OSError, sqlite3.Error):
        return None


def _busy(error: sqlite3.Error) -> bool:
    return isinstance(error, sqlite3.OperationalError) and ("locked" in str(error) or "busy" in str(error))


def save_full_check(vault: Vault, header: Header, files, own: dict[str, list[Problem]],
                    vault_problems: list[Problem], problems: list[Problem]) -> None:
    """A full check's findings as rows: each file's own problems (reading it, its record checks),
    the vault checks' and, the rest, the process rules'."""
    records = {r.path: r for r in vault.records}
    taken = {id(p) for p in header.config} | {id(p) for ps in own.values() for p in ps}
    from_vault = {id(p) for p in vault_problems}
    rows: dict[str, Row] = {}
    for rel, _ in files:
        rows[rel] = row_of(rel, records.get(rel), own.get(rel, []))
    for p in problems:
        if id(p) in taken:
            continue
        row = rows.get(p.source.path)
        if row is None:
            return  # a finding the state has no place for (a crashed check, git unreadable): keep none
        (row.vault if id(p) in from_vault else row.proc).append(p)
    save_full(vault.root, header, files, list(rows.values()))


def save_full(root: Path, header: Header, files, rows: list[Row]) -> None:
    """Replace the state with a full check's findings. Failing to write only makes the next check slower."""
    if not _save_full(root, header, files, rows):
        # Not a database we can write (damaged, foreign): start a new one.
        for extra in ("", "-wal", "-shm"):
            try:
                os.unlink(f"{state_path(root)}{extra}")
            except OSError:
                pass
        _save_full(root, header, files, rows)


def _save_full(root: Path, header: Header, files, rows: list[Row]) -> bool:
    db = _connect(root, create=True)
    if db is None:
        return True
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            generation = int(dict(db.execute("SELECT k, v FROM meta")).get("generation", "0"))
        except (sqlite3.Error, ValueError):
            generation = 0
        header.generation = generation + 1
        for table in TABLES:  # whatever shape they had: a full check writes them anew
            db.execute(f"DROP TABLE IF EXISTS {table}")
        tables, indexes = [], []
        for statement in SCHEMA.split(";"):
            (indexes if "INDEX" in statement else tables).append(statement)
        for statement in tables:
            db.execute(statement)
        db.executemany("INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?)", (r.values() for r in rows))
        db.executemany("INSERT INTO links VALUES (?,?)", ((r.path, t) for r in rows for t in r.links))
        for statement in indexes:  # made after the rows: quicker
            db.execute(statement)
        _write_header(db, header, dict(files))
        db.execute("COMMIT")
        return True
    except sqlite3.Error as e:
        _rollback(db)
        return _busy(e)  # busy: another check is writing it
    except ValueError:  # a file name that is not UTF-8: SQLite cannot keep it, so no state
        _rollback(db)
        return True
    finally:
        db.close()


def _write_header(db, header: Header, stamps: dict | None) -> None:
    """The meta table; with `stamps` (every file's), the whole list of stamps too."""
    values = header.values()
    if stamps is not None:
        values["stamps"] = json.dumps({rel: _pack(stamp) for rel, stamp in stamps.items()}, separators=(",", ":"))
        db.execute("DELETE FROM stamps")
    db.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)", values.items())


def _read_stamps(db) -> dict[str, int]:
    """Every file's stamp as the state knows it: meta's whole list, then the changes since
    (size NULL: the file is gone; mtime NULL: a symbolic link)."""
    stamps = json.loads(next(db.execute("SELECT v FROM meta WHERE k = 'stamps'"))[0])
    for path, mtime, size in db.execute("SELECT path, mtime, size FROM stamps"):
        if size is None:
            stamps.pop(path, None)
        else:
            stamps[path] = _pack(None if mtime is None else (mtime, size))
    return stamps


def _rollback(db) -> None:
    try:
        db.execute("ROLLBACK")
    except sqlite3.Error:
        pass


# --- the quick check ------------------------------------------------------------------------------

class _Broken:
    """`key in vault.broken`, asked of the state (overlaid with the changed files)."""

    def __init__(self, lookup):
        self.lookup = lookup

    def __contains__(self, key: str) -> bool:
        return any(row.broken for row in self.lookup.rows_with_key(key))


class _ByKey:
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

    def __getitem__(self, key: str) -> Record:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None


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


class _Lookup:
    """The state's rows as they were (`overlay` None), or with the files changed since laid over
    them (new rows; None: gone)."""

    def __init__(self, db, overlay: dict[str, Row | None] | None):
        self.db, self.overlay = db, overlay or {}

    def rows_with_key(self, key: str) -> list[Row]:
        rows = {path: Row(path, k, t, bool(b), f) for path, k, t, b, f in self.db.execute(
            "SELECT path, key, type, broken, facts FROM files WHERE key = ?", (key,))}
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
            if found is not None:
                return found
        return None

    def ids_of(self, types) -> list[str]:
        marks = ",".join("?" * len(types))
        found = {path: json.loads(f)[0] for path, f in self.db.execute(
            f"SELECT path, facts FROM files WHERE type IN ({marks})", tuple(types))}
        for path, row in self.overlay.items():
            found.pop(path, None)
            if row is not None and row.type in types:
                found[path] = json.loads(row.facts)[0]
        return [found[p] for p in sorted(found)]


@dataclass
class QuickResult:
    record_count: int
    problems: list[Problem]
    root: Path


def quick_check(root: Path, config, files, walk_ns: int, *, repo, index: str,
                contents: dict[str, bytes | None] | None = None, staged: bool = False) -> QuickResult | None:
    """The check from the state and the files changed since, or None when a full check must run.

    `files` is the walk (path, stamp), begun at `walk_ns`, after git's `repo` (None: not in one)
    and the stamp of its `index` were read; `contents` replaces files by path (a
    staged version; None: absent). The state is brought up to date only when the check is of
    the files on disk (no `contents`, not `staged`): that is what it describes.
    """
    db = _connect(root, create=False)
    if db is None:
        return None
    try:
        db.execute("BEGIN")  # one snapshot of the state, however many queries
        found = _quick_check(db, root, config, files, walk_ns, repo, index, contents or {}, staged)
        if db.in_transaction:
            db.execute("COMMIT")
        return found
    except (sqlite3.Error, ValueError, KeyError, TypeError, IndexError, AttributeError, StopIteration):
        _rollback(db)
        return None  # a state that is damaged or not ours: the full check answers
    finally:
        db.close()


def _quick_check(db, root, config, files, walk_ns, repo, index, contents, staged) -> QuickResult | None:
    from .checks import record_problems as own_checks, run_vault_checks
    from .store.read import read_file

    header = Header.read(db)
    if header.signature != signature(config.signature):
        return None
    old_stamps = _read_stamps(db)
    walked = dict(files)
    for rel, data in contents.items():
        if data is None:
            walked.pop(rel, None)
        elif rel.endswith(".md"):
            walked[rel] = None  # not what the disk says: read it
    limit = header.written_ns - RACY_NS
    get = old_stamps.get
    changed = [rel for rel, stamp in walked.items()
               if stamp is None or stamp[0] >= limit or get(rel) != (stamp[1] << 64) + stamp[0] + STAMP_OFFSET]
    gone = [rel for rel in old_stamps if rel not in walked]
    if len(changed) + len(gone) > MAX_CHANGED:
        return None
    head = repo.head_sha if repo is not None else None
    committed: list[str] = []
    if head != header.head:
        if repo is None or head is None or header.head is None:
            return None
        committed = _committed_since(repo, header.head, head)
        if committed is None or len(committed) > MAX_CHANGED:
            return None
    git_moved = head != header.head or index != header.index
    if not changed and not gone and not git_moved:
        return QuickResult(header.records, _merge(db, header, {}, []), root)

    # What the changed files hold now, and what they held.
    overlay: dict[str, Row | None] = {rel: None for rel in gone}
    fresh: dict[str, Record] = {}
    for rel in changed:
        parsed = read_file(root, rel, config, contents.get(rel), walked[rel])
        own = list(parsed.problems)
        if parsed.record is not None:
            own += own_checks(parsed.record, config)
            fresh[rel] = parsed.record
        overlay[rel] = row_of(rel, parsed.record, own)
    before = _rows(db, list(overlay))

    # The vault checks on the records that can affect.
    new = _Lookup(db, overlay)
    affected = _affected(db, before, overlay, new)
    rows = _rows(db, [p for p in affected if p not in overlay])
    rows.update({p: overlay[p] for p in affected if p in overlay})
    records = [record_from_facts(p, rows[p].facts) for p in sorted(affected) if rows[p].type is not None]
    found = run_vault_checks(PartialVault(root, config, records, new))
    if any(p.code == "internal-error" for p in found):
        return None
    for row in rows.values():
        row.vault = []
    for p in found:
        if p.source.path in affected:
            rows[p.source.path].vault.append(p)

    # The process rules on the leads and opportunities whose answer can have moved: changed,
    # touched by a commit since, or without history of their own (git pairs a deleted file with
    # an added one as a rename by their contents, on disk as in the index: any change can give
    # such a file a history, or take it away).
    unhistoried = set(header.unhistoried) - set(gone)
    dirty = {p for p in [*changed, *committed, *unhistoried] if p in walked and (p in changed or p not in contents)}
    rows.update(_rows(db, [p for p in dirty if p not in rows]))
    dirty = {p for p in dirty if rows[p].type in PIPELINE_TYPES}
    for p in changed:
        if p not in dirty:
            rows[p].proc = []
            unhistoried.discard(p)
    if dirty:
        ran = _process_rules(root, config, dirty, fresh, contents, staged)
        if ran is None:
            return None
        proc, without = ran
        for p in dirty:
            rows[p].proc = [x for x in proc if x.source.path == p]
        unhistoried = (unhistoried - dirty) | without

    records_now = header.records + sum((r is not None and r.type is not None) - (b is not None and b.type is not None)
                                       for b, r in ((before.get(p), overlay[p]) for p in overlay))
    problems = _merge(db, header, rows, gone)
    if not contents and not staged:
        header = Header(header.signature, head, index, walk_ns, header.generation + 1, records_now, header.config,
                        sorted(unhistoried))
        _save_quick(db, header, walked, rows, changed, gone)
    return QuickResult(records_now, problems, root)


def _affected(db, before: dict[str, Row], overlay: dict[str, Row | None], new: "_Lookup") -> set[str]:
    """The paths whose vault-check problems a change to the `overlay` files can alter (see the
    module's docstring for why each rule is there)."""
    gone = {p for p, row in overlay.items() if row is None}
    keys = {row.key for row in [*before.values(), *overlay.values()] if row is not None}
    affected = set(overlay)
    for key in keys:
        affected.update(_paths(db, "SELECT path FROM files WHERE key = ?", key))
        hop = _paths(db, "SELECT src FROM links WHERE target = ?", key)
        affected.update(hop)
        for row in _rows(db, sorted(hop)).values():
            if row.type in PIPELINE_TYPES:  # conversion reads the pair's other end too
                affected.update(_paths(db, "SELECT l.src FROM links l JOIN files f ON f.path = l.src "
                                           "WHERE l.target = ? AND f.type IN ('lead', 'opportunity')", row.key))
    if any((before.get(p) and before[p].type) != (row and row.type) for p, row in overlay.items()):
        affected.update(_paths(db, "SELECT path FROM files WHERE badlink = 1"))  # their "did you mean"
    affected -= gone
    stored = _rows(db, sorted(affected))  # as they were (a changed file: its row before the change)
    old = _Lookup(db, None)
    for path in list(affected):  # the follow-up chains through them, as they were and as they are
        was = stored.get(path)
        now = overlay[path] if path in overlay else was
        if "task" in (was and was.type, now and now.type):
            affected |= _chain(old, was) | _chain(new, now)
    affected -= gone
    for key in {row.key for path in affected if (row := overlay.get(path) or stored.get(path)) is not None} \
            | {row.key for row in _rows(db, [p for p in affected if p not in stored and p not in overlay]).values()}:
        affected.update(row.path for row in new.rows_with_key(key))  # an id's every file: which is the duplicate
    return affected


def _paths(db, query: str, *args) -> list[str]:
    return [path for (path,) in db.execute(query, args)]


def _rows(db, paths: list[str]) -> dict[str, Row]:
    out: dict[str, Row] = {}
    for i in range(0, len(paths), 500):
        chunk = paths[i:i + 500]
        for path, key, type_, broken, facts, own, vault, proc in db.execute(
                f"SELECT path, key, type, broken, facts, own, vault, proc FROM files WHERE path IN ({','.join('?' * len(chunk))})",
                chunk):
            out[path] = Row(path, key, type_, bool(broken), facts, _load(own), _load(vault), _load(proc))
    for path in out:
        out[path].links = set(_paths(db, "SELECT target FROM links WHERE src = ?", path))
    return out


def _chain(lookup: _Lookup, start: Row | None) -> set[str]:
    """Paths of the tasks on the follow-up chain from `start`, as check_follow_chains walks it."""
    paths: set[str] = set()
    seen: set[str] = set()
    row = start
    while row is not None and row.type == "task" and row.key not in seen:
        seen.add(row.key)
        paths.update(r.path for r in lookup.rows_with_key(row.key))
        row = lookup.first_linked(row, "follows")
    return paths


def _committed_since(repo, old_head: str, head: str) -> list[str] | None:
    """Vault paths touched by any commit since `old_head` (one that undid another's change too),
    or None when `old_head` is not an ancestor of `head` (history rewritten)."""
    from .git.repo import GitError

    try:
        repo.git("merge-base", "--is-ancestor", old_head, head)
        raw = repo.git("log", "-m", "--no-renames", "--name-only", "--format=", "-z", f"{old_head}..{head}", "--",
                       repo.prefix or ".")
    except GitError:
        return None
    names = (p.lstrip("\n") for p in raw.decode("utf-8", "surrogateescape").split("\0"))  # "\n" between commits
    paths = {repo.vault_path(p) for p in names if p}
    return sorted(p for p in paths if p is not None)


def _process_rules(root, config, dirty, fresh, contents, staged):
    """(problems, the paths of `dirty` without history of their own) or None to run a full check."""
    from .checks.process import check_against_history
    from .git.repo import GitError
    from .git.history import load_history
    from .store.read import read_file

    records = []
    for path in sorted(dirty):
        record = fresh.get(path)
        if record is None:
            record = read_file(root, path, config, contents.get(path)).record
        if record is None:
            return None
        records.append(record)
    try:
        history = load_history(root, relevant={r.path: r.blob for r in records})
    except GitError:
        return None
    if history is None:
        return [], set()
    without = {p for p in dirty if p not in history.lines}
    history.follow_uncommitted_renames(set(dirty), staged_only=staged)
    return check_against_history(Vault(root, config, records), history), without


def _merge(db, header: Header, rows: dict[str, Row], gone: list[str]) -> list[Problem]:
    problems = list(header.config)
    skip = set(rows) | set(gone)
    for path, own, vault, proc in db.execute(
            "SELECT path, own, vault, proc FROM files WHERE own != '[]' OR vault != '[]' OR proc != '[]'"):
        if path not in skip:
            problems += _load(own) + _load(vault) + _load(proc)
    for row in rows.values():
        problems += row.own + row.vault + row.proc
    return sorted(set(problems), key=Problem.sort_key)


def _save_quick(db, header: Header, walked, rows: dict[str, Row], changed: list[str], gone: list[str]) -> None:
    """Bring the state up to date, in the transaction it was read in (so over that state only)."""
    try:
        for path in gone:
            db.execute("DELETE FROM files WHERE path = ?", (path,))
            db.execute("DELETE FROM links WHERE src = ?", (path,))
        db.executemany("INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?,?)", (r.values() for r in rows.values()))
        for path in changed:
            db.execute("DELETE FROM links WHERE src = ?", (path,))
            db.executemany("INSERT INTO links VALUES (?,?)", ((path, t) for t in rows[path].links))
        delta = [(p, *(walked[p] or (None, -1))) for p in changed] + [(p, None, None) for p in gone]
        db.executemany("INSERT OR REPLACE INTO stamps VALUES (?,?,?)", delta)
        whole = next(db.execute("SELECT count(*) FROM stamps"))[0] > MAX_DELTA
        _write_header(db, header, walked if whole else None)
        db.execute("COMMIT")
    except (sqlite3.Error, ValueError):
        _rollback(db)  # another check wrote the state since this one read it: its word stands

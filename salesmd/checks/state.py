"""The check state: what the last `salesmd check` found, kept so the next one re-checks only what
a change can affect (tables of their own in .salesmd/index.sqlite, beside the index: store/index.py).

A full check (run.py's run_check) writes, for every file the walk found: its stamp, its id, its
type, the few facts the vault checks read (checks/__init__.py says which), and its problems in
three parts: its own (reading it and the record checks: they depend on the file alone), the
vault checks' (they depend on other records too) and the process rules' (they depend on git);
and for a file with front matter that is not a record, why (store/read.py: `check` counts them).
With a links table (who links to which id) that is enough to answer "which records can a change
to these files affect?" without loading the other 100,000.

The next check (quick.py; affected.py says what a change can affect) walks the vault and
compares stamps. When a few files changed (or HEAD moved), it reads just those, re-runs the
record checks on them, the vault checks on the records they can affect, and the process rules on
the leads and opportunities they touch; every other file's problems are the ones stored.
Whatever it cannot vouch for (another configuration, another salesmd, many changes, rewritten
history, a check that crashed) it leaves to the full check. tests/test_checkstate.py holds the
two to the same answer, byte for byte, over random edits, commits, renames and staged changes,
and over each case a review found.

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

from .. import code_stamp
from ..model import ERROR, PIPELINE_TYPES, Problem, Record, Source, id_key, id_of
from ..schema import LINK_TARGETS
from ..store.vault import Vault

FORMAT = 4  # 3: ids are keyed in NFC (model.id_key); 4: why a file with front matter is not a record
MAX_CHANGED = 500  # more changed files than this: the full check is about as quick
MAX_DELTA = 2000  # stamps kept in the stamps table before they are folded into meta's whole list
RACY_NS = 2_000_000_000  # as the index cache: files changed that close to the state's writing are read again

SCHEMA = """
CREATE TABLE IF NOT EXISTS check_meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS check_files (
    path TEXT PRIMARY KEY, key TEXT NOT NULL, type TEXT, broken INTEGER NOT NULL,
    facts TEXT, own TEXT NOT NULL, vault TEXT NOT NULL, proc TEXT NOT NULL, badlink INTEGER NOT NULL, skipped TEXT);
CREATE INDEX IF NOT EXISTS check_files_key ON check_files (key);
CREATE TABLE IF NOT EXISTS check_links (src TEXT NOT NULL, target TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS check_stamps (path TEXT PRIMARY KEY, mtime INTEGER, size INTEGER);
CREATE INDEX IF NOT EXISTS check_links_target ON check_links (target);
CREATE INDEX IF NOT EXISTS check_links_src ON check_links (src);
"""


def state_path(root: Path) -> Path:
    from ..store.index import db_path

    return db_path(root)  # the index's database, in tables of its own


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


def facts_of(record: Record, link_targets: dict = LINK_TARGETS) -> str:
    """The record as the state keeps it: id, type, its link keys (`link_targets`: the vault's,
    Types.link_targets) and stage, with their lines."""
    data, lines, given, at = {}, {}, record.data, record.key_lines
    for k in link_targets.get(record.type, ()):
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


def links_of(record: Record, link_targets: dict = LINK_TARGETS) -> set[str]:
    return {link.key for key in link_targets.get(record.type, {}) for link in record.links(key)}


def dump_problems(problems: list[Problem]) -> str:
    if not problems:
        return "[]"
    return _encode([[p.source.path, p.source.line, p.code, p.message, p.severity] for p in problems])


def load_problems(text: str) -> list[Problem]:
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
    skipped: str | None = None  # front matter, but not a record: why (ParsedFile.skipped)

    @property
    def badlink(self) -> bool:
        return any(p.code == "link-broken" for p in self.vault)

    def values(self) -> tuple:
        return (self.path, self.key, self.type, int(self.broken), self.facts, dump_problems(self.own),
                dump_problems(self.vault), dump_problems(self.proc), int(self.badlink), self.skipped)


def row_of(path: str, record: Record | None, own: list[Problem], skipped: str | None = None,
           link_targets: dict = LINK_TARGETS) -> Row:
    """A file as a row, with its own problems; its vault and process problems come later."""
    if record is None:
        return Row(path, stem_key(path), broken=any(p.severity == ERROR for p in own), own=own, skipped=skipped)
    return Row(path, record.key, record.type, False, facts_of(record, link_targets), own,
               links=links_of(record, link_targets))


# --- the database -----------------------------------------------------------------------------------

TABLES = ("check_meta", "check_files", "check_links", "check_stamps")
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
                "records": str(self.records), "config": dump_problems(self.config),
                "unhistoried": json.dumps(sorted(self.unhistoried))}

    @classmethod
    def read(cls, db) -> "Header":
        meta = dict(db.execute("SELECT k, v FROM check_meta"))
        return cls(meta["signature"], meta["head"] or None, meta["index"], int(meta["written_ns"]),
                   int(meta["generation"]), int(meta["records"]), load_problems(meta["config"]),
                   list(json.loads(meta["unhistoried"])))


def open_state(root: Path, create: bool) -> sqlite3.Connection | None:
    """The index's database (store/index.py), where the state keeps tables of its own."""
    from ..store.index import connect

    return connect(root, create)


def kept_records(root: Path) -> dict[str, str] | None:
    """path -> type of every record the state holds (None: there is no state to ask)."""
    db = open_state(root, create=False)
    if db is None:
        return None
    try:
        return dict(db.execute("SELECT path, type FROM check_files WHERE type IS NOT NULL"))
    except sqlite3.Error:
        return None
    finally:
        db.close()


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
        rows[rel] = row_of(rel, records.get(rel), own.get(rel, []), vault.skipped.get(rel),
                           vault.config.types.link_targets)
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
    db = open_state(root, create=True)
    if db is None:
        return True
    try:
        db.execute("BEGIN IMMEDIATE")
        try:
            generation = int(dict(db.execute("SELECT k, v FROM check_meta")).get("generation", "0"))
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
        db.executemany("INSERT INTO check_files VALUES (?,?,?,?,?,?,?,?,?,?)", (r.values() for r in rows))
        db.executemany("INSERT INTO check_links VALUES (?,?)", ((r.path, t) for r in rows for t in r.links))
        for statement in indexes:  # made after the rows: quicker
            db.execute(statement)
        write_header(db, header, dict(files))
        db.execute("COMMIT")
        return True
    except sqlite3.Error as e:
        rollback(db)
        return _busy(e)  # busy: another check is writing it
    except ValueError:  # a file name that is not UTF-8: SQLite cannot keep it, so no state
        rollback(db)
        return True
    finally:
        db.close()


def write_header(db, header: Header, stamps: dict | None) -> None:
    """The meta table; with `stamps` (every file's), the whole list of stamps too."""
    values = header.values()
    if stamps is not None:
        values["stamps"] = json.dumps({rel: _pack(stamp) for rel, stamp in stamps.items()}, separators=(",", ":"))
        db.execute("DELETE FROM check_stamps")
    db.executemany("INSERT OR REPLACE INTO check_meta VALUES (?,?)", values.items())


def read_stamps(db) -> dict[str, int]:
    """Every file's stamp as the state knows it: meta's whole list, then the changes since
    (size NULL: the file is gone; mtime NULL: a symbolic link)."""
    stamps = json.loads(next(db.execute("SELECT v FROM check_meta WHERE k = 'stamps'"))[0])
    for path, mtime, size in db.execute("SELECT path, mtime, size FROM check_stamps"):
        if size is None:
            stamps.pop(path, None)
        else:
            stamps[path] = _pack(None if mtime is None else (mtime, size))
    return stamps


def rollback(db) -> None:
    try:
        db.execute("ROLLBACK")
    except sqlite3.Error:
        pass

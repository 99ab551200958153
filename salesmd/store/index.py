"""The index: `.salesmd/index.sqlite`, the one place salesmd keeps what it learnt from the files.

A row per file the walk found (its stamp, id, type, parsed front matter, key lines and its own
problems), a table of the links between records, a full-text index over names, subjects and
bodies, and the check state's and the git history's tables beside them (checks/state.py,
git/history.py). The files stay the only truth: every row is rebuilt from its file whenever the
file's (mtime_ns, size) differs from the row's, and the whole database is set aside and made
again, silently, when it is missing, damaged, from another salesmd, or foreign.

Plain data only: JSON text in SQLite, never pickle, so a forged index can make an answer wrong
but can run nothing; and "foreign" is told without a key: the database remembers the user and
the inode it was created as, which a copy, a clone or another user's file does not have.

Racy rows: a file changed twice within one mtime tick keeps its (mtime_ns, size); like git, a
row read within two seconds of the file's mtime is read again next time.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

from .. import code_stamp
from ..model import ParsedFile, Problem, id_key, id_of
from .dotfolder import caching_allowed, ensure_cache_dir, no_gc, remove_stale_temporaries, set_aside_if_odd
from .rows import decode_problems, decode_record, encode_problems, encode_record, link_rows, words_of  # noqa: F401 (callers import them from here)

FORMAT = 6  # 2: top-level dates as text beside a list of their keys; 3: every link, in order; 4: words on demand
# 5: a link's folder (path-style links), why a file with front matter is not a record; 6: words stored with
# their row (no more on demand), phone numbers' digits
NAME = "index.sqlite"
RACY_NS = 2_000_000_000
BUSY_SECONDS = 2.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, mtime INTEGER NOT NULL, size INTEGER NOT NULL, seen INTEGER NOT NULL,
    key TEXT, type TEXT, broken INTEGER NOT NULL, record TEXT, problems TEXT NOT NULL, checked TEXT,
    skipped TEXT);
CREATE INDEX IF NOT EXISTS files_key ON files (key);
CREATE INDEX IF NOT EXISTS files_type ON files (type);
CREATE TABLE IF NOT EXISTS links (src TEXT NOT NULL, ord INTEGER NOT NULL, field TEXT NOT NULL, target TEXT NOT NULL,
    folder TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS links_target ON links (target);
CREATE INDEX IF NOT EXISTS links_src ON links (src);
CREATE VIRTUAL TABLE IF NOT EXISTS words USING fts5(title, fields, body, digits,
    tokenize='unicode61 remove_diacritics 2');
"""


def db_path(root: Path) -> Path:
    return Path(root) / ".salesmd" / NAME


# --- the database -------------------------------------------------------------------------------

def ensure_folder(folder: Path) -> bool:
    """.salesmd/ with a .gitignore of its own, so nothing in it shows in `git status`. False when
    it cannot be had as a real folder (a file or a symbolic link is in its place)."""
    try:
        if os.path.lexists(folder) and not stat.S_ISDIR(os.lstat(folder).st_mode):
            return False
        ensure_cache_dir(folder)
        return True
    except OSError:
        return False


def _identity(path: Path) -> str:
    info = os.stat(path)
    return f"{os.getuid() if hasattr(os, 'getuid') else 0}:{info.st_dev}:{info.st_ino}"


def remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass
        except OSError:
            pass


def connect(root: Path, create: bool = True) -> sqlite3.Connection | None:
    """The vault's index database, ready to use; None under --no-cache, or when it cannot be had
    (then every command reads the files, which is only slower). A database that is not one, is
    another salesmd's, or is not this one (a copy, another user's) is replaced by an empty one."""
    if not caching_allowed():
        return None
    folder = Path(root) / ".salesmd"
    path = folder / NAME
    if not create and not path.exists():
        return None
    if not ensure_folder(folder):
        return None
    for suffix in ("", "-wal", "-shm", "-journal"):
        set_aside_if_odd(Path(f"{path}{suffix}"))
    remove_stale_temporaries(folder)
    for attempt in (1, 2):
        db = None
        try:
            db = sqlite3.connect(path, timeout=BUSY_SECONDS, isolation_level=None, check_same_thread=False)
            state = _ready(db, path)
        except sqlite3.DatabaseError as e:  # locked by another command (never removed then), or not a database
            state = "busy" if busy(e) else "unusable"
        except OSError:
            state = "busy"
        if state == "ok":
            return db
        if db is not None:
            db.close()
        if state == "busy":  # another command is making it: this one reads the files
            return None
        remove(path)
    return None


def _ready(db: sqlite3.Connection, path: Path) -> str:
    """Set up the connection; make the tables when the database is new or from other code.
    "ok"; "unusable" when the file is not a database or not this one; "busy" when another
    command holds it while making it."""
    db.execute("PRAGMA trusted_schema=OFF")
    # Only tables and indexes, as salesmd makes them: a view or a trigger (which could make a
    # query run for ever) is never in one of ours.
    if any(kind not in ("table", "index") for (kind,) in db.execute("SELECT DISTINCT type FROM sqlite_master")):
        return "unusable"
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    identity, version = _identity(path), f"{FORMAT}:{code_stamp()}"
    try:
        meta = dict(db.execute("SELECT k, v FROM meta"))
    except sqlite3.OperationalError:  # no meta table: a new database (or one that is not ours)
        meta = None
    if meta is not None and meta.get("identity") not in (None, identity):
        return "unusable"  # a copy, a clone's, another user's: never read
    if meta is None or meta.get("version") != version:
        db.execute("BEGIN IMMEDIATE")
        try:
            names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table') "
                                              "AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'words_%'")]
            for name in names:
                db.execute(f'DROP TABLE IF EXISTS "{name}"')
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                           [("identity", identity), ("version", version)])
            db.execute("COMMIT")
        except sqlite3.OperationalError as e:
            _rollback(db)
            return "busy" if busy(e) else "unusable"
    return "ok"


def busy(error: sqlite3.Error) -> bool:
    return isinstance(error, sqlite3.OperationalError) and ("locked" in str(error) or "busy" in str(error))


def _rollback(db) -> None:
    try:
        db.execute("ROLLBACK")
    except sqlite3.Error:
        pass


# --- rows ---------------------------------------------------------------------------------------

UNSTAMPED = (-1, -1)  # a file the walk could not stamp (a symbolic link): its row is read again each time


class Index:
    """The open index of one vault, under one configuration."""

    def __init__(self, db: sqlite3.Connection, config_signature: str, path: Path | None = None):
        self.db, self.path, self.damaged = db, path, False
        self._settled: dict[str, tuple[str, str]] | None = None
        meta = dict(db.execute("SELECT k, v FROM meta"))
        if meta.get("config") != config_signature:  # rows and checks depend on the configuration
            self._write(lambda: self._forget_all(config_signature))

    @classmethod
    def in_memory(cls, config_signature: str) -> "Index":
        """An index kept in memory for one command (--no-cache): the same queries, nothing written."""
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        return cls(db, config_signature)

    @classmethod
    def open(cls, root: Path, config_signature: str, create: bool = True) -> "Index | None":
        db = connect(root, create)
        if db is None:
            return None
        try:
            return cls(db, config_signature, db_path(root))
        except sqlite3.Error:
            db.close()
            return None

    def close(self) -> None:
        """Done with the index; one found damaged meanwhile is removed, for the next command to make anew."""
        try:
            self.db.close()
        except sqlite3.Error:
            pass
        if self.damaged and self.path is not None:
            remove(self.path)

    def note_error(self, error: sqlite3.Error) -> None:
        """An error other than "busy" means the database is damaged."""
        if not busy(error):
            self.damaged = True

    def _forget_all(self, config_signature: str) -> None:
        for table in ("files", "links", "words"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('config', ?)", (config_signature,))

    def _write(self, work) -> bool:
        """Run `work` in one write transaction. False when another command holds the index (the
        rows are then left to it, or to the next command) or it cannot be written."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            self.note_error(e)
            return False
        try:
            work()
            self.db.execute("COMMIT")
            return True
        except sqlite3.Error as e:
            self.note_error(e)
            _rollback(self.db)
            return False
        except (UnicodeEncodeError, ValueError, TypeError, RecursionError):  # a name or value SQLite cannot keep
            _rollback(self.db)
            return False

    def settled(self) -> dict[str, tuple[str, str]]:
        """path -> (mtime_ns, size) as text, of every row read two seconds or more after its file
        last changed (git's "racy" rule: a younger row is read again). As text, in one string from
        SQLite, because that is several times quicker than a row each for 100,000 files."""
        if self._settled is None:
            text = self.db.execute("SELECT group_concat(path || char(0) || mtime || char(0) || size, char(0)) "
                                   "FROM files WHERE mtime < seen - ?", (RACY_NS,)).fetchone()[0]
            parts = text.split("\0") if text else []
            self._settled = dict(zip(parts[0::3], zip(parts[1::3], parts[2::3])))
        return self._settled

    def paths(self) -> set[str]:
        """Every stored file's path."""
        return self.settled().keys() | {p for (p,) in self.db.execute(
            "SELECT path FROM files WHERE NOT (mtime < seen - ?)", (RACY_NS,))}

    def current(self, rel: str, stamp: tuple[int, int] | None) -> bool:
        """Whether the stored row of `rel` is the file as the walk stamped it now."""
        row = self.settled().get(rel)
        return stamp is not None and row is not None and row[0] == str(stamp[0]) and row[1] == str(stamp[1])

    def rows(self, paths=None):
        """(path, type, broken, record, problems, checked, skipped) of every stored file (or those in
        `paths`), by path."""
        query = "SELECT path, type, broken, record, problems, checked, skipped FROM files"
        if paths is None:
            return self.db.execute(query + " ORDER BY path")
        return self.db.execute(query + " WHERE path IN (SELECT value FROM json_each(?)) ORDER BY path",
                               (json.dumps(list(paths)),))

    def rows_of_records(self, paths):
        """(path, type, record) of the records among these files."""
        return self.db.execute("SELECT path, type, record FROM files WHERE path IN (SELECT value FROM json_each(?)) "
                               "AND type IS NOT NULL", (json.dumps(list(paths)),))

    def save(self, fresh, gone, seen_ns: int) -> bool:
        """Store what was read afresh and forget the files gone, in one transaction.

        `fresh`: (path, stamp or None, ParsedFile, record-check problems or None). A record's words
        (rows.words_of: its title, other values, body and phone digits) go into the full-text table
        in the same transaction, from the body the read kept (ParsedFile.body, let go once stored),
        so no search ever reads the files again to fill it."""
        def work():
            db = self.db
            paths = [rel for rel, *_ in fresh] + list(gone)
            if paths:
                listed = json.dumps(paths)
                db.execute("DELETE FROM words WHERE rowid IN (SELECT rowid FROM files WHERE path IN "
                           "(SELECT value FROM json_each(?)))", (listed,))
                db.execute("DELETE FROM links WHERE src IN (SELECT value FROM json_each(?))", (listed,))
                db.execute("DELETE FROM files WHERE path IN (SELECT value FROM json_each(?))", (listed,))
            start = db.execute("SELECT coalesce(max(rowid), 0) + 1 FROM files").fetchone()[0]

            def rows():  # made as they are inserted, never all held at once
                for n, (rel, stamp, pf, checked) in enumerate(fresh, start):
                    record = pf.record
                    mtime, size = stamp or UNSTAMPED
                    broken = int(record is None and any(p.severity == "error" for p in pf.problems))
                    yield (n, rel, mtime, size, seen_ns, record.key if record else id_key(id_of(rel)) if broken else None,
                           record.type if record else None, broken, encode_record(record) if record else None,
                           encode_problems(pf.problems), None if checked is None else encode_problems(checked),
                           pf.skipped)

            db.executemany("INSERT INTO files (rowid, path, mtime, size, seen, key, type, broken, record, problems, "
                           "checked, skipped) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows())
            db.executemany("INSERT INTO links VALUES (?, ?, ?, ?, ?)",
                           (row for _, _, pf, _ in fresh if pf.record is not None for row in link_rows(pf.record)))
            db.executemany("INSERT INTO words (rowid, title, fields, body, digits) VALUES (?,?,?,?,?)",
                           ((n, *words_of(pf.record, pf.body)) for n, (_, _, pf, _) in enumerate(fresh, start)
                            if pf.record is not None))

        if not fresh and not gone:
            return True
        with no_gc():  # many small objects made and kept: the cyclic GC would only walk them again and again
            done = self._write(work)
        for _, _, pf, _ in fresh:
            pf.body = None  # the words are stored (or left to the next command): the text is not needed
        self._settled = None
        return done

    def set_checked(self, found: dict[str, tuple[tuple[int, int], list[Problem]]]) -> None:
        """Keep record-check problems for rows still at the stamp they were checked at."""
        if found:
            self._write(lambda: self.db.executemany(
                "UPDATE files SET checked = ? WHERE path = ? AND mtime = ? AND size = ?",
                [(encode_problems(problems), rel, stamp[0], stamp[1]) for rel, (stamp, problems) in found.items()]))


def parsed_of(path: str, type_: str | None, record_text: str | None, problems_text: str,
              skipped: str | None = None) -> ParsedFile:
    record = decode_record(path, type_, record_text) if record_text is not None else None
    return ParsedFile(path, record, decode_problems(problems_text), skipped)

"""The index's database: made, opened and set up (WAL, its tables, whose it is), or set aside
when it is not a database, is another salesmd's or is not this one; index.py reads and writes
its rows. Several commands may open it at once: each step that changes its tables checks under
the write lock what it saw before taking it."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from .. import code_stamp
from .dotfolder import caching_allowed, ensure_cache_dir, remove_stale_temporaries, set_aside_if_odd

FORMAT = 6  # 2: top-level dates as text beside a list of their keys; 3: every link, in order; 4: words on demand
# 5: a link's folder (path-style links), why a file with front matter is not a record; 6: words stored with
# their row (no more on demand), phone numbers' digits
NAME = "index.sqlite"
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
    meta = _meta(db)
    if meta is not None and meta.get("identity") not in (None, identity):
        return "unusable"  # a copy, a clone's, another user's: never read
    if meta is None or meta.get("version") != version:
        return _make_tables(db, identity, version)
    return "ok"


def _meta(db: sqlite3.Connection) -> dict | None:
    try:
        return dict(db.execute("SELECT k, v FROM meta"))
    except sqlite3.OperationalError:  # no meta table: a new database (or one that is not ours)
        return None


def _make_tables(db: sqlite3.Connection, identity: str, version: str) -> str:
    """Make the tables anew, unless another command made them (and maybe filled them) between this
    one's first look and its write lock: what was seen before the lock is asked again under it,
    as dropping another's fresh tables would leave a command reading them with no rows."""
    try:
        db.execute("BEGIN IMMEDIATE")
        meta = _meta(db)
        if meta is not None and meta.get("version") == version:
            db.execute("COMMIT")
            return "ok" if meta.get("identity") in (None, identity) else "unusable"
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

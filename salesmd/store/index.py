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
import sqlite3
from pathlib import Path

from .. import code_stamp
from ..model import ParsedFile, Problem, id_key, id_of
from ..schema import LINK_TARGETS
from .database import FORMAT, NAME, SCHEMA, _meta, _rollback, busy, connect, db_path, remove  # noqa: F401 (and from here)
from .dotfolder import no_gc
from .rows import decode_problems, decode_record, encode_problems, encode_record, link_rows, words_of  # noqa: F401 (callers import them from here)

RACY_NS = 2_000_000_000


# --- rows ---------------------------------------------------------------------------------------

UNSTAMPED = (-1, -1)  # a file the walk could not stamp (a symbolic link): its row is read again each time


class Index:
    """The open index of one vault, under one configuration."""

    def __init__(self, db: sqlite3.Connection, config_signature: str, path: Path | None = None,
                 link_targets: dict = LINK_TARGETS):
        self.db, self.path, self.damaged = db, path, False
        self.link_targets = link_targets  # the vault's link keys (Types.link_targets): its rows of links
        self._settled: dict[str, tuple[str, str]] | None = None
        self.config_signature, self.expected = config_signature, None
        if (_meta(db) or {}).get("config") != config_signature:  # rows and checks depend on the configuration
            if not self._write(self._forget_all, mine=False):
                raise sqlite3.OperationalError("the index is locked")  # never rows of another configuration

    @classmethod
    def in_memory(cls, config_signature: str, link_targets: dict = LINK_TARGETS) -> "Index":
        """An index kept in memory for one command (--no-cache): the same queries, nothing written."""
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        for statement in SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute("INSERT INTO meta VALUES ('version', ?)", (f"{FORMAT}:{code_stamp()}",))
        return cls(db, config_signature, link_targets=link_targets)

    @classmethod
    def open(cls, root: Path, config_signature: str, create: bool = True,
             link_targets: dict = LINK_TARGETS) -> "Index | None":
        db = connect(root, create)
        if db is None:
            return None
        try:
            return cls(db, config_signature, db_path(root), link_targets)
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

    def _forget_all(self) -> None:
        if self.ours():
            return  # set (and maybe filled) by another command between the first look and the lock
        for table in ("files", "links", "words"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.execute("INSERT OR REPLACE INTO meta VALUES ('config', ?)", (self.config_signature,))

    def _write(self, work, mine: bool = True) -> bool:
        """Run `work` in one write transaction. False when another command holds the index (the
        rows are then left to it, or to the next command), made it anew for another configuration
        or code (`mine`: rows of this one are never written there), or it cannot be written."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            self.note_error(e)
            return False
        try:
            if mine and not self.ours():
                _rollback(self.db)  # made anew meanwhile for another configuration or code: its rows are not ours
                return False
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

    def hold(self, files) -> bool:
        """Begin the one read snapshot a command answers from, if the index in it is complete: a row
        for each file of the walk at its stamp, under this configuration and code. False (and no
        snapshot) when another command changed it after this one's refresh ended: made it anew for
        its own configuration or code, or emptied it to do so, or stored rows for files changed since."""
        stamped = [stamp or UNSTAMPED for _, stamp in files]
        self.expected = (len(stamped), sum(size for _, size in stamped),
                         sum(mtime & 0xFFFFFFFF for mtime, _ in stamped))  # as SQLite sums it, exactly
        self.db.execute("BEGIN")
        if self.complete():
            return True
        _rollback(self.db)
        self._settled = None  # a refresh again reads the rows as they are now
        return False

    def ours(self) -> bool:
        """Whether the rows are (still) of this configuration and code: another command may make the
        index anew for its own at any time between two transactions of this one."""
        meta = _meta(self.db) or {}
        return meta.get("config") == self.config_signature and meta.get("version") == f"{FORMAT}:{code_stamp()}"

    def complete(self) -> bool:
        """Whether the index, as the open snapshot sees it, is still the one `hold` found complete."""
        if not self.ours():
            return False
        found = self.db.execute("SELECT count(*), coalesce(sum(size), 0), coalesce(sum(mtime & 4294967295), 0) "
                                "FROM files").fetchone()
        return tuple(found) == self.expected

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
            # words left of rows removed another way (by hand, by an older salesmd) must not hold
            # the rowids given now: a full-text row is one per rowid
            db.execute("DELETE FROM words WHERE rowid >= ?", (start,))

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
                           (row for _, _, pf, _ in fresh if pf.record is not None for row in link_rows(pf.record, self.link_targets)))
            db.executemany("INSERT INTO words (rowid, title, fields, body, digits) VALUES (?,?,?,?,?)",
                           ((n, *words_of(pf.record, pf.body, self.link_targets)) for n, (_, _, pf, _) in enumerate(fresh, start)
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

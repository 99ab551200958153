"""The vault as committed at a point of its history, read from git without a checkout.

    point = find_point(repo, "2026-10-01")         # or a tag, HEAD~5, a commit id
    vault, problems = past_vault(root, point, today_vault)

The commit's tree is listed (`git ls-tree -r`) and its blobs read in one `git cat-file --batch`,
but only the blobs today's vault does not already hold: a file's blob id is sha1 of its bytes,
which every record keeps (Record.blob, stored in the index), so a record unchanged since that
commit is taken from today's index as it is, and only what changed is parsed. The configuration
is the one committed at that point (today's when the vault had none). A PastVault answers every
question a Vault does, so every report works on it unchanged.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config import CONFIG_NAME, ConfigError, load_config
from ..model import ERROR, ParsedFile, Problem, Record, id_key, id_of
from ..store.read import read_file
from ..store.vault import Vault
from ..store.walk import walked
from .repo import LINK_MODE, GitError, Repo, raw_changes

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_UNREAD = object()


class PastError(Exception):
    """A point that cannot be read (no git, an unknown ref, a day before the first commit): one line
    for the user (the CLI exits 2 with it)."""


@dataclass(frozen=True)
class Point:
    """A commit the vault is read at, and the day it stands for."""

    sha: str
    day: dt.date  # the DATE asked for; for a ref, the day it was committed (local time)
    asked: str  # as the user wrote it

    @property
    def label(self) -> str:
        return f"{self.asked} ({self.sha[:7]}, {self.day.isoformat()})" if self.asked != self.day.isoformat() \
            else f"{self.asked} ({self.sha[:7]})"


def repository(root: Path, what: str = "--as-of") -> Repo:
    """The repository holding the vault, with at least one commit; else PastError saying why."""
    try:
        repo = Repo.locate(root)
    except GitError as e:
        raise PastError(f"{what}: {e}") from None
    if repo is None:
        raise PastError(f"{what} reads the vault's git history, and {root} is not in a git repository")
    if repo.head_sha is None:
        raise PastError(f"{what} reads the vault's git history, and its repository has no commits yet")
    return repo


def find_point(repo: Repo, asked: str) -> Point:
    """A DATE (YYYY-MM-DD: the last commit on the current branch's first-parent line at or before
    the end of that day, local time) or a REF (a tag, a branch, HEAD~5, a commit id)."""
    asked = asked.strip()
    if DAY.fullmatch(asked):
        try:
            day = dt.date.fromisoformat(asked)
        except ValueError:
            raise PastError(f"'{asked}' is not a date (YYYY-MM-DD)") from None
        sha = repo.git("rev-list", "-1", "--first-parent", f"--before={asked} 23:59:59", "HEAD").decode().strip()
        if not sha:
            days = repo.git("log", "--first-parent", "--reverse", "--format=%cd", "--date=short-local", "HEAD").decode().split()
            raise PastError(f"no commit on or before {asked}: the vault's history begins on {days[0]}")
        return Point(sha, day, asked)
    if not asked or asked.startswith("-"):
        raise PastError(f"'{asked}' is neither a date (YYYY-MM-DD) nor a git revision")
    try:
        sha = repo.git("rev-parse", "--verify", "-q", f"{asked}^{{commit}}").decode().strip()
    except GitError:
        sha = ""
    if not sha:
        raise PastError(f"'{asked}' is neither a date (YYYY-MM-DD) nor a commit git knows "
                        "(a tag, a branch, HEAD~5, a commit id)")
    when = int(repo.git("show", "-s", "--format=%ct", sha).decode().strip())
    return Point(sha, dt.datetime.fromtimestamp(when).date(), asked)


def renames_since(repo: Repo, sha: str | None) -> dict[str, str]:
    """The vault's files renamed from the commit `sha` to the working tree (as git pairs them by
    content; tracked files): new path -> old path."""
    if sha is None:
        return {}
    raw = repo.git("diff", "-z", "--raw", "--no-abbrev", "-M", sha, "--", repo.prefix or ".")
    return {repo.vault_path(new): repo.vault_path(old) for status, old, new, *_ in raw_changes(raw)
            if status == "R" and repo.vault_path(new) is not None and repo.vault_path(old) is not None}


def tree_files(repo: Repo, sha: str) -> dict[str, tuple[str, str]]:
    """The vault's files in a commit: vault path -> (mode, blob id), read with `git ls-tree -r`."""
    raw = repo.git("ls-tree", "-r", "-z", sha, *(["--", repo.prefix] if repo.prefix else []))
    out: dict[str, tuple[str, str]] = {}
    for entry in raw.split(b"\0"):
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        mode, kind, blob = meta.decode().split()
        vault_path = repo.vault_path(path.decode("utf-8", "surrogateescape"))
        if kind == "blob" and vault_path is not None:
            out[vault_path] = (mode, blob)
    return out


@dataclass
class PastVault(Vault):
    """A Vault read from a commit (past_vault): bodies come from git, and its history ends there."""

    repo: Repo | None = None
    point: Point | None = None
    _history: object = field(default=_UNREAD, repr=False)

    def body(self, record: Record) -> str:
        if record.body is None:
            from ..store.frontmatter import split

            try:
                data = self.repo.blobs([record.blob]).get(record.blob, b"") if record.blob else b""
                record.body = split(data.decode("utf-8")).body
            except (GitError, UnicodeDecodeError):
                record.body = ""
        return record.body

    @property
    def history(self):
        """The git history up to the point (git/past_history.py), read once; None when git cannot."""
        if self._history is _UNREAD:
            from .history import pipeline_paths
            from .past_history import history_at

            self._history = history_at(self.root, self.repo, self.point.sha, pipeline_paths(self))
        return self._history


def past_vault(root: Path, repo: Repo, point: Point, today) -> tuple[PastVault, list[Problem]]:
    """The vault as committed at `point` (see the module's docstring), and the problems of its
    configuration and of reading its files. `today` is today's vault: what it holds of the same
    blobs is not read again."""
    files = tree_files(repo, point.sha) if point.sha else {}  # None: before the first commit
    config, problems = _config_at(root, repo, files, today)
    paths = _walked(sorted(p for p, (mode, _) in files.items() if mode != LINK_MODE), config)
    reuse = _known(today, {files[p][1] for p in paths}) if config.signature == today.config.signature else {}
    records: list[Record] = []
    unread: list[str] = []
    for path in paths:
        blob = files[path][1]
        known = reuse.get(blob)
        if known is None:
            unread.append(path)
        else:
            records.append(known(path))
    contents = repo.blobs(sorted({files[p][1] for p in unread}))
    broken: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for path in unread:
        parsed: ParsedFile = read_file(root, path, config, contents.get(files[path][1], b""))
        if parsed.record is not None:
            records.append(parsed.record)
        elif any(x.severity == ERROR for x in parsed.problems):
            broken.setdefault(id_key(id_of(path)), path)
        if parsed.skipped is not None:
            skipped[path] = parsed.skipped
        problems += parsed.problems
    records.sort(key=lambda r: r.path)
    vault = PastVault(root, config, records, broken, skipped, repo=repo, point=point)
    return vault, sorted(problems, key=Problem.sort_key)


def _walked(paths: list[str], config) -> list[str]:
    """The paths `walk` would read (store/walk.py's `walked`), asked once per folder when no
    `ignore:` pattern can name a file by itself."""
    if config.ignore:
        return [p for p in paths if walked(p, config)]
    folders: dict[str, bool] = {}
    out = []
    for path in paths:
        folder, _, name = path.rpartition("/")
        ok = folders.get(folder)
        if ok is None:
            ok = folders[folder] = walked(f"{folder}/x.md" if folder else "x.md", config)
        if ok and name.endswith(".md") and not name.startswith("."):
            out.append(path)
    return out


def _config_at(root: Path, repo: Repo, files, today) -> tuple:
    """salesmd.yaml as committed at the point, else today's configuration."""
    if CONFIG_NAME not in files:
        return today.config, []
    raw = repo.blobs([files[CONFIG_NAME][1]]).get(files[CONFIG_NAME][1], b"")
    try:
        return load_config(root, raw)
    except ConfigError as e:
        raise PastError(f"salesmd.yaml as committed then cannot be read: {e}") from None


def _known(today, blobs: set[str]) -> dict:
    """blob id -> a function making today's record of that blob at a path: the records that need
    no reading. From the index's rows where there is one (decoding only those wanted)."""
    from ..store.indexed import IndexedVault
    from ..store.rows import decode_record

    if isinstance(today, IndexedVault) and today.plain is None:
        import sqlite3

        try:
            rows = today.index.db.execute(
                "SELECT json_extract(record, '$[5]'), type, record FROM files WHERE type IS NOT NULL").fetchall()
        except sqlite3.DatabaseError:
            rows = []
        found = {}
        for blob, type_, text in rows:
            if blob in blobs and blob not in found:
                found[blob] = (lambda t, x: lambda path: decode_record(path, t, x))(type_, text)
        return found
    by_blob = {r.blob: r for r in today.records if r.blob in blobs}
    return {b: (lambda r: lambda path: _moved(r, path))(r) for b, r in by_blob.items()}


def _moved(record: Record, path: str) -> Record:
    """A record read today, as the file at `path` (the same bytes under another name, perhaps)."""
    return Record(id_of(path), record.type, path, record.data, record.key_lines, None, record.body_line,
                  record.body_links, record.body_digest, record.blob)


def history_for(vault):
    """The git history a report on `vault` reads: up to its point for a PastVault, else up to HEAD
    (None without git, or when git cannot read it)."""
    if isinstance(vault, PastVault):
        return vault.history
    from .history import load_history, pipeline_paths

    try:
        return load_history(vault.root, relevant=pipeline_paths(vault))
    except GitError:
        return None

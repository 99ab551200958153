"""The vault's history from git (repo.py runs git): one `git log` pass and one
`git cat-file --batch`, nothing mocked. lineage.py links the versions along the commit graph.

What the process rules need from history is small: for every version of every record file, its
type, stage and `converted_to`. Those facts are parsed once per blob and cached under .salesmd/
by blob id, and the log is read incrementally from the last commit seen, so a new commit costs
about what its changed files cost.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..model import FOLDERS, PIPELINE_TYPES
from ..store import frontmatter
from .repo import ZERO, GitError, Repo, raw_changes
from .versions import Commit, Facts, Version, facts_of

CACHE_VERSION = 7  # 5: kept in the index database (which names the code that wrote it); 6: close_date; 7: rows added
MAX_TAILS = 32  # rows of new commits kept after 'log' before they are folded into it


@dataclass
class History:
    """Every committed version of every record file, grouped into lines of descent (renames followed)."""

    repo: Repo
    head: str | None
    lines: dict[str, list[Version]] = field(default_factory=dict)  # current vault path -> versions
    gone: list[list[Version]] = field(default_factory=list)  # files deleted since

    def versions(self, path: str) -> list[Version]:
        return self.lines.get(path, [])

    def follow_uncommitted_renames(self, paths: set[str], staged_only: bool) -> None:
        """Give files renamed since HEAD (`git mv`, not committed yet) the history of their old name.

        Asks git only when a lead or opportunity has no history under its name (`paths`)."""
        if self.head is None or not [p for p in paths if p not in self.lines]:
            return
        args = ["diff-index", "-z", "--no-abbrev", "-M"] + (["--cached"] if staged_only else []) + [self.head]
        try:
            raw = self.repo.git(*args, "--", self.repo.prefix or ".")
        except GitError:
            return
        for status, old, new, *_ in raw_changes(raw):
            old_v, new_v = self.repo.vault_path(old), self.repo.vault_path(new)
            if status == "R" and new_v in paths and new_v not in self.lines and old_v in self.lines:
                self.lines[new_v] = self.lines[old_v]
                # The old name's versions may not have been read (its file unchanged since): read them now.
                unread = [v for v in self.lines[new_v] if v.facts is None and v.blob]
                try:
                    blobs = self.repo.blobs(sorted({v.blob for v in unread}))
                except GitError:
                    blobs = {}
                for v in unread:
                    if v.blob in blobs:
                        v.facts = facts_of(blobs[v.blob])


class HistoryCache:
    """The history already read (blob facts and the log), kept in the index's database (index.py),
    in a table of its own; never trusted when it is not this vault's own or has another shape.

    The row 'log' holds the history up to some commit; each later run that read new commits adds a
    row of its own ('log+1', 'log+2', ...: the new commits and the new blobs' facts, and the commit
    it follows on from), so a new commit costs a write of what it added, not of the whole history.
    After MAX_TAILS such rows the next save folds them all into 'log' again."""

    def __init__(self, vault_root: Path, enabled: bool = True):
        from ..store.dotfolder import caching_allowed

        self.root = vault_root
        self.enabled = enabled and caching_allowed()
        self.facts: dict[str, Facts] = {}
        self.commits: list[dict] = []
        self.head: str | None = None
        self.prefix: str | None = None
        self.tails = 0  # rows after 'log'
        self.read_head: str | None = None  # the head the rows reached when read
        self.stored = (0, 0)  # how many commits and facts the rows hold
        if self.enabled:  # --no-cache reads none of it either
            self._read()

    def _read(self) -> None:
        from ..store.dotfolder import no_gc
        from ..store.index import connect

        db = connect(self.root, create=False)
        if db is None:
            return
        try:
            rows = dict(db.execute("SELECT k, v FROM git_history WHERE k = 'log' OR k LIKE 'log+%'"))
            if "log" not in rows:
                return
            with no_gc():
                data = json.loads(rows["log"])
                if data.get("version") != CACHE_VERSION or not isinstance(data["prefix"], str):
                    return
                facts, commits, head = self._part(data, {}, [])
                tails = 0
                while f"log+{tails + 1}" in rows:
                    tail = json.loads(rows[f"log+{tails + 1}"])
                    if tail["from"] != head:
                        raise ValueError("a row that does not follow on from the one before")
                    facts, commits, head = self._part(tail, facts, commits)
                    tails += 1
            if len(rows) != tails + 1:
                raise ValueError("rows that follow on from none")
            self.facts, self.commits, self.head, self.prefix = facts, commits, head, data["prefix"]
            self.tails, self.stored, self.read_head = tails, (len(commits), len(facts)), head
        except (sqlite3.Error, ValueError, KeyError, TypeError, AttributeError, IndexError):
            self.facts, self.commits, self.head, self.prefix = {}, [], None, None
        finally:
            db.close()

    def _saved(self, tails: int) -> None:
        """What the rows hold now, after a save: the next save (read_once) goes on from there."""
        self.tails, self.stored, self.read_head = tails, (len(self.commits), len(self.facts)), self.head

    @staticmethod
    def _part(data: dict, facts: dict[str, Facts], commits: list[dict]):
        """One row's facts and commits added to those before it: (facts, commits, its head)."""
        new = data["commits"]
        if not (isinstance(new, list) and all(
                isinstance(c, dict) and len(c["c"]) == 4 and all(len(x) == 4 for x in c["x"])
                and all(isinstance(p, str) for p in c["p"]) for c in new) and isinstance(data["head"], str)):
            raise ValueError("not a history cache of this shape")
        facts.update((k, Facts(*v)) for k, v in data["facts"].items())
        commits += new
        return facts, commits, data["head"]

    def save(self, extends: bool = False) -> None:
        """Keep what was read. `extends`: the commits are those read from the rows and new ones
        after them (and the facts only grew), so only the new ones need writing."""
        from ..store.index import connect

        if not self.enabled:
            return
        db = connect(self.root)
        if db is None:
            return
        n_commits, n_facts = self.stored
        try:
            db.execute("CREATE TABLE IF NOT EXISTS git_history (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            if extends and 0 < n_commits <= len(self.commits) and self.tails < MAX_TAILS and self.head:
                # Another command may have rewritten the rows since they were read: then the next
                # read finds this row does not follow on from the one before it, and starts afresh.
                tail = {"from": self.read_head, "head": self.head,
                        "facts": {k: [f.type, f.stage, f.converted_to, f.close_date]
                                  for k, f in list(self.facts.items())[n_facts:]},
                        "commits": self.commits[n_commits:]}
                db.execute("INSERT INTO git_history VALUES (?, ?)",
                           (f"log+{self.tails + 1}", json.dumps(tail, separators=(",", ":"))))
                self._saved(self.tails + 1)
                return
            data = {"version": CACHE_VERSION, "head": self.head, "prefix": self.prefix,
                    "facts": {k: [f.type, f.stage, f.converted_to, f.close_date] for k, f in self.facts.items()},
                    "commits": self.commits}
            db.execute("BEGIN IMMEDIATE")
            db.execute("DELETE FROM git_history WHERE k LIKE 'log+%'")
            db.execute("INSERT OR REPLACE INTO git_history VALUES ('log', ?)", (json.dumps(data, separators=(",", ":")),))
            db.execute("COMMIT")
            self._saved(0)
        except (sqlite3.Error, UnicodeEncodeError, ValueError, KeyError, TypeError):
            if db.in_transaction:
                db.rollback()
            # a history that cannot be kept is only read again next time
        finally:
            db.close()


PIPELINE_FOLDERS = tuple(FOLDERS[t] + "/" for t in PIPELINE_TYPES)  # leads/, opportunities/, issues/

_READ: dict | None = None  # while `read_once` holds: (vault root, HEAD, use_cache) -> the HistoryCache read


@contextmanager
def read_once(on: bool = True):
    """Within it, the loads of one vault's history at one HEAD share the history read (the kept
    rows and the log since), as `check --history` loads it twice: for the files a new commit
    touched, then for the audit of every commit."""
    global _READ
    _READ = {} if on else None
    try:
        yield
    finally:
        _READ = None


def load_history(vault_root: Path, *, use_cache: bool = True,
                 relevant: dict[str, str] | None = None, only: bool = False) -> History | None:
    """All committed versions of the vault's files, or None outside a git repository
    (GitUnusable when git cannot use the one there is).

    Only the pipeline types (leads, opportunities, issues) have rules in history, so only their
    versions are read: those of files that are one now (`relevant`: their paths and current blob
    ids) or that ever lived in their folders. A file committed once and unchanged since needs no reading:
    its one version says what the file says. Without `relevant`, every version is read.

    `only`: the history of the `relevant` files is all that is asked for (a quick check of the
    files a new commit touched): the other files' versions and the deleted files' are not made,
    so the walk's work follows those files rather than the whole history. When a relevant file
    has no history under its name (new, or renamed and not committed yet), the whole is read.
    """
    repo = Repo.locate(vault_root)
    if repo is None:
        return None
    head = repo.head_sha
    if head is None:
        return History(repo, None)
    cache = _READ.get((str(vault_root), head, use_cache)) if _READ is not None else None
    if cache is None:
        cache = HistoryCache(vault_root, use_cache)
        if _READ is not None:
            _READ[(str(vault_root), head, use_cache)] = cache
    # A shallow clone's log lacks its oldest commits: read it whole each time, and keep no head
    # for it, so a log cached while shallow is never taken for the whole after `git fetch --unshallow`.
    commits = cache.commits if (cache.prefix == repo.prefix and cache.head and not repo.shallow) else []
    since = cache.head if commits else None
    if since and since != head:
        try:
            repo.git("merge-base", "--is-ancestor", since, head)
        except GitError:  # history was rewritten: read it all again
            commits, since = [], None
    if since != head:
        commits += repo.log(since)
    history = History(repo, head)
    keep = _renamed_with(commits, repo, relevant) if only and relevant is not None else \
        _paths_to_follow(commits, repo, relevant)

    def follow(old: str, new: str) -> bool:
        return keep is None or old in keep or new in keep or new.startswith(keep.folders)

    from ..store.dotfolder import no_gc
    from .lineage import walk

    with no_gc():  # many small linked objects: the cyclic GC would only slow this down
        history.lines, history.gone = walk(commits, repo.vault_path, follow)
    if only and relevant is not None:
        if any(p not in history.lines for p in relevant):
            return load_history(vault_root, use_cache=use_cache, relevant=relevant)
        history.lines, history.gone = {p: history.lines[p] for p in relevant}, []
    needed = give_facts(history, repo, cache, relevant)
    extends = commits is cache.commits and cache.prefix == repo.prefix  # the cached log and new commits after it
    cache.commits, cache.head, cache.prefix = commits, None if repo.shallow else head, repo.prefix
    if needed or since != head:
        cache.save(extends)
    return history


def give_facts(history: History, repo: Repo, cache: "HistoryCache", relevant: dict[str, str] | None) -> list[str]:
    """Give the versions the rules read their facts (from the cache, else parsed from their blobs,
    which the cache then keeps): every version (`relevant` None), else those of the relevant files
    and of the pipeline folders' files with more than one version. Returns the blobs read."""
    folders = _pipeline_folders(relevant)
    wanted = [v for path, line in history.lines.items() for v in line
              if relevant is None or ((path in relevant or _in_pipeline_folder(line, folders))
                                      and (len(line) > 1 or relevant.get(path) != line[0].blob))]
    wanted += [v for line in history.gone for v in line
               if relevant is None or (len(line) > 1 and _in_pipeline_folder(line, folders))]
    needed = sorted({v.blob for v in wanted if v.blob and v.blob not in cache.facts})
    for sha, data in repo.blobs(needed).items():
        cache.facts[sha] = facts_of(data)
    for v in wanted:
        if v.blob:
            v.facts = cache.facts.get(v.blob)
    return needed


def pipeline_paths(vault) -> dict[str, str]:
    """The paths of the vault's records with a pipeline (the files whose history has rules),
    with their current blob ids."""
    return {r.path: r.blob for t in vault.config.types.pipeline_types for r in vault.of_type(t)}


class _Keep(set):
    folders: tuple[str, ...] = ()


def _paths_to_follow(commits: list[dict], repo: Repo, relevant: dict[str, str] | None) -> "_Keep | None":
    """The repository paths whose history can matter: the relevant files now, every path they
    had before a rename, and anything in the pipeline folders. None: follow everything."""
    if relevant is None:
        return None
    keep = _Keep(repo.prefix + p for p in relevant)
    keep.folders = tuple(repo.prefix + f for f in _pipeline_folders(relevant))
    renames = [(old, new) for c in commits for status, old, new, _ in c["x"] if status == "R"]
    for old, new in reversed(renames):  # newest first, so chains of renames are followed back
        if new in keep or new.startswith(keep.folders):
            keep.add(old)
    return keep


def _renamed_with(commits: list[dict], repo: Repo, relevant: dict[str, str]) -> _Keep:
    """The repository paths of the relevant files now and of every file joined to one of them by
    renames, either way (a file both sides of a merge renamed is one file under both new names)."""
    group: dict[str, str] = {}

    def root(p: str) -> str:
        while group.get(p, p) != p:
            group[p] = group.get(group[p], group[p])
            p = group[p]
        return p

    for c in commits:
        for status, old, new, _ in c["x"]:
            if status == "R":
                group[root(old)] = root(new)
    wanted = {root(repo.prefix + p) for p in relevant}
    keep = _Keep(repo.prefix + p for p in relevant)
    keep.update(p for p in group if root(p) in wanted)
    return keep


def _pipeline_folders(relevant: dict[str, str] | None) -> tuple[str, ...]:
    """The built-in pipeline folders and those of the relevant files (a declared type's folder:
    salesmd.yaml's `types:` may give a type a pipeline)."""
    return PIPELINE_FOLDERS + tuple(sorted({p.rsplit("/", 1)[0] + "/" for p in relevant or () if "/" in p}
                                           - set(PIPELINE_FOLDERS)))


def _in_pipeline_folder(line: list[Version], folders: tuple[str, ...] = PIPELINE_FOLDERS) -> bool:
    return any(v.path.startswith(folders) for v in line)


def front_matter_data(data: bytes) -> dict:
    """A version's whole front matter as a dict ({} when it cannot be read)."""
    try:
        parts = frontmatter.split(data.decode("utf-8"))
    except UnicodeDecodeError:
        return {}
    if not parts.has_front_matter or parts.unclosed:
        return {}
    parsed = frontmatter.parse_yaml(parts.yaml_text)
    return parsed.data if isinstance(parsed.data, dict) else {}


def file_versions(repo: Repo, vault_path: str) -> list[tuple[Commit, str, bytes | None, bytes | None]]:
    """Every commit that touched one file, oldest first, following renames: (commit, path, bytes,
    the bytes in that commit's parent), so each change is told against what it really changed,
    not against whichever commit happens to be listed before it (another branch's, say)."""
    raw = repo.git("log", "--follow", "-z", "--raw", "--no-abbrev", "-M", "--no-merges", "--full-history",
                   "--format=%x01%H%x1f%at%x1f%an%x1f%s", "HEAD", "--", repo.prefix + vault_path)
    entries = []
    for chunk in raw.split(b"\x01")[1:]:
        header, _, rest = chunk.partition(b"\0")
        sha, at, author, subject = header.decode("utf-8", "replace").split("\x1f", 3)
        tokens = rest.lstrip(b"\n").split(b"\0")
        meta = tokens[0].decode() if tokens and tokens[0].startswith(b":") else None
        if meta is None:
            continue
        fields = meta[1:].split()
        path = tokens[2 if fields[4][0] in "RC" else 1].decode("utf-8", "surrogateescape")
        blob = None if fields[3] == ZERO else fields[3]
        parent = None if fields[2] == ZERO else fields[2]
        entries.append((Commit(sha, int(at), author, subject), repo.vault_path(path) or path, blob, parent))
    entries.reverse()
    blobs = repo.blobs(sorted({b for _, _, blob, parent in entries for b in (blob, parent) if b}))
    return [(c, p, blobs.get(b) if b else None, blobs.get(parent) if parent else None)
            for c, p, b, parent in entries]


def head_version(repo: Repo, vault_path: str) -> bytes | None:
    """The file as HEAD has it, or None."""
    try:
        sha = repo.git("rev-parse", "-q", "--verify", f"HEAD:{repo.prefix}{vault_path}").decode().strip()
    except GitError:
        return None
    return repo.blobs([sha]).get(sha) if sha else None

"""A thin git wrapper: one `git log` pass and one `git cat-file --batch`, nothing mocked.

What the process rules need from history is small: for every version of every record file, its
type, stage and `converted_to`. Those facts are parsed once per blob and cached under .salesmd/
by blob id, and the log is read incrementally from the last commit seen, so a new commit costs
about what its changed files cost.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import frontmatter
from .edit import atomic_write

CACHE_VERSION = 3
ZERO = "0" * 40


class GitError(Exception):
    pass


class GitUnusable(GitError):
    """A repository is there but git cannot read it: what is wrong, and the fix, for the user."""

    def __init__(self, code: str, what: str, fix: str):
        super().__init__(f"{what}; {fix}")
        self.code, self.what, self.fix = code, what, fix


def _git_marker(start: Path) -> Path | None:
    """The .git (folder, file or link) at or above `start` that git would use, or None: whether
    there is a repository at all, asked without git (which may be missing or refuse it)."""
    if os.environ.get("GIT_DIR"):
        return Path(os.environ["GIT_DIR"])
    start = Path(os.path.abspath(start))
    for folder in (start, *start.parents):
        if os.path.lexists(folder / ".git"):
            return folder / ".git"
    return None


def _unusable(vault_root: Path, returncode: int | None, stderr: bytes) -> GitUnusable | None:
    """Why git could not use the repository holding `vault_root` (None: there is none).

    Told by exit codes and the stable config name `safe.directory`, not by git's wording."""
    marker = _git_marker(vault_root)
    if marker is None:
        return None
    top = marker.parent if marker.name == ".git" else marker
    if returncode is None:
        return GitUnusable("git-missing", f"{top} is a git repository but git is not installed or not on PATH",
                           "install git (or add it to PATH)")
    if b"safe.directory" in stderr:
        return GitUnusable("git-refused", f"git refused the repository at {top}: it belongs to another user "
                                          "(git's 'dubious ownership' check)",
                           f"if you trust it, run: git config --global --add safe.directory {top}")
    said = stderr.decode("utf-8", "replace").strip().splitlines()
    return GitUnusable("git-unreadable", f"git cannot read the repository at {top}"
                                         f"{' (' + said[0] + ')' if said else ''}: its .git is damaged",
                       f"run `git fsck` in {top} to see what is broken, or clone it again")


def run_git(cwd: Path, *args: str, input: bytes | None = None) -> bytes:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, input=input, capture_output=True)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if out.returncode != 0:
        said = (out.stderr or out.stdout).decode("utf-8", "replace").strip()
        raise GitError(said or f"git {args[0]} failed")
    return out.stdout


def raw_changes(raw: bytes) -> list[tuple[str, str, str, str | None]]:
    """git's `--raw -z` entries: (status letter, old path, new path, new blob or None)."""
    tokens = raw.split(b"\0")
    changes = []
    i = 0
    while i < len(tokens):
        meta = tokens[i].decode()
        if not meta.startswith(":"):
            i += 1
            continue
        fields = meta[1:].split()
        new_blob, status = fields[3], fields[4][0]
        if status in "RC":
            old, new = (t.decode("utf-8", "surrogateescape") for t in tokens[i + 1:i + 3])
            i += 3
        else:
            old = new = tokens[i + 1].decode("utf-8", "surrogateescape")
            i += 2
        changes.append((status, old, new, None if new_blob == ZERO else new_blob))
    return changes


@dataclass(frozen=True)
class Commit:
    sha: str
    time: int  # author time, seconds since the epoch
    author: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:7]

    @property
    def date(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.time).date()

    def label(self) -> str:
        return f"{self.short} ({self.date.isoformat()})"


@dataclass(frozen=True)
class Facts:
    """What the rules need of one version of a file."""

    type: str | None = None
    stage: str | None = None
    converted_to: str | None = None  # casefolded link target


@dataclass(eq=False)
class Version:
    commit: Commit
    path: str  # relative to the vault root
    blob: str | None
    facts: Facts | None = None
    parents: list["Version"] = field(default_factory=list)  # made from: the parent's version, or each side's
    seq: int = 0  # the order versions were made in: a version's parents come before it


def facts_of(data: bytes) -> Facts:
    """Parse a file's front matter just enough for the rules; bad files give empty facts."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Facts()
    parts = frontmatter.split(text)
    if not parts.has_front_matter or parts.unclosed:
        return Facts()
    parsed = frontmatter.parse_yaml(parts.yaml_text)
    if not isinstance(parsed.data, dict):
        return Facts()
    from .model import parse_link

    d = parsed.data
    link = parse_link(d.get("converted_to"))
    stage = d.get("stage")
    return Facts(d.get("type") if isinstance(d.get("type"), str) else None,
                 stage if isinstance(stage, str) else None,
                 link.key if link else None)


@dataclass
class Repo:
    """The git repository that holds a vault (the vault may be a sub-folder of it)."""

    top: Path
    prefix: str  # the vault's folder relative to `top`, "" or ending in "/"

    head_sha: str | None = None  # HEAD when the repository was found (None: no commits yet)
    index_path: Path | None = None  # the staging area's file (.git/index)

    shallow: bool = False  # a shallow clone (`git clone --depth N`): the oldest commits are missing

    @classmethod
    def find(cls, vault_root: Path) -> "Repo | None":
        """The repository, or None when there is none or git cannot use it (see `locate`)."""
        try:
            return cls.locate(vault_root)
        except GitError:
            return None

    @classmethod
    def locate(cls, vault_root: Path) -> "Repo | None":
        """The repository, None outside one; GitUnusable when there is one git cannot use
        (git missing, the repository refused as another user's, or damaged)."""
        try:
            done = subprocess.run(["git", "rev-parse", "--show-toplevel", "--git-path", "index",
                                   "--is-shallow-repository"], cwd=vault_root, capture_output=True)
        except OSError:
            done = None
        if done is None or done.returncode != 0:
            problem = _unusable(vault_root, done and done.returncode, done.stderr if done else b"")
            if problem is not None:
                raise problem
            return None
        out = done.stdout.decode("utf-8", "surrogateescape").splitlines()
        top_path = Path(out[0]).resolve()
        rel = vault_root.resolve().relative_to(top_path).as_posix()
        repo = cls(top_path, "" if rel == "." else rel + "/")
        repo.index_path = (Path(vault_root) / out[1]).resolve()
        repo.shallow = out[2:3] == ["true"]
        repo.head_sha = repo.head()
        return repo

    def index_stamp(self) -> str:
        """Changes whenever the staging area is written (add, mv, commit, status)."""
        try:
            st = os.stat(self.index_path) if self.index_path is not None else None
        except OSError:
            st = None
        return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}" if st is not None else ""

    def git(self, *args: str, input: bytes | None = None) -> bytes:
        return run_git(self.top, *args, input=input)

    def head(self) -> str | None:
        try:
            return self.git("rev-parse", "--verify", "-q", "HEAD").decode().strip()
        except GitError:
            return None

    def vault_path(self, repo_path: str) -> str | None:
        if not repo_path.startswith(self.prefix):
            return None
        return repo_path[len(self.prefix):]

    def log(self, since: str | None = None) -> list[dict]:
        """Every commit, parents first: {"c": [sha, author time, author, subject], "p": [parent
        ids], "x": [its changes against its first parent: (status, old path, new path, new blob)]}.

        Every commit, not only those touching the vault, so each commit's parents are listed too."""
        rev = f"{since}..HEAD" if since else "HEAD"
        relative = [f"--relative={self.prefix}"] if self.prefix else []
        raw = self.git("log", "-z", "--raw", "--no-abbrev", "-M", "--reverse", "--topo-order",
                       "--diff-merges=first-parent", *relative,
                       "--format=%x01%H%x1f%P%x1f%at%x1f%an%x1f%s", rev)
        out = []
        for chunk in raw.split(b"\x01")[1:]:
            header, _, rest = chunk.partition(b"\0")
            sha, parents, at, author, subject = header.decode("utf-8", "replace").split("\x1f", 4)
            changes = [(status, self.prefix + old, self.prefix + new, blob)
                       for status, old, new, blob in raw_changes(rest.lstrip(b"\n"))]
            out.append({"c": [sha, int(at), author, subject], "p": parents.split(), "x": [list(c) for c in changes]})
        return out

    def blobs(self, shas: list[str]) -> dict[str, bytes]:
        """The contents of many blobs in one `git cat-file --batch`."""
        if not shas:
            return {}
        raw = self.git("cat-file", "--batch", input=("\n".join(shas) + "\n").encode())
        out: dict[str, bytes] = {}
        pos = 0
        for sha in shas:
            nl = raw.index(b"\n", pos)
            header = raw[pos:nl].split()
            if len(header) < 3 or header[1] == b"missing":
                pos = nl + 1
                continue
            size = int(header[2])
            out[sha] = raw[nl + 1: nl + 1 + size]
            pos = nl + 1 + size + 1
        return out

    def staged(self) -> list[tuple[str, str, str | None]]:
        """Staged changes against HEAD: (status, vault path, blob or None when deleted)."""
        head = self.head()
        args = ["diff-index", "--cached", "-z", "--no-abbrev", "-M", head or "4b825dc642cb6eb9a060e54bf8d69288fbee4904"]
        raw = self.git(*args, "--", self.prefix or ".")
        out = []
        for status, _, path, blob in raw_changes(raw):
            vault_path = self.vault_path(path)
            if vault_path is not None:
                if status != "D" and blob is None:  # the index has no id for it yet: ask
                    blob = self.git("rev-parse", f":{path}").decode().strip()
                out.append((status, vault_path, None if status == "D" else blob))
        return out


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
        for status, old, new, _ in raw_changes(raw):
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
    """.salesmd/history.json: blob facts and the log already read. Never trusted when odd."""

    def __init__(self, vault_root: Path, enabled: bool = True):
        from .cache import caching_allowed

        self.path = vault_root / ".salesmd" / "history.json"
        self.enabled = enabled and caching_allowed()
        self.facts: dict[str, Facts] = {}
        self.commits: list[dict] = []
        self.head: str | None = None
        self.prefix: str | None = None
        if enabled:
            self._read()

    def _read(self) -> None:
        from .cache import no_gc

        try:
            with no_gc():
                data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("version") != CACHE_VERSION:
                return
            facts = {k: Facts(*v) for k, v in data["facts"].items()}
            commits = data["commits"]
            if not (isinstance(commits, list) and all(
                    isinstance(c, dict) and len(c["c"]) == 4 and all(len(x) == 4 for x in c["x"])
                    and all(isinstance(p, str) for p in c["p"]) for c in commits)
                    and isinstance(data["head"], str) and isinstance(data["prefix"], str)):
                raise ValueError("not a history cache of this shape")
            self.facts, self.commits, self.head, self.prefix = facts, commits, data["head"], data["prefix"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            self.facts, self.commits, self.head, self.prefix = {}, [], None, None

    def save(self) -> None:
        if not self.enabled:
            return
        data = {"version": CACHE_VERSION, "head": self.head, "prefix": self.prefix,
                "facts": {k: [f.type, f.stage, f.converted_to] for k, f in self.facts.items()},
                "commits": self.commits}
        try:
            ensure_cache_dir(self.path.parent)
            atomic_write(self.path, json.dumps(data, separators=(",", ":")))
        except OSError:
            pass  # a cache that cannot be written is only slower next time


def ensure_cache_dir(folder: Path) -> None:
    """.salesmd/ with a .gitignore of its own, so the cache never shows in `git status`."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write(ignore, "# salesmd's cache: rebuilt from the records whenever needed\n*\n")


PIPELINE_FOLDERS = ("leads/", "opportunities/")


def load_history(vault_root: Path, *, use_cache: bool = True,
                 relevant: dict[str, str] | None = None) -> History | None:
    """All committed versions of the vault's files, or None outside a git repository
    (GitUnusable when git cannot use the one there is).

    Only leads and opportunities have rules in history, so only their versions are read: those
    of files that are one now (`relevant`: their paths and current blob ids) or that ever lived
    in leads/ or opportunities/. A file committed once and unchanged since needs no reading:
    its one version says what the file says. Without `relevant`, every version is read.
    """
    repo = Repo.locate(vault_root)
    if repo is None:
        return None
    head = repo.head_sha
    if head is None:
        return History(repo, None)
    cache = HistoryCache(vault_root, use_cache)
    commits = cache.commits if (cache.prefix == repo.prefix and cache.head) else []
    since = cache.head if commits else None
    if since and since != head:
        try:
            repo.git("merge-base", "--is-ancestor", since, head)
        except GitError:  # history was rewritten: read it all again
            commits, since = [], None
    if since != head:
        commits += repo.log(since)
    history = History(repo, head)
    keep = _paths_to_follow(commits, repo, relevant)

    def follow(old: str, new: str) -> bool:
        return keep is None or old in keep or new in keep or new.startswith(keep.folders)

    from .lineage import walk

    history.lines, history.gone = walk(commits, repo.vault_path, follow)
    wanted = [v for path, line in history.lines.items() for v in line
              if relevant is None or ((path in relevant or _in_pipeline_folder(line))
                                      and (len(line) > 1 or relevant.get(path) != line[0].blob))]
    wanted += [v for line in history.gone for v in line
               if relevant is None or (len(line) > 1 and _in_pipeline_folder(line))]
    needed = sorted({v.blob for v in wanted if v.blob and v.blob not in cache.facts})
    for sha, data in repo.blobs(needed).items():
        cache.facts[sha] = facts_of(data)
    for v in wanted:
        if v.blob:
            v.facts = cache.facts.get(v.blob)
    cache.commits, cache.head, cache.prefix = commits, head, repo.prefix
    if needed or since != head:
        cache.save()
    return history


def pipeline_paths(vault) -> dict[str, str]:
    """The paths of the vault's leads and opportunities (the files whose history has rules),
    with their current blob ids."""
    return {r.path: r.blob for t in ("lead", "opportunity") for r in vault.of_type(t)}


class _Keep(set):
    folders: tuple[str, ...] = ()


def _paths_to_follow(commits: list[dict], repo: Repo, relevant: dict[str, str] | None) -> "_Keep | None":
    """The repository paths whose history can matter: the relevant files now, every path they
    had before a rename, and anything in the pipeline folders. None: follow everything."""
    if relevant is None:
        return None
    keep = _Keep(repo.prefix + p for p in relevant)
    keep.folders = tuple(repo.prefix + f for f in PIPELINE_FOLDERS)
    renames = [(old, new) for c in commits for status, old, new, _ in c["x"] if status == "R"]
    for old, new in reversed(renames):  # newest first, so chains of renames are followed back
        if new in keep or new.startswith(keep.folders):
            keep.add(old)
    return keep


def _in_pipeline_folder(line: list[Version]) -> bool:
    return any(v.path.startswith(PIPELINE_FOLDERS) for v in line)


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

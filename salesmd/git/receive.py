"""What a push brings, read from git objects alone: a bare repository has no working tree, and in
a `pre-receive` hook the pushed objects are still in git's quarantine directory, which the git
commands run here see through the environment the hook inherits (GIT_OBJECT_DIRECTORY,
GIT_ALTERNATE_OBJECT_DIRECTORIES). checks/push.py applies the rules to it.

Every read is proportional to the push: the new commits (`git log NEW --not BRANCHES`: those no
branch had before the push; a commit only a tag or another ref holds was never checked as a
branch's, so it counts as new), their changes against each parent (one `git diff-tree --stdin`), and the
blobs those changes name (one `git cat-file --batch`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .repo import ZERO, GitError, Repo, raw_entries
from .versions import Commit

# The files the checks read in full when the tip is written out; any other file is written empty
# (a plugin listed in the config must exist; a PDF beside a record need not be read).
READ_IN_FULL = (".md", ".yaml", ".yml", ".py")


@dataclass(frozen=True)
class Update:
    """One line git gives a pre-receive hook: `<old> <new> <ref>`."""

    old: str
    new: str
    ref: str

    @property
    def deleted(self) -> bool:
        return self.new == ZERO

    @property
    def created(self) -> bool:
        return self.old == ZERO

    @property
    def branch(self) -> bool:
        return self.ref.startswith("refs/heads/")

    @property
    def tag(self) -> bool:
        return self.ref.startswith("refs/tags/")


OBJECT_ID = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1, or SHA-256 in a repository that uses it


def read_updates(text: str) -> list[Update]:
    """The hook's standard input, one `<old> <new> <ref>` line per ref (ValueError: a line that is not)."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3 or not all(OBJECT_ID.fullmatch(p) for p in parts[:2]):
            raise ValueError(f"line {n} of standard input is not `<old> <new> <ref>` as git gives a "
                             f"pre-receive hook: {line[:80]!r}")
        out.append(Update(*parts))
    return out


@dataclass(frozen=True)
class Change:
    """One file changed by a commit against one of its parents (repository paths)."""

    status: str  # git's letter: A, M, D, R, C, T
    old_path: str
    new_path: str
    old_blob: str | None
    new_blob: str | None
    parent: str | None  # the parent commit the change is told against (None: a root commit)


@dataclass
class Pushed:
    """A commit the push brings, with its changes against each of its parents."""

    commit: Commit
    parents: list[str]
    changes: list[Change]


class Receiving:
    """A repository receiving a push (bare or not), its vault at `prefix` ("" or "crm/")."""

    def __init__(self, git_dir: Path, prefix: str = ""):
        self.repo = Repo(Path(git_dir), prefix)
        self.prefix = prefix
        self.accepted: list[str] | None = None  # see accept_branches

    def git(self, *args: str, input: bytes | None = None) -> bytes:
        return self.repo.git(*args, input=input)

    def accept_branches(self, updates: list[Update]) -> None:
        """What counts as already checked: the branches' tips as the repository had them before
        the push (a branch this push updates at its old tip, as git gives it). Tags and other refs
        are left out: what only they hold was never held to the rules as a branch's."""
        updated = {u.ref: u for u in updates if u.branch}
        raw = self.git("for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/").decode()
        tips = {sha for sha, _, ref in (line.partition(" ") for line in raw.splitlines()) if sha and ref not in updated}
        tips |= {u.old for u in updated.values() if not u.created}
        self.accepted = sorted(tips)

    def new_commits(self, new: str) -> list[Pushed]:
        """The commits reachable from `new` that no branch had before the push, parents first."""
        if self.accepted is None:
            self.accept_branches([])
        raw = self.git("log", "-z", "--reverse", "--topo-order", "--format=%H%x1f%P%x1f%at%x1f%an%x1f%s",
                       new, "--stdin", input="".join(f"^{sha}\n" for sha in self.accepted).encode())
        commits = []
        for entry in raw.decode("utf-8", "replace").split("\0"):
            if not entry.strip():
                continue
            sha, parents, at, author, subject = entry.strip("\n").split("\x1f", 4)
            commits.append(Pushed(Commit(sha, int(at), author, subject), parents.split(), []))
        self._fill_changes(commits)
        return commits

    def _fill_changes(self, commits: list[Pushed]) -> None:
        """Each commit's changes against each parent (a root commit: against nothing), in one
        `git diff-tree --stdin --always`, which prints one header per line it is given."""
        asked: list[tuple[Pushed, str | None]] = []
        lines = []
        for p in commits:
            for parent in p.parents or [None]:
                lines.append(p.commit.sha if parent is None else f"{p.commit.sha} {parent}")
                asked.append((p, parent))
        if not lines:
            return
        raw = self.git("diff-tree", "--stdin", "--always", "--root", "-r", "-z", "--no-abbrev", "-M", "--raw",
                       input=("\n".join(lines) + "\n").encode())
        current = -1
        for entry in raw_entries(raw):
            if isinstance(entry, str):  # the header of the next line asked
                current += 1
                continue
            status, old, new, old_blob, new_blob, _ = entry
            if 0 <= current < len(asked) and (new.startswith(self.prefix) or old.startswith(self.prefix)):
                pushed, parent = asked[current]
                pushed.changes.append(Change(status, old, new, old_blob, new_blob, parent))

    def base(self, old: str | None, new: str, commits: list[Pushed]) -> str | None:
        """What the ref was before the push: its old tip; for a new ref (`old` None), the newest
        commit the repository had that the push builds on (None: the push brings the whole history)."""
        if old is not None:
            return old
        pushed = {p.commit.sha for p in commits}
        for p in reversed(commits):
            for parent in p.parents:
                if parent not in pushed:
                    return parent
        return None if commits else new

    def peeled(self, sha: str) -> str | None:
        """The commit `sha` is or points at (an annotated tag), None when it is no commit."""
        try:
            return self.git("rev-parse", "-q", "--verify", f"{sha}^{{commit}}").decode().strip() or None
        except GitError:
            return None

    def changes_between(self, old: str, new: str) -> list[Change]:
        """The vault's files that differ between commits `old` and `new`, renames followed (as
        _fill_changes reads a commit against a parent: here `old` plays the parent)."""
        pushed = Pushed(Commit(new, 0, "", ""), [old], [])
        self._fill_changes([pushed])
        return pushed.changes

    def is_ancestor(self, old: str, new: str) -> bool:
        try:
            self.git("merge-base", "--is-ancestor", old, new)
        except GitError:
            return False
        return True

    def has_object(self, sha: str) -> bool:
        try:
            self.git("cat-file", "-e", sha)
        except GitError:
            return False
        return True

    def has_vault(self, sha: str) -> bool:
        try:
            self.git("cat-file", "-e", f"{sha}:{self.prefix}salesmd.yaml")
        except GitError:
            return False
        return True

    def blobs(self, shas: list[str]) -> dict[str, bytes]:
        return self.repo.blobs(shas)

    def changed_paths(self, base: str | None, new: str) -> set[str]:
        """Repository paths that differ between `base` and `new` (all of `new`'s without a base)."""
        if base is None:
            raw = self.git("ls-tree", "-r", "-z", "--name-only", new)
        else:
            raw = self.git("diff-tree", "-r", "-z", "--name-only", "--no-renames", base, new)
        return {t.decode("utf-8", "surrogateescape") for t in raw.split(b"\0") if t}

    def commit(self, sha: str) -> Commit:
        out = self.git("log", "-1", "--format=%H%x1f%at%x1f%an%x1f%s", sha).decode("utf-8", "replace").strip()
        sha, at, author, subject = out.split("\x1f", 3)
        return Commit(sha, int(at), author, subject)

    def last_changes(self, new: str, base: str | None) -> dict[str, Commit]:
        """Repository path -> the newest commit reachable from `new` (not from `base`) that changed
        it, in one `git log` pass (a merge's own resolutions are not listed: its sides' commits are)."""
        raw = self.git("log", "-z", "--name-only", "--no-renames", "--format=%x01%H%x1f%at%x1f%an%x1f%s",
                       new, *(["--not", base] if base else []))
        out: dict[str, Commit] = {}
        for chunk in raw.split(b"\x01")[1:]:
            header, _, rest = chunk.partition(b"\0")
            sha, at, author, subject = header.decode("utf-8", "replace").split("\x1f", 3)
            commit = Commit(sha, int(at), author, subject)
            for name in rest.strip(b"\n").split(b"\0"):
                if name.strip(b"\n"):
                    out.setdefault(name.strip(b"\n").decode("utf-8", "surrogateescape"), commit)
        return out

    def last_change(self, rev: str, path: str, exclude: str | None = None) -> Commit | None:
        """The newest commit reachable from `rev` (and not from `exclude`) that changed `path`."""
        args = ["log", "-1", "--format=%H%x1f%at%x1f%an%x1f%s", rev] + (["--not", exclude] if exclude else [])
        try:
            out = self.git(*args, "--", path).decode("utf-8", "replace").strip()
        except GitError:
            return None
        if not out:
            return None
        sha, at, author, subject = out.split("\x1f", 3)
        return Commit(sha, int(at), author, subject)

    def tree_entries(self, sha: str) -> dict[str, tuple[str, str]]:
        """The vault's files in commit `sha`: vault path -> (git mode, blob id); hidden folders,
        submodules and any path that would leave the vault are left out."""
        raw = self.git("ls-tree", "-r", "-z", "--full-tree", sha, *([self.prefix] if self.prefix else []))
        entries = {}
        for token in raw.split(b"\0"):
            if not token:
                continue
            meta, _, name = token.partition(b"\t")
            mode, kind, blob = meta.decode().split()
            rel = name.decode("utf-8", "surrogateescape")[len(self.prefix):]
            parts = PurePosixPath(rel).parts
            if kind != "blob" or not parts or rel.startswith("/") or any(p.startswith(".") for p in parts):
                continue
            entries[rel] = (mode, blob)
        return entries


class WrittenTree:
    """The vault as one commit has it, written out as files for the checks to read: its Markdown,
    YAML and Python files whole, any other file empty, symbolic links as links, save those that
    lead outside the written tree: they are not written at all (`outside` lists them), so nothing
    the checks read comes from outside it.

    Kept in the receiving repository (`folder`, under its git directory) from one push to the
    next with a manifest of the blob each file was written from, so a push rewrites only the
    files that differ and the check's own index (in the tree's .salesmd/) stays warm. The manifest
    names blobs, not commits: a refused push's objects are gone afterwards, its files are not.
    A lock keeps two pushes from writing it at once; anything odd about it starts it afresh."""

    def __init__(self, receiving: Receiving, folder: Path):
        self.receiving = receiving
        self.folder = folder
        self.root = folder / "vault"
        self.manifest = folder / "manifest.json"
        self.outside: list[str] = []  # the links the last write left out: they lead outside the tree

    def write(self, sha: str) -> Path:
        entries = self.receiving.tree_entries(sha)
        try:
            had = json.loads(self.manifest.read_text())
            if not isinstance(had, dict) or not self.root.is_dir():
                raise ValueError("not a manifest")
        except (OSError, ValueError):
            shutil.rmtree(self.root, ignore_errors=True)
            had = {}
        self.manifest.unlink(missing_ok=True)  # until the files match it again
        for rel in had.keys() - entries.keys():
            (self.root / rel).unlink(missing_ok=True)
        changed = {rel: e for rel, e in entries.items() if had.get(rel) != list(e)}
        wanted = [blob for rel, (mode, blob) in changed.items() if mode == "120000" or rel.lower().endswith(READ_IN_FULL)]
        contents = self.receiving.blobs(sorted(set(wanted)))
        for rel, (mode, blob) in changed.items():
            path = self.root / rel
            parents = PurePosixPath(rel).parents
            if any((self.root / p).is_symlink() for p in parents if str(p) != "."):
                raise OSError(f"{rel}: a folder of it is a symbolic link")  # written afresh, never through a link
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.is_symlink() or path.exists():
                path.unlink()
            if mode == "120000":
                target = contents.get(blob, b"").decode("utf-8", "surrogateescape")
                if self._inside(os.path.join(path.parent, target)):
                    os.symlink(target, path)
            else:
                path.write_bytes(contents.get(blob, b""))
        links = [rel for rel, (mode, _) in entries.items() if mode == "120000"]
        while True:  # a link written inside can lead out through one written after it (a -> d/../x, d -> .)
            out = [rel for rel in links if (self.root / rel).is_symlink() and not self._inside(self.root / rel)]
            if not out:
                break
            for rel in out:
                (self.root / rel).unlink()
        self.outside = sorted(rel for rel in links if not (self.root / rel).is_symlink())
        self.manifest.write_text(json.dumps({rel: list(e) for rel, e in entries.items()}))
        return self.root

    def _inside(self, path: Path | str) -> bool:
        """Whether `path`, its links followed, stays in the written tree."""
        return Path(os.path.realpath(path)).is_relative_to(self.root.resolve())

    @contextmanager
    def locked(self):
        """One push at a time writes and checks the tree (other pushes wait)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "lock", "a") as handle:
            try:
                import fcntl
            except ImportError:  # not on a POSIX system: no other hook runs here at once, or so we hope
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

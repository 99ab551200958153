"""git itself: finding the repository that holds a vault (and telling when git cannot use it),
running git, and reading its log and blobs. history.py builds the vault's history from these."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from typing import Iterator
from pathlib import Path

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


LINK_MODE = "120000"  # git's file mode of a symbolic link
LINK = "link"  # Repo.staged's word for a staged symbolic link


def raw_entries(raw: bytes) -> Iterator[str | tuple]:
    """git's `--raw -z` output as it comes: each header line as a str (`diff-tree --stdin` prints
    one per line it is given), each change as (status letter, old path, new path, old blob or
    None, new blob or None, new mode)."""
    tokens = raw.split(b"\0")
    i = 0
    while i < len(tokens):
        meta = tokens[i].decode("utf-8", "surrogateescape").strip("\n")
        if not meta.startswith(":"):
            if meta:
                yield meta
            i += 1
            continue
        fields = meta[1:].split()
        old_blob, new_blob, status = fields[2], fields[3], fields[4][0]
        if status in "RC":
            old, new = (t.decode("utf-8", "surrogateescape") for t in tokens[i + 1:i + 3])
            i += 3
        else:
            old = new = tokens[i + 1].decode("utf-8", "surrogateescape")
            i += 2
        yield status, old, new, None if old_blob == ZERO else old_blob, None if new_blob == ZERO else new_blob, fields[1]


def raw_changes(raw: bytes, old_blobs: bool = False) -> list[tuple]:
    """git's `--raw -z` changes: (status letter, old path, new path, new blob or None, new mode),
    and the old blob or None after them when `old_blobs`."""
    return [(status, old, new, new_blob, mode) + ((old_blob,) if old_blobs else ())
            for entry in raw_entries(raw) if not isinstance(entry, str)
            for status, old, new, old_blob, new_blob, mode in (entry,)]


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

    def log(self, since: str | None = None, tip: str = "HEAD", old_blobs: bool = False) -> list[dict]:
        """Every commit, parents first: {"c": [sha, author time, author, subject], "p": [parent
        ids], "x": [its changes against its first parent: (status, old path, new path, new blob)]}.

        Every commit, not only those touching the vault, so each commit's parents are listed too;
        up to `tip` (a commit id), HEAD by default. With `old_blobs` each change also ends with
        the blob it changed (None: added)."""
        rev = f"{since}..{tip}" if since else tip
        relative = [f"--relative={self.prefix}"] if self.prefix else []
        raw = self.git("log", "-z", "--raw", "--no-abbrev", "-M", "--reverse", "--topo-order",
                       "--diff-merges=first-parent", *relative,
                       "--format=%x01%H%x1f%P%x1f%at%x1f%an%x1f%s", rev)
        out = []
        for chunk in raw.split(b"\x01")[1:]:
            header, _, rest = chunk.partition(b"\0")
            sha, parents, at, author, subject = header.decode("utf-8", "replace").split("\x1f", 4)
            changes = [(status, self.prefix + old, self.prefix + new, blob, *was)
                       for status, old, new, blob, _, *was in raw_changes(rest.lstrip(b"\n"), old_blobs)]
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
        """Staged changes against HEAD: (status, vault path, blob or None when deleted, or
        LINK when a symbolic link is staged: its blob is the path it leads to, not a record, so
        the file is read from the work tree, where the link is followed as a full check does)."""
        head = self.head()
        args = ["diff-index", "--cached", "-z", "--no-abbrev", "-M", head or "4b825dc642cb6eb9a060e54bf8d69288fbee4904"]
        raw = self.git(*args, "--", self.prefix or ".")
        out = []
        for status, _, path, blob, mode in raw_changes(raw):
            vault_path = self.vault_path(path)
            if vault_path is not None and status != "D" and mode == LINK_MODE:
                out.append((status, vault_path, LINK))
            elif vault_path is not None:
                if status != "D" and blob is None:  # the index has no id for it yet: ask
                    blob = self.git("rev-parse", f":{path}").decode().strip()
                out.append((status, vault_path, None if status == "D" else blob))
        return out

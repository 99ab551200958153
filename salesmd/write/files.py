"""Guarded, atomic writes: every command that writes a file goes through here.

A write goes to a temporary file in the same folder, is fsynced, takes the original's mode and
replaces the original by rename, so a reader sees the old file or the new one, never half of one.
A write that was planned against a file's content refuses if the file changed on disk since.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable


class WriteError(Exception):
    """A write that was refused (the file changed, already exists, or cannot be written)."""


class ReadOnlyError(WriteError, PermissionError):
    """The file to replace is read-only: its owner said not to change it, so salesmd does not."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Snapshot:
    """A file's bytes as read, to guard the write that follows."""

    path: Path
    data: bytes

    @classmethod
    def read(cls, path: Path) -> "Snapshot":
        return cls(path, path.read_bytes())

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


def atomic_write(path: Path, content: str | bytes, *, expect: Snapshot | None = None,
                 create: bool = False, before_rename: Callable[[], None] | None = None) -> None:
    """Write `content` to `path` atomically.

    expect: refuse unless the file still holds exactly the bytes of this snapshot.
    create: refuse if the file exists (a new record never replaces another).
    before_rename: called just before the new file takes the name (a change set's crash point).
    A read-only file (no write permission) is refused, never replaced behind its owner's back.
    """
    install(path, stage(path, content, create=create), expect=expect, create=create, before_rename=before_rename)


def stage(path: Path, content: str | bytes, *, create: bool = False, durable: bool = True) -> Path:
    """The first half of a write: the new content in a temporary file beside `path`, with the
    mode `path` has (or a new file's), fsynced unless `durable` is False (a bulk write syncs its
    staged files all at once, see sync_all). Refuses as atomic_write does."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    path = Path(path)
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    mode = None
    if path.exists():
        if create:
            raise WriteError(f"{path} already exists; nothing was written")
        mode = require_writable(path, str(path), path.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def install(path: Path, tmp: Path, *, expect: Snapshot | None = None, create: bool = False,
            before_rename: Callable[[], None] | None = None, durable: bool = True) -> None:
    """The second half of a write: the staged file `tmp` takes `path`'s name (guarded by `expect`
    and `create` as in atomic_write); `tmp` is removed if it cannot."""
    path = Path(path)
    try:
        if expect is not None:
            require_content(path, expect.data)
        if before_rename is not None:
            before_rename()
        if create:
            # link() fails if the name exists, unlike rename(): no race with another writer
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise WriteError(f"{path} already exists; nothing was written") from None
            except OSError:
                if path.exists():
                    raise WriteError(f"{path} already exists; nothing was written") from None
                os.replace(tmp, path)
            else:
                os.unlink(tmp)
        else:
            os.replace(tmp, path)
        if durable:
            fsync_dir(path.parent)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def require_content(path: Path, data: bytes) -> None:
    """Refuse (WriteError) unless the file still holds exactly `data`, as it did when it was read."""
    try:
        current = path.read_bytes()
    except FileNotFoundError:
        current = None
    if current != data:
        raise WriteError(f"{path} changed on disk since it was read; nothing was written (run the command again)")


def require_writable(path: Path, where: str, name: str) -> int:
    """The file's mode; refuses (ReadOnlyError) a read-only file: its owner said not to change it."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & 0o222 or not os.access(path, os.W_OK):
        raise ReadOnlyError(f"{where}: error: {name} is read-only (mode {mode:04o}); nothing was written "
                            "(chmod u+w lets salesmd change it)")
    return mode


def sync_all(paths: list[Path]) -> None:
    """Make the content of many files durable at once: one sync() where the system has it (a
    bulk import wrote 8,800 files with an fsync each: most of its time), else one fsync each."""
    if hasattr(os, "sync"):
        os.sync()
        return
    for path in paths:  # pragma: no cover - Windows
        with open(path, "rb+") as f:
            os.fsync(f.fileno())


def fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def unified_diff(rel: str, before: str, after: str) -> str:
    """The change as `git diff` would show it, for --dry-run."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{rel}" if before else "/dev/null", tofile=f"b/{rel}",
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)

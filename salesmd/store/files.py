"""Reading one file safely: never a FIFO, a device or more than a limit of bytes; why a path is not a file."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


class NotAFile(OSError):
    """The path is a folder, a FIFO, a socket or a device, not a file to read."""


class TooLarge(OSError):
    def __init__(self, size: int):
        super().__init__(f"{size} bytes")
        self.size = size


# O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just after
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _kind(mode: int) -> str:
    return ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a regular file")


def read_regular(path: str, limit: int | None = None) -> bytes:
    """The bytes of a regular file; never waits on a FIFO or reads a device (NotAFile), nor reads
    past `limit` bytes (TooLarge)."""
    fd = os.open(path, READ_FLAGS)
    with open(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(f"{_kind(info.st_mode)}, not a file")
        if limit is not None and info.st_size > limit:
            raise TooLarge(info.st_size)
        return f.read()


def why_not_a_file(root: Path, path: str) -> tuple[str, str] | None:
    """(code, message) when `path`, which the walk found not to be a plain file, cannot be read as one:
    a symbolic link that loops, leads nowhere or outside the vault, a folder, a FIFO, a device."""
    target = None
    try:
        target = os.readlink(path) if os.path.islink(path) else None
        info = os.stat(path)
    except OSError as e:
        if target is None:
            return "unreadable", f"cannot read the file: {e.strerror or e}"
        if e.errno == errno.ELOOP:
            return "unreadable", f"symbolic link to {target!r} loops back on itself; not read"
        if e.errno == errno.ENOENT:
            return "unreadable", f"symbolic link to {target!r} leads to nothing (dangling); not read"
        return "unreadable", f"symbolic link to {target!r} cannot be followed: {e.strerror or e}; not read"
    if target is not None:
        real = Path(os.path.realpath(path))
        if not real.is_relative_to(root.resolve()):
            return "path-escape", f"symbolic link leads outside the vault (to {real}); not read"
    if not stat.S_ISREG(info.st_mode):
        return "unreadable", (f"{'symbolic link to ' + repr(target) + ' leads to ' if target else 'this is '}"
                              f"{_kind(info.st_mode)}, not a file; not read")
    return None

"""The walk: every Markdown file of a vault that is read, with the stamp the index cache compares."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path
from typing import NamedTuple

from ..config import Config


class Walk(NamedTuple):
    """A walk already made: its files (path, stamp), under which configuration, begun when."""

    files: list[tuple[str, tuple[int, int] | None]]
    config_signature: str
    started_ns: int


def walk(root: Path, config: Config, sort: bool = True) -> list[tuple[str, tuple[int, int] | None]]:
    """Every `*.md` under root, minus what is never read: (posix path relative to root, stamp).

    The stamp is (mtime_ns, size) for the index cache; None for a symbolic link or anything else
    that is not a regular file (a FIFO, a device), which is always looked at again: read_file says
    what it is. Sorted by path unless not `sort`.
    """
    skip_dirs = {config.report_dir.strip("/"), "templates"}
    ignoring = bool(config.ignore)
    found: list[tuple[str, tuple[int, int] | None]] = []
    append = found.append
    stack = [("", str(root))]
    while stack:
        rel_folder, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            name = entry.name
            if name[0] == ".":
                continue
            rel = rel_folder + name
            try:
                if name.endswith(".md") and entry.is_file(follow_symlinks=False):
                    if not ignoring or not _ignored(rel, config):
                        st = entry.stat(follow_symlinks=False)
                        append((rel, (st.st_mtime_ns, st.st_size)))
                elif entry.is_dir(follow_symlinks=False):
                    if rel not in skip_dirs and not (ignoring and _ignored(rel, config)):
                        stack.append((rel + "/", entry.path))
                elif name.endswith(".md"):  # a symbolic link, a FIFO, a socket, a device
                    if not ignoring or not _ignored(rel, config):
                        append((rel, None))
            except OSError:
                continue
    if sort:
        found.sort()
    return found


def walked(rel: str, config: Config) -> bool:
    """Whether `walk` reads the file at `rel` (posix, relative, no `..`): not hidden, not in the
    site folder or templates/, not ignored by the config."""
    parts = rel.split("/")
    skip_dirs = {config.report_dir.strip("/"), "templates"}
    if any(p.startswith(".") for p in parts) or not rel.endswith(".md"):
        return False
    folders = ["/".join(parts[:n]) for n in range(1, len(parts))]
    return not any(f in skip_dirs or _ignored(f, config) for f in folders) and not _ignored(rel, config)


def _ignored(rel: str, config: Config) -> bool:
    return bool(config.ignore) and any(fnmatch.fnmatch(rel, pattern.strip("/")) or rel.startswith(pattern.strip("/") + "/")
               for pattern in config.ignore)


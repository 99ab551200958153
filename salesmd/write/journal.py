"""The write-ahead journal that makes a change set all or nothing across a crash of the process.

Before the first file of a change set is renamed into place, `.salesmd/journal` holds, fsynced,
the bytes of every file before and after the change. Only then are the files replaced, one by
one; the journal is removed once the last one is in place. A process killed on the way leaves
the journal behind, and the next salesmd command of any kind (`recover`, run before the vault is
read) settles it:

- every file is as it was before or as the change makes it: the change is rolled forward (it
  was checked and meant, and the journal holds all of it), so the vault has the whole change;
- a file is neither (edited by hand since the crash): that edit is kept, and every file the
  change already wrote is put back as it was, so the vault has none of the change;
- a journal that is not whole (killed while writing it: its checksum does not match) is ignored
  and removed: no file had been touched yet.

Either way the temporary files the killed process left beside the records are removed. Writers
and `recover` hold `.salesmd/lock` (flock), so a command never settles a journal whose writer is
still at work, and two writers never interleave.
"""

from __future__ import annotations

import base64
import json
import os
import signal
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .files import Snapshot, WriteError, atomic_write, fsync_dir, install, require_writable

try:
    import fcntl
except ImportError:  # Windows: no flock; a journal is still settled by the next command
    fcntl = None  # type: ignore[assignment]

JOURNAL = "journal"
MAGIC = "salesmd-journal 1"
KILL_ENV = "SALESMD_TEST_KILL_AT_RENAME"
_renames = 0


def crash_point() -> None:
    """Test-only: with SALESMD_TEST_KILL_AT_RENAME=k the process SIGKILLs itself just before the
    k-th rename of its change set (the journal's own counts, first and last), as a crash would."""
    global _renames
    wanted = os.environ.get(KILL_ENV)
    if not wanted:
        return
    _renames += 1
    if str(_renames) == wanted.strip():
        os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class Entry:
    rel: str  # the file written (a symbolic link's target, relative to the vault root)
    before: bytes | None  # None: the change creates the file
    after: bytes | None  # None: the change deletes the file


def _folder(root: Path) -> Path:
    return Path(root) / ".salesmd"


@contextmanager
def locked(root: Path) -> Iterator[None]:
    """Hold the vault's write lock: one writer, or one recovery, at a time."""
    from ..store.dotfolder import ensure_cache_dir

    folder = _folder(root)
    ensure_cache_dir(folder)
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _encode(message: str, entries: list[Entry]) -> bytes:
    def b64(data: bytes | None) -> str | None:
        return None if data is None else base64.b64encode(data).decode("ascii")

    from ..store.dotfolder import signature

    body = json.dumps({"message": message, "files": [
        {"rel": e.rel, "before": b64(e.before), "after": b64(e.after)} for e in entries]}).encode("utf-8")
    return f"{MAGIC} {signature(body) or 'unsigned'}\n".encode("ascii") + body


def _decode(data: bytes) -> tuple[str, list[Entry]] | None:
    """The journal's message and entries; None for a journal that is not whole, or that this
    user's salesmd did not write (signed with the user's key: a journal committed to a repository
    and cloned, or written by hand, is never acted on)."""
    from ..store.dotfolder import signed_by_me

    head, _, body = data.partition(b"\n")
    magic, _, mac = head.decode("ascii", "replace").rpartition(" ")
    if magic != MAGIC or not signed_by_me(body, mac):
        return None
    try:
        parsed = json.loads(body)
        entries = [Entry(f["rel"], None if f["before"] is None else base64.b64decode(f["before"]),
                         None if f["after"] is None else base64.b64decode(f["after"])) for f in parsed["files"]]
        return str(parsed["message"]), entries
    except (ValueError, KeyError, TypeError):
        return None


def begin(root: Path, message: str, entries: list[Entry]) -> Path:
    """Write the journal, fsynced, and put it in place; call with the lock held."""
    path = _folder(root) / JOURNAL
    atomic_write(path, _encode(message, entries), before_rename=crash_point)
    return path


def end(journal: Path) -> None:
    """The change is whole (or wholly undone): the journal goes."""
    crash_point()
    journal.unlink()
    fsync_dir(journal.parent)


def put(root: Path, entry: Entry, data: bytes | None, current: bytes | None, before_rename=None,
        staged: Path | None = None) -> None:
    """Replace the entry's file, which must hold `current` (None: be absent), by `data` (None:
    remove it); refused (WriteError) if the file holds anything else. `staged`: `data` already
    written to that temporary file and synced (a bulk write); the folder is then synced by the
    caller too."""
    path = Path(root) / entry.rel
    if data is None:
        if current is not None and path.read_bytes() != current:
            raise WriteError(f"{path} changed on disk; it was left as it is")
        path.unlink(missing_ok=True)
        fsync_dir(path.parent)
    elif staged is not None:
        install(path, staged, expect=None if current is None else Snapshot(path, current), create=current is None,
                before_rename=before_rename, durable=False)
    elif current is None:
        atomic_write(path, data, create=True, before_rename=before_rename)
    else:
        atomic_write(path, data, expect=Snapshot(path, current), before_rename=before_rename)


def pending(root: Path) -> bool:
    """Is there a journal, or a piece of one, to settle? (A stat or two: every command asks.)"""
    try:
        names = os.listdir(_folder(root))
    except OSError:
        return False
    return any(n == JOURNAL or (n.startswith(f".{JOURNAL}.") and n.endswith(".tmp")) for n in names)


def recover(root: Path) -> list[str]:
    """Settle a journal left by a killed writer; what was done, one line each (nothing: [])."""
    if not pending(root):
        return []
    with locked(root):  # waits for a writer that is still at work, which removes its own journal
        from ..store.dotfolder import set_aside_if_odd

        folder = _folder(root)
        _remove_temporaries(folder, JOURNAL)
        path = folder / JOURNAL
        set_aside_if_odd(path)  # a FIFO there would hang every command
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return []
        decoded = _decode(data)
        if decoded is None:
            end(path)
            return ["removed a journal it cannot vouch for (cut short by a crash before the write began, or not "
                    "written by your salesmd); nothing in it was done"]
        message, entries = decoded
        if not all(_inside(root, e.rel) for e in entries):
            end(path)
            return ["removed a journal that names files outside the vault; it was not made by salesmd"]
        said = _settle(root, message, entries)
        names_by_folder: dict[Path, set[str]] = {}
        for entry in entries:
            target = Path(root) / entry.rel
            names_by_folder.setdefault(target.parent, set()).add(target.name)
        for parent, names in names_by_folder.items():
            _remove_temporaries(parent, *names)
        end(path)
        return said


def _inside(root: Path, rel: str) -> bool:
    """Is `rel` a file salesmd may write: inside the vault, followed through any link, and in no
    hidden folder (.git, .salesmd, ...), nor hidden itself?"""
    parts = Path(rel).parts
    if not parts or Path(rel).is_absolute() or ".." in parts or any(p.startswith(".") for p in parts):
        return False
    top = Path(root).resolve()
    full = (Path(root) / rel).resolve()
    return full.is_relative_to(top) and not any(p.startswith(".") for p in full.relative_to(top).parts)


def _settle(root: Path, message: str, entries: list[Entry]) -> list[str]:
    def current(entry: Entry) -> bytes | None:
        try:
            return (Path(root) / entry.rel).read_bytes()
        except FileNotFoundError:
            return None

    states = {e.rel: current(e) for e in entries}
    changed = [e.rel for e in entries if states[e.rel] not in (e.before, e.after)]
    what = f"'{message}'" if message else "a change"
    to_put = [e for e in entries if (states[e.rel] != e.after if not changed
                                     else states[e.rel] == e.after and e.after != e.before)]
    for e in to_put:  # every file it will write must take it, before the first is written
        if states[e.rel] is not None:
            require_writable(Path(root) / e.rel, e.rel, e.rel)
    if not changed:
        for e in entries:
            if states[e.rel] != e.after:
                put(root, e, e.after, e.before)
        return [f"finished {what}, which was interrupted ({len(entries)} files)"]
    for e in entries:
        if states[e.rel] == e.after and e.after != e.before:
            put(root, e, e.before, e.after)
    return [f"undid {what}, which was interrupted: {', '.join(changed)} changed since, and was left as it is"]


def _remove_temporaries(folder: Path, *names: str) -> None:
    """The temporary files atomic_write makes for these names (.name.XXXXXXXX.tmp) in `folder`,
    from one listing of the folder."""
    def made_for(n: str) -> bool:
        return n.startswith(".") and n.endswith(".tmp") and n[1:-4].rsplit(".", 1)[0] in names

    try:
        leftovers = [n for n in os.listdir(folder) if made_for(n)]
    except OSError:
        return
    for n in leftovers:
        try:
            os.unlink(folder / n)
        except FileNotFoundError:
            pass

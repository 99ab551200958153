"""What lives under .salesmd/: the folder itself (ignored by git), odd files set aside, stale
temporaries, --no-cache, and this user's signing key (signature, signed_by_me), which everything
kept there that salesmd acts on is signed with."""

from __future__ import annotations

import gc
import hashlib
import hmac
import os
import stat
import time
from contextlib import contextmanager
from pathlib import Path

from ..write.files import atomic_write


def set_aside_if_odd(path: Path) -> None:
    """A cache file that is not a regular file (a FIFO, a device, a symbolic link: opening one can
    hang, or read /dev/zero forever) is renamed to `<name>.not-a-file` and never opened; the
    cache is then built afresh beside it."""
    try:
        info = os.lstat(path)
    except OSError:
        return
    if not (stat.S_ISREG(info.st_mode)):
        try:
            os.replace(path, path.with_name(path.name + ".not-a-file"))
        except OSError:
            pass


STALE_TMP_SECONDS = 600


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files (`.*.tmp`) in the cache folder older than ten minutes: what a cache save
    killed half-way left behind (a save in progress is younger, and is left alone)."""
    cutoff = time.time() - STALE_TMP_SECONDS
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(".") and entry.name.endswith(".tmp"):
            try:
                if entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                pass


def caching_allowed() -> bool:
    """False under --no-cache (which sets SALESMD_NO_CACHE=1): nothing is read from or written to caches."""
    return os.environ.get("SALESMD_NO_CACHE", "") in ("", "0")


def _key_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "salesmd" / "cache-key"


def signing_key() -> bytes | None:
    """This user's signing key, made on first use; None when it cannot be had (no cache then)."""
    path = _key_file()
    try:
        data = path.read_bytes()
        if len(data) == 32:
            return data
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(os.urandom(32))
        data = path.read_bytes()
        return data if len(data) == 32 else None
    except OSError:
        return None


def signature(data: bytes) -> str | None:
    """HMAC-SHA256 of `data` with this user's key (hex), None without a key. What salesmd keeps
    under .salesmd/ and acts on (the history cache, a write's journal) is signed with it, so a
    file that came with a clone, or was written by hand, is never trusted."""
    secret = signing_key()
    return None if secret is None else hmac.new(secret, data, hashlib.sha256).hexdigest()


def signed_by_me(data: bytes, mac: str) -> bool:
    mine = signature(data)
    return mine is not None and hmac.compare_digest(mine, mac)


@contextmanager
def no_gc():
    """Building or unpickling many small objects: the cyclic GC only slows that down."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def ensure_cache_dir(folder: Path) -> None:
    """.salesmd/ with a .gitignore of its own, so the cache never shows in `git status`."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        atomic_write(ignore, "# salesmd's cache: rebuilt from the records whenever needed\n*\n")

"""The index cache: {path: ((mtime_ns, size), parsed file, record-check problems)} in .salesmd/.

A command re-reads only files that are new or whose (mtime_ns, size) changed. The cache is a
pickle, so it is never trusted blindly: it is signed with HMAC-SHA256 under a key that lives
outside the vault (in the user's cache folder), and carries a format version and the signature
of the configuration it was built with. A corrupt, truncated, foreign (another user's, or one
committed to a repository by someone else) or stale cache is ignored and rebuilt, silently.
Two commands writing it at once each replace it whole (temporary file and rename).

Racy entries: a file changed twice within one mtime tick keeps its (mtime_ns, size); like git,
entries whose mtime is within two seconds of (or after) the walk that read them are re-read next time.
"""

from __future__ import annotations

import gc
import hashlib
import hmac
import os
import pickle
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from . import code_stamp

FORMAT = 4
MAGIC = b"salesmd-index\n"
RACY_NS = 2_000_000_000


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


def _secret() -> bytes | None:
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
    secret = _secret()
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


class IndexCache:
    def __init__(self, vault_root: Path, config_signature: str, enabled: bool = True):
        self.path = vault_root / ".salesmd" / "index.pickle"
        self.signature = f"{FORMAT}:{code_stamp()}:{config_signature}"
        self.secret = _secret() if enabled and caching_allowed() else None
        self.entries: dict[str, tuple] = {}
        self.written_ns = 0
        self.changed = False
        self.changed_count = 0
        if self.secret is not None:
            self._read()

    @property
    def enabled(self) -> bool:
        return self.secret is not None

    def _read(self) -> None:
        from .loader import read_regular

        try:
            raw = memoryview(read_regular(str(self.path)))  # never a FIFO, nor /dev/zero through a link
        except OSError:
            return
        if raw[:len(MAGIC)] != MAGIC or len(raw) < len(MAGIC) + 32:
            return
        mac, body = raw[len(MAGIC):len(MAGIC) + 32], raw[len(MAGIC) + 32:]
        if not hmac.compare_digest(mac, hmac.new(self.secret, body, hashlib.sha256).digest()):
            return  # foreign or damaged: never unpickled
        try:
            with no_gc():
                signature, written_ns, entries = pickle.loads(body)
        except Exception:
            return
        if signature == self.signature and isinstance(entries, dict):
            self.entries, self.written_ns = entries, written_ns

    def get(self, rel: str, stamp: tuple[int, int]):
        """The cached (parsed file, record problems) for `rel` if its stamp still matches."""
        entry = self.entries.get(rel)
        if entry is None:
            return None
        if entry[0] != stamp or stamp[0] >= self.written_ns - RACY_NS:
            del self.entries[rel]  # stale: let it go now, not when the fresh one replaces it
            self.changed = True
            return None
        return entry[1], entry[2]

    def put(self, rel: str, stamp: tuple[int, int], parsed, problems) -> None:
        self.entries[rel] = (stamp, parsed, problems)
        self.changed = True
        self.changed_count += 1

    def stale_share(self) -> float:
        """The share of entries changed since the cache was read (0 when nothing changed)."""
        return self.changed_count / max(len(self.entries), 1)

    def keep_only(self, paths: set[str]) -> None:
        gone = self.entries.keys() - paths
        for rel in gone:
            del self.entries[rel]
        self.changed = self.changed or bool(gone)
        self.changed_count += len(gone)

    def save(self, read_from_ns: int | None = None) -> None:
        """Write the cache whole, streamed (no copy of it in memory) to a temporary file, then renamed.

        `read_from_ns`: when the files were first looked at (the walk); a file changed from two
        seconds before then on is read again next time, however its stamp reads."""
        if not self.enabled or not self.changed:
            return
        from .history import ensure_cache_dir

        remove_stale_temporaries(self.path.parent)
        tmp = None
        try:
            ensure_cache_dir(self.path.parent)
            fd, tmp = tempfile.mkstemp(prefix=".index.", suffix=".tmp", dir=self.path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + bytes(32))
                writer = _SigningWriter(f, hmac.new(self.secret, digestmod=hashlib.sha256))
                pickler = pickle.Pickler(writer, protocol=pickle.HIGHEST_PROTOCOL)
                pickler.fast = True  # no memo: the entries share no objects, and the memo would double memory
                with no_gc():
                    pickler.dump((self.signature, read_from_ns or time.time_ns(), self.entries))
                f.seek(len(MAGIC))
                f.write(writer.mac.digest())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
            tmp = None
        except (OSError, pickle.PicklingError, RecursionError, ValueError):
            pass  # a cache that cannot be written only makes the next command slower
        finally:
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)


class _SigningWriter:
    """A file that signs what is written to it."""

    def __init__(self, f, mac):
        self.f, self.mac = f, mac

    def write(self, data) -> int:
        self.mac.update(data)
        return self.f.write(data)

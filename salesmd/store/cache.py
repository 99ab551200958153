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

import hashlib
import hmac
import os
import pickle
import tempfile
import time
from pathlib import Path

from .. import code_stamp
from .dotfolder import caching_allowed, no_gc, remove_stale_temporaries, signing_key

FORMAT = 4
MAGIC = b"salesmd-index\n"
RACY_NS = 2_000_000_000


class IndexCache:
    def __init__(self, vault_root: Path, config_signature: str, enabled: bool = True):
        self.path = vault_root / ".salesmd" / "index.pickle"
        self.signature = f"{FORMAT}:{code_stamp()}:{config_signature}"
        self.secret = signing_key() if enabled and caching_allowed() else None
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
        from .files import read_regular

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
        from .dotfolder import ensure_cache_dir

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

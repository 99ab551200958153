"""salesmd: a plain-text, git-backed sales CRM."""

from __future__ import annotations

import functools
import hashlib
import os

__version__ = "0.1.0"


@functools.lru_cache(maxsize=None)
def code_stamp() -> str:
    """Names the code that wrote a cache: the version plus a digest of every module of the
    package (names and contents). A cache written by other code, even of the same version (a
    development install, an upgrade that kept the number), is rebuilt rather than trusted: a
    change to the schema or the parser changes what a cached answer would be. Contents, not
    mtimes, so two copies of the same code (an install and its source tree) agree."""
    here = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256(__version__.encode())
    for folder, dirs, files in os.walk(here):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "templates"))
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    digest.update(f"{os.path.relpath(path, here)}\0".encode() + hashlib.sha256(f.read()).digest())
    return f"{__version__}+{digest.hexdigest()[:16]}"

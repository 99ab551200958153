"""salesmd: a plain-text, git-backed sales CRM."""

from __future__ import annotations

import functools
import hashlib
import os

__version__ = "0.1.0"


@functools.lru_cache(maxsize=None)
def code_stamp() -> str:
    """Names the code that wrote a cache: the version plus the name, size and mtime of every file
    of the package (its modules and built-in templates). A cache written by other code, even of
    the same version (a development install, an upgrade that kept the number), is rebuilt rather
    than trusted: a change to the schema or the parser changes what a cached answer would be."""
    here = os.path.dirname(os.path.abspath(__file__))
    digest = hashlib.sha256(__version__.encode())
    for folder, dirs, files in os.walk(here):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".py", ".html", ".css", ".md", ".yaml")):
                st = os.stat(os.path.join(folder, name))
                digest.update(f"{os.path.relpath(os.path.join(folder, name), here)}\0{st.st_size}\0"
                              f"{st.st_mtime_ns}\n".encode())
    return f"{__version__}+{digest.hexdigest()[:16]}"

"""`salesmd hooks install`: a pre-commit hook that runs `salesmd check --staged`."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from .edit import atomic_write
from .history import GitError, Repo

MARK = "# installed by salesmd hooks install"


class HookError(Exception):
    pass


def hook_text(vault_root: Path) -> str:
    # The hook calls the salesmd that installed it, so it works from any shell and virtualenv,
    # and falls back to one on PATH if that interpreter has gone away.
    python = shlex.quote(sys.executable)
    vault = shlex.quote(str(vault_root))
    return f"""#!/bin/sh
{MARK}
# Refuses a commit whose staged records break salesmd's checks. Skip once with --no-verify.
if {python} -c "import salesmd" 2>/dev/null; then
    exec {python} -m salesmd --vault {vault} check --staged
fi
exec salesmd --vault {vault} check --staged
"""


def install_hook(vault_root: Path, force: bool = False) -> Path:
    try:
        repo = Repo.locate(vault_root)
    except GitError as e:
        raise HookError(str(e)) from None
    if repo is None:
        raise HookError(f"{vault_root} is not in a git repository (run git init first)")
    try:
        hooks_dir = Path(repo.git("rev-parse", "--git-path", "hooks").decode().strip())
    except GitError as e:
        raise HookError(str(e)) from None
    if not hooks_dir.is_absolute():
        hooks_dir = repo.top / hooks_dir
    path = hooks_dir / "pre-commit"
    if path.exists() and MARK not in path.read_text(errors="replace") and not force:
        raise HookError(f"{path} exists and was not installed by salesmd; "
                        "add `salesmd check --staged` to it yourself, or use --force to replace it")
    atomic_write(path, hook_text(vault_root))
    os.chmod(path, 0o755)
    return path

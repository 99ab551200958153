"""`salesmd hooks install`: a pre-commit hook that runs `salesmd check --staged`."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from ..write.files import atomic_write
from .repo import GitError, Repo

MARK = "# installed by salesmd hooks install"


class HookError(Exception):
    pass


def hook_text(vault_prefix: str) -> str:
    """The hook: no absolute path in it but the installing interpreter's, which is only a fallback,
    so the repository can be moved or cloned elsewhere. It runs from the repository's top and
    names the vault relative to it; salesmd is the one on PATH, else the interpreter that
    installed the hook if that still exists."""
    vault = shlex.quote(vault_prefix.rstrip("/") or ".")
    python = shlex.quote(sys.executable)
    return f"""#!/bin/sh
{MARK}
# Refuses a commit whose staged records break salesmd's checks. Skip once with --no-verify.
cd "$(git rev-parse --show-toplevel)" || exit 1
if command -v salesmd >/dev/null 2>&1; then
    exec salesmd --vault {vault} check --staged
fi
if [ -x {python} ] && {python} -c "import salesmd" 2>/dev/null; then
    exec {python} -m salesmd --vault {vault} check --staged
fi
echo "salesmd pre-commit hook: salesmd is not on PATH; install it or activate its virtualenv" \
     "(git commit --no-verify skips the check once)" >&2
exit 1
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
    atomic_write(path, hook_text(repo.prefix))
    os.chmod(path, 0o755)
    return path

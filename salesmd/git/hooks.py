"""`salesmd hooks install`: a pre-commit hook that runs `salesmd check --staged`, and with
--server the pre-receive hook of a bare repository, which runs `salesmd hooks pre-receive`."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from ..write.files import atomic_write
from .repo import GitError, Repo, run_git

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


def server_hook_text(vault_prefix: str) -> str:
    """The pre-receive hook of the repository everyone pushes to. A server's hooks run with a bare
    PATH, so the interpreter that installed the hook (an absolute path) comes first and the
    `salesmd` on PATH is the fallback; without either the push is refused, never let through."""
    vault = shlex.quote(vault_prefix.rstrip("/") or ".")
    python = shlex.quote(sys.executable)
    return f"""#!/bin/sh
{MARK} --server
# Refuses a push whose new commits break salesmd's process rules (a won deal reopened, a
# conversion undone) or that leaves records with errors at a branch's new tip. git gives the
# hook one `<old> <new> <ref>` line per updated ref on standard input; salesmd reads them.
if [ -x {python} ] && {python} -c "import salesmd" 2>/dev/null; then
    exec {python} -m salesmd hooks pre-receive --vault-path {vault}
fi
if command -v salesmd >/dev/null 2>&1; then
    exec salesmd hooks pre-receive --vault-path {vault}
fi
echo "salesmd pre-receive hook: salesmd is not installed on this server (it was at {python}); push refused" >&2
exit 1
"""


def vault_prefix(vault_path: str) -> str:
    """`--vault-path` as a repository prefix ("" or "crm/"): a relative folder, never leaving the repository."""
    parts = [p for p in vault_path.replace("\\", "/").split("/") if p not in ("", ".")]
    if vault_path.startswith("/") or ".." in parts:
        raise HookError(f"--vault-path {vault_path!r}: give the vault's folder relative to the repository's top")
    return "".join(p + "/" for p in parts)


def install_server_hook(repo_dir: Path, vault_path: str = "", force: bool = False) -> Path:
    """Write the pre-receive hook of the bare repository at `repo_dir`."""
    prefix = vault_prefix(vault_path)
    try:
        bare = run_git(repo_dir, "rev-parse", "--is-bare-repository").decode().strip()
        hooks_dir = Path(run_git(repo_dir, "rev-parse", "--git-path", "hooks").decode().strip())
    except GitError as e:
        raise HookError(f"{repo_dir} is not a git repository: {e}") from None
    if bare != "true":
        raise HookError(f"{repo_dir} is not a bare repository: --server installs the hook of the repository "
                        "everyone pushes to (made with `git init --bare`); in a clone, run `salesmd hooks install`")
    try:
        head = run_git(repo_dir, "rev-parse", "-q", "--verify", "HEAD").decode().strip()
    except GitError:
        head = ""  # an empty repository: nothing to look at yet
    if head:
        try:
            run_git(repo_dir, "cat-file", "-e", f"{head}:{prefix}salesmd.yaml")
        except GitError:
            raise HookError(f"the repository's HEAD has no {prefix}salesmd.yaml: name the vault's folder with "
                            "--vault-path (relative to the repository's top)") from None
    if not hooks_dir.is_absolute():
        hooks_dir = Path(repo_dir).resolve() / hooks_dir
    path = hooks_dir / "pre-receive"
    if path.exists() and MARK not in path.read_text(errors="replace") and not force:
        raise HookError(f"{path} exists and was not installed by salesmd; add `salesmd hooks pre-receive` "
                        "to it yourself (it reads the same standard input), or use --force to replace it")
    hooks_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(path, server_hook_text(prefix))
    os.chmod(path, 0o755)
    return path

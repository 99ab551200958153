"""What `salesmd check` runs: the vault's checks plus the process rules from git history."""

from __future__ import annotations

from pathlib import Path

from .checks.process import audit_history, check_against_history
from .history import GitError, Repo, load_history, pipeline_paths
from .loader import Timings, load_vault
from .model import Problem

MODES = ("current", "staged", "history")


class CheckError(Exception):
    """The check cannot run as asked (the CLI exits 2)."""


def run_check(root: Path, mode: str = "current", *, timings: Timings | None = None,
              use_cache: bool = True, contents: dict[str, bytes | None] | None = None):
    """(vault, problems, scope): scope is the set of paths reported on, None for all.

    current: the files as they are, compared with their committed versions.
    staged:  the files as staged for the next commit (for a pre-commit hook), against HEAD.
    history: every commit of every record, as well as the files as they are.
    `contents` replaces files by path (a write not yet made), as in load_vault.
    """
    timings = timings or Timings()
    contents = dict(contents or {})
    scope = None
    if mode == "staged":
        repo = Repo.find(root)
        if repo is None:
            raise CheckError(f"{root} is not in a git repository: --staged needs one")
        try:
            with timings.stage("staged"):
                staged = repo.staged()
                blobs = repo.blobs([b for _, _, b in staged if b])
        except GitError as e:
            raise CheckError(f"git: {e}") from None
        for status, path, blob in staged:
            contents[path] = None if blob is None else blobs.get(blob, b"")
        scope = {path for _, path, _ in staged}
    vault, problems = load_vault(root, timings=timings, contents=contents, use_cache=use_cache)
    with timings.stage("history"):
        try:
            history = load_history(root, use_cache=use_cache, relevant=pipeline_paths(vault))
        except GitError as e:
            history = None
            problems.append(Problem(vault.config.source(), "git-unreadable",
                                    f"git history could not be read ({e}); the history rules were skipped",
                                    "warning"))
        if history is not None:
            history.follow_uncommitted_renames(set(pipeline_paths(vault)), staged_only=mode == "staged")
        if mode == "history":
            problems += audit_history(vault, history)
        else:
            problems += check_against_history(vault, history, scope)
    if scope is not None:
        problems = [p for p in problems if p.source.path in scope or p.source.path == "salesmd.yaml"]
    problems = sorted(set(problems), key=Problem.sort_key)
    return vault, problems, scope

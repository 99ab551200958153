"""The vault's history as it stood at a past commit (for reports --as-of): the commits that are
that commit's ancestors, linked as history.py links them, so that days in a stage and the
metrics are what they were then, not what later commits made them.

The log and the blob facts history.py keeps in its cache are used when the commit is in them
(the usual case: a commit on the branch, its ancestors all cached); else the log up to the
commit is read from git.
"""

from __future__ import annotations

from pathlib import Path

from .history import History, HistoryCache, _paths_to_follow, give_facts
from .repo import GitError, Repo


def history_at(root: Path, repo: Repo, sha: str, relevant: dict[str, str]) -> History | None:
    """The history up to `sha` of the files that matter (`relevant`: the pipeline records at that
    commit, path -> blob), or None when git cannot read it."""
    try:
        return _history_at(root, repo, sha, relevant)
    except GitError:
        return None


def _history_at(root: Path, repo: Repo, sha: str, relevant: dict[str, str]) -> History:
    cache = HistoryCache(root)
    commits = None
    if cache.head and cache.prefix == repo.prefix and not repo.shallow and _is_ancestor(repo, sha, cache.head):
        ancestors = set(repo.git("rev-list", sha).decode().split())
        commits = [c for c in cache.commits if c["c"][0] in ancestors]
        if len(commits) != len(ancestors):  # the cache lacks some: read the log instead
            commits = None
    if commits is None:
        commits = repo.log(tip=sha)
    history = History(repo, sha)
    keep = _paths_to_follow(commits, repo, relevant)

    def follow(old: str, new: str) -> bool:
        return old in keep or new in keep or new.startswith(keep.folders)

    from ..store.dotfolder import no_gc
    from .lineage import walk

    with no_gc():
        history.lines, history.gone = walk(commits, repo.vault_path, follow)
    give_facts(history, repo, cache, relevant)
    return history


def _is_ancestor(repo: Repo, sha: str, head: str) -> bool:
    try:
        repo.git("merge-base", "--is-ancestor", sha, head)
        return True
    except GitError:
        return False

"""The day a record file was first committed: where a deal's life begins when it has no `created`.

`FirstCommits` answers from a History already read (the pipeline and the site read one), or reads
it (history.py: the incremental history cache) the first time it is asked, so a command whose
records all carry `created` never asks git at all.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from .history import History, load_history
from .repo import GitError

_UNREAD = object()


class FirstCommits:
    """Callable: a vault path -> the day its file was first committed (following renames), or None
    (not committed, no git repository, or git unusable)."""

    def __init__(self, root: Path | None = None, relevant: Callable[[], dict[str, str]] | None = None,
                 history: History | None | object = _UNREAD):
        self.root, self.relevant, self._history = root, relevant, history

    @property
    def history(self) -> History | None:
        if self._history is _UNREAD:
            try:
                self._history = load_history(self.root, relevant=self.relevant() if self.relevant else None) \
                    if self.root is not None else None
            except GitError:
                self._history = None
        return self._history  # type: ignore[return-value]

    def __call__(self, path: str) -> dt.date | None:
        history = self.history
        versions = history.versions(path) if history is not None else []
        return min(v.commit.date for v in versions) if versions else None


def never_committed(path: str) -> None:
    """For a caller without git: no file has a first commit."""
    return None

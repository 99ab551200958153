"""A set of file writes that lands whole or not at all, shown as a diff, checked, committed.

Every writing command builds a ChangeSet: new files and guarded edits of existing ones. Before
anything is written the vault is re-checked as it would be after the change, and a change that
adds errors to the files it touches is refused. Applying writes each file atomically; if one
write fails, the ones already made are undone, so a command never leaves half its work behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .edit import Snapshot, WriteError, atomic_write, unified_diff
from .history import GitError, Repo
from .model import ERROR, Problem


@dataclass
class FileChange:
    rel: str
    before: Snapshot | None  # None: a new file
    after: str

    @property
    def before_text(self) -> str:
        return self.before.text if self.before else ""


@dataclass
class ChangeSet:
    root: Path
    message: str  # a commit message a person would write
    changes: list[FileChange] = field(default_factory=list)

    def add_new(self, rel: str, text: str) -> None:
        self.changes.append(FileChange(rel, None, text))

    def add_edit(self, rel: str, before: Snapshot, after: str) -> None:
        self.changes.append(FileChange(rel, before, after))

    def contents(self) -> dict[str, bytes]:
        return {c.rel: c.after.encode("utf-8") for c in self.changes}

    def diff(self) -> str:
        return "".join(unified_diff(c.rel, c.before_text, c.after) for c in self.changes)

    def new_problems(self, vault_before_problems: list[Problem]) -> list[Problem]:
        """Errors in the touched files after the change that were not there before it."""
        from .checking import run_check

        _, after, _ = run_check(self.root, contents=self.contents(), quick=True)
        touched = {c.rel for c in self.changes}
        old = {(p.source.path, p.code, p.message) for p in vault_before_problems}
        return [p for p in after if p.severity == ERROR and p.source.path in touched
                and (p.source.path, p.code, p.message) not in old]

    def apply(self) -> None:
        done: list[FileChange] = []
        try:
            for change in self.changes:
                path = self.root / change.rel
                if change.before is None:
                    atomic_write(path, change.after, create=True)
                else:
                    atomic_write(path, change.after, expect=change.before)
                done.append(change)
        except BaseException:
            for change in reversed(done):  # undo, newest first
                path = self.root / change.rel
                try:
                    if change.before is None:
                        path.unlink()
                    else:
                        atomic_write(path, change.before.data)
                except OSError:
                    pass
            raise

    def commit(self) -> str | None:
        """One git commit holding exactly these files; its short id (None: nothing to commit)."""
        try:
            repo = Repo.locate(self.root)
        except GitError as e:
            raise WriteError(f"the files were written but not committed: {e}") from None
        if repo is None:
            raise WriteError("--commit needs the vault to be in a git repository")
        paths = [repo.prefix + c.rel for c in self.changes]
        try:
            repo.git("add", "--", *paths)
            if not repo.git("diff", "--cached", "--name-only", "--", *paths).strip():
                return None  # the files are as HEAD has them
            repo.git("commit", "-q", "-m", self.message, "--", *paths)
            return repo.git("rev-parse", "--short", "HEAD").decode().strip()
        except GitError as e:
            raise WriteError(f"the files were written but git commit failed: {e}") from None

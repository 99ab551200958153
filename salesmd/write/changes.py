"""A set of file writes that lands whole or not at all, shown as a diff, checked, committed.

Every writing command builds a ChangeSet: new files and guarded edits of existing ones. Before
anything is written the vault is re-checked as it would be after the change, and a change that
adds errors to the files it touches is refused. Applying writes each file atomically; if one
write fails, the ones already made are undone, and a crash half-way is settled by the next
command from the journal written first (journal.py), so a command never leaves half its work behind.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..git.repo import GitError, Repo
from ..model import ERROR, Problem
from . import journal
from .files import Snapshot, WriteError, fsync_dir, require_content, require_writable, stage, sync_all, unified_diff

BULK = 8  # a change set of more files syncs them all at once (import), not one by one


@dataclass
class FileChange:
    rel: str
    before: Snapshot | None  # None: a new file
    after: str | None  # None: the file is deleted

    @property
    def before_text(self) -> str:
        return self.before.text if self.before else ""


@dataclass
class ChangeSet:
    root: Path
    message: str  # a commit message a person would write
    changes: list[FileChange] = field(default_factory=list)
    written: list[str] = field(default_factory=list)  # the files apply() wrote: a link's target, not the link

    def add_new(self, rel: str, text: str) -> None:
        self.changes.append(FileChange(rel, None, text))

    def add_edit(self, rel: str, before: Snapshot, after: str) -> None:
        self.changes.append(FileChange(rel, before, after))

    def add_delete(self, rel: str, before: Snapshot) -> None:
        self.changes.append(FileChange(rel, before, None))

    def contents(self) -> dict[str, bytes | None]:
        return {c.rel: None if c.after is None else c.after.encode("utf-8") for c in self.changes}

    def diff(self) -> str:
        return "".join(unified_diff(c.rel, c.before_text, c.after) if c.after is not None
                       else unified_diff(c.rel, c.before_text, "").replace(f"+++ b/{c.rel}\n", "+++ /dev/null\n", 1)
                       for c in self.changes)

    def new_problems(self, vault_before_problems: list[Problem]) -> list[Problem]:
        """Errors after the change that were not there before it: in the touched files, any error
        not said before; in the others (a link the change broke, a link to a deleted file, a
        conversion it undid), an error of a kind not on that line before (its words may change
        with the change: a did-you-mean)."""
        from ..checks.run import run_check

        _, after, _ = run_check(self.root, contents=self.contents(), quick=True)
        touched = {c.rel for c in self.changes}
        old = {(p.source.path, p.code, p.message) for p in vault_before_problems}
        old_elsewhere = {(p.source.path, p.code, p.source.line) for p in vault_before_problems}
        return [p for p in after if p.severity == ERROR and (
            (p.source.path, p.code, p.message) not in old if p.source.path in touched
            else (p.source.path, p.code, p.source.line) not in old_elsewhere)]

    def apply(self, track=None) -> None:
        """Write every file, or none: refused before the first write if any file cannot take it,
        and journaled (journal.py) so that a crash half-way is settled by the next command.
        `track(items, label, length)`, when given, counts the files as they are written (a bar)."""
        track = track or (lambda items, label, length: items)
        with journal.locked(self.root):
            entries = [journal.Entry(self._target(c), c.before.data if c.before else None,
                                     None if c.after is None else c.after.encode("utf-8")) for c in self.changes]
            if journal.pending(self.root):  # never over a journal still to be settled: its change would be lost
                raise WriteError(f"{self.root / '.salesmd' / journal.JOURNAL}: error: an interrupted write is still "
                                 "to be settled (see the message above); nothing was written")
            for change, entry in zip(self.changes, entries):
                self._check(change, entry)
            log = journal.begin(self.root, self.message, entries)
            done: list[journal.Entry] = []
            staged: dict[str, Path] = {}
            try:
                if len(entries) > BULK:  # stage every file, sync them all at once, then rename
                    for entry in track(entries, "Writing the files", len(entries)):
                        if entry.after is None:  # a deletion has nothing to stage
                            continue
                        staged[entry.rel] = stage(self.root / entry.rel, entry.after, create=entry.before is None,
                                                  durable=False)
                    sync_all(list(staged.values()))
                for entry in track(entries, "Putting them in place", len(entries)) if len(entries) > BULK else entries:
                    journal.put(self.root, entry, entry.after, entry.before, before_rename=journal.crash_point,
                                staged=staged.pop(entry.rel, None))
                    done.append(entry)
                if len(entries) > BULK:
                    for folder in {(self.root / entry.rel).parent for entry in entries}:
                        fsync_dir(folder)
            except BaseException:
                for tmp in staged.values():  # staged, never renamed
                    tmp.unlink(missing_ok=True)
                undone = 0
                for entry in reversed(done):  # undo, newest first
                    try:
                        journal.put(self.root, entry, entry.before, entry.after)
                        undone += 1
                    except (OSError, WriteError):
                        pass
                if undone == len(done):
                    journal.end(log)
                # else the journal stays, and the next command settles what could not be undone
                raise
            journal.end(log)
            self.written = [entry.rel for entry in entries]

    def _target(self, change: FileChange) -> str:
        """The file a change writes, relative to the root: a symbolic link's target inside the
        vault (the link stays a link, and the two never diverge); a link out of it is refused."""
        path = self.root / change.rel
        root = self.root.resolve()
        if change.after is None and path.is_symlink():
            raise WriteError(f"{change.rel}: error: {change.rel} is a symbolic link to {os.readlink(path)}; salesmd "
                             "does not delete through a link, so nothing was written (remove it by hand)")
        if not path.parent.resolve().is_relative_to(root):  # a folder that is a link out of the vault
            raise WriteError(f"{change.rel}: error: {path.parent.relative_to(self.root)}/ is a symbolic link to "
                             f"{path.parent.resolve()}, outside the vault; salesmd writes only inside the vault, "
                             "so nothing was written")
        if not path.is_symlink():
            return change.rel
        target = path.resolve()
        if not target.is_relative_to(root) or not target.is_file():
            raise WriteError(f"{change.rel}: error: {change.rel} is a symbolic link to {os.readlink(path)}, "
                             "which is not a file in the vault; salesmd writes only inside the vault, "
                             "so nothing was written (edit the file it points to)")
        return target.relative_to(root).as_posix()

    def _check(self, change: FileChange, entry: journal.Entry) -> None:
        """Refuse, before anything is written, a file that changed since it was read, one that
        exists where a new one goes, and a read-only one."""
        path = self.root / entry.rel
        if entry.before is None:
            if os.path.lexists(path):
                raise WriteError(f"{path} already exists; nothing was written")
            return
        require_content(path, entry.before)
        require_writable(path, change.rel, entry.rel)

    def commit(self) -> str | None:
        """One git commit holding exactly these files; its short id (None: nothing to commit)."""
        try:
            repo = Repo.locate(self.root)
        except GitError as e:
            raise WriteError(f"the files were written but not committed: {e}") from None
        if repo is None:
            raise WriteError("--commit needs the vault to be in a git repository")
        paths = [repo.prefix + rel for rel in dict.fromkeys([c.rel for c in self.changes] + self.written)]
        try:
            deleted = [repo.prefix + c.rel for c in self.changes if c.after is None]
            if deleted:  # a deleted file git never knew is no path to commit (git would refuse it)
                known = set(repo.git("ls-files", "-z", "--", *deleted).decode("utf-8", "surrogateescape").split("\0"))
                paths = [p for p in paths if p not in deleted or p in known]
            repo.git("add", "--", *paths)
            if not repo.git("diff", "--cached", "--name-only", "--", *paths).strip():
                return None  # the files are as HEAD has them
            repo.git("commit", "-q", "-m", self.message, "--", *paths)
            return repo.git("rev-parse", "--short", "HEAD").decode().strip()
        except GitError as e:
            raise WriteError(f"the files were written but git commit failed: {e}") from None

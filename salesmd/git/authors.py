"""Who made each change between two commits: the author of the commit that last changed each
tracked key of each record file (renames followed), of the commit that added a file, and of the
one that deleted it. One `git log` of the range and one `git cat-file --batch` of the versions in it.

    made = authorship(repo, since_sha, tip_sha, before={path: data at since})
    made.changed_by("opportunities/a.md", "stage")   # the author, or None
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..dates import coerce_dates
from .history import front_matter_data
from .repo import Repo

TRACKED = ("type", "name", "stage", "amount", "currency", "close_date", "owner", "converted_to", "lost_reason")


@dataclass
class Authorship:
    """What the log of a range says about each record file (paths as at the range's end)."""

    line_of: dict[str, str] = field(default_factory=dict)  # path at the end -> its path at the start (renames;
    # "path\0n", not a path, for a file added at a path whose record was renamed away in the range)
    changed: dict[str, dict[str, str]] = field(default_factory=dict)  # start path -> key -> author
    added: dict[str, str] = field(default_factory=dict)  # start path (or the path it was added at) -> author
    deleted: dict[str, str] = field(default_factory=dict)  # start path -> author of the deletion
    renamed: dict[str, str] = field(default_factory=dict)  # start path -> author of its last rename
    committed: dict[str, dict] = field(default_factory=dict)  # start path -> tracked values last committed

    def line(self, path: str) -> str:
        """The path a file at the range's end had at its start (itself unless renamed in the range)."""
        return self.line_of.get(path, path)

    def changed_by(self, path: str, key: str) -> str | None:
        return self.changed.get(self.line(path), {}).get(key)


def _tracked(data: dict) -> dict:
    type_ = data.get("type")
    data = coerce_dates(type_, data) if isinstance(type_, str) else data
    return {k: data.get(k) for k in TRACKED if k in data}


def _fresh(path: str, made: Authorship) -> str:
    """A line key, not a path, for a file added at `path` after the record there was renamed
    away: another record, paired with nothing at the range's start."""
    n = 1
    while f"{path}\0{n}" in made.added:
        n += 1
    return f"{path}\0{n}"


def _first_parents(commits: list[dict], tip: str) -> set[str]:
    """The commits of the range on the tip's first-parent line."""
    parent = {entry["c"][0]: entry["p"][0] if entry["p"] else None for entry in commits}
    line, sha = set(), next((c["c"][0] for c in commits if c["c"][0].startswith(tip)), None)
    while sha in parent:
        line.add(sha)
        sha = parent[sha]
    return line


def authorship(repo: Repo, since: str | None, tip: str, before: dict[str, dict]) -> Authorship:
    """The authors of the changes in since..tip (every commit up to `tip` when `since` is None).
    `before` holds each record file's tracked values at `since`, by vault path."""
    made = Authorship()
    before = {path: {k: data[k] for k in TRACKED if k in data} for path, data in before.items()}
    if since == tip:
        return made
    commits = repo.log(since, tip=tip, old_blobs=True)
    first_line = _first_parents(commits, tip)
    changes = []
    for entry in commits:
        author, sha = entry["c"][2], entry["c"][0]
        for status, old, new, blob, old_blob in entry["x"]:
            old_v, new_v = repo.vault_path(old), repo.vault_path(new)
            if new_v is not None and new_v.endswith(".md"):
                sides = [[f"{p}:{new}", f"{p}:{old}"] for p in entry["p"][1:]]  # a merge's other parents
                changes.append((author, sha in first_line, status, old_v, new_v, blob, old_blob, sides))
    names = {blob for *_, blob, old_blob, _ in changes for blob in (blob, old_blob) if blob}
    names |= {name for *_, sides in changes for side in sides for name in side}
    contents = repo.blobs(sorted(names))
    values = {blob: _tracked(front_matter_data(data)) for blob, data in contents.items()}
    line_of: dict[str, str] = {}  # current path -> start path
    last: dict[str, dict] = {}
    made_by: dict[tuple[str, str], list[tuple[str, object]]] = {}  # (line, key) -> (author, new value)...

    def values_at(line: str) -> dict:
        return last.get(line, {} if line in made.added else before.get(line, {}))

    def on_side(side: list[str]) -> dict | None:  # the file on another parent of a merge, None: not there
        return next((values[name] for name in side if name in values), None)

    for author, on_first_line, status, old, new, blob, old_blob, sides in changes:
        now = values.get(blob, {}) if blob else {}
        was = values.get(old_blob, {}) if old_blob else values_at(line_of.get(old, old)) if status != "A" else {}
        theirs = [on_side(side) for side in sides]  # a merge: each change is the merger's only where
        # the merged value is on no parent (the first parent's is `was`)
        if status == "R" and now.get("name") != was.get("name"):
            status, was = "DA", {}  # git pairs small look-alike files by content: another name is another record
        if status.startswith("D"):
            line = line_of.pop(old, old)
            if not any(t is None for t in theirs):  # not deleted on another parent before the merge
                made.deleted[line] = author
            last.pop(line, None)
            if status == "D":
                continue
        if status == "R":
            line = line_of.pop(old, old)
            if not any(t is not None for t in theirs):
                made.renamed[line] = author
        elif status.endswith("A") and new not in line_of:
            line = new
            if line in line_of.values() or line in made.renamed:  # its record went on under another name
                line = _fresh(line, made)
            made.deleted.pop(line, None)
            made.added[line] = author
        else:
            line = line_of.get(new, new)
        line_of[new] = line
        for key in TRACKED:
            if now.get(key) != was.get(key) and all(now.get(key) != (t or {}).get(key) for t in theirs):
                made_by.setdefault((line, key), []).append((author, now.get(key)))
        if on_first_line:  # a side branch's commit is in the tip as its merge has it
            last[line] = now
    for (line, key), authors in made_by.items():
        # the last change that made the value the tip has: two branches that changed one key and a
        # merge that kept one side's value credit that side, whichever of the two came later
        final = last[line].get(key) if line in last else None
        kept = [who for who, value in authors if line in last and value == final]
        made.changed.setdefault(line, {})[key] = (kept or [who for who, _ in authors])[-1]
    made.line_of = {path: line for path, line in line_of.items() if path != line}
    made.committed = last
    return made

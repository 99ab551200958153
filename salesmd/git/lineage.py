"""The versions of the vault's files as a graph, as git's commits are one (history.py reads the log).

A version knows the versions it was made from (`parents`): the file's version in its commit's
parent, or in each parent of a merge. The process rules hold along that ancestry, so a change
made on one branch is never told against a version only another branch had.

The walk goes through the commits once, parents before children, keeping for each commit
whose children are still to come a map of path -> the file's version there. A commit changes
only the entries of the files it changed (the map of a commit with one child is handed on, not
copied); a merge also looks at the files changed on the branches it joins since they parted.
That is time in the number of commits times the files each changes (a merge: its branches'
commits), plus a dict copy (the interpreter's C code) where a commit has several children.
"""

from __future__ import annotations

import heapq
from itertools import count
from typing import Callable

from .versions import Commit, Version


def walk(entries: list[dict], vault_path: Callable[[str], str | None],
         follow: Callable[[str, str], bool]) -> tuple[dict[str, list[Version]], list[list[Version]]]:
    """(lines, gone): each file at HEAD with every version it descends from, oldest first (its
    version at HEAD last); and the versions of files deleted since, one list per file.

    `entries` are the log's commits, parents first: {"c": commit fields, "p": parent ids,
    "x": changes against the first parent (status, old path, new path, new blob)}.
    `follow(old, new)` says whether a change's repository paths can matter."""
    children: dict[str, int] = {}
    for entry in entries:
        for parent in entry["p"]:
            children[parent] = children.get(parent, 0) + 1
    maps: dict[str, dict[str, Version]] = {}
    seq = count()
    head: dict[str, Version] = {}
    made_all: list[Version] = []
    order: dict[str, int] = {}  # commit -> its place in `entries`
    parents_of: dict[str, list[str]] = {}
    touched: dict[str, list[str]] = {}  # commit -> the paths whose version it changed
    for entry in entries:
        sha = entry["c"][0]
        order[sha], parents_of[sha] = len(order), entry["p"]
        parents = [p for p in entry["p"] if p in maps]
        first = entry["p"][0] if entry["p"] and entry["p"][0] in maps else None
        before = maps[first] if first is not None else {}
        others = [maps[p] for p in parents if p != first] if first is not None else []
        made: dict[str, tuple[str, Version | None]] = {}  # path -> (blob, its version in the first parent)
        removed: set[str] = set()
        for status, old, new, blob in entry["x"]:
            if not follow(old, new):
                continue
            old_v, new_v = vault_path(old), vault_path(new)
            if status in "RD" and old_v is not None:
                removed.add(old_v)
            if status == "D" or new_v is None or not new.endswith(".md"):
                continue
            made[new_v] = (blob, None if status in "AC" else before.get(old_v if status == "R" else new_v))
        adopted: dict[str, list[Version]] = {}
        changed: set[str] = set()
        if others:  # a merge: where a side has other versions than the first parent
            changed = _changed_between([first, *(p for p in parents if p != first)], order, parents_of, touched)
            for path in sorted(changed):  # sorted: versions are made (and told) in the same order every run
                if path in before and path not in made and path not in removed \
                        and any(o.get(path) is not before[path] for o in others):
                    made[path] = (before[path].blob, before[path])
            for other in others:
                _follow_renames(other, before, made, removed, adopted, changed)
        if made or removed or changed:  # a merge's map differs from its other parents' there too
            touched[sha] = [*made, *removed, *changed]
        commit = None  # made when a version is
        for parent in parents:
            children[parent] -= 1
        now = maps.pop(first) if first is not None and children[first] == 0 else dict(before)
        for path in removed - made.keys():
            now.pop(path, None)
        for path, (blob, own) in made.items():
            if others:
                sources = _newest([v for v in [own, *(o.get(path) for o in others), *adopted.get(path, [])]
                                   if v is not None])
                if len(sources) == 1 and sources[0].blob == blob and sources[0].path == path:
                    now[path] = sources[0]  # the merge took one side's version as it was
                    continue
            else:
                sources = [own] if own is not None else []
            commit = commit or Commit(*entry["c"])
            now[path] = version = Version(commit, path, blob, parents=sources, seq=next(seq))
            made_all.append(version)
        for parent in parents:
            if children[parent] == 0:
                maps.pop(parent, None)
        if children.get(sha, 0) > 0:
            maps[sha] = now
        head = now
    return _group(head, made_all)


def _changed_between(parents: list[str], order: dict[str, int], parents_of: dict[str, list[str]],
                     touched: dict[str, list[str]]) -> set[str]:
    """The paths changed by the commits that not all of a merge's `parents` descend from: the
    only paths whose versions can differ between them. The commits are painted from each parent
    down, newest first, until the paint meets (git's merge-base walk): time in the commits of
    the merged branches since they parted."""
    everyone = (1 << len(parents)) - 1
    paint: dict[str, int] = {}
    for i, p in enumerate(parents):
        paint[p] = paint.get(p, 0) | (1 << i)
    queue = [(-order[p], p) for p in paint]
    heapq.heapify(queue)
    done: set[str] = set()
    paths: set[str] = set()
    while queue:
        _, c = heapq.heappop(queue)
        if c in done:
            continue
        done.add(c)  # its descendants come first, so its paint is final
        if paint[c] == everyone:
            continue  # every parent descends from it, and from its ancestors
        paths.update(touched.get(c, ()))
        for p in parents_of[c]:
            if p in order:
                paint[p] = paint.get(p, 0) | paint[c]
                heapq.heappush(queue, (-order[p], p))
    return paths


def _follow_renames(other: dict[str, Version], before: dict[str, Version], made: dict, removed: set[str],
                    adopted: dict[str, list[Version]], changed: set[str]) -> None:
    """A file the first parent renamed and the other side changed under its old name: the merge's
    file under the new name is made from the other side's version too (it is in `adopted`)."""
    # the other side's paths the merge has not, and the first parent's paths the other side has not
    gone = {p for p in changed if p in other and p not in before and p not in made}
    renamed = {p for p in changed if p in before and p not in other and p not in removed}
    if not gone or not renamed:
        return
    lines = {path: _ancestry([before[path]]).keys() for path in sorted(renamed)}
    for path in sorted(gone):
        theirs = _ancestry([other[path]])
        for new, ours in lines.items():
            if not ours.isdisjoint(theirs):  # the same file: their versions share an ancestor
                made.setdefault(new, (before[new].blob, before[new]))
                adopted.setdefault(new, []).append(other[path])
                break


def _newest(versions: list[Version]) -> list[Version]:
    """The versions none of the others descends from, each once, in the order given."""
    unique = list({id(v): v for v in versions}.values())
    return [v for v in unique if not any(w is not v and _descends(w, v) for w in unique)]


def _descends(v: Version, ancestor: Version) -> bool:
    stack, seen = [v], set()
    while stack:
        for p in stack.pop().parents:
            if p is ancestor:
                return True
            if p.seq > ancestor.seq and id(p) not in seen:  # an ancestor is made before its descendants
                seen.add(id(p))
                stack.append(p)
    return False


def _group(head: dict[str, Version], made: list[Version]) -> tuple[dict[str, list[Version]], list[list[Version]]]:
    lines: dict[str, list[Version]] = {}
    seen: set[int] = set()
    for path, tip in head.items():
        chain, v = [tip], tip
        while len(v.parents) == 1:  # most files' history is a line: no search needed
            v = v.parents[0]
            chain.append(v)
        if v.parents:
            closure = _ancestry([tip])
            lines[path] = sorted(closure.values(), key=lambda v: v.seq)
            seen.update(closure)
        else:
            chain.reverse()
            lines[path] = chain
            seen.update(map(id, chain))
    # The rest are versions of files deleted since: those linked to each other make one file.
    group: dict[int, int] = {}

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    rest = [v for v in made if id(v) not in seen]  # in `seq` order
    for v in rest:
        group[id(v)] = id(v)
        for p in v.parents:
            if id(p) in group:
                group[root(id(v))] = root(id(p))
    gone: dict[int, list[Version]] = {}
    for v in rest:
        gone.setdefault(root(id(v)), []).append(v)
    return lines, list(gone.values())


def _ancestry(tips: list[Version]) -> dict[int, Version]:
    found: dict[int, Version] = {}
    stack = list(tips)
    while stack:
        v = stack.pop()
        if id(v) not in found:
            found[id(v)] = v
            stack.extend(v.parents)
    return found

"""The quick check: the state's answer (state.py), brought up to date with the files changed since
and the records they can affect (affected.py)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from ..model import Problem, Record
from ..store.vault import Vault
from .affected import Lookup, PartialVault, affected_paths, committed_since, read_rows
from .state import (MAX_CHANGED, MAX_DELTA, RACY_NS, STAMP_OFFSET, Header, Row, load_problems,
                    open_state, read_stamps, record_from_facts, rollback, row_of, signature, write_header)


@dataclass
class QuickResult:
    record_count: int
    problems: list[Problem]
    root: Path
    skipped: dict[str, str]  # files with front matter that are not records -> why (as Vault.skipped)


def quick_check(root: Path, config, files, walk_ns: int, *, repo, index: str,
                contents: dict[str, bytes | None] | None = None, staged: bool = False) -> QuickResult | None:
    """The check from the state and the files changed since, or None when a full check must run.

    `files` is the walk (path, stamp), begun at `walk_ns`, after git's `repo` (None: not in one)
    and the stamp of its `index` were read; `contents` replaces files by path (a
    staged version; None: absent). The state is brought up to date only when the check is of
    the files on disk (no `contents`, not `staged`): that is what it describes.
    """
    db = open_state(root, create=False)
    if db is None:
        return None
    try:
        db.execute("BEGIN")  # one snapshot of the state, however many queries
        found = _quick_check(db, root, config, files, walk_ns, repo, index, contents or {}, staged)
        if db.in_transaction:
            db.execute("COMMIT")
        return found
    except (sqlite3.Error, ValueError, KeyError, TypeError, IndexError, AttributeError, StopIteration):
        rollback(db)
        return None  # a state that is damaged or not ours: the full check answers
    finally:
        db.close()


def _quick_check(db, root, config, files, walk_ns, repo, index, contents, staged) -> QuickResult | None:
    from . import record_problems as own_checks, run_vault_checks
    from ..store.read import read_file

    header = Header.read(db)
    if header.signature != signature(config.signature):
        return None
    old_stamps = read_stamps(db)
    walked = dict(files)
    for rel, data in contents.items():
        if data is None:
            walked.pop(rel, None)
        elif rel.endswith(".md"):
            walked[rel] = None  # not what the disk says: read it
    limit = header.written_ns - RACY_NS
    get = old_stamps.get
    changed = [rel for rel, stamp in walked.items()
               if stamp is None or stamp[0] >= limit or get(rel) != (stamp[1] << 64) + stamp[0] + STAMP_OFFSET]
    gone = [rel for rel in old_stamps if rel not in walked]
    if len(changed) + len(gone) > MAX_CHANGED:
        return None
    head = repo.head_sha if repo is not None else None
    committed: list[str] = []
    if head != header.head:
        if repo is None or head is None or header.head is None:
            return None
        committed = committed_since(repo, header.head, head)
        if committed is None or len(committed) > MAX_CHANGED:
            return None
    git_moved = head != header.head or index != header.index
    if not changed and not gone and not git_moved:
        return QuickResult(header.records, _merge(db, header, {}, []), root, _skipped(db, {}))

    # What the changed files hold now, and what they held.
    overlay: dict[str, Row | None] = {rel: None for rel in gone}
    fresh: dict[str, Record] = {}
    for rel in changed:
        parsed = read_file(root, rel, config, contents.get(rel), walked[rel])
        own = list(parsed.problems)
        if parsed.record is not None:
            own += own_checks(parsed.record, config)
            fresh[rel] = parsed.record
        overlay[rel] = row_of(rel, parsed.record, own, parsed.skipped, config.types.link_targets)
    before = read_rows(db, list(overlay))

    # The vault checks on the records that can affect.
    new = Lookup(db, overlay)
    affected = affected_paths(db, before, overlay, new)
    rows = read_rows(db, [p for p in affected if p not in overlay])
    rows.update({p: overlay[p] for p in affected if p in overlay})
    records = [record_from_facts(p, rows[p].facts) for p in sorted(affected) if rows[p].type is not None]
    found = run_vault_checks(PartialVault(root, config, records, new))
    if any(p.code == "internal-error" for p in found):
        return None
    for row in rows.values():
        row.vault = []
    for p in found:
        if p.source.path in affected:
            rows[p.source.path].vault.append(p)

    # The process rules on the leads and opportunities whose answer can have moved: changed,
    # touched by a commit since, or without history of their own (git pairs a deleted file with
    # an added one as a rename by their contents, on disk as in the index: any change can give
    # such a file a history, or take it away).
    unhistoried = set(header.unhistoried) - set(gone)
    dirty = {p for p in [*changed, *committed, *unhistoried] if p in walked and (p in changed or p not in contents)}
    rows.update(read_rows(db, [p for p in dirty if p not in rows]))
    dirty = {p for p in dirty if rows[p].type in config.types.pipeline_types}
    for p in changed:
        if p not in dirty:
            rows[p].proc = []
            unhistoried.discard(p)
    if dirty:
        ran = _process_rules(root, config, dirty, fresh, contents, staged)
        if ran is None:
            return None
        proc, without = ran
        for p in dirty:
            rows[p].proc = [x for x in proc if x.source.path == p]
        unhistoried = (unhistoried - dirty) | without

    records_now = header.records + sum((r is not None and r.type is not None) - (b is not None and b.type is not None)
                                       for b, r in ((before.get(p), overlay[p]) for p in overlay))
    problems = _merge(db, header, rows, gone)
    skipped = _skipped(db, overlay)
    if not contents and not staged:
        header = Header(header.signature, head, index, walk_ns, header.generation + 1, records_now, header.config,
                        sorted(unhistoried))
        _save_quick(db, header, walked, rows, changed, gone)
    return QuickResult(records_now, problems, root, skipped)


def _process_rules(root, config, dirty, fresh, contents, staged):
    """(problems, the paths of `dirty` without history of their own) or None to run a full check."""
    from .process import check_against_history
    from ..git.repo import GitError
    from ..git.history import load_history
    from ..store.read import read_file

    records = []
    for path in sorted(dirty):
        record = fresh.get(path)
        if record is None:
            record = read_file(root, path, config, contents.get(path)).record
        if record is None:
            return None
        records.append(record)
    try:
        history = load_history(root, relevant={r.path: r.blob for r in records}, only=True)
    except GitError:
        return None
    if history is None:
        return [], set()
    without = {p for p in dirty if p not in history.lines}
    history.follow_uncommitted_renames(set(dirty), staged_only=staged)
    return check_against_history(Vault(root, config, records), history), without


def _merge(db, header: Header, rows: dict[str, Row], gone: list[str]) -> list[Problem]:
    problems = list(header.config)
    skip = set(rows) | set(gone)
    for path, own, vault, proc in db.execute(
            "SELECT path, own, vault, proc FROM check_files WHERE own != '[]' OR vault != '[]' OR proc != '[]'"):
        if path not in skip:
            problems += load_problems(own) + load_problems(vault) + load_problems(proc)
    for row in rows.values():
        problems += row.own + row.vault + row.proc
    return sorted(set(problems), key=Problem.sort_key)


def _skipped(db, overlay: dict[str, Row | None]) -> dict[str, str]:
    """The files with front matter that are not records, and why: the state's, with the files
    changed or gone (`overlay`) laid over them."""
    found = {path: why for path, why in db.execute("SELECT path, skipped FROM check_files WHERE skipped IS NOT NULL")
             if path not in overlay}
    found.update((path, row.skipped) for path, row in overlay.items() if row is not None and row.skipped is not None)
    return dict(sorted(found.items()))


def _save_quick(db, header: Header, walked, rows: dict[str, Row], changed: list[str], gone: list[str]) -> None:
    """Bring the state up to date, in the transaction it was read in (so over that state only)."""
    try:
        for path in gone:
            db.execute("DELETE FROM check_files WHERE path = ?", (path,))
            db.execute("DELETE FROM check_links WHERE src = ?", (path,))
        db.executemany("INSERT OR REPLACE INTO check_files VALUES (?,?,?,?,?,?,?,?,?,?)", (r.values() for r in rows.values()))
        for path in changed:
            db.execute("DELETE FROM check_links WHERE src = ?", (path,))
            db.executemany("INSERT INTO check_links VALUES (?,?)", ((path, t) for t in rows[path].links))
        delta = [(p, *(walked[p] or (None, -1))) for p in changed] + [(p, None, None) for p in gone]
        db.executemany("INSERT OR REPLACE INTO check_stamps VALUES (?,?,?)", delta)
        whole = next(db.execute("SELECT count(*) FROM check_stamps"))[0] > MAX_DELTA
        write_header(db, header, walked if whole else None)
        db.execute("COMMIT")
    except (sqlite3.Error, ValueError):
        rollback(db)  # another check wrote the state since this one read it: its word stands

"""What `salesmd check` runs: the vault's checks plus the process rules from git history."""

from __future__ import annotations

import time
from pathlib import Path

from ..git.history import load_history, pipeline_paths, read_once
from ..git.repo import LINK, GitError, GitUnusable, Repo
from ..model import Problem
from ..store.load import Timings
from .process import audit_commits, check_against_history

MODES = ("current", "staged", "history")


class CheckError(Exception):
    """The check cannot run as asked (the CLI exits 2)."""


def run_check(root: Path, mode: str = "current", *, timings: Timings | None = None,
              use_cache: bool = True, contents: dict[str, bytes | None] | None = None, quick: bool = False):
    """(vault, problems, scope): scope is the set of paths reported on, None for all.

    quick: answer from the check state (state.py) where it can; the "vault" returned is
    then a QuickResult, which has only `root` and `record_count` to offer.

    current: the files as they are, compared with their committed versions.
    staged:  the files as staged for the next commit (for a pre-commit hook), against HEAD.
    history: every commit of every record, as well as the files as they are.
    `contents` replaces files by path (a write not yet made), as in store/load.walk_files.
    """
    timings = timings or Timings()
    contents = dict(contents or {})
    scope = None
    if mode == "staged":
        try:
            repo = Repo.locate(root)
        except GitError as e:
            raise CheckError(f"--staged: {e}") from None
        if repo is None:
            raise CheckError(f"{root} is not in a git repository: --staged needs one")
        try:
            with timings.stage("staged"):
                staged = repo.staged()
                blobs = repo.blobs([b for _, _, b in staged if b and b != LINK])
        except GitError as e:
            raise CheckError(f"git: {e}") from None
        for status, path, blob in staged:
            if blob != LINK:  # a staged link is read where it is, and followed (or refused) as it leads
                contents[path] = None if blob is None else blobs.get(blob, b"")
        scope = {path for _, path, _ in staged}
    prep = None
    if quick and use_cache and (mode != "history" or not contents):
        with read_once(mode == "history"):  # the quick check's history and the audit's: one reading
            found, prep = _quick(root, timings, contents, staged=mode == "staged")
            if found is not None and mode == "history":
                found = _audited(root, found, timings)
        if found is not None:
            problems = found.problems
            if scope is not None:
                problems = [p for p in problems if p.source.path in scope or p.source.path == "salesmd.yaml"]
            return found, problems, scope
    detail: dict = {}
    vault, problems = full_check(root, timings, contents, use_cache, detail, prep["walk"] if prep else None)
    unhistoried: list[str] = []
    pipeline = pipeline_paths(vault)
    with timings.stage("history"):
        try:
            history = load_history(root, use_cache=use_cache, relevant=pipeline)
        except GitError as e:
            history = None
            problems.append(_git_warning(vault.config, e))
        if history is not None and history.repo.shallow:
            problems.append(Problem(vault.config.source(), "git-shallow",
                                    "the repository is a shallow clone (git clone --depth): its older commits are "
                                    "missing, so the history rules saw only part of the history; run "
                                    "`git fetch --unshallow` (in CI, fetch the whole history)", "warning"))
        if history is not None and history.head is not None:  # before a first commit nothing has history to find
            unhistoried = [p for p in pipeline if p not in history.lines]
            history.follow_uncommitted_renames(set(pipeline), staged_only=mode == "staged")
        # --history: also every commit's versions (kept out of the state, which is the files as they are)
        audit = audit_commits(vault, history) if mode == "history" else []
        problems += check_against_history(vault, history, scope)
    if prep is not None and mode in ("current", "history") and not contents:
        with timings.stage("save state"):
            _save_state(vault, detail, problems, history, prep, unhistoried)
    problems += audit
    if scope is not None:
        problems = [p for p in problems if p.source.path in scope or p.source.path == "salesmd.yaml"]
    problems = sorted(set(problems), key=Problem.sort_key)
    return vault, problems, scope


def full_check(root: Path, timings: Timings, contents, use_cache: bool, detail: dict, walked):
    """Every file read (from the index where its row is current), every record and vault check
    run: (vault, problems). `detail` is filled with what the check state keeps: "files" (the
    walk), "own" (each file's reading and record-check problems), "vault" (the vault checks'
    problems) and "config" (the configuration's)."""
    from ..config import load_config
    from ..render.output import count
    from ..store.index import Index
    from ..store.load import build_vault, keep_in_index, read_files, settle, walk_files
    from . import run_record_checks, run_vault_checks

    with timings.stage("config"):
        config, config_problems = load_config(root)
    with timings.stage("walk"):
        files, started = walk_files(root, config, contents, walked)
    index = Index.open(root, config.signature, link_targets=config.types.link_targets) if use_cache else None
    with timings.stage("read+parse") as note:
        reading = read_files(root, config, files, index, contents, timings)
        note[0] = f"{count(len(files), 'file')}, {reading.read} read"
    with timings.stage("build"):
        vault, problems = build_vault(root, config, reading.parsed)
    checked_before = set(reading.checked)
    with timings.stage("checks"):
        found = run_vault_checks(vault)
        problems += config_problems + run_record_checks(vault, reading.checked) + found
    own = {p.path: list(p.problems) for p in reading.parsed}
    for rel, extra in reading.checked.items():
        own.setdefault(rel, []).extend(extra)
    detail.update(files=files, own=own, vault=found, config=config_problems)
    with timings.stage("save index") as note:
        note[0] = keep_in_index(index, files, reading, started, checked_before)
    if index is not None:
        index.close()
    settle()
    return vault, sorted(problems, key=Problem.sort_key)


def _git_warning(config, e: GitError) -> Problem:
    """The history rules were skipped: why, and the fix."""
    if isinstance(e, GitUnusable):
        return Problem(config.source(), e.code, f"{e.what}, so the history rules were skipped; {e.fix}", "warning")
    return Problem(config.source(), "git-unreadable", f"git history could not be read ({e}), so the history "
                   "rules were skipped; run `git fsck` to see what is broken", "warning")


def _quick(root: Path, timings: Timings, contents, staged: bool):
    from .quick import quick_check
    from ..config import load_config
    from ..store.walk import Walk, walk

    with timings.stage("config"):
        config, config_problems = load_config(root)
    if config_problems:
        return None, None  # the state is never used then, nor written
    with timings.stage("git"):
        try:
            repo = Repo.locate(root)  # before the walk: what changes after it is seen next time
        except GitError:
            return None, None  # the full check says what is wrong with git
        if repo is not None and repo.shallow:
            return None, None  # as does it for a shallow clone
        index = repo.index_stamp() if repo is not None else ""
    walk_ns = time.time_ns()
    with timings.stage("walk"):
        files = walk(root, config, sort=False)
    with timings.stage("state") as note:
        found = quick_check(root, config, files, walk_ns, repo=repo, index=index,
                            contents=contents, staged=staged)
        note[0] = "used" if found is not None else "full check needed"
    return found, {"walk": Walk(files, config.signature, walk_ns), "repo": repo, "index": index}


def _audited(root: Path, found, timings: Timings):
    """`check --history` from the quick check's answer (the files as they are, the rules against
    their committed versions) and the audit of every commit's versions (process.audit_lines),
    which needs the records only where it finds a problem: no reading of every record.
    None: leave it to the full check (no state to say which files are records, git unreadable)."""
    from dataclasses import replace

    from ..config import load_config
    from ..model import Source
    from ..store.read import read_file
    from .process import audit_lines
    from .state import kept_records

    records = kept_records(root)
    if records is None:
        return None
    config, _ = load_config(root)
    pipeline = {path: "" for path, type_ in records.items() if type_ in config.types.pipeline_types}

    def source_of(path: str) -> Source:
        record = read_file(root, path, config).record if path in records else None
        return record.source("stage") if record is not None else Source(path, 1)

    with timings.stage("history"):
        try:
            history = load_history(root, relevant=pipeline)
        except GitError:
            return None
        if history is None:
            return found
        if history.repo.shallow:
            return None
        if history.head is not None:
            history.follow_uncommitted_renames(set(pipeline), staged_only=False)
        found_now = audit_lines(config, history, source_of)
    return replace(found, problems=sorted(set(found.problems + found_now), key=Problem.sort_key))


def _save_state(vault, detail: dict, problems: list[Problem], history, prep: dict, unhistoried: list[str]) -> None:
    """Keep this full check's findings for the next quick one (state.py)."""
    from .state import Header, save_full_check, signature
    from ..store.dotfolder import no_gc

    if "files" not in detail:
        return
    repo = prep["repo"]
    head = repo.head_sha if repo is not None else None
    if (history.head if history is not None else None) != head:
        return  # a commit came in while this check ran: let the next one start afresh
    header = Header(signature(vault.config.signature), head, prep["index"],
                               prep["walk"].started_ns, 0, len(vault.records), detail["config"], unhistoried)
    with no_gc():
        save_full_check(vault, header, detail["files"], detail["own"], detail["vault"], problems)

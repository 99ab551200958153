"""Reading a whole vault, in plain steps: walk it, read its files (from the index where a file's
row is current), build the Vault, and keep what was read afresh in the index.

    files, started = walk_files(root, config)
    reading = read_files(root, config, files, index)
    vault, problems = build_vault(root, config, reading.parsed)
    ... checks (checks/run.py) ...
    keep_in_index(index, files, reading, started)

`read_vault` runs them for a command that wants every record and no checks. Commands that want
only some records read them through the index's queries instead (indexed.py).
"""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config, load_config
from ..model import ERROR, ParsedFile, Problem, id_key, id_of
from .dotfolder import no_gc
from .read import read_file
from .vault import Vault
from .walk import Walk, walk


# What a person watching the terminal is told while a stage runs (cli/progress.py shows it).
STAGE_LABELS = {"walk": "Looking for files", "read+parse": "Reading the files", "refresh": "Reading the files",
                "build": "Linking the records", "checks": "Checking the records", "save index": "Saving the index",
                "history": "Reading git history", "save state": "Saving what the check found",
                "state": "Comparing with the last check", "staged": "Reading what is staged"}


@dataclass
class Timings:
    """How long each stage of a command took (`-v` prints them), and what a person watching is
    shown meanwhile: `progress`, when given, has status(label) (a line while a stage runs) and
    track(items, label, length) (a bar over a long loop)."""

    stages: list[tuple[str, float, str]] = field(default_factory=list)
    progress: object | None = None

    @contextmanager
    def stage(self, name: str, detail: str = ""):
        """Time a stage; the block may set note[0] to say what it did."""
        note = [detail]
        start = time.perf_counter()
        label = STAGE_LABELS.get(name)
        if self.progress is not None and label is not None:
            with self.progress.status(label):
                yield note
        else:
            yield note
        self.stages.append((name, time.perf_counter() - start, note[0]))

    def track(self, items, label: str, length: int):
        """`items`, counted on a bar as they are gone through when progress is shown."""
        return items if self.progress is None else self.progress.track(items, label, length)


Contents = dict[str, "bytes | None"]


def walk_files(root: Path, config: Config, contents: Contents | None = None, walked: Walk | None = None):
    """(files, when the walk began): every file to read, as (path, stamp), by path. `contents`
    puts files in or takes them out (None: absent), for a check of what is staged or of a write
    not yet made. `walked` is a walk already made, used if it was made under this configuration."""
    if walked is not None and walked.config_signature == config.signature:
        files, started = sorted(walked.files), walked.started_ns
    else:
        started = time.time_ns()
        files = walk(root, config)
    if contents:
        stamps = dict(files)
        files = sorted((p, stamps.get(p)) for p in (stamps.keys() | {p for p in contents if p.endswith(".md")})
                       if contents.get(p, b"") is not None)
    return files, started


@dataclass
class Reading:
    """What read_files found: every file parsed, in path order; the record-check problems the index
    had for unchanged files; what was read afresh, to keep (path, stamp, parsed)."""

    parsed: list[ParsedFile]
    checked: dict[str, list[Problem]]
    fresh: list[tuple]
    read: int
    contents: Contents


def read_files(root: Path, config: Config, files, index=None, contents: Contents | None = None,
               timings: "Timings | None" = None) -> Reading:
    """Each file from its row in the index when the row is current, else from the disk (or `contents`)."""
    contents = contents or {}
    stored = _stored(index, files, contents)
    parsed: list[ParsedFile] = []
    checked: dict[str, list[Problem]] = {}
    fresh: list[tuple] = []
    read = 0
    with no_gc():
        for rel, stamp in timings.track(files, "Reading the files", len(files)) if timings else files:
            hit = stored.pop(rel, None)
            if hit is not None:
                pf, problems = hit
                if problems is not None:
                    checked[rel] = problems
            else:
                pf = read_file(root, rel, config, contents.get(rel), stamp)
                read += 1
                if index is not None and rel not in contents:
                    fresh.append((rel, stamp, pf))
                else:
                    pf.body = None  # no index to take its words: not kept
            parsed.append(pf)
    return Reading(parsed, checked, fresh, read, contents)


def _stored(index, files, contents) -> dict:
    """{path: (ParsedFile, record-check problems or None)} of the files whose row is current."""
    if index is None:
        return {}
    from .index import decode_problems, parsed_of

    import sqlite3

    found = {}
    try:
        index.db.execute("BEGIN")  # the stamps and the rows of one snapshot, whatever others write meanwhile
        try:
            if not index.ours():  # made anew for another configuration or code since it was opened
                return {}
            current = index.current
            wanted = {rel for rel, stamp in files if rel not in contents and current(rel, stamp)}
            with no_gc():
                for path, type_, _broken, record, problems, checked, skipped in index.rows():
                    if path in wanted:
                        found[path] = (parsed_of(path, type_, record, problems, skipped), decode_problems(checked))
        finally:
            index.db.execute("COMMIT")
    except sqlite3.DatabaseError as e:  # damaged: every file is read, and the index made anew
        index.note_error(e)
        return {}
    return found


def build_vault(root: Path, config: Config, parsed: list[ParsedFile]) -> tuple[Vault, list[Problem]]:
    """The Vault of the records read, and the problems found reading the files."""
    records = [p.record for p in parsed if p.record is not None]
    broken_paths: dict[str, str] = {}
    problems: list[Problem] = []
    skipped: dict[str, str] = {}
    for p in parsed:
        if p.record is None and any(x.severity == ERROR for x in p.problems):
            broken_paths.setdefault(id_key(id_of(p.path)), p.path)
        if p.skipped is not None:
            skipped[p.path] = p.skipped
        problems += p.problems
    vault = Vault(root, config, records, broken_paths, skipped)
    _ = vault.by_key, vault.by_type, vault.backlinks
    return vault, problems


def keep_in_index(index, files, reading: Reading, started_ns: int, checked_before: set[str] | None = None) -> str:
    """Store the files read afresh (with their record-check problems, if checked), the record-check
    problems found for unchanged files, and forget the files gone. Returns what it did, in words."""
    if index is None or index.damaged:
        return ""
    walked = {rel for rel, _ in files}
    gone = [rel for rel in index.paths() if rel not in walked and rel not in reading.contents]
    checked = reading.checked
    index.save([(rel, stamp, pf, checked.get(rel)) for rel, stamp, pf in reading.fresh], gone, started_ns)
    if checked_before is not None:
        fresh = {rel for rel, *_ in reading.fresh}
        stamps = dict(files)
        index.set_checked({rel: (stamps[rel], checked[rel]) for rel in checked.keys() - checked_before - fresh
                           if rel not in reading.contents and stamps.get(rel) is not None})
    return f"{len(reading.fresh)} rows written, {len(gone)} removed"


def read_vault(root: Path, *, config: Config | None = None, timings: Timings | None = None,
               use_cache: bool = True) -> tuple[Vault, list[Problem]]:
    """Every record of the vault, and the problems of its configuration and of reading its files
    (no checks): the steps above, one after the other."""
    from ..render.output import count
    from .index import Index

    timings = timings or Timings()
    problems: list[Problem] = []
    with timings.stage("config"):
        if config is None:
            config, problems = load_config(root)
    with timings.stage("walk"):
        files, started = walk_files(root, config)
    index = Index.open(root, config.signature, link_targets=config.types.link_targets) if use_cache else None
    with timings.stage("read+parse") as note:
        reading = read_files(root, config, files, index, timings=timings)
        note[0] = f"{count(len(files), 'file')}, {reading.read} read"
    with timings.stage("build"):
        vault, found = build_vault(root, config, reading.parsed)
    with timings.stage("save index") as note:
        note[0] = keep_in_index(index, files, reading, started)
    if index is not None:
        index.close()
    settle()
    return vault, sorted(problems + found, key=Problem.sort_key)


def settle() -> None:
    """The records live as long as the command: keep the cyclic GC from walking them again and
    again (with 100k records each collection costs tens of milliseconds)."""
    gc.freeze()

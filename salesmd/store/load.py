"""load_vault(): walk -> read -> index -> checks -> (Vault, problems)."""

from __future__ import annotations

import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..config import Config, load_config
from ..model import ERROR, ParsedFile, Problem, id_key, id_of
from .read import read_file
from .walk import Walk, walk

SAVE_THRESHOLD = 64  # files read afresh before the index cache is written again


@dataclass
class Timings:
    stages: list[tuple[str, float, str]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str, detail: str = ""):
        """Time a stage; the block may set note[0] to say what it did."""
        note = [detail]
        start = time.perf_counter()
        yield note
        self.stages.append((name, time.perf_counter() - start, note[0]))


def load_vault(root: Path, *, config: Config | None = None, timings: Timings | None = None,
               run_checks: bool = True, contents: dict[str, bytes | None] | None = None,
               use_cache: bool = True, detail: dict | None = None, walked: Walk | None = None):
    """Load and check a vault: returns (Vault, problems). Problems are sorted by location.

    `contents` replaces files by path with other bytes (None: the file is absent), so the same
    checks run on what is staged for a commit. Unchanged files come from the index cache.
    `detail`, when given, is filled with what the check state keeps: "files" (the walk),
    "own" (each file's reading and record-check problems), "vault" (the vault checks'
    problems) and "config" (the configuration's). `walked` is a walk already made, used if the
    configuration read now is still the one it was made under (its start begins the racy window).
    """
    from .cache import IndexCache
    from .dotfolder import no_gc
    from .vault import Vault

    timings = timings or Timings()
    problems: list[Problem] = []
    contents = contents or {}
    config_problems: list[Problem] = []
    with timings.stage("config"):
        if config is None:
            config, config_problems = load_config(root)
            problems += config_problems
    walk_ns = walked.started_ns if walked is not None else time.time_ns()
    with timings.stage("walk"):
        if walked is not None and walked.config_signature == config.signature:
            files = sorted(walked.files)
        else:
            files = walk(root, config)
        if contents:
            stamps = dict(files)
            files = sorted((p, stamps.get(p)) for p in (stamps.keys() | {p for p in contents if p.endswith(".md")})
                           if contents.get(p, b"") is not None)
    with timings.stage("cache"):
        cache = IndexCache(root, config.signature, enabled=use_cache)
    record_problems: dict[str, list[Problem]] = {}
    fresh: list[tuple[str, tuple[int, int], ParsedFile]] = []
    parsed: list[ParsedFile] = []
    with no_gc():
        with timings.stage("read+parse") as note:
            for rel, stamp in files:
                hit = cache.get(rel, stamp) if stamp is not None and rel not in contents else None
                if hit is not None:
                    pf, cached_problems = hit
                    if cached_problems is not None:
                        record_problems[rel] = cached_problems
                else:
                    pf = read_file(root, rel, config, contents.get(rel), stamp)
                    if stamp is not None and rel not in contents:
                        fresh.append((rel, stamp, pf))
                parsed.append(pf)
            from ..render.output import count

            note[0] = f"{count(len(files), 'file')}, {len(fresh)} read"
        with timings.stage("index"):
            records = [p.record for p in parsed if p.record is not None]
            broken_paths: dict[str, str] = {}
            for p in parsed:
                if p.record is None and any(x.severity == ERROR for x in p.problems):
                    broken_paths.setdefault(id_key(id_of(p.path)), p.path)
            vault = Vault(root, config, records, broken_paths)
            for p in parsed:
                problems += p.problems
            _ = vault.by_key, vault.by_type, vault.backlinks
        if run_checks:
            from ..checks import run_record_checks, run_vault_checks

            known = set(record_problems)
            with timings.stage("checks"):
                found = run_vault_checks(vault)
                problems += run_record_checks(vault, record_problems) + found
            if detail is not None:
                own = {p.path: list(p.problems) for p in parsed}
                for rel, extra in record_problems.items():
                    own.setdefault(rel, []).extend(extra)
                detail.update(files=files, own=own, vault=found, config=config_problems)
        with timings.stage("save cache"):
            fresh_paths = {rel for rel, _, _ in fresh}
            for rel, stamp, pf in fresh:
                cache.put(rel, stamp, pf, record_problems.get(rel))
            if run_checks:
                stamps = dict(files)
                for rel in record_problems.keys() - known - fresh_paths:
                    if rel not in contents and stamps.get(rel) is not None and rel in cache.entries:
                        cache.put(rel, stamps[rel], cache.entries[rel][1], record_problems[rel])
            cache.keep_only({rel for rel, _ in files} | set(contents))
            # Rewriting the whole cache for a handful of edits costs more than reading those
            # files again next time, so small changes wait until they add up.
            if len(fresh) >= SAVE_THRESHOLD or cache.stale_share() > 0.01:
                cache.save(walk_ns)
    problems.sort(key=Problem.sort_key)
    # The records live as long as the command: keep the cyclic GC from walking them again and
    # again (with 100k records each collection costs tens of milliseconds).
    gc.freeze()
    return vault, problems

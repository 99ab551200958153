"""Opening the vault for a command that reads: the index brought up to the files (refresh.py),
then the vault that answers from it (indexed.py); the files themselves when no index can be had."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from ..model import Problem
from .index import Index
from .indexed import IndexedVault
from .refresh import read_one, refresh


def open_vault(root: Path, timings, queries: bool = False):
    """(vault, problems) for a command that reads: the index brought up to the files, then an
    IndexedVault over it. The problems are the configuration's. Without an index (--no-cache, or
    none to be had) every file is read (load.read_vault); or, if the command needs the index's
    own queries (`queries`: full-text search), into an index in memory."""
    from ..config import load_config
    from ..render.output import count
    from .dotfolder import caching_allowed
    from .load import read_vault
    from .walk import walk

    with timings.stage("config"):
        config, config_problems = load_config(root)
    with timings.stage("index"):
        index = Index.open(root, config.signature, link_targets=config.types.link_targets) if caching_allowed() else None
        if index is None and queries:
            index = Index.in_memory(config.signature, config.types.link_targets)
    if index is not None:
        started = time.time_ns()
        with timings.stage("walk"):
            files = walk(root, config, sort=False)  # the order of a refresh does not matter
        with timings.stage("refresh") as note:
            # answered from a snapshot in which the index is complete (Index.hold): another command may
            # make it anew (or fill it) between this refresh's end and the first query; then once more
            for _ in range(2):
                try:
                    done = refresh(root, config, index, read_one(root, config), files, started, track=timings.track)
                    note[0] = f"{count(len(files), 'file')}, {len(done.fresh)} read, {len(done.gone)} gone"
                    held = done.saved and index.hold(files)
                except sqlite3.DatabaseError as e:  # damaged: read every file, and let the next command make it anew
                    index.note_error(e)
                    held = False
                    break
                if held or not done.saved:
                    break
        if held:
            return IndexedVault(root, config, index), config_problems
        index.close()  # another command holds the index, or a name SQLite cannot keep: read it all
        if queries:
            index = Index.in_memory(config.signature, config.types.link_targets)
            refresh(root, config, index, read_one(root, config), track=timings.track)
            return IndexedVault(root, config, index), config_problems
    vault, problems = read_vault(root, config=config, timings=timings, use_cache=False)
    return vault, sorted(config_problems + problems, key=Problem.sort_key)

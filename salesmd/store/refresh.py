"""Bringing the index up to the files: a stat walk, then reading only the files new or changed
since their row was written, and forgetting those gone."""

from __future__ import annotations

import time
from pathlib import Path

from .index import Index


class Refreshed:
    """What a refresh did: the walk, when it began, and the files read afresh."""

    def __init__(self, files, started_ns: int, fresh: list, gone: list, saved: bool):
        self.files, self.started_ns, self.fresh, self.gone, self.saved = files, started_ns, fresh, gone, saved


def refresh(root: Path, config, index: Index, read, files=None, started_ns: int | None = None,
            track=None) -> Refreshed:
    """Bring the index up to the files: read each file new or changed since its row was written
    (`read(rel, stamp)` -> ParsedFile), forget the files gone. `files` is a walk already
    made (begun at `started_ns`)."""
    from .walk import walk

    if files is None:
        started_ns = time.time_ns()
        files = walk(root, config)
    fresh = []
    settled = index.settled()
    for rel, stamp in track(files, "Reading the files", len(files)) if track else files:
        row = settled.get(rel)
        if row is None or stamp is None or row[0] != str(stamp[0]) or row[1] != str(stamp[1]):
            fresh.append((rel, stamp, read(rel, stamp), None))
    walked = {rel for rel, _ in files}
    gone = [rel for rel in index.paths() if rel not in walked]
    saved = index.save(fresh, gone, started_ns)
    return Refreshed(files, started_ns, fresh, gone, saved)


def read_one(root: Path, config):
    """`read` for refresh."""
    from .read import read_file

    return lambda rel, stamp: read_file(root, rel, config, stamp=stamp)

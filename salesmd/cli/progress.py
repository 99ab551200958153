"""Progress on stderr for long work, shown only to a person watching a terminal.

Nothing is written when stderr is not a terminal (a pipe, a file, a test) or when the `CI`
environment variable is set (to anything but empty, `0` or `false`), so output that is captured
stays clean.

    for path in track(paths, "Reading history"):   # a click progress bar over known work
        read_one(path)
    with status("Reading the vault"):              # one line for work of unknown length
        vault, problems = app.load()
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterable, Iterator, TypeVar

import click

T = TypeVar("T")


def enabled(stream=None) -> bool:
    """True when progress may be shown: stderr is a terminal and this is not CI."""
    if os.environ.get("CI", "").strip().casefold() not in ("", "0", "false"):
        return False
    stream = stream if stream is not None else sys.stderr
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
        return False


def track(items: Iterable[T], label: str, length: int | None = None, *, show: bool = True) -> Iterator[T]:
    """Yield `items`, with a click progress bar on stderr when `enabled()` (and `show`)."""
    if not (show and enabled()):
        yield from items
        return
    steps = max(1, (length or 0) // 200)  # redrawn 200 times at most, however many items
    with click.progressbar(items, length=length, label=label, file=sys.stderr, update_min_steps=steps) as bar:
        yield from bar


@contextmanager
def status(label: str, *, show: bool = True):
    """One line `label…` on stderr while the block runs, erased when it ends."""
    if not (show and enabled()):
        yield
        return
    sys.stderr.write(f"{label}…")
    sys.stderr.flush()
    try:
        yield
    finally:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


class Progress:
    """What a command's Timings show a person watching (store/load.py): each long stage's name, and
    a bar over the files."""

    def status(self, label: str):
        return status(label)

    def track(self, items, label: str, length: int):
        return track(items, label, length)


def for_terminal() -> Progress | None:
    """A Progress when one may be shown (enabled()), else None."""
    return Progress() if enabled() else None

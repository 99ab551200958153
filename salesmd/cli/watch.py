"""`salesmd watch`: a watchdog observer and a debounced rebuild loop.

A file event only notes the time; the loop waits until the vault has been quiet for the debounce
interval (an editor's save is often several events, a `git checkout` hundreds), then re-checks,
rebuilds the site and prints which problems are new and which were fixed. A file saved half-way
or broken is a problem like any other, and an error in a rebuild is printed, not fatal: the loop
goes on until Ctrl-C, which stops the observer cleanly.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from ..model import Problem
from ..reports.problems import ProblemCount

IGNORED_PARTS = {".git", ".salesmd", ".obsidian"}


class _Handler(FileSystemEventHandler):
    def __init__(self, root: Path, out_dir: Path, changed: "Changes"):
        self.root = root
        self.out_dir = Path(os.path.realpath(out_dir))
        self.changed = changed

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
            return  # a folder's "modified" is its entries changing: those have events of their own
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw and self._relevant(Path(raw if isinstance(raw, str) else raw.decode())):
                self.changed.note()
                return

    def _relevant(self, path: Path) -> bool:
        try:  # realpath, not Path.resolve: a symbolic link that loops raises no RuntimeError
            resolved = Path(os.path.realpath(path))
            rel = resolved.relative_to(self.root)
        except (ValueError, OSError):
            return False
        if resolved.is_relative_to(self.out_dir):
            return False
        if IGNORED_PARTS.intersection(rel.parts) or any(p.startswith(".") and p.endswith(".tmp") for p in rel.parts):
            return False
        return rel.suffix in (".md", ".yaml", ".html", ".css") or path.is_dir()


@dataclass
class Changes:
    """When the vault last changed; set by watchdog's thread, read by the loop."""

    last: float = 0.0
    pending: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self) -> None:
        with self.lock:
            self.last, self.pending = time.monotonic(), True

    def take_if_quiet(self, debounce: float) -> bool:
        with self.lock:
            if self.pending and time.monotonic() - self.last >= debounce:
                self.pending = False
                return True
            return False


def problem_key(p: Problem) -> tuple:
    return (p.source.path, p.code, p.message)


def diff_problems(before: list[Problem], after: list[Problem]) -> tuple[list[Problem], list[Problem]]:
    """(new, fixed), comparing by file, code and message (not line: lines move as people type)."""
    old = {problem_key(p) for p in before}
    now = {problem_key(p) for p in after}
    return [p for p in after if problem_key(p) not in old], [p for p in before if problem_key(p) not in now]


def watch(root: Path, out_dir: Path, rebuild: Callable[[], list[Problem]],
          report: Callable[[str], None], debounce: float = 0.3, poll: float = 0.05,
          stop: threading.Event | None = None) -> None:
    """Rebuild once, then after every quiet spell following a change, until Ctrl-C (or `stop`)."""
    changes = Changes()
    observer = Observer()
    observer.schedule(_Handler(root.resolve(), out_dir, changes), str(root), recursive=True)
    observer.start()
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())  # a service manager's stop, like Ctrl-C
    previous = _safe(rebuild, report)
    if previous is not None:
        report(f"watching {root} (Ctrl-C to stop)")
    try:
        while not stop.is_set():
            time.sleep(poll)
            if not changes.take_if_quiet(debounce):
                continue
            current = _safe(rebuild, report)
            if current is None:
                continue
            new, fixed = diff_problems(previous or [], current)
            for p in new:
                report(f"new: {p.format()}")
            for p in fixed:
                report(f"fixed: {p.format()}")
            report(f"rebuilt at {time.strftime('%H:%M:%S')}: {ProblemCount.of(current)}")
            previous = current
    except KeyboardInterrupt:
        pass
    finally:
        observer.stop()
        observer.join(timeout=5)
        report("stopped")


def _safe(rebuild: Callable[[], list[Problem]], report: Callable[[str], None]) -> list[Problem] | None:
    try:
        return rebuild()
    except KeyboardInterrupt:
        raise
    except Exception as e:  # the loop survives anything a half-saved vault can do to a rebuild
        report(f"rebuild failed: {type(e).__name__}: {e}; waiting for the next change")
        return None

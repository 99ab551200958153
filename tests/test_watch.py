"""`salesmd watch` as a user runs it: a real process, real file saves, Ctrl-C."""

from __future__ import annotations

import queue
import signal
import subprocess
import sys
import threading
import time

from conftest import make_vault


class Watcher:
    def __init__(self, vault, site):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "salesmd", "--vault", str(vault.root), "watch", "--out", str(site),
             "--debounce", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            # Ctrl-C reaches it as at a terminal, even when the suite itself runs in the background
            # (`pytest &`: the shell starts it with SIGINT ignored, and children inherit that)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 20) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; saw: {self.seen}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=20)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def test_watch_rebuilds_reports_and_survives_a_half_saved_file(tmp_path):
    vault = make_vault(tmp_path / "v")
    site = tmp_path / "site"
    w = Watcher(vault, site)
    try:
        w.wait_for("watching")
        assert (site / "index.html").exists()
        # a save caught half-way: front matter not closed yet
        (vault.root / "leads" / "half.md").write_text("---\ntype: lead\nname: Half\n")
        assert "leads/half.md:1: error[frontmatter-unclosed]" in w.wait_for("new:")
        w.wait_for("rebuilt")
        # a burst of saves is one rebuild
        for stage in ("nwe", "ne", "new"):
            (vault.root / "leads" / "half.md").write_text(f"---\ntype: lead\nname: Half\nstage: {stage}\n---\n")
            time.sleep(0.02)
        assert "frontmatter-unclosed" in w.wait_for("fixed:")
        assert "0 errors" in w.wait_for("rebuilt")
        time.sleep(0.6)
        assert w.lines.empty(), "one burst of saves, one rebuild"
        assert (site / "records" / "half.html").exists()
    finally:
        code = w.stop()
    assert code == 0
    assert "stopped" in w.wait_for("stopped", timeout=5)
    assert not any("Traceback" in line for line in w.seen)

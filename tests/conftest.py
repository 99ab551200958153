"""Fixtures: vaults (and their git history) built from short inline texts, and the real CLI."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from salesmd.cli import main
from salesmd.config import default_config_text

# A small vault that checks clean: every test that breaks something starts from here.
BASE = {
    "accounts/acme-corp.md": """\
        ---
        type: account
        name: Acme Corp
        industry: Logistics
        owner: maria
        territory: west
        ---
        Fleet of 40 forklifts across two warehouses.
        """,
    "contacts/jane-doe.md": """\
        ---
        type: contact
        name: Jane Doe
        account: "[[acme-corp]]"
        email: jane@acme.example
        phone: "+1 503 555 0142"
        lead: "[[jane-doe-inquiry]]"
        ---
        """,
    "leads/jane-doe-inquiry.md": """\
        ---
        type: lead
        name: Jane Doe inquiry
        stage: converted
        company: Acme Corp
        converted_to: "[[acme-fleet-renewal]]"
        converted_on: 2026-10-02
        owner: maria
        ---
        """,
    "leads/bolt-builders.md": """\
        ---
        type: lead
        name: Bolt Builders
        stage: contacted
        owner: dev
        territory: east
        ---
        """,
    "opportunities/acme-fleet-renewal.md": """\
        ---
        type: opportunity
        name: Acme fleet renewal
        stage: proposal
        account: "[[acme-corp]]"
        contacts: ["[[jane-doe]]"]
        amount: 48000
        close_date: 2026-12-15
        lead: "[[jane-doe-inquiry]]"
        owner: maria
        territory: west
        ---
        Twelve electric forklifts to replace the propane fleet.
        """,
    "activities/call-jane.md": """\
        ---
        type: activity
        subject: Call Jane about the trade-in
        kind: call
        status: done
        start: 2026-11-20T10:00
        end: 2026-11-20T10:30
        related: ["[[acme-fleet-renewal]]", "[[jane-doe]]"]
        owner: maria
        ---
        """,
    "tasks/send-quote.md": """\
        ---
        type: task
        subject: Send the revised quote
        status: done
        due: 2026-11-21
        related: ["[[acme-fleet-renewal]]"]
        owner: maria
        ---
        """,
    "tasks/chase-quote.md": """\
        ---
        type: task
        subject: Chase the quote
        status: open
        due: 2026-11-26
        follows: "[[send-quote]]"
        related: ["[[acme-fleet-renewal]]"]
        owner: maria
        ---
        """,
    "notes/trade-in-terms.md": """\
        ---
        type: note
        title: Trade-in terms agreed
        date: 2026-11-20
        related: ["[[acme-fleet-renewal]]"]
        ---
        Jane accepted 9,000 for the old fleet.
        """,
    "README.md": "# Our CRM\n\nNot a record.\n",
}


def git(root: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="Test", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True, env=env).stdout


@dataclass
class VaultDir:
    root: Path

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text), encoding="utf-8", newline="")
        return path

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def snapshot(self) -> dict[str, str]:
        """sha256 of every file (not git's, not the cache), to prove a command changed nothing."""
        out = {}
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and ".git" not in path.parts and ".salesmd" not in path.parts:
                out[path.relative_to(self.root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
        return out

    def commit(self, message: str = "update", *extra: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", message, *extra)
        return git(self.root, "rev-parse", "--short", "HEAD").strip()

    def run(self, *args: str, ok: bool | None = None):
        """Run the real CLI against this vault; `ok` asserts the exit code is (non-)zero."""
        result = CliRunner().invoke(main, ["--vault", str(self.root), *args], catch_exceptions=False)
        if ok is True:
            assert result.exit_code == 0, result.output
        elif ok is False:
            assert result.exit_code != 0, result.output
        return result

    def json(self, *args: str):
        result = self.run(*args, "--format", "json")
        assert result.exit_code in (0, 1), result.output
        return json.loads(result.stdout)


def index_db(root: Path):
    """The vault's index database, opened as any SQLite client would (to damage or forge it)."""
    import sqlite3

    return sqlite3.connect(root / ".salesmd" / "index.sqlite", isolation_level=None)


def history_row(root: Path, value: str | None = None) -> str | None:
    """The history kept in the index (its JSON text); with `value`, replaced by it first."""
    db = index_db(root)
    try:
        if value is not None:
            db.execute("UPDATE git_history SET v = ? WHERE k = 'log'", (value,))
        row = db.execute("SELECT v FROM git_history WHERE k = 'log'").fetchone()
        return row[0] if row else None
    finally:
        db.close()


def history_rows(root: Path) -> list[dict]:
    """The history kept in the index, row by row: 'log', then each row of newer commits after it."""
    db = index_db(root)
    try:
        rows = dict(db.execute("SELECT k, v FROM git_history"))
    finally:
        db.close()
    return [json.loads(rows[k]) for k in ["log", *(f"log+{n}" for n in range(1, len(rows)))] if k in rows]


def as_if_copied(path: Path) -> None:
    """Make `path` a new file with the same bytes, as a clone or a copy of a folder would (written
    beside it, then renamed over it: a new inode, as a copy elsewhere has)."""
    copy = path.with_name(path.name + ".copy")
    copy.write_bytes(path.read_bytes())
    os.replace(copy, path)


def make_vault(root: Path, files: dict[str, str | bytes] | None = None, *, base: bool = True,
               git_init: bool = True, config: str | None = None) -> VaultDir:
    vault = VaultDir(root)
    root.mkdir(parents=True, exist_ok=True)
    vault.write("salesmd.yaml", config if config is not None else default_config_text())
    for rel, text in {**(BASE if base else {}), **(files or {})}.items():
        if text is not None:
            vault.write(rel, text)
    if git_init:
        git(root, "init", "-q", "-b", "main")
    return vault


@pytest.fixture
def vault(tmp_path: Path) -> VaultDir:
    return make_vault(tmp_path / "vault")

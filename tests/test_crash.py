"""A writing command killed at any moment leaves the whole change or none of it, once any salesmd
command has run after it; and no temporary file stays behind.

The loop kills a real `salesmd` process with SIGKILL: at random moments (seeded), and just before
each rename of its change set (SALESMD_TEST_KILL_AT_RENAME=k makes the process kill itself
there). SALESMD_CRASH_TRIES=200 runs 200 random kills per command instead of the suite's sample.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import git, make_vault
from salesmd.cli import main

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

TODAY = ["--today", "2026-11-27"]
COMMANDS = {
    # convert writes four files: the account, the contact, the opportunity, then the lead
    "convert": ["convert", "bolt-builders", "--amount", "36000", "--close-date", "2027-01-31"],
    # done --follow-up writes two: the task, then its follow-up
    "done": ["done", "chase-quote", "--outcome", "signed the PO", "--follow-up", "Book delivery",
             "--due", "2026-12-01"],
    # a bulk write (more files than changes.BULK): all staged, synced once, then renamed
    "import": ["import", "csv", "deals.csv"],
}
DEALS_CSV = "Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount,Associated Company\n" + "".join(
    f"{9000 + i},Fleet deal {i},qualifiedtobuy,2027-01-{10 + i},Maria Lopez,{1000 * (i + 1)},Company {i}\n"
    for i in range(5))  # five deals and their five accounts: ten new files
# run after a crash: any command settles an interrupted write before it reads the vault
AFTERWARDS = [["check"], ["list", "lead"], ["show", "acme-corp"], ["pipeline"]]


def files(root: Path) -> dict[str, bytes]:
    """Every file of the vault, byte for byte (not git's, not the cache's)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.parts and ".salesmd" not in p.parts}


def leftovers(root: Path) -> list[str]:
    """Temporary files and journals a crash could leave (the cache's own folder aside)."""
    found = [p.relative_to(root).as_posix() for p in root.rglob("*.tmp")
             if ".git" not in p.parts and ".salesmd" not in p.parts]
    found += [p.name for p in (root / ".salesmd").glob("*") if p.name == "journal" or p.name.startswith(".journal.")]
    return found


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    vault = make_vault(tmp_path_factory.mktemp("crash") / "template")
    vault.write("leads/bolt-builders.md", vault.read("leads/bolt-builders.md").replace(
        "stage: contacted\n", "stage: qualified\ncompany: Bolt Builders\nperson: Ana Ruiz\n"))
    vault.write("deals.csv", DEALS_CSV)
    vault.commit("initial")
    return vault.root


def salesmd(root: Path, args: list[str], **env: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "salesmd", "--vault", str(root), *TODAY, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=root,
                            env={**os.environ, **env})


def fresh(template: Path, where: Path) -> Path:
    shutil.copytree(template, where, symlinks=True)
    return where


def settle(root: Path, args: list[str]):
    """The next command, in this process (the killed one was a real one)."""
    return CliRunner().invoke(main, ["--vault", str(root), *TODAY, *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def outcomes(template, tmp_path_factory) -> dict[str, tuple[dict, dict, float]]:
    """For each command: the vault before it, after it (run whole), and how long it took."""
    out = {}
    for name, args in COMMANDS.items():
        root = fresh(template, tmp_path_factory.mktemp("reference") / "v")
        before = files(root)
        start = time.monotonic()
        proc = salesmd(root, args)
        _, err = proc.communicate()
        assert proc.returncode == 0, err
        out[name] = (before, files(root), time.monotonic() - start)
    return out


@pytest.mark.parametrize("name", COMMANDS)
def test_killed_before_each_rename_the_next_command_leaves_all_or_nothing(name, template, outcomes, tmp_path):
    before, after, _ = outcomes[name]
    renames = 2 + sum(before.get(rel) != data for rel, data in after.items())  # + the journal's
    for k in range(1, renames + 1):
        root = fresh(template, tmp_path / f"k{k}")
        proc = salesmd(root, COMMANDS[name], SALESMD_TEST_KILL_AT_RENAME=str(k))
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL, f"rename {k} of {renames}: the process was not killed"
        result = settle(root, AFTERWARDS[k % len(AFTERWARDS)])
        assert "Traceback" not in result.stderr
        # killed before the journal was in place: nothing; from then on: the whole change
        assert files(root) == (before if k == 1 else after), f"{name} killed before rename {k}"
        assert leftovers(root) == [], f"{name} killed before rename {k}"


@pytest.mark.parametrize("name", COMMANDS)
def test_killed_at_random_moments_the_next_command_leaves_all_or_nothing(name, template, outcomes, tmp_path):
    before, after, took = outcomes[name]
    tries = int(os.environ.get("SALESMD_CRASH_TRIES", "10"))
    rng = random.Random(f"{name}-{tries}")
    seen = {"before": 0, "after": 0}
    for i in range(tries):
        root = fresh(template, tmp_path / f"t{i}")
        proc = salesmd(root, COMMANDS[name])
        time.sleep(rng.uniform(0.4, 1.1) * took)  # mostly in the second half, where the writes are
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        result = settle(root, rng.choice(AFTERWARDS))
        assert "Traceback" not in result.stderr
        now = files(root)
        assert now in (before, after), f"{name}, try {i}: the vault is neither before nor after the change"
        assert leftovers(root) == [], f"{name}, try {i}"
        seen["before" if now == before else "after"] += 1
        settled = any(f"salesmd: {w} " in result.stderr for w in ("finished", "undid", "removed"))
        seen["settled by the next command"] = seen.get("settled by the next command", 0) + settled
        seen["cache temporaries"] = seen.get("cache temporaries", 0) + len(list((root / ".salesmd").glob(".*.tmp")))
    print(f"{name}: {tries} random kills -> {seen}")


@pytest.fixture
def killed(template, tmp_path):
    """A copy of the vault and a way to run a command in it that dies before its k-th rename."""
    root = fresh(template, tmp_path / "v")

    def run(name: str, k: int) -> Path:
        proc = salesmd(root, COMMANDS[name], SALESMD_TEST_KILL_AT_RENAME=str(k))
        proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        return root
    return run


def test_done_killed_between_its_two_writes_still_gets_its_follow_up(killed):
    root = killed("done", 3)  # the journal, the task: killed before the follow-up is written
    assert "status: done" in (root / "tasks/chase-quote.md").read_text()
    assert not (root / "tasks/book-delivery.md").exists()
    result = settle(root, ["done", "chase-quote"])
    assert "finished 'done task chase-quote, follow-up book-delivery" in result.stderr
    assert "already done" in result.stderr  # the command itself then finds the task done
    follow_up = (root / "tasks/book-delivery.md").read_text()
    assert 'follows: "[[chase-quote]]"' in follow_up and "due: 2026-12-01" in follow_up


def test_convert_killed_before_the_lead_is_written_is_finished_not_repeated(killed):
    root = killed("convert", 5)  # the journal, account, contact, opportunity: not the lead
    assert "stage: qualified" in (root / "leads/bolt-builders.md").read_text()
    result = settle(root, ["check"])
    assert result.exit_code == 0, result.output  # no conversion error left
    assert "stage: converted" in (root / "leads/bolt-builders.md").read_text()
    again = settle(root, COMMANDS["convert"])
    assert again.exit_code == 1 and "already 'converted'" in again.stderr
    assert len(list((root / "opportunities").glob("bolt-builders*.md"))) == 1


def test_a_file_edited_by_hand_after_the_crash_is_kept_and_the_change_undone(killed, template):
    root = killed("convert", 3)  # the account is written, the rest is not
    account = root / "accounts/bolt-builders-account.md"  # the lead has the id bolt-builders
    assert account.exists()
    lead = root / "leads/bolt-builders.md"
    lead.write_text(lead.read_text() + "Called back: wants a quote first.\n")
    edited = files(root)
    result = settle(root, ["check"])
    assert "undid 'convert lead bolt-builders" in result.stderr and "leads/bolt-builders.md" in result.stderr
    assert not account.exists()
    assert files(root) == {k: v for k, v in edited.items()  # the rest as it was, the crash's temporary gone
                           if k != "accounts/bolt-builders-account.md" and not k.endswith(".tmp")}
    assert leftovers(root) == []


def test_a_half_written_journal_is_ignored_and_removed(killed, template):
    root = killed("done", 1)  # killed before the journal took its name: its temporary file is left
    assert list((root / ".salesmd").glob(".journal.*.tmp"))
    (root / ".salesmd/journal").write_bytes(b"salesmd-journal 1 0000\n{\"message\": \"torn")
    settle(root, ["list", "task"])
    assert files(root) == files(template) and leftovers(root) == []


def test_init_ignores_the_temporary_files_of_a_write(tmp_path):
    root = tmp_path / "crm"
    subprocess.run([sys.executable, "-m", "salesmd", "init", str(root)], check=True, capture_output=True)
    (root / "leads/.acme.md.k2j4h6g8.tmp").write_text("half")
    assert git(root, "status", "--porcelain", "--untracked-files=all").count(".tmp") == 0


def test_a_journal_that_cannot_be_settled_yet_stays_for_the_next_command(killed, outcomes):
    root = killed("done", 2)  # the journal is in place, no file written yet
    task = root / "tasks/chase-quote.md"
    task.chmod(0o444)
    result = settle(root, ["list", "task"])
    assert result.exit_code == 0 and "could not be settled yet" in result.stderr and "read-only" in result.stderr
    assert (root / ".salesmd/journal").exists()
    task.chmod(0o644)
    result = settle(root, ["list", "task"])
    assert "finished 'done task chase-quote" in result.stderr
    assert files(root) == outcomes["done"][1] and leftovers(root) == []


def planted_journal(root: Path, files: dict[str, bytes]) -> None:
    """A journal signed as this user's salesmd signs one, that creates `files` (path -> bytes)."""
    from salesmd.write.journal import Entry, _encode

    (root / ".salesmd").mkdir(exist_ok=True)
    (root / ".salesmd/journal").write_bytes(_encode("x", [Entry(rel, None, data) for rel, data in files.items()]))


def test_a_journal_naming_files_outside_the_vault_writes_nothing(template, tmp_path):
    root = fresh(template, tmp_path / "v")
    planted_journal(root, {"tasks/new.md": b"a", "../outside.md": b"gotcha"})
    result = settle(root, ["check"])
    assert "outside the vault" in result.stderr
    assert not (tmp_path / "outside.md").exists() and not (root / "tasks/new.md").exists()
    assert leftovers(root) == []


def test_a_journal_not_written_by_this_users_salesmd_is_never_acted_on(template, tmp_path):
    # a journal committed into a repository (git add -f) comes with every clone: checksummed but
    # not signed with this user's key, it is removed and nothing in it is done
    import hashlib
    import json

    root = fresh(template, tmp_path / "v")
    (root / ".salesmd").mkdir(exist_ok=True)
    body = json.dumps({"message": "x", "files": [{"rel": "notes/planted.md", "before": None,
                                                  "after": "LS0tCnR5cGU6IG5vdGUKLS0tCg=="}]}).encode()
    (root / ".salesmd/journal").write_bytes(f"salesmd-journal 1 {hashlib.sha256(body).hexdigest()}\n".encode() + body)
    result = settle(root, ["check"])
    assert "cannot vouch for" in result.stderr and "nothing in it was done" in result.stderr
    assert not (root / "notes/planted.md").exists() and leftovers(root) == []


def test_a_journal_never_writes_into_git_through_a_link_in_the_vault(template, tmp_path):
    root = fresh(template, tmp_path / "v")
    os.symlink(".git", root / "g")  # a link committed to the vault that leads into the repository
    planted_journal(root, {"g/hooks/post-checkout": b"#!/bin/sh\necho pwned\n", "notes/n.md": b"x"})
    result = settle(root, ["check"])
    assert "outside the vault" in result.stderr
    assert not (root / ".git/hooks/post-checkout").exists() and not (root / "notes/n.md").exists()


def test_a_journal_that_cannot_be_settled_is_left_whole_and_blocks_the_next_write(killed, outcomes):
    root = killed("convert", 3)  # the journal and the account written: contact, deal and lead to come
    after_kill = files(root)
    lead = root / "leads/bolt-builders.md"
    lead.chmod(0o444)
    result = settle(root, ["move", "acme-fleet-renewal", "negotiation"])
    assert "could not be settled yet" in result.stderr and "read-only" in result.stderr
    assert "interrupted write is still to be settled" in result.stderr and result.exit_code != 0
    assert files(root) == after_kill, "neither the recovery nor the move wrote anything"
    assert (root / ".salesmd/journal").exists()
    lead.chmod(0o644)
    result = settle(root, ["check"])
    assert "finished 'convert lead bolt-builders" in result.stderr
    assert files(root) == outcomes["convert"][1] and leftovers(root) == []

"""The README's "Working as a team" recipe, performed with real git: a bare remote with salesmd's
pre-receive hook, each rep's clone with the pre-commit hook, pushes refused and accepted."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_vault
from salesmd.config import default_config_text

OPP = "opportunities/acme-fleet-renewal.md"


def git(who: str, cwd: Path, *args: str, ok: bool | None = True, day: str | None = None) -> subprocess.CompletedProcess:
    """git as one rep (their name is the commit's author; `day`, YYYY-MM-DD, the commit's date);
    PATH without salesmd's virtualenv, as a server's hooks have it, so the hook must find salesmd
    by its absolute interpreter path."""
    env = dict(os.environ, GIT_AUTHOR_NAME=who, GIT_AUTHOR_EMAIL=f"{who.lower()}@example.com",
               GIT_COMMITTER_NAME=who, GIT_COMMITTER_EMAIL=f"{who.lower()}@example.com",
               PATH="/usr/local/bin:/usr/bin:/bin")
    if day is not None:
        env.update(GIT_AUTHOR_DATE=f"{day}T12:00:00+00:00", GIT_COMMITTER_DATE=f"{day}T12:00:00+00:00")
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)
    if ok is not None:
        assert (done.returncode == 0) == ok, done.stdout + done.stderr
    return done


def salesmd(cwd: Path, *args: str, ok: bool | None = True) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "salesmd", *args], cwd=cwd, capture_output=True, text=True)
    if ok is not None:
        assert (done.returncode == 0) == ok, done.stdout + done.stderr
    return done


def short(cwd: Path, rev: str = "HEAD") -> str:
    return git("x", cwd, "rev-parse", "--short=7", rev).stdout.strip()


def remote_tip(remote: Path, branch: str = "main") -> str | None:
    done = git("x", remote, "rev-parse", "-q", "--verify", f"refs/heads/{branch}", ok=None)
    return done.stdout.strip() or None


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (old, path)
    path.write_text(text.replace(old, new, 1))


@pytest.fixture
def team(tmp_path: Path):
    """The recipe: a bare remote with the server hook (the vault in crm/), Maria's clone holding the
    vault (and the pre-commit hook), pushed; Dev's clone of it. Returns (remote, maria, dev)."""
    remote = tmp_path / "crm.git"
    git("admin", tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    installed = salesmd(tmp_path, "hooks", "install", "--server", "--repo", str(remote), "--vault-path", "crm")
    assert "pre-receive" in installed.stdout
    maria = tmp_path / "maria"
    git("Maria", tmp_path, "clone", "-q", str(remote), str(maria))
    make_vault(maria / "crm", git_init=False)
    salesmd(maria / "crm", "hooks", "install")
    git("Maria", maria, "add", "-A")
    git("Maria", maria, "commit", "-qm", "The vault")
    pushed = git("Maria", maria, "push", "-q", "origin", "main")
    assert "refs/heads/main: 1 new commit checked, nothing broken" in pushed.stderr
    dev = tmp_path / "dev"
    git("Dev", tmp_path, "clone", "-q", str(remote), str(dev))
    salesmd(dev / "crm", "hooks", "install")
    return remote, maria, dev


def test_a_push_that_reopens_a_won_deal_is_refused_naming_the_commit(team):
    remote, maria, dev = team
    edit(maria / "crm" / OPP, "stage: proposal", "stage: won")
    git("Maria", maria, "commit", "-qam", "Acme signed")
    git("Maria", maria, "push", "-q", "origin", "main")
    won = short(maria)
    git("Dev", dev, "pull", "-q")
    edit(dev / "crm" / OPP, "stage: won", "stage: negotiation")
    assert git("Dev", dev, "commit", "-qam", "Reopen Acme", ok=False)  # the pre-commit hook refuses it
    git("Dev", dev, "commit", "-qam", "Reopen Acme", "--no-verify")  # the server does not let it through
    before = remote_tip(remote)
    refused = git("Dev", dev, "push", "origin", "main", ok=False)
    reopen = short(dev)
    assert f"commit {reopen} by Dev: Reopen Acme" in refused.stderr
    assert (f"crm/{OPP}:4: error[terminal-left]: was 'won' in {won} (" in refused.stderr
            and f", Maria), became 'negotiation' in {reopen} (" in refused.stderr)
    assert "pre-receive hook declined" in refused.stderr
    assert remote_tip(remote) == before  # nothing reached the remote
    # fixed: the commit dropped, a change that keeps the deal won
    git("Dev", dev, "reset", "-q", "--hard", "origin/main")
    edit(dev / "crm" / OPP, "amount: 48000", "amount: 52000")
    git("Dev", dev, "commit", "-qam", "Acme signed at 52k")
    accepted = git("Dev", dev, "push", "origin", "main")
    assert "refs/heads/main: 1 new commit checked, nothing broken" in accepted.stderr
    assert remote_tip(remote) == git("x", dev, "rev-parse", "HEAD").stdout.strip()


def test_a_push_with_a_broken_link_is_refused_at_its_path_and_line(team):
    remote, maria, _ = team
    before = remote_tip(remote)
    edit(maria / "crm" / OPP, 'account: "[[acme-corp]]"', 'account: "[[acme-crop]]"')
    git("Maria", maria, "commit", "-qam", "Typo", "--no-verify")
    typo = short(maria)
    edit(maria / "crm" / "leads" / "bolt-builders.md", "stage: contacted", "stage: qualified")
    git("Maria", maria, "commit", "-qam", "Bolt qualified")  # a later commit of the push, fine itself
    refused = git("Maria", maria, "push", "origin", "main", ok=False)
    assert f"commit {typo} by Maria: Typo\nremote:     crm/{OPP}:5: error[link-broken]: 'account' links to " \
        "[[acme-crop]]" in re.sub(r" +\n", "\n", refused.stderr)  # git pads the remote's lines with spaces
    assert "Bolt qualified" not in refused.stderr
    assert remote_tip(remote) == before


def test_deleting_a_record_that_others_link_to_names_the_files_it_breaks(team):
    remote, maria, _ = team
    git("Maria", maria, "rm", "-q", "crm/accounts/acme-corp.md")
    git("Maria", maria, "commit", "-qm", "Drop Acme", "--no-verify")
    refused = git("Maria", maria, "push", "origin", "main", ok=False)
    assert f"commit {short(maria)} by Maria: Drop Acme" in refused.stderr  # the tip, blamed for files it did not touch
    assert f"crm/{OPP}:5: error[link-broken]" in refused.stderr
    assert "crm/contacts/jane-doe.md:4: error[link-broken]" in refused.stderr


def test_new_and_deleted_branches(team):
    remote, maria, dev = team
    edit(maria / "crm" / OPP, "stage: proposal", "stage: won")
    git("Maria", maria, "commit", "-qam", "Acme signed")
    git("Maria", maria, "push", "-q", "origin", "main")
    # a new branch (old = 0000...) that reopens the deal: refused
    git("Maria", maria, "checkout", "-qb", "reopen")
    edit(maria / "crm" / OPP, "stage: won", "stage: proposal")
    git("Maria", maria, "commit", "-qam", "Back to proposal", "--no-verify")
    refused = git("Maria", maria, "push", "origin", "reopen", ok=False)
    assert "push to refs/heads/reopen refused" in refused.stderr and "error[terminal-left]" in refused.stderr
    assert remote_tip(remote, "reopen") is None
    # a new branch with two good commits: accepted, each checked
    git("Maria", maria, "checkout", "-q", "main")
    git("Maria", maria, "checkout", "-qb", "notes")
    for n in (1, 2):
        (maria / "crm" / "notes" / f"n{n}.md").write_text(f"---\ntype: note\ntitle: N{n}\ndate: 2026-11-2{n}\n---\n")
        git("Maria", maria, "add", "-A")
        git("Maria", maria, "commit", "-qm", f"note {n}")
    accepted = git("Maria", maria, "push", "origin", "notes")
    assert "refs/heads/notes: 2 new commits checked, nothing broken" in accepted.stderr
    # deleted: accepted, nothing to check
    git("Maria", maria, "push", "-q", "origin", "--delete", "notes")
    assert remote_tip(remote, "notes") is None


def test_a_merge_that_takes_the_other_branchs_stage_is_that_merges_doing(team):
    remote, maria, dev = team
    edit(maria / "crm" / OPP, "stage: proposal", "stage: won")
    git("Maria", maria, "commit", "-qam", "Acme signed")
    git("Maria", maria, "push", "-q", "origin", "main")
    # Dev, who never saw it won, moved the deal on; merging, he keeps his stage
    edit(dev / "crm" / OPP, "stage: proposal", "stage: negotiation")
    git("Dev", dev, "commit", "-qam", "Negotiating")
    git("Dev", dev, "fetch", "-q")
    git("Dev", dev, "merge", "-q", "origin/main", "--no-edit", ok=False)  # a conflict on `stage`
    edit(dev / "crm" / OPP, "<<<<<<< HEAD\nstage: negotiation\n=======\nstage: won\n>>>>>>> origin/main\n",
         "stage: negotiation\n")
    git("Dev", dev, "add", "-A")
    git("Dev", dev, "commit", "-qm", "Merge, keeping mine", "--no-verify")
    refused = git("Dev", dev, "push", "origin", "main", ok=False)
    merge = short(dev)
    assert f"commit {merge} by Dev: Merge, keeping mine" in refused.stderr
    assert f"became 'negotiation' in {merge}" in refused.stderr
    assert "Negotiating" not in refused.stderr  # his own commit broke nothing: it never saw won


def test_problems_from_before_the_hook_do_not_hold_up_a_push(tmp_path: Path):
    """The hook judges what a push brings: history already in the remote is not read again (the
    cost is the pushed commits'), and an error the branch already had is not the push's."""
    remote = tmp_path / "crm.git"
    git("admin", tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    vault = make_vault(tmp_path / "maria", {"leads/broken.md": "---\ntype: lead\nname: B\nstage: nwe\n---\n"})
    git("Maria", vault.root, "add", "-A")
    git("Maria", vault.root, "commit", "-qm", "start")
    edit(vault.root / OPP, "stage: proposal", "stage: won")
    git("Maria", vault.root, "commit", "-qam", "won")
    edit(vault.root / OPP, "stage: won", "stage: proposal")
    git("Maria", vault.root, "commit", "-qam", "reopened before the hook")
    git("Maria", vault.root, "push", "-q", str(remote), "main")
    salesmd(tmp_path, "hooks", "install", "--server", "--repo", str(remote))
    edit(vault.root / "leads/bolt-builders.md", "stage: contacted", "stage: qualified")
    git("Maria", vault.root, "commit", "-qam", "Bolt qualified")
    accepted = git("Maria", vault.root, "push", str(remote), "main")
    assert "1 new commit checked, nothing broken" in accepted.stderr
    # while a new error in the same push is refused
    edit(vault.root / "leads/bolt-builders.md", "stage: qualified", "stage: qualifed")
    git("Maria", vault.root, "commit", "-qam", "Bolt typo")
    refused = git("Maria", vault.root, "push", str(remote), "main", ok=False)
    assert "leads/bolt-builders.md:4: error[stage-unknown]" in refused.stderr
    assert "broken.md" not in refused.stderr and "terminal-left" not in refused.stderr


def test_backwards_error_in_the_config_refuses_a_stage_moved_back(tmp_path: Path):
    remote = tmp_path / "crm.git"
    git("admin", tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    vault = make_vault(tmp_path / "maria")
    edit(vault.root / "salesmd.yaml", "backwards: warn", "backwards: error")
    git("Maria", vault.root, "add", "-A")
    git("Maria", vault.root, "commit", "-qm", "start")
    git("Maria", vault.root, "push", "-q", str(remote), "main")
    salesmd(tmp_path, "hooks", "install", "--server", "--repo", str(remote))
    edit(vault.root / OPP, "stage: proposal", "stage: qualification")
    git("Maria", vault.root, "commit", "-qam", "back", "--no-verify")
    refused = git("Maria", vault.root, "push", str(remote), "main", ok=False)
    assert f"{OPP}:4: error[stage-backwards]: moved back from 'proposal' (" in refused.stderr


def test_a_declared_types_terminal_stage_holds_on_the_server_too(tmp_path: Path):
    remote = tmp_path / "crm.git"
    git("admin", tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    vault = make_vault(tmp_path / "maria", {"partners/bolt.md": "---\ntype: partner\nname: Bolt\nstage: ended\n---\n"},
                       config=default_config_text() + "types:\n  partner:\n    folder: partners\n"
                       "    keys: {name: text}\n    pipeline: {stages: [applied, active], terminal: [ended]}\n")
    git("Maria", vault.root, "add", "-A")
    git("Maria", vault.root, "commit", "-qm", "start")
    git("Maria", vault.root, "push", "-q", str(remote), "main")
    salesmd(tmp_path, "hooks", "install", "--server", "--repo", str(remote))
    edit(vault.root / "partners/bolt.md", "stage: ended", "stage: active")
    git("Maria", vault.root, "commit", "-qam", "partner back", "--no-verify")
    refused = git("Maria", vault.root, "push", str(remote), "main", ok=False)
    assert "partners/bolt.md:4: error[terminal-left]: was 'ended' in " in refused.stderr


def test_server_install_refuses_what_it_should(tmp_path: Path):
    remote = tmp_path / "crm.git"
    git("admin", tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho mine\n")
    kept = salesmd(tmp_path, "hooks", "install", "--server", "--repo", str(remote), ok=False)
    assert kept.returncode == 2 and "not installed by salesmd" in kept.stderr
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    salesmd(tmp_path, "hooks", "install", "--server", "--repo", str(remote), "--force")
    assert "hooks pre-receive" in hook.read_text() and os.access(hook, os.X_OK)
    bad = salesmd(tmp_path, "hooks", "install", "--server", "--repo", str(remote), "--vault-path", "../x", ok=False)
    assert bad.returncode == 2 and "relative to the repository's top" in bad.stderr
    clone = tmp_path / "clone"
    git("x", tmp_path, "init", "-q", str(clone))
    not_bare = salesmd(tmp_path, "hooks", "install", "--server", "--repo", str(clone), ok=False)
    assert not_bare.returncode == 2 and "not a bare repository" in not_bare.stderr
    assert not (clone / ".git" / "hooks" / "pre-receive").exists()
    flag = salesmd(tmp_path, "hooks", "install", "--vault-path", "crm", ok=False)
    assert flag.returncode == 2 and "--server" in flag.stderr


def test_server_install_checks_the_vault_path_against_head(team):
    remote, _, _ = team
    wrong = salesmd(remote.parent, "hooks", "install", "--server", "--repo", str(remote), "--force", ok=False)
    assert wrong.returncode == 2 and "no salesmd.yaml" in wrong.stderr and "--vault-path" in wrong.stderr
    salesmd(remote.parent, "hooks", "install", "--server", "--repo", str(remote), "--vault-path", "crm/")


def test_the_server_keeps_the_vault_written_out_and_rewrites_only_what_a_push_changed(team):
    """The tip is checked from files the server keeps between pushes (the check's index warm), so a
    push costs what it changed; a file the push deletes goes from there too."""
    remote, maria, _ = team
    kept = remote / "salesmd-hook" / "crm" / "vault"
    account = kept / "accounts" / "acme-corp.md"
    assert account.read_text() == (maria / "crm" / "accounts" / "acme-corp.md").read_text()
    stamp = account.stat().st_mtime_ns, account.stat().st_ino
    edit(maria / "crm" / OPP, "amount: 48000", "amount: 52000")
    git("Maria", maria, "rm", "-q", "crm/activities/call-jane.md")
    git("Maria", maria, "commit", "-qam", "52k")
    git("Maria", maria, "push", "-q", "origin", "main")
    assert "amount: 52000" in (kept / OPP).read_text()
    assert (account.stat().st_mtime_ns, account.stat().st_ino) == stamp  # not written again
    assert not (kept / "activities" / "call-jane.md").exists()


def test_a_folder_made_a_link_out_never_leads_a_later_write_outside(team, tmp_path: Path):
    remote, maria, _ = team
    outside = tmp_path / "outside"
    outside.mkdir()
    git("Maria", maria, "rm", "-rq", "crm/tasks")
    os.symlink(outside, maria / "crm" / "tasks")  # the server writes it out as a link, as git has it
    git("Maria", maria, "add", "-A")
    git("Maria", maria, "commit", "-qm", "tasks elsewhere", "--no-verify")
    git("Maria", maria, "push", "-q", "origin", "main")
    assert not (remote / "salesmd-hook" / "crm" / "vault" / "tasks").is_symlink()  # a link out is not written
    os.symlink(outside, remote / "salesmd-hook" / "crm" / "vault" / "tasks")  # as an older salesmd wrote it
    manifest = remote / "salesmd-hook" / "crm" / "manifest.json"  # out of step with the files, as after a crash
    manifest.write_text(json.dumps({k: v for k, v in json.loads(manifest.read_text()).items() if k != "tasks"}))
    (maria / "crm" / "tasks").unlink()
    (maria / "crm" / "tasks").mkdir()
    (maria / "crm" / "tasks" / "call-back.md").write_text(
        "---\ntype: task\nsubject: Call back\nstatus: open\ndue: 2026-11-30\n---\n")
    git("Maria", maria, "add", "-A")
    git("Maria", maria, "commit", "-qm", "a task")
    git("Maria", maria, "push", "-q", "origin", "main")
    assert list(outside.iterdir()) == []
    assert (remote / "salesmd-hook" / "crm" / "vault" / "tasks" / "call-back.md").is_file()


def test_a_push_that_removes_the_vault_is_refused(team):
    remote, maria, _ = team
    git("Maria", maria, "rm", "-q", "crm/salesmd.yaml")
    git("Maria", maria, "commit", "-qm", "No more config", "--no-verify")
    refused = git("Maria", maria, "push", "origin", "main", ok=False)
    assert f"commit {short(maria)} by Maria: No more config" in refused.stderr
    assert "crm/salesmd.yaml:1: error[vault-removed]" in refused.stderr


def test_pre_receive_on_bad_input_says_what_is_wrong(team):
    remote, maria, _ = team
    tip = remote_tip(remote)

    def pre_receive(stdin: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "salesmd", "hooks", "pre-receive", "--repo", str(remote),
                               "--vault-path", "crm"], input=stdin, capture_output=True, text=True)

    bad = pre_receive("main is fine\n")
    assert bad.returncode == 2 and "line 1 of standard input is not `<old> <new> <ref>`" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = pre_receive(f"{tip} {'1' * 40} refs/heads/main\n")
    assert missing.returncode == 1 and f"{'1' * 40} is not a commit of this repository" in missing.stderr
    assert "Traceback" not in missing.stderr
    outside = pre_receive("")  # nothing pushed: nothing to say
    assert outside.returncode == 0 and outside.stderr == ""
    again = pre_receive(f"{tip} {tip} refs/heads/other\n")  # a branch made at a commit the server has
    assert again.returncode == 0
    unsafe = subprocess.run([sys.executable, "-m", "salesmd", "hooks", "pre-receive", "--repo", str(remote),
                             "--vault-path", "/etc"], input="", capture_output=True, text=True)
    assert unsafe.returncode == 2 and "relative to the repository's top" in unsafe.stderr
    assert remote_tip(remote) == tip


def test_a_deal_renamed_and_reopened_in_one_commit_and_a_conversion_undone(team):
    remote, maria, _ = team
    edit(maria / "crm" / OPP, "stage: proposal", "stage: won")
    git("Maria", maria, "commit", "-qam", "Acme signed")
    git("Maria", maria, "push", "-q", "origin", "main")
    git("Maria", maria, "mv", f"crm/{OPP}", "crm/opportunities/acme-renewal.md")
    edit(maria / "crm" / "opportunities" / "acme-renewal.md", "stage: won", "stage: proposal")
    edit(maria / "crm" / "leads" / "jane-doe-inquiry.md", 'converted_to: "[[acme-fleet-renewal]]"',
         'converted_to: "[[acme-renewal]]"')
    git("Maria", maria, "commit", "-qam", "Renamed, reopened, relinked", "--no-verify")
    refused = git("Maria", maria, "push", "origin", "main", ok=False)
    assert "crm/opportunities/acme-renewal.md:4: error[terminal-left]: was 'won' in " in refused.stderr
    assert "crm/leads/jane-doe-inquiry.md:6: error[conversion-changed]: was converted to [[acme-fleet-renewal]] in " \
        in refused.stderr


def test_where_the_server_cannot_keep_the_vault_it_checks_a_temporary_copy(team):
    remote, maria, _ = team
    shutil.rmtree(remote / "salesmd-hook")
    (remote / "salesmd-hook").write_text("not a folder")  # as unwritable as it gets for root
    edit(maria / "crm" / OPP, 'account: "[[acme-corp]]"', 'account: "[[acme-crop]]"')
    git("Maria", maria, "commit", "-qam", "Typo", "--no-verify")
    refused = git("Maria", maria, "push", "origin", "main", ok=False)
    assert f"crm/{OPP}:5: error[link-broken]" in refused.stderr
    assert (remote / "salesmd-hook").read_text() == "not a folder"


def test_a_commit_pushed_first_as_a_tag_is_still_checked_when_a_branch_takes_it(team):
    """Only what a branch holds counts as checked: a commit a tag brought is held to the rules
    when a branch takes it, and the tag itself is held to them too."""
    remote, maria, _ = team
    edit(maria / "crm" / OPP, "stage: proposal", "stage: won")
    git("Maria", maria, "commit", "-qam", "Acme signed")
    git("Maria", maria, "push", "-q", "origin", "main")
    edit(maria / "crm" / OPP, "stage: won", "stage: negotiation")
    git("Maria", maria, "commit", "-qam", "Reopen", "--no-verify")
    reopen = short(maria)
    before = remote_tip(remote)
    git("Maria", maria, "push", "origin", "main", ok=False)
    tagged = git("Maria", maria, "push", "origin", "HEAD:refs/tags/sneaky", ok=False)
    assert "push to refs/tags/sneaky refused" in tagged.stderr and "error[terminal-left]" in tagged.stderr
    assert git("x", remote, "rev-parse", "-q", "--verify", "refs/tags/sneaky", ok=None).stdout == ""
    git("Maria", maria, "tag", "-a", "-m", "annotated", "sneaky2")
    annotated = git("Maria", maria, "push", "origin", "refs/tags/sneaky2", ok=False)
    assert "error[terminal-left]" in annotated.stderr
    # a tag the hook never saw (pushed before it was installed, or by another route) checks nothing
    hook = remote / "hooks" / "pre-receive"
    saved = hook.read_text()
    hook.write_text("#!/bin/sh\nexit 0\n")
    git("Maria", maria, "push", "-q", "origin", "HEAD:refs/tags/sneaky")
    hook.write_text(saved)
    refused = git("Maria", maria, "push", "origin", "main", ok=False)
    assert f"commit {reopen} by Maria: Reopen" in refused.stderr and "error[terminal-left]" in refused.stderr
    assert remote_tip(remote) == before
    # a tag on a commit the branch already has is accepted, and other refs pass as before
    git("Maria", maria, "reset", "-q", "--hard", "origin/main")
    accepted = git("Maria", maria, "push", "origin", "HEAD:refs/tags/v1")
    assert "refs/tags/v1: 0 new commits checked, nothing broken" in accepted.stderr


def test_the_server_never_follows_a_link_out_of_the_repository(team, tmp_path: Path):
    """A salesmd.yaml (or a record) committed as a link to a file on the server is refused at its
    path and never read: nothing of the file reaches the pusher, and the written-out vault holds
    no link that leads outside it."""
    remote, maria, _ = team
    secret = tmp_path / "secret.yaml"
    secret.write_text("currency: hunter2-SECRET\n")
    before = remote_tip(remote)
    (maria / "crm" / "salesmd.yaml").unlink()
    (maria / "crm" / "salesmd.yaml").symlink_to(secret)
    git("Maria", maria, "add", "-A")
    git("Maria", maria, "commit", "-qm", "link", "--no-verify")
    refused = git("Maria", maria, "push", "origin", "main", ok=False)
    assert "crm/salesmd.yaml:1: error[path-escape]" in refused.stderr
    assert "hunter2" not in refused.stderr
    kept = remote / "salesmd-hook" / "crm" / "vault"
    assert not (kept / "salesmd.yaml").is_symlink()
    # a record linked out, and a link that leads out only through another link of the same commit
    git("Maria", maria, "reset", "-q", "--hard", "origin/main")
    (tmp_path / "deal.md").write_text("---\ntype: opportunity\nname: Secret deal hunter2\n---\n")
    os.symlink(tmp_path / "deal.md", maria / "crm" / "opportunities" / "elsewhere.md")
    os.symlink("here/../../deal.md", maria / "crm" / "notes" / "a.md")
    os.symlink(".", maria / "crm" / "notes" / "here")
    git("Maria", maria, "add", "-A")
    git("Maria", maria, "commit", "-qm", "links", "--no-verify")
    refused = git("Maria", maria, "push", "origin", "main", ok=False)
    assert "crm/opportunities/elsewhere.md:1: error[path-escape]" in refused.stderr
    assert "crm/notes/a.md:1: error[path-escape]" in refused.stderr
    assert "hunter2" not in refused.stderr
    assert not (kept / "opportunities" / "elsewhere.md").is_symlink()
    for path in kept.rglob("*"):
        assert Path(os.path.realpath(path)).is_relative_to(kept.resolve()), path
    assert remote_tip(remote) == before


def test_a_force_push_that_rewrites_a_won_deal_out_of_history_is_refused(team):
    """A force-push's new commits are fine against their own parents; the history it drops is
    not: the old tip's records are held against the new tip's, and the new tip is blamed."""
    remote, maria, _ = team
    edit(maria / "crm" / OPP, "stage: proposal", "stage: negotiation")
    git("Maria", maria, "commit", "-qam", "Negotiating")
    git("Maria", maria, "push", "-q", "origin", "main")
    edit(maria / "crm" / OPP, "stage: negotiation", "stage: won")
    git("Maria", maria, "commit", "-qam", "Acme signed")
    won = short(maria)
    git("Maria", maria, "push", "-q", "origin", "main")
    before = remote_tip(remote)
    git("Maria", maria, "reset", "-q", "--hard", "HEAD~1")
    edit(maria / "crm" / OPP, "amount: 48000", "amount: 52000")
    git("Maria", maria, "commit", "-qam", "52k")
    refused = git("Maria", maria, "push", "-f", "origin", "main", ok=False)
    assert f"commit {short(maria)} by Maria: 52k" in refused.stderr
    line = next(x for x in refused.stderr.splitlines() if "error[terminal-left]" in x)
    assert f"crm/{OPP}:4: error[terminal-left]: was 'won' in {won} (" in line
    assert f"rewrites history: the branch's tip {won} is not in the new one" in line
    assert remote_tip(remote) == before
    # the branch only moved back, no new commit at all: the same
    git("Maria", maria, "reset", "-q", "--hard", "HEAD~1")
    back = git("Maria", maria, "push", "-f", "origin", "main", ok=False)
    assert "error[terminal-left]" in back.stderr and "rewrites history" in back.stderr
    # the deal renamed and reopened in the rewritten history: followed to its new name
    git("Maria", maria, "mv", f"crm/{OPP}", "crm/opportunities/acme-renewal.md")
    git("Maria", maria, "commit", "-qm", "Renamed", "--no-verify")
    renamed = git("Maria", maria, "push", "-f", "origin", "main", ok=False)
    assert "crm/opportunities/acme-renewal.md:4: error[terminal-left]: was 'won' in " in renamed.stderr
    assert remote_tip(remote) == before
    # a rewrite that keeps the deal won (a commit's message amended) is accepted
    git("Maria", maria, "reset", "-q", "--hard", before)
    git("Maria", maria, "commit", "-q", "--amend", "-m", "Acme signed at last")
    git("Maria", maria, "push", "-f", "origin", "main")
    assert remote_tip(remote) == git("x", maria, "rev-parse", "HEAD").stdout.strip()

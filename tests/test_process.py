"""The one-way rules, checked against real git history built in a temporary repository."""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import git, make_vault

OPP = "opportunities/acme-fleet-renewal.md"
LEAD = "leads/jane-doe-inquiry.md"


def set_stage(vault, rel: str, old: str, new: str, extra: str = "") -> None:
    text = vault.read(rel)
    assert f"stage: {old}\n" in text
    vault.write(rel, text.replace(f"stage: {old}\n", f"stage: {new}\n{extra}", 1))


@pytest.fixture
def committed(tmp_path):
    vault = make_vault(tmp_path / "v")
    vault.commit("initial")
    return vault


def test_won_deal_edited_back_is_reported_with_the_commit(committed):
    set_stage(committed, OPP, "proposal", "won")
    sha = committed.commit("won acme")
    set_stage(committed, OPP, "won", "proposal")
    committed.commit("oops", "--no-verify")
    result = committed.run("check", ok=False)
    date = git(committed.root, "log", "-1", "--format=%ad", "--date=short", sha).strip()
    expected = f"{OPP}:4: error[terminal-left]: was 'won' in {sha} ({date}), now 'proposal'"
    assert expected in result.output.replace(os.path.relpath(committed.root) + "/", "")


def test_uncommitted_edit_is_checked_too(committed):
    set_stage(committed, OPP, "proposal", "lost", "lost_reason: price\n")
    committed.commit("lost")
    set_stage(committed, OPP, "lost", "negotiation")
    assert "terminal-left" in committed.run("check", ok=False).output


def test_a_terminal_stage_kept_is_fine(committed):
    set_stage(committed, OPP, "proposal", "won")
    committed.commit("won")
    text = committed.read(OPP).replace("amount: 48000", "amount: 50000")
    committed.write(OPP, text)
    committed.commit("final amount")
    assert "terminal-left" not in committed.run("check", ok=True).output


def test_conversion_is_final(committed):
    text = committed.read(LEAD).replace("[[acme-fleet-renewal]]", "[[other-deal]]")
    committed.write("opportunities/other-deal.md", "---\ntype: opportunity\nname: Other\nstage: prospecting\n"
                                                   "lead: \"[[jane-doe-inquiry]]\"\n---\n")
    committed.write(LEAD, text)
    result = committed.run("check", ok=False)
    assert "error[conversion-changed]: was converted to [[acme-fleet-renewal]]" in result.output


def test_history_audit_catches_a_round_trip(committed):
    set_stage(committed, OPP, "proposal", "won")
    committed.commit("won")
    set_stage(committed, OPP, "won", "proposal")
    back = committed.commit("reopened", "--no-verify")
    set_stage(committed, OPP, "proposal", "won")
    committed.commit("won again")
    committed.run("check", ok=True)  # as the files stand, nothing is wrong
    audit = committed.run("check", "--history", ok=False)
    assert "error[terminal-left]" in audit.output and f"became 'proposal' in {back}" in audit.output


def test_history_audit_reads_deleted_files_too(committed):
    set_stage(committed, "leads/bolt-builders.md", "contacted", "disqualified")
    committed.commit("dq")
    set_stage(committed, "leads/bolt-builders.md", "disqualified", "new")
    committed.commit("revive")
    os.remove(committed.root / "leads/bolt-builders.md")
    committed.commit("delete")
    assert "leads/bolt-builders.md:1: error[terminal-left]" in committed.run("check", "--history").output


@pytest.mark.parametrize("setting,severity", [("warn", "warning"), ("error", "error"), ("allow", None)])
def test_moving_backwards(tmp_path, setting, severity):
    from salesmd.config import default_config_text

    config = default_config_text().replace("backwards: warn", f"backwards: {setting}")
    vault = make_vault(tmp_path / "v", config=config)
    set_stage(vault, OPP, "proposal", "negotiation")
    vault.commit("negotiating")
    set_stage(vault, OPP, "negotiation", "proposal")
    output = vault.run("check").output
    if severity is None:
        assert "stage-backwards" not in output
    else:
        assert f"{severity}[stage-backwards]: moved back from 'negotiation'" in output


def test_pre_commit_hook_refuses_and_no_verify_is_still_caught(committed):
    result = committed.run("hooks", "install", ok=True)
    assert "pre-commit" in result.output
    set_stage(committed, OPP, "proposal", "won")
    committed.commit("won")
    set_stage(committed, OPP, "won", "proposal")
    git(committed.root, "add", "-A")
    env = dict(os.environ, GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@e", GIT_COMMITTER_NAME="T",
               GIT_COMMITTER_EMAIL="t@e")
    refused = subprocess.run(["git", "commit", "-qm", "reopen"], cwd=committed.root, capture_output=True,
                             text=True, env=env)
    assert refused.returncode != 0
    assert "terminal-left" in refused.stdout + refused.stderr
    committed.commit("reopen anyway", "--no-verify")
    assert "terminal-left" in committed.run("check", ok=False).output


def test_hook_install_keeps_a_foreign_hook(committed):
    hook = committed.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho mine\n")
    result = committed.run("hooks", "install")
    assert result.exit_code == 2 and "not installed by salesmd" in result.stderr
    assert hook.read_text() == "#!/bin/sh\necho mine\n"


def test_staged_checks_only_what_is_staged(committed):
    committed.write("leads/staged.md", "---\ntype: lead\nname: S\nstage: nwe\n---\n")
    committed.write("leads/unstaged.md", "---\ntype: lead\nname: U\nstage: nwe\n---\n")
    git(committed.root, "add", "leads/staged.md")
    out = committed.run("check", "--staged", ok=False).output
    assert "leads/staged.md:4: error[stage-unknown]" in out and "unstaged" not in out


def test_staged_sees_the_staged_version_not_the_working_file(committed):
    set_stage(committed, "leads/bolt-builders.md", "contacted", "qualifed")
    git(committed.root, "add", "-A")
    set_stage(committed, "leads/bolt-builders.md", "qualifed", "qualified")  # fixed, but not staged
    assert "stage-unknown" in committed.run("check", "--staged", ok=False).output
    git(committed.root, "add", "-A")
    committed.run("check", "--staged", ok=True)


def test_history_command_follows_renames(committed):
    set_stage(committed, OPP, "proposal", "negotiation")
    text = committed.read(OPP).replace("amount: 48000", "amount: 52000")
    committed.write(OPP, text)
    committed.commit("negotiating at 52k")
    git(committed.root, "mv", OPP, "opportunities/acme-renewal.md")
    # keep the links resolving after the rename
    for rel in ("leads/jane-doe-inquiry.md", "activities/call-jane.md", "tasks/send-quote.md",
                "tasks/chase-quote.md", "notes/trade-in-terms.md"):
        committed.write(rel, committed.read(rel).replace("[[acme-fleet-renewal]]", "[[acme-renewal]]"))
    committed.commit("rename")
    data = committed.json("history", "acme-renewal")
    changes = {(c["key"], str(c["old"]), str(c["new"])) for e in data["entries"] for c in e["changes"]}
    assert ("stage", "proposal", "negotiation") in changes and ("amount", "48000", "52000") in changes
    assert [e["subject"] for e in data["entries"]] == ["initial", "negotiating at 52k", "rename"]
    assert data["entries"][0]["path"] == OPP and data["entries"][-1]["path"] == "opportunities/acme-renewal.md"
    text = committed.run("history", "acme-renewal", ok=True).output
    assert "stage: proposal -> negotiation" in text and "amount: 48000 -> 52000" in text


def test_history_command_tells_each_change_against_its_own_parent(committed):
    """A branch's commit listed between two of main's must not show up as undone by main's next."""
    git(committed.root, "checkout", "-q", "-b", "side")
    committed.write(OPP, committed.read(OPP).replace("amount: 48000", "amount: 52000"))
    git(committed.root, "commit", "-qam", "side: 52k", "--date", "2026-11-01T10:00:00")
    git(committed.root, "checkout", "-q", "main")
    set_stage(committed, OPP, "proposal", "negotiation")
    env = dict(os.environ, GIT_COMMITTER_DATE="2026-11-02T10:00:00")
    subprocess.run(["git", "commit", "-qam", "main: negotiating", "--date", "2026-11-02T10:00:00"],
                   cwd=committed.root, check=True, env=env)
    git(committed.root, "merge", "-q", "--no-edit", "side")
    entries = {e["subject"]: e["changes"] for e in committed.json("history", "acme-fleet-renewal")["entries"]}
    assert [(c["key"], c["old"], c["new"]) for c in entries["main: negotiating"]] == [("stage", "proposal", "negotiation")]
    assert [(c["key"], c["old"], c["new"]) for c in entries["side: 52k"]] == [("amount", 48000, 52000)]
    assert "(not committed)" not in entries


def test_history_cache_survives_corruption_and_new_commits(committed):
    set_stage(committed, OPP, "proposal", "won")
    committed.commit("won")
    committed.run("check", ok=True)
    cache = committed.root / ".salesmd" / "history.json"
    assert cache.exists()
    cache.write_text("{not json")
    committed.run("check", ok=True)
    set_stage(committed, OPP, "won", "proposal")
    committed.commit("reopen", "--no-verify")
    assert "terminal-left" in committed.run("check", ok=False).output
    cache.write_bytes(b"\x00\xff" * 10)
    assert "terminal-left" in committed.run("check", ok=False).output


def test_vault_in_a_subfolder_of_the_repository(tmp_path):
    vault = make_vault(tmp_path / "repo" / "crm", git_init=False)
    git(tmp_path / "repo", "init", "-q")
    set_stage(vault, OPP, "proposal", "won")
    vault.commit("won")
    set_stage(vault, OPP, "won", "proposal")
    vault.commit("reopen")
    assert "terminal-left" in vault.run("check", ok=False).output


def test_without_git_the_history_rules_are_skipped(tmp_path):
    vault = make_vault(tmp_path / "v", git_init=False)
    vault.run("check", ok=True)
    assert "not in a git repository" in vault.run("check", "--staged").stderr


def test_a_file_committed_once_then_edited_is_still_checked(tmp_path):
    """A record committed in a single version is not re-read while unchanged; once edited, it is."""
    vault = make_vault(tmp_path / "v")
    set_stage(vault, OPP, "proposal", "won")
    vault.commit("import, already won")
    vault.run("check", ok=True)
    set_stage(vault, OPP, "won", "negotiation")
    assert "terminal-left" in vault.run("check", ok=False).output

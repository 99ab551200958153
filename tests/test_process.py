"""The one-way rules, checked against real git history built in a temporary repository."""

from __future__ import annotations

import os
import subprocess

import pytest

from conftest import VaultDir, as_if_copied, git, history_row, make_vault

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


def test_won_deal_edited_back_is_reported_with_the_commit_and_its_author(committed):
    set_stage(committed, OPP, "proposal", "won")
    sha = committed.commit("won acme")
    set_stage(committed, OPP, "won", "proposal")
    committed.commit("oops", "--no-verify")
    result = committed.run("check", ok=False)
    date = git(committed.root, "log", "-1", "--format=%ad", "--date=short", sha).strip()
    expected = f"{OPP}:4: error[terminal-left]: was 'won' in {sha} ({date}, Test), now 'proposal'"  # who made it
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
    assert history_row(committed.root) is not None
    history_row(committed.root, "{not json")
    committed.run("check", ok=True)
    set_stage(committed, OPP, "won", "proposal")
    committed.commit("reopen", "--no-verify")
    assert "terminal-left" in committed.run("check", ok=False).output
    history_row(committed.root, "\x00\xff" * 10)
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


# When git cannot show the whole history, check says so (a warning with the fix) instead of passing
# silently with the history rules cut short.

def test_a_shallow_clone_warns_that_history_is_cut_short(committed, tmp_path):
    set_stage(committed, OPP, "proposal", "won")
    committed.commit("won")
    set_stage(committed, OPP, "won", "proposal")
    committed.commit("reopened", "--no-verify")
    clone = tmp_path / "ci"
    git(tmp_path, "clone", "-q", "--depth", "1", committed.root.as_uri(), str(clone))
    shallow = VaultDir(clone)
    for args in (("check",), ("check", "--history")):
        result = shallow.run(*args, ok=True)  # a warning does not fail the check
        assert "salesmd.yaml:1: warning[git-shallow]: " in result.output
        assert "git fetch --unshallow" in result.output
        assert shallow.run(*args, "--strict").exit_code == 1
    git(clone, "fetch", "-q", "--unshallow")  # the fix: now the whole history is read, not the cached part
    result = shallow.run("check", ok=False)
    assert "git-shallow" not in result.output and "error[terminal-left]: was 'won'" in result.output


def test_a_repository_git_refuses_is_a_warning_with_the_fix(committed, tmp_path, monkeypatch):
    """A CI container's checkout owned by another user: git's 'dubious ownership' refusal."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))  # no safe.directory of ours
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    for path in [committed.root, *committed.root.rglob("*")]:
        os.lchown(path, 12345, 12345)
    result = committed.run("check", ok=True)
    root = committed.root.resolve()
    assert "salesmd.yaml:1: warning[git-refused]: " in result.output
    assert f"git config --global --add safe.directory {root}" in result.output
    assert committed.run("check", "--strict").exit_code == 1
    assert "warning[git-refused]" in committed.run("check", "--history").output
    for args in (("check", "--staged"), ("hooks", "install"), ("history", "acme-fleet-renewal")):
        # they need git: an error that says why
        result = committed.run(*args, ok=False)
        assert "safe.directory" in result.stderr and "not in a git repository" not in result.stderr


def test_commit_in_a_refused_repository_says_what_is_wrong(committed, tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    for path in [committed.root, *committed.root.rglob("*")]:
        os.lchown(path, 12345, 12345)
    before = committed.snapshot()
    result = committed.run("move", "acme-fleet-renewal", "negotiation", "--commit", ok=False)
    assert "git init" not in result.stderr
    assert "dubious ownership" in result.stderr
    assert f"git config --global --add safe.directory {committed.root.resolve()}" in result.stderr
    assert "nothing was written" in result.stderr
    assert committed.snapshot() == before


def test_a_damaged_repository_is_a_warning_with_the_fix(committed):
    (committed.root / ".git" / "HEAD").write_text("garbage\n")
    for args in (("check",), ("check", "--history")):
        result = committed.run(*args, ok=True)
        assert "salesmd.yaml:1: warning[git-unreadable]: " in result.output
        assert "git fsck" in result.output
    result = committed.run("move", "acme-fleet-renewal", "negotiation", "--commit", ok=False)
    assert "git init" not in result.stderr and "damaged" in result.stderr


def test_missing_objects_are_a_warning_too(committed):
    set_stage(committed, OPP, "proposal", "won")
    committed.commit("won")
    for obj in (committed.root / ".git" / "objects").glob("??/*"):
        obj.unlink()
    for args in (("check",), ("check", "--history")):
        result = committed.run(*args)
        assert result.exit_code == 0 and "salesmd.yaml:1: warning[git-unreadable]: " in result.output
        assert "git fsck" in result.output


def test_git_missing_from_path_is_a_warning(committed, tmp_path, monkeypatch):
    empty = tmp_path / "no-git"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = committed.run("check", ok=True)
    assert "salesmd.yaml:1: warning[git-missing]: " in result.output and "install git" in result.output
    result = committed.run("move", "acme-fleet-renewal", "negotiation", "--commit", ok=False)
    assert "git init" not in result.stderr and "install git" in result.stderr


# History is a graph: a rule holds along ancestry. A version breaks it only against versions it
# descends from, never against a version another branch had.

def label(vault, sha: str) -> str:
    """How a problem names a commit: its id, day and author."""
    return f"{sha} ({git(vault.root, 'log', '-1', '--format=%ad, %an', '--date=short', sha).strip()})"


def branch(vault, name: str, start: str = "main") -> None:
    git(vault.root, "checkout", "-q", "-b", name, start)


def merge(vault, other: str, into: str = "main") -> str:
    """Merge `other` into `into`, a conflict resolved to `into`'s side (-X ours)."""
    git(vault.root, "checkout", "-q", into)
    git(vault.root, "merge", "-q", "-X", "ours", "--no-ff", "-m", f"merge {other}", other)
    return git(vault.root, "rev-parse", "--short", "HEAD").strip()


def test_a_branch_that_never_saw_won_does_not_leave_it(committed):
    """A moves the deal to won; B, from before that, moves it back from negotiation to proposal;
    the merge keeps won. B never saw won: nothing is wrong."""
    set_stage(committed, OPP, "proposal", "negotiation")
    committed.commit("negotiating")
    branch(committed, "b")
    set_stage(committed, OPP, "negotiation", "proposal")
    committed.commit("back to proposal on b")
    git(committed.root, "checkout", "-q", "main")
    set_stage(committed, OPP, "negotiation", "won")
    committed.commit("won on main")
    merge(committed, "b")
    assert committed.read(OPP).count("stage: won") == 1
    audit = committed.run("check", "--history")
    assert "terminal-left" not in audit.output and audit.exit_code == 0, audit.output


def test_after_a_merge_that_kept_won_a_move_back_is_told_against_the_won_it_descends_from(committed):
    """The merge keeps main's won over B's negotiation: the version at the merge is main's won
    (its first parent's), so moving the deal back later breaks the rule."""
    branch(committed, "b")
    set_stage(committed, OPP, "proposal", "negotiation")
    committed.commit("negotiating on b")
    git(committed.root, "checkout", "-q", "main")
    set_stage(committed, OPP, "proposal", "won")
    won = committed.commit("won on main")
    merge(committed, "b")
    assert "stage: won" in committed.read(OPP)
    set_stage(committed, OPP, "won", "proposal")
    back = committed.commit("back to proposal", "--no-verify")
    for args in (["check"], ["check", "--history"]):
        result = committed.run(*args, ok=False)
        assert f"error[terminal-left]: was 'won' in {won}" in result.output, (args, result.output)
    assert f"became 'proposal' in {back}" in committed.run("check", "--history").output


def test_won_on_one_branch_lost_on_another_is_told_in_the_order_it_happened(committed):
    """A: won; B: lost; the merge resolved to won. The merge broke the rule (it descends from
    B's lost), not B (which never saw won)."""
    branch(committed, "b")
    set_stage(committed, OPP, "proposal", "lost", "lost_reason: price\n")
    lost = committed.commit("lost on b")
    git(committed.root, "checkout", "-q", "main")
    set_stage(committed, OPP, "proposal", "won")
    committed.commit("won on main")
    merged = merge(committed, "b")
    assert "stage: won\n" in committed.read(OPP)
    audit = committed.run("check", "--history", ok=False).output
    assert (f"{OPP}:4: error[terminal-left]: was 'lost' in {label(committed, lost)}, "
            f"became 'won' in {label(committed, merged)}: a record in a terminal stage stays there") in audit
    assert "became 'lost'" not in audit  # B never saw won
    # the file as it stands descends from B's lost too
    quick = committed.run("check", ok=False).output
    assert f"{OPP}:4: error[terminal-left]: was 'lost' in {label(committed, lost)}, now 'won'" in quick


def test_a_conversion_on_one_branch_is_not_undone_by_an_edit_on_another(committed):
    lead = "leads/ana-ruiz.md"
    committed.write(lead, "---\ntype: lead\nname: Ana Ruiz\nstage: qualified\ncompany: Bolt\nowner: dev\n"
                          "territory: east\n---\n")
    committed.commit("new lead")
    branch(committed, "b")
    committed.write(lead, committed.read(lead).replace("owner: dev", "owner: maria"))
    committed.commit("reassigned on b")
    git(committed.root, "checkout", "-q", "main")
    committed.write(lead, committed.read(lead).replace("stage: qualified", "stage: converted").replace(
        "territory: east\n", "territory: east\nconverted_to: \"[[bolt-fleet]]\"\nconverted_on: 2026-11-20\n"))
    committed.write("opportunities/bolt-fleet.md", "---\ntype: opportunity\nname: Bolt fleet\nstage: prospecting\n"
                                                  "lead: \"[[ana-ruiz]]\"\n---\n")
    committed.commit("converted on main")
    merge(committed, "b")
    assert "owner: maria" in committed.read(lead) and "converted_to" in committed.read(lead)
    audit = committed.run("check", "--history")
    assert "conversion-changed" not in audit.output and audit.exit_code == 0, audit.output


def test_moving_back_is_told_against_the_version_at_head_not_another_branchs(tmp_path):
    from salesmd.config import default_config_text

    vault = make_vault(tmp_path / "v", config=default_config_text().replace("backwards: warn", "backwards: error"))
    vault.commit("initial")
    branch(vault, "b")
    set_stage(vault, OPP, "proposal", "negotiation")
    vault.commit("negotiating on b")
    git(vault.root, "checkout", "-q", "main")
    set_stage(vault, OPP, "proposal", "qualification")
    vault.commit("back to qualification on main", "--no-verify")
    merge(vault, "b")
    assert "stage: qualification\n" in vault.read(OPP)
    result = vault.run("check")  # the file is as HEAD has it: not moved at all
    assert "stage-backwards" not in result.output and result.exit_code == 0, result.output
    set_stage(vault, OPP, "qualification", "prospecting")
    assert f"{OPP}:4: error[stage-backwards]: moved back from 'qualification'" in vault.run("check", ok=False).output


def test_a_deal_renamed_on_one_branch_keeps_the_other_branchs_history(committed):
    """main renames the file (and moves it to negotiation); B, under the old name, wins it; the
    merge keeps main's negotiation. The file under its new name descends from B's won."""
    body = "Fleet of forklifts. " * 40 + "\n"  # a body long enough for git to see the rename
    committed.write("opportunities/solo-deal.md", f"---\ntype: opportunity\nname: Solo deal\nstage: proposal\n---\n{body}")
    committed.commit("solo deal")
    branch(committed, "b")
    set_stage(committed, "opportunities/solo-deal.md", "proposal", "won")
    won = committed.commit("won on b")
    git(committed.root, "checkout", "-q", "main")
    git(committed.root, "mv", "opportunities/solo-deal.md", "opportunities/solo-fleet.md")
    set_stage(committed, "opportunities/solo-fleet.md", "proposal", "negotiation")
    committed.commit("renamed on main")
    merged = merge(committed, "b")
    assert not (committed.root / "opportunities/solo-deal.md").exists()
    assert "stage: negotiation\n" in committed.read("opportunities/solo-fleet.md")
    audit = committed.run("check", "--history", ok=False).output
    assert (f"opportunities/solo-fleet.md:4: error[terminal-left]: was 'won' in {label(committed, won)}, "
            f"became 'negotiation' in {label(committed, merged)}") in audit
    assert "opportunities/solo-fleet.md:4: error[terminal-left]: was 'won' in" in committed.run("check", ok=False).output


def test_converted_to_one_deal_on_each_branch_is_the_merges_doing(committed):
    lead = "leads/ana-ruiz.md"
    committed.write(lead, "---\ntype: lead\nname: Ana Ruiz\nstage: qualified\nowner: dev\n---\n")
    committed.commit("new lead")

    def convert(deal: str) -> str:
        committed.write(lead, committed.read(lead).replace(
            "stage: qualified\n", f"stage: converted\nconverted_to: \"[[{deal}]]\"\nconverted_on: 2026-11-20\n"))
        committed.write(f"opportunities/{deal}.md", f"---\ntype: opportunity\nname: {deal}\nstage: prospecting\n"
                                                    "lead: \"[[ana-ruiz]]\"\n---\n")
        return committed.commit(f"converted to {deal}")

    branch(committed, "b")
    other = convert("ana-other")
    git(committed.root, "checkout", "-q", "main")
    convert("ana-fleet")
    merged = merge(committed, "b")
    assert '"[[ana-fleet]]"' in committed.read(lead)
    audit = committed.run("check", "--history", ok=False).output
    assert (f"{lead}:4: error[conversion-changed]: was converted to [[ana-other]] in {label(committed, other)}, "
            f"changed in {label(committed, merged)}: a conversion is final") in audit


def test_a_history_cache_cloned_or_copied_hides_no_error(committed):
    # the index keeps what each committed version's stage was; one that says a won version was in
    # proposal, copied from elsewhere (or committed with git add -f and cloned), must not be believed
    set_stage(committed, OPP, "proposal", "won")
    committed.commit("won acme")
    set_stage(committed, OPP, "won", "proposal")
    committed.commit("oops", "--no-verify")
    assert "terminal-left" in committed.run("check", "--history", ok=False).output  # writes the cache
    body = history_row(committed.root)
    assert '"won"' in body
    history_row(committed.root, body.replace('"won"', '"proposal"'))
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        if (committed.root / ".salesmd" / name).exists():
            as_if_copied(committed.root / ".salesmd" / name)
    for args in (["check", "--history"], ["check"], ["--no-cache", "check", "--history"]):
        assert "error[terminal-left]: was 'won'" in committed.run(*args, ok=False).output, args

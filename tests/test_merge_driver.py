"""`salesmd merge-driver`: records merged key by key by real `git pull` (merge and rebase) between
two clones of one bare repository.

Maria and Dev each clone the team's bare remote and run `salesmd merge-driver install`; both
change one deal, Maria pushes first, Dev pulls. Every pull runs with a PATH that holds git but no
salesmd, as a teammate's shell might: the driver runs by the Python that installed it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import VaultDir, git, make_vault
from salesmd.config import default_config_text
from salesmd.git.merge_install import attribute_lines

DEAL = "opportunities/acme-fleet-renewal.md"
DEAL_TEXT = """\
    ---
    type: opportunity
    name: Acme fleet renewal   # the one Maria cares about
    stage: proposal
    account: '[[acme-corp]]'
    contacts: ["[[jane-doe]]"]
    amount: 48000
    close_date: 2026-12-15
    lead: "[[jane-doe-inquiry]]"
    owner: maria
    territory: west
    ---
    Twelve electric forklifts to replace the propane fleet.

    Trade-in of the old fleet agreed in principle.
    """
ENV = dict(os.environ, GIT_AUTHOR_NAME="Test", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="Test",
           GIT_COMMITTER_EMAIL="t@example.com",
           PATH=os.pathsep.join([os.path.dirname(shutil.which("git")), "/usr/bin", "/bin"]))


@dataclass
class Clone:
    top: Path  # the clone's work tree
    vault: VaultDir

    def edit(self, rel: str, *replacements: tuple[str, str]) -> None:
        text = self.vault.read(rel)
        for old, new in replacements:
            assert old in text, old
            text = text.replace(old, new)
        self.vault.write(rel, text)

    def commit_and_push(self, message: str) -> None:
        self.vault.commit(message)
        git(self.top, "push", "-q", "origin", "HEAD:main")

    def pull(self, *how: str) -> subprocess.CompletedProcess:
        """`git pull` as a teammate types it, salesmd not on PATH."""
        return subprocess.run(["git", "pull", *how, "origin", "main"], cwd=self.top, env=ENV,
                              capture_output=True, text=True)


def make_team(tmp_path: Path, prefix: str = "", files: dict | None = None,
              driver: bool = True, config: str | None = None) -> tuple[Clone, Clone]:
    """The bare remote, Maria's clone (who made the vault, in `prefix` below the repository's top)
    and Dev's, each with the driver installed (unless not `driver`)."""
    top = tmp_path / "maria"
    vault = make_vault(top / prefix, {DEAL: DEAL_TEXT, **(files or {})}, git_init=False, config=config)
    git(top, "init", "-q", "-b", "main")
    if driver:
        vault.run("merge-driver", "install", ok=True)
    vault.commit("the vault")
    remote = tmp_path / "remote.git"
    git(tmp_path, "clone", "-q", "--bare", str(top), str(remote))
    git(top, "remote", "add", "origin", str(remote))
    git(tmp_path, "clone", "-q", str(remote), str(tmp_path / "dev"))
    dev = Clone(tmp_path / "dev", VaultDir(tmp_path / "dev" / prefix))
    if driver:
        dev.vault.run("merge-driver", "install", ok=True)
    return Clone(top, vault), dev


def both_edit(maria: Clone, dev: Clone, rel: str, mine: tuple, theirs: tuple) -> None:
    """Maria changes `rel` and pushes; Dev changes it too and commits (`mine`, `theirs`: the
    (old, new) replacements of each)."""
    maria.edit(rel, *mine)
    maria.commit_and_push("maria's change")
    dev.edit(rel, *theirs)
    dev.vault.commit("dev's change")


# ------------------------------------------------------------------------------ install

def test_install_registers_the_driver_and_a_second_install_changes_nothing(tmp_path):
    vault = make_vault(tmp_path / "crm", {".gitattributes": "*.png binary\n"})
    result = vault.run("merge-driver", "install", ok=True)
    assert "merge.salesmd.driver" in result.output and ".gitattributes" in result.output
    driver = git(vault.root, "config", "--local", "merge.salesmd.driver")
    assert "merge-driver run %O %A %B %L %P" in driver
    assert sys.executable in driver  # the Python that installed it: salesmd need not be on PATH
    assert git(vault.root, "config", "--local", "merge.salesmd.name").strip()
    attributes = vault.read(".gitattributes")
    assert attributes.startswith("*.png binary\n")  # an existing file is added to, not replaced
    assert "leads/**/*.md merge=salesmd" in attributes and "opportunities/**/*.md merge=salesmd" in attributes
    assert git(vault.root, "check-attr", "merge", "--", "leads/new.md").strip().endswith("merge: salesmd")
    assert git(vault.root, "check-attr", "merge", "--", "README.md").strip().endswith("merge: unspecified")

    before = vault.snapshot(), git(vault.root, "config", "--local", "--list")
    again = vault.run("merge-driver", "install", ok=True)
    assert again.output == "the merge driver is already installed; nothing changed\n"
    assert (vault.snapshot(), git(vault.root, "config", "--local", "--list")) == before


def test_uninstall_removes_what_install_added_and_nothing_else(tmp_path):
    vault = make_vault(tmp_path / "crm", {".gitattributes": "*.png binary\n"})
    vault.run("merge-driver", "install", ok=True)
    result = vault.run("merge-driver", "uninstall", ok=True)
    assert "merge.salesmd" in result.output
    assert vault.read(".gitattributes") == "*.png binary\n"
    assert "merge.salesmd" not in git(vault.root, "config", "--local", "--list")
    assert vault.run("merge-driver", "install", "--uninstall", ok=True).output == \
        "the merge driver was not installed; nothing changed\n"
    vault.run("merge-driver", "install", ok=True)
    (vault.root / ".gitattributes").unlink()
    vault.run("merge-driver", "install", ok=True)
    vault.run("merge-driver", "install", "--uninstall", ok=True)
    assert not (vault.root / ".gitattributes").exists()  # it held only salesmd's lines


def test_install_outside_a_repository_says_so_and_writes_nothing(tmp_path):
    vault = make_vault(tmp_path / "crm", git_init=False)
    before = vault.snapshot()
    result = vault.run("merge-driver", "install", ok=False)
    assert result.exit_code == 2 and "not in a git repository" in result.output
    assert "Traceback" not in result.output and vault.snapshot() == before


def test_a_vault_below_the_repositorys_top_gets_its_own_gitattributes(tmp_path):
    maria, dev = make_team(tmp_path, prefix="crm")
    assert (maria.top / "crm" / ".gitattributes").read_text().splitlines()[1:] == attribute_lines()
    assert not (maria.top / ".gitattributes").exists()
    assert git(maria.top, "check-attr", "merge", "--", f"crm/{DEAL}").strip().endswith("merge: salesmd")
    both_edit(maria, dev, DEAL, [("amount: 48000", "amount: 52000")], [("close_date: 2026-12-15", "close_date: 2027-01-31")])
    assert dev.pull("--no-rebase").returncode == 0
    assert "amount: 52000\nclose_date: 2027-01-31\n" in dev.vault.read(DEAL)


# ------------------------------------------------------------------------------ clean merges

@pytest.mark.parametrize("how", ["--no-rebase", "--rebase"])
def test_adjacent_keys_changed_by_each_merge_cleanly(tmp_path, how):
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL,
              [("amount: 48000", "amount: 52000"), ("Trade-in of the old", "Trade-in of the whole old")],
              [("close_date: 2026-12-15", "close_date: 2027-01-31"), ("Twelve electric", "Fourteen electric")])
    pulled = dev.pull(how)
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    merged = dev.vault.read(DEAL)
    assert merged == textwrap.dedent(DEAL_TEXT).replace("amount: 48000", "amount: 52000") \
        .replace("close_date: 2026-12-15", "close_date: 2027-01-31") \
        .replace("Twelve electric", "Fourteen electric").replace("Trade-in of the old", "Trade-in of the whole old")
    assert dev.vault.run("check").exit_code == 0


def test_without_the_driver_the_same_edits_are_a_text_conflict(tmp_path):
    maria, dev = make_team(tmp_path, driver=False)
    both_edit(maria, dev, DEAL, [("amount: 48000", "amount: 52000")], [("close_date: 2026-12-15", "close_date: 2027-01-31")])
    assert dev.pull("--no-rebase").returncode != 0
    assert "<<<<<<<" in dev.vault.read(DEAL)


def test_comments_quoting_and_key_order_survive_and_only_changed_lines_change(tmp_path):
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL,
              [("territory: west\n", "territory: west\nproduct: forklift-e  # electric\n")],  # a key added
              [("lead: \"[[jane-doe-inquiry]]\"\n", ""), ("owner: maria", "owner: dev")])  # one removed, one changed
    assert dev.pull("--no-rebase").returncode == 0
    merged = dev.vault.read(DEAL)
    assert merged.splitlines()[1:12] == [
        "type: opportunity",
        "name: Acme fleet renewal   # the one Maria cares about",
        "stage: proposal",
        "account: '[[acme-corp]]'",
        'contacts: ["[[jane-doe]]"]',
        "amount: 48000",
        "close_date: 2026-12-15",
        "owner: dev",
        "territory: west",
        "product: forklift-e  # electric",
        "---",
    ]


def test_the_same_value_set_on_both_sides_merges_even_written_differently(tmp_path):
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL, [("amount: 48000", "amount: 50000"), ("close_date: 2026-12-15", "close_date: 2027-01-31")],
              [("amount: 48000", "amount: 50000  # agreed on the phone"),
               ("close_date: 2026-12-15", 'close_date: "2027-01-31"')])
    assert dev.pull("--no-rebase").returncode == 0  # git's text merge would conflict on both lines
    assert 'amount: 50000  # agreed on the phone\nclose_date: "2027-01-31"\n' in dev.vault.read(DEAL)


def test_both_sides_winning_the_deal_merges(tmp_path):
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL, [("stage: proposal", "stage: won"), ("amount: 48000", "amount: 47500")],
              [("stage: proposal", "stage: won"), ("close_date: 2026-12-15", "close_date: 2026-11-20")])
    assert dev.pull("--rebase").returncode == 0
    merged = dev.vault.read(DEAL)
    assert "stage: won\n" in merged and "amount: 47500\n" in merged and "close_date: 2026-11-20\n" in merged


def test_a_record_both_sides_added_merges_key_by_key(tmp_path):
    maria, dev = make_team(tmp_path)
    rel = "accounts/bolt-builders.md"
    maria.vault.write(rel, "---\ntype: account\nname: Bolt Builders\nindustry: construction\n---\n")
    maria.commit_and_push("maria adds bolt")
    dev.vault.write(rel, "---\ntype: account\nname: Bolt Builders\nowner: dev\n---\n")
    dev.vault.commit("dev adds bolt")
    assert dev.pull("--no-rebase").returncode == 0
    assert dev.vault.read(rel) == "---\ntype: account\nname: Bolt Builders\nindustry: construction\nowner: dev\n---\n"


def test_a_body_theirs_added_goes_below_ours_closing_line_when_ours_has_no_final_newline(tmp_path):
    """Ours ends in its closing `---` with no line break after it (as some editors save); theirs
    added a body: the body starts on the line after the `---`, not glued to it."""
    rel = "accounts/beta.md"
    maria, dev = make_team(tmp_path, files={rel: "---\ntype: account\nname: Beta\nindustry: food\n---\n"})
    maria.vault.write(rel, "---\ntype: account\nname: Beta\nindustry: food\n---\nCalled Jane, PO next week.\n")
    maria.commit_and_push("maria adds a body")
    dev.vault.write(rel, "---\ntype: account\nname: Beta\nindustry: drinks\n---")
    dev.vault.commit("dev changes the industry")
    pulled = dev.pull("--no-rebase")
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert dev.vault.read(rel) == "---\ntype: account\nname: Beta\nindustry: drinks\n---\nCalled Jane, PO next week.\n"
    assert dev.vault.run("check").exit_code == 0


def test_comments_theirs_added_in_the_front_matter_are_kept_when_ours_changed_only_the_body(tmp_path):
    """A comment is a change too: theirs' comment on a key's line and theirs' whole-line comment
    between two keys come through a clean merge (git's own text merge keeps them too)."""
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL,
              [("amount: 48000", "amount: 48000  # 10% discount agreed"),
               ("owner: maria", "# Dev: hand over to Sam in January\nowner: maria")],
              [("Twelve electric", "Fourteen electric")])
    pulled = dev.pull("--no-rebase")
    assert pulled.returncode == 0, pulled.stdout + pulled.stderr
    assert dev.vault.read(DEAL) == textwrap.dedent(DEAL_TEXT) \
        .replace("amount: 48000", "amount: 48000  # 10% discount agreed") \
        .replace("owner: maria", "# Dev: hand over to Sam in January\nowner: maria") \
        .replace("Twelve electric", "Fourteen electric")
    assert dev.vault.run("check").exit_code == 0


def test_a_comment_theirs_added_with_a_key_comes_with_it(tmp_path):
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL, [("territory: west\n", "territory: west\nproduct: forklift-e\n# the electric one\n")],
              [("owner: maria", "owner: dev")])
    assert dev.pull("--no-rebase").returncode == 0
    assert "owner: dev\nterritory: west\nproduct: forklift-e\n# the electric one\n---\n" in dev.vault.read(DEAL)


@pytest.mark.parametrize("mine, theirs, kept", [
    # the text between two keys changed by both: a text conflict, both comments in it
    (("owner: maria", "# Sam takes over\nowner: maria"), ("owner: maria", "# Jo takes over\nowner: maria"),
     ["# Sam takes over", "# Jo takes over"]),
    # one value set by both, with a comment on theirs only that ours' line lacks
    (("amount: 48000", "amount: 50000  # list price"), ("amount: 48000", "amount: 50000"), ["# list price"]),
])
def test_comments_changed_by_both_sides_are_a_text_conflict_that_loses_neither(tmp_path, mine, theirs, kept):
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL, [mine], [theirs])
    assert dev.pull("--no-rebase").returncode != 0  # never clean, with one side's comment dropped
    text = dev.vault.read(DEAL)
    assert "<<<<<<< ours" in text and all(comment in text for comment in kept)


# ------------------------------------------------------------------------------ conflicts

def test_one_key_changed_two_ways_is_a_conflict_around_that_key_that_check_reports(tmp_path):
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL, [("amount: 48000", "amount: 52000"), ("owner: maria", "owner: dev")],
              [("amount: 48000", "amount: 55000")])
    pulled = dev.pull("--no-rebase")
    assert pulled.returncode != 0 and "CONFLICT" in pulled.stdout + pulled.stderr
    lines = dev.vault.read(DEAL).splitlines()
    assert lines[6:11] == ["<<<<<<< ours", "amount: 55000", "=======", "amount: 52000", ">>>>>>> theirs"]
    assert "owner: dev" in lines  # the other key still merged
    assert "Twelve electric forklifts to replace the propane fleet." in lines
    assert git(dev.top, "diff", "--name-only", "--diff-filter=U").split() == [DEAL]  # git knows it is conflicted
    check = dev.vault.run("check")
    assert check.exit_code == 1
    assert f"{DEAL}:7: error[conflict-marker]: merge conflict on 'amount': 55000 (ours) or 52000 (theirs)" \
        in check.output


def test_reopening_a_won_deal_is_a_conflict_with_the_reason_in_a_comment(tmp_path):
    maria, dev = make_team(tmp_path)
    maria.edit(DEAL, ("stage: proposal", "stage: won"))
    maria.commit_and_push("won")
    git(dev.top, "pull", "-q", "--no-rebase", "origin", "main")
    both_edit(maria, dev, DEAL, [("amount: 48000", "amount: 47000")], [("stage: won", "stage: negotiation")])
    pulled = dev.pull("--no-rebase")
    assert pulled.returncode != 0
    lines = dev.vault.read(DEAL).splitlines()
    at = lines.index("<<<<<<< ours")
    assert lines[at - 1].startswith("# salesmd merge: theirs has this opportunity won, a terminal stage")
    assert lines[at:at + 5] == ["<<<<<<< ours", "stage: negotiation", "=======", "stage: won", ">>>>>>> theirs"]
    assert "amount: 47000" in lines
    check = dev.vault.run("check")
    assert check.exit_code == 1
    assert f"{DEAL}:{at + 1}: error[conflict-marker]: merge conflict on 'stage': negotiation (ours) or won " \
           "(theirs); theirs has this opportunity won" in check.output


def test_reopening_a_converted_lead_is_a_conflict(tmp_path):
    maria, dev = make_team(tmp_path)
    lead = "leads/jane-doe-inquiry.md"
    both_edit(maria, dev, lead, [("company: Acme Corp", "company: Acme Corporation")],
              [("stage: converted", "stage: qualified")])
    assert dev.pull("--no-rebase").returncode != 0
    text = dev.vault.read(lead)
    assert "# salesmd merge: theirs has this lead converted, a terminal stage" in text
    assert "company: Acme Corporation" in text


def test_a_converted_leads_converted_to_cannot_be_changed_by_a_merge(tmp_path):
    maria, dev = make_team(tmp_path)
    lead = "leads/jane-doe-inquiry.md"
    both_edit(maria, dev, lead, [("company: Acme Corp", "company: Acme Corporation")],
              [("[[acme-fleet-renewal]]", "[[acme-other-deal]]")])
    assert dev.pull("--no-rebase").returncode != 0
    lines = dev.vault.read(lead).splitlines()
    at = lines.index("<<<<<<< ours")
    assert lines[at - 1] == ("# salesmd merge: theirs converted this lead to [[acme-fleet-renewal]], and a "
                             "conversion is final. Keep one side and delete this line and the markers")
    assert lines[at + 1:at + 4] == ['converted_to: "[[acme-other-deal]]"', "=======",
                                    'converted_to: "[[acme-fleet-renewal]]"']


def test_a_key_removed_on_one_side_and_changed_on_the_other_is_a_conflict(tmp_path):
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL, [("territory: west\n", "")], [("territory: west", "territory: east")])
    assert dev.pull("--no-rebase").returncode != 0
    lines = dev.vault.read(DEAL).splitlines()
    at = lines.index("<<<<<<< ours")
    assert lines[at:at + 4] == ["<<<<<<< ours", "territory: east", "=======", ">>>>>>> theirs"]
    assert "merge conflict on 'territory': east (ours) or no such key (theirs)" in dev.vault.run("check").output


def test_bodies_changed_on_the_same_line_conflict_as_git_would(tmp_path):
    maria, dev = make_team(tmp_path)
    both_edit(maria, dev, DEAL, [("amount: 48000", "amount: 52000"), ("Twelve electric", "Ten electric")],
              [("Twelve electric", "Fourteen electric")])
    assert dev.pull("--no-rebase").returncode != 0
    text = dev.vault.read(DEAL)
    assert "amount: 52000\n" in text  # the front matter merged
    assert "<<<<<<< ours\nFourteen electric" in text and "=======\nTen electric" in text
    body_line = text.splitlines().index("<<<<<<< ours") + 1
    assert f"{DEAL}:{body_line}: error[conflict-marker]: merge conflict in the body" in dev.vault.run("check").output


def test_merge_conflict_style_diff3_shows_the_base_too(tmp_path):
    maria, dev = make_team(tmp_path)
    git(dev.top, "config", "merge.conflictStyle", "diff3")
    both_edit(maria, dev, DEAL, [("amount: 48000", "amount: 52000")], [("amount: 48000", "amount: 55000")])
    assert dev.pull("--no-rebase").returncode != 0
    assert "<<<<<<< ours\namount: 55000\n||||||| base\namount: 48000\n=======\namount: 52000\n>>>>>>> theirs\n" \
        in dev.vault.read(DEAL)


# ------------------------------------------------------------------------------ what falls back to git's merge

def test_files_that_are_not_records_merge_as_git_merges_text(tmp_path):
    note = "notes/meeting-minutes.md"
    text = "Minutes\n\nline one\n\nline two\n\nline three\n"
    maria, dev = make_team(tmp_path, files={note: text})
    both_edit(maria, dev, note, [("line one", "line 1")], [("line three", "line 3")])
    assert dev.pull("--no-rebase").returncode == 0
    assert dev.vault.read(note) == "Minutes\n\nline 1\n\nline two\n\nline 3\n"
    both_edit(maria, dev, note, [("line two", "line 2")], [("line two", "line II")])
    assert dev.pull("--no-rebase").returncode != 0
    assert "<<<<<<< ours\nline II\n=======\nline 2\n>>>>>>> theirs\n" in dev.vault.read(note)


def test_without_python_or_salesmd_the_driver_falls_back_to_gits_text_merge(tmp_path):
    maria, dev = make_team(tmp_path)
    driver = git(dev.top, "config", "--local", "merge.salesmd.driver").strip()
    git(dev.top, "config", "--local", "merge.salesmd.driver",
        driver.replace(sys.executable, str(tmp_path / "gone" / "python")))
    assert shutil.which("salesmd", path=ENV["PATH"]) is None
    both_edit(maria, dev, DEAL, [("amount: 48000", "amount: 52000")], [("close_date: 2026-12-15", "close_date: 2027-01-31")])
    assert dev.pull("--no-rebase").returncode != 0
    text = dev.vault.read(DEAL)  # nothing lost: both sides are there, between git's markers
    assert "<<<<<<< ours" in text and "amount: 52000" in text and "close_date: 2027-01-31" in text


def test_a_closed_issue_reopened_by_a_merge_is_a_conflict(tmp_path):
    issue = "issues/acme-mast-leak.md"
    maria, dev = make_team(tmp_path, files={issue: "---\ntype: issue\nsubject: Mast leaks oil\nstage: closed\n"
                                                   "severity: high\naccount: \"[[acme-corp]]\"\nresolution: new seal\n---\n"})
    both_edit(maria, dev, issue, [("severity: high", "severity: medium")], [("stage: closed", "stage: in-progress")])
    assert dev.pull("--rebase").returncode != 0  # in a rebase, "ours" is what is rebased onto: Maria's
    assert "# salesmd merge: ours has this issue closed, a terminal stage" in dev.vault.read(issue)


def test_the_rules_are_the_vaults_own_pipelines_read_from_its_config(tmp_path):
    """A terminal stage of the vault's own (`parked`), in a vault below the repository's top: the
    driver finds the vault's salesmd.yaml from the path git gives it."""
    config = default_config_text().replace("      - name: disqualified\n        probability: 0\n",
                                           "      - name: disqualified\n        probability: 0\n      - name: parked\n", 1)
    assert "name: parked" in config
    maria, dev = make_team(tmp_path, prefix="crm", files={DEAL: textwrap.dedent(DEAL_TEXT).replace("proposal", "parked")},
                           config=config)
    both_edit(maria, dev, DEAL, [("amount: 48000", "amount: 47000")], [("stage: parked", "stage: proposal")])
    assert dev.pull("--no-rebase").returncode != 0
    assert "# salesmd merge: theirs has this opportunity parked, a terminal stage" in dev.vault.read(DEAL)


PARTNER_TYPE = """
types:
  partner:
    folder: partners
    keys: {name: text, region: text}
    pipeline:
      stages: [applied, active]
      terminal: [ended]
"""


def test_a_declared_types_folder_and_pipeline_are_the_drivers_too(tmp_path):
    """A type salesmd.yaml declares: its folder gets its .gitattributes line, and its terminal
    stage holds in a merge as a built-in one does."""
    partner = "partners/bolt.md"
    maria, dev = make_team(tmp_path, files={partner: "---\ntype: partner\nname: Bolt\nregion: west\nstage: ended\n---\n"},
                           config=default_config_text() + PARTNER_TYPE)
    assert "partners/**/*.md merge=salesmd" in maria.vault.read(".gitattributes").splitlines()
    both_edit(maria, dev, partner, [("region: west", "region: east")], [("stage: ended", "stage: active")])
    assert dev.pull("--no-rebase").returncode != 0
    assert "# salesmd merge: theirs has this partner ended, a terminal stage" in dev.vault.read(partner)


def check_attr(root: Path, rel: str) -> tuple[str, str]:
    """(the merge attribute git gives `rel`, what git said on stderr: a line it cannot read)."""
    done = subprocess.run(["git", "check-attr", "merge", "--", rel], cwd=root, capture_output=True, text=True)
    return done.stdout.rstrip("\n").rsplit(": ", 1)[-1], done.stderr


def test_a_declared_types_folder_with_a_space_gets_a_line_git_reads_and_uninstall_takes_it_out(tmp_path):
    partner = "key partners/bolt.md"
    config = default_config_text() + PARTNER_TYPE.replace("folder: partners", "folder: key partners")
    maria, dev = make_team(tmp_path, files={partner: "---\ntype: partner\nname: Bolt\nregion: west\n---\n"},
                           config=config)
    assert check_attr(maria.top, partner) == ("salesmd", "")
    assert check_attr(maria.top, "key partners/new/deep.md") == ("salesmd", "")
    assert check_attr(maria.top, "keyXpartners/bolt.md")[0] == "unspecified"
    both_edit(maria, dev, partner, [("name: Bolt\n", "name: Bolt Inc\n")], [("region: west", "region: east")])
    assert dev.pull("--no-rebase").returncode == 0  # adjacent lines: merged by the driver, key by key
    assert "name: Bolt Inc\nregion: east\n" in dev.vault.read(partner)

    dev.vault.run("merge-driver", "uninstall", ok=True)
    assert not (dev.vault.root / ".gitattributes").exists()  # every line install wrote, that one too


def test_install_replaces_the_unquoted_line_git_cannot_read_and_uninstall_removes_one(tmp_path):
    """A folder with a space written bare, as an older salesmd wrote it: git warns and ignores it."""
    config = default_config_text() + PARTNER_TYPE.replace("folder: partners", "folder: key partners")
    broken = "key partners/**/*.md merge=salesmd\n"
    vault = make_vault(tmp_path / "crm", {".gitattributes": "*.png binary\n" + broken}, config=config)
    assert check_attr(vault.root, "key partners/a.md")[1]  # git complains about the line
    vault.run("merge-driver", "install", ok=True)
    assert broken not in vault.read(".gitattributes")
    assert check_attr(vault.root, "key partners/a.md") == ("salesmd", "")
    vault.run("merge-driver", "uninstall", ok=True)
    assert vault.read(".gitattributes") == "*.png binary\n"
    vault.write(".gitattributes", "*.png binary\n" + broken)
    vault.run("merge-driver", "install", "--uninstall", ok=True)
    assert vault.read(".gitattributes") == "*.png binary\n"


# ------------------------------------------------------------------------------ the driver run by hand

def merge_by_hand(tmp_path: Path, base: bytes, ours: bytes, theirs: bytes) -> tuple[int, bytes, bytes]:
    """(exit code, the driver's result, git merge-file's result) for the same three files."""
    tmp_path.mkdir(exist_ok=True)
    for name, data in (("base", base), ("ours", ours), ("theirs", theirs), ("text", ours)):
        (tmp_path / name).write_bytes(data)
    vault = make_vault(tmp_path / "crm")
    result = vault.run("merge-driver", "run", *(str(tmp_path / n) for n in ("base", "ours", "theirs")), "7", DEAL)
    subprocess.run(["git", "merge-file", "-L", "ours", "-L", "base", "-L", "theirs", "text", "base", "theirs"],
                   cwd=tmp_path)
    return result.exit_code, (tmp_path / "ours").read_bytes(), (tmp_path / "text").read_bytes()


def test_a_file_not_utf8_or_with_markers_already_is_merged_as_git_merges_text(tmp_path):
    base = "---\ntype: account\nname: Caf\xe9\nindustry: food\n---\n".encode("latin-1")
    code, merged, text = merge_by_hand(tmp_path, base, base.replace(b"food", b"drinks"), base.replace(b"Caf", b"Kaf"))
    assert (code, merged) == (1, text) and b"<<<<<<< ours" in merged  # adjacent lines: git's own conflict
    marked = b"---\ntype: account\nname: Acme\n<<<<<<< HEAD\nindustry: a\n=======\nindustry: b\n>>>>>>> x\n---\n"
    code, merged, text = merge_by_hand(tmp_path / "m", marked, marked.replace(b"Acme", b"Acme Corp"), marked)
    assert (code, merged) == (0, text) and merged.count(b"<<<<<<<") == 1


def test_front_matter_whose_lines_do_not_fit_together_is_merged_as_text(tmp_path):
    base = b"---\ntype: account\nname: A\nindustry: x\n---\n"
    theirs = b"---\n  type: account\n  name: A\n  industry: y\n---\n"  # indented keys: not splicable into ours
    code, merged, text = merge_by_hand(tmp_path, base, base.replace(b"name: A", b"name: B"), theirs)
    assert (code, merged) == (1, text)


def test_crlf_line_breaks_are_kept(tmp_path):
    base = b"---\r\ntype: account\r\nname: Acme\r\nindustry: food\r\n---\r\nBody\r\n"
    code, merged, _ = merge_by_hand(tmp_path, base, base.replace(b"Acme", b"Acme Corp"),
                                    base.replace(b"industry: food\r\n", b"industry: drinks\nowner: dev\n"))
    assert code == 0
    assert merged == b"---\r\ntype: account\r\nname: Acme Corp\r\nindustry: drinks\r\nowner: dev\r\n---\r\nBody\r\n"


def test_run_on_a_missing_file_is_a_usage_error(tmp_path):
    vault = make_vault(tmp_path / "crm")
    result = vault.run("merge-driver", "run", str(tmp_path / "none"), str(tmp_path / "none"), str(tmp_path / "none"))
    assert result.exit_code == 2 and "does not exist" in result.output.lower() and "Traceback" not in result.output


def test_install_refuses_a_gitattributes_it_cannot_read_and_sets_nothing(tmp_path):
    vault = make_vault(tmp_path / "crm", {".gitattributes": b"*.txt text \xff\n"})
    before = vault.snapshot()
    result = vault.run("merge-driver", "install", ok=False)
    assert result.exit_code == 2 and ".gitattributes is not UTF-8" in result.output
    assert "leads/**/*.md merge=salesmd" in result.output  # the lines to add by hand
    assert vault.snapshot() == before and "merge.salesmd" not in git(vault.root, "config", "--local", "--list")


def test_check_reports_every_conflict_at_its_line(vault):
    vault.write("accounts/acme-corp.md", "---\ntype: account\n<<<<<<< HEAD\nname: Acme Corp\n=======\n"
                                         "name: Acme Corporation\n>>>>>>> feature\nindustry: Logistics\n"
                                         "<<<<<<< HEAD\ntags: [a]\n=======\nowner: dev\n>>>>>>> feature\n---\n"
                                         "Body\n>>>>>>> stray\n")
    out = vault.run("check").output
    assert "accounts/acme-corp.md:3: error[conflict-marker]: merge conflict on 'name': Acme Corp (HEAD) or " \
           "Acme Corporation (feature)" in out
    assert "accounts/acme-corp.md:9: error[conflict-marker]: merge conflict on 'tags', 'owner'" in out
    assert "accounts/acme-corp.md:16: error[conflict-marker]: git merge-conflict marker '>>>>>>>' left" in out

"""Shell completion: record ids, stages, owners, territories, kinds and types, asked as a shell asks
(the completion environment variables click's bash, zsh and fish scripts set), answered from the
vault's index and never with an error."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import make_vault
from salesmd.cli import main


@pytest.fixture(autouse=True)
def no_vault_from_the_environment(monkeypatch):
    monkeypatch.delenv("SALESMD_VAULT", raising=False)


def complete(line: str, shell: str = "bash", env: dict | None = None) -> list[str]:
    """What the shell offers after `line` (its last word, possibly empty, is the one being
    completed): the values, from the CLI run with the variables click's shell scripts set."""
    words = shlex.split(line) + ([""] if line.endswith(" ") else [])
    variables = {"_SALESMD_COMPLETE": f"{shell}_complete", "COMP_WORDS": " ".join(map(shlex.quote, words)),
                 "COMP_CWORD": str(len(words) - 1)}
    result = CliRunner().invoke(main, [], env={**variables, **(env or {})}, prog_name="salesmd")
    assert result.exit_code == 0 and result.stderr == "", (result.output, result.stderr)
    if shell == "zsh":
        lines = result.stdout.strip("\n").split("\n")
        return [f"{value}:{help_}" for value, help_ in zip(lines[1::3], lines[2::3])]
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


def test_ids_of_the_records_a_command_takes(vault):
    v = f"salesmd --vault {vault.root}"
    assert complete(f"{v} show ac") == ["acme-corp", "acme-fleet-renewal"]
    assert complete(f"{v} history jane") == ["jane-doe", "jane-doe-inquiry"]
    assert complete(f"{v} done ") == complete(f"{v} cancel ") == ["chase-quote"]  # open tasks, planned activities
    assert complete(f"{v} set jane") == ["jane-doe", "jane-doe-inquiry"]
    assert complete(f"{v} tag vip a") == ["acme-corp", "acme-fleet-renewal"]
    assert complete(f"{v} won ") == complete(f"{v} lost A") == ["acme-fleet-renewal"]  # any case
    assert complete(f"{v} move ") == ["acme-fleet-renewal", "bolt-builders", "jane-doe-inquiry"]
    assert complete(f"{v} convert b") == ["bolt-builders"]
    assert complete(f"{v} log call --related ja") == ["jane-doe", "jane-doe-inquiry"]
    assert complete(f"{v} convert bolt-builders --account ") == ["acme-corp"]


def test_zsh_and_fish_show_what_each_id_is(vault):
    v = f"salesmd --vault {vault.root}"
    assert complete(f"{v} show acme", "zsh") == ["acme-corp:account: Acme Corp",
                                                 "acme-fleet-renewal:opportunity: Acme fleet renewal"]
    fish = CliRunner().invoke(main, [], prog_name="salesmd", env={
        "_SALESMD_COMPLETE": "fish_complete", "COMP_WORDS": f"{v} show acme-c", "COMP_CWORD": "acme-c"})
    assert fish.stdout == "plain,acme-corp\taccount: Acme Corp\n"


def test_stages_of_the_records_pipeline(vault):
    v = f"salesmd --vault {vault.root}"
    assert complete(f"{v} move acme-fleet-renewal ") == ["prospecting", "qualification", "proposal", "negotiation",
                                                        "won", "lost", "disqualified"]
    assert complete(f"{v} move bolt-builders ") == ["new", "contacted", "qualified", "converted", "disqualified"]
    assert complete(f"{v} move acme-fleet-renewal ne") == ["negotiation"]
    assert complete(f"{v} list lead --stage q") == ["qualified"]
    assert complete(f"{v} list opportunity --stage q") == ["qualification"]
    assert complete(f"{v} convert bolt-builders --stage p") == ["prospecting", "proposal"]


def test_owners_territories_kinds_and_types(vault):
    v = f"salesmd --vault {vault.root}"
    assert complete(f"{v} list opportunity --owner ") == ["dev", "maria"]
    assert complete(f"{v} agenda --owner M") == ["maria"]
    assert complete(f"{v} pipeline --territory ") == ["east", "west"]
    assert complete(f"{v} export contact --owner d") == ["dev"]
    assert complete(f"{v} log ca") == ["call"]
    assert complete(f"{v} list o") == ["opportunity"]
    assert complete(f"{v} new ") == ["lead", "contact", "account", "opportunity", "activity", "task", "note", "issue"]


def test_the_vault_as_the_command_line_or_the_folder_names_it(vault, monkeypatch):
    assert complete(f"salesmd show --vault {vault.root} ch") == ["chase-quote"]  # after the command name
    assert complete("salesmd show ch", env={"SALESMD_VAULT": str(vault.root)}) == ["chase-quote"]
    monkeypatch.chdir(vault.root / "tasks")
    assert complete("salesmd show ch") == ["chase-quote"]


def test_answers_follow_the_files_through_the_index(vault):
    v = f"salesmd --vault {vault.root}"
    assert complete(f"{v} show zen") == []
    assert (vault.root / ".salesmd" / "index.sqlite").is_file()
    vault.write("accounts/zenith-freight.md", "---\ntype: account\nname: Zenith Freight\nowner: zoe\n---\n")
    assert complete(f"{v} show zen") == ["zenith-freight"]
    assert complete(f"{v} list account --owner z") == ["zoe"]


def test_no_vault_or_a_broken_one_offers_nothing_and_prints_no_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert complete("salesmd show a") == []
    assert complete("salesmd move x ") == []
    broken = make_vault(tmp_path / "broken", config="pipelines: [unclosed\n")
    assert complete(f"salesmd --vault {broken.root} show a") == []
    assert complete(f"salesmd --vault {tmp_path / 'nowhere'} list account --owner ") == []


def test_bash_completes_with_the_readmes_line(vault):
    """The README's line for bash, sourced in a real bash, then a Tab as bash makes it."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash here")
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    line = 'eval "$(_SALESMD_COMPLETE=bash_source salesmd)"'
    assert line in readme
    script = f"""{line}
COMP_WORDS=(salesmd --vault {shlex.quote(str(vault.root))} move acme-fleet-renewal neg)
COMP_CWORD=5
_salesmd_completion salesmd
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    result = subprocess.run([bash, "--norc", "--noprofile", "-c", script], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.stdout.split() == ["negotiation"], result.stderr

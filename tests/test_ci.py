"""CI: `check --format github|gitlab`, and the example workflow files of docs/ci/ run as CI would
run them (their own command lines, in a full clone of a vault's repository)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import git, make_vault
from salesmd.config import default_config_text

ROOT = Path(__file__).resolve().parent.parent
GITHUB = ROOT / "docs" / "ci" / "github-actions.yml"
GITLAB = ROOT / "docs" / "ci" / "gitlab-ci.yml"
OPP = "opportunities/acme-fleet-renewal.md"


def unescape(text: str) -> str:
    """GitHub's reading of an escaped workflow-command value."""
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}[m[1]], text)


def annotations(output: str) -> list[dict]:
    """The `::error ...::message` lines of `output`, as GitHub reads them."""
    found = []
    for line in output.splitlines():
        m = re.fullmatch(r"::(error|warning) ([^:]*)::(.*)", line)
        if m:
            props = dict(p.split("=", 1) for p in m[2].split(","))
            found.append({"kind": m[1], **{k: unescape(v) for k, v in props.items()}, "message": unescape(m[3])})
    return found


@pytest.fixture
def in_repo(tmp_path: Path):
    """A vault in crm/ of a repository, committed, with a lead whose file name holds a comma and a
    colon and whose stage holds a percent sign."""
    repo = tmp_path / "repo"
    vault = make_vault(repo / "crm", {"leads/smith, jones: 2.md": "---\ntype: lead\nname: S\nstage: 100%\n---\n"},
                       git_init=False)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    return vault


def test_github_annotations_name_the_path_from_the_repository_top_escaped(in_repo):
    result = in_repo.run("check", "--format", "github", ok=False)
    assert result.exit_code == 1
    raw = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert raw[0].startswith("::error file=crm/leads/smith%2C jones%3A 2.md,line=4,title=stage-unknown::stage '100%25'")
    (found,) = annotations(result.stdout)
    assert found["file"] == "crm/leads/smith, jones: 2.md" and found["line"] == "4"
    assert found["message"].startswith("stage '100%' is not in the lead pipeline")
    assert result.stdout.splitlines()[-1] == "10 records checked: 1 error, 0 warnings"


def test_github_annotations_carry_history_problems_with_their_author(in_repo):
    in_repo.write("leads/smith, jones: 2.md", "---\ntype: lead\nname: S\nstage: new\n---\n")
    text = in_repo.read(OPP)
    in_repo.write(OPP, text.replace("stage: proposal", "stage: won"))
    git(in_repo.root, "commit", "-qam", "won")
    in_repo.write(OPP, text)
    git(in_repo.root, "commit", "-qam", "reopened", "--no-verify")
    result = in_repo.run("check", "--history", "--format", "github", ok=False)
    found = annotations(result.stdout)  # the commit that broke the rule, and the file as it is now
    assert {(f["file"], f["line"], f["title"]) for f in found} == {(f"crm/{OPP}", "4", "terminal-left")}
    assert any(", Test), became 'proposal' in " in f["message"] for f in found)


def test_gitlab_code_quality_report(in_repo):
    in_repo.write("leads/bolt-builders.md", in_repo.read("leads/bolt-builders.md").replace("owner: dev", "owner: dev\nowner: dev"))
    result = in_repo.run("check", "--format", "gitlab", ok=False)
    report = json.loads(result.stdout)  # the whole output is the report
    by_path = {r["location"]["path"]: r for r in report}
    lead = by_path["crm/leads/smith, jones: 2.md"]
    assert lead["check_name"] == "stage-unknown" and lead["severity"] == "major"
    assert lead["location"]["lines"]["begin"] == 4 and "100%" in lead["description"]
    assert by_path["crm/leads/bolt-builders.md"]["check_name"] == "duplicate-key"
    assert len({r["fingerprint"] for r in report}) == len(report) == 2
    assert all(re.fullmatch(r"[0-9a-f]{32}", r["fingerprint"]) for r in report)
    again = json.loads(in_repo.run("check", "--format", "gitlab").stdout)
    assert [r["fingerprint"] for r in again] == [r["fingerprint"] for r in report]  # stable from run to run


def test_a_vault_outside_git_gets_vault_paths(tmp_path: Path):
    vault = make_vault(tmp_path / "v", {"leads/x.md": "---\ntype: lead\nname: X\nstage: nwe\n---\n"}, git_init=False)
    (found,) = annotations(vault.run("check", "--format", "github", ok=False).stdout)
    assert found["file"] == "leads/x.md"


# The workflow files, run as CI runs them.

def workflow_steps() -> list[dict]:
    return yaml.safe_load(GITHUB.read_text())["jobs"]["check"]["steps"]


def test_the_workflow_files_parse_and_fetch_the_whole_history():
    github = yaml.safe_load(GITHUB.read_text())
    checkout = next(s for s in workflow_steps() if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert {"push", "pull_request"} <= set(github[True] if True in github else github["on"])  # YAML 1.1 reads `on` as true
    gitlab = yaml.safe_load(GITLAB.read_text())["salesmd"]
    assert str(gitlab["variables"]["GIT_DEPTH"]) == "0"
    assert gitlab["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    commands = [s["run"] for s in workflow_steps() if "run" in s] + gitlab["script"]
    assert any("check --history --format github" in c for c in commands)
    assert any("check --history --format gitlab" in c for c in commands)


@pytest.fixture
def ci_env(tmp_path: Path) -> dict[str, str]:
    """CI's shell: `salesmd` on PATH is this package (pip installed it), nothing salesmd's set."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "salesmd").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m salesmd "$@"\n')
    (bin_dir / "salesmd").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SALESMD_", "GIT_"))}
    env.update(PATH=os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")]), HOME=str(tmp_path))
    return env


def full_clone(tmp_path: Path, reopened: bool) -> Path:
    """What `actions/checkout` with fetch-depth 0 gives: a clone with every commit; the vault in
    crm/, its deal won and (`reopened`) edited back to proposal later."""
    origin = make_vault(tmp_path / "origin" / "crm", git_init=False)
    git(origin.root.parent, "init", "-q", "-b", "main")
    git(origin.root.parent, "add", "-A")
    git(origin.root.parent, "commit", "-qm", "start")
    text = origin.read(OPP)
    origin.write(OPP, text.replace("stage: proposal", "stage: won"))
    git(origin.root.parent, "commit", "-qam", "won")
    if reopened:
        origin.write(OPP, text)
        git(origin.root.parent, "commit", "-qam", "reopened")
    git(tmp_path, "clone", "-q", "--no-local", str(origin.root.parent), "workspace")
    return tmp_path / "workspace"


def run_lines(lines: list[str], cwd: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess]:
    """Each command line as the CI runner runs it: bash, stopping at the first that fails."""
    done = []
    for line in lines:
        done.append(subprocess.run(["bash", "-eo", "pipefail", "-c", line], cwd=cwd, env=env,
                                   capture_output=True, text=True))
        if done[-1].returncode != 0:
            break
    return done


@pytest.mark.parametrize("reopened", [False, True])
def test_the_github_workflow_run_lines_in_a_full_clone(tmp_path: Path, ci_env, reopened: bool):
    workspace = full_clone(tmp_path, reopened)
    job = yaml.safe_load(GITHUB.read_text())["jobs"]["check"]
    env = {**ci_env, **{k: str(v) for k, v in job["env"].items()}, "VAULT": "crm"}  # the vault is in crm/ here
    lines = [s["run"] for s in workflow_steps() if "run" in s and s.get("name") != "Install salesmd"]
    assert lines, "the workflow runs salesmd"
    done = run_lines(lines, workspace, env)
    if not reopened:
        assert done[-1].returncode == 0, done[-1].stdout + done[-1].stderr
        assert "::error" not in done[-1].stdout
    else:
        assert done[-1].returncode == 1  # the job fails
        found = annotations(done[-1].stdout)
        assert {(f["file"], f["line"], f["title"]) for f in found} == {(f"crm/{OPP}", "4", "terminal-left")}
        assert any("became 'proposal'" in f["message"] for f in found)


@pytest.mark.parametrize("reopened", [False, True])
def test_the_gitlab_job_script_in_a_full_clone(tmp_path: Path, ci_env, reopened: bool):
    workspace = full_clone(tmp_path, reopened)
    job = yaml.safe_load(GITLAB.read_text())["salesmd"]
    env = {**ci_env, **{k: str(v) for k, v in job["variables"].items()}, "VAULT": "crm"}
    lines = [line for line in job["script"] if not line.startswith("pip install")]
    done = run_lines(lines, workspace, env)
    report = json.loads((workspace / "gl-code-quality-report.json").read_text())
    if not reopened:
        assert report == [] and done[-1].returncode == 0
    else:
        assert done[-1].returncode == 1 and len(done) == len(lines)  # the report was written, then the job failed
        assert {(r["check_name"], r["location"]["path"], r["location"]["lines"]["begin"]) for r in report} == \
            {("terminal-left", f"crm/{OPP}", 4)}


def test_a_config_linked_outside_the_repository_is_refused_unread(tmp_path: Path):
    """CI runs `check` in a clone of whatever a pull request brings: a salesmd.yaml committed as a
    link to a file elsewhere on the runner is refused at its line, and nothing of that file shown."""
    secret = tmp_path / "secret.yaml"
    secret.write_text("currency: hunter2-SECRET\n")
    repo = tmp_path / "repo"
    vault = make_vault(repo / "crm", git_init=False)
    (vault.root / "salesmd.yaml").unlink()
    (vault.root / "salesmd.yaml").symlink_to(secret)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))
    assert (clone / "crm" / "salesmd.yaml").is_symlink()
    for args in (["check", "--format", "github"], ["check", "--history", "--format", "github"]):
        done = subprocess.run([sys.executable, "-m", "salesmd", *args], cwd=clone / "crm",
                              capture_output=True, text=True)
        assert done.returncode != 0
        assert "salesmd.yaml:1: error[path-escape]" in done.stdout + done.stderr
        assert "hunter2" not in done.stdout + done.stderr
    # a link that stays in the vault is read as before
    (clone / "crm" / "config.yaml").write_text(default_config_text())
    (clone / "crm" / "salesmd.yaml").unlink()
    (clone / "crm" / "salesmd.yaml").symlink_to("config.yaml")
    inside = subprocess.run([sys.executable, "-m", "salesmd", "check", "--format", "github"], cwd=clone / "crm",
                            capture_output=True, text=True)
    assert inside.returncode == 0, inside.stdout + inside.stderr

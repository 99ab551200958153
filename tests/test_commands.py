"""init, list, show, and the packaging a newcomer relies on."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conftest import as_if_copied, git
from salesmd.cli import main
from salesmd.config import DEFAULT_PIPELINES, Config, load_config

ROOT = Path(__file__).resolve().parent.parent


def test_init_makes_a_vault_that_checks_clean(tmp_path):
    target = tmp_path / "crm"
    result = CliRunner().invoke(main, ["init", str(target)])
    assert result.exit_code == 0, result.output
    for folder in ("leads", "contacts", "accounts", "opportunities", "activities", "tasks", "notes"):
        assert (target / folder).is_dir()
    assert (target / ".git").is_dir()
    assert ".salesmd/" in (target / ".gitignore").read_text()
    assert "_site/" in (target / ".gitignore").read_text()
    check = CliRunner().invoke(main, ["--vault", str(target), "check"])
    assert check.exit_code == 0 and "0 records checked" in check.output


def test_init_refuses_an_existing_vault(tmp_path):
    target = tmp_path / "crm"
    CliRunner().invoke(main, ["init", str(target)])
    (target / "salesmd.yaml").write_text("currency: EUR\n")
    again = CliRunner().invoke(main, ["init", str(target)])
    assert again.exit_code == 2 and "already exists" in again.stderr
    assert (target / "salesmd.yaml").read_text() == "currency: EUR\n"


def test_init_inside_a_repository_does_not_nest_git(tmp_path):
    git(tmp_path, "init", "-q")
    CliRunner().invoke(main, ["init", str(tmp_path / "crm")])
    assert not (tmp_path / "crm" / ".git").exists()


def test_default_config_file_states_every_default(tmp_path):
    """The commented salesmd.yaml that init writes is the same configuration as the built-in one."""
    CliRunner().invoke(main, ["init", str(tmp_path / "crm")])
    cfg, problems = load_config(tmp_path / "crm")
    assert problems == []
    default = Config(root=tmp_path / "crm")
    assert cfg.pipelines == DEFAULT_PIPELINES
    for key in ("currency", "stale_days", "tasks_per_day", "backwards", "commit", "report_dir",
                "max_file_size", "ignore", "activity_kinds", "calendar", "timezone"):
        assert getattr(cfg, key) == getattr(default, key), key
    text = (tmp_path / "crm" / "salesmd.yaml").read_text()
    for name in ("prospecting", "qualification", "proposal", "negotiation", "won", "lost", "disqualified",
                 "stale_days", "tasks_per_day", "activity_kinds", "currency"):
        assert name in text


def test_list_filters_sorts_and_formats(vault):
    result = vault.run("list", "opportunity", "--owner", "maria", ok=True)
    assert "acme-fleet-renewal" in result.output and "48000" in result.output
    assert vault.run("list", "lead", "--where", "stage=contacted", ok=True).output.count("bolt-builders") == 1
    assert "bolt-builders" not in vault.run("list", "lead", "--where", "stage!=contacted").output
    rows = list(csv.DictReader(io.StringIO(vault.run("list", "task", "--sort", "-due", "--format", "csv").output)))
    assert [r["id"] for r in rows] == ["chase-quote", "send-quote"]
    data = vault.json("list", "lead", "--territory", "east")
    assert [d["id"] for d in data] == ["bolt-builders"] and data[0]["path"] == "leads/bolt-builders.md"
    bad = vault.run("list", "lead", "--where", "nonsense")
    assert bad.exit_code == 2 and "key=value" in bad.stderr


def test_show_has_links_backlinks_and_timeline(vault):
    data = vault.json("show", "acme-fleet-renewal")
    assert {(l["key"], l["id"], l["type"]) for l in data["links"]} == {
        ("account", "acme-corp", "account"), ("contacts", "jane-doe", "contact"), ("lead", "jane-doe-inquiry", "lead")}
    assert [t["id"] for t in data["timeline"]] == ["call-jane", "trade-in-terms", "send-quote", "chase-quote"]
    text = vault.run("show", "ACME-Fleet-Renewal", ok=True).output
    assert "Timeline:" in text and "Twelve electric forklifts" in text
    missing = vault.run("show", "acme-fleet-renewl")
    assert missing.exit_code == 1 and "did you mean 'acme-fleet-renewal'" in missing.stderr


def test_example_vault_checks_clean_and_is_rich():
    result = CliRunner().invoke(main, ["--vault", str(ROOT / "example-vault"), "check", "--strict"])
    assert result.exit_code == 0, result.output
    counts = {}
    for type_ in ("lead", "contact", "account", "opportunity", "activity", "task", "note"):
        out = CliRunner().invoke(main, ["--vault", str(ROOT / "example-vault"), "list", type_, "--format", "csv"])
        counts[type_] = len(out.output.strip().splitlines()) - 1
        assert counts[type_] >= 5, type_
    assert sum(counts.values()) >= 60
    stages = CliRunner().invoke(main, ["--vault", str(ROOT / "example-vault"), "list", "opportunity",
                                       "--columns", "stage", "--format", "csv"]).output.split()[1:]
    assert set(stages) >= {"prospecting", "qualification", "proposal", "negotiation", "won", "lost", "disqualified"}
    lead_stages = CliRunner().invoke(main, ["--vault", str(ROOT / "example-vault"), "list", "lead",
                                            "--columns", "stage", "--format", "csv"]).output.split()[1:]
    assert set(lead_stages) >= {"new", "contacted", "qualified", "converted", "disqualified"}


def test_python_dash_m_and_templates_are_installed(tmp_path):
    out = subprocess.run([sys.executable, "-m", "salesmd", "--version"], capture_output=True, text=True)
    assert out.returncode == 0 and "salesmd" in out.stdout
    import salesmd
    from salesmd.paths import builtin_templates

    templates = builtin_templates()
    assert (templates / "salesmd.yaml").is_file()
    if "site-packages" in salesmd.__file__:  # an installed wheel carries its own templates
        assert "site-packages" in str(templates)


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    for name, command in main.commands.items():
        help_text = CliRunner().invoke(main, [name, "--help"]).output
        assert "Example:" in help_text, name
        assert f"salesmd {name}" in readme, name


def test_ci_runs_the_readmes_test_command_word_for_word():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    blocks = [b.split("```", 1)[0].strip() for b in readme.split("```sh\n")[1:]]
    test_command = next(b for b in blocks if b.endswith("pytest") and "[test]" in b)
    assert test_command in ci.splitlines()


def _age_files(root, seconds: int = 60) -> None:
    """Files older than the cache's 2-second racy window, as files usually are."""
    import os
    import time

    old = time.time() - seconds
    for path in root.rglob("*.md"):
        os.utime(path, (old, old))


def test_cache_is_used_rebuilt_when_foreign_and_bypassed_with_no_cache(vault):
    _age_files(vault.root)
    assert "10 files, 10 read" in vault.run("-v", "list", "lead", ok=True).stderr
    cache = vault.root / ".salesmd" / "index.sqlite"
    assert cache.exists()
    assert "10 files, 0 read" in vault.run("-v", "list", "lead", ok=True).stderr
    # an index from elsewhere (a copy, a clone's, another user's) is never read
    as_if_copied(cache)
    assert "10 files, 10 read" in vault.run("-v", "list", "lead", ok=True).stderr
    for extra in cache.parent.glob("index.sqlite*"):
        extra.unlink()
    cache.write_bytes(b"garbage")
    assert "10 files, 10 read" in vault.run("-v", "list", "lead", ok=True).stderr
    assert "10 files, 0 read" in vault.run("-v", "list", "lead", ok=True).stderr
    before = {p.name: p.read_bytes() for p in cache.parent.glob("index.sqlite*")}
    assert "10 files, 10 read" in vault.run("-v", "--no-cache", "list", "lead", ok=True).stderr
    assert {p.name: p.read_bytes() for p in cache.parent.glob("index.sqlite*")} == before


def test_cache_sees_edits(vault):
    _age_files(vault.root, 120)
    vault.run("check", ok=True)
    path = vault.root / "leads" / "bolt-builders.md"
    path.write_text(path.read_text().replace("stage: contacted", "stage: contactd"))
    _age_files(vault.root, 60)  # an mtime in the past, but a new one, and another size
    assert "stage-unknown" in vault.run("check").output


def test_ids_named_in_nfd_match_the_same_id_in_nfc(vault):
    import unicodedata

    nfc, nfd = unicodedata.normalize("NFC", "Café Olé"), unicodedata.normalize("NFD", "Café Olé")
    assert nfc != nfd
    vault.write(f"leads/{nfd}.md", "---\ntype: lead\nname: Café Olé\nstage: new\n---\n")  # as macOS names it
    vault.write("tasks/call-cafe.md", f'---\ntype: task\nsubject: Call\nstatus: open\ndue: 2026-11-26\n'
                                      f'related: ["[[{nfc}]]"]\n---\n')
    vault.run("check", ok=True)  # the link resolves
    shown = vault.run("show", nfc, ok=True).output
    assert "Café Olé" in shown and "call-cafe" in shown  # the backlink too
    vault.run("move", nfc, "contacted", ok=True)
    assert "stage: contacted" in vault.read(f"leads/{nfd}.md")
    vault.write(f"leads/{nfc}.md", "---\ntype: lead\nname: Café again\nstage: new\n---\n")
    assert "error[id-duplicate]" in vault.run("check", ok=False).output
    refused = vault.run("new", "lead", "x", "--id", nfd.lower())
    assert refused.exit_code == 1 and "already" in refused.stderr


def test_an_id_with_leading_spaces_can_be_shown_and_moved(vault):
    vault.write("leads/ spaced.md", "---\ntype: lead\nname: Spaced\nstage: new\n---\n")
    assert "\nspaced " in vault.run("list", "lead", ok=True).output  # a table does not show the space
    for typed in (" spaced", "spaced"):
        assert "Spaced" in vault.run("show", typed, ok=True).output
    vault.run("move", "spaced", "contacted", ok=True)
    assert "stage: contacted" in vault.read("leads/ spaced.md")
    vault.run("move", " spaced", "qualified", ok=True)
    assert "stage: qualified" in vault.read("leads/ spaced.md")
    assert "Bolt Builders" in vault.run("show", " bolt-builders ", ok=True).output  # typed with spaces: still found


def test_show_says_why_a_record_it_cannot_read_is_broken(vault):
    vault.write("leads/torn.md", "---\ntype: lead\nname: [Torn\nstage: new\n---\n")
    result = vault.run("show", "TORN")
    assert result.exit_code == 1 and "no record" not in result.stderr
    assert "leads/torn.md:4: error[yaml-syntax]" in result.stderr
    assert "leads/torn.md cannot be read as a record" in result.stderr
    history = vault.run("history", "torn")
    assert history.exit_code == 1 and "leads/torn.md:4: error[yaml-syntax]" in history.stderr
    assert "no record with id 'nobody'" in vault.run("show", "nobody").stderr


def test_dash_h_is_help_on_every_command_and_writes_nothing(vault):
    import click

    def paths(group, prefix):
        for name, command in group.commands.items():
            yield [*prefix, name]
            if isinstance(command, click.Group):
                yield from paths(command, [*prefix, name])

    before = vault.snapshot()
    commands = list(paths(main, []))
    assert ["new"] in commands and ["import", "csv"] in commands
    for path in [[], *commands]:
        for args in ([*path, "-h"], [*path, "--help"]):
            result = vault.run(*args)
            assert result.exit_code == 0 and "Usage: " in result.output, (args, result.output)
    for args in (["new", "lead", "-h"], ["new", "lead", "Bolt", "--owner", "dev", "-h"], ["new", "task", "--dry-run", "-h"]):
        result = vault.run(*args)
        assert result.exit_code == 0 and "new [OPTIONS] TYPE [NAME]" in result.output, (args, result.output)
    assert vault.snapshot() == before
    vault.run("new", "account", "Dash Co", "--notes", "-h", ok=True)  # a --key's value is a value
    assert 'notes: "-h"' in vault.read("accounts/dash-co.md")
